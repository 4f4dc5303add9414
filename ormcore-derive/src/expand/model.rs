//! `impl Record` (metadata, values, key), `impl Model` (the dirty-tracking
//! state; the rest is provided) and `impl PrimaryKey` for single-column keys.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::{index, private};
use crate::internals::ast::{Container, Field};
use crate::internals::ty;

pub fn expand(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let ident = cont.ident;
    let model = ident.unraw().to_string();
    let values = cont.columns().map(to_value);
    let count = cont.columns().count();
    let arms = cont.columns().enumerate().map(|(i, field)| {
        let i = index(i);
        let value = to_value(field);
        quote!(#i => #value)
    });
    let field_arms = cont.columns().enumerate().map(|(i, field)| {
        let i = index(i);
        let member = field.ident;
        quote!(#i => #p::Some(&mut self.#member as &mut dyn ::core::any::Any))
    });
    let field_ref_arms = cont.columns().enumerate().map(|(i, field)| {
        let i = index(i);
        let member = field.ident;
        quote!(#i => #p::Some(&self.#member as &dyn ::core::any::Any))
    });
    let restores = cont.columns().enumerate().map(|(i, field)| {
        let i = index(i);
        let member = field.ident;
        let ty = field.ty;
        quote_spanned! {ty.span()=>
            if let #p::Some(__value) = __values.get(#i) {
                if let #p::Ok(__field) = <#ty as #p::FromValue>::from_value(__value.as_ref()) {
                    self.#member = __field;
                }
            }
        }
    });
    let primary_key_values = primary_key_values(cont);
    let set_auto_id = set_auto_id(cont);
    let state = cont.state_field().map(|field| {
        let member = field.ident;
        let ty = field.ty;
        let (state, state_mut) =
            (quote_spanned!(ty.span()=> &self.#member), quote_spanned!(ty.span()=> &mut self.#member));
        quote! {
            fn state(&self) -> #p::Option<&#p::ModelState> {
                #p::Some(#state)
            }
            fn state_mut(&mut self) -> #p::Option<&mut #p::ModelState> {
                #p::Some(#state_mut)
            }
        }
    });
    let relations = cont.relations_field().map(|field| {
        let member = field.ident;
        let ty = field.ty;
        let (get, get_mut) = (quote_spanned!(ty.span()=> &self.#member), quote_spanned!(ty.span()=> &mut self.#member));
        quote! {
            #[automatically_derived]
            impl #p::HasRelations for #ident {
                fn relations(&self) -> &#p::Relations {
                    #get
                }
                fn relations_mut(&mut self) -> &mut #p::Relations {
                    #get_mut
                }
            }
        }
    });
    // `#[orm(hooks)]`: the user implements `Hooks`; otherwise there are
    // none, and writes open no transaction for them.
    let hooks = (!cont.attrs.hooks).then(|| {
        quote! {
            #[automatically_derived]
            impl #p::Hooks for #ident {
                const ENABLED: ::core::primitive::bool = false;
            }
        }
    });
    quote! {
        #[automatically_derived]
        impl #p::Model for #ident {
            #state
        }

        #hooks

        #relations

        #[automatically_derived]
        impl #p::Record for #ident {
            const META: &'static #p::TableMeta = &__ORM_META;

            fn column_values(&self) -> #p::Vec<#p::Value> {
                <#p::Vec<#p::Value> as #p::From<[#p::Value; #count]>>::from([#(#values),*])
            }

            // Indexes come from `META.columns` and from column constants,
            // so one out of range is a bug in the caller: panic rather than
            // return NULL, which would be written to the database.
            fn column_value(&self, __index: ::core::primitive::usize) -> #p::Value {
                match __index {
                    #(#arms,)*
                    _ => ::core::panic!(
                        "column index {} out of range: `{}` has {} columns",
                        __index, #model, #count,
                    ),
                }
            }

            fn column_field_mut(
                &mut self,
                __index: ::core::primitive::usize,
            ) -> #p::Option<&mut dyn ::core::any::Any> {
                match __index {
                    #(#field_arms,)*
                    _ => #p::None,
                }
            }

            fn column_field(&self, __index: ::core::primitive::usize) -> #p::Option<&dyn ::core::any::Any> {
                match __index {
                    #(#field_ref_arms,)*
                    _ => #p::None,
                }
            }

            fn restore_column_values(&mut self, __values: &[#p::Value]) {
                #(#restores)*
            }

            #primary_key_values
            #set_auto_id
        }
    }
}

