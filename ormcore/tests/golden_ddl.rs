//! Golden SQL: CREATE TABLE, CREATE INDEX and DROP TABLE from hand-written
//! `TableMeta` statics, three dialects side by side.

mod golden_common;

use golden_common::*;
use ormcore::TableMeta;
use ormcore::schema::ColumnType;
use ormcore::schema::{ColumnMeta, DefaultValue, IndexMeta, OnDelete};
use ormcore::sql::{Dialect, create_table, drop_table};

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

const fn table(name: &'static str, columns: &'static [ColumnMeta]) -> TableMeta {
    TableMeta { name, model: name, columns, primary_key: &[], auto_increment: false, indexes: &[] }
}

#[track_caller]
fn check_ddl(meta: &TableMeta, safe: bool, sqlite: &[&str], pg: &[&str], mysql: &[&str]) {
    let create = |d: &dyn Dialect| create_table(meta, d, safe).unwrap_or_else(|e| panic!("{}: {e}", d.name()));
    assert_eq!(create(SQLITE), sqlite, "SQLite");
    assert_eq!(create(POSTGRES), pg, "PostgreSQL");
    assert_eq!(create(&MYSQL), mysql, "MySQL");
}

#[track_caller]
fn ddl_error(meta: &TableMeta, needle: &str) {
    for d in [SQLITE, POSTGRES, &MYSQL] {
        match create_table(meta, d, false) {
            Ok(sql) => panic!("{}: expected an error, got {sql:?}", d.name()),
            Err(e) => assert_interface(e, needle),
        }
    }
}

#[test]
fn auto_increment_key_unique_text_and_integers() {
    check_ddl(
        &USER_META,
        false,
        &[
            r#"CREATE TABLE "user" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL UNIQUE, "age" INTEGER NOT NULL)"#,
        ],
        &[
            r#"CREATE TABLE "user" ("id" BIGSERIAL NOT NULL PRIMARY KEY, "name" TEXT NOT NULL UNIQUE, "age" BIGINT NOT NULL)"#,
        ],
        &[
            "CREATE TABLE `user` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `name` VARCHAR(255) NOT NULL UNIQUE, `age` BIGINT NOT NULL) DEFAULT CHARSET=utf8mb4",
        ],
    );
}

