//! MySQL and MariaDB: one dialect, with the server flavor and version
//! deciding the features that came late (`INTERSECT`/`EXCEPT`,
//! `RETURNING`) and the JSON column type.

use std::borrow::Cow;

use super::dialect::unsupported;
use super::dml::write_insert_source_common;
use super::select::write_limit_offset_required;
use super::{Dialect, SqlWriter, ValueUse, ddl};
use crate::error::{Error, Result};
use crate::query::node::{CastType, CompoundOp, ConflictAction, ExprNode, InsertSource, OnConflict};
use crate::schema::ColumnType;
use crate::schema::DefaultValue;
use crate::value::Value;

/// Which server a [`MySqlDialect`] speaks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MySqlFlavor {
    /// Oracle MySQL.
    MySql,
    /// MariaDB.
    MariaDb,
}

/// The MySQL and MariaDB dialect: `?` placeholders, `` `quoted` `` names,
/// `INSERT IGNORE` and `ON DUPLICATE KEY UPDATE` for conflicts.
///
/// The backend detects the flavor and version on first connect; the
/// compiler uses them for the features that depend on them.
///
/// ```
/// use ormcore::sql::{Dialect, MySqlDialect};
/// assert!(!MySqlDialect::mysql((8, 0, 36)).supports_insert_returning());
/// assert!(MySqlDialect::mariadb((10, 11, 0)).supports_insert_returning());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MySqlDialect {
    /// MySQL or MariaDB.
    pub flavor: MySqlFlavor,
    /// The server version, `(major, minor, patch)`.
    pub version: (u16, u16, u16),
}

impl MySqlDialect {
    /// Oracle MySQL at `version`.
    pub fn mysql(version: (u16, u16, u16)) -> Self {
        MySqlDialect { flavor: MySqlFlavor::MySql, version }
    }

    /// MariaDB at `version`.
    pub fn mariadb(version: (u16, u16, u16)) -> Self {
        MySqlDialect { flavor: MySqlFlavor::MariaDb, version }
    }

    /// The statements that set up every pooled connection's session, on
    /// any version of either server: strict mode for every table (a value
    /// too long or out of range for its column is an error, never cut to
    /// fit), timestamps exchanged in UTC (so that `TIMESTAMP` columns read
    /// back the instant written), and the default isolation level of its
    /// transactions when one is given.
    ///
    /// ```
    /// use ormcore::IsolationLevel;
    /// use ormcore::sql::MySqlDialect;
    /// assert_eq!(
    ///     MySqlDialect::session_setup(Some(IsolationLevel::Serializable)),
    ///     [
    ///         "SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')",
    ///         "SET time_zone = '+00:00'",
    ///         "SET SESSION TRANSACTION ISOLATION LEVEL SERIALIZABLE",
    ///     ]
    /// );
    /// ```
    pub fn session_setup(isolation: Option<crate::sql::IsolationLevel>) -> Vec<String> {
        let mut statements = vec![
            "SET SESSION sql_mode = CONCAT_WS(',', @@SESSION.sql_mode, 'STRICT_ALL_TABLES')".to_owned(),
            "SET time_zone = '+00:00'".to_owned(),
        ];
        if let Some(level) = isolation {
            statements.push(format!("SET SESSION TRANSACTION ISOLATION LEVEL {}", level.as_sql()));
        }
        statements
    }

    fn is_mariadb_since(&self, version: (u16, u16, u16)) -> bool {
        self.flavor == MySqlFlavor::MariaDb && self.version >= version
    }
}

/// `LIMIT` needs a row count before `OFFSET`; this is MySQL's documented
/// "all rows" value (2^64 - 1).
const NO_LIMIT: &str = "18446744073709551615";

/// Why MySQL would not keep this date and time: `DATETIME(6)` and
/// `TIME(6)` count microseconds (finer digits are cut, and the binary
/// protocol sends no more), have no leap seconds, and `DATE` and
/// `DATETIME` hold the years 1000 to 9999.
#[cfg(feature = "chrono")]
fn date_time_limit(year: Option<i32>, nanoseconds: Option<u32>) -> Option<Cow<'static, str>> {
    match (year, nanoseconds) {
        (Some(year), _) if !(1000..=9999).contains(&year) => Some("MySQL keeps the years 1000 to 9999".into()),
        (_, Some(n)) if n >= 1_000_000_000 => Some("MySQL has no leap seconds".into()),
        (_, Some(n)) if !n.is_multiple_of(1_000) => Some("MySQL keeps time to the microsecond".into()),
        _ => None,
    }
}

