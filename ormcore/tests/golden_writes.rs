//! Golden SQL: INSERT (with conflicts), UPDATE, DELETE, RETURNING and
//! transaction control, three dialects side by side.

mod golden_common;

use golden_common::*;
use ormcore::Value;
use ormcore::prelude::*;
use ormcore::query::node::{ConflictAction, InsertNode, InsertSource, OnConflict, UpdateNode};
use ormcore::query::*;
use ormcore::sql::TxOp;
use ormcore::sql::{
    MySqlDialect, PostgresDialect, SqliteDialect, compile_delete, compile_insert, compile_statement, compile_update,
    transaction_sql,
};
use ormcore::types::Integer;
use ormcore::{IsolationLevel, TxOptions};

#[test]
fn insert_one_row() {
    let q = Insert::<User>::new().set(User::NAME, "alice").set(User::AGE, 30);
    check_with(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name", "age") VALUES (?, ?)"#,
        r#"INSERT INTO "user" ("name", "age") VALUES ($1::text, $2::int8)"#,
        "INSERT INTO `user` (`name`, `age`) VALUES (?, ?)",
        &[text("alice"), Value::Int(30)],
    );
}

#[test]
fn insert_many_models() {
    let users = [User { id: 0, name: "a".into(), age: 1 }, User { id: 0, name: "b".into(), age: 2 }];
    let q = User::insert_many(&users);
    check_with(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name", "age") VALUES (?, ?), (?, ?)"#,
        r#"INSERT INTO "user" ("name", "age") VALUES ($1::text, $2::int8), ($3::text, $4::int8)"#,
        "INSERT INTO `user` (`name`, `age`) VALUES (?, ?), (?, ?)",
        &[text("a"), Value::Int(1), text("b"), Value::Int(2)],
    );
    let users = [User { id: 9, name: "c".into(), age: 3 }];
    let q = User::insert_many(&users);
    check(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("id", "name", "age") VALUES (?, ?, ?)"#,
        r#"INSERT INTO "user" ("id", "name", "age") VALUES ($1::int8, $2::text, $3::int8)"#,
        "INSERT INTO `user` (`id`, `name`, `age`) VALUES (?, ?, ?)",
    );
}

#[test]
fn insert_default_values() {
    let q = Insert::<User>::new();
    check_with(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" DEFAULT VALUES"#,
        r#"INSERT INTO "user" DEFAULT VALUES"#,
        "INSERT INTO `user` () VALUES ()",
        &[],
    );
    // One empty VALUES row is a row of defaults too.
    let mut node = InsertNode::new("user");
    node.source = InsertSource::Values(vec![vec![]]);
    check(
        |d| compile_insert(&node, d),
        r#"INSERT INTO "user" DEFAULT VALUES"#,
        r#"INSERT INTO "user" DEFAULT VALUES"#,
        "INSERT INTO `user` () VALUES ()",
    );
}

#[test]
fn insert_from_select() {
    let q = Insert::<User>::from_select(
        &["name", "age"],
        Tweet::select().columns((Tweet::CONTENT, Tweet::ID)).where_(Tweet::ID.gt(100)),
    );
    check(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name", "age") SELECT "tweet"."content", "tweet"."id" FROM "tweet" WHERE "tweet"."id" > ?"#,
        r#"INSERT INTO "user" ("name", "age") SELECT "tweet"."content", "tweet"."id" FROM "tweet" WHERE "tweet"."id" > $1::int8"#,
        "INSERT INTO `user` (`name`, `age`) SELECT `tweet`.`content`, `tweet`.`id` FROM `tweet` WHERE `tweet`.`id` > ?",
    );
}

