//! The SQL compiler: one walk over the AST, one [`Dialect`] per backend.
//!
//! Every value becomes a bound parameter and every identifier is quoted;
//! the only SQL text that does not come from the AST is raw SQL the caller
//! wrote, and column defaults in DDL (which come from model attributes).
//!
//! ```
//! use ormcore::prelude::*;
//! use ormcore::query::TableRef;
//! use ormcore::sql::{self, MySqlDialect, PostgresDialect};
//! use ormcore::types::Text;
//! use ormcore::Value;
//!
//! let name: Expr<Text> = Expr::column("user", "name");
//! let users = TableRef::Table { name: "user".into(), alias: None };
//! let query = Select::from(users).where_(name.eq("alice"));
//!
//! let pg = sql::compile_select(query.node(), &PostgresDialect)?;
//! assert_eq!(&*pg.sql, r#"SELECT * FROM "user" WHERE "user"."name" = $1::text"#);
//! let my = sql::compile_select(query.node(), &MySqlDialect::mysql((8, 0, 36)))?;
//! assert_eq!(&*my.sql, "SELECT * FROM `user` WHERE `user`.`name` = ?");
//! assert_eq!(my.params, vec![Value::Text("alice".into())]);
//! # Ok::<(), ormcore::Error>(())
//! ```
//!
//! The compiler lives in small modules: [`SqlWriter`] (SQL and parameters
//! written together), the walks over expressions, queries and writes, raw
//! SQL placeholder renumbering, DDL, and the [`Dialect`] trait whose
//! defaults are standard SQL, overridden by [`SqliteDialect`],
//! [`PostgresDialect`] and [`MySqlDialect`] where they differ.

mod check;
pub(crate) mod ddl;
mod dialect;
mod dml;
mod expr;
mod json;
mod mysql;
mod postgres;
mod raw;
mod render;
mod select;
mod sqlite;
mod transaction;
mod writer;

use std::sync::Arc;

pub use check::ValueUse;
pub use dialect::{Dialect, NativePlaceholders};
pub use json::SQLITE_CONTAINS_FUNCTION;
pub use mysql::{MySqlDialect, MySqlFlavor};
pub use postgres::PostgresDialect;
pub use render::write_standard_literal;
pub use sqlite::SqliteDialect;
pub use transaction::{COMMIT, IsolationLevel, ROLLBACK, TxOp, TxOptions, transaction_sql};
pub use writer::SqlWriter;

use crate::error::Result;
use crate::query::node::{
    CompoundNode, DeleteNode, ExprNode, Ident, InsertNode, InsertSource, QueryNode, SelectNode, StatementNode,
    UpdateNode,
};
use crate::schema::TableMeta;
use crate::value::Value;

/// A compiled statement: SQL text with placeholders, and the values bound to
/// them in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// SQL text in the dialect's placeholder style. Shared: a statement
    /// the database caches is bound again without copying its text.
    pub sql: Arc<str>,
    /// Values for the placeholders, in order.
    pub params: Vec<Value>,
    /// Whether the statement can touch no session state: compiled by
    /// ormcore with no raw SQL and no function beyond the portable built-ins
    /// (a function such as `set_config` or `pg_advisory_lock` acts on the
    /// session). A connection that ran only such statements needs no reset
    /// before its next user. (The check reads the statement, not the
    /// database: a view that calls such a function is not seen.)
    pub session_free: bool,
    /// Whether the statement only reads: a compiled select without a row
    /// lock (`FOR UPDATE`). Only reads that
    /// are also session-free may run on a connection shared with other
    /// tasks ([`Backend::acquire_shared`](crate::backend::Backend::acquire_shared)).
    pub read_only: bool,
    /// Whether the statement may begin or end a transaction: raw SQL that
    /// does not start with a keyword the dialect knows to leave the
    /// transaction status alone
    /// ([`Dialect::keeps_transaction_status`]). A backend that tracks the
    /// status itself counts it as unknown after such a statement.
    pub controls_transaction: bool,
}

impl Statement {
    /// A statement of raw SQL: it may do anything, so it is neither
    /// session-free nor read-only.
    pub fn new(sql: impl Into<Arc<str>>, params: Vec<Value>) -> Self {
        Statement { sql: sql.into(), params, session_free: false, read_only: false, controls_transaction: true }
    }

    /// A statement ormcore compiled that writes or defines (DDL) and
    /// touches no session state.
    pub(crate) fn compiled_write(sql: impl Into<Arc<str>>, params: Vec<Value>) -> Self {
        Statement { sql: sql.into(), params, session_free: true, read_only: false, controls_transaction: false }
    }

    /// Whether the statement may run on a connection shared with other
    /// tasks: a session-free read.
    pub fn shareable(&self) -> bool {
        self.session_free && self.read_only
    }