impl Dialect for MySqlDialect {
    fn name(&self) -> &'static str {
        match self.flavor {
            MySqlFlavor::MySql => "MySQL",
            MySqlFlavor::MariaDb => "MariaDB",
        }
    }

    /// Dates, times and timestamps MySQL would not keep exactly, wherever
    /// they are bound (see `date_time_limit`); NaN and the infinities,
    /// which MySQL's floats do not have (the server would refuse them with
    /// an out-of-range error, naming no column); and `-0.0` wherever it may
    /// be stored (MariaDB keeps it as 0), not in a comparison, where it
    /// equals `0.0` as in Rust.
    fn value_limit(&self, value: &Value, usage: ValueUse) -> Option<Cow<'static, str>> {
        match value {
            Value::Float(v) if !v.is_finite() => return Some("MySQL has no NaN or infinities".into()),
            Value::Float(v) if *v == 0.0 && v.is_sign_negative() && usage != ValueUse::Compared => {
                return Some("MySQL stores -0.0 as 0".into());
            }
            _ => {}
        }
        #[cfg(feature = "chrono")]
        {
            use chrono::{Datelike, Timelike};
            match value {
                Value::Date(v) => return date_time_limit(Some(v.year()), None),
                Value::Time(v) => return date_time_limit(None, Some(v.nanosecond())),
                Value::DateTime(v) => return date_time_limit(Some(v.year()), Some(v.nanosecond())),
                Value::DateTimeUtc(v) => return date_time_limit(Some(v.year()), Some(v.nanosecond())),
                _ => {}
            }
        }
        let _ = (value, usage);
        None
    }

    /// Text with control characters in backslash escapes (`'a\nb'`), or
    /// as `CONCAT(.., CHAR(n USING utf8mb4), ..)` for those without one.
    fn write_literal(&self, out: &mut String, value: &Value) {
        super::render::write_literal_styled(
            self,
            out,
            value,
            super::render::Style { text: super::render::TextStyle::Backslash, hex_escape_bytes: false },
        );
    }

    fn system(&self) -> &'static str {
        match self.flavor {
            MySqlFlavor::MySql => "mysql",
            MySqlFlavor::MariaDb => "mariadb",
        }
    }

    /// MySQL's `JSON` type refuses documents nested deeper than 100 levels
    /// (its error 3157); MariaDB's `LONGTEXT` keeps any.
    fn json_depth(&self) -> usize {
        match self.flavor {
            MySqlFlavor::MySql => 100,
            MySqlFlavor::MariaDb => super::check::JSON_DEPTH,
        }
    }

    /// MariaDB 10.5 and later; never MySQL.
    fn supports_insert_returning(&self) -> bool {
        self.is_mariadb_since((10, 5, 0))
    }

    /// Neither MySQL nor MariaDB.
    fn supports_update_returning(&self) -> bool {
        false
    }

    /// MariaDB 10.0.5 and later; never MySQL.
    fn supports_delete_returning(&self) -> bool {
        self.is_mariadb_since((10, 0, 5))
    }

    /// `INTERSECT` and `EXCEPT` since MySQL 8.0.31 and MariaDB 10.3.
    fn supports_compound(&self, op: CompoundOp) -> bool {
        match op {
            CompoundOp::Intersect | CompoundOp::Except => match self.flavor {
                MySqlFlavor::MySql => self.version >= (8, 0, 31),
                MySqlFlavor::MariaDb => self.version >= (10, 3, 0),
            },
            _ => true,
        }
    }

    /// MySQL 8.0.1 and MariaDB 10.2.2 (recursive ones) and later.
    fn supports_ctes(&self) -> bool {
        match self.flavor {
            MySqlFlavor::MySql => self.version >= (8, 0, 1),
            MySqlFlavor::MariaDb => self.version >= (10, 2, 2),
        }
    }

    /// MySQL 8.0.2 and MariaDB 10.2 and later.
    fn supports_window_functions(&self) -> bool {
        match self.flavor {
            MySqlFlavor::MySql => self.version >= (8, 0, 2),
            MySqlFlavor::MariaDb => self.version >= (10, 2, 0),
        }
    }

    fn identifier_quote(&self) -> char {
        '`'
    }

    /// The default `sql_mode` lacks `NO_BACKSLASH_ESCAPES`.
    fn backslash_escapes(&self) -> bool {
        true
    }

    /// `LENGTH` counts bytes on MySQL; the portable helper means characters.
    fn function_name<'n>(&self, name: &'n str) -> &'n str {
        match name {
            "LENGTH" => "CHAR_LENGTH",
            other => other,
        }
    }

    /// MySQL's `LIKE` follows the column's collation, case-insensitive by
    /// default; `LIKE BINARY` compares bytes.
    fn like_operator(&self, case_insensitive: bool) -> &'static str {
        if case_insensitive { "LIKE" } else { "LIKE BINARY" }
    }

    /// `||` is `OR` on MySQL.
    fn write_concat(&self, w: &mut SqlWriter<'_>, left: &ExprNode, right: &ExprNode) -> Result<()> {
        w.push("CONCAT(");
        w.push_expr(left)?;
        w.push(", ");
        w.push_expr(right)?;
        w.push(")");
        Ok(())
    }

    fn cast_type(&self, to: CastType) -> Cow<'static, str> {
        match to {
            CastType::Integer => "SIGNED".into(),
            CastType::Float => "DOUBLE".into(),
            CastType::Text => "CHAR".into(),
            CastType::Bytes => "BINARY".into(),
            CastType::Decimal(p, s) => format!("DECIMAL({p}, {s})").into(),
            CastType::Date => "DATE".into(),
            CastType::DateTime => "DATETIME".into(),
        }
    }

    fn write_json(&self, w: &mut SqlWriter<'_>, node: &crate::query::node::JsonNode) -> Result<()> {
        super::json::write_mysql(w, node, self.flavor == MySqlFlavor::MariaDb)
    }

    fn drops_tables_together(&self) -> bool {
        false
    }

    fn transactional_ddl(&self) -> bool {
        false
    }

    fn foreign_keys_query(&self) -> Option<&'static str> {
        Some(
            "SELECT TABLE_NAME, COLUMN_NAME, CONSTRAINT_NAME, REFERENCED_TABLE_NAME FROM information_schema.KEY_COLUMN_USAGE \
             WHERE TABLE_SCHEMA = DATABASE() AND REFERENCED_TABLE_NAME IS NOT NULL",
        )
    }

    fn table_names_query(&self) -> &'static str {
        "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
    }

    fn write_excluded(&self, w: &mut SqlWriter<'_>, column: &str) {
        w.push("VALUES(");
        w.push_ident(column);
        w.push(")");
    }

    fn write_limit_offset(&self, w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
        write_limit_offset_required(w, limit, offset, NO_LIMIT);
    }

    /// `INSERT IGNORE` is MySQL's `ON CONFLICT DO NOTHING`.
    fn write_insert_into(&self, w: &mut SqlWriter<'_>, on_conflict: Option<&OnConflict>) {
        match on_conflict {
            Some(OnConflict { action: ConflictAction::DoNothing, .. }) => w.push("INSERT IGNORE INTO "),
            _ => w.push("INSERT INTO "),
        }
    }

    fn write_insert_source(
        &self,
        w: &mut SqlWriter<'_>,
        source: &InsertSource,
        on_conflict: Option<&OnConflict>,
    ) -> Result<()> {
        match (source, on_conflict) {
            (InsertSource::DefaultValues, _) => {
                w.push(" () VALUES ()");
                Ok(())
            }
            // The update list names the target's columns by its table: a
            // select from that same table would make them ambiguous, unless
            // it is a derived table of its own.
            (InsertSource::Select(query), Some(OnConflict { action: ConflictAction::DoUpdate(_), .. })) => {
                super::dml::write_select_source_derived(w, query)
            }
            _ => write_insert_source_common(w, source),
        }
    }

    /// `ON DUPLICATE KEY UPDATE`, which fires on any unique key: the target
    /// columns are not written, but an upsert must name them as on every
    /// dialect (see `check_conflict_target`).
    fn write_on_conflict(&self, w: &mut SqlWriter<'_>, on_conflict: &OnConflict) -> Result<()> {
        match &on_conflict.action {
            ConflictAction::DoNothing => Ok(()),
            ConflictAction::DoUpdate(set) => {
                super::dml::check_conflict_target(w, on_conflict)?;
                w.push(" ON DUPLICATE KEY UPDATE ");
                w.push_upsert_assignments(set)
            }
        }
    }

    /// `FOR UPDATE`; a share lock is `FOR SHARE` on MySQL 8.0.1 and later,
    /// `LOCK IN SHARE MODE` before and on MariaDB. `NOWAIT` and `SKIP
    /// LOCKED` since MySQL 8.0.1; on MariaDB `NOWAIT` since 10.3 and `SKIP
    /// LOCKED` since 10.6.
    fn write_row_lock(&self, w: &mut SqlWriter<'_>, lock: &crate::query::RowLock) -> Result<()> {
        use crate::query::{LockStrength, LockWait};
        let modern_mysql = self.flavor == MySqlFlavor::MySql && self.version >= (8, 0, 1);
        let (since, feature) = match (self.flavor, lock.wait) {
            (_, LockWait::Wait) => ((0, 0, 0), ""),
            (MySqlFlavor::MySql, LockWait::NoWait) => ((8, 0, 1), "NOWAIT (MySQL 8.0.1 and later)"),
            (MySqlFlavor::MySql, LockWait::SkipLocked) => ((8, 0, 1), "SKIP LOCKED (MySQL 8.0.1 and later)"),
            (MySqlFlavor::MariaDb, LockWait::NoWait) => ((10, 3, 0), "NOWAIT (MariaDB 10.3 and later)"),
            (MySqlFlavor::MariaDb, LockWait::SkipLocked) => ((10, 6, 0), "SKIP LOCKED (MariaDB 10.6 and later)"),
        };
        if self.version < since {
            return Err(unsupported(feature, self));
        }
        match lock.strength {
            LockStrength::Share if !modern_mysql => {
                w.push(" LOCK IN SHARE MODE");
                super::select::write_lock_wait(w, lock.wait);
            }
            _ => super::select::write_row_lock_common(w, lock),
        }
        Ok(())
    }

    /// `LAST_INSERT_ID(expr)` makes `expr` the insert id the server
    /// reports, where an update would report none (MySQL's documented
    /// idiom for `ON DUPLICATE KEY UPDATE`). Qualified: an insert from a
    /// select whose source has a column of the same name would make it
    /// ambiguous.
    fn write_upsert_reports_key(&self, w: &mut SqlWriter<'_>, table: &str, key: &str) {
        let column = |w: &mut SqlWriter<'_>| {
            w.push_ident(table);
            w.push(".");
            w.push_ident(key);
        };
        w.push(", ");
        column(w);
        w.push(" = LAST_INSERT_ID(");
        column(w);
        w.push(")");
    }

    /// `START TRANSACTION [READ ONLY]`, after `SET TRANSACTION ISOLATION
    /// LEVEL ..` for a level of its own: MySQL sets it only for the next
    /// transaction, in a statement of its own (sent with `START
    /// TRANSACTION` in one command). There are no deferrable transactions.
    fn begin_transaction(&self, options: &super::TxOptions) -> Result<String> {
        if options.deferrable {
            return Err(unsupported("deferrable transactions", self));
        }
        let start = if options.read_only { "START TRANSACTION READ ONLY" } else { "START TRANSACTION" };
        Ok(match options.isolation {
            Some(level) => format!("SET TRANSACTION ISOLATION LEVEL {}; {start}", level.as_sql()),
            None => start.to_owned(),
        })
    }

    /// `TEXT` and `BLOB` cannot be keys or indexed without a prefix length,
    /// so indexed ones become `VARCHAR(255)` and `VARBINARY(255)`. Times keep
    /// microseconds, like the other backends.
    fn column_type(&self, ty: ColumnType, indexed: bool) -> Cow<'static, str> {
        match ty {
            ColumnType::SmallInt => "SMALLINT".into(),
            ColumnType::Integer => "INTEGER".into(),
            ColumnType::BigInt => "BIGINT".into(),
            ColumnType::Real => "FLOAT".into(),
            ColumnType::Double => "DOUBLE".into(),
            ColumnType::Boolean => "BOOL".into(),
            ColumnType::Text if indexed => "VARCHAR(255)".into(),
            ColumnType::Text => "TEXT".into(),
            ColumnType::VarChar(n) => format!("VARCHAR({n})").into(),
            ColumnType::Blob if indexed => "VARBINARY(255)".into(),
            ColumnType::Blob => "LONGBLOB".into(),
            ColumnType::Date => "DATE".into(),
            ColumnType::Time => "TIME(6)".into(),
            ColumnType::DateTime | ColumnType::DateTimeUtc => "DATETIME(6)".into(),
            ColumnType::Uuid => "CHAR(36)".into(),
            ColumnType::Json => match self.flavor {
                MySqlFlavor::MySql => "JSON".into(),
                MySqlFlavor::MariaDb => "LONGTEXT".into(),
            },
            ColumnType::Decimal(Some((p, s))) => format!("DECIMAL({p}, {s})").into(),
            // MySQL's `DECIMAL` alone is `DECIMAL(10, 0)`; 35 digits before
            // the point and 30 after hold every `rust_decimal::Decimal`.
            ColumnType::Decimal(None) => "DECIMAL(65, 30)".into(),
        }
    }

    fn auto_increment_column(&self, _name: &str, ty: ColumnType) -> Result<Cow<'static, str>> {
        match ty {
            ColumnType::SmallInt | ColumnType::Integer | ColumnType::BigInt => {
                Ok(format!("{} NOT NULL AUTO_INCREMENT PRIMARY KEY", self.column_type(ty, true)).into())
            }
            _ => Err(Error::interface(format!("an auto-increment key must be an integer column, not {ty:?}"))),
        }
    }

    fn bool_literal(&self, value: bool) -> &'static str {
        if value { "1" } else { "0" }
    }

    /// A `DATETIME(6)` default must have the same precision. `DATE` and
    /// `TIME` columns take `CURRENT_TIMESTAMP` on MariaDB only: both take
    /// an expression default (MySQL 8.0.13 and later).
    fn current_timestamp(&self, ty: ColumnType) -> &'static str {
        match ty {
            ColumnType::DateTime | ColumnType::DateTimeUtc => "CURRENT_TIMESTAMP(6)",
            ColumnType::Date => "(CURRENT_DATE)",
            ColumnType::Time => "(CURRENT_TIME(6))",
            _ => "CURRENT_TIMESTAMP",
        }
    }

    /// MySQL accepts a default for `TEXT`, `BLOB` and `JSON` columns only as
    /// an expression, in parentheses (8.0.13 and later).
    fn write_default(&self, out: &mut String, default: &DefaultValue, ty: ColumnType, indexed: bool) -> Result<()> {
        let needs_expression = self.flavor == MySqlFlavor::MySql
            && !matches!(default, DefaultValue::CurrentTimestamp)
            && match ty {
                ColumnType::Text | ColumnType::Blob => !indexed,
                ColumnType::Json => true,
                _ => false,
            };
        if needs_expression {
            out.push_str(" DEFAULT (");
            ddl::write_default_literal(self, out, default, ty)?;
            out.push(')');
            Ok(())
        } else {
            out.push_str(" DEFAULT ");
            ddl::write_default_literal(self, out, default, ty)
        }
    }

    /// Inline `REFERENCES` is parsed and ignored by MySQL, and
    /// `CREATE INDEX IF NOT EXISTS` does not exist there.
    fn table_level_constraints(&self) -> bool {
        true
    }

    /// Without it MariaDB creates `latin1` tables by default, which cannot
    /// hold every string.
    fn create_table_options(&self) -> &'static str {
        " DEFAULT CHARSET=utf8mb4"
    }
}