#[test]
fn on_conflict_do_nothing() {
    let q = Insert::<User>::new().set(User::NAME, "alice").set(User::AGE, 30).on_conflict_ignore();
    check(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name", "age") VALUES (?, ?) ON CONFLICT DO NOTHING"#,
        r#"INSERT INTO "user" ("name", "age") VALUES ($1::text, $2::int8) ON CONFLICT DO NOTHING"#,
        "INSERT IGNORE INTO `user` (`name`, `age`) VALUES (?, ?)",
    );
    let mut node = q.node().clone();
    node.on_conflict = Some(OnConflict::new(vec!["name".into()], ConflictAction::DoNothing));
    check(
        |d| compile_insert(&node, d),
        r#"INSERT INTO "user" ("name", "age") VALUES (?, ?) ON CONFLICT ("name") DO NOTHING"#,
        r#"INSERT INTO "user" ("name", "age") VALUES ($1::text, $2::int8) ON CONFLICT ("name") DO NOTHING"#,
        "INSERT IGNORE INTO `user` (`name`, `age`) VALUES (?, ?)",
    );
}

#[test]
fn upsert_with_excluded_values() {
    let q = Insert::<User>::new()
        .set(User::NAME, "alice")
        .set(User::AGE, 30)
        .on_conflict(User::NAME)
        .do_update_set([assign(User::AGE, User::AGE + excluded(User::AGE)), assign(User::NAME, excluded(User::NAME))]);
    check(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name", "age") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "age" = "user"."age" + excluded."age", "name" = excluded."name""#,
        r#"INSERT INTO "user" ("name", "age") VALUES ($1::text, $2::int8) ON CONFLICT ("name") DO UPDATE SET "age" = "user"."age" + excluded."age", "name" = excluded."name""#,
        "INSERT INTO `user` (`name`, `age`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `age` = `user`.`age` + VALUES(`age`), `name` = VALUES(`name`)",
    );
    // `do_update(columns)`: each takes the proposed value.
    let q = Insert::<User>::new()
        .set(User::NAME, "alice")
        .set(User::AGE, 30)
        .on_conflict(User::NAME)
        .do_update((User::AGE, User::NAME));
    check(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name", "age") VALUES (?, ?) ON CONFLICT ("name") DO UPDATE SET "age" = excluded."age", "name" = excluded."name""#,
        r#"INSERT INTO "user" ("name", "age") VALUES ($1::text, $2::int8) ON CONFLICT ("name") DO UPDATE SET "age" = excluded."age", "name" = excluded."name""#,
        "INSERT INTO `user` (`name`, `age`) VALUES (?, ?) ON DUPLICATE KEY UPDATE `age` = VALUES(`age`), `name` = VALUES(`name`)",
    );
    // `do_nothing` with a target; `on_conflict_ignore` without.
    let q = Insert::<User>::new().set(User::NAME, "alice").on_conflict(User::NAME).do_nothing();
    check(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name") VALUES (?) ON CONFLICT ("name") DO NOTHING"#,
        r#"INSERT INTO "user" ("name") VALUES ($1::text) ON CONFLICT ("name") DO NOTHING"#,
        "INSERT IGNORE INTO `user` (`name`) VALUES (?)",
    );
    // Values in the update list are parameters numbered after the row's.
    let q =
        Insert::<User>::new().set(User::NAME, "alice").on_conflict(User::NAME).do_update_set([assign(User::AGE, 7)]);
    check_with(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name") VALUES (?) ON CONFLICT ("name") DO UPDATE SET "age" = ?"#,
        r#"INSERT INTO "user" ("name") VALUES ($1::text) ON CONFLICT ("name") DO UPDATE SET "age" = $2::int8"#,
        "INSERT INTO `user` (`name`) VALUES (?) ON DUPLICATE KEY UPDATE `age` = ?",
        &[text("alice"), Value::Int(7)],
    );
}

