//! Golden renderings: `Statement::render`, a compiled statement with its
//! values written in as literals, for reading. Every value kind, hostile
//! text (quotes, backslashes, NUL, newlines, terminal escapes, unicode),
//! each dialect's placeholders, and placeholders that are not placeholders.

mod golden_common;

use golden_common::*;
use ormcore::Value;
use ormcore::sql::{Dialect, Statement, compile_raw};

/// Render one `?` statement in SQLite, PostgreSQL and MySQL.
#[track_caller]
fn check_render(sql: &str, params: Vec<Value>, sqlite: &str, pg: &str, mysql: &str) {
    let render = |d: &dyn Dialect| {
        let statement = compile_raw(sql, &params, d).unwrap_or_else(|e| panic!("{}: {e}", d.name()));
        statement.render(d)
    };
    assert_eq!(render(SQLITE), sqlite, "SQLite");
    assert_eq!(render(POSTGRES), pg, "PostgreSQL");
    assert_eq!(render(&MYSQL), mysql, "MySQL");
}

/// Render one value in each dialect: `SELECT <value>`. The statement is
/// built as the compiler would have it, but not checked: values a
/// database would refuse (NaN on SQLite) render too.
#[track_caller]
fn check_value(value: Value, sqlite: &str, pg: &str, mysql: &str) {
    let render = |sql: &str, d: &dyn Dialect| Statement::new(sql, vec![value.clone()]).render(d);
    assert_eq!(render("SELECT ?", SQLITE), format!("SELECT {sqlite}"), "SQLite");
    assert_eq!(render("SELECT $1", POSTGRES), format!("SELECT {pg}"), "PostgreSQL");
    assert_eq!(render("SELECT ?", &MYSQL), format!("SELECT {mysql}"), "MySQL");
}

#[test]
fn scalars() {
    check_value(Value::Null, "NULL", "NULL", "NULL");
    check_value(Value::Bool(true), "1", "TRUE", "1");
    check_value(Value::Bool(false), "0", "FALSE", "0");
    check_value(Value::Int(-42), "-42", "-42", "-42");
    check_value(Value::Int(i64::MIN), "-9223372036854775808", "-9223372036854775808", "-9223372036854775808");
    check_value(Value::Float(1.0), "1.0", "1.0", "1.0");
    check_value(Value::Float(-2.5e-7), "-2.5e-7", "-2.5e-7", "-2.5e-7");
    check_value(Value::Float(f64::NAN), "'NaN'", "'NaN'", "'NaN'");
    check_value(Value::Float(f64::INFINITY), "'Infinity'", "'Infinity'", "'Infinity'");
    check_value(Value::Float(f64::NEG_INFINITY), "'-Infinity'", "'-Infinity'", "'-Infinity'");
}

#[test]
fn bytes() {
    check_value(Value::Bytes(vec![0, 0x0a, 0xff]), "X'000AFF'", "'\\x000aff'", "X'000AFF'");
    check_value(Value::Bytes(Vec::new()), "X''", "'\\x'", "X''");
}

#[test]
fn plain_and_quoted_text() {
    check_value(Value::Text(String::new()), "''", "''", "''");
    check_value(Value::Text("alice".into()), "'alice'", "'alice'", "'alice'");
    check_value(Value::Text("O'Hara".into()), "'O''Hara'", "'O''Hara'", "'O''Hara'");
    check_value(
        Value::Text("'; DROP TABLE user; --".into()),
        "'''; DROP TABLE user; --'",
        "'''; DROP TABLE user; --'",
        "'''; DROP TABLE user; --'",
    );
    // A backslash is an escape in MySQL's strings only.
    check_value(Value::Text("a\\'b".into()), "'a\\''b'", "'a\\''b'", "'a\\\\''b'");
    check_value(
        Value::Text("\"quoted\" `names`".into()),
        "'\"quoted\" `names`'",
        "'\"quoted\" `names`'",
        "'\"quoted\" `names`'",
    );
    // Unicode is kept as it is, astral planes and combining marks included.
    check_value(
        Value::Text("zoë 日本 🦀 e\u{301}".into()),
        "'zoë 日本 🦀 e\u{301}'",
        "'zoë 日本 🦀 e\u{301}'",
        "'zoë 日本 🦀 e\u{301}'",
    );
    // Placeholders and comment markers inside a value are text.
    check_value(Value::Text("? $1 -- /*".into()), "'? $1 -- /*'", "'? $1 -- /*'", "'? $1 -- /*'");
}

