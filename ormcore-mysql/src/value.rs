//! ormcore values as MySQL parameters, and MySQL's binary-protocol values
//! as ormcore's.
//!
//! Statements go through prepared statements (the binary protocol), so
//! numbers, dates and times arrive typed; text and blobs both arrive as
//! bytes, told apart by the column's character set (63 is `binary`: MariaDB
//! marks its JSON columns with the binary flag, but not with that set).
//! `DECIMAL` arrives as its exact decimal text. The richer types ormcore
//! stores as text on MySQL (UUIDs in `CHAR(36)`, JSON on MariaDB) are bound
//! as text and decoded by their `FromValue` from text.

use chrono::{Datelike, NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use mysql_async::Column;
use mysql_async::Value as My;
use mysql_async::consts::ColumnType;
use ormcore::{Error, Value, ValueRef};

/// The character set number of binary strings and of every non-text type.
const BINARY: u16 = 63;

/// `value` as a parameter. Dates and times are sent as MySQL's own, with
/// microseconds (ormcore refuses finer ones before binding: `DATETIME(6)`
/// and `TIME(6)` keep no more); an instant in UTC as its UTC wall time,
/// which is what the session's `+00:00` time zone stores.
pub(crate) fn bind(value: &Value) -> ormcore::Result<My> {
    Ok(match value {
        Value::Null => My::NULL,
        // Refused before binding; kept as an error here, never NULL.
        Value::Unencodable(why) => return Err(Error::interface(why.clone())),
        Value::Bool(v) => My::Int(i64::from(*v)),
        Value::Int(v) => My::Int(*v),
        Value::Float(v) => My::Double(*v),
        Value::Text(v) => My::Bytes(v.as_bytes().to_vec()),
        Value::Bytes(v) => My::Bytes(v.clone()),
        Value::Date(v) => date_time(v.and_time(NaiveTime::MIN)),
        Value::Time(v) => {
            My::Time(false, 0, v.hour() as u8, v.minute() as u8, v.second() as u8, v.nanosecond() / 1_000)
        }
        Value::DateTime(v) => date_time(*v),
        Value::DateTimeUtc(v) => date_time(v.naive_utc()),
        Value::Decimal(v) => My::Bytes(v.to_string().into_bytes()),
        other => My::Bytes(as_text(other)?.into_bytes()),
    })
}

/// The text form of the values MySQL stores as text: UUIDs hyphenated,
/// JSON documents.
fn as_text(value: &Value) -> ormcore::Result<String> {
    #[cfg(feature = "uuid")]
    if let Value::Uuid(v) = value {
        return Ok(v.hyphenated().to_string());
    }
    #[cfg(feature = "json")]
    if let Value::Json(v) = value {
        return Ok(v.to_string());
    }
    Err(Error::interface(format!(
        "ormcore-mysql was built without the cargo feature for {} values; enable it on ormcore-mysql",
        value.kind()
    )))
}

fn date_time(v: NaiveDateTime) -> My {
    // A year outside 0..=9999 is refused before binding (MySQL's range
    // is 1000..=9999), so it fits in `u16`.
    My::Date(
        v.year() as u16,
        v.month() as u8,
        v.day() as u8,
        v.hour() as u8,
        v.minute() as u8,
        v.second() as u8,
        v.nanosecond() / 1_000,
    )
}

/// A column's value as ormcore reads it; a value ormcore cannot represent
/// exactly (an unsigned integer beyond `i64`, a `TIME` that is not a time
/// of day, text that is not UTF-8) is an [`Error::Decode`] naming the
/// column.
pub(crate) fn decode<'a>(value: &'a My, column: &Column) -> ormcore::Result<ValueRef<'a>> {
    let refuse = |expected: &'static str, found: String| Error::Decode {
        model: "row",
        column: column.name_str().into_owned(),
        expected,
        found,
    };
    Ok(match value {
        My::NULL => ValueRef::Null,
        My::Int(v) => ValueRef::Int(*v),
        My::UInt(v) => {
            ValueRef::Int(i64::try_from(*v).map_err(|_| refuse("a 64-bit signed integer", format!("unsigned {v}")))?)
        }
        My::Float(v) => ValueRef::Float(f64::from(*v)),
        My::Double(v) => ValueRef::Float(*v),
        My::Bytes(bytes) => match column.column_type() {
            ColumnType::MYSQL_TYPE_DECIMAL | ColumnType::MYSQL_TYPE_NEWDECIMAL => {
                let text = std::str::from_utf8(bytes).map_err(|_| refuse("a decimal", "bytes".into()))?;
                ValueRef::Decimal(exact_decimal(text).ok_or_else(|| refuse("a decimal within 28 digits", text.into()))?)
            }
            ColumnType::MYSQL_TYPE_BIT | ColumnType::MYSQL_TYPE_GEOMETRY => ValueRef::Bytes(bytes),
            _ if column.character_set() == BINARY && column.column_type() != ColumnType::MYSQL_TYPE_JSON => {
                ValueRef::Bytes(bytes)
            }
            _ => ValueRef::Text(std::str::from_utf8(bytes).map_err(|_| refuse("UTF-8 text", "other bytes".into()))?),
        },
        My::Date(year, month, day, hour, minute, second, micros) => {
            let date = NaiveDate::from_ymd_opt(i32::from(*year), u32::from(*month), u32::from(*day))
                .ok_or_else(|| refuse("a date", format!("{year:04}-{month:02}-{day:02}")))?;
            if column.column_type() == ColumnType::MYSQL_TYPE_DATE {
                ValueRef::Date(date)
            } else {
                let time = time_of_day(*hour, *minute, *second, *micros)
                    .ok_or_else(|| refuse("a time of day", format!("{hour}:{minute}:{second}.{micros:06}")))?;
                ValueRef::DateTime(date.and_time(time))
            }
        }
        My::Time(negative, days, hour, minute, second, micros) => {
            let time = (!negative && *days == 0).then(|| time_of_day(*hour, *minute, *second, *micros)).flatten();
            let sign = if *negative { "-" } else { "" };
            ValueRef::Time(time.ok_or_else(|| {
                refuse("a time of day", format!("{sign}{}:{minute:02}:{second:02}", u32::from(*hour) + days * 24))
            })?)
        }
    })
}

