//! Values checked before they are bound: a value the database would not
//! keep exactly is refused with an [`Error::Interface`] naming the value,
//! the column and the limit, before anything is sent.
//!
//! Where the compiler writes a parameter it knows what the value is for
//! ([`ValueUse`]) and, inside writes and comparisons, which column it meets.
//! The rules that hold on every backend live here (JSON deeper than ormcore
//! reads, a column's declared type); the others are the dialect's
//! ([`Dialect::value_limit`]).

use std::borrow::Cow;

use super::Dialect;
use super::writer::quote_ident;
use crate::error::{Error, Result};
use crate::schema::ColumnType;
use crate::value::Value;

/// What a bound value is for, as the compiler sees it where it writes the
/// parameter. [`Dialect::value_limit`] decides by it: PostgreSQL cuts a
/// time's nanoseconds wherever it is bound, while SQLite loses the sign of
/// `-0.0` only where it stores it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ValueUse {
    /// Stored into a column: a value of an insert, of an update's or an
    /// upsert's assignment, or a branch of a `CASE` that is one.
    Stored,
    /// Compared with a column: `=`, `<>`, `<`, `IN (..)`, `BETWEEN`, or a
    /// `WHEN` of a `CASE` over a column.
    Compared,
    /// Anywhere else: a select item, an operand of arithmetic, a function
    /// argument, a raw SQL parameter.
    Other,
}

/// The use of one bound value and the column it meets, where known.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Bound<'n> {
    usage: ValueUse,
    table: Option<&'n str>,
    column: Option<&'n str>,
    /// The column's declared type, where the statement was built for a
    /// model.
    ty: Option<ColumnType>,
}

impl<'n> Bound<'n> {
    /// A value that meets no column.
    pub(crate) const OTHER: Bound<'static> = Bound { usage: ValueUse::Other, table: None, column: None, ty: None };

    /// A value stored into `table.column`, declared as `ty` if known.
    pub(crate) fn stored(table: &'n str, column: &'n str, ty: Option<ColumnType>) -> Self {
        Bound { usage: ValueUse::Stored, table: Some(table), column: Some(column), ty }
    }

    /// A value compared with `column`, qualified by `table` (or an alias).
    pub(crate) fn compared(table: Option<&'n str>, column: &'n str) -> Self {
        Bound { usage: ValueUse::Compared, table, column: Some(column), ty: None }
    }
}

/// The deepest JSON ormcore reads back: serde_json's parser, which reads
/// JSON text on SQLite and `jsonb` on PostgreSQL, stops at 128 levels of
/// arrays and objects.
pub(crate) const JSON_DEPTH: usize = 127;

/// Refuse `value` if the database would not keep it exactly where it is
/// bound: first the rules that hold everywhere, then the dialect's.
pub(crate) fn check(dialect: &dyn Dialect, value: &Value, bound: Bound<'_>) -> Result<()> {
    if let Value::Unencodable(why) = value {
        return Err(refusal(dialect, value, bound, why));
    }
    let limit = match common_limit(dialect, value, bound) {
        Some(limit) => Some(limit),
        None => dialect.value_limit(value, bound.usage),
    };
    match limit {
        None => Ok(()),
        Some(limit) => Err(refusal(dialect, value, bound, &limit)),
    }
}

