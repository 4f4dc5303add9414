//! Golden SQL: raw SQL placeholders, identifier quoting, parameter limits,
//! and the promise that no value ever reaches SQL text.

mod golden_common;

use golden_common::*;
use ormcore::Value;
use ormcore::prelude::*;
use ormcore::query::node::{SelectNode, StatementNode, TableRef};
use ormcore::query::*;
use ormcore::sql::{
    Dialect, MySqlDialect, PostgresDialect, SqliteDialect, Statement, compile_delete, compile_insert, compile_raw,
    compile_select, compile_statement, compile_update,
};
use ormcore::types::Text;

fn raw<'a>(sql: &'a str, params: &'a [Value]) -> impl Fn(&dyn Dialect) -> ormcore::Result<Statement> + 'a {
    move |d| compile_raw(sql, params, d)
}

#[test]
fn placeholders_are_renumbered_for_postgres() {
    let params = [Value::Int(1), text("x")];
    check_with(
        raw("SELECT * FROM t WHERE a = ? AND b = ?", &params),
        "SELECT * FROM t WHERE a = ? AND b = ?",
        "SELECT * FROM t WHERE a = $1 AND b = $2",
        "SELECT * FROM t WHERE a = ? AND b = ?",
        &params,
    );
    check_with(raw("SELECT 1", &[]), "SELECT 1", "SELECT 1", "SELECT 1", &[]);
    check(raw("?", &params[..1]), "?", "$1", "?");
}

#[test]
fn double_question_mark_is_a_literal() {
    let params = [text("k")];
    check_with(
        raw("SELECT doc ?? 'a' FROM t WHERE doc ?? ?", &params),
        "SELECT doc ? 'a' FROM t WHERE doc ? ?",
        "SELECT doc ? 'a' FROM t WHERE doc ? $1",
        "SELECT doc ? 'a' FROM t WHERE doc ? ?",
        &params,
    );
    // `???` is a literal followed by a placeholder.
    check(raw("a ??? b", &params), "a ?? b", "a ?$1 b", "a ?? b");
}

#[test]
fn question_marks_in_strings_names_and_comments_are_text() {
    let params = [Value::Int(1)];
    let sql = "SELECT '?', 'it''s ?', \"col?\", `x?` -- why?\nFROM t /* what? */ WHERE a = ?";
    check_with(
        raw(sql, &params),
        sql,
        "SELECT '?', 'it''s ?', \"col?\", `x?` -- why?\nFROM t /* what? */ WHERE a = $1",
        sql,
        &params,
    );
    // A trailing line comment and an unterminated block comment end the text.
    check(raw("SELECT ? -- and ?", &params), "SELECT ? -- and ?", "SELECT $1 -- and ?", "SELECT ? -- and ?");
    check(raw("SELECT ? /* ?", &params), "SELECT ? /* ?", "SELECT $1 /* ?", "SELECT ? /* ?");
    // A single dash or slash is an operator.
    check(raw("SELECT 2-?/?", &[Value::Int(1), Value::Int(2)]), "SELECT 2-?/?", "SELECT 2-$1/$2", "SELECT 2-?/?");
}

#[test]
fn backslash_escapes_only_on_mysql() {
    // On MySQL `\'` stays inside the string, so the `?` is text there; the
    // other dialects end the string at `\'` and see a placeholder.
    let sql = r"SELECT 'a\' , ? , \'b', ?";
    let one = [Value::Int(1)];
    let two = [Value::Int(1), Value::Int(2)];
    assert_eq!(&*compile_raw(sql, &one, &MYSQL).unwrap().sql, sql);
    assert_eq!(&*compile_raw(sql, &two, &PostgresDialect).unwrap().sql, r"SELECT 'a\' , $1 , \'b', $2");
    assert_eq!(&*compile_raw(sql, &two, &SqliteDialect::new()).unwrap().sql, sql);
}

#[test]
fn placeholder_count_mismatch_is_an_error() {
    for d in [SQLITE, POSTGRES, &MYSQL] {
        assert_interface(
            error(raw("SELECT ?, ?", &[Value::Int(1)]), d),
            "2 `?` placeholders but 1 parameter was given",
        );
        assert_interface(error(raw("SELECT '?'", &[Value::Int(1)]), d), "0 `?` placeholders but 1 parameter was given");
        assert_interface(error(raw("SELECT ??", &[Value::Int(1)]), d), "0 `?` placeholders");
        assert_interface(error(raw("SELECT ?", &[]), d), "1 `?` placeholder but 0 parameters");
    }
}

