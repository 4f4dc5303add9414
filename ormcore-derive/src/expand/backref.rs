//! Back-references: `#[orm(backref = "tweets")]` on `Tweet::user:
//! ForeignKey<User>` adds `user.tweets() -> Select<Tweet>`.
//!
//! The method belongs to a trait generated beside the referencing model,
//! `UserTweets` (the referenced model's name, then the method's), and
//! implemented for the referenced model: a crate may implement its own
//! trait for another crate's type, so the two models may live in
//! different crates. Code that calls the method imports the trait with the
//! model (`use models::{Tweet, UserTweets}`, or `use models::*`).
//!
//! The trait must be nameable, so it is emitted beside the model, not
//! inside the `const _` block the rest of the expansion lives in; it names
//! the runtime by the crate path.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;

use crate::internals::ast::Container;
use crate::internals::case::{upper_camel_case, upper_snake_case};
use crate::internals::ty;

pub fn expand(cont: &Container<'_>) -> TokenStream {
    let krate = cont.crate_path();
    let p = quote!(#krate::__private);
    let ident = cont.ident;
    let vis = cont.vis;
    let items = cont.columns().filter_map(|field| {
        let method = field.attrs.backref.as_ref()?;
        let target = ty::foreign_key_target(field.ty)?;
        let fk = field.ty;
        let column = format_ident!("{}", upper_snake_case(&field.name));
        let trait_name = backref_trait(target, method)?;
        let doc = format!(
            " The `{}` rows whose `{}` references this `{}`: the back-reference of `{}::{}`.",
            ident.unraw(),
            field.name,
            ty::display(target),
            ident.unraw(),
            field.name,
        );
        let trait_doc = format!(
            " The back-reference `{method}()` of `{}::{}`, for `{}`: import it to call it.",
            ident.unraw(),
            field.name,
            ty::display(target),
        );
        // The trait takes the visibility of the referencing model, which
        // its method's return type names.
        Some(quote! {
            #[doc = #trait_doc]
            #vis trait #trait_name {
                #[doc = #doc]
                fn #method(&self) -> #p::Select<#ident>;
            }

            #[automatically_derived]
            impl #trait_name for #target {
                fn #method(&self) -> #p::Select<#ident> {
                    let __key = #p::Expr::<<#fk as #p::SqlField>::Sql>::from_node(
                        #p::ExprNode::Value(#p::ToValue::to_value(&#p::PrimaryKey::key(self))),
                    );
                    <#ident as #p::Model>::select().where_(#p::ExprOps::eq(#ident::#column, __key))
                }
            }
        })
    });
    quote!(#(#items)*)
}

/// `UserTweets` for a back-reference `tweets` to `User` (the last segment
/// of the referenced type's path).
pub fn backref_trait(target: &syn::Type, method: &syn::Ident) -> Option<syn::Ident> {
    let syn::Type::Path(path) = target else { return None };
    let model = path.path.segments.last()?.ident.unraw();
    Some(format_ident!("{}{}", model, upper_camel_case(&method.unraw().to_string())))
}
