//! Conversions for other crates' types, each behind its cargo feature: dates and times
//! (`chrono`), `uuid`, JSON (`json`) and decimals (`decimal`).
//!
//! Backends without native types for these (SQLite) store them as text in
//! the canonical formats below, so decoding accepts text as well.

#[cfg(any(feature = "chrono", feature = "uuid", feature = "json", feature = "decimal"))]
use super::{DecodeError, FromValue, ToValue, Value, ValueRef};

/// Canonical text formats, shared by the decoders here and by backends that
/// store these types as text.
#[cfg(feature = "chrono")]
pub mod formats {
    /// `NaiveDate` as text.
    pub const DATE: &str = "%Y-%m-%d";
    /// `NaiveTime` as text (fractional seconds only when present).
    pub const TIME: &str = "%H:%M:%S%.f";
    /// `NaiveDateTime` as text.
    pub const DATETIME: &str = "%Y-%m-%d %H:%M:%S%.f";
}

#[cfg(feature = "chrono")]
mod chrono_impls {
    use super::formats;
    use super::{DecodeError, FromValue, ToValue, Value, ValueRef};
    use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};

    impl ToValue for NaiveDate {
        fn to_value(&self) -> Value {
            Value::Date(*self)
        }
    }
    impl ToValue for NaiveTime {
        fn to_value(&self) -> Value {
            Value::Time(*self)
        }
    }
    impl ToValue for NaiveDateTime {
        fn to_value(&self) -> Value {
            Value::DateTime(*self)
        }
    }
    impl ToValue for DateTime<Utc> {
        fn to_value(&self) -> Value {
            Value::DateTimeUtc(*self)
        }
    }

    fn parse_datetime(text: &str) -> Option<NaiveDateTime> {
        NaiveDateTime::parse_from_str(text, formats::DATETIME)
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
            .ok()
    }

    impl FromValue for NaiveDate {
        fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
            match value {
                ValueRef::Date(v) => Ok(v),
                ValueRef::Text(t) => NaiveDate::parse_from_str(t, formats::DATE)
                    .map_err(|_| DecodeError::new("NaiveDate", format!("text {t:?}"))),
                other => Err(DecodeError::new("NaiveDate", other.kind())),
            }
        }
    }

    impl FromValue for NaiveTime {
        fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
            match value {
                ValueRef::Time(v) => Ok(v),
                ValueRef::Text(t) => NaiveTime::parse_from_str(t, formats::TIME)
                    .map_err(|_| DecodeError::new("NaiveTime", format!("text {t:?}"))),
                other => Err(DecodeError::new("NaiveTime", other.kind())),
            }
        }
    }

    impl FromValue for NaiveDateTime {
        fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
            match value {
                ValueRef::DateTime(v) => Ok(v),
                ValueRef::DateTimeUtc(v) => Ok(v.naive_utc()),
                ValueRef::Text(t) => {
                    parse_datetime(t).ok_or_else(|| DecodeError::new("NaiveDateTime", format!("text {t:?}")))
                }
                other => Err(DecodeError::new("NaiveDateTime", other.kind())),
            }
        }
    }

    impl FromValue for DateTime<Utc> {
        fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
            match value {
                ValueRef::DateTimeUtc(v) => Ok(v),
                // A zone-less timestamp read into a UTC type is taken as UTC,
                // which is how ormcore writes it on backends without zones.
                ValueRef::DateTime(v) => Ok(v.and_utc()),
                ValueRef::Text(t) => DateTime::parse_from_rfc3339(t)
                    .map(|d| d.with_timezone(&Utc))
                    .ok()
                    .or_else(|| parse_datetime(t).map(|d| d.and_utc()))
                    .ok_or_else(|| DecodeError::new("DateTime<Utc>", format!("text {t:?}"))),
                other => Err(DecodeError::new("DateTime<Utc>", other.kind())),
            }
        }
    }
}

#[cfg(feature = "uuid")]
mod uuid_impls {
    use super::{DecodeError, FromValue, ToValue, Value, ValueRef};
    use uuid::Uuid;

    impl ToValue for Uuid {
        fn to_value(&self) -> Value {
            Value::Uuid(*self)
        }
    }

    impl FromValue for Uuid {
        fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
            match value {
                ValueRef::Uuid(v) => Ok(v),
                ValueRef::Text(t) => Uuid::parse_str(t).map_err(|_| DecodeError::new("Uuid", format!("text {t:?}"))),
                ValueRef::Bytes(b) => {
                    Uuid::from_slice(b).map_err(|_| DecodeError::new("Uuid", format!("{} bytes", b.len())))
                }
                other => Err(DecodeError::new("Uuid", other.kind())),
            }
        }
    }
}

#[cfg(feature = "json")]
mod json_impls {
    use super::{DecodeError, FromValue, ToValue, Value, ValueRef};

    impl ToValue for serde_json::Value {
        fn to_value(&self) -> Value {
            Value::Json(self.clone())
        }
    }

    impl FromValue for serde_json::Value {
        fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
            match value {
                ValueRef::Json(v) => Ok(v.clone()),
                ValueRef::Text(t) => serde_json::from_str(t)
                    .map_err(|e| DecodeError::new("serde_json::Value", format!("invalid JSON text: {e}"))),
                ValueRef::Bytes(b) => serde_json::from_slice(b)
                    .map_err(|e| DecodeError::new("serde_json::Value", format!("invalid JSON bytes: {e}"))),
                other => Err(DecodeError::new("serde_json::Value", other.kind())),
            }
        }
    }
}

#[cfg(feature = "decimal")]
mod decimal_impls {
    use super::{DecodeError, FromValue, ToValue, Value, ValueRef};
    use rust_decimal::Decimal;
    use std::str::FromStr;

    impl ToValue for Decimal {
        fn to_value(&self) -> Value {
            Value::Decimal(*self)
        }
    }

    impl FromValue for Decimal {
        fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
            match value {
                ValueRef::Decimal(v) => Ok(v),
                ValueRef::Int(v) => Ok(Decimal::from(v)),
                ValueRef::Text(t) => {
                    Decimal::from_str(t).map_err(|_| DecodeError::new("Decimal", format!("text {t:?}")))
                }
                ValueRef::Float(v) => {
                    Decimal::try_from(v).map_err(|_| DecodeError::new("Decimal", format!("float {v}")))
                }
                other => Err(DecodeError::new("Decimal", other.kind())),
            }
        }
    }
}