#[test]
fn raw_statement_node_and_builder() {
    let q = Raw::<(i64, String)>::new("SELECT id, name FROM users WHERE name LIKE ? ESCAPE '!'", vec![text("a%")]);
    check(
        |d| compile_statement(q.node(), d),
        "SELECT id, name FROM users WHERE name LIKE ? ESCAPE '!'",
        "SELECT id, name FROM users WHERE name LIKE $1 ESCAPE '!'",
        "SELECT id, name FROM users WHERE name LIKE ? ESCAPE '!'",
    );
    let node = StatementNode::Raw { sql: "DELETE FROM t WHERE id = ?".into(), params: vec![] };
    assert_interface(error(|d| compile_statement(&node, d), POSTGRES), "placeholder");
}

#[test]
fn raw_text_is_kept_byte_for_byte() {
    let sql = "SELECT 'héllo ✓', ? AS \"ünï\"";
    check(raw(sql, &[Value::Int(1)]), sql, "SELECT 'héllo ✓', $1 AS \"ünï\"", sql);
}

#[test]
fn identifiers_with_quotes_are_escaped() {
    let mut node = SelectNode::default();
    node.columns = vec![SelectItem::new(
        ExprNode::Column { table: Some("t\"a`b".into()), name: "c\"d`e".into() },
        Some("al\"i`as".into()),
    )];
    node.from = Some(TableRef::Table { name: "t\"a`b".into(), alias: None });
    check(
        |d| compile_select(&node, d),
        r#"SELECT "t""a`b"."c""d`e" AS "al""i`as" FROM "t""a`b""#,
        r#"SELECT "t""a`b"."c""d`e" AS "al""i`as" FROM "t""a`b""#,
        "SELECT `t\"a``b`.`c\"d``e` AS `al\"i``as` FROM `t\"a``b`",
    );
}

type Compile = Box<dyn Fn(&dyn Dialect) -> ormcore::Result<Statement>>;

const EVIL: &str = "'; DROP TABLE x; --\"`\\?";

/// Every way a value can enter a statement: it is always a parameter.
#[test]
fn values_never_reach_sql_text() {
    let evil = || EVIL.to_owned();
    let statements: Vec<Compile> = vec![
        Box::new(move |d| {
            let q = User::select()
                .columns((User::NAME, Expr::<Text>::value(evil()).alias("v")))
                .where_(User::NAME.eq(evil()).or(User::NAME.like(evil())).or(User::NAME.contains(EVIL)))
                .where_(User::NAME.in_([evil(), evil()]).and(User::NAME.between(evil(), evil())))
                .having(func::coalesce(User::NAME, evil()).ne(evil()))
                .order_by(Case::<Text>::new().when(User::NAME.eq(evil()), evil()).otherwise(evil()));
            compile_select(q.node(), d)
        }),
        Box::new(move |d| {
            let q = Insert::<User>::new()
                .set(User::NAME, evil())
                .on_conflict(User::NAME)
                .do_update_set([assign(User::NAME, User::NAME.concat(evil()))]);
            compile_insert(q.node(), d)
        }),
        Box::new(move |d| {
            let q = Update::<User>::new().set(User::NAME, evil()).where_(User::NAME.ne(evil()));
            compile_update(q.node(), d)
        }),
        Box::new(move |d| compile_delete(Delete::<User>::new().where_(User::NAME.eq(evil())).node(), d)),
        Box::new(move |d| compile_raw("SELECT ?", &[text(EVIL)], d)),
    ];
    for compile in &statements {
        for d in [SQLITE, POSTGRES, &MYSQL, &MARIADB] {
            let statement = compile(d).unwrap_or_else(|e| panic!("{}: {e}", d.name()));
            assert!(!statement.sql.contains("DROP"), "{}: {}", d.name(), statement.sql);
            assert!(!statement.params.is_empty());
            for p in &statement.params {
                if let Value::Text(s) = p {
                    assert!(s.contains("DROP TABLE x"), "unexpected parameter {s:?}");
                }
            }
        }
    }
}

