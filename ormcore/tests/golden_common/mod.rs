//! Shared helpers of the golden SQL tests: the dialects side by side, and
//! two small models implemented by hand (no derive), `User` and `Tweet`.

#![allow(dead_code)]

use ormcore::schema::ColumnType;
use ormcore::schema::{ColumnMeta, OnDelete};
use ormcore::sql::{Dialect, MySqlDialect, PostgresDialect, SqliteDialect, Statement};
use ormcore::{Column, Error, FromRow, Model, Record, Result, Row, TableMeta, Value};

pub const SQLITE: &dyn Dialect = &SqliteDialect::new();
pub const POSTGRES: &dyn Dialect = &PostgresDialect;
pub const MYSQL: MySqlDialect = MySqlDialect { flavor: ormcore::sql::MySqlFlavor::MySql, version: (8, 0, 36) };
pub const MARIADB: MySqlDialect = MySqlDialect { flavor: ormcore::sql::MySqlFlavor::MariaDb, version: (10, 11, 0) };

/// Compile with SQLite, PostgreSQL and MySQL 8.0; assert the SQL of each
/// and that all three bind the same parameters, which are returned.
#[track_caller]
pub fn check(compile: impl Fn(&dyn Dialect) -> Result<Statement>, sqlite: &str, pg: &str, mysql: &str) -> Vec<Value> {
    let s = compile(SQLITE).unwrap_or_else(|e| panic!("SQLite: {e}"));
    let p = compile(POSTGRES).unwrap_or_else(|e| panic!("PostgreSQL: {e}"));
    let m = compile(&MYSQL).unwrap_or_else(|e| panic!("MySQL: {e}"));
    assert_eq!(&*s.sql, sqlite, "SQLite");
    bless(pg, &p.sql);
    assert_eq!(&*p.sql, pg, "PostgreSQL");
    assert_eq!(&*m.sql, mysql, "MySQL");
    assert_eq!(s.params, p.params, "SQLite and PostgreSQL bind different parameters");
    assert_eq!(s.params, m.params, "SQLite and MySQL bind different parameters");
    s.params
}

/// With `GOLDEN_BLESS=<file>` set, record an expectation that differs from
/// the actual SQL (caller location, old, new) instead of failing, so that a
/// deliberate change of output can be applied to the tests mechanically and
/// then reviewed as a diff.
#[track_caller]
fn bless(expected: &str, actual: &str) {
    if expected == actual {
        return;
    }
    if let Ok(path) = std::env::var("GOLDEN_BLESS") {
        use std::io::Write as _;
        let caller = std::panic::Location::caller();
        let record = format!("{}\t{}\t{:?}\t{:?}\n", caller.file(), caller.line(), expected, actual);
        let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("bless file");
        file.write_all(record.as_bytes()).expect("write bless record");
    }
}

/// [`check`], plus the expected parameters.
#[track_caller]
pub fn check_with(
    compile: impl Fn(&dyn Dialect) -> Result<Statement>,
    sqlite: &str,
    pg: &str,
    mysql: &str,
    params: &[Value],
) {
    let bound = check(compile, sqlite, pg, mysql);
    assert_eq!(bound, params, "parameters");
}

/// Compile with each listed dialect and assert its SQL (for features only
/// some dialects have).
#[track_caller]
pub fn check_each(compile: impl Fn(&dyn Dialect) -> Result<Statement>, expected: &[(&dyn Dialect, &str)]) {
    for (dialect, sql) in expected {
        let statement = compile(*dialect).unwrap_or_else(|e| panic!("{}: {e}", dialect.name()));
        bless(sql, &statement.sql);
        assert_eq!(&*statement.sql, *sql, "{}", dialect.name());
    }
}

/// Compile with one dialect, expecting success.
#[track_caller]
pub fn sql(compile: impl Fn(&dyn Dialect) -> Result<Statement>, dialect: &dyn Dialect) -> Statement {
    compile(dialect).unwrap_or_else(|e| panic!("{}: {e}", dialect.name()))
}

/// Compile with one dialect, expecting an error.
#[track_caller]
pub fn error(compile: impl Fn(&dyn Dialect) -> Result<Statement>, dialect: &dyn Dialect) -> Error {
    match compile(dialect) {
        Ok(statement) => panic!("{}: expected an error, compiled {:?}", dialect.name(), statement.sql),
        Err(e) => e,
    }
}

