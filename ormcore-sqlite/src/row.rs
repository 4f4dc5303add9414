//! rusqlite rows read through ormcore's `Row` trait, with no copy.

use ormcore::{Error, ValueRef};

/// One row of a result, borrowed from rusqlite while it is decoded.
pub(crate) struct SqliteRow<'a, 'stmt>(pub(crate) &'a rusqlite::Row<'stmt>);

impl ormcore::Row for SqliteRow<'_, '_> {
    fn len(&self) -> usize {
        self.0.as_ref().column_count()
    }

    fn column_name(&self, index: usize) -> &str {
        self.0.as_ref().column_name(index).unwrap_or("?")
    }

    fn value(&self, index: usize) -> ormcore::Result<ValueRef<'_>> {
        let value = self.0.get_ref(index).map_err(crate::error::map)?;
        Ok(match value {
            rusqlite::types::ValueRef::Null => ValueRef::Null,
            rusqlite::types::ValueRef::Integer(v) => ValueRef::Int(v),
            rusqlite::types::ValueRef::Real(v) => ValueRef::Float(v),
            rusqlite::types::ValueRef::Text(bytes) => {
                ValueRef::Text(std::str::from_utf8(bytes).map_err(|_| Error::Decode {
                    model: "row",
                    column: self.column_name(index).to_owned(),
                    expected: "UTF-8 text",
                    found: "text that is not UTF-8".into(),
                })?)
            }
            rusqlite::types::ValueRef::Blob(bytes) => ValueRef::Bytes(bytes),
        })
    }
}
