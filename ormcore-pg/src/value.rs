//! Binding ormcore values as PostgreSQL parameters.
//!
//! A prepared statement tells us the type PostgreSQL wants for each
//! parameter: the `::type` the dialect wrote after a query-builder value, or
//! whatever the server inferred for NULLs and raw-SQL parameters (a column's
//! type in `INSERT .. VALUES ($1)`, `text` for `SELECT $1`). [`PgParam`]
//! converts an ormcore [`Value`] into that type itself, so it accepts every
//! type and checks in [`ToSql::to_sql`]:
//!
//! - integers narrow to `int2`/`int4`/`oid` only when they fit, never
//!   wrapping; `bool` takes 0 and 1 only;
//! - text into `json`, `uuid`, the date and time types, the integer, float
//!   and `bool` types is parsed here (dates in the formats of
//!   [`ormcore::value::formats`] or RFC 3339), so that a malformed value
//!   fails before it reaches the server;
//! - text into any other type (`numeric`, enums, `interval`, `inet`, arrays,
//!   and the `uuid`/date types when their cargo feature is off) is sent in
//!   PostgreSQL's text format, so that the server's own input function
//!   parses it, with its full range and syntax;
//! - anything else is a [`BindError`] naming the value's kind and the type.

use std::error::Error as StdError;
use std::fmt::{self, Write as _};

use bytes::{BufMut, BytesMut};
use ormcore::Value;
use postgres_types::{Format, IsNull, Kind, ToSql, Type};
use rust_decimal::Decimal;
use rust_decimal::prelude::ToPrimitive;

/// The error type `ToSql` returns.
type BoxError = Box<dyn StdError + Sync + Send>;

/// An ormcore value bound by reference as a PostgreSQL parameter, converted
/// into whatever type the server reports for it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PgParam<'a>(pub(crate) &'a Value);

/// The parameters of a statement, for `Client::query_raw` and
/// `Client::execute_raw` (which take any `ToSql` as `BorrowToSql`).
pub(crate) fn params(values: &[Value]) -> impl ExactSizeIterator<Item = PgParam<'_>> {
    values.iter().map(PgParam)
}

/// Why a value could not be converted into a parameter's type.
///
/// tokio-postgres keeps it as the source of its own error, where
/// [`crate::error::map`] finds it to report an interface error.
#[derive(Debug)]
pub(crate) struct BindError {
    message: String,
}

impl fmt::Display for BindError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for BindError {}

/// `cannot bind <what> as PostgreSQL <type>[: <reason>]`.
#[cold]
#[inline(never)]
fn fail(what: impl fmt::Display, ty: &Type, reason: Option<&dyn fmt::Display>) -> BoxError {
    let message = match reason {
        Some(reason) => format!("cannot bind {what} as PostgreSQL {}: {reason}", ty.name()),
        None => format!("cannot bind {what} as PostgreSQL {}", ty.name()),
    };
    Box::new(BindError { message })
}

/// The value kind for [`fail`], with the value itself when it is short.
fn describe_text(text: &str) -> String {
    if text.len() <= 64 { format!("text {text:?}") } else { format!("text of {} bytes", text.len()) }
}

/// A domain is sent and received in its base type's format.
fn base_type(mut ty: &Type) -> &Type {
    while let Kind::Domain(base) = ty.kind() {
        ty = base;
    }
    ty
}

/// The types whose binary format is their UTF-8 text: the built-in string
/// types, enums (their label) and the `citext` extension type.
pub(crate) fn is_text(ty: &Type) -> bool {
    match *ty {
        Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => true,
        _ => match ty.kind() {
            Kind::Enum(_) => true,
            Kind::Simple => ty.name() == "citext",
            _ => false,
        },
    }
}

/// How [`Value::Text`] becomes a parameter of a given type.
#[derive(Clone, Copy, PartialEq, Eq)]
enum TextAs {
    /// The bytes as they are, in binary format: the text types, and bytea.
    Raw,
    /// Checked to be JSON, then as it is (`json`) or after jsonb's version
    /// byte (`jsonb`).
    Json { jsonb: bool },
    /// Parsed here and sent in binary format.
    Parsed,
    /// The bytes as they are, in text format: the server parses them.
    ServerParsed,
}

