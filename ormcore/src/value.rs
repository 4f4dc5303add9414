//! Values bound as parameters ([`Value`]), values read from rows
//! ([`ValueRef`]), and the conversions between them and Rust types
//! ([`ToValue`], [`FromValue`]).
//!
//! Integers travel as `i64` and floats as `f64` whatever their width; a
//! backend narrows them to the column's type when it binds them, and the
//! Rust side checks the range when it decodes.

mod external;

#[cfg(feature = "chrono")]
pub use external::formats;

/// An owned SQL value, as bound to a statement parameter.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Value {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer.
    Int(i64),
    /// Any floating-point number.
    Float(f64),
    /// Text.
    Text(String),
    /// Binary data.
    Bytes(Vec<u8>),
    /// A calendar date.
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
    /// A time of day.
    #[cfg(feature = "chrono")]
    Time(chrono::NaiveTime),
    /// A date and time without a time zone.
    #[cfg(feature = "chrono")]
    DateTime(chrono::NaiveDateTime),
    /// An instant in UTC.
    #[cfg(feature = "chrono")]
    DateTimeUtc(chrono::DateTime<chrono::Utc>),
    /// A UUID.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// A JSON document.
    #[cfg(feature = "json")]
    Json(serde_json::Value),
    /// An exact decimal number.
    #[cfg(feature = "decimal")]
    Decimal(rust_decimal::Decimal),
    /// A Rust value that could not be encoded, and why (a
    /// [`Json<T>`](crate::types::Json) whose `Serialize` failed). It is
    /// never bound: a statement carrying one is refused with
    /// [`Error::Interface`](crate::Error::Interface) before it is sent.
    Unencodable(String),
}

impl Value {
    /// The name of this value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        self.as_ref().kind()
    }

    /// A number for this value's kind, below 16: what a dialect may type a
    /// placeholder by (PostgreSQL's `$1::int8`), for statements cached by
    /// the kinds of their values.
    pub(crate) fn kind_number(&self) -> u8 {
        match self {
            Value::Null => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Float(_) => 3,
            Value::Text(_) => 4,
            Value::Bytes(_) => 5,
            #[cfg(feature = "chrono")]
            Value::Date(_) => 6,
            #[cfg(feature = "chrono")]
            Value::Time(_) => 7,
            #[cfg(feature = "chrono")]
            Value::DateTime(_) => 8,
            #[cfg(feature = "chrono")]
            Value::DateTimeUtc(_) => 9,
            #[cfg(feature = "uuid")]
            Value::Uuid(_) => 10,
            #[cfg(feature = "json")]
            Value::Json(_) => 11,
            #[cfg(feature = "decimal")]
            Value::Decimal(_) => 12,
            Value::Unencodable(_) => 13,
        }
    }

    /// Borrow this value as a [`ValueRef`], as if it had been read from a row.
    pub fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Bool(v) => ValueRef::Bool(*v),
            Value::Int(v) => ValueRef::Int(*v),
            Value::Float(v) => ValueRef::Float(*v),
            Value::Text(v) => ValueRef::Text(v),
            Value::Bytes(v) => ValueRef::Bytes(v),
            #[cfg(feature = "chrono")]
            Value::Date(v) => ValueRef::Date(*v),
            #[cfg(feature = "chrono")]
            Value::Time(v) => ValueRef::Time(*v),
            #[cfg(feature = "chrono")]
            Value::DateTime(v) => ValueRef::DateTime(*v),
            #[cfg(feature = "chrono")]
            Value::DateTimeUtc(v) => ValueRef::DateTimeUtc(*v),
            #[cfg(feature = "uuid")]
            Value::Uuid(v) => ValueRef::Uuid(*v),
            #[cfg(feature = "json")]
            Value::Json(v) => ValueRef::Json(v),
            #[cfg(feature = "decimal")]
            Value::Decimal(v) => ValueRef::Decimal(*v),
            Value::Unencodable(why) => ValueRef::Unencodable(why),
        }
    }
}

macro_rules! value_from {
    ($($t:ty => $variant:ident),* $(,)?) => {$(
        impl From<$t> for Value {
            fn from(value: $t) -> Self {
                Value::$variant(value.into())
            }
        }
    )*};
}

// For raw SQL parameters: `vec!["bob".into(), 42.into()]`.
value_from!(
    bool => Bool, i8 => Int, i16 => Int, i32 => Int, i64 => Int, u8 => Int, u16 => Int, u32 => Int,
    f32 => Float, f64 => Float, &str => Text, String => Text, Vec<u8> => Bytes, &[u8] => Bytes,
);