#[test]
fn control_characters_are_escaped() {
    check_value(
        Value::Text("line\nbreak".into()),
        "('line' || char(10) || 'break')",
        "E'line\\nbreak'",
        "'line\\nbreak'",
    );
    check_value(Value::Text("nul\0".into()), "('nul' || char(0))", "E'nul\\u0000'", "'nul\\0'");
    check_value(Value::Text("\r\t".into()), "(char(13) || char(9))", "E'\\r\\t'", "'\\r\\t'");
    // A terminal escape sequence, with a quote and a backslash around it.
    check_value(
        Value::Text("'\u{1b}[31m\\".into()),
        "('''' || char(27) || '[31m\\')",
        "E'''\\u001B[31m\\\\'",
        "CONCAT('''', CHAR(27 USING utf8mb4), '[31m\\\\')",
    );
    // DEL and a C1 control.
    check_value(
        Value::Text("\u{7f}\u{85}".into()),
        "(char(127) || char(133))",
        "E'\\u007F\\u0085'",
        "CONCAT(CHAR(127 USING utf8mb4), CHAR(133 USING utf8mb4))",
    );
}

#[test]
fn standard_sql_default() {
    // A dialect that overrides nothing writes standard SQL.
    #[derive(Debug)]
    struct Standard;
    impl Dialect for Standard {
        fn name(&self) -> &'static str {
            "standard"
        }
    }
    let statement = Statement::new("SELECT ?, ?, ?", vec!["a\nb\\".into(), vec![1u8, 2].into(), true.into()]);
    assert_eq!(statement.render(&Standard), "SELECT U&'a\\000Ab\\\\', X'0102', TRUE");
    assert_eq!(Standard.system(), "other_sql");
}

#[cfg(feature = "chrono")]
#[test]
fn dates_and_times() {
    use chrono::{NaiveDate, TimeZone, Utc};
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
    let time = date.and_hms_micro_opt(13, 14, 15, 500_000).unwrap();
    check_value(Value::Date(date), "'2024-02-29'", "'2024-02-29'", "'2024-02-29'");
    check_value(Value::Time(time.time()), "'13:14:15.500'", "'13:14:15.500'", "'13:14:15.500'");
    check_value(
        Value::DateTime(time),
        "'2024-02-29 13:14:15.500'",
        "'2024-02-29 13:14:15.500'",
        "'2024-02-29 13:14:15.500'",
    );
    let utc = Utc.from_utc_datetime(&date.and_hms_opt(0, 0, 1).unwrap());
    check_value(
        Value::DateTimeUtc(utc),
        "'2024-02-29 00:00:01+00:00'",
        "'2024-02-29 00:00:01+00:00'",
        "'2024-02-29 00:00:01+00:00'",
    );
}

#[cfg(feature = "uuid")]
#[test]
fn uuids() {
    let id = uuid::Uuid::from_u128(0x67e5_5044_10b1_426f_9247_bb68_0e5f_e0c8);
    let text = "'67e55044-10b1-426f-9247-bb680e5fe0c8'";
    check_value(Value::Uuid(id), text, text, text);
}

#[cfg(feature = "json")]
#[test]
fn json() {
    let doc = serde_json::json!({"name": "O'Hara", "tags": ["a\nb"]});
    check_value(
        Value::Json(doc),
        r#"'{"name":"O''Hara","tags":["a\nb"]}'"#,
        r#"'{"name":"O''Hara","tags":["a\nb"]}'"#,
        r#"'{"name":"O''Hara","tags":["a\\nb"]}'"#,
    );
}