fn text_as(ty: &Type) -> TextAs {
    match *ty {
        Type::BYTEA => TextAs::Raw,
        Type::JSON => TextAs::Json { jsonb: false },
        Type::JSONB => TextAs::Json { jsonb: true },
        Type::INT2 | Type::INT4 | Type::INT8 | Type::OID | Type::FLOAT4 | Type::FLOAT8 | Type::BOOL => TextAs::Parsed,
        #[cfg(feature = "uuid")]
        Type::UUID => TextAs::Parsed,
        #[cfg(feature = "chrono")]
        Type::DATE | Type::TIME | Type::TIMESTAMP | Type::TIMESTAMPTZ => TextAs::Parsed,
        _ if is_text(ty) => TextAs::Raw,
        _ => TextAs::ServerParsed,
    }
}

impl ToSql for PgParam<'_> {
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        let ty = base_type(ty);
        match self.0 {
            Value::Null => return Ok(IsNull::Yes),
            // Refused before binding; kept as an error here, never NULL.
            Value::Unencodable(why) => return Err(why.clone().into()),
            Value::Int(v) => bind_int(*v, ty, out)?,
            Value::Float(v) => bind_float(*v, ty, out)?,
            Value::Bool(v) => bind_bool(*v, ty, out)?,
            Value::Text(v) => bind_text(v, ty, out)?,
            Value::Bytes(v) => bind_bytes(v, ty, out)?,
            Value::Decimal(v) => bind_decimal(*v, ty, out)?,
            #[cfg(feature = "chrono")]
            Value::Date(v) => match *ty {
                Type::DATE => return v.to_sql(ty, out),
                _ if is_text(ty) => write!(out, "{}", v.format(ormcore::value::formats::DATE))?,
                _ => return Err(fail("date", ty, None)),
            },
            #[cfg(feature = "chrono")]
            Value::Time(v) => match *ty {
                Type::TIME => return v.to_sql(ty, out),
                _ if is_text(ty) => write!(out, "{}", v.format(ormcore::value::formats::TIME))?,
                _ => return Err(fail("time", ty, None)),
            },
            // Both timestamp types travel as microseconds since 2000-01-01:
            // a naive value into `timestamptz` is taken as UTC, an instant
            // into `timestamp` is its UTC wall time.
            #[cfg(feature = "chrono")]
            Value::DateTime(v) => match *ty {
                Type::TIMESTAMP | Type::TIMESTAMPTZ => return v.to_sql(&Type::TIMESTAMP, out),
                _ if is_text(ty) => write!(out, "{}", v.format(ormcore::value::formats::DATETIME))?,
                _ => return Err(fail("datetime", ty, None)),
            },
            #[cfg(feature = "chrono")]
            Value::DateTimeUtc(v) => match *ty {
                Type::TIMESTAMP | Type::TIMESTAMPTZ => return v.naive_utc().to_sql(&Type::TIMESTAMP, out),
                // The UTC wall time in the canonical format, as the SQLite
                // backend stores it, so that both read back alike.
                _ if is_text(ty) => write!(out, "{}", v.naive_utc().format(ormcore::value::formats::DATETIME))?,
                _ => return Err(fail("datetime with time zone", ty, None)),
            },
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => match *ty {
                Type::UUID => out.put_slice(v.as_bytes()),
                _ if is_text(ty) => write!(out, "{}", v.hyphenated())?,
                _ => return Err(fail("uuid", ty, None)),
            },
            #[cfg(feature = "json")]
            Value::Json(v) => match *ty {
                Type::JSON => serde_json::to_writer(out.writer(), v)?,
                Type::JSONB => {
                    out.put_u8(1);
                    serde_json::to_writer(out.writer(), v)?;
                }
                _ if is_text(ty) => serde_json::to_writer(out.writer(), v)?,
                _ => return Err(fail("json", ty, None)),
            },
            // Kinds behind a cargo feature of ormcore that ormcore-pg was
            // built without (another crate turned it on in ormcore).
            other => {
                return Err(fail(
                    other.kind(),
                    ty,
                    Some(&"ormcore-pg was built without the cargo feature for this kind of value"),
                ));
            }
        }
        Ok(IsNull::No)
    }

    /// Every type: [`to_sql`](Self::to_sql) converts, and fails for the
    /// combinations it cannot.
    fn accepts(_: &Type) -> bool {
        true
    }

    /// [`to_sql`](Self::to_sql) checks the type itself.
    fn to_sql_checked(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        self.to_sql(ty, out)
    }

    /// Binary, except for text that the server is to parse (see the module
    /// documentation).
    fn encode_format(&self, ty: &Type) -> Format {
        match self.0 {
            Value::Text(_) if text_as(base_type(ty)) == TextAs::ServerParsed => Format::Text,
            _ => Format::Binary,
        }
    }
}

