//! The codec (`value`, `row`, `error`) against a real PostgreSQL:
//! `ORMCORE_PG_URL`, by default `postgresql://postgres@127.0.0.1:5432/test`.

use std::future::poll_fn;
use std::pin::pin;

use futures_core::Stream;
use ormcore::FromRow;

/// Run `sql` with `values` bound through `query_raw`, collecting the rows.
async fn query(client: &Client, sql: &str, values: &[Value]) -> ormcore::Result<Vec<tokio_postgres::Row>> {
    let stream = client.query_raw(sql, crate::value::params(values)).await.map_err(crate::error::map)?;
    let mut stream = pin!(stream);
    let mut rows = Vec::new();
    while let Some(row) = poll_fn(|cx| stream.as_mut().poll_next(cx)).await {
        rows.push(row.map_err(crate::error::map)?);
    }
    Ok(rows)
}

/// Run `sql` with `values` bound through `execute_raw`.
async fn execute(client: &Client, sql: &str, values: &[Value]) -> ormcore::Result<u64> {
    client.execute_raw(sql, crate::value::params(values)).await.map_err(crate::error::map)
}

/// Decode a row through `PgRow` into `T`.
fn decode<T: FromRow>(row: &tokio_postgres::Row) -> ormcore::Result<T> {
    let mut next = 0;
    T::from_row(&crate::row::PgRow(row), &mut next)
}

/// `PgRow::value` of one column, owned.
fn value_at(row: &tokio_postgres::Row, index: usize) -> ormcore::Result<Value> {
    use ormcore::Row as _;
    crate::row::PgRow(row).value(index).map(|v| v.to_owned())
}

/// Map a driver error.
fn map_error(error: tokio_postgres::Error) -> ormcore::Error {
    crate::error::map(error)
}

use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use ormcore::{ConstraintKind, Error, SqlRow, Value};
use rust_decimal::Decimal;
use tokio_postgres::{Client, NoTls};
use uuid::Uuid;

const COLUMNS: &str = "
    id serial PRIMARY KEY,
    c_int2 int2, c_int4 int4, c_int8 int8, c_float4 float4, c_float8 float8, c_bool bool,
    c_text text, c_varchar varchar(10), c_bytea bytea, c_numeric numeric(28,10),
    c_date date, c_time time, c_timestamp timestamp, c_timestamptz timestamptz,
    c_uuid uuid, c_json json, c_jsonb jsonb, c_interval interval,
    c_required text NOT NULL DEFAULT 'x'";

async fn connect() -> Client {
    let url = std::env::var("ORMCORE_PG_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into());
    let (client, connection) = tokio_postgres::connect(&url, NoTls).await.expect("PostgreSQL at ORMCORE_PG_URL");
    tokio::spawn(connection);
    client
}

/// A connection with the temporary table `t`.
async fn with_table() -> Client {
    let client = connect().await;
    client.batch_execute(&format!("CREATE TEMP TABLE t ({COLUMNS})")).await.expect("create table");
    client
}

/// Insert `value` into `column` and read it back through `PgRow`.
async fn roundtrip(client: &Client, column: &str, value: Value) -> ormcore::Result<Value> {
    let rows = query(client, &format!("INSERT INTO t ({column}) VALUES ($1) RETURNING {column}"), &[value]).await?;
    value_at(&rows[0], 0)
}

fn date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2024, 2, 29).expect("valid date")
}
fn time() -> NaiveTime {
    NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).expect("valid time")
}
fn datetime() -> NaiveDateTime {
    date().and_time(time())
}
fn utc() -> DateTime<Utc> {
    Utc.from_utc_datetime(&datetime())
}
fn dec(text: &str) -> Decimal {
    Decimal::from_str(text).expect("valid decimal")
}
fn text(v: &str) -> Value {
    Value::Text(v.into())
}

