//! The model as the rest of the macro sees it: the struct's fields with
//! their parsed attributes and roles, the table name, and the primary key
//! and indexes resolved from field names to column numbers. Keeps the syn
//! nodes for spans.

use std::collections::HashSet;

use syn::ext::IdentExt;
use syn::{Data, DeriveInput, Fields, Ident, Type, Visibility};

use super::attr;
use super::case::snake_case;
use super::ctxt::Ctxt;
use super::suggest;
use super::ty;

/// The struct being derived.
pub struct Container<'a> {
    /// The struct's name.
    pub ident: &'a Ident,
    /// The struct's visibility.
    pub vis: &'a Visibility,
    /// Its attributes.
    pub attrs: attr::Container,
    /// Every field, columns or not, in declaration order.
    pub fields: Vec<Field<'a>>,
    /// The SQL table name.
    pub table: String,
    /// The primary key.
    pub key: Key,
    /// The multi-column indexes and unique constraints.
    pub indexes: Vec<Index>,
}

/// A field of the struct.
pub struct Field<'a> {
    /// The field's name as written (possibly a raw identifier).
    pub ident: &'a Ident,
    /// The field's name without `r#`.
    pub name: String,
    /// The field's type.
    pub ty: &'a Type,
    /// Its attributes.
    pub attrs: attr::Field,
    /// What the field is.
    pub role: Role,
}

/// What a field maps to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Column number `n` (in `TableMeta::columns` order).
    Column(usize),
    /// The `ModelState` field (`#[orm(state)]`).
    State,
    /// The `Relations` field (`#[orm(relations)]`).
    Relations,
    /// A field that is not stored (`#[orm(skip)]`).
    Skip,
}

/// The primary key.
#[derive(Debug, Default)]
pub struct Key {
    /// Column numbers, in key order; empty for a table without a key.
    pub columns: Vec<usize>,
    /// Whether the key is one integer column the database assigns.
    pub auto_increment: bool,
}

/// A multi-column index or unique constraint.
pub struct Index {
    /// The index name: given, or `<table>_<col1>_<col2>`.
    pub name: String,
    /// Column numbers, in order.
    pub columns: Vec<usize>,
    /// Whether it is a unique constraint.
    pub unique: bool,
}

impl<'a> Container<'a> {
    /// Build the model from the derive input; `None` (with errors reported)
    /// for anything but a non-generic struct with named fields.
    pub fn from_ast(cx: &Ctxt, item: &'a DeriveInput) -> Option<Self> {
        let attrs = attr::Container::from_ast(cx, item);
        let named = match &item.data {
            Data::Struct(data) => match &data.fields {
                Fields::Named(named) => Some(named),
                Fields::Unnamed(fields) => {
                    cx.error_spanned_by(
                        fields,
                        "`#[derive(Model)]` needs named fields; tuple structs are not supported",
                    );
                    None
                }
                Fields::Unit => {
                    cx.error_spanned_by(
                        &item.ident,
                        "`#[derive(Model)]` needs a struct with named fields, not a unit struct",
                    );
                    None
                }
            },
            Data::Enum(data) => {
                let (keyword, ident) = (&data.enum_token, &item.ident);
                cx.error_spanned_by(
                    quote::quote!(#keyword #ident),
                    "`#[derive(Model)]` applies to structs with named fields, not enums",
                );
                None
            }
            Data::Union(data) => {
                let (keyword, ident) = (&data.union_token, &item.ident);
                cx.error_spanned_by(
                    quote::quote!(#keyword #ident),
                    "`#[derive(Model)]` applies to structs with named fields, not unions",
                );
                None
            }
        };
        if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
            cx.error_spanned_by(
                &item.generics,
                "`#[derive(Model)]` does not support generic structs: a model maps to one table",
            );
            return None;
        }
        let named = named?;

        let mut next_column = 0;
        let fields: Vec<Field<'a>> = named
            .named
            .iter()
            .filter_map(|field| {
                let ident = field.ident.as_ref()?;
                let attrs = attr::Field::from_ast(cx, field);
                let role = if attrs.state {
                    Role::State
                } else if attrs.relations {
                    Role::Relations
                } else if attrs.skip {
                    Role::Skip
                } else {
                    next_column += 1;
                    Role::Column(next_column - 1)
                };
                Some(Field { ident, name: ident.unraw().to_string(), ty: &field.ty, attrs, role })
            })
            .collect();

        let table = attrs.table.clone().unwrap_or_else(|| snake_case(&item.ident.unraw().to_string()));
        let key = resolve_key(cx, &attrs, &fields);
        let indexes = attrs
            .indexes
            .iter()
            .map(|index| {
                let columns = resolve_fields(cx, &fields, &index.fields, if index.unique { "unique" } else { "index" });
                let name = index.name.clone().unwrap_or_else(|| {
                    let names = columns.iter().map(|&c| column_of(&fields, c).column_name());
                    std::iter::once(table.clone()).chain(names).collect::<Vec<_>>().join("_")
                });
                Index { name, columns, unique: index.unique }
            })
            .collect();

        Some(Container { ident: &item.ident, vis: &item.vis, attrs, fields, table, key, indexes })
    }

    /// The fields that are columns, in column order.
    pub fn columns(&self) -> impl Iterator<Item = &Field<'a>> {
        self.fields.iter().filter(|f| matches!(f.role, Role::Column(_)))
    }