/// MySQL's text of a `DECIMAL`, exactly, or `None` where a `Decimal`
/// cannot hold it. A column's fixed scale pads with zeros (`DECIMAL(65,
/// 30)` has 30 places, two more than `Decimal` keeps): where the text
/// does not fit as it is, they are dropped, and any other digit that does
/// not fit refuses the value, never rounds it.
fn exact_decimal(text: &str) -> Option<rust_decimal::Decimal> {
    rust_decimal::Decimal::from_str_exact(text).ok().or_else(|| {
        let significant = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { text };
        rust_decimal::Decimal::from_str_exact(significant).ok()
    })
}

fn time_of_day(hour: u8, minute: u8, second: u8, micros: u32) -> Option<NaiveTime> {
    NaiveTime::from_hms_micro_opt(u32::from(hour), u32::from(minute), u32::from(second), micros)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(ty: ColumnType, charset: u16) -> Column {
        Column::new(ty).with_character_set(charset).with_name(b"c")
    }

    const UTF8MB4: u16 = 45;

    /// Every value bound comes back as the same value from the column type
    /// ormcore declares for it (the server's answer, simulated).
    #[test]
    fn values_round_trip_through_their_column_types() {
        let at = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap().and_hms_micro_opt(23, 59, 58, 123_456).unwrap();
        let cases = [
            (Value::Int(-5), column(ColumnType::MYSQL_TYPE_LONGLONG, BINARY)),
            (Value::Float(0.1), column(ColumnType::MYSQL_TYPE_DOUBLE, BINARY)),
            (Value::Text("naïve ✓".into()), column(ColumnType::MYSQL_TYPE_BLOB, UTF8MB4)),
            (Value::Bytes(vec![0, 159, 255]), column(ColumnType::MYSQL_TYPE_BLOB, BINARY)),
            (Value::Date(at.date()), column(ColumnType::MYSQL_TYPE_DATE, BINARY)),
            (Value::Time(at.time()), column(ColumnType::MYSQL_TYPE_TIME, BINARY)),
            (Value::DateTime(at), column(ColumnType::MYSQL_TYPE_DATETIME, BINARY)),
            (
                Value::Decimal("-12345678901234567.0123456789".parse().unwrap()),
                column(ColumnType::MYSQL_TYPE_NEWDECIMAL, BINARY),
            ),
        ];
        for (value, column) in cases {
            let bound = bind(&value).unwrap();
            assert_eq!(decode(&bound, &column).unwrap(), value.as_ref(), "{value:?}");
        }
        // Booleans are TINYINT(1): they come back as integers, which bool's
        // FromValue reads.
        assert_eq!(
            decode(&bind(&Value::Bool(true)).unwrap(), &column(ColumnType::MYSQL_TYPE_TINY, BINARY)).unwrap(),
            ValueRef::Int(1)
        );
        // An instant in UTC is stored as its UTC wall time.
        let utc = at.and_utc();
        assert_eq!(
            decode(&bind(&Value::DateTimeUtc(utc)).unwrap(), &column(ColumnType::MYSQL_TYPE_DATETIME, BINARY)).unwrap(),
            ValueRef::DateTime(at)
        );
    }

    /// MariaDB's JSON is LONGTEXT flagged binary with a text character
    /// set; MySQL's is its own type with the binary set. Both are text.
    #[test]
    fn json_columns_read_as_text() {
        let doc = My::Bytes(br#"{"a":1}"#.to_vec());
        assert_eq!(decode(&doc, &column(ColumnType::MYSQL_TYPE_BLOB, UTF8MB4)).unwrap(), ValueRef::Text(r#"{"a":1}"#));
        assert_eq!(decode(&doc, &column(ColumnType::MYSQL_TYPE_JSON, BINARY)).unwrap(), ValueRef::Text(r#"{"a":1}"#));
    }

    #[test]
    fn decimals_are_exact_or_refused() {
        let padded = exact_decimal("1.500000000000000000000000000000").expect("padding is dropped");
        assert_eq!(padded.to_string(), "1.5");
        assert_eq!(exact_decimal("1.50").map(|d| d.to_string()), Some("1.50".into()), "a scale that fits stays");
        assert_eq!(exact_decimal("-0.000").map(|d| d.is_zero()), Some(true));
        assert_eq!(exact_decimal("120").map(|d| d.to_string()), Some("120".into()), "integer zeros stay");
        assert!(exact_decimal("0.000000000000000000000000000001").is_none(), "30 places do not fit");
        assert!(exact_decimal("99999999999999999999999999999999999").is_none(), "35 digits do not fit");
    }

    #[test]
    fn what_ormcore_cannot_represent_is_refused() {
        let refused = |value: My, column: Column| match decode(&value, &column) {
            Err(Error::Decode { column, found, .. }) => format!("{column}: {found}"),
            other => panic!("expected a decode error, got {other:?}"),
        };
        assert_eq!(
            refused(My::UInt(u64::MAX), column(ColumnType::MYSQL_TYPE_LONGLONG, BINARY)),
            "c: unsigned 18446744073709551615"
        );
        assert_eq!(refused(My::Time(false, 1, 2, 3, 4, 0), column(ColumnType::MYSQL_TYPE_TIME, BINARY)), "c: 26:03:04");
        assert_eq!(refused(My::Time(true, 0, 1, 0, 0, 0), column(ColumnType::MYSQL_TYPE_TIME, BINARY)), "c: -1:00:00");
        assert!(refused(My::Bytes(vec![0xff]), column(ColumnType::MYSQL_TYPE_VAR_STRING, UTF8MB4)).contains("bytes"));
        assert!(
            refused(My::Date(2023, 2, 29, 0, 0, 0, 0), column(ColumnType::MYSQL_TYPE_DATE, BINARY))
                .contains("2023-02-29")
        );
        assert_eq!(decode(&My::UInt(7), &column(ColumnType::MYSQL_TYPE_LONGLONG, BINARY)).unwrap(), ValueRef::Int(7));
    }
}
