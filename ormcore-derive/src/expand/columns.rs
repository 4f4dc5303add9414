//! The column constants: `impl User { pub const NAME: Column<User, String> = .. }`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{index, private};
use crate::internals::ast::Container;
use crate::internals::case::upper_snake_case;

pub fn expand(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let ident = cont.ident;
    let table = &cont.table;
    let constants = cont.columns().enumerate().map(|(i, field)| {
        let constant = format_ident!("{}", upper_snake_case(&field.name), span = field.ident.span());
        let ty = field.ty;
        let name = field.column_name();
        let doc = format!(" Column `{name}` of `{table}`.");
        let i = index(i);
        quote! {
            #[doc = #doc]
            pub const #constant: #p::Column<#ident, #ty> = #p::Column::new(#table, #name, #i);
        }
    });
    quote! {
        impl #ident {
            #(#constants)*
        }
    }
}
