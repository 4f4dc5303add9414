//! mysql_async rows read through ormcore's `Row` trait.

use ormcore::{Error, ValueRef};

/// One row of a result, borrowed from mysql_async while it is decoded.
pub(crate) struct MySqlRow<'a>(pub(crate) &'a mysql_async::Row);

impl ormcore::Row for MySqlRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn column_name(&self, index: usize) -> &str {
        // Column names are UTF-8 on every connection ormcore opens
        // (utf8mb4); one that is not reads as "?".
        self.0.columns_ref().get(index).and_then(|column| std::str::from_utf8(column.name_ref()).ok()).unwrap_or("?")
    }

    fn value(&self, index: usize) -> ormcore::Result<ValueRef<'_>> {
        let (Some(column), Some(value)) = (self.0.columns_ref().get(index), self.0.as_ref(index)) else {
            return Err(out_of_range(index, self.0.len()));
        };
        crate::value::decode(value, column)
    }
}

#[cold]
#[inline(never)]
fn out_of_range(index: usize, len: usize) -> Error {
    Error::interface(format!("column index {index} out of range for a row of {len} columns"))
}