/// An integer narrowed to `T`, or an error naming it and the type.
fn narrow<T: TryFrom<i64>>(v: i64, ty: &Type) -> Result<T, BoxError> {
    T::try_from(v).map_err(|_| fail(format_args!("integer {v}"), ty, Some(&"out of range")))
}

fn bind_int(v: i64, ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    match *ty {
        Type::INT8 => out.put_i64(v),
        Type::INT4 => out.put_i32(narrow(v, ty)?),
        Type::INT2 => out.put_i16(narrow(v, ty)?),
        Type::OID => out.put_u32(narrow(v, ty)?),
        // Rounds to the nearest float beyond 2^53 (2^24 for float4), as
        // PostgreSQL's own int8-to-float casts do.
        #[allow(clippy::cast_precision_loss)]
        Type::FLOAT8 => out.put_f64(v as f64),
        #[allow(clippy::cast_precision_loss)]
        Type::FLOAT4 => out.put_f32(v as f32),
        Type::NUMERIC => {
            Decimal::from(v).to_sql(ty, out)?;
        }
        // Strict, unlike PostgreSQL's int-to-bool cast (any non-zero is
        // true): 0 and 1 are how MySQL and SQLite store booleans, anything
        // else is more likely a bug than a truth value.
        Type::BOOL => match v {
            0 | 1 => out.put_u8(u8::from(v == 1)),
            _ => return Err(fail(format_args!("integer {v}"), ty, Some(&"only 0 and 1 are booleans"))),
        },
        _ if is_text(ty) => write!(out, "{v}")?,
        _ => return Err(fail("integer", ty, None)),
    }
    Ok(())
}

fn bind_float(v: f64, ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    match *ty {
        Type::FLOAT8 => out.put_f64(v),
        Type::FLOAT4 => {
            // Narrowing rounds to the nearest f32; only overflow is an error.
            #[allow(clippy::cast_possible_truncation)]
            let narrowed = v as f32;
            if narrowed.is_infinite() && v.is_finite() {
                return Err(fail(format_args!("float {v}"), ty, Some(&"out of range")));
            }
            out.put_f32(narrowed);
        }
        Type::NUMERIC => match Decimal::try_from(v) {
            Ok(decimal) => {
                decimal.to_sql(ty, out)?;
            }
            Err(_) => return Err(fail(format_args!("float {v}"), ty, Some(&"not representable as a decimal"))),
        },
        _ if is_text(ty) => write!(out, "{v}")?,
        _ => return Err(fail("float", ty, None)),
    }
    Ok(())
}

fn bind_bool(v: bool, ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    match *ty {
        Type::BOOL => out.put_u8(u8::from(v)),
        Type::INT2 => out.put_i16(i16::from(v)),
        Type::INT4 => out.put_i32(i32::from(v)),
        Type::INT8 => out.put_i64(i64::from(v)),
        _ if is_text(ty) => out.put_slice(if v { b"true" } else { b"false" }),
        _ => return Err(fail("bool", ty, None)),
    }
    Ok(())
}

fn bind_bytes(v: &[u8], ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    match *ty {
        Type::BYTEA => out.put_slice(v),
        _ if is_text(ty) => match std::str::from_utf8(v) {
            Ok(text) => out.put_slice(text.as_bytes()),
            Err(_) => return Err(fail("bytes", ty, Some(&"they are not UTF-8"))),
        },
        _ => return Err(fail("bytes", ty, None)),
    }
    Ok(())
}

fn bind_decimal(v: Decimal, ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    let out_of_range = || fail(format_args!("decimal {v}"), ty, Some(&"out of range"));
    match *ty {
        Type::NUMERIC => {
            v.to_sql(ty, out)?;
        }
        Type::FLOAT8 => out.put_f64(v.to_f64().ok_or_else(out_of_range)?),
        Type::FLOAT4 => out.put_f32(v.to_f32().ok_or_else(out_of_range)?),
        Type::INT2 | Type::INT4 | Type::INT8 => {
            if !v.is_integer() {
                return Err(fail(format_args!("decimal {v}"), ty, Some(&"it is not an integer")));
            }
            let v = v.to_i64().ok_or_else(out_of_range)?;
            bind_int(v, ty, out)?;
        }
        _ if is_text(ty) => write!(out, "{v}")?,
        _ => return Err(fail("decimal", ty, None)),
    }
    Ok(())
}

