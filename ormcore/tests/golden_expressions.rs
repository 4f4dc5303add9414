//! Golden SQL: expressions, compiled alone through `SqlWriter`, three
//! dialects side by side.

mod golden_common;

use golden_common::*;
use ormcore::Value;
use ormcore::prelude::*;
use ormcore::query::*;
use ormcore::sql::{Dialect, SqlWriter, Statement, compile_select};
use ormcore::types::{Bool, Float, Integer, Text};

/// Compile one expression on its own.
fn expr<T>(e: &Expr<T>) -> impl Fn(&dyn Dialect) -> ormcore::Result<Statement> + '_ {
    move |d| {
        let mut w = SqlWriter::new(d);
        w.push_expr(e.node())?;
        w.finish()
    }
}

fn node(n: &ExprNode) -> impl Fn(&dyn Dialect) -> ormcore::Result<Statement> + '_ {
    move |d| {
        let mut w = SqlWriter::new(d);
        w.push_expr(n)?;
        w.finish()
    }
}

#[test]
fn comparisons_and_boolean_nesting() {
    let e = User::AGE.ne(1).and(User::AGE.lt(2)).and(User::AGE.le(3)).or(User::AGE.gt(4).and(User::AGE.ge(5)));
    check_with(
        expr(&e),
        r#"(("user"."age" <> ?) AND ("user"."age" < ?) AND ("user"."age" <= ?)) OR (("user"."age" > ?) AND ("user"."age" >= ?))"#,
        r#"(("user"."age" <> $1::int8) AND ("user"."age" < $2::int8) AND ("user"."age" <= $3::int8)) OR (("user"."age" > $4::int8) AND ("user"."age" >= $5::int8))"#,
        "((`user`.`age` <> ?) AND (`user`.`age` < ?) AND (`user`.`age` <= ?)) OR ((`user`.`age` > ?) AND (`user`.`age` >= ?))",
        &[Value::Int(1), Value::Int(2), Value::Int(3), Value::Int(4), Value::Int(5)],
    );
    // Operators `&`, `|` and `!` build the same tree.
    let e = !(User::AGE.eq(1) | User::AGE.eq(2)) & User::NAME.eq("x");
    check(
        expr(&e),
        r#"(NOT (("user"."age" = ?) OR ("user"."age" = ?))) AND ("user"."name" = ?)"#,
        r#"(NOT (("user"."age" = $1::int8) OR ("user"."age" = $2::int8))) AND ("user"."name" = $3::text)"#,
        "(NOT ((`user`.`age` = ?) OR (`user`.`age` = ?))) AND (`user`.`name` = ?)",
    );
    // An AND chain grouped on the right is still written flat: AND is associative.
    let e = User::AGE.eq(1).and(User::AGE.eq(2).and(User::AGE.eq(3)));
    check(
        expr(&e),
        r#"("user"."age" = ?) AND ("user"."age" = ?) AND ("user"."age" = ?)"#,
        r#"("user"."age" = $1::int8) AND ("user"."age" = $2::int8) AND ("user"."age" = $3::int8)"#,
        "(`user`.`age` = ?) AND (`user`.`age` = ?) AND (`user`.`age` = ?)",
    );
}

#[test]
fn arithmetic_keeps_its_grouping() {
    let e = (User::AGE + 1) * 2 - User::ID % 3;
    check_with(
        expr(&e),
        r#"(("user"."age" + ?) * ?) - ("user"."id" % ?)"#,
        r#"(("user"."age" + $1::int8) * $2::int8) - ("user"."id" % $3::int8)"#,
        "((`user`.`age` + ?) * ?) - (`user`.`id` % ?)",
        &[Value::Int(1), Value::Int(2), Value::Int(3)],
    );
    // a - (b - c) must not become a - b - c.
    let e = User::AGE - (User::ID - 1) / 2;
    check(
        expr(&e),
        r#""user"."age" - (("user"."id" - ?) / ?)"#,
        r#""user"."age" - (("user"."id" - $1::int8) / $2::int8)"#,
        "`user`.`age` - ((`user`.`id` - ?) / ?)",
    );
}

