//! Golden SQL: selects and compound selects, three dialects side by side.

mod golden_common;

use golden_common::*;
use ormcore::prelude::*;
use ormcore::query::node::{CompoundNode, SelectNode, TableRef};
use ormcore::query::*;
use ormcore::sql::{MySqlDialect, compile_compound, compile_query, compile_select};
use ormcore::types::Text;
use ormcore::{SqlRow, Value};

#[test]
fn model_select_projects_every_column_qualified() {
    let q = User::select();
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT "user"."id", "user"."name", "user"."age" FROM "user""#,
        r#"SELECT "user"."id", "user"."name", "user"."age" FROM "user""#,
        "SELECT `user`.`id`, `user`.`name`, `user`.`age` FROM `user`",
    );
}

#[test]
fn where_calls_chain_with_and() {
    let q = User::select().where_(User::NAME.eq("alice")).where_(User::AGE.gt(18)).where_(User::ID.ne(3));
    check_with(
        |d| compile_select(q.node(), d),
        r#"SELECT "user"."id", "user"."name", "user"."age" FROM "user" WHERE ("user"."name" = ?) AND ("user"."age" > ?) AND ("user"."id" <> ?)"#,
        r#"SELECT "user"."id", "user"."name", "user"."age" FROM "user" WHERE ("user"."name" = $1::text) AND ("user"."age" > $2::int8) AND ("user"."id" <> $3::int8)"#,
        "SELECT `user`.`id`, `user`.`name`, `user`.`age` FROM `user` WHERE (`user`.`name` = ?) AND (`user`.`age` > ?) AND (`user`.`id` <> ?)",
        &[text("alice"), Value::Int(18), Value::Int(3)],
    );
}

#[test]
fn projection_alias_and_distinct() {
    let q = User::select().columns((User::NAME, func::count_star().alias("n"))).distinct();
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT DISTINCT "user"."name", COUNT(*) AS "n" FROM "user""#,
        r#"SELECT DISTINCT "user"."name", COUNT(*) AS "n" FROM "user""#,
        "SELECT DISTINCT `user`.`name`, COUNT(*) AS `n` FROM `user`",
    );
}

#[test]
fn group_by_having_order_by() {
    let q = User::select()
        .columns((User::AGE, func::count_star()))
        .group_by(User::AGE)
        .group_by(User::NAME)
        .having(func::count_star().gt(1))
        .order_by(User::AGE.desc())
        .order_by(User::NAME)
        .order_by(User::ID.asc());
    check_with(
        |d| compile_select(q.node(), d),
        r#"SELECT "user"."age", COUNT(*) FROM "user" GROUP BY "user"."age", "user"."name" HAVING COUNT(*) > ? ORDER BY "user"."age" DESC, "user"."name", "user"."id""#,
        r#"SELECT "user"."age", COUNT(*) FROM "user" GROUP BY "user"."age", "user"."name" HAVING COUNT(*) > $1::int8 ORDER BY "user"."age" DESC, "user"."name", "user"."id""#,
        "SELECT `user`.`age`, COUNT(*) FROM `user` GROUP BY `user`.`age`, `user`.`name` HAVING COUNT(*) > ? ORDER BY `user`.`age` DESC, `user`.`name`, `user`.`id`",
        &[Value::Int(1)],
    );
}

#[test]
fn inner_and_left_joins_with_aliases() {
    let q = Tweet::select()
        .join(Table::<User>::new(), Tweet::USER_ID.eq(User::ID))
        .left_join(Table::<User>::alias("u2"), User::ID.of("u2").eq(Tweet::USER_ID).and(User::AGE.of("u2").gt(30)));
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT "tweet"."id", "tweet"."user_id", "tweet"."content" FROM "tweet" INNER JOIN "user" ON "tweet"."user_id" = "user"."id" LEFT OUTER JOIN "user" AS "u2" ON ("u2"."id" = "tweet"."user_id") AND ("u2"."age" > ?)"#,
        r#"SELECT "tweet"."id", "tweet"."user_id", "tweet"."content" FROM "tweet" INNER JOIN "user" ON "tweet"."user_id" = "user"."id" LEFT OUTER JOIN "user" AS "u2" ON ("u2"."id" = "tweet"."user_id") AND ("u2"."age" > $1::int8)"#,
        "SELECT `tweet`.`id`, `tweet`.`user_id`, `tweet`.`content` FROM `tweet` INNER JOIN `user` ON `tweet`.`user_id` = `user`.`id` LEFT OUTER JOIN `user` AS `u2` ON (`u2`.`id` = `tweet`.`user_id`) AND (`u2`.`age` > ?)",
    );
}