#[cfg(feature = "decimal")]
#[test]
fn decimals() {
    let d: rust_decimal::Decimal = "-12.3400".parse().unwrap();
    check_value(Value::Decimal(d), "-12.3400", "-12.3400", "-12.3400");
}

#[test]
fn compiled_statements_keep_their_casts() {
    use ormcore::prelude::*;
    use ormcore::query::TableRef;
    use ormcore::types::{Integer, Text};
    let name: Expr<Text> = Expr::column("user", "name");
    let age: Expr<Integer> = Expr::column("user", "age");
    let users = TableRef::Table { name: "user".into(), alias: None };
    let query = Select::from(users).where_(name.eq("it's").and(age.gt(30)));
    let render = |d: &dyn Dialect| ormcore::Query::compile(&query, d).unwrap().render(d);
    assert_eq!(render(SQLITE), r#"SELECT * FROM "user" WHERE ("user"."name" = 'it''s') AND ("user"."age" > 30)"#);
    assert_eq!(
        render(POSTGRES),
        r#"SELECT * FROM "user" WHERE ("user"."name" = 'it''s'::text) AND ("user"."age" > 30::int8)"#
    );
    assert_eq!(render(&MYSQL), "SELECT * FROM `user` WHERE (`user`.`name` = 'it''s') AND (`user`.`age` > 30)");
}

#[test]
fn placeholders_in_text_and_comments_are_text() {
    check_render(
        "SELECT '?', \"?\", ? -- ?\n/* ? */",
        vec![Value::Int(1)],
        "SELECT '?', \"?\", 1 -- ?\n/* ? */",
        "SELECT '?', \"?\", 1 -- ?\n/* ? */",
        "SELECT '?', \"?\", 1 -- ?\n/* ? */",
    );
    // `??` is a literal `?`: an operator on PostgreSQL, where only `$n`
    // are placeholders.
    let pg = compile_raw("SELECT data ?? 'key', ?", &[Value::Int(7)], POSTGRES).unwrap();
    assert_eq!(&*pg.sql, "SELECT data ? 'key', $1");
    assert_eq!(pg.render(POSTGRES), "SELECT data ? 'key', 7");
    // A dollar-quoted string holds no placeholder.
    let pg = Statement::new("SELECT $$ $1 $$, $1", vec![Value::Int(7)]);
    assert_eq!(pg.render(POSTGRES), "SELECT $$ $1 $$, 7");
}

#[test]
fn native_placeholders() {
    // PostgreSQL's numbered placeholders, reused and out of order.
    let pg = Statement::new("SELECT $2, $1, $2, x$1", vec![Value::Int(1), Value::Text("two".into())]);
    assert_eq!(pg.render(POSTGRES), "SELECT 'two', 1, 'two', x$1");
    // SQLite numbers `?NNN` as written, a bare `?` as the largest so far
    // plus one, a name as when first seen.
    let sqlite = Statement::new(
        "SELECT ?2, ?, :a, @b, :a, $c, ?1",
        vec![Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4), Value::Int(5), Value::Int(6)],
    );
    assert_eq!(sqlite.render(SQLITE), "SELECT 2, 3, 4, 5, 4, 6, 1");
    // A placeholder with no value stays as it is.
    let short = Statement::new("SELECT ?, ?", vec![Value::Int(1)]);
    assert_eq!(short.render(SQLITE), "SELECT 1, ?");
    assert_eq!(short.render(&MYSQL), "SELECT 1, ?");
}

#[test]
fn systems() {
    assert_eq!(SQLITE.system(), "sqlite");
    assert_eq!(POSTGRES.system(), "postgresql");
    assert_eq!(MYSQL.system(), "mysql");
    assert_eq!(MARIADB.system(), "mariadb");
}
