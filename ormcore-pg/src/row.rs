//! tokio-postgres rows read through ormcore's `Row` trait.
//!
//! tokio-postgres asks for every column in binary format. [`PgRow`] takes a
//! column's raw bytes (or `None` for NULL) through [`RawValue`], a `FromSql`
//! that accepts every type, and decodes them by the column's type into the
//! closest [`ValueRef`], borrowing text, bytes and JSON from the row: no
//! allocation per column, `numeric` included (see [`numeric`]).

use ormcore::{DecodeError, Error, ValueRef};
use postgres_types::{FromSql, Kind, Type};
use rust_decimal::Decimal;

use crate::value::is_text;

/// The error type `FromSql` returns.
type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// One row of a result, borrowed from tokio-postgres while it is decoded.
pub(crate) struct PgRow<'a>(pub(crate) &'a tokio_postgres::Row);

impl ormcore::Row for PgRow<'_> {
    fn len(&self) -> usize {
        self.0.len()
    }

    fn column_name(&self, index: usize) -> &str {
        self.0.columns().get(index).map_or("?", |column| column.name())
    }

    fn value(&self, index: usize) -> ormcore::Result<ValueRef<'_>> {
        let Some(column) = self.0.columns().get(index) else {
            return Err(out_of_range(index, self.0.len()));
        };
        // Cannot fail: the index is in range, `RawValue` accepts every type
        // and its decoding never fails.
        let raw = match self.0.try_get::<_, RawValue<'_>>(index) {
            Ok(RawValue(raw)) => raw,
            Err(error) => return Err(crate::error::map(error)),
        };
        let Some(raw) = raw else {
            return Ok(ValueRef::Null);
        };
        match decode(column.type_(), raw) {
            Ok(value) => Ok(value),
            Err(error) => Err(decode_failed(error, column.name())),
        }
    }
}

#[cold]
#[inline(never)]
fn out_of_range(index: usize, len: usize) -> Error {
    Error::interface(format!("column index {index} out of range for a row of {len} columns"))
}

#[cold]
#[inline(never)]
fn decode_failed(error: DecodeError, column: &str) -> Error {
    error.at("row", column)
}

/// A column's raw bytes in binary format, `None` for NULL.
struct RawValue<'a>(Option<&'a [u8]>);

impl<'a> FromSql<'a> for RawValue<'a> {
    fn from_sql(_: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        Ok(RawValue(Some(raw)))
    }

    fn from_sql_null(_: &Type) -> Result<Self, BoxError> {
        Ok(RawValue(None))
    }

    fn from_sql_nullable(_: &Type, raw: Option<&'a [u8]>) -> Result<Self, BoxError> {
        Ok(RawValue(raw))
    }

    fn accepts(_: &Type) -> bool {
        true
    }
}

