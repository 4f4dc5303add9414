//! Attributes on the struct: `#[orm(table = "..", primary_key(..),
//! index(..), unique(..), hooks, crate = "..")]`.

use syn::{DeriveInput, Ident};

use super::{Attr, key_span, parse_orm_attrs, skip_rest, unknown_key, value};
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::{CRATE, HOOKS, INDEX, PRIMARY_KEY, Symbol, TABLE, UNIQUE};

/// The keys a struct accepts, for the unknown-key message.
pub const KEYS: &[Symbol] = &[TABLE, PRIMARY_KEY, INDEX, UNIQUE, HOOKS, CRATE];

/// The struct's attributes, as given (field names are resolved in `ast`).
pub struct Container {
    /// `table = ".."`.
    pub table: Option<String>,
    /// `primary_key(a, b)`: the key's fields, in order.
    pub primary_key: Option<Vec<Ident>>,
    /// Every `index(..)` and `unique(..)`, in order.
    pub indexes: Vec<IndexAttr>,
    /// `crate = ".."`: the path of the runtime crate.
    pub crate_path: Option<syn::Path>,
    /// `hooks`: the model implements `Hooks` itself.
    pub hooks: bool,
}

/// One `index(a, b)` or `unique(a, b)`, optionally with `name = ".."`.
pub struct IndexAttr {
    /// The fields, in order.
    pub fields: Vec<Ident>,
    /// The index name, if given.
    pub name: Option<String>,
    /// `unique(..)` rather than `index(..)`.
    pub unique: bool,
}

impl Container {
    /// Parse the `#[orm(...)]` attributes of the struct.
    pub fn from_ast(cx: &Ctxt, item: &DeriveInput) -> Self {
        let mut table = Attr::none(cx, TABLE);
        let mut primary_key = Attr::none(cx, PRIMARY_KEY);
        let mut crate_path = Attr::none(cx, CRATE);
        let mut hooks = Attr::none(cx, HOOKS);
        let mut indexes = Vec::new();

        parse_orm_attrs(cx, &item.attrs, |meta| {
            let key = key_span(meta);
            if meta.path == TABLE {
                if let Some(name) = value::non_empty_string(cx, meta, TABLE, "\"table_name\"")? {
                    table.set(key, name.value());
                }
            } else if meta.path == PRIMARY_KEY {
                if let Some((fields, _)) = value::field_list(cx, meta, PRIMARY_KEY, false)? {
                    primary_key.set(key, fields);
                }
            } else if meta.path == INDEX || meta.path == UNIQUE {
                let unique = meta.path == UNIQUE;
                let name = if unique { UNIQUE } else { INDEX };
                if let Some((fields, index_name)) = value::field_list(cx, meta, name, true)? {
                    indexes.push(IndexAttr { fields, name: index_name.map(|n| n.value()), unique });
                }
            } else if meta.path == HOOKS {
                value::flag(cx, meta, HOOKS)?;
                hooks.set(key, ());
            } else if meta.path == CRATE {
                if let Some(lit) = value::string(cx, meta, CRATE, "\"::ormcore\"")? {
                    match lit.parse::<syn::Path>() {
                        Ok(path) => crate_path.set(key, path),
                        Err(_) => cx.error_spanned_by(&lit, "`crate` must be a path, as in `crate = \"::ormcore\"`"),
                    }
                }
            } else {
                unknown_key(cx, meta, KEYS, super::field::KEYS, "a struct", "fields");
                skip_rest(meta)?;
            }
            Ok(())
        });

        Container {
            table: table.get(),
            primary_key: primary_key.get(),
            indexes,
            crate_path: crate_path.get(),
            hooks: hooks.get().is_some(),
        }
    }
}