impl<T: Into<Value>> From<Option<T>> for Value {
    fn from(value: Option<T>) -> Self {
        value.map_or(Value::Null, Into::into)
    }
}

/// A value borrowed from a row, as a backend's [`Row`](crate::Row) hands it
/// out. Backends return the variant closest to the column's type; the
/// [`FromValue`] impls accept every lossless conversion (for example text into
/// a date on SQLite, which stores dates as text).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub enum ValueRef<'a> {
    /// SQL NULL.
    Null,
    /// A boolean.
    Bool(bool),
    /// Any integer.
    Int(i64),
    /// Any floating-point number.
    Float(f64),
    /// Text.
    Text(&'a str),
    /// Binary data.
    Bytes(&'a [u8]),
    /// A calendar date.
    #[cfg(feature = "chrono")]
    Date(chrono::NaiveDate),
    /// A time of day.
    #[cfg(feature = "chrono")]
    Time(chrono::NaiveTime),
    /// A date and time without a time zone.
    #[cfg(feature = "chrono")]
    DateTime(chrono::NaiveDateTime),
    /// An instant in UTC.
    #[cfg(feature = "chrono")]
    DateTimeUtc(chrono::DateTime<chrono::Utc>),
    /// A UUID.
    #[cfg(feature = "uuid")]
    Uuid(uuid::Uuid),
    /// A parsed JSON document.
    #[cfg(feature = "json")]
    Json(&'a serde_json::Value),
    /// An exact decimal number.
    #[cfg(feature = "decimal")]
    Decimal(rust_decimal::Decimal),
    /// [`Value::Unencodable`], borrowed: no row holds one.
    Unencodable(&'a str),
}

impl ValueRef<'_> {
    /// The name of this value's kind, for error messages.
    pub fn kind(&self) -> &'static str {
        match self {
            ValueRef::Null => "NULL",
            ValueRef::Bool(_) => "bool",
            ValueRef::Int(_) => "integer",
            ValueRef::Float(_) => "float",
            ValueRef::Text(_) => "text",
            ValueRef::Bytes(_) => "bytes",
            #[cfg(feature = "chrono")]
            ValueRef::Date(_) => "date",
            #[cfg(feature = "chrono")]
            ValueRef::Time(_) => "time",
            #[cfg(feature = "chrono")]
            ValueRef::DateTime(_) => "datetime",
            #[cfg(feature = "chrono")]
            ValueRef::DateTimeUtc(_) => "datetime with time zone",
            #[cfg(feature = "uuid")]
            ValueRef::Uuid(_) => "uuid",
            #[cfg(feature = "json")]
            ValueRef::Json(_) => "json",
            #[cfg(feature = "decimal")]
            ValueRef::Decimal(_) => "decimal",
            ValueRef::Unencodable(_) => "a value that could not be encoded",
        }
    }

    /// Copy into an owned [`Value`].
    pub fn to_owned(&self) -> Value {
        match *self {
            ValueRef::Null => Value::Null,
            ValueRef::Bool(v) => Value::Bool(v),
            ValueRef::Int(v) => Value::Int(v),
            ValueRef::Float(v) => Value::Float(v),
            ValueRef::Text(v) => Value::Text(v.to_owned()),
            ValueRef::Bytes(v) => Value::Bytes(v.to_owned()),
            #[cfg(feature = "chrono")]
            ValueRef::Date(v) => Value::Date(v),
            #[cfg(feature = "chrono")]
            ValueRef::Time(v) => Value::Time(v),
            #[cfg(feature = "chrono")]
            ValueRef::DateTime(v) => Value::DateTime(v),
            #[cfg(feature = "chrono")]
            ValueRef::DateTimeUtc(v) => Value::DateTimeUtc(v),
            #[cfg(feature = "uuid")]
            ValueRef::Uuid(v) => Value::Uuid(v),
            #[cfg(feature = "json")]
            ValueRef::Json(v) => Value::Json(v.clone()),
            #[cfg(feature = "decimal")]
            ValueRef::Decimal(v) => Value::Decimal(v),
            ValueRef::Unencodable(why) => Value::Unencodable(why.to_owned()),
        }
    }

    #[cold]
    fn mismatch(&self, expected: &'static str) -> DecodeError {
        DecodeError::new(expected, self.kind())
    }
}

/// A Rust value that can be bound as a statement parameter.
pub trait ToValue {
    /// Convert into an owned [`Value`].
    fn to_value(&self) -> Value;
}

/// A Rust value that can be read from a row.
pub trait FromValue: Sized {
    /// Decode from a borrowed row value.
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError>;
}

impl ToValue for Value {
    fn to_value(&self) -> Value {
        self.clone()
    }
}

impl FromValue for Value {
    #[inline]
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        Ok(value.to_owned())
    }
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Value {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Value {
        self.as_ref().map_or(Value::Null, ToValue::to_value)
    }
}

impl<T: FromValue> FromValue for Option<T> {
    #[inline]
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Null => Ok(None),
            other => T::from_value(other).map(Some),
        }
    }
}