    /// The field of column `index`.
    pub fn column(&self, index: usize) -> &Field<'a> {
        column_of(&self.fields, index)
    }

    /// The `#[orm(state)]` field, if any.
    pub fn state_field(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.role == Role::State)
    }

    /// The `#[orm(relations)]` field, if any.
    pub fn relations_field(&self) -> Option<&Field<'a>> {
        self.fields.iter().find(|f| f.role == Role::Relations)
    }

    /// The path of the runtime crate: `::ormcore` unless
    /// `#[orm(crate = "..")]` says otherwise.
    pub fn crate_path(&self) -> proc_macro2::TokenStream {
        match &self.attrs.crate_path {
            Some(path) => quote::quote!(#path),
            None => quote::quote!(::ormcore),
        }
    }
}

impl Field<'_> {
    /// The SQL column name: `column = ".."`, or the field's name, with
    /// `_id` appended for a foreign key (Peewee's convention: `user` is
    /// stored in `user_id`) unless the name ends with it already.
    pub fn column_name(&self) -> String {
        match &self.attrs.column {
            Some(column) => column.clone(),
            None if self.is_foreign_key() && !self.name.ends_with("_id") => format!("{}_id", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether the field is a `ForeignKey<M>`, `ForeignKeyId<M>` or an
    /// `Option` of either.
    pub fn is_foreign_key(&self) -> bool {
        super::ty::foreign_key_target(self.ty).is_some()
    }

    /// Whether the column gets an index of its own: `index`, or by default
    /// a foreign key that no unique constraint or primary key indexes
    /// already (joins and eager loads look rows up by it).
    pub fn indexed(&self) -> bool {
        let indexed_otherwise = self.attrs.unique || self.attrs.primary_key || self.attrs.auto_increment;
        self.attrs.index.unwrap_or(self.is_foreign_key() && !indexed_otherwise)
    }

    /// The column number, for columns.
    pub fn column_index(&self) -> Option<usize> {
        match self.role {
            Role::Column(index) => Some(index),
            Role::State | Role::Relations | Role::Skip => None,
        }
    }
}

/// The field of column `index`. Column numbers come from `Role::Column`,
/// so the field exists.
fn column_of<'f, 'a>(fields: &'f [Field<'a>], index: usize) -> &'f Field<'a> {
    fields
        .iter()
        .find(|f| f.role == Role::Column(index))
        .unwrap_or_else(|| unreachable!("column numbers are assigned to fields"))
}

/// The column numbers of the fields named in a struct attribute list,
/// reporting names that are not columns.
fn resolve_fields(cx: &Ctxt, fields: &[Field<'_>], names: &[Ident], list: &str) -> Vec<usize> {
    let mut seen = HashSet::new();
    let mut columns = Vec::with_capacity(names.len());
    for name in names {
        let wanted = name.unraw().to_string();
        if !seen.insert(wanted.clone()) {
            cx.error_spanned_by(name, format!("field `{wanted}` is listed twice in `{list}(...)`"));
            continue;
        }
        match fields.iter().find(|f| f.name == wanted) {
            None => {
                let hint = match suggest::closest(&wanted, fields.iter().map(|f| f.name.as_str())) {
                    Some(close) => format!("; did you mean `{close}`?"),
                    None => String::new(),
                };
                cx.error_spanned_by(name, format!("no field named `{wanted}` in this struct{hint}"));
            }
            Some(field) => match field.role {
                Role::Column(index) => columns.push(index),
                Role::State | Role::Relations | Role::Skip => cx.error_spanned_by(
                    name,
                    format!("field `{wanted}` is not a column (it is marked `state`, `relations` or `skip`) and cannot be in `{list}(...)`"),
                ),
            },
        }
    }
    columns
}

/// The primary key: the struct's `primary_key(..)`, else the fields marked
/// `primary_key` or `auto_increment`, else an integer field named `id`
/// (auto-increment, like Peewee's implicit `AutoField`), else none.
/// Conflicts between these are reported by `check`.
fn resolve_key(cx: &Ctxt, attrs: &attr::Container, fields: &[Field<'_>]) -> Key {
    if let Some(names) = &attrs.primary_key {
        return Key { columns: resolve_fields(cx, fields, names, "primary_key"), auto_increment: false };
    }
    let marked: Vec<&Field<'_>> = fields
        .iter()
        .filter(|f| f.column_index().is_some() && (f.attrs.primary_key || f.attrs.auto_increment))
        .collect();
    if !marked.is_empty() {
        return Key {
            columns: marked.iter().filter_map(|f| f.column_index()).collect(),
            auto_increment: marked.len() == 1 && marked[0].attrs.auto_increment,
        };
    }
    match fields.iter().find(|f| f.name == "id" && ty::is_auto_integer(f.ty)) {
        Some(Field { role: Role::Column(index), .. }) => Key { columns: vec![*index], auto_increment: true },
        _ => Key::default(),
    }
}