#[test]
fn limit_and_offset() {
    let q = User::select().columns(User::ID).limit(10);
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT "user"."id" FROM "user" LIMIT 10"#,
        r#"SELECT "user"."id" FROM "user" LIMIT 10"#,
        "SELECT `user`.`id` FROM `user` LIMIT 10",
    );
    let q = User::select().columns(User::ID).paginate(3, 20);
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT "user"."id" FROM "user" LIMIT 20 OFFSET 40"#,
        r#"SELECT "user"."id" FROM "user" LIMIT 20 OFFSET 40"#,
        "SELECT `user`.`id` FROM `user` LIMIT 20 OFFSET 40",
    );
    let q = User::select().columns(User::ID).limit(0);
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT "user"."id" FROM "user" LIMIT 0"#,
        r#"SELECT "user"."id" FROM "user" LIMIT 0"#,
        "SELECT `user`.`id` FROM `user` LIMIT 0",
    );
}

#[test]
fn offset_alone_needs_a_limit_on_sqlite_and_mysql() {
    let q = User::select().columns(User::ID).offset(5);
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT "user"."id" FROM "user" LIMIT -1 OFFSET 5"#,
        r#"SELECT "user"."id" FROM "user" OFFSET 5"#,
        "SELECT `user`.`id` FROM `user` LIMIT 18446744073709551615 OFFSET 5",
    );
}

#[test]
fn select_from_a_subquery() {
    let inner = User::select().columns(User::NAME).where_(User::AGE.ge(18));
    let q = Select::from(inner.alias("adults"))
        .columns(Expr::<Text>::column("adults", "name"))
        .where_(Expr::<Text>::column("adults", "name").ne("root"));
    check_with(
        |d| compile_select(q.node(), d),
        r#"SELECT "adults"."name" FROM (SELECT "user"."name" FROM "user" WHERE "user"."age" >= ?) AS "adults" WHERE "adults"."name" <> ?"#,
        r#"SELECT "adults"."name" FROM (SELECT "user"."name" FROM "user" WHERE "user"."age" >= $1::int8) AS "adults" WHERE "adults"."name" <> $2::text"#,
        "SELECT `adults`.`name` FROM (SELECT `user`.`name` FROM `user` WHERE `user`.`age` >= ?) AS `adults` WHERE `adults`.`name` <> ?",
        &[Value::Int(18), text("root")],
    );
}

#[test]
fn select_star_untyped_and_star_of_an_alias() {
    let q = Select::from(TableRef::Table { name: "user".into(), alias: None });
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT * FROM "user""#,
        r#"SELECT * FROM "user""#,
        "SELECT * FROM `user`",
    );
    let mut node = SelectNode::default();
    node.columns = vec![SelectItem::new(ExprNode::Star(Some("u".into())), None)];
    node.from = Some(TableRef::Table { name: "user".into(), alias: Some("u".into()) });
    check(
        |d| compile_select(&node, d),
        r#"SELECT "u".* FROM "user" AS "u""#,
        r#"SELECT "u".* FROM "user" AS "u""#,
        "SELECT `u`.* FROM `user` AS `u`",
    );
}

#[test]
fn select_without_from() {
    let mut node = SelectNode::default();
    node.columns = vec![SelectItem::new(ExprNode::Value(Value::Int(1)), Some("one".into()))];
    check_with(
        |d| compile_select(&node, d),
        r#"SELECT ? AS "one""#,
        r#"SELECT $1::int8 AS "one""#,
        "SELECT ? AS `one`",
        &[Value::Int(1)],
    );
}

#[test]
fn malformed_selects_are_errors() {
    let empty = SelectNode::default();
    for d in [SQLITE, POSTGRES, &MYSQL] {
        assert_interface(error(|d| compile_select(&empty, d), d), "at least one column");
    }
    let mut node = SelectNode::default();
    node.columns = vec![SelectItem::new(ExprNode::Star(None), None)];
    node.joins = User::select().join(Table::<Tweet>::new(), Tweet::USER_ID.eq(User::ID)).into_node().joins;
    let q = Select::<SqlRow>::from_node(node);
    assert_interface(error(|d| compile_select(q.node(), d), SQLITE), "FROM");
}

