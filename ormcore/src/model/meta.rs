//! Table metadata, built as statics by `#[derive(Model)]` and read by the
//! query builders and the DDL compiler.

use crate::types::ColumnType;

/// A table: what `#[derive(Model)]` knows about the struct.
#[derive(Debug)]
pub struct TableMeta {
    /// The table name.
    pub name: &'static str,
    /// The Rust struct's name, for error messages (`User matching query does
    /// not exist`).
    pub model: &'static str,
    /// Every column, in field order.
    pub columns: &'static [ColumnMeta],
    /// Indexes into `columns` of the primary key (several for a composite key;
    /// none for a table without one).
    pub primary_key: &'static [usize],
    /// Whether the primary key is a single integer assigned by the database.
    pub auto_increment: bool,
    /// Indexes and unique constraints over one or more columns.
    pub indexes: &'static [IndexMeta],
}

/// A table is its one static (`#[derive(Model)]` makes a `static`, not a
/// `const`): two are equal when they are the same one.
impl PartialEq for TableMeta {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for TableMeta {}

impl TableMeta {
    /// The column at `index`.
    pub fn column(&self, index: usize) -> &'static ColumnMeta {
        &self.columns[index]
    }

    /// The column whose SQL name is `name`.
    pub fn column_named(&self, name: &str) -> Option<&'static ColumnMeta> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// The single-column primary key, if the key has exactly one column.
    pub fn primary_key_column(&self) -> Option<&'static ColumnMeta> {
        match self.primary_key {
            [index] => Some(&self.columns[*index]),
            _ => None,
        }
    }

    /// The tables this table references through foreign keys.
    pub fn references(&self) -> impl Iterator<Item = &'static TableMeta> + '_ {
        self.columns.iter().filter_map(|c| c.references.map(|r| r()))
    }
}

/// A column.
#[derive(Debug)]
pub struct ColumnMeta {
    /// The SQL column name.
    pub name: &'static str,
    /// The Rust field name.
    pub field: &'static str,
    /// The DDL type.
    pub ty: ColumnType,
    /// Whether NULL is allowed (the field is an `Option`).
    pub nullable: bool,
    /// Whether the column has its own UNIQUE constraint.
    pub unique: bool,
    /// Whether the column has its own (non-unique) index.
    pub index: bool,
    /// The column's SQL `DEFAULT`.
    pub default: Option<DefaultValue>,
    /// The referenced table, for foreign keys; the key is its primary key.
    pub references: Option<fn() -> &'static TableMeta>,
    /// The action when the referenced row is deleted.
    pub on_delete: OnDelete,
}

/// A column's SQL `DEFAULT`, written into `CREATE TABLE`. DDL cannot bind
/// parameters, so these come from the model's source, never from input.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum DefaultValue {
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// A string, written as an escaped literal.
    Text(&'static str),
    /// The current timestamp.
    CurrentTimestamp,
}

/// What a foreign key does when the referenced row is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum OnDelete {
    /// Refuse the delete (the SQL default, `NO ACTION`).
    #[default]
    NoAction,
    /// Delete the referencing rows too.
    Cascade,
    /// Set the referencing column to NULL.
    SetNull,
    /// Refuse the delete immediately.
    Restrict,
}

/// An index or unique constraint over columns of a table.
#[derive(Debug)]
pub struct IndexMeta {
    /// The index name; generated as `<table>_<columns>` when not given.
    pub name: &'static str,
    /// The SQL column names, in order.
    pub columns: &'static [&'static str],
    /// Whether the index is unique.
    pub unique: bool,
}
