//! SQLite.
//!
//! SQLite has no date, time, UUID, JSON or decimal storage classes: ormcore
//! stores dates and times as ISO-8601 text (`2024-05-01`, `13:45:00.5`,
//! `2024-05-01 13:45:00`, which also sorts correctly), UUIDs as their
//! hyphenated text, JSON as text, and decimals as text so that they stay
//! exact. `DEFAULT CURRENT_TIMESTAMP` writes `YYYY-MM-DD HH:MM:SS` in UTC.
//!
//! SQLite binds NaN as NULL, and stores a REAL that is a whole number as an
//! integer, which drops the sign of `-0.0`: both are refused where they
//! would be lost.

use std::borrow::Cow;

use super::dialect::unsupported;
use super::dml::write_insert_source_common;
use super::select::{is_unordered, write_compound, write_limit_offset_required};
use super::writer::quote_ident;
use super::{Dialect, NativePlaceholders, SqlWriter, ValueUse};
use crate::error::{Error, Result};
use crate::query::node::{CastType, InsertSource, OnConflict, QueryNode};
use crate::schema::ColumnType;
use crate::value::Value;

/// The SQLite dialect: `?` placeholders, `"quoted"` names, `RETURNING`
/// (SQLite 3.35 or later), unparenthesized compound members.
///
/// Transactions begin `DEFERRED` (SQLite's default: the write lock is
/// taken at the first write), or `IMMEDIATE` with
/// [`begin_immediate`](SqliteDialect::begin_immediate).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SqliteDialect {
    immediate: bool,
}

/// The statements ormcore-sqlite sends for its own bookkeeping: the
/// connection's pragmas, and undoing what a session left behind. Rendered
/// here, like every other statement, so that the backend writes no SQL.
impl SqliteDialect {
    /// The dialect, with deferred transactions.
    pub const fn new() -> Self {
        SqliteDialect { immediate: false }
    }

    /// Begin every transaction with `BEGIN IMMEDIATE`, which takes the
    /// database's write lock at once: two transactions that read and then
    /// write wait for each other at `BEGIN` instead of one failing to
    /// upgrade its read lock.
    pub const fn begin_immediate(self) -> Self {
        SqliteDialect { immediate: true }
    }

    /// `PRAGMA name`, which reads a pragma's value. Refuses a name that is
    /// not a plain word.
    pub fn read_pragma(&self, name: &str) -> Result<String> {
        Ok(format!("PRAGMA {}", pragma_word(name)?))
    }

    /// `PRAGMA name = value`. Refuses a name or value that is not a plain
    /// word (a keyword, a number, a file name without quotes).
    pub fn set_pragma(&self, name: &str, value: &str) -> Result<String> {
        Ok(format!("PRAGMA {} = {}", pragma_word(name)?, pragma_word(value)?))
    }

    /// The names of the databases attached to the connection besides its
    /// own (`main`) and its temporary one.
    pub const ATTACHED_DATABASES: &'static str =
        "SELECT name FROM pragma_database_list WHERE name NOT IN ('main', 'temp')";

    /// The temporary tables, views and triggers of the connection, as
    /// `(type, name)` rows (`type` is `table`, `view` or `trigger`).
    pub const TEMPORARY_OBJECTS: &'static str = "SELECT type, name FROM temp.sqlite_master \
         WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";

    /// `DETACH DATABASE name`.
    pub fn detach_database(&self, name: &str) -> String {
        let mut sql = String::from("DETACH DATABASE ");
        quote_ident(&mut sql, '"', name);
        sql
    }

    /// `DROP TABLE|VIEW|TRIGGER IF EXISTS temp.name`, for a row of
    /// [`TEMPORARY_OBJECTS`](Self::TEMPORARY_OBJECTS). Dropping a table
    /// drops its indexes and triggers with it.
    pub fn drop_temporary(&self, kind: &str, name: &str) -> Result<String> {
        let kind = match kind {
            "table" => "TABLE",
            "view" => "VIEW",
            "trigger" => "TRIGGER",
            other => return Err(Error::interface(format!("not a temporary object type: {other:?}"))),
        };
        let mut sql = format!("DROP {kind} IF EXISTS temp.");
        quote_ident(&mut sql, '"', name);
        Ok(sql)
    }
}

