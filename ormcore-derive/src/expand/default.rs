//! `impl Default` for models that declare column defaults: a field with
//! `default = ..` or `default_now` starts at its declared default (as
//! Peewee fills defaults when an instance is made), every other field at
//! its type's `Default`. So `User { name, ..User::default() }` is a new row
//! with the declared defaults, whatever path then creates it.

use proc_macro2::{Literal as Token, TokenStream};
use quote::{ToTokens, quote, quote_spanned};
use syn::spanned::Spanned;

use super::private;
use crate::internals::ast::{Container, Field, Role};
use crate::internals::attr::Literal;
use crate::internals::ty;

/// Whether the model declares a default on some column, and so gets its
/// `Default` from the derive.
pub fn declares_defaults(cont: &Container<'_>) -> bool {
    cont.columns().any(|field| field.attrs.default.is_some() || field.attrs.default_now)
}

pub fn expand(cont: &Container<'_>) -> TokenStream {
    if !declares_defaults(cont) {
        return TokenStream::new();
    }
    let p = private();
    let ident = cont.ident;
    let fields = cont.fields.iter().map(|field| {
        let member = field.ident;
        let ty = field.ty;
        let value = match (field.role, &field.attrs.default) {
            (Role::Column(_), Some(literal)) => literal_default(field, literal),
            (Role::Column(_), None) if field.attrs.default_now => {
                quote_spanned!(ty.span()=> <#ty as #p::DefaultNow>::default_now())
            }
            _ => quote_spanned!(ty.span()=> <#ty as #p::Default>::default()),
        };
        quote!(#member: #value)
    });
    quote! {
        #[automatically_derived]
        impl #p::Default for #ident {
            fn default() -> Self {
                Self { #(#fields),* }
            }
        }
    }
}

/// The literal as a value of the field's type: a literal of the field's
/// own primitive type where the macro knows it (so that an integer that
/// does not fit is a compile error), converted with `From` otherwise.
fn literal_default(field: &Field<'_>, literal: &Literal) -> TokenStream {
    let p = private();
    let span = field.ty.span();
    let inner = ty::option_inner(field.ty).unwrap_or(field.ty);
    let from =
        |source: TokenStream, token: TokenStream| quote_spanned!(span=> <#inner as #p::From<#source>>::from(#token));
    let value = match (literal, ty::primitive(inner)) {
        (Literal::Bool(v), _) => quote_spanned!(span=> #v),
        (Literal::Int(v), Some(name)) if name != "bool" => {
            // An integer type, or a float one: `3` becomes `3.0f64`.
            let magnitude = match name.starts_with('f') {
                true => syn::LitFloat::new(&format!("{}.0{name}", v.unsigned_abs()), span).into_token_stream(),
                false => syn::LitInt::new(&format!("{}{name}", v.unsigned_abs()), span).into_token_stream(),
            };
            let sign = (*v < 0).then(|| quote_spanned!(span=> -));
            quote_spanned!(span=> #sign #magnitude)
        }
        (Literal::Int(v), _) => {
            let token = Token::i64_suffixed(*v);
            from(quote!(::core::primitive::i64), quote!(#token))
        }
        (Literal::Float(v), Some("f32")) => {
            let token = Token::f32_suffixed(*v as f32);
            quote_spanned!(span=> #token)
        }
        (Literal::Float(v), Some("f64")) => {
            let token = Token::f64_suffixed(*v);
            quote_spanned!(span=> #token)
        }
        (Literal::Float(v), _) => {
            let token = Token::f64_suffixed(*v);
            from(quote!(::core::primitive::f64), quote!(#token))
        }
        (Literal::Text(v), _) => from(quote!(&'static ::core::primitive::str), quote!(#v)),
    };
    if ty::option_inner(field.ty).is_some() { quote!(#p::Some(#value)) } else { value }
}
