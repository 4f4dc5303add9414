//! Binding ormcore values as SQLite parameters.
//!
//! SQLite has five storage classes; the richer types are stored as text in
//! ormcore's canonical formats (ISO-8601 dates, hyphenated UUIDs, JSON
//! text, decimal text), which sort and compare correctly as text.

use ormcore::Value;
use rusqlite::types::{ToSql, ToSqlOutput, ValueRef};

/// A value bound by reference.
pub(crate) struct Bind<'a>(pub(crate) &'a Value);

impl ToSql for Bind<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(match self.0 {
            Value::Null => ToSqlOutput::Borrowed(ValueRef::Null),
            Value::Bool(v) => ToSqlOutput::Borrowed(ValueRef::Integer(i64::from(*v))),
            Value::Int(v) => ToSqlOutput::Borrowed(ValueRef::Integer(*v)),
            Value::Float(v) => ToSqlOutput::Borrowed(ValueRef::Real(*v)),
            Value::Text(v) => ToSqlOutput::Borrowed(ValueRef::Text(v.as_bytes())),
            Value::Bytes(v) => ToSqlOutput::Borrowed(ValueRef::Blob(v)),
            // Refused before binding; kept as an error here, never NULL.
            Value::Unencodable(why) => return Err(rusqlite::Error::ToSqlConversionFailure(why.clone().into())),
            other => ToSqlOutput::Owned(rusqlite::types::Value::Text(as_text(other)?)),
        })
    }
}

/// The text form of the values SQLite stores as text.
fn as_text(value: &Value) -> rusqlite::Result<String> {
    #[cfg(feature = "chrono")]
    {
        use ormcore::value::formats;
        match value {
            Value::Date(v) => return Ok(v.format(formats::DATE).to_string()),
            Value::Time(v) => return Ok(v.format(formats::TIME).to_string()),
            Value::DateTime(v) => return Ok(v.format(formats::DATETIME).to_string()),
            // Stored as the UTC wall time, in the same format as naive
            // timestamps, so that both compare and sort alike.
            Value::DateTimeUtc(v) => return Ok(v.naive_utc().format(formats::DATETIME).to_string()),
            _ => {}
        }
    }
    #[cfg(feature = "uuid")]
    if let Value::Uuid(v) = value {
        return Ok(v.hyphenated().to_string());
    }
    #[cfg(feature = "json")]
    if let Value::Json(v) = value {
        return Ok(v.to_string());
    }
    #[cfg(feature = "decimal")]
    if let Value::Decimal(v) = value {
        return Ok(v.to_string());
    }
    Err(rusqlite::Error::ToSqlConversionFailure(
        format!(
            "ormcore-sqlite was built without the cargo feature for {} values; enable it on ormcore-sqlite",
            value.kind()
        )
        .into(),
    ))
}