/// Decode a non-NULL value of type `ty` from its binary format.
#[inline]
fn decode<'a>(ty: &Type, raw: &'a [u8]) -> Result<ValueRef<'a>, DecodeError> {
    Ok(match *ty {
        Type::BOOL => ValueRef::Bool(scalar(ty, raw, "bool")?),
        Type::INT2 => ValueRef::Int(i64::from(scalar::<i16>(ty, raw, "integer")?)),
        Type::INT4 => ValueRef::Int(i64::from(scalar::<i32>(ty, raw, "integer")?)),
        Type::INT8 => ValueRef::Int(scalar(ty, raw, "integer")?),
        Type::OID => ValueRef::Int(i64::from(scalar::<u32>(ty, raw, "integer")?)),
        Type::FLOAT4 => ValueRef::Float(f64::from(scalar::<f32>(ty, raw, "float")?)),
        Type::FLOAT8 => ValueRef::Float(scalar(ty, raw, "float")?),
        // `"char"`, the one-byte catalog type, is text too.
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN | Type::CHAR => {
            ValueRef::Text(utf8(ty, raw)?)
        }
        Type::BYTEA => ValueRef::Bytes(raw),
        Type::NUMERIC => ValueRef::Decimal(numeric(raw)?),
        // The JSON text as the server sent it; ormcore's `FromValue` impls
        // for JSON types parse text.
        Type::JSON => ValueRef::Text(utf8(ty, raw)?),
        Type::JSONB => match raw.split_first() {
            Some((1, text)) => ValueRef::Text(utf8(ty, text)?),
            _ => return Err(DecodeError::new("JSON text", "jsonb in a binary format other than version 1")),
        },
        #[cfg(feature = "chrono")]
        Type::DATE => ValueRef::Date(scalar(ty, raw, "NaiveDate")?),
        #[cfg(feature = "chrono")]
        Type::TIME => ValueRef::Time(scalar(ty, raw, "NaiveTime")?),
        #[cfg(feature = "chrono")]
        Type::TIMESTAMP => ValueRef::DateTime(scalar(ty, raw, "NaiveDateTime")?),
        #[cfg(feature = "chrono")]
        Type::TIMESTAMPTZ => ValueRef::DateTimeUtc(scalar(ty, raw, "DateTime<Utc>")?),
        #[cfg(feature = "uuid")]
        Type::UUID => ValueRef::Uuid(scalar(ty, raw, "Uuid")?),
        _ => return decode_other(ty, raw),
    })
}

/// Types beyond the built-in ones [`decode`] matches.
#[inline(never)]
fn decode_other<'a>(ty: &Type, raw: &'a [u8]) -> Result<ValueRef<'a>, DecodeError> {
    match ty.kind() {
        // What a function returning `void` returns (`SELECT
        // pg_advisory_lock(1)`): no value, so NULL. Refusing it would fail
        // the statement after it has run.
        _ if *ty == Type::VOID => Ok(ValueRef::Null),
        // PostgreSQL describes a domain's column by its base type, but
        // decode one all the same.
        Kind::Domain(base) => decode(base, raw),
        // Enums (their label) and citext.
        _ if is_text(ty) => Ok(ValueRef::Text(utf8(ty, raw)?)),
        // The ltree extension's types: text after a version byte, which
        // tokio-postgres strips.
        Kind::Simple if matches!(ty.name(), "ltree" | "lquery" | "ltxtquery") => {
            Ok(ValueRef::Text(scalar::<&str>(ty, raw, "text")?))
        }
        _ => Err(unsupported(ty)),
    }
}

#[cold]
#[inline(never)]
fn unsupported(ty: &Type) -> DecodeError {
    let found = match *ty {
        #[cfg(not(feature = "chrono"))]
        Type::DATE | Type::TIME | Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            format!("{} (ormcore-pg was built without its chrono feature)", ty.name())
        }
        #[cfg(not(feature = "uuid"))]
        Type::UUID => "uuid (ormcore-pg was built without its uuid feature)".to_owned(),
        _ => ty.name().to_owned(),
    };
    DecodeError::new("a supported PostgreSQL type", found)
}

/// A value through the driver's own `FromSql` for `T`.
#[inline]
fn scalar<'a, T: FromSql<'a>>(ty: &Type, raw: &'a [u8], expected: &'static str) -> Result<T, DecodeError> {
    match T::from_sql(ty, raw) {
        Ok(value) => Ok(value),
        Err(error) => Err(malformed(ty, expected, &*error)),
    }
}

#[cold]
#[inline(never)]
fn malformed(ty: &Type, expected: &'static str, error: &dyn std::fmt::Display) -> DecodeError {
    DecodeError::new(expected, format!("{} that does not decode: {error}", ty.name()))
}

#[inline]
fn utf8<'a>(ty: &Type, raw: &'a [u8]) -> Result<&'a str, DecodeError> {
    match std::str::from_utf8(raw) {
        Ok(text) => Ok(text),
        Err(error) => Err(malformed(ty, "UTF-8 text", &error)),
    }
}