/// Assert an `Error::Unsupported` naming `feature` and the dialect.
#[track_caller]
pub fn assert_unsupported(error: Error, feature: &str, dialect: &str) {
    match error {
        Error::Unsupported { feature: f, dialect: d } => {
            assert_eq!((f, d), (feature, dialect));
        }
        other => panic!("expected Unsupported {{ {feature}, {dialect} }}, got {other:?}"),
    }
}

/// Assert an `Error::Interface` whose message contains `needle`.
#[track_caller]
pub fn assert_interface(error: Error, needle: &str) {
    match error {
        Error::Interface(message) => {
            assert!(message.contains(needle), "message {message:?} does not mention {needle:?}")
        }
        other => panic!("expected Interface error mentioning {needle:?}, got {other:?}"),
    }
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

const fn column(name: &'static str, ty: ColumnType) -> ColumnMeta {
    ColumnMeta {
        name,
        field: name,
        ty,
        nullable: false,
        unique: false,
        index: false,
        default: None,
        references: None,
        on_delete: OnDelete::NoAction,
    }
}

// ---- User ---------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct User {
    pub id: i64,
    pub name: String,
    pub age: i64,
}

pub static USER_META: TableMeta = TableMeta {
    name: "user",
    model: "User",
    columns: &[
        column("id", ColumnType::BigInt),
        ColumnMeta { unique: true, ..column("name", ColumnType::Text) },
        column("age", ColumnType::BigInt),
    ],
    primary_key: &[0],
    auto_increment: true,
    indexes: &[],
};

impl User {
    pub const ID: Column<User, i64> = Column::new("user", "id", 0);
    pub const NAME: Column<User, String> = Column::new("user", "name", 1);
    pub const AGE: Column<User, i64> = Column::new("user", "age", 2);
}

impl FromRow for User {
    fn from_row(_row: &dyn Row, _next: &mut usize) -> Result<Self> {
        unreachable!("the golden tests never decode rows")
    }
}

impl Model for User {}

impl ormcore::Hooks for User {
    const ENABLED: bool = false;
}

impl Record for User {
    const META: &'static TableMeta = &USER_META;

    fn column_values(&self) -> Vec<Value> {
        vec![Value::Int(self.id), Value::Text(self.name.clone()), Value::Int(self.age)]
    }

    fn column_value(&self, index: usize) -> Value {
        self.column_values().swap_remove(index)
    }

    fn primary_key_values(&self) -> Option<Vec<Value>> {
        (self.id != 0).then(|| vec![Value::Int(self.id)])
    }

    fn set_auto_id(&mut self, id: i64) -> ormcore::Result<()> {
        self.id = id;
        Ok(())
    }
}

// ---- Tweet --------------------------------------------------------------

#[derive(Debug, Default, Clone)]
pub struct Tweet {
    pub id: i64,
    pub user_id: i64,
    pub content: String,
}

pub static TWEET_META: TableMeta = TableMeta {
    name: "tweet",
    model: "Tweet",
    columns: &[
        column("id", ColumnType::BigInt),
        ColumnMeta {
            references: Some(user_meta),
            on_delete: OnDelete::Cascade,
            ..column("user_id", ColumnType::BigInt)
        },
        column("content", ColumnType::Text),
    ],
    primary_key: &[0],
    auto_increment: true,
    indexes: &[],
};

fn user_meta() -> &'static TableMeta {
    &USER_META
}

impl Tweet {
    pub const ID: Column<Tweet, i64> = Column::new("tweet", "id", 0);
    pub const USER_ID: Column<Tweet, i64> = Column::new("tweet", "user_id", 1);
    pub const CONTENT: Column<Tweet, String> = Column::new("tweet", "content", 2);
}

impl FromRow for Tweet {
    fn from_row(_row: &dyn Row, _next: &mut usize) -> Result<Self> {
        unreachable!("the golden tests never decode rows")
    }
}

impl Model for Tweet {}

impl ormcore::Hooks for Tweet {
    const ENABLED: bool = false;
}

impl Record for Tweet {
    const META: &'static TableMeta = &TWEET_META;

    fn column_values(&self) -> Vec<Value> {
        vec![Value::Int(self.id), Value::Int(self.user_id), Value::Text(self.content.clone())]
    }

    fn column_value(&self, index: usize) -> Value {
        self.column_values().swap_remove(index)
    }

    fn primary_key_values(&self) -> Option<Vec<Value>> {
        (self.id != 0).then(|| vec![Value::Int(self.id)])
    }

    fn set_auto_id(&mut self, id: i64) -> ormcore::Result<()> {
        self.id = id;
        Ok(())
    }
}
