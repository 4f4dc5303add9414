//! Table metadata, built as statics by `#[derive(Model)]` and read by the
//! query builders, the SQL compiler and the DDL it writes.

use crate::error::Error;

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

    /// The auto-increment key column, whose new value an insert reports:
    /// the single-column key of a table whose key the database assigns.
    pub fn auto_key(&self) -> Option<&'static ColumnMeta> {
        self.primary_key_column().filter(|_| self.auto_increment)
    }

    /// The tables this table references through foreign keys.
    pub fn references(&self) -> impl Iterator<Item = &'static TableMeta> + '_ {
        self.columns.iter().filter_map(|c| c.references.map(|r| r()))
    }

    /// Every table of a `#[derive(Model)]` struct in the program, from
    /// every crate linked into it.
    pub fn all() -> impl Iterator<Item = &'static TableMeta> {
        inventory::iter::<RegisteredTable>.into_iter().map(|registered| registered.0)
    }

    /// The foreign-key columns, of every table in [`all`](Self::all), that
    /// reference this table: what `adelete_instance(..).recursive()`
    /// deletes or clears.
    pub fn referenced_by(&'static self) -> impl Iterator<Item = (&'static TableMeta, &'static ColumnMeta)> {
        Self::all().flat_map(move |table| {
            table.columns.iter().filter(move |c| c.references.is_some_and(|r| r() == self)).map(move |c| (table, c))
        })
    }
}

/// A table registered by `#[derive(Model)]`, for [`TableMeta::all`]. Not
/// public API.
#[doc(hidden)]
pub struct RegisteredTable(pub &'static TableMeta);

inventory::collect!(RegisteredTable);

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

/// The column type a field is created with; each dialect renders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ColumnType {
    /// 16-bit integer.
    SmallInt,
    /// 32-bit integer.
    Integer,
    /// 64-bit integer.
    BigInt,
    /// 32-bit float.
    Real,
    /// 64-bit float.
    Double,
    /// Boolean.
    Boolean,
    /// Text of any length.
    Text,
    /// Text of at most this many characters (`#[orm(max_length = N)]`).
    VarChar(u32),
    /// Binary data.
    Blob,
    /// Calendar date.
    Date,
    /// Time of day.
    Time,
    /// Timestamp without zone.
    DateTime,
    /// Timestamp in UTC.
    DateTimeUtc,
    /// UUID.
    Uuid,
    /// JSON document.
    Json,
    /// Exact decimal: with `Some((precision, scale))` at most `precision`
    /// digits, `scale` of them after the decimal point, as declared with
    /// `#[orm(max_digits = P, decimal_places = S)]`; with `None` as exact
    /// as the backend stores decimals (PostgreSQL's unbounded `NUMERIC`
    /// holds every `rust_decimal::Decimal`).
    Decimal(Option<(u8, u8)>),
}

/// What an integrity error learns from the table its write went to.
impl Error {
    /// Name the model and column of an [`Error::Integrity`] raised by a
    /// write to `table`, where the constraint tells the column: SQLite's
    /// `table.column`, a NOT NULL column, PostgreSQL's default constraint
    /// names (`table_column_key`, `_fkey`, `_pkey`, `_check`), or a
    /// one-column index of the table.
    pub(crate) fn on_table(self, table: &'static TableMeta) -> Self {
        match self {
            Error::Integrity { kind, constraint, model: None, column, message, source } => {
                let column = column.or_else(|| constraint.as_deref().and_then(|c| constraint_column(table, c)));
                Error::Integrity { kind, constraint, model: Some(table.model), column, message, source }
            }
            other => other,
        }
    }
}

/// The one column of `table` that `constraint` (as a database reported
/// it) is on, if that can be told.
fn constraint_column(table: &TableMeta, constraint: &str) -> Option<String> {
    let is_column = |name: &str| table.columns.iter().any(|c| c.name == name);
    let named = constraint
        .strip_prefix(table.name)
        .and_then(|rest| rest.strip_prefix('.').or_else(|| rest.strip_prefix('_')))
        .map(|rest| {
            ["_key", "_fkey", "_pkey", "_check"].iter().find_map(|suffix| rest.strip_suffix(suffix)).unwrap_or(rest)
        });
    match named {
        Some(name) if is_column(name) => Some(name.to_owned()),
        _ if is_column(constraint) => Some(constraint.to_owned()),
        _ => table
            .indexes
            .iter()
            .find(|index| index.name == constraint && index.columns.len() == 1)
            .map(|index| index.columns[0].to_owned()),
    }
}