fn bind_text(text: &str, ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    match text_as(ty) {
        TextAs::Raw | TextAs::ServerParsed => out.put_slice(text.as_bytes()),
        TextAs::Json { jsonb } => {
            #[cfg(feature = "json")]
            if let Err(e) = serde_json::from_str::<serde_json::Value>(text) {
                return Err(fail(describe_text(text), ty, Some(&format_args!("invalid JSON: {e}"))));
            }
            // Without the json feature the server validates it.
            if jsonb {
                out.put_u8(1);
            }
            out.put_slice(text.as_bytes());
        }
        TextAs::Parsed => parse_text(text, ty, out)?,
    }
    Ok(())
}

/// Text into the types for which [`text_as`] says [`TextAs::Parsed`].
fn parse_text(text: &str, ty: &Type, out: &mut BytesMut) -> Result<(), BoxError> {
    let invalid = |reason: &dyn fmt::Display| fail(describe_text(text), ty, Some(reason));
    match *ty {
        Type::INT2 => out.put_i16(text.parse().map_err(|e| invalid(&e))?),
        Type::INT4 => out.put_i32(text.parse().map_err(|e| invalid(&e))?),
        Type::INT8 => out.put_i64(text.parse().map_err(|e| invalid(&e))?),
        Type::OID => out.put_u32(text.parse().map_err(|e| invalid(&e))?),
        Type::FLOAT4 => out.put_f32(text.parse().map_err(|e| invalid(&e))?),
        Type::FLOAT8 => out.put_f64(text.parse().map_err(|e| invalid(&e))?),
        Type::BOOL => {
            let is = |word: &str| text.eq_ignore_ascii_case(word);
            let v = if is("true") || is("t") || text == "1" {
                true
            } else if is("false") || is("f") || text == "0" {
                false
            } else {
                return Err(invalid(&"expected true, false, t, f, 1 or 0"));
            };
            out.put_u8(u8::from(v));
        }
        #[cfg(feature = "uuid")]
        Type::UUID => out.put_slice(uuid::Uuid::parse_str(text).map_err(|e| invalid(&e))?.as_bytes()),
        #[cfg(feature = "chrono")]
        Type::DATE | Type::TIME | Type::TIMESTAMP | Type::TIMESTAMPTZ => {
            return datetimes::parse_text(text, ty, out).map_err(|reason| invalid(&reason));
        }
        // `text_as` parses no other type here.
        _ => return Err(fail(describe_text(text), ty, None)),
    }
    Ok(())
}

#[cfg(feature = "chrono")]
mod datetimes {
    //! Text into the date and time types.

    use bytes::BytesMut;
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime};
    use ormcore::value::formats;
    use postgres_types::{ToSql, Type};

    /// ormcore's canonical format, or the same with a `T`.
    fn naive_datetime(text: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text, formats::DATETIME)
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
            .ok()
    }

    /// An RFC 3339 timestamp (with its offset) as UTC.
    fn rfc3339(text: &str) -> Option<NaiveDateTime> {
        DateTime::parse_from_rfc3339(text).ok().map(|d| d.naive_utc())
    }

    /// Parse `text` for `ty` (DATE, TIME, TIMESTAMP or TIMESTAMPTZ) and
    /// write it in binary format. Zone-less timestamps are UTC for
    /// `timestamptz`, and RFC 3339 ones are converted to their UTC wall time
    /// for `timestamp`, as the chrono values are.
    pub(super) fn parse_text(text: &str, ty: &Type, out: &mut BytesMut) -> Result<(), String> {
        let written = match *ty {
            Type::DATE => match NaiveDate::parse_from_str(text, formats::DATE) {
                Ok(date) => date.to_sql(ty, out),
                Err(_) => return Err("expected a date as YYYY-MM-DD".into()),
            },
            Type::TIME => match NaiveTime::parse_from_str(text, formats::TIME) {
                Ok(time) => time.to_sql(ty, out),
                Err(_) => return Err("expected a time as HH:MM:SS[.fraction]".into()),
            },
            Type::TIMESTAMP | Type::TIMESTAMPTZ => {
                let parsed = if *ty == Type::TIMESTAMP {
                    naive_datetime(text).or_else(|| rfc3339(text))
                } else {
                    rfc3339(text).or_else(|| naive_datetime(text))
                };
                match parsed {
                    Some(datetime) => datetime.to_sql(&Type::TIMESTAMP, out),
                    None => {
                        return Err("expected YYYY-MM-DD HH:MM:SS[.fraction] or an RFC 3339 timestamp".into());
                    }
                }
            }
            _ => return Err("not a date or time type".into()),
        };
        // Fails only for timestamps beyond PostgreSQL's range.
        written.map(|_| ()).map_err(|e| e.to_string())
    }
}