/// A pragma name or value that can be written into SQL as it is.
fn pragma_word(word: &str) -> Result<&str> {
    let plain = !word.is_empty() && word.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if plain { Ok(word) } else { Err(Error::interface(format!("invalid pragma word {word:?}"))) }
}

impl Dialect for SqliteDialect {
    fn native_placeholders(&self) -> NativePlaceholders {
        NativePlaceholders::Sqlite
    }

    fn bracket_quotes(&self) -> bool {
        true
    }

    /// SQLite has one isolation level (serializable) and no read-only or
    /// deferrable transactions.
    fn begin_transaction(&self, options: &super::TxOptions) -> Result<String> {
        if *options != super::TxOptions::default() {
            return Err(unsupported("transaction options", self));
        }
        Ok(if self.immediate { "BEGIN IMMEDIATE" } else { "BEGIN" }.to_owned())
    }

    fn name(&self) -> &'static str {
        "SQLite"
    }

    fn write_json(&self, w: &mut SqlWriter<'_>, node: &crate::query::node::JsonNode) -> Result<()> {
        super::json::write_sqlite(w, node)
    }

    fn foreign_keys_need_their_table(&self) -> bool {
        false
    }

    /// A deferred transaction that writes cannot wait for another writer
    /// (it fails with "database is locked" at once), where each statement
    /// alone waits its turn.
    fn transactions_wait_for_writers(&self) -> bool {
        false
    }

    fn drops_tables_together(&self) -> bool {
        false
    }

    fn defer_foreign_keys(&self) -> Option<&'static str> {
        Some("PRAGMA defer_foreign_keys = ON")
    }

    fn table_names_query(&self) -> &'static str {
        "SELECT name FROM sqlite_master WHERE type = 'table' UNION SELECT name FROM sqlite_temp_master WHERE type = 'table'"
    }

    /// SQLite has no escapes in string literals: text with control
    /// characters is a concatenation, `('a' || char(10) || 'b')`.
    fn write_literal(&self, out: &mut String, value: &Value) {
        super::render::write_literal_styled(
            self,
            out,
            value,
            super::render::Style { text: super::render::TextStyle::Concat, hex_escape_bytes: false },
        );
    }

    fn system(&self) -> &'static str {
        "sqlite"
    }

    /// SQLite's own functions change nothing on the connection: only its
    /// other statements (`PRAGMA`, `ATTACH`, `CREATE TEMP ..`) do, and
    /// `EXPLAIN` of them (SQLite applies some pragmas while compiling).
    fn raw_keeps_session(&self, keyword: &str) -> bool {
        matches!(keyword, "SELECT" | "INSERT" | "UPDATE" | "DELETE" | "REPLACE" | "WITH" | "VALUES")
    }

    /// NaN wherever it is bound (SQLite binds it as NULL); `-0.0` wherever
    /// it may be stored, that is anywhere but in a comparison, where it
    /// equals `0.0` as in Rust.
    fn value_limit(&self, value: &Value, usage: ValueUse) -> Option<Cow<'static, str>> {
        match value {
            Value::Float(v) if v.is_nan() => Some("SQLite stores NaN as NULL".into()),
            Value::Float(v) if *v == 0.0 && v.is_sign_negative() && usage != ValueUse::Compared => {
                Some("SQLite stores -0.0 as 0".into())
            }
            _ => None,
        }
    }

    /// `SQLITE_MAX_VARIABLE_NUMBER` since SQLite 3.32.
    fn max_params(&self) -> usize {
        32766
    }

    fn cast_type(&self, to: CastType) -> Cow<'static, str> {
        match to {
            CastType::Integer => "INTEGER".into(),
            CastType::Float => "REAL".into(),
            CastType::Text | CastType::DateTime => "TEXT".into(),
            CastType::Bytes => "BLOB".into(),
            CastType::Decimal(p, s) => format!("NUMERIC({p}, {s})").into(),
            CastType::Date => "DATE".into(),
        }
    }

    /// SQLite needs a limit before an offset; `-1` means none.
    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        write_limit_offset_required(w, limit, offset, "-1");
    }

    /// SQLite forbids parentheses around compound members and `ORDER BY` or
    /// `LIMIT` inside them, and groups compounds from left to right. A plain
    /// member is written bare, a left compound flat; anything else (one
    /// with its own CTEs among them) becomes `SELECT * FROM (member) AS
    /// "_uN"`, which keeps its meaning.
    fn write_compound_member(&self, w: &mut SqlWriter<'_>, member: &QueryNode, is_left: bool) -> Result<()> {
        match member {
            // A member with CTEs of its own goes in a derived table: bare,
            // its WITH would be a syntax error on the right, and cover the
            // whole compound on the left.
            QueryNode::Select(select) if is_unordered(member) && select.ctes.is_empty() => {
                super::select::write_select(w, select)
            }
            QueryNode::Compound(compound) if is_left && is_unordered(member) => write_compound(w, compound),
            _ => super::select::write_member_derived(w, member),
        }
    }

    fn write_insert_source(
        &self,
        w: &mut SqlWriter<'_>,
        source: &InsertSource,
        on_conflict: Option<&OnConflict>,
    ) -> Result<()> {
        match (source, on_conflict) {
            (InsertSource::DefaultValues, Some(_)) => Err(unsupported("ON CONFLICT after DEFAULT VALUES", self)),
            (InsertSource::Select(query), Some(_)) => {
                // An upsert after `INSERT .. SELECT` is ambiguous to SQLite's
                // parser (is `ON` a join constraint?) unless the select ends
                // in a WHERE clause; wrapping it adds one without changing
                // the rows.
                super::dml::write_select_source_derived(w, query)?;
                w.push(" WHERE true");
                Ok(())
            }
            _ => write_insert_source_common(w, source),
        }
    }

    /// SQLite locks the whole database, not rows: a transaction that is to
    /// write takes the write lock with its first write (`BEGIN IMMEDIATE`
    /// at once).
    fn write_row_lock(&self, _w: &mut SqlWriter<'_>, _lock: &crate::query::RowLock) -> Result<()> {
        Err(unsupported("row locks (FOR UPDATE / FOR SHARE)", self))
    }

    fn column_type(&self, ty: ColumnType, _indexed: bool) -> Cow<'static, str> {
        match ty {
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt | ColumnType::Boolean => "INTEGER".into(),
            ColumnType::Real | ColumnType::Double => "REAL".into(),
            ColumnType::VarChar(n) => format!("VARCHAR({n})").into(),
            ColumnType::Blob => "BLOB".into(),
            ColumnType::Text
            | ColumnType::Date
            | ColumnType::Time
            | ColumnType::DateTime
            | ColumnType::DateTimeUtc
            | ColumnType::Uuid
            | ColumnType::Json
            | ColumnType::Decimal(..) => "TEXT".into(),
        }
    }

    /// `INTEGER PRIMARY KEY` makes the column the rowid, assigned on insert;
    /// like Peewee, without `AUTOINCREMENT` (which only forbids reusing the
    /// keys of deleted rows, at a cost on every insert). A rowid is 64 bits
    /// whatever the declared type, so a narrower key gets a `CHECK` that
    /// refuses the row whose key would not fit.
    fn auto_increment_column(&self, name: &str, ty: ColumnType) -> Result<Cow<'static, str>> {
        let range = match ty {
            ColumnType::SmallInt => Some((i16::MIN as i64, i16::MAX as i64)),
            ColumnType::Integer => Some((i32::MIN as i64, i32::MAX as i64)),
            ColumnType::BigInt => None,
            _ => return Err(Error::interface(format!("an auto-increment key must be an integer column, not {ty:?}"))),
        };
        let mut sql = String::from("INTEGER NOT NULL PRIMARY KEY");
        if let Some((low, high)) = range {
            sql.push_str(" CHECK (");
            quote_ident(&mut sql, '"', name);
            sql.push_str(&format!(" BETWEEN {low} AND {high})"));
        }
        Ok(sql.into())
    }

    fn bool_literal(&self, value: bool) -> &'static str {
        if value { "1" } else { "0" }
    }
}