// ---- compound selects -------------------------------------------------------

fn minors() -> Select<String> {
    User::select().columns(User::NAME).where_(User::AGE.lt(18))
}

fn seniors() -> Select<String> {
    User::select().columns(User::NAME).where_(User::AGE.gt(65))
}

fn authors() -> Select<String> {
    Tweet::select().columns(Tweet::CONTENT).where_(Tweet::ID.eq(7))
}

#[test]
fn union_parenthesizes_members_except_on_sqlite() {
    let q = minors().union(seniors());
    check_with(
        |d| compile_compound(q.node(), d),
        r#"SELECT "user"."name" FROM "user" WHERE "user"."age" < ? UNION SELECT "user"."name" FROM "user" WHERE "user"."age" > ?"#,
        r#"(SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) UNION (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8)"#,
        "(SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) UNION (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?)",
        &[Value::Int(18), Value::Int(65)],
    );
}

#[test]
fn every_compound_operator() {
    for (q, op) in [
        (minors().union_all(seniors()), "UNION ALL"),
        (minors().intersect(seniors()), "INTERSECT"),
        (minors().except(seniors()), "EXCEPT"),
    ] {
        check(
            |d| compile_compound(q.node(), d),
            &format!(
                r#"SELECT "user"."name" FROM "user" WHERE "user"."age" < ? {op} SELECT "user"."name" FROM "user" WHERE "user"."age" > ?"#
            ),
            &format!(
                r#"(SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) {op} (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8)"#
            ),
            &format!(
                "(SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) {op} (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?)"
            ),
        );
    }
}

#[test]
fn compound_order_by_names_output_columns() {
    let q = minors().union(seniors()).order_by(User::NAME.desc()).limit(5).offset(10);
    check(
        |d| compile_compound(q.node(), d),
        r#"SELECT "user"."name" FROM "user" WHERE "user"."age" < ? UNION SELECT "user"."name" FROM "user" WHERE "user"."age" > ? ORDER BY "name" DESC LIMIT 5 OFFSET 10"#,
        r#"(SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) UNION (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8) ORDER BY "name" DESC LIMIT 5 OFFSET 10"#,
        "(SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) UNION (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?) ORDER BY `name` DESC LIMIT 5 OFFSET 10",
    );
    let q = minors().union(seniors()).offset(3);
    check(
        |d| compile_compound(q.node(), d),
        r#"SELECT "user"."name" FROM "user" WHERE "user"."age" < ? UNION SELECT "user"."name" FROM "user" WHERE "user"."age" > ? LIMIT -1 OFFSET 3"#,
        r#"(SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) UNION (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8) OFFSET 3"#,
        "(SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) UNION (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?) LIMIT 18446744073709551615 OFFSET 3",
    );
}

#[test]
fn ordered_members_are_wrapped_on_sqlite() {
    let q = minors().order_by(User::AGE).limit(3).union_all(seniors().offset(2));
    check(
        |d| compile_compound(q.node(), d),
        r#"SELECT * FROM (SELECT "user"."name" FROM "user" WHERE "user"."age" < ? ORDER BY "user"."age" LIMIT 3) AS "_u1" UNION ALL SELECT * FROM (SELECT "user"."name" FROM "user" WHERE "user"."age" > ? LIMIT -1 OFFSET 2) AS "_u2""#,
        r#"(SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8 ORDER BY "user"."age" LIMIT 3) UNION ALL (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8 OFFSET 2)"#,
        "(SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ? ORDER BY `user`.`age` LIMIT 3) UNION ALL (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ? LIMIT 18446744073709551615 OFFSET 2)",
    );
}

#[test]
fn nested_compound_on_the_left_is_flat_on_sqlite() {
    // `Compound` has no `except` builder method: build the node.
    let q = CompoundNode::new(CompoundOp::Except, minors().union(seniors()).into(), authors().into());
    check_with(
        |d| compile_compound(&q, d),
        r#"SELECT "user"."name" FROM "user" WHERE "user"."age" < ? UNION SELECT "user"."name" FROM "user" WHERE "user"."age" > ? EXCEPT SELECT "tweet"."content" FROM "tweet" WHERE "tweet"."id" = ?"#,
        r#"((SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) UNION (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8)) EXCEPT (SELECT "tweet"."content" FROM "tweet" WHERE "tweet"."id" = $3::int8)"#,
        "((SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) UNION (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?)) EXCEPT (SELECT `tweet`.`content` FROM `tweet` WHERE `tweet`.`id` = ?)",
        &[Value::Int(18), Value::Int(65), Value::Int(7)],
    );
}