/// Decode `numeric`'s binary format: a header of four 16-bit fields (the
/// number of base-10000 digits, the weight of the first one, the sign and
/// the display scale), then the digits.
///
/// The common case, a value whose digits fit in a `u128` and whose display
/// scale is at most 28, is computed here without allocating; the rest
/// (and any malformed value) goes to rust_decimal's decoder, which collects
/// the digits into vectors and rounds scales beyond 28. Both give the same
/// value with the display scale as the decimal's scale.
fn numeric(raw: &[u8]) -> Result<Decimal, DecodeError> {
    let field = |at: usize| raw.get(at..at + 2).map(|b| u16::from_be_bytes([b[0], b[1]]));
    if let (Some(count), Some(weight), Some(sign), Some(scale)) = (field(0), field(2), field(4), field(6)) {
        match sign {
            0x0000 | 0x4000 => {
                let digits = &raw[8..];
                if digits.len() == usize::from(count) * 2
                    && let Some(value) = numeric_fast(digits, weight.cast_signed(), sign == 0x4000, scale)
                {
                    return Ok(value);
                }
            }
            0xC000 => return Err(DecodeError::new("Decimal", "numeric NaN")),
            0xD000 => return Err(DecodeError::new("Decimal", "numeric Infinity")),
            0xF000 => return Err(DecodeError::new("Decimal", "numeric -Infinity")),
            _ => {}
        }
    }
    numeric_slow(raw)
}

/// [`numeric`]'s allocation-free path; `None` hands the value to
/// rust_decimal.
#[inline]
fn numeric_fast(digits: &[u8], weight: i16, negative: bool, scale: u16) -> Option<Decimal> {
    if u32::from(scale) > Decimal::MAX_SCALE {
        return None;
    }
    // The digits as one integer: the value times 10^places.
    let mut n: u128 = 0;
    for pair in digits.chunks_exact(2) {
        let digit = u16::from_be_bytes([pair[0], pair[1]]);
        if digit > 9999 {
            return None;
        }
        n = n.checked_mul(10_000)?.checked_add(u128::from(digit))?;
    }
    let count = i32::try_from(digits.len() / 2).ok()?;
    let places = 4 * (count - 1 - i32::from(weight));
    let scale_i = i32::from(scale);
    if places > scale_i {
        // Digits past the display scale are zeros in what PostgreSQL sends.
        let divisor = 10u128.checked_pow(u32::try_from(places - scale_i).ok()?)?;
        if !n.is_multiple_of(divisor) {
            return None;
        }
        n /= divisor;
    } else if places < scale_i {
        n = n.checked_mul(10u128.checked_pow(u32::try_from(scale_i - places).ok()?)?)?;
    }
    let n = i128::try_from(n).ok()?;
    Decimal::try_from_i128_with_scale(if negative { -n } else { n }, u32::from(scale)).ok()
}

