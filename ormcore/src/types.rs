//! SQL types at compile time: the markers that type expressions
//! ([`Text`], [`Integer`], ...), the [`SqlField`] trait that maps a Rust
//! field type onto one of them and onto a DDL column type, and wrappers such
//! as [`Json`].
//!
//! Typing expressions by these markers is what makes
//! `User::NAME.eq(42)` a compile error: `i32` is an operand of `Integer`
//! expressions only.

use crate::schema::{ColumnType, TableMeta};
use crate::value::{FromValue, ToValue};

/// A SQL type class that expressions are typed by. Implemented by the
/// marker types of this module only.
pub trait SqlType: Send + Sync + 'static {
    /// The Rust type an expression of this class decodes to by default
    /// (for example in `select().columns(..)`).
    type Output: FromValue + Send;
}

macro_rules! sql_types {
    ($($(#[$doc:meta])* $name:ident => $output:ty;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub struct $name;
        impl SqlType for $name {
            type Output = $output;
        }
    )*};
}

sql_types! {
    /// Text: `String`, `&str`.
    Text => String;
    /// Integers of any width.
    Integer => i64;
    /// Floating-point numbers.
    Float => f64;
    /// Booleans, and the result of every comparison.
    Bool => bool;
    /// Binary data: `Vec<u8>`, `&[u8]`.
    Bytes => Vec<u8>;
}

#[cfg(feature = "chrono")]
sql_types! {
    /// Calendar dates (`chrono::NaiveDate`).
    Date => chrono::NaiveDate;
    /// Times of day (`chrono::NaiveTime`).
    Time => chrono::NaiveTime;
    /// Timestamps without a zone (`chrono::NaiveDateTime`).
    DateTime => chrono::NaiveDateTime;
    /// Timestamps in UTC (`chrono::DateTime<Utc>`).
    DateTimeUtc => chrono::DateTime<chrono::Utc>;
}

#[cfg(feature = "uuid")]
sql_types! {
    /// UUIDs.
    Uuid => uuid::Uuid;
}

#[cfg(feature = "json")]
sql_types! {
    /// JSON documents.
    JsonDoc => serde_json::Value;
}

#[cfg(feature = "decimal")]
sql_types! {
    /// Exact decimals (`rust_decimal::Decimal`).
    Decimal => rust_decimal::Decimal;
}

/// Numeric type classes: arithmetic and SUM/AVG apply to these.
pub trait Numeric: SqlType {}
impl Numeric for Integer {}
impl Numeric for Float {}
#[cfg(feature = "decimal")]
impl Numeric for Decimal {}

/// Type classes that order: `<`, `BETWEEN`, MIN/MAX apply to these.
pub trait Ordered: SqlType {}
impl Ordered for Integer {}
impl Ordered for Float {}
impl Ordered for Text {}
impl Ordered for Bytes {}
impl Ordered for Bool {}
#[cfg(feature = "chrono")]
impl Ordered for Date {}
#[cfg(feature = "chrono")]
impl Ordered for Time {}
#[cfg(feature = "chrono")]
impl Ordered for DateTime {}
#[cfg(feature = "chrono")]
impl Ordered for DateTimeUtc {}
#[cfg(feature = "uuid")]
impl Ordered for Uuid {}
#[cfg(feature = "decimal")]
impl Ordered for Decimal {}

/// A Rust type usable as a model field: how it binds, decodes, is typed in
/// expressions and is declared in DDL.
///
/// Implemented here for the supported scalar types, for `Option<T>`
/// (nullable columns) and for [`ForeignKey`](crate::ForeignKey). Implement it
/// for a newtype of your own to use it as a field.
pub trait SqlField: ToValue + FromValue + Send + Sync {
    /// The expression type class of this field.
    type Sql: SqlType;
    /// The DDL column type.
    const COLUMN_TYPE: ColumnType;
    /// Whether the column accepts NULL (true for `Option<T>` only).
    const NULLABLE: bool = false;
    /// The table this column references, for foreign keys.
    const REFERENCES: Option<fn() -> &'static TableMeta> = None;
}

macro_rules! fields {
    ($($rust:ty => $sql:ty, $column:expr;)*) => {$(
        impl SqlField for $rust {
            type Sql = $sql;
            const COLUMN_TYPE: ColumnType = $column;
        }
    )*};
}

fields! {
    i8 => Integer, ColumnType::SmallInt;
    i16 => Integer, ColumnType::SmallInt;
    i32 => Integer, ColumnType::Integer;
    i64 => Integer, ColumnType::BigInt;
    u8 => Integer, ColumnType::SmallInt;
    u16 => Integer, ColumnType::Integer;
    u32 => Integer, ColumnType::BigInt;
    f32 => Float, ColumnType::Real;
    f64 => Float, ColumnType::Double;
    bool => Bool, ColumnType::Boolean;
    String => Text, ColumnType::Text;
    Vec<u8> => Bytes, ColumnType::Blob;
}

#[cfg(feature = "chrono")]
fields! {
    chrono::NaiveDate => Date, ColumnType::Date;
    chrono::NaiveTime => Time, ColumnType::Time;
    chrono::NaiveDateTime => DateTime, ColumnType::DateTime;
    chrono::DateTime<chrono::Utc> => DateTimeUtc, ColumnType::DateTimeUtc;
}

#[cfg(feature = "uuid")]
fields! {
    uuid::Uuid => Uuid, ColumnType::Uuid;
}

#[cfg(feature = "json")]
fields! {
    serde_json::Value => JsonDoc, ColumnType::Json;
}

#[cfg(feature = "decimal")]
fields! {
    rust_decimal::Decimal => Decimal, ColumnType::Decimal(None);
}

impl<T: SqlField> SqlField for Option<T> {
    type Sql = T::Sql;
    const COLUMN_TYPE: ColumnType = T::COLUMN_TYPE;
    const NULLABLE: bool = true;
    const REFERENCES: Option<fn() -> &'static TableMeta> = T::REFERENCES;
}

/// A field stored as a JSON document: any `Serialize + Deserialize` type.
///
/// ```
/// # #[cfg(feature = "json")] {
/// use ormcore::types::Json;
/// #[derive(serde::Serialize, serde::Deserialize)]
/// struct Settings { theme: String }
/// let field = Json(Settings { theme: "dark".into() });
/// assert_eq!(field.0.theme, "dark");
/// # }
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Json<T>(pub T);

#[cfg(feature = "json")]
impl<T> SqlField for Json<T>
where
    T: serde::Serialize + serde::de::DeserializeOwned + Send + Sync,
{
    type Sql = JsonDoc;
    const COLUMN_TYPE: ColumnType = ColumnType::Json;
}

/// A `Json<T>` is bound as a JSON document; it decodes from one, or from
/// JSON text or bytes where a backend stores documents so.
#[cfg(feature = "json")]
mod json_value {
    use super::Json;
    use crate::row::{FromRow, Row, decode_column};
    use crate::value::{DecodeError, FromValue, ToValue, Value, ValueRef};

    impl<T: serde::Serialize> ToValue for Json<T> {
        fn to_value(&self) -> Value {
            // Serializing into a `serde_json::Value` fails for a map whose
            // keys are not strings or numbers, or a `Serialize` that errs:
            // the statement is refused with the reason, never sent with
            // NULL in its place.
            match serde_json::to_value(&self.0) {
                Ok(document) => Value::Json(document),
                Err(error) => Value::Unencodable(format!(
                    "{} could not be serialized as JSON: {error}",
                    std::any::type_name::<T>()
                )),
            }
        }
    }

    impl<T: serde::de::DeserializeOwned> FromValue for Json<T> {
        fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
            let parsed = match value {
                ValueRef::Json(v) => T::deserialize(v).map_err(|e| e.to_string()),
                ValueRef::Text(t) => serde_json::from_str(t).map_err(|e| e.to_string()),
                ValueRef::Bytes(b) => serde_json::from_slice(b).map_err(|e| e.to_string()),
                other => return Err(DecodeError::new("Json<T>", other.kind())),
            };
            parsed
                .map(Json)
                .map_err(|e| DecodeError::new(std::any::type_name::<T>(), format!("JSON that does not match: {e}")))
        }
    }

    impl<T: serde::de::DeserializeOwned + Send> FromRow for Json<T> {
        fn from_row(row: &dyn Row, next: &mut usize) -> crate::error::Result<Self> {
            let index = *next;
            *next += 1;
            decode_column(row, index, "row")
        }
    }
}