/// Compound is left-associative on SQLite: a compound on the right keeps its
/// grouping as a derived table.
#[test]
fn nested_compound_on_the_right_keeps_its_grouping() {
    let q = minors().except(seniors().union(authors()));
    check(
        |d| compile_compound(q.node(), d),
        r#"SELECT "user"."name" FROM "user" WHERE "user"."age" < ? EXCEPT SELECT * FROM (SELECT "user"."name" FROM "user" WHERE "user"."age" > ? UNION SELECT "tweet"."content" FROM "tweet" WHERE "tweet"."id" = ?) AS "_u1""#,
        r#"(SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) EXCEPT ((SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8) UNION (SELECT "tweet"."content" FROM "tweet" WHERE "tweet"."id" = $3::int8))"#,
        "(SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) EXCEPT ((SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?) UNION (SELECT `tweet`.`content` FROM `tweet` WHERE `tweet`.`id` = ?))",
    );
}

/// A left compound with its own ORDER BY/LIMIT cannot be flattened.
#[test]
fn ordered_nested_compound_is_wrapped_on_sqlite() {
    let q = minors().union(seniors()).limit(1).union_all(authors());
    check(
        |d| compile_compound(q.node(), d),
        r#"SELECT * FROM (SELECT "user"."name" FROM "user" WHERE "user"."age" < ? UNION SELECT "user"."name" FROM "user" WHERE "user"."age" > ? LIMIT 1) AS "_u1" UNION ALL SELECT "tweet"."content" FROM "tweet" WHERE "tweet"."id" = ?"#,
        r#"((SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) UNION (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8) LIMIT 1) UNION ALL (SELECT "tweet"."content" FROM "tweet" WHERE "tweet"."id" = $3::int8)"#,
        "((SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) UNION (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?) LIMIT 1) UNION ALL (SELECT `tweet`.`content` FROM `tweet` WHERE `tweet`.`id` = ?)",
    );
}

#[test]
fn intersect_and_except_need_mysql_8_0_31_or_mariadb_10_3() {
    for q in [minors().intersect(seniors()), minors().except(seniors())] {
        let keyword = if matches!(q.node().op, CompoundOp::Intersect) { "INTERSECT" } else { "EXCEPT" };
        assert_unsupported(
            error(|d| compile_compound(q.node(), d), &MySqlDialect::mysql((8, 0, 30))),
            keyword,
            "MySQL",
        );
        assert_unsupported(
            error(|d| compile_compound(q.node(), d), &MySqlDialect::mariadb((10, 2, 44))),
            keyword,
            "MariaDB",
        );
        let ok = sql(|d| compile_compound(q.node(), d), &MySqlDialect::mysql((8, 0, 31)));
        assert!(ok.sql.contains(keyword));
        let ok = sql(|d| compile_compound(q.node(), d), &MySqlDialect::mariadb((10, 3, 0)));
        assert!(ok.sql.contains(keyword));
    }
    // UNION is everywhere.
    let q = minors().union(seniors());
    sql(|d| compile_compound(q.node(), d), &MySqlDialect::mysql((5, 7, 0)));
    // A nested INTERSECT is found too.
    let q = minors().union(seniors().intersect(authors()));
    assert_unsupported(error(|d| compile_compound(q.node(), d), &MySqlDialect::mysql((8, 0, 0))), "INTERSECT", "MySQL");
}