#[test]
fn safe_create_and_drop() {
    check_ddl(
        &USER_META,
        true,
        &[
            r#"CREATE TABLE IF NOT EXISTS "user" ("id" INTEGER NOT NULL PRIMARY KEY, "name" TEXT NOT NULL UNIQUE, "age" INTEGER NOT NULL)"#,
        ],
        &[
            r#"CREATE TABLE IF NOT EXISTS "user" ("id" BIGSERIAL NOT NULL PRIMARY KEY, "name" TEXT NOT NULL UNIQUE, "age" BIGINT NOT NULL)"#,
        ],
        &[
            "CREATE TABLE IF NOT EXISTS `user` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `name` VARCHAR(255) NOT NULL UNIQUE, `age` BIGINT NOT NULL) DEFAULT CHARSET=utf8mb4",
        ],
    );
    assert_eq!(drop_table(&USER_META, SQLITE, false).unwrap(), [r#"DROP TABLE "user""#]);
    assert_eq!(drop_table(&USER_META, POSTGRES, true).unwrap(), [r#"DROP TABLE IF EXISTS "user""#]);
    assert_eq!(drop_table(&USER_META, &MYSQL, true).unwrap(), ["DROP TABLE IF EXISTS `user`"]);
}

/// MySQL parses and ignores inline REFERENCES: its foreign keys are table
/// constraints.
#[test]
fn foreign_key() {
    check_ddl(
        &TWEET_META,
        false,
        &[
            r#"CREATE TABLE "tweet" ("id" INTEGER NOT NULL PRIMARY KEY, "user_id" INTEGER NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE, "content" TEXT NOT NULL)"#,
        ],
        &[
            r#"CREATE TABLE "tweet" ("id" BIGSERIAL NOT NULL PRIMARY KEY, "user_id" BIGINT NOT NULL REFERENCES "user" ("id") ON DELETE CASCADE, "content" TEXT NOT NULL)"#,
        ],
        &[
            "CREATE TABLE `tweet` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY, `user_id` BIGINT NOT NULL, `content` TEXT NOT NULL, FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE CASCADE) DEFAULT CHARSET=utf8mb4",
        ],
    );
}

fn user_meta() -> &'static TableMeta {
    &USER_META
}

static MEMBERSHIP: TableMeta = TableMeta {
    name: "membership",
    model: "Membership",
    columns: &[
        column("group_id", ColumnType::Integer),
        ColumnMeta {
            references: Some(user_meta),
            on_delete: OnDelete::Restrict,
            ..column("user_id", ColumnType::BigInt)
        },
        ColumnMeta { default: Some(DefaultValue::Text("member")), ..column("role", ColumnType::VarChar(20)) },
        ColumnMeta { default: Some(DefaultValue::CurrentTimestamp), ..column("joined", ColumnType::DateTime) },
        ColumnMeta { default: Some(DefaultValue::Bool(true)), ..column("active", ColumnType::Boolean) },
        ColumnMeta { default: Some(DefaultValue::Float(1.5)), ..column("score", ColumnType::Double) },
        ColumnMeta {
            nullable: true,
            default: Some(DefaultValue::Text("it's a \\ test")),
            ..column("note", ColumnType::Text)
        },
        ColumnMeta { index: true, default: Some(DefaultValue::Int(-1)), ..column("rank", ColumnType::SmallInt) },
    ],
    primary_key: &[0, 1],
    auto_increment: false,
    indexes: &[IndexMeta { name: "membership_role_rank", columns: &["role", "rank"], unique: true }],
};

#[test]
fn composite_key_defaults_and_indexes() {
    check_ddl(
        &MEMBERSHIP,
        false,
        &[
            r#"CREATE TABLE "membership" ("group_id" INTEGER NOT NULL, "user_id" INTEGER NOT NULL REFERENCES "user" ("id") ON DELETE RESTRICT, "role" VARCHAR(20) NOT NULL DEFAULT 'member', "joined" TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP, "active" INTEGER NOT NULL DEFAULT 1, "score" REAL NOT NULL DEFAULT 1.5, "note" TEXT DEFAULT 'it''s a \ test', "rank" INTEGER NOT NULL DEFAULT -1, PRIMARY KEY ("group_id", "user_id"))"#,
            r#"CREATE INDEX "membership_rank" ON "membership" ("rank")"#,
            r#"CREATE UNIQUE INDEX "membership_role_rank" ON "membership" ("role", "rank")"#,
        ],
        &[
            r#"CREATE TABLE "membership" ("group_id" INTEGER NOT NULL, "user_id" BIGINT NOT NULL REFERENCES "user" ("id") ON DELETE RESTRICT, "role" VARCHAR(20) NOT NULL DEFAULT 'member', "joined" TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, "active" BOOLEAN NOT NULL DEFAULT TRUE, "score" DOUBLE PRECISION NOT NULL DEFAULT 1.5, "note" TEXT DEFAULT 'it''s a \ test', "rank" SMALLINT NOT NULL DEFAULT -1, PRIMARY KEY ("group_id", "user_id"))"#,
            r#"CREATE INDEX "membership_rank" ON "membership" ("rank")"#,
            r#"CREATE UNIQUE INDEX "membership_role_rank" ON "membership" ("role", "rank")"#,
        ],
        &[
            r#"CREATE TABLE `membership` (`group_id` INTEGER NOT NULL, `user_id` BIGINT NOT NULL, `role` VARCHAR(20) NOT NULL DEFAULT 'member', `joined` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6), `active` BOOL NOT NULL DEFAULT 1, `score` DOUBLE NOT NULL DEFAULT 1.5, `note` TEXT DEFAULT ('it''s a \\ test'), `rank` SMALLINT NOT NULL DEFAULT -1, PRIMARY KEY (`group_id`, `user_id`), FOREIGN KEY (`user_id`) REFERENCES `user` (`id`) ON DELETE RESTRICT, INDEX `membership_rank` (`rank`), UNIQUE INDEX `membership_role_rank` (`role`, `rank`)) DEFAULT CHARSET=utf8mb4"#,
        ],
    );
    // MariaDB takes a literal default on TEXT.
    let mariadb = create_table(&MEMBERSHIP, &MARIADB, false).unwrap();
    assert!(mariadb[0].contains("`note` TEXT DEFAULT 'it''s a \\\\ test',"), "{}", mariadb[0]);
}

#[test]
fn safe_indexes() {
    let sqlite = create_table(&MEMBERSHIP, SQLITE, true).unwrap();
    assert!(sqlite[0].starts_with(r#"CREATE TABLE IF NOT EXISTS "membership" ("#));
    assert_eq!(sqlite[1], r#"CREATE INDEX IF NOT EXISTS "membership_rank" ON "membership" ("rank")"#);
    assert_eq!(
        sqlite[2],
        r#"CREATE UNIQUE INDEX IF NOT EXISTS "membership_role_rank" ON "membership" ("role", "rank")"#
    );
    let pg = create_table(&MEMBERSHIP, POSTGRES, true).unwrap();
    assert_eq!(pg[1..], sqlite[1..]);
    // MySQL has no CREATE INDEX IF NOT EXISTS: its indexes are inside the table.
    let mysql = create_table(&MEMBERSHIP, &MYSQL, true).unwrap();
    assert_eq!(mysql.len(), 1);
    assert!(mysql[0].starts_with("CREATE TABLE IF NOT EXISTS `membership` ("));
}

static EVERY_TYPE: TableMeta = table(
    "every_type",
    &[
        column("small", ColumnType::SmallInt),
        column("int", ColumnType::Integer),
        column("big", ColumnType::BigInt),
        column("real", ColumnType::Real),
        column("double", ColumnType::Double),
        column("flag", ColumnType::Boolean),
        column("text", ColumnType::Text),
        column("varchar", ColumnType::VarChar(40)),
        column("blob", ColumnType::Blob),
        column("date", ColumnType::Date),
        column("time", ColumnType::Time),
        column("datetime", ColumnType::DateTime),
        column("datetime_utc", ColumnType::DateTimeUtc),
        column("uuid", ColumnType::Uuid),
        column("json", ColumnType::Json),
        column("decimal", ColumnType::Decimal(None)),
        column("money", ColumnType::Decimal(Some((12, 2)))),
    ],
);

/// (column, SQLite, PostgreSQL, MySQL, MariaDB)
type Row = (&'static str, &'static str, &'static str, &'static str, &'static str);

#[test]
fn every_column_type() {
    let types: [Row; 17] = [
        ("small", "INTEGER", "SMALLINT", "SMALLINT", "SMALLINT"),
        ("int", "INTEGER", "INTEGER", "INTEGER", "INTEGER"),
        ("big", "INTEGER", "BIGINT", "BIGINT", "BIGINT"),
        ("real", "REAL", "REAL", "FLOAT", "FLOAT"),
        ("double", "REAL", "DOUBLE PRECISION", "DOUBLE", "DOUBLE"),
        ("flag", "INTEGER", "BOOLEAN", "BOOL", "BOOL"),
        ("text", "TEXT", "TEXT", "TEXT", "TEXT"),
        ("varchar", "VARCHAR(40)", "VARCHAR(40)", "VARCHAR(40)", "VARCHAR(40)"),
        ("blob", "BLOB", "BYTEA", "LONGBLOB", "LONGBLOB"),
        ("date", "TEXT", "DATE", "DATE", "DATE"),
        ("time", "TEXT", "TIME", "TIME(6)", "TIME(6)"),
        ("datetime", "TEXT", "TIMESTAMP", "DATETIME(6)", "DATETIME(6)"),
        ("datetime_utc", "TEXT", "TIMESTAMPTZ", "DATETIME(6)", "DATETIME(6)"),
        ("uuid", "TEXT", "UUID", "CHAR(36)", "CHAR(36)"),
        ("json", "TEXT", "JSONB", "JSON", "LONGTEXT"),
        // Undeclared: as exact as the backend stores decimals.
        ("decimal", "TEXT", "NUMERIC", "DECIMAL(65, 30)", "DECIMAL(65, 30)"),
        // `#[orm(max_digits = 12, decimal_places = 2)]`.
        ("money", "TEXT", "NUMERIC(12, 2)", "DECIMAL(12, 2)", "DECIMAL(12, 2)"),
    ];
    let expected = |q: char, pick: fn(&Row) -> &'static str| {
        let columns: Vec<String> = types.iter().map(|t| format!("{q}{}{q} {} NOT NULL", t.0, pick(t))).collect();
        format!("CREATE TABLE {q}every_type{q} ({})", columns.join(", "))
    };
    check_ddl(
        &EVERY_TYPE,
        false,
        &[&expected('"', |t| t.1)],
        &[&expected('"', |t| t.2)],
        &[&(expected('`', |t| t.3) + " DEFAULT CHARSET=utf8mb4")],
    );
    assert_eq!(
        create_table(&EVERY_TYPE, &MARIADB, false).unwrap(),
        [expected('`', |t| t.4) + " DEFAULT CHARSET=utf8mb4"]
    );
}

fn keyed_meta() -> &'static TableMeta {
    &KEYED
}

/// MySQL cannot index TEXT or BLOB without a prefix length: keyed, unique,
/// indexed and referencing ones get a bounded type.
static KEYED: TableMeta = TableMeta {
    name: "keyed",
    model: "Keyed",
    columns: &[
        column("code", ColumnType::Text),
        ColumnMeta { unique: true, ..column("digest", ColumnType::Blob) },
        ColumnMeta { index: true, ..column("tag", ColumnType::Text) },
        ColumnMeta {
            nullable: true,
            references: Some(keyed_meta),
            on_delete: OnDelete::SetNull,
            ..column("parent", ColumnType::Text)
        },
        column("body", ColumnType::Text),
    ],
    primary_key: &[0],
    auto_increment: false,
    indexes: &[IndexMeta { name: "keyed_by_body", columns: &["body"], unique: false }],
};

#[test]
fn text_keys_and_self_reference() {
    check_ddl(
        &KEYED,
        false,
        &[
            r#"CREATE TABLE "keyed" ("code" TEXT NOT NULL PRIMARY KEY, "digest" BLOB NOT NULL UNIQUE, "tag" TEXT NOT NULL, "parent" TEXT REFERENCES "keyed" ("code") ON DELETE SET NULL, "body" TEXT NOT NULL)"#,
            r#"CREATE INDEX "keyed_tag" ON "keyed" ("tag")"#,
            r#"CREATE INDEX "keyed_by_body" ON "keyed" ("body")"#,
        ],
        &[
            r#"CREATE TABLE "keyed" ("code" TEXT NOT NULL PRIMARY KEY, "digest" BYTEA NOT NULL UNIQUE, "tag" TEXT NOT NULL, "parent" TEXT REFERENCES "keyed" ("code") ON DELETE SET NULL, "body" TEXT NOT NULL)"#,
            r#"CREATE INDEX "keyed_tag" ON "keyed" ("tag")"#,
            r#"CREATE INDEX "keyed_by_body" ON "keyed" ("body")"#,
        ],
        &[
            "CREATE TABLE `keyed` (`code` VARCHAR(255) NOT NULL PRIMARY KEY, `digest` VARBINARY(255) NOT NULL UNIQUE, `tag` VARCHAR(255) NOT NULL, `parent` VARCHAR(255), `body` VARCHAR(255) NOT NULL, FOREIGN KEY (`parent`) REFERENCES `keyed` (`code`) ON DELETE SET NULL, INDEX `keyed_tag` (`tag`), INDEX `keyed_by_body` (`body`)) DEFAULT CHARSET=utf8mb4",
        ],
    );
}

static COUNTER: TableMeta = TableMeta {
    name: "counter",
    model: "Counter",
    columns: &[column("id", ColumnType::Integer), column("n", ColumnType::SmallInt)],
    primary_key: &[0],
    auto_increment: true,
    indexes: &[],
};

static TINY: TableMeta = TableMeta {
    name: "tiny",
    model: "Tiny",
    columns: &[column("id", ColumnType::SmallInt)],
    primary_key: &[0],
    auto_increment: true,
    indexes: &[],
};

static WIDE: TableMeta = TableMeta {
    name: "wide",
    model: "Wide",
    columns: &[column("id", ColumnType::BigInt)],
    primary_key: &[0],
    auto_increment: true,
    indexes: &[],
};

/// The keys the database assigns stay within the key's type: a SQLite
/// rowid is 64 bits whatever the declared type, so narrower keys get a
/// CHECK; PostgreSQL's sequence has the column's width.
#[test]
fn auto_increment_by_integer_width() {
    check_ddl(
        &COUNTER,
        false,
        &[
            r#"CREATE TABLE "counter" ("id" INTEGER NOT NULL PRIMARY KEY CHECK ("id" BETWEEN -2147483648 AND 2147483647), "n" INTEGER NOT NULL)"#,
        ],
        &[r#"CREATE TABLE "counter" ("id" SERIAL NOT NULL PRIMARY KEY, "n" SMALLINT NOT NULL)"#],
        &[
            "CREATE TABLE `counter` (`id` INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY, `n` SMALLINT NOT NULL) DEFAULT CHARSET=utf8mb4",
        ],
    );
    check_ddl(
        &TINY,
        false,
        &[r#"CREATE TABLE "tiny" ("id" INTEGER NOT NULL PRIMARY KEY CHECK ("id" BETWEEN -32768 AND 32767))"#],
        &[r#"CREATE TABLE "tiny" ("id" SMALLSERIAL NOT NULL PRIMARY KEY)"#],
        &["CREATE TABLE `tiny` (`id` SMALLINT NOT NULL AUTO_INCREMENT PRIMARY KEY) DEFAULT CHARSET=utf8mb4"],
    );
    check_ddl(
        &WIDE,
        false,
        &[r#"CREATE TABLE "wide" ("id" INTEGER NOT NULL PRIMARY KEY)"#],
        &[r#"CREATE TABLE "wide" ("id" BIGSERIAL NOT NULL PRIMARY KEY)"#],
        &["CREATE TABLE `wide` (`id` BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY) DEFAULT CHARSET=utf8mb4"],
    );
}

static WEIRD: TableMeta = TableMeta {
    name: "we\"ird`table",
    model: "Weird",
    columns: &[
        ColumnMeta {
            default: Some(DefaultValue::Text("'); DROP TABLE x; --")),
            ..column("co\"l`", ColumnType::VarChar(9))
        },
        ColumnMeta { index: true, ..column("x", ColumnType::Integer) },
    ],
    primary_key: &[],
    auto_increment: false,
    indexes: &[],
};

#[test]
fn names_and_text_defaults_are_escaped() {
    check_ddl(
        &WEIRD,
        true,
        &[
            r#"CREATE TABLE IF NOT EXISTS "we""ird`table" ("co""l`" VARCHAR(9) NOT NULL DEFAULT '''); DROP TABLE x; --', "x" INTEGER NOT NULL)"#,
            r#"CREATE INDEX IF NOT EXISTS "we""ird`table_x" ON "we""ird`table" ("x")"#,
        ],
        &[
            r#"CREATE TABLE IF NOT EXISTS "we""ird`table" ("co""l`" VARCHAR(9) NOT NULL DEFAULT '''); DROP TABLE x; --', "x" INTEGER NOT NULL)"#,
            r#"CREATE INDEX IF NOT EXISTS "we""ird`table_x" ON "we""ird`table" ("x")"#,
        ],
        &[
            "CREATE TABLE IF NOT EXISTS `we\"ird``table` (`co\"l``` VARCHAR(9) NOT NULL DEFAULT '''); DROP TABLE x; --', `x` INTEGER NOT NULL, INDEX `we\"ird``table_x` (`x`)) DEFAULT CHARSET=utf8mb4",
        ],
    );
    assert_eq!(drop_table(&WEIRD, &MYSQL, false).unwrap(), ["DROP TABLE `we\"ird``table`"]);
}

#[test]
fn float_and_bool_defaults() {
    static T: TableMeta = table(
        "t",
        &[
            ColumnMeta { default: Some(DefaultValue::Float(2.0)), ..column("a", ColumnType::Double) },
            ColumnMeta { default: Some(DefaultValue::Float(-1e-7)), ..column("b", ColumnType::Real) },
            ColumnMeta { default: Some(DefaultValue::Bool(false)), ..column("c", ColumnType::Boolean) },
            ColumnMeta { default: Some(DefaultValue::CurrentTimestamp), ..column("d", ColumnType::DateTimeUtc) },
        ],
    );
    check_ddl(
        &T,
        false,
        &[
            r#"CREATE TABLE "t" ("a" REAL NOT NULL DEFAULT 2.0, "b" REAL NOT NULL DEFAULT -1e-7, "c" INTEGER NOT NULL DEFAULT 0, "d" TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP)"#,
        ],
        &[
            r#"CREATE TABLE "t" ("a" DOUBLE PRECISION NOT NULL DEFAULT 2.0, "b" REAL NOT NULL DEFAULT -1e-7, "c" BOOLEAN NOT NULL DEFAULT FALSE, "d" TIMESTAMPTZ NOT NULL DEFAULT CURRENT_TIMESTAMP)"#,
        ],
        &[
            "CREATE TABLE `t` (`a` DOUBLE NOT NULL DEFAULT 2.0, `b` FLOAT NOT NULL DEFAULT -1e-7, `c` BOOL NOT NULL DEFAULT 0, `d` DATETIME(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)) DEFAULT CHARSET=utf8mb4",
        ],
    );
}

#[test]
fn bad_metadata_is_an_error_not_a_panic() {
    static NAN: TableMeta =
        table("t", &[ColumnMeta { default: Some(DefaultValue::Float(f64::NAN)), ..column("a", ColumnType::Double) }]);
    ddl_error(&NAN, "no SQL literal");

    static TEXT_AUTO: TableMeta =
        TableMeta { primary_key: &[0], auto_increment: true, ..table("t", &[column("a", ColumnType::Text)]) };
    ddl_error(&TEXT_AUTO, "must be an integer column");

    static COMPOSITE_AUTO: TableMeta = TableMeta {
        primary_key: &[0, 1],
        auto_increment: true,
        ..table("t", &[column("a", ColumnType::BigInt), column("b", ColumnType::BigInt)])
    };
    ddl_error(&COMPOSITE_AUTO, "2 columns");

    static BAD_KEY: TableMeta = TableMeta { primary_key: &[3], ..table("t", &[column("a", ColumnType::BigInt)]) };
    ddl_error(&BAD_KEY, "#3");

    fn membership() -> &'static TableMeta {
        &MEMBERSHIP
    }
    static TO_COMPOSITE: TableMeta =
        table("t", &[ColumnMeta { references: Some(membership), ..column("m", ColumnType::BigInt) }]);
    ddl_error(&TO_COMPOSITE, "no single-column primary key");

    static NO_COLUMNS: TableMeta = table("t", &[]);
    ddl_error(&NO_COLUMNS, "no columns");

    static EMPTY_INDEX: TableMeta = TableMeta {
        indexes: &[IndexMeta { name: "i", columns: &[], unique: false }],
        ..table("t", &[column("a", ColumnType::BigInt)])
    };
    ddl_error(&EMPTY_INDEX, "has no columns");
}

static DAY: TableMeta = TableMeta {
    name: "day",
    model: "Day",
    columns: &[
        ColumnMeta { default: Some(DefaultValue::CurrentTimestamp), ..column("on", ColumnType::Date) },
        ColumnMeta { default: Some(DefaultValue::CurrentTimestamp), nullable: true, ..column("at", ColumnType::Time) },
    ],
    primary_key: &[],
    auto_increment: false,
    indexes: &[],
};

/// `default_now` on date and time columns stores a date and a time of day:
/// SQLite would store a timestamp's text under `CURRENT_TIMESTAMP`, and
/// MySQL refuses `CURRENT_TIMESTAMP` on `DATE` and `TIME` columns (an
/// expression default it takes; MariaDB takes both).
#[test]
fn default_now_on_dates_and_times() {
    check_ddl(
        &DAY,
        false,
        &[r#"CREATE TABLE "day" ("on" TEXT NOT NULL DEFAULT CURRENT_DATE, "at" TEXT DEFAULT CURRENT_TIME)"#],
        &[r#"CREATE TABLE "day" ("on" DATE NOT NULL DEFAULT CURRENT_DATE, "at" TIME DEFAULT CURRENT_TIME)"#],
        &[
            "CREATE TABLE `day` (`on` DATE NOT NULL DEFAULT (CURRENT_DATE), `at` TIME(6) DEFAULT (CURRENT_TIME(6))) DEFAULT CHARSET=utf8mb4",
        ],
    );
}