#[test]
fn parameter_limit_is_checked() {
    let ids: Vec<i64> = (0..32767).collect();
    let q = User::select().columns(User::ID).where_(User::ID.in_(ids));
    assert_interface(
        error(|d| compile_select(q.node(), d), SQLITE),
        "statement binds 32767 parameters but SQLite allows at most 32766",
    );
    assert_eq!(sql(|d| compile_select(q.node(), d), POSTGRES).params.len(), 32767);
    let ids: Vec<i64> = (0..65536).collect();
    let q = User::select().columns(User::ID).where_(User::ID.in_(ids));
    assert_interface(error(|d| compile_select(q.node(), d), POSTGRES), "PostgreSQL allows at most 65535");
    assert_interface(error(|d| compile_select(q.node(), d), &MYSQL), "MySQL allows at most 65535");
}

#[test]
fn dialect_capabilities() {
    assert!(SqliteDialect::new().supports_insert_returning());
    assert!(PostgresDialect.supports_insert_returning());
    assert!(!MySqlDialect::mysql((8, 0, 36)).supports_insert_returning());
    assert!(MySqlDialect::mariadb((10, 5, 0)).supports_insert_returning());
    assert!(!MySqlDialect::mariadb((10, 4, 99)).supports_insert_returning());
    assert_eq!(SqliteDialect::new().max_params(), 32766);
    assert_eq!(PostgresDialect.max_params(), 65535);
    assert_eq!(MYSQL.max_params(), 65535);
    assert_eq!(
        (SqliteDialect::new().name(), PostgresDialect.name(), MYSQL.name(), MARIADB.name()),
        ("SQLite", "PostgreSQL", "MySQL", "MariaDB")
    );
}

/// Statements of the query builder with only the portable functions are
/// session-free (they may share a pipelined connection); raw SQL and other
/// functions are not.
#[test]
fn session_free_statements() {
    use ormcore::query::func;
    let plain = User::select().where_(User::NAME.eq("a")).columns(func::count_star());
    assert!(sql(|d| ormcore::sql::compile_select(plain.node(), d), POSTGRES).session_free);
    let lock = func::call("pg_advisory_lock").arg::<ormcore::types::Integer>(1).build::<ormcore::types::Integer>();
    let locking = User::select().columns(lock);
    assert!(!sql(|d| ormcore::sql::compile_select(locking.node(), d), POSTGRES).session_free);
    let fragment = User::select()
        .where_(ormcore::query::Expr::<ormcore::types::Bool>::raw("set_config('a', 'b', false) IS NOT NULL", vec![]));
    assert!(!sql(|d| ormcore::sql::compile_select(fragment.node(), d), POSTGRES).session_free);
    assert!(!sql(|d| ormcore::sql::compile_raw("SELECT 1", &[], d), POSTGRES).session_free);
}

#[test]
fn postgres_takes_its_own_numbered_placeholders() {
    let params = [Value::Int(1), text("x")];
    // What `Query::compile` produces for PostgreSQL runs as raw SQL.
    let sql = "SELECT * FROM t WHERE a = $1 AND b = $2 AND doc ? 'k' AND c = $1";
    let statement = compile_raw(sql, &params, &PostgresDialect).expect("native placeholders");
    assert_eq!((&*statement.sql, statement.params.as_slice()), (sql, &params[..]));
    // A `$n` in a string, a comment or a dollar-quoted body, or inside an
    // identifier, is no placeholder: these are portable `?` statements.
    let text_only = "SELECT '$1', \"a$1\", a$1, $$ $1 ? $$, $fn$ $2 $fn$ -- $3\nWHERE x = ?";
    let statement = compile_raw(text_only, &params[..1], &PostgresDialect).expect("portable placeholders");
    assert_eq!(&*statement.sql, "SELECT '$1', \"a$1\", a$1, $$ $1 ? $$, $fn$ $2 $fn$ -- $3\nWHERE x = $1");
    // Numbers must be exactly $1 to $n.
    for (sql, params) in [("SELECT $1, $3", &params[..]), ("SELECT $2", &params[..1]), ("SELECT $1", &params[..])] {
        let error = compile_raw(sql, params, &PostgresDialect).expect_err(sql);
        assert!(matches!(&error, ormcore::Error::Interface(m) if m.contains("number them $1 to")), "{sql}: {error}");
    }
    // Elsewhere `$1` is text, and counted as no placeholder.
    assert!(compile_raw("SELECT $1", &params[..1], &MYSQL).is_err());
}