#[test]
fn compound_as_subquery_and_as_from_source() {
    let q = Tweet::select().columns(Tweet::ID).where_(Tweet::CONTENT.in_query(minors().union(seniors())));
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT "tweet"."id" FROM "tweet" WHERE "tweet"."content" IN (SELECT "user"."name" FROM "user" WHERE "user"."age" < ? UNION SELECT "user"."name" FROM "user" WHERE "user"."age" > ?)"#,
        r#"SELECT "tweet"."id" FROM "tweet" WHERE "tweet"."content" IN ((SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) UNION (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8))"#,
        "SELECT `tweet`.`id` FROM `tweet` WHERE `tweet`.`content` IN ((SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) UNION (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?))",
    );
    let q = Select::from(minors().union_all(seniors()).alias("names")).columns(func::count_star());
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT COUNT(*) FROM (SELECT "user"."name" FROM "user" WHERE "user"."age" < ? UNION ALL SELECT "user"."name" FROM "user" WHERE "user"."age" > ?) AS "names""#,
        r#"SELECT COUNT(*) FROM ((SELECT "user"."name" FROM "user" WHERE "user"."age" < $1::int8) UNION ALL (SELECT "user"."name" FROM "user" WHERE "user"."age" > $2::int8)) AS "names""#,
        "SELECT COUNT(*) FROM ((SELECT `user`.`name` FROM `user` WHERE `user`.`age` < ?) UNION ALL (SELECT `user`.`name` FROM `user` WHERE `user`.`age` > ?)) AS `names`",
    );
}

#[test]
fn compile_query_dispatches() {
    let select: QueryNode = minors().into();
    let compound: QueryNode = minors().union(seniors()).into();
    assert_eq!(sql(|d| compile_query(&select, d), POSTGRES), sql(|d| compile_select(minors().node(), d), POSTGRES));
    assert_eq!(
        sql(|d| compile_query(&compound, d), POSTGRES),
        sql(|d| compile_compound(minors().union(seniors()).node(), d), POSTGRES)
    );
}

