//! [`Record`]: a Rust type whose values are rows of one table.

use std::any::Any;

use super::TableMeta;
use crate::error::Result;
use crate::row::FromRow;
use crate::value::Value;

/// A type whose values are the rows of one table: the table's metadata and
/// the conversions between an instance and its columns' values. It is what
/// the query builders and the statements they compile need of a model;
/// [`Model`](crate::Model) adds the methods that run queries.
/// `#[derive(Model)]` implements both.
pub trait Record: FromRow + Sync + Sized + 'static {
    /// The table: name, columns, keys, indexes.
    const META: &'static TableMeta;

    /// The values of every column, in [`TableMeta::columns`] order.
    fn column_values(&self) -> Vec<Value>;

    /// The value of column `index` (in [`TableMeta::columns`] order).
    fn column_value(&self, index: usize) -> Value;

    /// The primary key's values, in [`TableMeta::primary_key`] order; `None`
    /// while an auto-increment key is unassigned (`0` or `None`).
    fn primary_key_values(&self) -> Option<Vec<Value>>;

    /// Store the key the database assigned on insert. Does nothing for
    /// models without an auto-increment key. Fails with [`Error::Decode`]
    /// (naming the model and the key field) when the key does not fit the
    /// field's type, such as a SQLite rowid past `i32::MAX` for an `i32`
    /// key.
    ///
    /// [`Error::Decode`]: crate::Error::Decode
    fn set_auto_id(&mut self, id: i64) -> Result<()>;

    /// Set every column back to `values` (as [`column_values`](Self::column_values)
    /// gave them), leaving the other fields alone: a save that was rolled
    /// back gives the instance its columns from before it. Does nothing by
    /// default (a hand-written `Record`).
    #[doc(hidden)]
    fn restore_column_values(&mut self, values: &[Value]) {
        let _ = values;
    }

    /// The field of column `index`, for code that knows its type from a
    /// typed [`Column`](crate::Column) (the relations a join or an eager
    /// load fills). `None` for an index out of range, and for every index
    /// by default: a hand-written `Record` whose relations are not filled.
    #[doc(hidden)]
    fn column_field_mut(&mut self, index: usize) -> Option<&mut dyn Any> {
        let _ = index;
        None
    }

    /// The field of column `index`, to read: [`column_field_mut`](Self::column_field_mut)'s
    /// shared form (a many-to-many load reads the junction's key).
    #[doc(hidden)]
    fn column_field(&self, index: usize) -> Option<&dyn Any> {
        let _ = index;
        None
    }
}
