//! Reading rows: the [`Row`] a backend hands out, [`FromRow`] for the types a
//! query decodes into (models, scalars, tuples of them), and [`SqlRow`], an
//! owned untyped row.

use std::sync::Arc;

use crate::error::{Error, Result};
use crate::value::{FromValue, Value, ValueRef};

/// One row of a result, borrowed from the backend while it is decoded.
///
/// Implemented by each backend over its driver's row type, so that decoding
/// goes straight from the driver's buffers into the Rust fields with no
/// intermediate row of owned values.
pub trait Row {
    /// The number of columns.
    fn len(&self) -> usize;

    /// True when the row has no columns.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The name of column `index`.
    fn column_name(&self, index: usize) -> &str;

    /// The value of column `index`, in the [`ValueRef`] variant closest to the
    /// column's type. Errors only for indexes out of range and for column
    /// types the backend cannot represent.
    fn value(&self, index: usize) -> Result<ValueRef<'_>>;
}

/// A type a row (or a run of its columns) decodes into.
///
/// Implemented by `#[derive(Model)]` for models, here for the scalar field
/// types, for tuples of `FromRow` types (which read their columns one after
/// the other, so `(Tweet, User)` decodes a join), and for [`SqlRow`].
pub trait FromRow: Sized + Send {
    /// Decode the columns starting at `*next`, advancing it past them.
    fn from_row(row: &dyn Row, next: &mut usize) -> Result<Self>;
}

/// Decode one column of a row into `T`, naming the model and column on error.
#[inline]
pub fn decode_column<T: FromValue>(row: &dyn Row, index: usize, model: &'static str) -> Result<T> {
    match T::from_value(row.value(index)?) {
        Ok(value) => Ok(value),
        Err(error) => Err(decode_failed(error, row, index, model)),
    }
}

/// The error path of [`decode_column`], kept out of the hot loop.
#[cold]
#[inline(never)]
fn decode_failed(error: crate::DecodeError, row: &dyn Row, index: usize, model: &'static str) -> Error {
    error.at(model, row.column_name(index))
}

macro_rules! scalar_rows {
    ($($t:ty),* $(,)?) => {$(
        impl FromRow for $t {
            fn from_row(row: &dyn Row, next: &mut usize) -> Result<Self> {
                let index = *next;
                *next += 1;
                decode_column(row, index, "row")
            }
        }
    )*};
}

scalar_rows!((), i8, i16, i32, i64, u8, u16, u32, f32, f64, bool, String, Vec<u8>, Value);
#[cfg(feature = "chrono")]
scalar_rows!(chrono::NaiveDate, chrono::NaiveTime, chrono::NaiveDateTime, chrono::DateTime<chrono::Utc>);
#[cfg(feature = "uuid")]
scalar_rows!(uuid::Uuid);
#[cfg(feature = "json")]
scalar_rows!(serde_json::Value);
#[cfg(feature = "decimal")]
scalar_rows!(rust_decimal::Decimal);

impl<T: FromValue + Send> FromRow for Option<T> {
    fn from_row(row: &dyn Row, next: &mut usize) -> Result<Self> {
        let index = *next;
        *next += 1;
        decode_column(row, index, "row")
    }
}

macro_rules! tuple_rows {
    ($($name:ident)+) => {
        impl<$($name: FromRow),+> FromRow for ($($name,)+) {
            fn from_row(row: &dyn Row, next: &mut usize) -> Result<Self> {
                Ok(($($name::from_row(row, next)?,)+))
            }
        }
    };
}

tuple_rows!(A);
tuple_rows!(A B);
tuple_rows!(A B C);
tuple_rows!(A B C D);
tuple_rows!(A B C D E);
tuple_rows!(A B C D E F);
tuple_rows!(A B C D E F G);
tuple_rows!(A B C D E F G H);

/// An owned, untyped row: what raw SQL returns when no Rust type is asked
/// for. Takes every remaining column of the row.
#[derive(Debug, Clone, PartialEq)]
pub struct SqlRow {
    columns: Arc<[String]>,
    values: Vec<Value>,
}

impl SqlRow {
    /// A row from column names and values, which must be as many.
    pub fn new(columns: Arc<[String]>, values: Vec<Value>) -> Self {
        debug_assert_eq!(columns.len(), values.len());
        SqlRow { columns, values }
    }

    /// The column names.
    pub fn columns(&self) -> &[String] {
        &self.columns
    }

    /// The values, in column order.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// Unwrap into the values.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// Decode column `index` into `T`.
    pub fn get<T: FromValue>(&self, index: usize) -> Result<T> {
        let value = self.values.get(index).ok_or_else(|| {
            Error::interface(format!("column index {index} out of range for a row of {}", self.values.len()))
        })?;
        let column = self.columns.get(index).cloned().unwrap_or_else(|| index.to_string());
        T::from_value(value.as_ref()).map_err(|e| e.at("row", column))
    }

    /// Decode the column named `name` into `T`.
    pub fn get_by_name<T: FromValue>(&self, name: &str) -> Result<T> {
        let index = self
            .columns
            .iter()
            .position(|c| c == name)
            .ok_or_else(|| Error::interface(format!("no column named {name:?} in this row")))?;
        self.get(index)
    }
}

impl FromRow for SqlRow {
    fn from_row(row: &dyn Row, next: &mut usize) -> Result<Self> {
        let start = *next;
        let end = row.len();
        let columns: Arc<[String]> = (start..end).map(|i| row.column_name(i).to_owned()).collect();
        let values = (start..end).map(|i| row.value(i).map(|v| v.to_owned())).collect::<Result<_>>()?;
        *next = end;
        Ok(SqlRow { columns, values })
    }
}
