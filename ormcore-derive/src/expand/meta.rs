//! The `static` [`TableMeta`]: table, columns, key and indexes.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::private;
use crate::internals::ast::{Container, Field, Index};
use crate::internals::attr::{Literal, OnDelete};

/// `static __ORM_META: TableMeta = ..;`, which `Record::META` points to: a
/// static rather than a const so that the table has one address.
pub fn expand(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let name = &cont.table;
    let model = cont.ident.unraw().to_string();
    let columns = cont.columns().map(column);
    let primary_key = cont.key.columns.iter().map(|&i| super::index(i));
    let auto_increment = cont.key.auto_increment;
    let indexes = cont.indexes.iter().map(|i| index(cont, i));
    quote! {
        static __ORM_META: #p::TableMeta = #p::TableMeta {
            name: #name,
            model: #model,
            columns: &[#(#columns),*],
            primary_key: &[#(#primary_key),*],
            auto_increment: #auto_increment,
            indexes: &[#(#indexes),*],
        };
        #p::inventory::submit! { #p::RegisteredTable(&__ORM_META) }
    }
}

fn column(field: &Field<'_>) -> TokenStream {
    let p = private();
    let name = field.column_name();
    let rust_name = &field.name;
    let ty = field.ty;
    // Spanned at the field's type, so that a type that is not a `SqlField`
    // is reported there.
    let sql_field = quote_spanned!(ty.span()=> <#ty as __orm::__private::SqlField>);
    let column_type = match (field.attrs.max_length, field.attrs.decimal()) {
        (Some(n), _) => quote!(#p::ColumnType::VarChar(#n)),
        (None, Some((digits, places))) => quote!(#p::ColumnType::Decimal(#p::Some((#digits, #places)))),
        (None, None) => quote!(#sql_field::COLUMN_TYPE),
    };
    let unique = field.attrs.unique;
    let index = field.indexed();
    let default = match (&field.attrs.default, field.attrs.default_now) {
        (Some(literal), _) => {
            let value = default_value(literal);
            quote!(#p::Some(#value))
        }
        (None, true) => quote!(#p::Some(#p::DefaultValue::CurrentTimestamp)),
        (None, false) => quote!(#p::None),
    };
    let on_delete = match field.attrs.on_delete.unwrap_or(OnDelete::NoAction) {
        OnDelete::NoAction => quote!(NoAction),
        OnDelete::Cascade => quote!(Cascade),
        OnDelete::SetNull => quote!(SetNull),
        OnDelete::Restrict => quote!(Restrict),
    };
    quote! {
        #p::ColumnMeta {
            name: #name,
            field: #rust_name,
            ty: #column_type,
            nullable: #sql_field::NULLABLE,
            unique: #unique,
            index: #index,
            default: #default,
            references: #sql_field::REFERENCES,
            on_delete: #p::OnDelete::#on_delete,
        }
    }
}

fn default_value(literal: &Literal) -> TokenStream {
    let p = private();
    match literal {
        Literal::Int(v) => quote!(#p::DefaultValue::Int(#v)),
        Literal::Float(v) => quote!(#p::DefaultValue::Float(#v)),
        Literal::Bool(v) => quote!(#p::DefaultValue::Bool(#v)),
        Literal::Text(v) => quote!(#p::DefaultValue::Text(#v)),
    }
}

fn index(cont: &Container<'_>, index: &Index) -> TokenStream {
    let p = private();
    let name = &index.name;
    let columns = index.columns.iter().map(|&i| cont.column(i).column_name());
    let unique = index.unique;
    quote! {
        #p::IndexMeta { name: #name, columns: &[#(#columns),*], unique: #unique }
    }
}