#[test]
fn negation_never_writes_a_comment() {
    let e = -(-User::AGE);
    check(expr(&e), r#"-(-"user"."age")"#, r#"-(-"user"."age")"#, "-(-`user`.`age`)");
    let e = User::AGE - (-User::ID);
    check(
        expr(&e),
        r#""user"."age" - (-"user"."id")"#,
        r#""user"."age" - (-"user"."id")"#,
        "`user`.`age` - (-`user`.`id`)",
    );
    let e: Expr<Integer> = -Expr::<Integer>::value(5);
    check_with(expr(&e), "-?", "-$1::int8", "-?", &[Value::Int(5)]);
}

#[test]
fn is_null() {
    check(expr(&User::NAME.is_null()), r#""user"."name" IS NULL"#, r#""user"."name" IS NULL"#, "`user`.`name` IS NULL");
    check(
        expr(&User::NAME.is_not_null()),
        r#""user"."name" IS NOT NULL"#,
        r#""user"."name" IS NOT NULL"#,
        "`user`.`name` IS NOT NULL",
    );
    check(
        expr(&(User::AGE + 1).is_null()),
        r#"("user"."age" + ?) IS NULL"#,
        r#"("user"."age" + $1::int8) IS NULL"#,
        "(`user`.`age` + ?) IS NULL",
    );
    // Comparing with NULL is a NULL test, as in the reference (`== None`).
    let e = User::NAME.eq(None::<&str>);
    check_with(expr(&e), r#""user"."name" IS NULL"#, r#""user"."name" IS NULL"#, "`user`.`name` IS NULL", &[]);
    let e = User::NAME.ne(None::<&str>);
    check_with(
        expr(&e),
        r#""user"."name" IS NOT NULL"#,
        r#""user"."name" IS NOT NULL"#,
        "`user`.`name` IS NOT NULL",
        &[],
    );
    // Other comparisons with NULL stay as written (and match nothing).
    let e = User::NAME.lt(None::<&str>);
    check_with(expr(&e), r#""user"."name" < ?"#, r#""user"."name" < $1"#, "`user`.`name` < ?", &[Value::Null]);
}

#[test]
fn in_lists() {
    check_with(
        expr(&User::AGE.in_([1, 2, 3])),
        r#""user"."age" IN (?, ?, ?)"#,
        r#""user"."age" IN ($1::int8, $2::int8, $3::int8)"#,
        "`user`.`age` IN (?, ?, ?)",
        &[Value::Int(1), Value::Int(2), Value::Int(3)],
    );
    check(
        expr(&User::NAME.not_in(["a", "b"])),
        r#""user"."name" NOT IN (?, ?)"#,
        r#""user"."name" NOT IN ($1::text, $2::text)"#,
        "`user`.`name` NOT IN (?, ?)",
    );
}

#[test]
fn empty_in_lists_are_constants() {
    let e = User::AGE.in_(Vec::<i64>::new()).and(User::NAME.eq("x"));
    check_with(
        expr(&e),
        r#"(1 = 0) AND ("user"."name" = ?)"#,
        r#"(1 = 0) AND ("user"."name" = $1::text)"#,
        "(1 = 0) AND (`user`.`name` = ?)",
        &[text("x")],
    );
    let e = User::AGE.not_in(Vec::<i64>::new());
    check_with(expr(&e), "(1 = 1)", "(1 = 1)", "(1 = 1)", &[]);
    // The tested expression is not written, and neither are its values.
    let e = (User::AGE + 5).in_(Vec::<i64>::new());
    check_with(expr(&e), "(1 = 0)", "(1 = 0)", "(1 = 0)", &[]);
}

#[test]
fn in_subquery_and_exists() {
    let authors = Tweet::select().columns(Tweet::USER_ID).where_(Tweet::CONTENT.ne(""));
    check(
        expr(&User::ID.in_query(authors.clone())),
        r#""user"."id" IN (SELECT "tweet"."user_id" FROM "tweet" WHERE "tweet"."content" <> ?)"#,
        r#""user"."id" IN (SELECT "tweet"."user_id" FROM "tweet" WHERE "tweet"."content" <> $1::text)"#,
        "`user`.`id` IN (SELECT `tweet`.`user_id` FROM `tweet` WHERE `tweet`.`content` <> ?)",
    );
    check(
        expr(&User::ID.not_in_query(authors)),
        r#""user"."id" NOT IN (SELECT "tweet"."user_id" FROM "tweet" WHERE "tweet"."content" <> ?)"#,
        r#""user"."id" NOT IN (SELECT "tweet"."user_id" FROM "tweet" WHERE "tweet"."content" <> $1::text)"#,
        "`user`.`id` NOT IN (SELECT `tweet`.`user_id` FROM `tweet` WHERE `tweet`.`content` <> ?)",
    );
    let tweets = Tweet::select().columns(Tweet::ID).where_(Tweet::USER_ID.eq(User::ID));
    check(
        expr(&exists(tweets.clone())),
        r#"EXISTS (SELECT "tweet"."id" FROM "tweet" WHERE "tweet"."user_id" = "user"."id")"#,
        r#"EXISTS (SELECT "tweet"."id" FROM "tweet" WHERE "tweet"."user_id" = "user"."id")"#,
        "EXISTS (SELECT `tweet`.`id` FROM `tweet` WHERE `tweet`.`user_id` = `user`.`id`)",
    );
    check(
        expr(&not_exists(tweets.clone()).or(exists(tweets).not())),
        r#"NOT EXISTS (SELECT "tweet"."id" FROM "tweet" WHERE "tweet"."user_id" = "user"."id") OR (NOT EXISTS (SELECT "tweet"."id" FROM "tweet" WHERE "tweet"."user_id" = "user"."id"))"#,
        r#"NOT EXISTS (SELECT "tweet"."id" FROM "tweet" WHERE "tweet"."user_id" = "user"."id") OR (NOT EXISTS (SELECT "tweet"."id" FROM "tweet" WHERE "tweet"."user_id" = "user"."id"))"#,
        "NOT EXISTS (SELECT `tweet`.`id` FROM `tweet` WHERE `tweet`.`user_id` = `user`.`id`) OR (NOT EXISTS (SELECT `tweet`.`id` FROM `tweet` WHERE `tweet`.`user_id` = `user`.`id`))",
    );
}

#[test]
fn scalar_subquery() {
    let count =
        Expr::<Integer>::subquery(Tweet::select().columns(func::count_star()).where_(Tweet::USER_ID.eq(User::ID)));
    let e = count.gt(10);
    check_with(
        expr(&e),
        r#"(SELECT COUNT(*) FROM "tweet" WHERE "tweet"."user_id" = "user"."id") > ?"#,
        r#"(SELECT COUNT(*) FROM "tweet" WHERE "tweet"."user_id" = "user"."id") > $1::int8"#,
        "(SELECT COUNT(*) FROM `tweet` WHERE `tweet`.`user_id` = `user`.`id`) > ?",
        &[Value::Int(10)],
    );
}

#[test]
fn between() {
    check_with(
        expr(&User::AGE.between(18, 65)),
        r#""user"."age" BETWEEN ? AND ?"#,
        r#""user"."age" BETWEEN $1::int8 AND $2::int8"#,
        "`user`.`age` BETWEEN ? AND ?",
        &[Value::Int(18), Value::Int(65)],
    );
    check(
        expr(&User::AGE.not_between(User::ID + 1, 65)),
        r#""user"."age" NOT BETWEEN ("user"."id" + ?) AND ?"#,
        r#""user"."age" NOT BETWEEN ("user"."id" + $1::int8) AND $2::int8"#,
        "`user`.`age` NOT BETWEEN (`user`.`id` + ?) AND ?",
    );
}

#[test]
fn like_per_dialect() {
    check_with(
        expr(&User::NAME.like("a%")),
        r#""user"."name" LIKE ?"#,
        r#""user"."name" LIKE $1::text"#,
        "`user`.`name` LIKE BINARY ?",
        &[text("a%")],
    );
    check(
        expr(&User::NAME.not_like("a%")),
        r#""user"."name" NOT LIKE ?"#,
        r#""user"."name" NOT LIKE $1::text"#,
        "`user`.`name` NOT LIKE BINARY ?",
    );
    check(
        expr(&User::NAME.ilike("a%")),
        r#""user"."name" LIKE ?"#,
        r#""user"."name" ILIKE $1::text"#,
        "`user`.`name` LIKE ?",
    );
    let not_ilike = ExprNode::Like {
        expr: Box::new(User::NAME.node()),
        pattern: Box::new(ExprNode::Value(text("a%"))),
        case_insensitive: true,
        negated: true,
        escaped: false,
    };
    check(
        node(&not_ilike),
        r#""user"."name" NOT LIKE ?"#,
        r#""user"."name" NOT ILIKE $1::text"#,
        "`user`.`name` NOT LIKE ?",
    );
    check(
        expr(&func::lower(User::NAME).like("a%")),
        r#"LOWER("user"."name") LIKE ?"#,
        r#"LOWER("user"."name") LIKE $1::text"#,
        "LOWER(`user`.`name`) LIKE BINARY ?",
    );
}

#[test]
fn contains_startswith_endswith_escape_wildcards() {
    check_with(
        expr(&User::NAME.contains("50%_off!")),
        r#""user"."name" LIKE ? ESCAPE '!'"#,
        r#""user"."name" ILIKE $1::text ESCAPE '!'"#,
        "`user`.`name` LIKE ? ESCAPE '!'",
        &[text("%50!%!_off!!%")],
    );
    check_with(
        expr(&User::NAME.startswith("a_")),
        r#""user"."name" LIKE ? ESCAPE '!'"#,
        r#""user"."name" ILIKE $1::text ESCAPE '!'"#,
        "`user`.`name` LIKE ? ESCAPE '!'",
        &[text("a!_%")],
    );
    check_with(
        expr(&User::NAME.endswith("z")),
        r#""user"."name" LIKE ? ESCAPE '!'"#,
        r#""user"."name" ILIKE $1::text ESCAPE '!'"#,
        "`user`.`name` LIKE ? ESCAPE '!'",
        &[text("%z")],
    );
}

#[test]
fn concat() {
    check_with(
        expr(&User::NAME.concat("!")),
        r#""user"."name" || ?"#,
        r#""user"."name" || $1::text"#,
        "CONCAT(`user`.`name`, ?)",
        &[text("!")],
    );
    check(
        expr(&User::NAME.concat(" ").concat(User::NAME).eq("a a")),
        r#"(("user"."name" || ?) || "user"."name") = ?"#,
        r#"(("user"."name" || $1::text) || "user"."name") = $2::text"#,
        // Parenthesized as every binary operand is, though MySQL writes a call.
        "(CONCAT(CONCAT(`user`.`name`, ?), `user`.`name`)) = ?",
    );
}

#[test]
fn aggregate_and_scalar_helpers() {
    let cases: Vec<(ExprNode, &str, &str, &str)> = vec![
        (func::count_star().into_node(), "COUNT(*)", "COUNT(*)", "COUNT(*)"),
        (
            func::count(User::NAME).into_node(),
            r#"COUNT("user"."name")"#,
            r#"COUNT("user"."name")"#,
            "COUNT(`user`.`name`)",
        ),
        (
            func::count_distinct(User::NAME).into_node(),
            r#"COUNT(DISTINCT "user"."name")"#,
            r#"COUNT(DISTINCT "user"."name")"#,
            "COUNT(DISTINCT `user`.`name`)",
        ),
        (func::sum(User::AGE).into_node(), r#"SUM("user"."age")"#, r#"SUM("user"."age")"#, "SUM(`user`.`age`)"),
        (func::avg(User::AGE).into_node(), r#"AVG("user"."age")"#, r#"AVG("user"."age")"#, "AVG(`user`.`age`)"),
        (func::min(User::AGE).into_node(), r#"MIN("user"."age")"#, r#"MIN("user"."age")"#, "MIN(`user`.`age`)"),
        (func::max(User::NAME).into_node(), r#"MAX("user"."name")"#, r#"MAX("user"."name")"#, "MAX(`user`.`name`)"),
        (
            func::lower(User::NAME).into_node(),
            r#"LOWER("user"."name")"#,
            r#"LOWER("user"."name")"#,
            "LOWER(`user`.`name`)",
        ),
        (
            func::upper(User::NAME).into_node(),
            r#"UPPER("user"."name")"#,
            r#"UPPER("user"."name")"#,
            "UPPER(`user`.`name`)",
        ),
        (
            func::length(User::NAME).into_node(),
            r#"LENGTH("user"."name")"#,
            r#"LENGTH("user"."name")"#,
            "CHAR_LENGTH(`user`.`name`)",
        ),
        (
            func::abs(User::AGE - 1).into_node(),
            r#"ABS("user"."age" - ?)"#,
            r#"ABS("user"."age" - $1::int8)"#,
            "ABS(`user`.`age` - ?)",
        ),
        (
            func::coalesce(User::NAME, "anon").into_node(),
            r#"COALESCE("user"."name", ?)"#,
            r#"COALESCE("user"."name", $1::text)"#,
            "COALESCE(`user`.`name`, ?)",
        ),
        (
            ExprNode::Function {
                name: "COUNT".into(),
                args: vec![ExprNode::Star(Some("user".into()))],
                distinct: false,
            },
            r#"COUNT("user".*)"#,
            r#"COUNT("user".*)"#,
            "COUNT(`user`.*)",
        ),
    ];
    for (n, sqlite, pg, mysql) in &cases {
        check(node(n), sqlite, pg, mysql);
    }
}

#[test]
fn any_function_by_name() {
    let e = func::call("json_extract").arg(User::NAME).arg("$.a").build::<Text>();
    check_with(
        expr(&e),
        r#"json_extract("user"."name", ?)"#,
        r#"json_extract("user"."name", $1::text)"#,
        "json_extract(`user`.`name`, ?)",
        &[text("$.a")],
    );
    let e = func::call("random").build::<Float>();
    check(expr(&e), "random()", "random()", "random()");
    let e = func::call("group_concat").arg(User::NAME).distinct().build::<Text>();
    check(
        expr(&e),
        r#"group_concat(DISTINCT "user"."name")"#,
        r#"group_concat(DISTINCT "user"."name")"#,
        "group_concat(DISTINCT `user`.`name`)",
    );
    let e = func::call("pg_catalog.lower").arg(User::NAME).build::<Text>();
    check(
        expr(&e),
        r#"pg_catalog.lower("user"."name")"#,
        r#"pg_catalog.lower("user"."name")"#,
        "pg_catalog.lower(`user`.`name`)",
    );
    // Only the portable helper's upper-case LENGTH is mapped on MySQL.
    let e = func::call("length").arg(User::NAME).build::<Integer>();
    assert_eq!(&*sql(expr(&e), &MYSQL).sql, "length(`user`.`name`)");
}

#[test]
fn bad_function_names_are_rejected() {
    for name in ["lower(x); DROP TABLE user; --", "", "a b", "f(", "ünïcode", ".x", "x.", "count\"", "x`y", "a\nb"] {
        let e = func::call(name).arg(User::NAME).build::<Text>();
        for d in [SQLITE, POSTGRES, &MYSQL] {
            assert_interface(error(expr(&e), d), "invalid SQL function name");
        }
    }
}

#[test]
fn searched_and_simple_case() {
    let e: Expr<Text> = Case::new().when(User::AGE.lt(18), "minor").when(User::AGE.lt(65), "adult").otherwise("senior");
    check_with(
        expr(&e),
        r#"CASE WHEN "user"."age" < ? THEN ? WHEN "user"."age" < ? THEN ? ELSE ? END"#,
        r#"CASE WHEN "user"."age" < $1::int8 THEN $2::text WHEN "user"."age" < $3::int8 THEN $4::text ELSE $5::text END"#,
        "CASE WHEN `user`.`age` < ? THEN ? WHEN `user`.`age` < ? THEN ? ELSE ? END",
        &[Value::Int(18), text("minor"), Value::Int(65), text("adult"), text("senior")],
    );
    let e = Case::<Text>::on(User::AGE).when_value(1, "one").when_value(2, "two").end();
    check(
        expr(&e),
        r#"CASE "user"."age" WHEN ? THEN ? WHEN ? THEN ? END"#,
        r#"CASE "user"."age" WHEN $1::int8 THEN $2::text WHEN $3::int8 THEN $4::text END"#,
        "CASE `user`.`age` WHEN ? THEN ? WHEN ? THEN ? END",
    );
    let e = Case::<Integer>::on(User::AGE + 1).when_value(1, User::ID).otherwise(0).eq(3);
    check(
        expr(&e),
        r#"CASE "user"."age" + ? WHEN ? THEN "user"."id" ELSE ? END = ?"#,
        r#"CASE "user"."age" + $1::int8 WHEN $2::int8 THEN "user"."id" ELSE $3::int8 END = $4::int8"#,
        "CASE `user`.`age` + ? WHEN ? THEN `user`.`id` ELSE ? END = ?",
    );
    let empty = Case::<Text>::new().end();
    assert_interface(error(expr(&empty), SQLITE), "WHEN");
}

#[test]
fn cast_type_names() {
    let cases = [
        (CastType::Integer, "INTEGER", "BIGINT", "SIGNED"),
        (CastType::Float, "REAL", "DOUBLE PRECISION", "DOUBLE"),
        (CastType::Text, "TEXT", "TEXT", "CHAR"),
        (CastType::Bytes, "BLOB", "BYTEA", "BINARY"),
        (CastType::Decimal(10, 2), "NUMERIC(10, 2)", "NUMERIC(10, 2)", "DECIMAL(10, 2)"),
        (CastType::Date, "DATE", "DATE", "DATE"),
        (CastType::DateTime, "TEXT", "TIMESTAMP", "DATETIME"),
    ];
    for (to, sqlite, pg, mysql) in cases {
        let e = User::NAME.cast::<Text>(to);
        check(
            expr(&e),
            &format!(r#"CAST("user"."name" AS {sqlite})"#),
            &format!(r#"CAST("user"."name" AS {pg})"#),
            &format!("CAST(`user`.`name` AS {mysql})"),
        );
    }
    let e = (User::AGE + 1).cast::<Text>(CastType::Text).eq("2");
    check(
        expr(&e),
        r#"CAST("user"."age" + ? AS TEXT) = ?"#,
        r#"CAST("user"."age" + $1::int8 AS TEXT) = $2::text"#,
        "CAST(`user`.`age` + ? AS CHAR) = ?",
    );
}

#[test]
fn raw_fragments_continue_the_numbering() {
    let raw = Expr::<Bool>::raw("json_valid(?) AND ? > 1", vec![text("{}"), Value::Int(2)]);
    let e = User::AGE.gt(1).and(raw).and(User::NAME.eq("z"));
    check_with(
        expr(&e),
        r#"("user"."age" > ?) AND (json_valid(?) AND ? > 1) AND ("user"."name" = ?)"#,
        r#"("user"."age" > $1::int8) AND (json_valid($2) AND $3 > 1) AND ("user"."name" = $4::text)"#,
        "(`user`.`age` > ?) AND (json_valid(?) AND ? > 1) AND (`user`.`name` = ?)",
        &[Value::Int(1), text("{}"), Value::Int(2), text("z")],
    );
    // A raw projection is not parenthesized.
    let q = User::select().columns(Expr::<Integer>::raw("1 + ?", vec![Value::Int(1)]).alias("two"));
    check(
        |d| compile_select(q.node(), d),
        r#"SELECT 1 + ? AS "two" FROM "user""#,
        r#"SELECT 1 + $1 AS "two" FROM "user""#,
        "SELECT 1 + ? AS `two` FROM `user`",
    );
    let bad = Expr::<Bool>::raw("? = ?", vec![Value::Int(1)]);
    assert_interface(error(expr(&bad), POSTGRES), "2 `?` placeholders but 1 parameter");
}

#[test]
fn excluded_outside_an_upsert_is_an_error() {
    let e = User::AGE.eq(excluded(User::AGE));
    for d in [SQLITE, POSTGRES, &MYSQL] {
        assert_interface(error(expr(&e), d), "upsert");
    }
    let q = User::select().where_(e);
    assert_interface(error(|d| compile_select(q.node(), d), SQLITE), "upsert");
}

#[test]
fn boolean_values_are_parameters() {
    let e = Expr::<Bool>::value(true).and(false);
    check_with(expr(&e), "? AND ?", "$1::bool AND $2::bool", "? AND ?", &[Value::Bool(true), Value::Bool(false)]);
    let e = Expr::<Float>::value(1.5).gt(User::AGE.cast::<Float>(CastType::Float));
    check_with(
        expr(&e),
        r#"? > CAST("user"."age" AS REAL)"#,
        r#"$1::float8 > CAST("user"."age" AS DOUBLE PRECISION)"#,
        "? > CAST(`user`.`age` AS DOUBLE)",
        &[Value::Float(1.5)],
    );
}

/// PostgreSQL cannot infer a parameter's type in every context (`SELECT
/// $1`, `CASE .. THEN $1`, `INSERT .. SELECT $1`), so values of the query
/// builder carry their type; NULL and raw SQL parameters stay untyped.
#[test]
fn postgres_placeholders_carry_the_value_type() {
    let values = [
        (Value::Bool(true), "$1::bool"),
        (Value::Int(1), "$1::int8"),
        (Value::Float(1.5), "$1::float8"),
        (Value::Text("x".into()), "$1::text"),
        (Value::Bytes(vec![1]), "$1::bytea"),
        (Value::Null, "$1"),
    ];
    for (value, placeholder) in values {
        let node = ExprNode::Value(value);
        let statement = sql(node_statement(&node), POSTGRES);
        assert_eq!(&*statement.sql, format!("SELECT {placeholder}"));
    }
    let raw = sql(|d| ormcore::sql::compile_raw("SELECT ?", &[Value::Int(1)], d), POSTGRES);
    assert_eq!(&*raw.sql, "SELECT $1");
}

fn node_statement(node: &ExprNode) -> impl Fn(&dyn Dialect) -> ormcore::Result<ormcore::sql::Statement> + '_ {
    move |d| {
        let mut select = ormcore::query::node::SelectNode::default();
        select.columns = vec![ormcore::query::SelectItem::new(node.clone(), None)];
        ormcore::sql::compile_select(&select, d)
    }
}