    /// The SQL with each placeholder replaced by its value, written as a
    /// literal of `dialect` ([`Dialect::write_literal`]): for reading (a
    /// log line, a debugger, a bug report), **not for running**. The
    /// statement itself always goes to the database with its values bound
    /// as parameters, and nothing ormcore sends is ever rendered this way.
    ///
    /// Text is quoted with `'` doubled, and control characters (a newline,
    /// NUL, an escape sequence that could forge a log line or drive a
    /// terminal) are written as the dialect's escapes, never raw. A
    /// placeholder without a value is left as it is.
    ///
    /// ```
    /// use ormcore::query::TableRef;
    /// use ormcore::sql::{self, PostgresDialect, SqliteDialect};
    /// use ormcore::types::Text;
    /// use ormcore::prelude::*;
    ///
    /// let name: Expr<Text> = Expr::column("user", "name");
    /// let users = TableRef::Table { name: "user".into(), alias: None };
    /// let query = Select::from(users).where_(name.eq("O'Hara")).limit(5);
    ///
    /// let sqlite = SqliteDialect::new();
    /// let statement = sql::compile_select(query.node(), &sqlite)?;
    /// assert_eq!(&*statement.sql, r#"SELECT * FROM "user" WHERE "user"."name" = ? LIMIT 5"#);
    /// assert_eq!(statement.render(&sqlite), r#"SELECT * FROM "user" WHERE "user"."name" = 'O''Hara' LIMIT 5"#);
    ///
    /// let pg = sql::compile_select(query.node(), &PostgresDialect)?;
    /// assert_eq!(pg.render(&PostgresDialect), r#"SELECT * FROM "user" WHERE "user"."name" = 'O''Hara'::text LIMIT 5"#);
    /// # Ok::<(), ormcore::Error>(())
    /// ```
    pub fn render(&self, dialect: &dyn Dialect) -> String {
        render::render(self, dialect)
    }
}