macro_rules! integer {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Int(i64::from(*self))
            }
        }

        impl FromValue for $t {
            #[inline]
            fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
                match value {
                    ValueRef::Int(v) => <$t>::try_from(v)
                        .map_err(|_| DecodeError::new(stringify!($t), format!("integer {v} out of range"))),
                    ValueRef::Bool(v) => Ok(<$t>::from(v)),
                    // PostgreSQL's SUM of integers is NUMERIC.
                    #[cfg(feature = "decimal")]
                    ValueRef::Decimal(v) if v.fract().is_zero() => {
                        i64::try_from(v).ok().and_then(|v| <$t>::try_from(v).ok()).ok_or_else(|| {
                            DecodeError::new(stringify!($t), format!("decimal {v} out of range"))
                        })
                    }
                    other => Err(other.mismatch(stringify!($t))),
                }
            }
        }
    )*};
}
integer!(i8, i16, i32, i64, u8, u16, u32);

macro_rules! float {
    ($($t:ty),*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Value {
                Value::Float(f64::from(*self))
            }
        }

        impl FromValue for $t {
            #[allow(clippy::cast_possible_truncation, clippy::cast_precision_loss)]
            #[inline]
            fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
                match value {
                    // Narrowing f64 to f32 and widening integers is what a
                    // REAL column read as `f32`/an INTEGER read as a float means.
                    ValueRef::Float(v) => Ok(v as $t),
                    ValueRef::Int(v) => Ok(v as $t),
                    // PostgreSQL's AVG is NUMERIC.
                    #[cfg(feature = "decimal")]
                    ValueRef::Decimal(v) => {
                        use rust_decimal::prelude::ToPrimitive;
                        v.to_f64().map(|v| v as $t).ok_or_else(|| DecodeError::new(stringify!($t), format!("decimal {v}")))
                    }
                    other => Err(other.mismatch(stringify!($t))),
                }
            }
        }
    )*};
}
float!(f32, f64);

impl ToValue for bool {
    fn to_value(&self) -> Value {
        Value::Bool(*self)
    }
}

/// A column with nothing in it: NULL, such as what PostgreSQL functions
/// returning `void` give (`SELECT pg_sleep(0)`).
impl FromValue for () {
    #[inline]
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Null => Ok(()),
            other => Err(other.mismatch("()")),
        }
    }
}

impl FromValue for bool {
    #[inline]
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Bool(v) => Ok(v),
            // SQLite and MySQL store booleans as integers.
            ValueRef::Int(v) => Ok(v != 0),
            other => Err(other.mismatch("bool")),
        }
    }
}

impl ToValue for str {
    fn to_value(&self) -> Value {
        Value::Text(self.to_owned())
    }
}

impl ToValue for String {
    fn to_value(&self) -> Value {
        Value::Text(self.clone())
    }
}

impl FromValue for String {
    #[inline]
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Text(v) => Ok(v.to_owned()),
            ValueRef::Bytes(v) => std::str::from_utf8(v)
                .map(str::to_owned)
                .map_err(|_| DecodeError::new("String", "bytes that are not UTF-8")),
            other => Err(other.mismatch("String")),
        }
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Value {
        Value::Bytes(self.to_vec())
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Value {
        Value::Bytes(self.clone())
    }
}

impl FromValue for Vec<u8> {
    #[inline]
    fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
        match value {
            ValueRef::Bytes(v) => Ok(v.to_vec()),
            // MySQL hands out BLOB and TEXT alike as bytes on the wire, and
            // SQLite lets a blob column hold text.
            ValueRef::Text(v) => Ok(v.as_bytes().to_vec()),
            other => Err(other.mismatch("Vec<u8>")),
        }
    }
}

/// Why a single value could not be decoded; [`Error::Decode`](crate::Error::Decode)
/// adds the model and column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError {
    /// The Rust type that was asked for.
    pub expected: &'static str,
    /// What the database returned.
    pub found: String,
}

impl DecodeError {
    /// A value of kind `found` cannot become `expected`.
    pub fn new(expected: &'static str, found: impl Into<String>) -> Self {
        DecodeError { expected, found: found.into() }
    }
}