/// `ToValue::to_value(&self.field)`, spanned at the field's type so that
/// a type without `ToValue` is reported there.
fn to_value(field: &Field<'_>) -> TokenStream {
    let member = field.ident;
    let ty = field.ty;
    quote_spanned!(ty.span()=> <#ty as __orm::__private::ToValue>::to_value(&self.#member))
}

fn primary_key_values(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let key = &cont.key;
    let body = match key.columns.as_slice() {
        // `Some(empty)` rather than `None`: the row is not "unsaved", it has
        // no key, and deleting it reports that.
        [] => quote!(#p::Some(#p::Vec::new())),
        [column] if key.auto_increment => {
            let value = to_value(cont.column(*column));
            quote! {
                match #value {
                    #p::Value::Int(0) | #p::Value::Null => #p::None,
                    __key => #p::Some(<#p::Vec<#p::Value> as #p::From<[#p::Value; 1]>>::from([__key])),
                }
            }
        }
        columns => {
            let count = columns.len();
            let values = columns.iter().map(|&i| to_value(cont.column(i)));
            quote!(#p::Some(<#p::Vec<#p::Value> as #p::From<[#p::Value; #count]>>::from([#(#values),*])))
        }
    };
    quote! {
        fn primary_key_values(&self) -> #p::Option<#p::Vec<#p::Value>> {
            #body
        }
    }
}

fn set_auto_id(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let key = match cont.key.columns.as_slice() {
        [column] if cont.key.auto_increment => cont.column(*column),
        _ => {
            return quote! {
                fn set_auto_id(&mut self, _id: ::core::primitive::i64) -> #p::Result<()> {
                    #p::Ok(())
                }
            };
        }
    };
    let member = key.ident;
    let ty = key.ty;
    let model = cont.ident.unraw().to_string();
    let field = &key.name;
    let ty_name = ty::display(ty);
    quote! {
        fn set_auto_id(&mut self, __id: ::core::primitive::i64) -> #p::Result<()> {
            // `FromValue` converts with a range check (and wraps in `Some`
            // for `Option` keys).
            match <#ty as #p::FromValue>::from_value(#p::ValueRef::Int(__id)) {
                #p::Ok(__key) => {
                    self.#member = __key;
                    #p::Ok(())
                }
                #p::Err(_) => #p::Err(#p::DecodeError::new(
                    #ty_name,
                    ::std::format!("the key {} that the database assigned to the new row", __id),
                ).at(#model, #field)),
            }
        }
    }
}

/// `impl PrimaryKey` when the key is exactly one column.
pub fn expand_primary_key(cont: &Container<'_>) -> TokenStream {
    let p = private();
    let [column] = cont.key.columns.as_slice() else {
        return TokenStream::new();
    };
    let field = cont.column(*column);
    let ident = cont.ident;
    let member = field.ident;
    let ty = field.ty;
    let table = &cont.table;
    let name = field.column_name();
    let i = index(*column);
    quote! {
        #[automatically_derived]
        impl #p::PrimaryKey for #ident {
            type Key = #ty;
            const KEY: #p::Column<Self, #ty> = #p::Column::new(#table, #name, #i);
            fn key(&self) -> #ty {
                <#ty as #p::Clone>::clone(&self.#member)
            }
        }
    }
}