/// `first`/`first_n` compile the select as it is, with `LIMIT` the
/// smaller of its own and theirs (and its offset kept).
#[test]
fn limited_selects() {
    use ormcore::sql::{Dialect, compile_select_limited};
    let q = User::select().columns(User::ID).offset(5);
    let one = |d: &dyn Dialect| compile_select_limited(q.node(), 1, d);
    assert_eq!(&*sql(one, SQLITE).sql, r#"SELECT "user"."id" FROM "user" LIMIT 1 OFFSET 5"#);
    let small = User::select().columns(User::ID).limit(3);
    let ten = |d: &dyn Dialect| compile_select_limited(small.node(), 10, d);
    assert_eq!(&*sql(ten, POSTGRES).sql, r#"SELECT "user"."id" FROM "user" LIMIT 3"#);
    let two = |d: &dyn Dialect| compile_select_limited(small.node(), 2, d);
    assert_eq!(&*sql(two, &MYSQL).sql, "SELECT `user`.`id` FROM `user` LIMIT 2");
}

/// Row locks after `LIMIT`, per dialect and version: standard `FOR UPDATE`
/// / `FOR SHARE` with `NOWAIT` / `SKIP LOCKED` on PostgreSQL and MySQL 8;
/// `LOCK IN SHARE MODE` on MariaDB and older MySQL; what a version lacks
/// is `Unsupported` naming it; SQLite has no row locks. A locked select is
/// no plain read: it never goes to a read-only shared connection.
#[test]
fn row_locks() {
    let locked = |lock: RowLock| User::select().columns(User::ID).where_(User::AGE.gt(1)).limit(1).lock(lock);
    let q = locked(RowLock::update().skip_locked());
    let compile = |d: &dyn ormcore::sql::Dialect| compile_select(q.node(), d);
    assert_eq!(
        &*sql(compile, POSTGRES).sql,
        r#"SELECT "user"."id" FROM "user" WHERE "user"."age" > $1::int8 LIMIT 1 FOR UPDATE SKIP LOCKED"#
    );
    assert!(!sql(compile, POSTGRES).read_only, "a locking read needs a writable connection");
    assert_eq!(
        &*sql(compile, &MYSQL).sql,
        "SELECT `user`.`id` FROM `user` WHERE `user`.`age` > ? LIMIT 1 FOR UPDATE SKIP LOCKED"
    );
    assert!(sql(compile, &MARIADB).sql.ends_with("LIMIT 1 FOR UPDATE SKIP LOCKED"));
    assert_unsupported(error(compile, SQLITE), "row locks (FOR UPDATE / FOR SHARE)", "SQLite");
    assert!(compile_select(User::select().node(), POSTGRES).expect("plain").read_only);

    let q = locked(RowLock::share().nowait());
    let compile = |d: &dyn ormcore::sql::Dialect| compile_select(q.node(), d);
    assert!(sql(compile, POSTGRES).sql.ends_with("LIMIT 1 FOR SHARE NOWAIT"));
    assert!(sql(compile, &MYSQL).sql.ends_with("LIMIT 1 FOR SHARE NOWAIT"));
    assert!(sql(compile, &MARIADB).sql.ends_with("LIMIT 1 LOCK IN SHARE MODE NOWAIT"));
    let mysql57 = MySqlDialect::mysql((5, 7, 44));
    assert_unsupported(error(compile, &mysql57), "NOWAIT (MySQL 8.0.1 and later)", "MySQL");
    let q = User::select().columns(User::ID).for_share();
    assert!(sql(|d| compile_select(q.node(), d), &mysql57).sql.ends_with("FROM `user` LOCK IN SHARE MODE"));
    let q = User::select().columns(User::ID).for_update();
    assert!(sql(|d| compile_select(q.node(), d), &mysql57).sql.ends_with("FROM `user` FOR UPDATE"));

    let q = locked(RowLock::update().skip_locked());
    let compile = |d: &dyn ormcore::sql::Dialect| compile_select(q.node(), d);
    let mariadb105 = MySqlDialect::mariadb((10, 5, 0));
    assert_unsupported(error(compile, &mariadb105), "SKIP LOCKED (MariaDB 10.6 and later)", "MariaDB");
    let q = locked(RowLock::update().nowait());
    assert!(sql(|d| compile_select(q.node(), d), &mariadb105).sql.ends_with("FOR UPDATE NOWAIT"));
    let mariadb102 = MySqlDialect::mariadb((10, 2, 0));
    assert_unsupported(
        error(|d| compile_select(q.node(), d), &mariadb102),
        "NOWAIT (MariaDB 10.3 and later)",
        "MariaDB",
    );
}

/// Window functions: `OVER (PARTITION BY .. ORDER BY ..)` after a window
/// function or an aggregate, alike on every dialect that has them; MySQL
/// before 8.0.2 and MariaDB before 10.2 refuse them; a window on anything
/// but a function call is a misuse.
#[test]
fn window_functions() {
    let by_user = Window::new().partition_by(Tweet::USER_ID).order_by(Tweet::ID.desc());
    let q = Tweet::select().columns((
        Tweet::ID,
        func::row_number().over(by_user),
        func::count(Tweet::ID).over(Window::new().partition_by(Tweet::USER_ID)),
        func::lag(Tweet::CONTENT).over(Window::new().order_by(Tweet::ID)),
    ));
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT "tweet"."id", ROW_NUMBER() OVER (PARTITION BY "tweet"."user_id" ORDER BY "tweet"."id" DESC), COUNT("tweet"."id") OVER (PARTITION BY "tweet"."user_id"), LAG("tweet"."content") OVER (ORDER BY "tweet"."id") FROM "tweet""#,
        r#"SELECT "tweet"."id", ROW_NUMBER() OVER (PARTITION BY "tweet"."user_id" ORDER BY "tweet"."id" DESC), COUNT("tweet"."id") OVER (PARTITION BY "tweet"."user_id"), LAG("tweet"."content") OVER (ORDER BY "tweet"."id") FROM "tweet""#,
        "SELECT `tweet`.`id`, ROW_NUMBER() OVER (PARTITION BY `tweet`.`user_id` ORDER BY `tweet`.`id` DESC), COUNT(`tweet`.`id`) OVER (PARTITION BY `tweet`.`user_id`), LAG(`tweet`.`content`) OVER (ORDER BY `tweet`.`id`) FROM `tweet`",
    );
    assert!(sql(|d| compile_select(q.node(), d), &MARIADB).sql.contains("ROW_NUMBER() OVER (PARTITION BY"));
    assert!(sql(|d| compile_select(q.node(), d), POSTGRES).session_free, "window functions touch no session");
    let feature = "window functions (OVER; MySQL 8.0.2, MariaDB 10.2 and later)";
    assert_unsupported(error(|d| compile_select(q.node(), d), &MySqlDialect::mysql((5, 7, 44))), feature, "MySQL");
    assert_unsupported(error(|d| compile_select(q.node(), d), &MySqlDialect::mariadb((10, 1, 0))), feature, "MariaDB");
    let everyone = Tweet::select().columns(func::rank().over(Window::new()));
    assert!(sql(|d| compile_select(everyone.node(), d), SQLITE).sql.starts_with("SELECT RANK() OVER () FROM"));
    let misuse = Tweet::select().columns(Expr::<ormcore::types::Integer>::column("tweet", "id").over(Window::new()));
    assert_interface(error(|d| compile_select(misuse.node(), d), POSTGRES), "function call");
}

/// Common table expressions: `WITH name (cols) AS (..)` before the select,
/// `WITH RECURSIVE` when one reads itself; MySQL before 8.0.1 and MariaDB
/// before 10.2.2 refuse them.
#[test]
fn common_table_expressions() {
    let adults = Cte::new("adults", User::select().columns(User::ID).where_(User::AGE.ge(18)));
    let id = adults.column::<ormcore::types::Integer>("id");
    let q = Select::from(adults.table()).columns(id).with(adults);
    check(
        |d| compile_select(q.node(), d),
        r#"WITH "adults" AS (SELECT "user"."id" FROM "user" WHERE "user"."age" >= ?) SELECT "adults"."id" FROM "adults""#,
        r#"WITH "adults" AS (SELECT "user"."id" FROM "user" WHERE "user"."age" >= $1::int8) SELECT "adults"."id" FROM "adults""#,
        "WITH `adults` AS (SELECT `user`.`id` FROM `user` WHERE `user`.`age` >= ?) SELECT `adults`.`id` FROM `adults`",
    );
    let feature = "common table expressions (WITH; MySQL 8.0.1, MariaDB 10.2.2 and later)";
    assert_unsupported(error(|d| compile_select(q.node(), d), &MySqlDialect::mysql((5, 7, 44))), feature, "MySQL");
    assert_unsupported(error(|d| compile_select(q.node(), d), &MySqlDialect::mariadb((10, 2, 1))), feature, "MariaDB");

    let counter = Cte::recursive("n").columns(["x"]);
    let x = counter.column::<ormcore::types::Integer>("x");
    let first = Select::constant(Expr::<ormcore::types::Integer>::value(1));
    let next = Select::from(counter.table()).columns(x.clone() + 1).where_(x.clone().lt(5));
    let counter = counter.query(first.union_all(next));
    let q = Select::from(counter.table()).columns(x).with(counter);
    assert_eq!(
        &*sql(|d| compile_select(q.node(), d), POSTGRES).sql,
        r#"WITH RECURSIVE "n" ("x") AS ((SELECT $1::int8) UNION ALL (SELECT "n"."x" + $2::int8 FROM "n" WHERE "n"."x" < $3::int8)) SELECT "n"."x" FROM "n""#
    );
}

/// What the first versions of CTEs, windows and row locks let through:
/// a member with CTEs of its own is a derived table on SQLite (bare, its
/// WITH would be a syntax error or cover the whole compound); a locked
/// compound member, a DISTINCT aggregate over a window and a recursive CTE
/// never given its query are misuse errors.
#[test]
fn ctes_windows_and_locks_at_their_edges() {
    let adults = Cte::new("adults", User::select().columns(User::ID).where_(User::AGE.ge(18)));
    let member = Select::from(adults.table()).columns(adults.column::<ormcore::types::Integer>("id")).with(adults);
    let q = User::select().columns(User::ID).union(member);
    assert_eq!(
        &*sql(|d| compile_compound(q.node(), d), SQLITE).sql,
        r#"SELECT "user"."id" FROM "user" UNION SELECT * FROM (WITH "adults" AS (SELECT "user"."id" FROM "user" WHERE "user"."age" >= ?) SELECT "adults"."id" FROM "adults") AS "_u1""#
    );
    let locked = User::select().columns(User::ID).for_update().union(User::select().columns(User::ID));
    for d in [SQLITE, POSTGRES, &MYSQL] {
        assert_interface(error(|d| compile_compound(locked.node(), d), d), "member of UNION");
    }
    let distinct = User::select().columns(func::count_distinct(User::AGE).over(Window::new()));
    assert_interface(error(|d| compile_select(distinct.node(), d), POSTGRES), "DISTINCT aggregate");
    let unfinished = Cte::recursive("n");
    let q =
        Select::from(unfinished.table()).columns(unfinished.column::<ormcore::types::Integer>("x")).with(unfinished);
    assert_interface(error(|d| compile_select(q.node(), d), POSTGRES), "Cte::query");
}