#[test]
fn upsert_errors() {
    let no_target = Insert::<User>::new().set(User::NAME, "a").on_conflict(()).do_update_set([assign(User::AGE, 1)]);
    assert_interface(error(|d| compile_insert(no_target.node(), d), SQLITE), "conflict target");
    assert_interface(error(|d| compile_insert(no_target.node(), d), POSTGRES), "conflict target");
    // MySQL's ON DUPLICATE KEY UPDATE would run without one, on any
    // unique key: the same program is refused there too.
    assert_interface(error(|d| compile_insert(no_target.node(), d), &MYSQL), "conflict target");

    let nothing = Insert::<User>::new().set(User::NAME, "a").on_conflict(User::NAME).do_update(());
    for d in [SQLITE, POSTGRES, &MYSQL] {
        assert_interface(error(|d| compile_insert(nothing.node(), d), d), "at least one column");
    }
}

#[test]
fn upsert_after_select_on_sqlite_gets_a_where_clause() {
    let q = Insert::<User>::from_select(&["name"], Tweet::select().columns(Tweet::CONTENT)).on_conflict_ignore();
    check(
        |d| compile_insert(q.node(), d),
        r#"INSERT INTO "user" ("name") SELECT * FROM (SELECT "tweet"."content" FROM "tweet") AS "_s1" WHERE true ON CONFLICT DO NOTHING"#,
        r#"INSERT INTO "user" ("name") SELECT "tweet"."content" FROM "tweet" ON CONFLICT DO NOTHING"#,
        "INSERT IGNORE INTO `user` (`name`) SELECT `tweet`.`content` FROM `tweet`",
    );
}

#[test]
fn default_values_with_a_conflict_clause() {
    let q = Insert::<User>::new().on_conflict_ignore();
    assert_unsupported(error(|d| compile_insert(q.node(), d), SQLITE), "ON CONFLICT after DEFAULT VALUES", "SQLite");
    assert_eq!(
        &*sql(|d| compile_insert(q.node(), d), POSTGRES).sql,
        r#"INSERT INTO "user" DEFAULT VALUES ON CONFLICT DO NOTHING"#
    );
    assert_eq!(&*sql(|d| compile_insert(q.node(), d), &MYSQL).sql, "INSERT IGNORE INTO `user` () VALUES ()");
}

#[test]
fn malformed_inserts_are_errors() {
    let mut node = Insert::<User>::new().set(User::NAME, "a").set(User::AGE, 1).node().clone();
    node.source = InsertSource::Values(vec![vec![ExprNode::Value(text("a"))]]);
    assert_interface(error(|d| compile_insert(&node, d), SQLITE), "1 values for 2 columns");
    node.source = InsertSource::Values(vec![]);
    assert_interface(error(|d| compile_insert(&node, d), SQLITE), "at least one row");
    node.source = InsertSource::DefaultValues;
    assert_interface(error(|d| compile_insert(&node, d), SQLITE), "cannot name columns");
    node.columns.clear();
    node.source = InsertSource::Values(vec![vec![], vec![]]);
    assert_interface(error(|d| compile_insert(&node, d), POSTGRES), "at least one column");
}