#[tokio::test]
async fn every_kind_into_every_compatible_type() {
    let client = with_table().await;
    let uuid = Uuid::from_u128(0x0123_4567_89ab_cdef_0123_4567_89ab_cdef);
    let json = serde_json::json!({"a": [1, 2.5, "x"], "b": null});
    let cases: Vec<(&str, Value, Value)> = vec![
        ("c_int2", Value::Int(-32768), Value::Int(-32768)),
        ("c_int2", Value::Int(32767), Value::Int(32767)),
        ("c_int2", Value::Bool(true), Value::Int(1)),
        ("c_int2", text("42"), Value::Int(42)),
        ("c_int2", Value::Decimal(dec("12.000")), Value::Int(12)),
        ("c_int4", Value::Int(i64::from(i32::MIN)), Value::Int(i64::from(i32::MIN))),
        ("c_int4", Value::Bool(false), Value::Int(0)),
        ("c_int4", text("-7"), Value::Int(-7)),
        ("c_int8", Value::Int(i64::MIN), Value::Int(i64::MIN)),
        ("c_int8", Value::Int(i64::MAX), Value::Int(i64::MAX)),
        ("c_int8", Value::Decimal(dec("-5")), Value::Int(-5)),
        ("c_float4", Value::Int(3), Value::Float(3.0)),
        ("c_float4", Value::Float(1.5), Value::Float(1.5)),
        ("c_float4", text("2.5"), Value::Float(2.5)),
        ("c_float4", Value::Decimal(dec("0.25")), Value::Float(0.25)),
        ("c_float8", Value::Float(0.1), Value::Float(0.1)),
        ("c_float8", Value::Int(1 << 53), Value::Float(9_007_199_254_740_992.0)),
        ("c_float8", text("1e300"), Value::Float(1e300)),
        ("c_float8", Value::Float(f64::INFINITY), Value::Float(f64::INFINITY)),
        ("c_bool", Value::Bool(true), Value::Bool(true)),
        ("c_bool", Value::Int(0), Value::Bool(false)),
        ("c_bool", Value::Int(1), Value::Bool(true)),
        ("c_bool", text("t"), Value::Bool(true)),
        ("c_bool", text("FALSE"), Value::Bool(false)),
        ("c_text", text("héllo ☃"), text("héllo ☃")),
        ("c_text", Value::Int(-12), text("-12")),
        ("c_text", Value::Float(1.5), text("1.5")),
        ("c_text", Value::Bool(true), text("true")),
        ("c_text", Value::Bytes(b"abc".to_vec()), text("abc")),
        ("c_text", Value::Date(date()), text("2024-02-29")),
        ("c_text", Value::Time(time()), text("23:59:58.123456")),
        ("c_text", Value::DateTime(datetime()), text("2024-02-29 23:59:58.123456")),
        ("c_text", Value::DateTimeUtc(utc()), text("2024-02-29 23:59:58.123456")),
        ("c_text", Value::Uuid(uuid), text("01234567-89ab-cdef-0123-456789abcdef")),
        ("c_text", Value::Json(json.clone()), text(r#"{"a":[1,2.5,"x"],"b":null}"#)),
        ("c_text", Value::Decimal(dec("1.50")), text("1.50")),
        ("c_varchar", text("short"), text("short")),
        ("c_varchar", Value::Int(5), text("5")),
        ("c_bytea", Value::Bytes(vec![0, 255, 1]), Value::Bytes(vec![0, 255, 1])),
        ("c_bytea", text("abc"), Value::Bytes(b"abc".to_vec())),
        ("c_numeric", Value::Decimal(dec("-1.5")), Value::Decimal(dec("-1.5"))),
        (
            "c_numeric",
            Value::Decimal(dec("123456789012345678.0123456789")),
            Value::Decimal(dec("123456789012345678.0123456789")),
        ),
        ("c_numeric", Value::Int(42), Value::Decimal(dec("42"))),
        ("c_numeric", Value::Float(0.1), Value::Decimal(dec("0.1"))),
        // Sent in text format: the server's numeric input parses it.
        ("c_numeric", text("123.456"), Value::Decimal(dec("123.456"))),
        ("c_date", Value::Date(date()), Value::Date(date())),
        ("c_date", text("2024-02-29"), Value::Date(date())),
        ("c_time", Value::Time(time()), Value::Time(time())),
        ("c_time", text("23:59:58.123456"), Value::Time(time())),
        ("c_timestamp", Value::DateTime(datetime()), Value::DateTime(datetime())),
        ("c_timestamp", Value::DateTimeUtc(utc()), Value::DateTime(datetime())),
        ("c_timestamp", text("2024-02-29 23:59:58.123456"), Value::DateTime(datetime())),
        ("c_timestamp", text("2024-03-01T01:59:58.123456+02:00"), Value::DateTime(datetime())),
        ("c_timestamptz", Value::DateTimeUtc(utc()), Value::DateTimeUtc(utc())),
        ("c_timestamptz", Value::DateTime(datetime()), Value::DateTimeUtc(utc())),
        ("c_timestamptz", text("2024-02-29T18:59:58.123456-05:00"), Value::DateTimeUtc(utc())),
        ("c_timestamptz", text("2024-02-29 23:59:58.123456"), Value::DateTimeUtc(utc())),
        ("c_uuid", Value::Uuid(uuid), Value::Uuid(uuid)),
        ("c_uuid", text("01234567-89ab-cdef-0123-456789abcdef"), Value::Uuid(uuid)),
        ("c_uuid", text("0123456789abcdef0123456789abcdef"), Value::Uuid(uuid)),
        ("c_json", Value::Json(json.clone()), text(r#"{"a":[1,2.5,"x"],"b":null}"#)),
        ("c_json", text(r#"{"kept":  "as is"}"#), text(r#"{"kept":  "as is"}"#)),
        ("c_jsonb", Value::Json(json.clone()), text(r#"{"a": [1, 2.5, "x"], "b": null}"#)),
        ("c_jsonb", text(r#" {"a":1} "#), text(r#"{"a": 1}"#)),
    ];
    for (column, value, expected) in cases {
        let got = roundtrip(&client, column, value.clone()).await;
        match got {
            Ok(got) => assert_eq!(got, expected, "{value:?} into {column}"),
            Err(e) => panic!("{value:?} into {column}: {e}"),
        }
    }
    // NULL into every type, with the parameter's type inferred.
    let columns = "c_int2 c_int4 c_int8 c_float4 c_float8 c_bool c_text c_varchar c_bytea c_numeric c_date c_time \
                   c_timestamp c_timestamptz c_uuid c_json c_jsonb c_interval";
    for column in columns.split_whitespace() {
        assert_eq!(roundtrip(&client, column, Value::Null).await.expect("NULL binds"), Value::Null, "{column}");
    }
}

#[tokio::test]
async fn reads_through_row_and_from_value() {
    let client = with_table().await;
    let uuid = Uuid::from_u128(7);
    let sql = "INSERT INTO t (c_int2, c_float4, c_numeric, c_json, c_jsonb, c_timestamptz, c_uuid, c_bool) \
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
               RETURNING c_int2, c_float4, c_numeric, c_json, c_jsonb, c_timestamptz, c_uuid, c_bool, c_text";
    let values = [
        Value::Int(300),
        Value::Float(0.5),
        Value::Decimal(dec("9.99")),
        Value::Json(serde_json::json!([1, {"k": "v"}])),
        text(r#"{"n": 1}"#),
        Value::DateTimeUtc(utc()),
        Value::Uuid(uuid),
        Value::Null,
    ];
    let future = query(&client, sql, &values);
    fn is_send<T: Send>(_: &T) {}
    is_send(&future);
    let rows = future.await.expect("insert");
    type Tuple = (i16, f32, Decimal, serde_json::Value, serde_json::Value, DateTime<Utc>, Uuid, Option<bool>);
    let (a, b, c, d, e, f, g, h) = decode::<Tuple>(&rows[0]).expect("decodes");
    assert_eq!((a, b, c, f, g, h), (300, 0.5, dec("9.99"), utc(), uuid, None));
    assert_eq!(c.to_string(), "9.9900000000", "numeric keeps the column's scale");
    assert_eq!(d, serde_json::json!([1, {"k": "v"}]));
    assert_eq!(e, serde_json::json!({"n": 1}));

    let row = decode::<SqlRow>(&rows[0]).expect("decodes");
    assert_eq!(row.columns()[0], "c_int2");
    assert_eq!(row.columns().len(), 9);
    assert_eq!(row.values()[8], Value::Null);
    assert!(matches!(value_at(&rows[0], 9), Err(Error::Interface(m)) if m.contains("out of range")));

    // Text read into the richer types parses, as on SQLite.
    let rows = query(&client, "SELECT '2024-02-29'::text, '1.25'::text", &[]).await.expect("select");
    let (date_from_text, decimal_from_text) = decode::<(NaiveDate, Decimal)>(&rows[0]).expect("decodes");
    assert_eq!((date_from_text, decimal_from_text), (date(), dec("1.25")));
}

#[tokio::test]
async fn bind_errors() {
    let client = with_table().await;
    let interface = |result: ormcore::Result<Value>| match result {
        Err(Error::Interface(message)) => message,
        other => panic!("expected an interface error, got {other:?}"),
    };
    let message = interface(roundtrip(&client, "c_int2", Value::Int(70000)).await);
    assert!(message.contains("cannot bind integer 70000 as PostgreSQL int2: out of range"), "{message}");
    let message = interface(roundtrip(&client, "c_int4", Value::Int(3_000_000_000)).await);
    assert!(message.contains("int4"), "{message}");
    let message = interface(roundtrip(&client, "c_uuid", text("x")).await);
    assert!(message.contains(r#"cannot bind text "x" as PostgreSQL uuid"#), "{message}");
    let message = interface(roundtrip(&client, "c_text", Value::Bytes(vec![0xff, 0xfe])).await);
    assert!(message.contains("cannot bind bytes as PostgreSQL text"), "{message}");
    let message = interface(roundtrip(&client, "c_bool", Value::Int(2)).await);
    assert!(message.contains("bool"), "{message}");
    let message = interface(roundtrip(&client, "c_float4", Value::Float(1e300)).await);
    assert!(message.contains("float4: out of range"), "{message}");
    let message = interface(roundtrip(&client, "c_int8", Value::Decimal(dec("1.5"))).await);
    assert!(message.contains("not an integer"), "{message}");
    let message = interface(roundtrip(&client, "c_jsonb", text("{oops")).await);
    assert!(message.contains("invalid JSON"), "{message}");
    let message = interface(roundtrip(&client, "c_date", Value::Int(1)).await);
    assert!(message.contains("cannot bind integer as PostgreSQL date"), "{message}");
    let message = interface(roundtrip(&client, "c_timestamp", text("yesterday")).await);
    assert!(message.contains("timestamp"), "{message}");
    // Text the server parses fails on the server.
    match roundtrip(&client, "c_numeric", text("abc")).await {
        Err(Error::Operational { message, .. }) => assert!(message.contains("22P02"), "{message}"),
        other => panic!("expected an operational error, got {other:?}"),
    }
    // The connection is still usable.
    assert_eq!(roundtrip(&client, "c_int2", Value::Int(1)).await.expect("binds"), Value::Int(1));
}

#[tokio::test]
async fn untyped_and_typed_placeholders() {
    let client = connect().await;
    let one = |sql: &'static str, value: Value| {
        let client = &client;
        async move {
            let rows = query(client, sql, &[value]).await.expect("query");
            value_at(&rows[0], 0).expect("decodes")
        }
    };
    assert_eq!(one("SELECT $1", text("hi")).await, text("hi"));
    assert_eq!(one("SELECT $1", Value::Int(5)).await, text("5"));
    assert_eq!(one("SELECT $1", Value::Null).await, Value::Null);
    assert_eq!(one("SELECT $1::int8", Value::Int(5)).await, Value::Int(5));
    assert_eq!(one("SELECT $1::int8", Value::Null).await, Value::Null);
    assert_eq!(one("SELECT $1::int4 + 1", Value::Int(5)).await, Value::Int(6));
    assert_eq!(one("SELECT $1::float8", Value::Float(2.5)).await, Value::Float(2.5));
    assert_eq!(one("SELECT $1::numeric * 2", Value::Decimal(dec("1.25"))).await, Value::Decimal(dec("2.50")));
    assert_eq!(one("SELECT $1::jsonb", Value::Json(serde_json::json!({"a": 1}))).await, text(r#"{"a": 1}"#));
    assert_eq!(one("SELECT $1::bytea", Value::Bytes(vec![1])).await, Value::Bytes(vec![1]));
    assert_eq!(one("SELECT $1::oid", Value::Int(4_000_000_000)).await, Value::Int(4_000_000_000));
    assert_eq!(one("SELECT $1::name", text("pg")).await, text("pg"));
    assert_eq!(one("SELECT $1::\"char\"", Value::Null).await, Value::Null);
    let rows = query(&client, "SELECT relkind FROM pg_class WHERE relname = 'pg_class'", &[]).await.expect("query");
    assert_eq!(value_at(&rows[0], 0).expect("decodes"), text("r"));
}

#[tokio::test]
async fn text_format_enums_domains_and_unsupported_types() {
    let client = with_table().await;
    client
        .batch_execute(
            "CREATE TYPE pg_temp.mood AS ENUM ('sad', 'happy');
             CREATE DOMAIN pg_temp.positive AS int4 CHECK (VALUE > 0);
             CREATE TEMP TABLE extra (mood pg_temp.mood, amount pg_temp.positive, addr inet, tags int4[]);",
        )
        .await
        .expect("types");
    let rows = query(
        &client,
        "INSERT INTO extra VALUES ($1, $2, $3, $4) RETURNING mood, amount, addr::text, tags::text",
        &[text("happy"), Value::Int(5), text("10.0.0.1"), text("{1,2,3}")],
    )
    .await
    .expect("insert");
    let row = decode::<SqlRow>(&rows[0]).expect("decodes");
    assert_eq!(row.values(), &[text("happy"), Value::Int(5), text("10.0.0.1/32"), text("{1,2,3}")]);
    // Text into interval goes to the server in text format.
    let rows = query(&client, "INSERT INTO t (c_interval) VALUES ($1) RETURNING c_interval::text", &[text("1 day")])
        .await
        .expect("insert");
    assert_eq!(value_at(&rows[0], 0).expect("decodes"), text("1 day"));
    // A domain's check is an integrity error.
    let error = execute(&client, "INSERT INTO extra (amount) VALUES ($1)", &[Value::Int(-1)]).await.expect_err("check");
    assert_eq!(error.constraint_kind(), Some(ConstraintKind::Check), "{error}");
    // Unsupported result types and values outside rust_decimal's range.
    let rows = query(&client, "SELECT '1 day'::interval AS span, 'NaN'::numeric AS nan, 1e40::numeric AS big", &[])
        .await
        .expect("select");
    match value_at(&rows[0], 0) {
        Err(Error::Decode { model: "row", column, expected: "a supported PostgreSQL type", found }) => {
            assert_eq!((column.as_str(), found.as_str()), ("span", "interval"));
        }
        other => panic!("expected a decode error, got {other:?}"),
    }
    assert!(matches!(value_at(&rows[0], 1), Err(Error::Decode { found, .. }) if found == "numeric NaN"));
    assert!(matches!(value_at(&rows[0], 2), Err(Error::Decode { found, .. }) if found.contains("range")));
}

#[tokio::test]
async fn numeric_matches_the_driver() {
    let client = connect().await;
    let sql = "SELECT v FROM unnest($1::text::numeric[]) AS v";
    let literals = "{0,0.0000,1,-1,0.1,1.5,12345.6789,-0.00012,100000000,99999999999999999999.12345678,\
                    79228162514264337593543950335,-79228162514264337593543950335,0.0000000000000000000000000001,\
                    123456789012345678901234.5678,1.00000000000000000000000000000001,1e20,1e-20}";
    let stream = client.query(sql, &[&literals]).await.expect("select");
    assert_eq!(stream.len(), 17);
    for row in &stream {
        let driver: Decimal = row.get(0);
        let ours = decode::<Decimal>(row).expect("decodes");
        assert_eq!((ours, ours.scale()), (driver, driver.scale()), "{driver}");
    }
}

#[tokio::test]
async fn error_mapping() {
    let client = connect().await;
    client
        .batch_execute(
            "CREATE TEMP TABLE parent (id int PRIMARY KEY, name text NOT NULL, n int CONSTRAINT n_small CHECK (n < 10),
                                       CONSTRAINT parent_name_key UNIQUE (name));
             CREATE TEMP TABLE child (parent_id int CONSTRAINT child_parent_fk REFERENCES parent (id));
             INSERT INTO parent VALUES (1, 'a', 1);",
        )
        .await
        .expect("tables");
    let integrity = |result: ormcore::Result<u64>| match result {
        Err(Error::Integrity { kind, constraint, message, source, .. }) => {
            assert!(source.is_some());
            (kind, constraint, message)
        }
        other => panic!("expected an integrity error, got {other:?}"),
    };
    let (kind, constraint, message) =
        integrity(execute(&client, "INSERT INTO parent VALUES ($1, $2)", &[Value::Int(2), text("a")]).await);
    assert_eq!((kind, constraint.as_deref()), (ConstraintKind::Unique, Some("parent_name_key")));
    assert!(message.contains("duplicate key"), "{message}");
    let (kind, constraint, _) =
        integrity(execute(&client, "INSERT INTO parent VALUES ($1, $2)", &[Value::Int(3), Value::Null]).await);
    assert_eq!((kind, constraint.as_deref()), (ConstraintKind::NotNull, Some("name")));
    let (kind, constraint, _) = integrity(execute(&client, "INSERT INTO child VALUES ($1)", &[Value::Int(9)]).await);
    assert_eq!((kind, constraint.as_deref()), (ConstraintKind::ForeignKey, Some("child_parent_fk")));
    let (kind, constraint, _) = integrity(execute(&client, "UPDATE parent SET n = $1", &[Value::Int(10)]).await);
    assert_eq!((kind, constraint.as_deref()), (ConstraintKind::Check, Some("n_small")));

    match execute(&client, "SELEC 1", &[]).await {
        Err(Error::Operational { message, source }) => {
            assert!(message.contains("42601") && message.contains("syntax error"), "{message}");
            assert!(source.is_some());
        }
        other => panic!("expected an operational error, got {other:?}"),
    }
    match execute(&client, "SELECT * FROM missing_table", &[]).await {
        Err(Error::Operational { message, .. }) => {
            assert_eq!(message, r#"relation "missing_table" does not exist (42P01)"#);
        }
        other => panic!("expected an operational error, got {other:?}"),
    }
    // Parameter errors name the parameter, counting from 0.
    match execute(&client, "SELECT $1::int2, $2::int2", &[Value::Int(1), Value::Int(1 << 20)]).await {
        Err(Error::Interface(message)) => {
            assert!(message.starts_with("error serializing parameter 1: cannot bind integer 1048576"), "{message}");
        }
        other => panic!("expected an interface error, got {other:?}"),
    }

    // A connection whose task is gone.
    let url = std::env::var("ORMCORE_PG_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".into());
    let (lost, connection) = tokio_postgres::connect(&url, NoTls).await.expect("connect");
    let task = tokio::spawn(connection);
    task.abort();
    let _ = task.await;
    match execute(&lost, "SELECT 1", &[]).await {
        Err(Error::ConnectionLost { message, .. }) => assert!(message.contains("connection closed"), "{message}"),
        other => panic!("expected a lost connection, got {other:?}"),
    }
    let closed = lost.simple_query("SELECT 1").await.expect_err("closed");
    assert!(closed.is_closed());
    assert!(map_error(closed).is_connection_lost());
}
