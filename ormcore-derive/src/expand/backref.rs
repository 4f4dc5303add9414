//! Back-references: `#[orm(backref = "tweets")]` on `Tweet::user:
//! ForeignKey<User>` adds `User::tweets(&self) -> Select<Tweet>`.
//!
//! The method is an inherent impl on the referenced model, which Rust
//! allows only in the crate that defines it: both models must live in the
//! same crate.

use proc_macro2::TokenStream;
use quote::quote;
use syn::ext::IdentExt;

use super::private;
use crate::internals::ast::Container;
use crate::internals::case::upper_snake_case;
use crate::internals::ty;

pub fn expand(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let ident = cont.ident;
    let vis = cont.vis;
    let methods = cont.columns().filter_map(|field| {
        let method = field.attrs.backref.as_ref()?;
        let target = ty::foreign_key_target(field.ty)?;
        let fk = field.ty;
        let column = quote::format_ident!("{}", upper_snake_case(&field.name));
        let doc = format!(
            " The `{}` rows whose `{}` references this `{}`: the back-reference of `{}::{}`.",
            ident.unraw(),
            field.name,
            ty::display(target),
            ident.unraw(),
            field.name,
        );
        // The method takes the visibility of the referencing model, which
        // its return type names.
        Some(quote! {
            impl #target {
                #[doc = #doc]
                #vis fn #method(&self) -> #p::Select<#ident> {
                    let __key = #p::Expr::<<#fk as #p::SqlField>::Sql>::from_node(
                        #p::ExprNode::Value(#p::ToValue::to_value(&#p::PrimaryKey::key(self))),
                    );
                    <#ident as #p::Model>::select().where_(#p::ExprOps::eq(#ident::#column, __key))
                }
            }
        })
    });
    quote!(#(#methods)*)
}
