//! `impl FromRow`: decode the columns in order, fill the other fields with
//! their defaults, and remember the decoded values in the `ModelState`
//! field if there is one (so every path that loads a model tracks it).

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::{index, private};
use crate::internals::ast::{Container, Role};

pub fn expand(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let ident = cont.ident;
    let model = ident.unraw().to_string();
    let count = index(cont.columns().count());
    let fields = cont.fields.iter().map(|field| {
        let member = field.ident;
        let ty = field.ty;
        let value = match field.role {
            Role::Column(0) => {
                quote_spanned!(ty.span()=> __orm::__private::decode_column::<#ty>(__row, __start, #model)?)
            }
            Role::Column(i) => {
                let i = index(i);
                quote_spanned!(ty.span()=> __orm::__private::decode_column::<#ty>(__row, __start + #i, #model)?)
            }
            Role::State | Role::Relations | Role::Skip => {
                quote_spanned!(ty.span()=> <#ty as __orm::__private::Default>::default())
            }
        };
        quote!(#member: #value)
    });
    let remember = cont.state_field().map(|field| {
        let member = field.ident;
        quote! {
            let __values = <#ident as #p::Record>::column_values(&__model);
            __model.#member.remember(__values);
        }
    });
    let binding = if remember.is_some() { quote!(let mut __model) } else { quote!(let __model) };
    quote! {
        #[automatically_derived]
        impl #p::FromRow for #ident {
            fn from_row(
                __row: &dyn #p::Row,
                __next: &mut ::core::primitive::usize,
            ) -> #p::Result<Self> {
                let __start = *__next;
                #binding = #ident { #(#fields),* };
                #remember
                *__next = __start + #count;
                #p::Ok(__model)
            }
        }
    }
}