#[test]
fn insert_returning() {
    let q = Insert::<User>::new().set(User::NAME, "alice").returning((User::ID, (User::AGE + 1).alias("next")));
    check_each(
        |d| compile_statement(q.node(), d),
        &[
            (SQLITE, r#"INSERT INTO "user" ("name") VALUES (?) RETURNING "id", "age" + ? AS "next""#),
            (POSTGRES, r#"INSERT INTO "user" ("name") VALUES ($1::text) RETURNING "id", "age" + $2::int8 AS "next""#),
            (&MARIADB, "INSERT INTO `user` (`name`) VALUES (?) RETURNING `id`, `age` + ? AS `next`"),
        ],
    );
    assert_unsupported(error(|d| compile_statement(q.node(), d), &MYSQL), "INSERT ... RETURNING", "MySQL");
    assert_unsupported(
        error(|d| compile_statement(q.node(), d), &MySqlDialect::mariadb((10, 4, 30))),
        "INSERT ... RETURNING",
        "MariaDB",
    );
}

#[test]
fn update_set_where() {
    let q = Update::<User>::new().set(User::AGE, User::AGE + 1).set(User::NAME, "bob").where_(User::NAME.eq("robert"));
    check_with(
        |d| compile_update(q.node(), d),
        r#"UPDATE "user" SET "age" = "user"."age" + ?, "name" = ? WHERE "user"."name" = ?"#,
        r#"UPDATE "user" SET "age" = "user"."age" + $1::int8, "name" = $2::text WHERE "user"."name" = $3::text"#,
        "UPDATE `user` SET `age` = `user`.`age` + ?, `name` = ? WHERE `user`.`name` = ?",
        &[Value::Int(1), text("bob"), text("robert")],
    );
    let q = Update::<User>::new().set(User::AGE, 0);
    check(
        |d| compile_update(q.node(), d),
        r#"UPDATE "user" SET "age" = ?"#,
        r#"UPDATE "user" SET "age" = $1::int8"#,
        "UPDATE `user` SET `age` = ?",
    );
}

#[test]
fn update_with_case_and_subquery() {
    let q = Update::<User>::new()
        .set(User::AGE, Case::<Integer>::on(User::ID).when_value(1, 10).when_value(2, 20).otherwise(User::AGE))
        .where_(User::ID.in_query(Tweet::select().columns(Tweet::USER_ID)));
    check(
        |d| compile_update(q.node(), d),
        r#"UPDATE "user" SET "age" = CASE "user"."id" WHEN ? THEN ? WHEN ? THEN ? ELSE "user"."age" END WHERE "user"."id" IN (SELECT "tweet"."user_id" FROM "tweet")"#,
        r#"UPDATE "user" SET "age" = CASE "user"."id" WHEN $1::int8 THEN $2::int8 WHEN $3::int8 THEN $4::int8 ELSE "user"."age" END WHERE "user"."id" IN (SELECT "tweet"."user_id" FROM "tweet")"#,
        "UPDATE `user` SET `age` = CASE `user`.`id` WHEN ? THEN ? WHEN ? THEN ? ELSE `user`.`age` END WHERE `user`.`id` IN (SELECT `tweet`.`user_id` FROM `tweet`)",
    );
}

#[test]
fn update_errors() {
    let q = Update::<User>::new().where_(User::ID.eq(1));
    assert_interface(error(|d| compile_update(q.node(), d), SQLITE), "at least one column");
    let q = Update::<User>::new().set(User::AGE, excluded(User::AGE));
    assert_interface(error(|d| compile_update(q.node(), d), POSTGRES), "upsert");
}

#[test]
fn update_returning() {
    let q = Update::<User>::new().set(User::AGE, 1).where_(User::ID.eq(5)).returning_all();
    check_each(
        |d| compile_statement(q.node(), d),
        &[
            (SQLITE, r#"UPDATE "user" SET "age" = ? WHERE "user"."id" = ? RETURNING "id", "name", "age""#),
            (
                POSTGRES,
                r#"UPDATE "user" SET "age" = $1::int8 WHERE "user"."id" = $2::int8 RETURNING "id", "name", "age""#,
            ),
        ],
    );
    assert_unsupported(error(|d| compile_statement(q.node(), d), &MYSQL), "UPDATE ... RETURNING", "MySQL");
    assert_unsupported(error(|d| compile_statement(q.node(), d), &MARIADB), "UPDATE ... RETURNING", "MariaDB");
    // Columns of other tables keep their qualifier.
    let mut node = UpdateNode::new("user");
    node.set = vec![("age".into(), ExprNode::Value(Value::Int(1)))];
    node.returning = vec![
        SelectItem::new(ExprNode::Star(Some("user".into())), None),
        SelectItem::new(ExprNode::Column { table: Some("other".into()), name: "x".into() }, None),
    ];
    assert_eq!(
        &*sql(|d| compile_update(&node, d), POSTGRES).sql,
        r#"UPDATE "user" SET "age" = $1::int8 RETURNING *, "other"."x""#
    );
}

#[test]
fn delete() {
    let q = Delete::<User>::new().where_(User::AGE.lt(18).or(User::NAME.is_null()));
    check_with(
        |d| compile_delete(q.node(), d),
        r#"DELETE FROM "user" WHERE ("user"."age" < ?) OR ("user"."name" IS NULL)"#,
        r#"DELETE FROM "user" WHERE ("user"."age" < $1::int8) OR ("user"."name" IS NULL)"#,
        "DELETE FROM `user` WHERE (`user`.`age` < ?) OR (`user`.`name` IS NULL)",
        &[Value::Int(18)],
    );
    let q = Delete::<User>::new();
    check(|d| compile_delete(q.node(), d), r#"DELETE FROM "user""#, r#"DELETE FROM "user""#, "DELETE FROM `user`");
}

#[test]
fn delete_returning() {
    let q = Delete::<User>::new().where_(User::ID.eq(3)).returning(User::NAME);
    check_each(
        |d| compile_statement(q.node(), d),
        &[
            (SQLITE, r#"DELETE FROM "user" WHERE "user"."id" = ? RETURNING "name""#),
            (POSTGRES, r#"DELETE FROM "user" WHERE "user"."id" = $1::int8 RETURNING "name""#),
            (&MARIADB, "DELETE FROM `user` WHERE `user`.`id` = ? RETURNING `name`"),
        ],
    );
    assert_unsupported(error(|d| compile_statement(q.node(), d), &MYSQL), "DELETE ... RETURNING", "MySQL");
}

#[test]
fn transaction_control() {
    let cases = [
        (TxOp::Begin(TxOptions::default()), "BEGIN", "BEGIN", "START TRANSACTION"),
        (TxOp::Commit, "COMMIT", "COMMIT", "COMMIT"),
        (TxOp::Rollback, "ROLLBACK", "ROLLBACK", "ROLLBACK"),
        (TxOp::Savepoint("sp1"), r#"SAVEPOINT "sp1""#, r#"SAVEPOINT "sp1""#, "SAVEPOINT `sp1`"),
        (TxOp::Release("sp1"), r#"RELEASE SAVEPOINT "sp1""#, r#"RELEASE SAVEPOINT "sp1""#, "RELEASE SAVEPOINT `sp1`"),
        (
            TxOp::RollbackTo("sp1"),
            r#"ROLLBACK TO SAVEPOINT "sp1""#,
            r#"ROLLBACK TO SAVEPOINT "sp1""#,
            "ROLLBACK TO SAVEPOINT `sp1`",
        ),
        (TxOp::Savepoint("a\"b`c"), r#"SAVEPOINT "a""b`c""#, r#"SAVEPOINT "a""b`c""#, "SAVEPOINT `a\"b``c`"),
    ];
    for (op, sqlite, pg, mysql) in cases {
        assert_eq!(transaction_sql(op, SQLITE).expect("SQLite"), sqlite);
        assert_eq!(transaction_sql(op, POSTGRES).expect("PostgreSQL"), pg);
        assert_eq!(transaction_sql(op, &MYSQL).expect("MySQL"), mysql);
        assert_eq!(transaction_sql(op, &MARIADB).expect("MariaDB"), mysql);
    }
}

#[test]
fn transaction_options() {
    let serializable = TxOptions { isolation: Some(IsolationLevel::Serializable), read_only: true, deferrable: true };
    let begin = TxOp::Begin(serializable);
    assert_eq!(
        transaction_sql(begin, POSTGRES).expect("PostgreSQL"),
        "BEGIN ISOLATION LEVEL SERIALIZABLE READ ONLY DEFERRABLE"
    );
    assert_unsupported(transaction_sql(begin, SQLITE).expect_err("SQLite"), "transaction options", "SQLite");
    assert_unsupported(transaction_sql(begin, &MYSQL).expect_err("MySQL"), "deferrable transactions", "MySQL");
    let serializable = TxOp::Begin(TxOptions { deferrable: false, ..serializable });
    assert_eq!(
        transaction_sql(serializable, &MARIADB).expect("MariaDB"),
        "SET TRANSACTION ISOLATION LEVEL SERIALIZABLE; START TRANSACTION READ ONLY"
    );
    let read_only = TxOp::Begin(TxOptions { read_only: true, ..TxOptions::default() });
    assert_eq!(transaction_sql(read_only, &MYSQL).expect("MySQL"), "START TRANSACTION READ ONLY");
    assert_eq!(transaction_sql(read_only, POSTGRES).expect("PostgreSQL"), "BEGIN READ ONLY");
    assert_eq!("repeatable_read".parse::<IsolationLevel>().expect("a level"), IsolationLevel::RepeatableRead);
    assert!("sometimes".parse::<IsolationLevel>().is_err());
}

#[test]
fn sqlite_begin_immediate() {
    let immediate = SqliteDialect::new().begin_immediate();
    assert_eq!(transaction_sql(TxOp::Begin(TxOptions::default()), &immediate).expect("begin"), "BEGIN IMMEDIATE");
    assert_eq!(transaction_sql(TxOp::Commit, &immediate).expect("commit"), "COMMIT");
    assert_eq!(transaction_sql(TxOp::Savepoint("s"), &immediate).expect("savepoint"), r#"SAVEPOINT "s""#);
    let options = TxOp::Begin(TxOptions { read_only: true, ..TxOptions::default() });
    assert_unsupported(transaction_sql(options, &immediate).expect_err("options"), "transaction options", "SQLite");
}

/// The statements backends send for their own bookkeeping come from the
/// dialects too, quoting what they name.
#[test]
fn backend_bookkeeping() {
    assert!(PostgresDialect::RESET_SESSION.starts_with("SET SESSION AUTHORIZATION DEFAULT; RESET ALL;"));
    assert!(PostgresDialect::TRANSACTION_PROBE.contains("pg_catalog.statement_timestamp()"));

    let sqlite = SqliteDialect::new();
    assert_eq!(sqlite.read_pragma("foreign_keys").expect("a pragma"), "PRAGMA foreign_keys");
    assert_eq!(sqlite.set_pragma("cache_size", "-2000").expect("a pragma"), "PRAGMA cache_size = -2000");
    for (name, value) in
        [("foreign_keys; DROP TABLE t", "1"), ("cache_size", "1; DROP TABLE t"), ("", "1"), ("a", "'x'")]
    {
        let error = sqlite.set_pragma(name, value).expect_err("not a plain word");
        assert!(matches!(error, ormcore::Error::Interface(_)), "{error}");
    }
    assert_eq!(sqlite.detach_database(r#"aux"1"#), r#"DETACH DATABASE "aux""1""#);
    assert_eq!(sqlite.drop_temporary("view", "v").expect("a view"), r#"DROP VIEW IF EXISTS temp."v""#);
    assert_eq!(sqlite.drop_temporary("table", r#"t"x"#).expect("a table"), r#"DROP TABLE IF EXISTS temp."t""x""#);
    assert!(sqlite.drop_temporary("index", "i").is_err());
}

/// The rule for where an insert's new key comes from lives in the
/// compiler: RETURNING where the driver would not say (PostgreSQL; an
/// upsert where RETURNING exists), the driver's last insert id otherwise.
#[test]
fn insert_key_reporting() {
    let q = Insert::<User>::new().set(User::NAME, "a");
    let reporting = |d: &dyn ormcore::sql::Dialect| ormcore::sql::compile_insert_reporting_key(q.node(), "id", d);
    assert_eq!(&*sql(reporting, SQLITE).sql, r#"INSERT INTO "user" ("name") VALUES (?)"#);
    assert_eq!(&*sql(reporting, POSTGRES).sql, r#"INSERT INTO "user" ("name") VALUES ($1::text) RETURNING "id""#);
    assert_eq!(&*sql(reporting, &MYSQL).sql, "INSERT INTO `user` (`name`) VALUES (?)");
    let upsert = Insert::<User>::new().set(User::NAME, "a").on_conflict(User::NAME).do_update(User::NAME);
    let reporting = |d: &dyn ormcore::sql::Dialect| ormcore::sql::compile_insert_reporting_key(upsert.node(), "id", d);
    assert!(sql(reporting, SQLITE).sql.ends_with(r#"DO UPDATE SET "name" = excluded."name" RETURNING "id""#));
    assert!(sql(reporting, &MARIADB).sql.ends_with("RETURNING `id`"));
    // MySQL has no RETURNING: the key comes as the insert id, which an
    // upsert that updated sets through LAST_INSERT_ID(expr).
    assert_eq!(
        &*sql(reporting, &MYSQL).sql,
        "INSERT INTO `user` (`name`) VALUES (?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `user`.`id` = LAST_INSERT_ID(`user`.`id`)"
    );
    // Qualified: a select whose source has an `id` too would make a bare
    // `id` ambiguous; and the select is a derived table, so that a select
    // from `user` itself does not make `user`.`id` ambiguous.
    let from_select = Insert::<User>::from_select(&["name"], Tweet::select().columns(Tweet::CONTENT))
        .on_conflict(User::NAME)
        .do_update(User::NAME);
    let reporting =
        |d: &dyn ormcore::sql::Dialect| ormcore::sql::compile_insert_reporting_key(from_select.node(), "id", d);
    assert_eq!(
        &*sql(reporting, &MYSQL).sql,
        "INSERT INTO `user` (`name`) SELECT * FROM (SELECT `tweet`.`content` FROM `tweet`) AS `_s1` ON DUPLICATE KEY UPDATE `name` = VALUES(`name`), `user`.`id` = LAST_INSERT_ID(`user`.`id`)"
    );
    // Nobody asked for the key: nothing added.
    assert_eq!(
        &*sql(|d| compile_insert(upsert.node(), d), &MYSQL).sql,
        "INSERT INTO `user` (`name`) VALUES (?) ON DUPLICATE KEY UPDATE `name` = VALUES(`name`)"
    );
    let ignore = Insert::<User>::new().set(User::NAME, "a").on_conflict(User::NAME).do_nothing();
    let reporting = |d: &dyn ormcore::sql::Dialect| ormcore::sql::compile_insert_reporting_key(ignore.node(), "id", d);
    assert_eq!(&*sql(reporting, &MYSQL).sql, "INSERT IGNORE INTO `user` (`name`) VALUES (?)");
}

/// Batch insert templates: one placeholder per value, rows in order; keys
/// come back by RETURNING for several rows (or on PostgreSQL), and a
/// multi-row template that wants keys is refused without RETURNING.
#[test]
fn insert_templates() {
    use ormcore::sql::insert_template;
    let meta = &golden_common::USER_META;
    let two = insert_template(meta, &[1, 2], 2, Some("id"), SQLITE).expect("template");
    assert_eq!(&*two.sql, r#"INSERT INTO "user" ("name", "age") VALUES (?, ?), (?, ?) RETURNING "id""#);
    assert!(two.returns_keys);
    let one = insert_template(meta, &[1, 2], 1, Some("id"), SQLITE).expect("template");
    assert_eq!((&*one.sql, one.returns_keys), (r#"INSERT INTO "user" ("name", "age") VALUES (?, ?)"#, false));
    let pg = insert_template(meta, &[1], 1, Some("id"), POSTGRES).expect("template");
    assert_eq!((&*pg.sql, pg.returns_keys), (r#"INSERT INTO "user" ("name") VALUES ($1) RETURNING "id""#, true));
    let keyed = insert_template(meta, &[0, 1], 2, None, POSTGRES).expect("template");
    assert_eq!(&*keyed.sql, r#"INSERT INTO "user" ("id", "name") VALUES ($1, $2), ($3, $4)"#);
    let mysql = insert_template(meta, &[1], 1, Some("id"), &MYSQL).expect("one row: the driver's id");
    assert!(!mysql.returns_keys);
    let error = insert_template(meta, &[1], 3, Some("id"), &MYSQL).expect_err("no RETURNING for three keys");
    assert_interface(error, "insert one row per statement");
}