#[cold]
#[inline(never)]
fn numeric_slow(raw: &[u8]) -> Result<Decimal, DecodeError> {
    Decimal::from_sql(&Type::NUMERIC, raw)
        .map_err(|error| DecodeError::new("Decimal", format!("numeric out of rust_decimal's range ({error})")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use bytes::BytesMut;
    use postgres_types::ToSql;
    use std::str::FromStr;

    /// `numeric`'s binary format from its parts.
    fn encode(weight: i16, negative: bool, scale: u16, digits: &[u16]) -> Vec<u8> {
        let mut raw = Vec::new();
        raw.extend_from_slice(&u16::try_from(digits.len()).expect("test data is short").to_be_bytes());
        raw.extend_from_slice(&weight.to_be_bytes());
        raw.extend_from_slice(&(if negative { 0x4000u16 } else { 0 }).to_be_bytes());
        raw.extend_from_slice(&scale.to_be_bytes());
        for digit in digits {
            raw.extend_from_slice(&digit.to_be_bytes());
        }
        raw
    }

    /// The fast path and rust_decimal agree in value and scale.
    fn agree(raw: &[u8]) {
        let slow = Decimal::from_sql(&Type::NUMERIC, raw);
        let ours = numeric(raw);
        match (slow, ours) {
            (Ok(slow), Ok(ours)) => {
                assert_eq!(slow.to_string(), ours.to_string(), "{raw:?}");
                assert_eq!(slow.scale(), ours.scale(), "{raw:?}");
            }
            (Err(_), Err(_)) => {}
            (slow, ours) => panic!("{raw:?}: rust_decimal {slow:?}, ours {ours:?}"),
        }
    }

    #[test]
    fn numeric_matches_rust_decimal() {
        // As PostgreSQL sends them: trailing zero digits trimmed, the display
        // scale kept.
        agree(&encode(0, false, 0, &[]));
        agree(&encode(0, false, 10, &[]));
        agree(&encode(0, false, 0, &[7]));
        agree(&encode(0, false, 10, &[7]));
        agree(&encode(0, true, 1, &[1, 5000]));
        agree(&encode(-1, false, 4, &[1]));
        agree(&encode(-2, false, 5, &[1000]));
        agree(&encode(2, false, 0, &[1]));
        agree(&encode(6, false, 0, &[7, 9228, 1625, 1426, 4337, 5935, 4395, 335]));
        agree(&encode(6, false, 0, &[7, 9228, 1625, 1426, 4337, 5935, 4395, 336]));
        agree(&encode(7, false, 0, &[1]));
        agree(&encode(-8, false, 30, &[1]));
        agree(&encode(0, false, 28, &[0, 1, 2, 3, 4, 5, 6, 7]));
        agree(&encode(-1, false, 32, &[1, 2, 3, 4, 5, 6, 7, 8]));
        agree(&encode(200, false, 0, &[1]));
        agree(&encode(-200, false, 1000, &[1]));
        // What rust_decimal encodes, across magnitudes and scales.
        let mut seed: u64 = 0x9E37_79B9_7F4A_7C15;
        for _ in 0..20_000 {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            // Mantissas of every magnitude up to 2^96.
            let mantissa = (i128::from(seed as i64) << (seed >> 58)) % 79_228_162_514_264_337_593_543_950_335;
            let scale = (seed % 29) as u32;
            let decimal = Decimal::from_i128_with_scale(mantissa, scale);
            let mut raw = BytesMut::new();
            decimal.to_sql(&Type::NUMERIC, &mut raw).expect("every decimal encodes");
            agree(&raw);
            assert_eq!(numeric(&raw).expect("every decimal decodes"), decimal);
            // And without rust_decimal's help.
            let weight = i16::from_be_bytes([raw[2], raw[3]]);
            let scale = u16::from_be_bytes([raw[6], raw[7]]);
            assert!(numeric_fast(&raw[8..], weight, raw[4] == 0x40, scale).is_some(), "{decimal}");
        }
        for text in ["0.1", "-0.0001", "12345678901234567890.12345678", "79228162514264337593543950335", "1e-28"] {
            let decimal = Decimal::from_str(text).or_else(|_| Decimal::from_scientific(text)).expect("valid");
            let mut raw = BytesMut::new();
            decimal.to_sql(&Type::NUMERIC, &mut raw).expect("every decimal encodes");
            agree(&raw);
        }
    }

    #[test]
    fn numeric_specials_are_errors() {
        let mut raw = encode(0, false, 0, &[]);
        raw[4..6].copy_from_slice(&0xC000u16.to_be_bytes());
        assert_eq!(numeric(&raw).expect_err("NaN is no decimal").found, "numeric NaN");
        assert!(numeric(&[0, 1]).is_err());
        // A digit count that does not match the digits.
        assert!(numeric(&encode(0, false, 0, &[1, 2])[..10]).is_err());
    }
}