/// The rules of every backend.
fn common_limit(dialect: &dyn Dialect, value: &Value, bound: Bound<'_>) -> Option<Cow<'static, str>> {
    // A document ormcore could not read back, or the database would not
    // store, is refused wherever it could be stored or returned; compared
    // with a column, it is never read.
    #[cfg(feature = "json")]
    if let Value::Json(document) = value
        && bound.usage != ValueUse::Compared
    {
        let depth = dialect.json_depth().min(JSON_DEPTH);
        if json_deeper_than(document, depth) {
            return Some(if depth == JSON_DEPTH {
                format!("ormcore reads JSON nested at most {JSON_DEPTH} levels deep").into()
            } else {
                format!("{} stores JSON nested at most {depth} levels deep", dialect.name()).into()
            });
        }
    }
    #[cfg(not(feature = "json"))]
    let _ = dialect;
    declared_limit(value, bound)
}

/// Whether `document` nests arrays and objects more than `levels` deep.
/// It looks no deeper than that, so that a document of any depth is
/// checked on a bounded stack.
#[cfg(feature = "json")]
fn json_deeper_than(document: &serde_json::Value, levels: usize) -> bool {
    use serde_json::Value as Json;
    match document {
        Json::Array(items) => levels == 0 || items.iter().any(|item| json_deeper_than(item, levels - 1)),
        Json::Object(members) => levels == 0 || members.values().any(|member| json_deeper_than(member, levels - 1)),
        _ => false,
    }
}

/// The rules of a column's declared type, where the value is stored into
/// it: a decimal within its declared precision and scale (which PostgreSQL
/// and MySQL would round to, and SQLite would store beyond).
fn declared_limit(value: &Value, bound: Bound<'_>) -> Option<Cow<'static, str>> {
    if bound.usage != ValueUse::Stored {
        return None;
    }
    match (value, bound.ty) {
        #[cfg(feature = "decimal")]
        (Value::Decimal(v), Some(ColumnType::Decimal(Some((digits, places))))) => decimal_limit(*v, digits, places),
        _ => None,
    }
}

/// Why `value` does not fit `digits` digits with `places` after the point.
/// Trailing zeros do not count: `1.50` fits one decimal place, as `1.5`.
#[cfg(feature = "decimal")]
fn decimal_limit(value: rust_decimal::Decimal, digits: u8, places: u8) -> Option<Cow<'static, str>> {
    let value = value.normalize();
    if value.scale() > u32::from(places) {
        return Some(format!("the column keeps at most {places} decimal places (decimal_places = {places})").into());
    }
    // After `trunc` and `normalize` the mantissa is the integer part.
    let integer = value.trunc().normalize().mantissa().unsigned_abs();
    let integer_digits = integer.checked_ilog10().map_or(0, |log| log + 1);
    let allowed = digits.saturating_sub(places);
    if integer_digits > u32::from(allowed) {
        return Some(
            format!(
                "the column keeps at most {allowed} digits before the decimal point \
                 (max_digits = {digits}, decimal_places = {places})"
            )
            .into(),
        );
    }
    None
}

/// `cannot store <value> in "table"."column": <limit>`, and the forms for
/// comparisons and other uses.
#[cold]
fn refusal(dialect: &dyn Dialect, value: &Value, bound: Bound<'_>, limit: &str) -> Error {
    let value = describe(value);
    let Some(column) = bound.column else {
        return Error::interface(format!("cannot bind {value}: {limit}"));
    };
    let quote = dialect.identifier_quote();
    let mut name = String::new();
    if let Some(table) = bound.table {
        quote_ident(&mut name, quote, table);
        name.push('.');
    }
    quote_ident(&mut name, quote, column);
    Error::interface(match bound.usage {
        ValueUse::Compared => format!("cannot compare {name} with {value}: {limit}"),
        ValueUse::Stored | ValueUse::Other => format!("cannot store {value} in {name}: {limit}"),
    })
}

/// A value as an error message shows it: itself when short, its kind
/// otherwise.
fn describe(value: &Value) -> String {
    match value {
        Value::Int(v) => v.to_string(),
        // `{:?}` keeps the sign of zero and a decimal point: `-0.0`, `NaN`.
        Value::Float(v) => format!("{v:?}"),
        Value::Text(v) if v.len() <= 64 => format!("{v:?}"),
        #[cfg(feature = "chrono")]
        Value::Date(v) => v.to_string(),
        #[cfg(feature = "chrono")]
        Value::Time(v) => v.to_string(),
        #[cfg(feature = "chrono")]
        Value::DateTime(v) => v.to_string(),
        #[cfg(feature = "chrono")]
        Value::DateTimeUtc(v) => v.to_string(),
        #[cfg(feature = "json")]
        Value::Json(_) => "a JSON document".to_owned(),
        #[cfg(feature = "decimal")]
        Value::Decimal(v) => v.to_string(),
        Value::Unencodable(_) => "a value".to_owned(),
        other => format!("a {} value", other.kind()),
    }
}