/// Run one walk over a fresh writer and finish the statement.
fn compile(dialect: &dyn Dialect, walk: impl FnOnce(&mut SqlWriter<'_>) -> Result<()>) -> Result<Statement> {
    let mut writer = SqlWriter::new(dialect);
    walk(&mut writer)?;
    writer.finish()
}

/// Like [`compile`], for a statement that only reads (unless it locks the
/// rows it reads).
fn compile_read(dialect: &dyn Dialect, walk: impl FnOnce(&mut SqlWriter<'_>) -> Result<()>) -> Result<Statement> {
    let mut writer = SqlWriter::new(dialect);
    walk(&mut writer)?;
    writer.finish_as(true)
}

/// Compile a select or compound select.
pub fn compile_query(node: &QueryNode, dialect: &dyn Dialect) -> Result<Statement> {
    compile_read(dialect, |w| select::write_query(w, node))
}

/// Compile a select.
pub fn compile_select(node: &SelectNode, dialect: &dyn Dialect) -> Result<Statement> {
    compile_read(dialect, |w| select::write_select(w, node))
}

/// Compile a select of at most `at_most` rows: `LIMIT` the smaller of the
/// node's own limit and this one.
pub fn compile_select_limited(node: &SelectNode, at_most: u64, dialect: &dyn Dialect) -> Result<Statement> {
    compile_read(dialect, |w| select::write_select_limited(w, node, Some(at_most)))
}

/// Compile a compound select.
pub fn compile_compound(node: &CompoundNode, dialect: &dyn Dialect) -> Result<Statement> {
    compile_read(dialect, |w| select::write_compound(w, node))
}

/// Compile an insert.
pub fn compile_insert(node: &InsertNode, dialect: &dyn Dialect) -> Result<Statement> {
    compile(dialect, |w| dml::write_insert(w, node))
}

/// Compile an insert whose caller wants the new value of the
/// auto-increment column `key`: it comes back as the statement's one
/// returned column where the driver would not say which row the insert
/// touched (PostgreSQL, which reports no insert id; an upsert, which may
/// have updated instead), else as the driver's last insert id.
pub fn compile_insert_reporting_key(node: &InsertNode, key: &str, dialect: &dyn Dialect) -> Result<Statement> {
    let report = if node.returning.is_empty() && dml::key_by_returning(dialect, node.on_conflict.is_some()) {
        dml::KeyReport::Returning(key)
    } else {
        dml::KeyReport::InsertId(key)
    };
    compile(dialect, |w| dml::write_insert_reporting(w, node, report))
}

/// The statement a batch insert of `rows` rows of `columns` (positions in
/// `table.columns`) runs, with a placeholder for each value, row by row.
/// With `key` (the auto-increment column), the new keys come back: as rows
/// of `RETURNING key` when the template [`returns_keys`](InsertTemplate),
/// else as the driver's last insert id, which names one row only: a
/// template of several rows that wants keys needs `RETURNING`, and is
/// refused without it.
pub fn insert_template(
    table: &'static TableMeta,
    columns: &[usize],
    rows: usize,
    key: Option<&str>,
    dialect: &dyn Dialect,
) -> Result<InsertTemplate> {
    let returns_keys = key.is_some() && (rows > 1 || dml::key_by_returning(dialect, false));
    if returns_keys && !dialect.supports_insert_returning() {
        return Err(crate::error::Error::interface(format!(
            "{} cannot report the keys of a {rows}-row insert (no INSERT .. RETURNING): insert one row per statement",
            dialect.name()
        )));
    }
    let mut node = InsertNode::new(table.name);
    node.meta = Some(table);
    node.columns = columns.iter().map(|&i| Ident::from(table.columns[i].name)).collect();
    node.source = InsertSource::Values(vec![vec![ExprNode::Value(Value::Null); columns.len()]; rows]);
    let report = match key {
        Some(key) if returns_keys => dml::KeyReport::Returning(key),
        Some(key) => dml::KeyReport::InsertId(key),
        None => dml::KeyReport::None,
    };
    let statement = compile(dialect, |w| dml::write_insert_reporting(w, &node, report))?;
    Ok(InsertTemplate { sql: statement.sql, rows, returns_keys })
}

/// A batch insert's statement: see [`insert_template`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InsertTemplate {
    /// The SQL, with a placeholder for each value, row by row.
    pub sql: Arc<str>,
    /// How many rows it inserts.
    pub rows: usize,
    /// Whether it returns each new key as a row (`RETURNING key`).
    pub returns_keys: bool,
}

/// Compile an update.
pub fn compile_update(node: &UpdateNode, dialect: &dyn Dialect) -> Result<Statement> {
    compile(dialect, |w| dml::write_update(w, node))
}

/// Compile a delete.
pub fn compile_delete(node: &DeleteNode, dialect: &dyn Dialect) -> Result<Statement> {
    compile(dialect, |w| dml::write_delete(w, node))
}

/// Compile any statement.
pub fn compile_statement(node: &StatementNode, dialect: &dyn Dialect) -> Result<Statement> {
    match node {
        StatementNode::Query(query) => compile_query(query, dialect),
        StatementNode::Insert(insert) => compile_insert(insert, dialect),
        StatementNode::Update(update) => compile_update(update, dialect),
        StatementNode::Delete(delete) => compile_delete(delete, dialect),
        StatementNode::Raw { sql, params } => compile_raw(sql, params, dialect),
    }
}

/// Compile raw SQL with `?` placeholders (`??` is a literal `?`), or with
/// the database's [`NativePlaceholders`], passed through as written.
///
/// `?` placeholders are renumbered for the dialect (`$1, $2, ...` on
/// PostgreSQL); a `?` inside a string literal, a quoted identifier or a
/// comment is left alone. A count of placeholders different from the number
/// of `params` is an [`Error::Interface`](crate::Error::Interface).
pub fn compile_raw(sql: &str, params: &[Value], dialect: &dyn Dialect) -> Result<Statement> {
    let keyword = raw::leading_keyword(sql);
    let mut statement = compile(dialect, |w| {
        if !dialect.raw_keeps_session(&keyword) {
            w.depends_on_session();
        }
        raw::write_raw(w, sql, params, raw::RawUse::Statement)
    })?;
    statement.controls_transaction = !dialect.keeps_transaction_status(&keyword);
    Ok(statement)
}

/// Check a value bound for column `index` of `meta` without being compiled
/// into its statement (bulk inserts bind each batch into a statement
/// compiled once) as the compiler checks a value stored there; see
/// [`Dialect::value_limit`].
pub(crate) fn check_stored(dialect: &dyn Dialect, meta: &TableMeta, index: usize, value: &Value) -> Result<()> {
    let column = meta.column(index);
    check::check(dialect, value, check::Bound::stored(meta.name, column.name, Some(column.ty)))
}

/// Check a value compared with column `index` of `meta` (a lookup by key
/// bound into a statement compiled once) as the compiler checks a value
/// compared with a column.
pub(crate) fn check_compared(dialect: &dyn Dialect, meta: &TableMeta, index: usize, value: &Value) -> Result<()> {
    check::check(dialect, value, check::Bound::compared(Some(meta.name), meta.column(index).name))
}

/// `CREATE TABLE` and its `CREATE INDEX` statements; with `safe`, `IF NOT EXISTS`.
///
/// On MySQL the indexes and foreign keys are part of the `CREATE TABLE`
/// statement (see [`Dialect::table_level_constraints`]), so it returns one
/// statement there.
pub fn create_table(meta: &TableMeta, dialect: &dyn Dialect, safe: bool) -> Result<Vec<String>> {
    ddl::create_table(meta, dialect, safe)
}

/// `DROP TABLE`; with `safe`, `IF EXISTS`.
pub fn drop_table(meta: &TableMeta, dialect: &dyn Dialect, safe: bool) -> Result<Vec<String>> {
    ddl::drop_table(meta, dialect, safe)
}