#[test]
fn sqlite_takes_its_own_numbered_and_named_placeholders() {
    let params = [Value::Int(1), text("x")];
    for sql in ["SELECT ?1, ?2, ?1", "SELECT :a, @b", "SELECT $a, :b WHERE ':c' = \"$d\""] {
        let statement = compile_raw(sql, &params, &SqliteDialect::new()).expect(sql);
        assert_eq!((&*statement.sql, statement.params.as_slice()), (sql, &params[..]), "{sql}");
    }
    // `??` and `?` stay portable.
    let statement = compile_raw("SELECT ?, ??", &params[..1], &SqliteDialect::new()).expect("portable");
    assert_eq!(&*statement.sql, "SELECT ?, ?");
}

#[test]
fn raw_fragments_take_only_portable_placeholders() {
    let query = Select::<Value>::from_node(SelectNode::default()).columns(Expr::<Text>::raw("$1", vec![text("x")]));
    let error = query.compile(&PostgresDialect).expect_err("a fragment's placeholders are numbered by the statement");
    assert!(matches!(error, ormcore::Error::Interface(_)), "{error}");
}

// ---- attack7: holes in the raw-SQL scanner -------------------------------

/// A fragment's native placeholder names the *statement's* parameter: a
/// `$1` (PostgreSQL) or `?1` (SQLite) inside `Expr::raw` with no params
/// passes through as text and silently binds whatever value the statement
/// bound first. It should be refused, as `$1` with a param is.
#[test]
fn attack7_native_placeholder_in_a_fragment_is_refused() {
    let query = User::select()
        .where_(User::NAME.eq("bob"))
        .where_(Expr::<ormcore::types::Bool>::raw("\"user\".\"name\" <> $1", vec![]));
    let compiled = query.compile(&PostgresDialect);
    assert!(compiled.is_err(), "PostgreSQL fragment `$1` binds the statement's first value: {compiled:?}");
    let query = User::select()
        .where_(User::NAME.eq("bob"))
        .where_(Expr::<ormcore::types::Bool>::raw("\"user\".\"name\" <> ?1", vec![]));
    let compiled = query.compile(&SqliteDialect::new());
    assert!(compiled.is_err(), "SQLite fragment `?1` binds the statement's first value: {compiled:?}");
}

/// PostgreSQL nests block comments (`leading_keyword` knows it, the
/// placeholder scanner does not): the `?` and `$2` inside the outer comment
/// are counted, so valid SQL is refused, or a parameter is bound to a
/// placeholder PostgreSQL never sees.
#[test]
fn attack7_postgres_nested_comments_hide_their_placeholders() {
    let one = [Value::Int(1)];
    let portable = compile_raw("SELECT ? /* outer /* inner */ still a comment ? */", &one, &PostgresDialect);
    assert!(portable.is_ok(), "PostgreSQL sees one placeholder: {portable:?}");
    let native = compile_raw("SELECT $1 /* outer /* inner */ still a comment $2 */", &one, &PostgresDialect);
    assert!(native.is_ok(), "PostgreSQL sees only $1: {native:?}");
}

// ---- attack7b ------------------------------------------------------------

/// SQLite (like MS Access/SQL Server) quotes identifiers with `[...]`:
/// a `?` inside one is part of the name, not a placeholder. The scanner
/// counts it, so valid SQLite is refused ("1 `?` placeholder but 0
/// parameters were given").
#[test]
fn attack7b_sqlite_bracket_quoted_names_hide_their_question_marks() {
    let stmt = compile_raw("SELECT 1 AS [done?]", &[], &SqliteDialect::new());
    assert!(stmt.is_ok(), "SQLite sees no placeholder: {stmt:?}");
    let one = [Value::Int(1)];
    let stmt = compile_raw("SELECT ? AS [done?]", &one, &SqliteDialect::new());
    assert!(stmt.is_ok(), "SQLite sees one placeholder: {stmt:?}");
}
