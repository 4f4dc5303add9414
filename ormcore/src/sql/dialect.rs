//! The [`Dialect`] trait: every rule that differs between databases, as a
//! hook with a default. The defaults are standard SQL as PostgreSQL speaks
//! it; each dialect is a small struct overriding what differs, and an
//! override can fall back on the shared functions the defaults call.

use std::borrow::Cow;

use super::{SqlWriter, ValueUse, ddl, dml, json, select};
use crate::error::{Error, Result};
use crate::query::node::{CastType, CompoundOp, ExprNode, InsertSource, JsonNode, OnConflict, QueryNode};
use crate::schema::ColumnType;
use crate::schema::DefaultValue;
use crate::value::Value;

/// The rules of one SQL dialect, used by the compiler in [`crate::sql`].
///
/// Implemented in this crate by [`SqliteDialect`](super::SqliteDialect),
/// [`PostgresDialect`](super::PostgresDialect) and
/// [`MySqlDialect`](super::MySqlDialect); a backend hands one of them out and
/// never renders SQL itself. Implementations must keep the compiler's
/// promises: every value goes through [`SqlWriter::push_param`], every name
/// through [`SqlWriter::push_ident`], and what the dialect cannot express is
/// an [`Error::Unsupported`], never a panic or a silent omission.
///
/// The trait is object safe: the compiler takes `&dyn Dialect`.
pub trait Dialect: Send + Sync + std::fmt::Debug + 'static {
    /// The dialect's name, for error messages.
    fn name(&self) -> &'static str;

    /// The database as OpenTelemetry's `db.system` attribute names it
    /// (`sqlite`, `postgresql`, `mysql`, `mariadb`): the `db.system` field
    /// of the statement span ([`crate::trace`]). The default is
    /// OpenTelemetry's value for any other SQL database, `other_sql`.
    fn system(&self) -> &'static str {
        "other_sql"
    }

    // ---- capabilities -------------------------------------------------

    /// The most parameters one statement may bind. Statements binding more
    /// fail to compile with [`Error::Interface`]; batch helpers size their
    /// batches by it.
    fn max_params(&self) -> usize {
        65535
    }

    /// Whether `INSERT ... RETURNING` is available.
    fn supports_insert_returning(&self) -> bool {
        true
    }

    /// Whether a plain insert learns its new auto-increment key through
    /// `RETURNING` (PostgreSQL, which reports no last insert id) rather
    /// than from the driver.
    fn insert_id_by_returning(&self) -> bool {
        false
    }

    /// Whether `UPDATE ... RETURNING` is available.
    fn supports_update_returning(&self) -> bool {
        true
    }

    /// Whether `DELETE ... RETURNING` is available.
    fn supports_delete_returning(&self) -> bool {
        true
    }

    /// Whether this compound operator is available.
    fn supports_compound(&self, op: CompoundOp) -> bool {
        let _ = op;
        true
    }

    /// Whether common table expressions (`WITH [RECURSIVE]`) are
    /// available (SQLite, PostgreSQL: yes).
    fn supports_ctes(&self) -> bool {
        true
    }

    /// Whether `OVER (..)` window functions are available (SQLite 3.25,
    /// which ormcore bundles, PostgreSQL: yes).
    fn supports_window_functions(&self) -> bool {
        true
    }

    // ---- lexical rules ------------------------------------------------

    /// The character identifiers are quoted with; an embedded one is doubled.
    fn identifier_quote(&self) -> char {
        '"'
    }

    /// Whether a backslash escapes the next character inside string literals
    /// (MySQL's default). Raw SQL scanning and DDL text defaults follow it.
    fn backslash_escapes(&self) -> bool {
        false
    }

    /// Whether `$tag$ .. $tag$` quotes a string (PostgreSQL); the raw-SQL
    /// scanner skips such strings.
    fn dollar_quotes(&self) -> bool {
        false
    }

    /// Whether `[name]` quotes an identifier (SQLite, for compatibility with
    /// SQL Server); the raw-SQL scanner skips such names.
    fn bracket_quotes(&self) -> bool {
        false
    }

    /// Whether block comments nest (PostgreSQL: `/* a /* b */ c */` is one
    /// comment); the raw-SQL scanner follows it.
    fn nests_block_comments(&self) -> bool {
        false
    }

    /// The placeholder style the database takes natively, which raw SQL
    /// may use instead of ormcore's portable `?` (none by default).
    fn native_placeholders(&self) -> NativePlaceholders {
        NativePlaceholders::None
    }

    /// Append placeholder number `index` (counting from 1), for a parameter
    /// of raw SQL, whose author owns its typing.
    fn write_placeholder(&self, sql: &mut String, index: usize) {
        let _ = index;
        sql.push('?');
    }

    /// Append placeholder number `index` for `value`, a value of the query
    /// builder. Dialects whose server infers parameter types from context,
    /// and cannot in some (PostgreSQL: `SELECT $1`, `CASE .. THEN $1`,
    /// `INSERT .. SELECT $1`, `$1 || $2`), type it here.
    fn write_typed_placeholder(&self, sql: &mut String, index: usize, value: &Value) {
        let _ = value;
        self.write_placeholder(sql, index);
    }

    /// Append `value` as a SQL literal, for [`Statement::render`](super::Statement::render):
    /// a rendering for people to read (a log, a debugger), never for the
    /// database to run. The default writes standard SQL; see
    /// [`write_standard_literal`](super::write_standard_literal).
    fn write_literal(&self, out: &mut String, value: &Value) {
        super::render::write_standard_literal(self, out, value);
    }

    /// Why this dialect's database would not keep `value` exactly where it
    /// is bound for `usage`: the limit to name in the error, such as
    /// `"PostgreSQL keeps time to the microsecond"`; `None` when it keeps
    /// it. The compiler asks for every value it binds, raw SQL parameters
    /// included, and refuses the statement with an [`Error::Interface`]
    /// naming the value, the column where it knows one, and this limit,
    /// before anything is sent. The default keeps everything.
    fn value_limit(&self, value: &Value, usage: ValueUse) -> Option<Cow<'static, str>> {
        let _ = (value, usage);
        None
    }

    /// How deep this dialect's database nests the arrays and objects of a
    /// JSON document it stores: deeper ones are refused before anything is
    /// sent, as [`value_limit`](Dialect::value_limit)'s are. The default
    /// is the deepest ormcore reads back, 127 levels (serde_json's parser
    /// stops at 128); a dialect whose database stops sooner says so.
    fn json_depth(&self) -> usize {
        super::check::JSON_DEPTH
    }

    // ---- expressions --------------------------------------------------

    /// The name to call a function by. Only used to map the portable helpers
    /// of [`crate::query::func`] onto a backend's spelling.
    fn function_name<'n>(&self, name: &'n str) -> &'n str {
        name
    }

    /// The `LIKE` operator for a case-insensitive or case-sensitive match.
    fn like_operator(&self, case_insensitive: bool) -> &'static str {
        let _ = case_insensitive;
        "LIKE"
    }

    /// Text concatenation, `left || right` by default.
    fn write_concat(&self, w: &mut SqlWriter<'_>, left: &ExprNode, right: &ExprNode) -> Result<()> {
        w.push_operand(left)?;
        w.push(" || ");
        w.push_operand(right)
    }

    /// The type name `CAST(.. AS <name>)` uses.
    fn cast_type(&self, to: CastType) -> Cow<'static, str> {
        match to {
            CastType::Integer => "BIGINT".into(),
            CastType::Float => "DOUBLE PRECISION".into(),
            CastType::Text => "TEXT".into(),
            CastType::Bytes => "BYTEA".into(),
            CastType::Decimal(p, s) => format!("NUMERIC({p}, {s})").into(),
            CastType::Date => "DATE".into(),
            CastType::DateTime => "TIMESTAMP".into(),
        }
    }

    /// A JSON operation: PostgreSQL's `jsonb` operators and functions.
    fn write_json(&self, w: &mut SqlWriter<'_>, node: &JsonNode) -> Result<()> {
        json::write_postgres(w, node)
    }

    /// The value an upsert proposed for `column`: `excluded."column"`.
    fn write_excluded(&self, w: &mut SqlWriter<'_>, column: &str) {
        w.push("excluded.");
        w.push_ident(column);
    }

    // ---- queries ------------------------------------------------------

    /// ` LIMIT n OFFSET m`, either part optional; nothing when both are
    /// `None`.
    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        select::write_limit_offset_common(w, limit, offset);
    }

    /// One side of a compound select, parenthesized by default.
    /// `is_left` tells the left member from the right one.
    fn write_compound_member(&self, w: &mut SqlWriter<'_>, member: &QueryNode, is_left: bool) -> Result<()> {
        let _ = is_left;
        if select::has_ctes(member) {
            // `(WITH .. SELECT ..) UNION ..` is a syntax error on MariaDB.
            w.push("(");
            select::write_member_derived(w, member)?;
            w.push(")");
            return Ok(());
        }
        select::write_member_parenthesized(w, member)
    }

    // ---- writes -------------------------------------------------------

    /// `INSERT INTO ` (the keyword may depend on the conflict clause).
    fn write_insert_into(&self, w: &mut SqlWriter<'_>, on_conflict: Option<&OnConflict>) {
        let _ = on_conflict;
        w.push("INSERT INTO ");
    }

    /// The rows of an insert, after the column list.
    fn write_insert_source(
        &self,
        w: &mut SqlWriter<'_>,
        source: &InsertSource,
        on_conflict: Option<&OnConflict>,
    ) -> Result<()> {
        let _ = on_conflict;
        dml::write_insert_source_common(w, source)
    }

    /// The ` ON CONFLICT ...` clause of an insert.
    fn write_on_conflict(&self, w: &mut SqlWriter<'_>, on_conflict: &OnConflict) -> Result<()> {
        dml::write_on_conflict_common(w, on_conflict)
    }

    /// Written after an upsert's update list when its caller learns the
    /// row's auto-increment `key` column of `table` from the driver's last
    /// insert id rather than from `RETURNING`, so that an upsert that
    /// updated reports the row it updated: MySQL's
    /// `, table.key = LAST_INSERT_ID(table.key)`. The default writes nothing
    /// (the other dialects report upsert keys through `RETURNING`).
    fn write_upsert_reports_key(&self, w: &mut SqlWriter<'_>, table: &str, key: &str) {
        let _ = (w, table, key);
    }

    /// A select's row lock, after its `LIMIT`: standard SQL's ` FOR UPDATE
    /// [NOWAIT | SKIP LOCKED]` by default.
    fn write_row_lock(&self, w: &mut SqlWriter<'_>, lock: &crate::query::RowLock) -> Result<()> {
        super::select::write_row_lock_common(w, lock);
        Ok(())
    }

    // ---- transactions -------------------------------------------------

    /// The statement that starts a transaction with `options` (standard
    /// SQL, as PostgreSQL spells it).
    fn begin_transaction(&self, options: &super::TxOptions) -> Result<String> {
        let mut sql = String::from("BEGIN");
        if let Some(level) = options.isolation {
            sql.push_str(" ISOLATION LEVEL ");
            sql.push_str(level.as_sql());
        }
        if options.read_only {
            sql.push_str(" READ ONLY");
        }
        if options.deferrable {
            sql.push_str(" DEFERRABLE");
        }
        Ok(sql)
    }

    /// Whether raw SQL that starts with `keyword` (upper case) leaves the
    /// transaction status as it was: a query or a write may fail (and so
    /// abort a transaction) but never begins or ends one. Anything this
    /// does not list may (`BEGIN`, `COMMIT`, `CALL` and `DO` with
    /// transaction control, DDL where it commits implicitly). The default
    /// lists what no dialect lets begin or end a transaction.
    fn keeps_transaction_status(&self, keyword: &str) -> bool {
        matches!(keyword, "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "WITH" | "VALUES" | "TABLE" | "SHOW" | "EXPLAIN")
    }

    /// Whether raw SQL that starts with `keyword` (upper case) cannot
    /// change the connection's session state, so that a connection that
    /// ran it needs no reset before its next user. The default: never
    /// (PostgreSQL's `SELECT set_config(..)` is a plain query).
    fn raw_keeps_session(&self, keyword: &str) -> bool {
        let _ = keyword;
        false
    }

    // ---- DDL ----------------------------------------------------------

    /// The column type for `ty`. `indexed` tells whether the column is part
    /// of a key, an index or a foreign key (MySQL cannot index `TEXT`).
    fn column_type(&self, ty: ColumnType, indexed: bool) -> Cow<'static, str> {
        let _ = indexed;
        ddl::column_type_common(ty)
    }

    /// What follows the column name (`name`, unquoted) of a single
    /// auto-increment key. The keys the database assigns must stay within
    /// the column's type: a key the Rust field cannot hold would be a row
    /// inserted and then reported as failed.
    fn auto_increment_column(&self, name: &str, ty: ColumnType) -> Result<Cow<'static, str>> {
        let _ = name;
        match ty {
            ColumnType::SmallInt => Ok("SMALLSERIAL NOT NULL PRIMARY KEY".into()),
            ColumnType::Integer => Ok("SERIAL NOT NULL PRIMARY KEY".into()),
            ColumnType::BigInt => Ok("BIGSERIAL NOT NULL PRIMARY KEY".into()),
            _ => Err(Error::interface(format!("an auto-increment key must be an integer column, not {ty:?}"))),
        }
    }

    /// A boolean literal in DDL.
    fn bool_literal(&self, value: bool) -> &'static str {
        if value { "TRUE" } else { "FALSE" }
    }

    /// The current time as a default for a column of type `ty`: the date
    /// alone for a date column and the time of day alone for a time one
    /// (SQLite would otherwise store a timestamp in them, which no longer
    /// reads as a date or a time).
    fn current_timestamp(&self, ty: ColumnType) -> &'static str {
        match ty {
            ColumnType::Date => "CURRENT_DATE",
            ColumnType::Time => "CURRENT_TIME",
            _ => "CURRENT_TIMESTAMP",
        }
    }

    /// ` DEFAULT <literal>` for a column of type `ty`.
    fn write_default(&self, out: &mut String, default: &DefaultValue, ty: ColumnType, indexed: bool) -> Result<()> {
        let _ = indexed;
        out.push_str(" DEFAULT ");
        ddl::write_default_literal(self, out, default, ty)
    }

    /// Whether foreign keys and indexes are written inside `CREATE TABLE`
    /// as table constraints (MySQL ignores inline `REFERENCES` and has no
    /// `CREATE INDEX IF NOT EXISTS`) rather than as column constraints and
    /// separate `CREATE INDEX` statements.
    fn table_level_constraints(&self) -> bool {
        false
    }

    /// Text appended after the closing parenthesis of `CREATE TABLE`.
    fn create_table_options(&self) -> &'static str {
        ""
    }

    /// Whether DDL runs inside a transaction, so that the statements of one
    /// `acreate_tables` take effect together or not at all. MySQL commits
    /// each one implicitly.
    fn transactional_ddl(&self) -> bool {
        true
    }

    /// Whether a transaction that starts writing waits for another writer
    /// to finish, as a single statement does; SQLite's deferred ones fail
    /// at once instead, so work that must not fail under concurrency (the
    /// DDL of `acreate_tables`) runs there statement by statement unless a
    /// transaction is open already.
    fn transactions_wait_for_writers(&self) -> bool {
        true
    }

    /// Whether `CREATE TABLE` refuses a foreign key to a table that does
    /// not exist yet, so that the keys of tables referencing each other are
    /// added once both exist. SQLite checks keys only when rows are written.
    fn foreign_keys_need_their_table(&self) -> bool {
        true
    }

    /// Whether one `DROP TABLE a, b` drops tables whatever keys they hold
    /// to each other (PostgreSQL); elsewhere those keys are dropped first,
    /// by the names [`foreign_keys_query`](Self::foreign_keys_query) finds.
    fn drops_tables_together(&self) -> bool {
        true
    }

    /// A statement that defers foreign-key checks to the end of the
    /// transaction it runs in, for dropping tables whose rows reference
    /// each other where `DROP TABLE` deletes the rows first and checks keys
    /// (SQLite: `PRAGMA defer_foreign_keys`, which the commit turns off).
    fn defer_foreign_keys(&self) -> Option<&'static str> {
        None
    }

    /// A query for every foreign key of the database, where tables are not
    /// dropped together: rows of (table, column, constraint name,
    /// referenced table).
    fn foreign_keys_query(&self) -> Option<&'static str> {
        None
    }

    /// A query whose one column is the name of each table the connection
    /// sees unqualified: the schemas on PostgreSQL's search path.
    fn table_names_query(&self) -> &'static str {
        "SELECT table_name::text FROM information_schema.tables WHERE table_schema = ANY (current_schemas(false))"
    }
}

/// The [`Error::Unsupported`] for `feature` on `dialect`.
pub(crate) fn unsupported(feature: &'static str, dialect: &dyn Dialect) -> Error {
    Error::Unsupported { feature, dialect: dialect.name() }
}

/// A database's own placeholder styles, which a whole raw statement may use
/// instead of portable `?` placeholders; see [`Dialect::native_placeholders`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum NativePlaceholders {
    /// Only `?` (MySQL, whose native style is `?` too).
    None,
    /// PostgreSQL's numbered `$1, $2, ..`.
    Dollar,
    /// SQLite's numbered `?1` and named `:name`, `@name`, `$name`, bound in
    /// order of their numbers and first appearance.
    Sqlite,
}
