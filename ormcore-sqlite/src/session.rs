//! A connection's session state, and putting it back as it was.
//!
//! What a statement can change on a SQLite connection and leave for its
//! next user: connection-level pragmas (`query_only`, `foreign_keys`,
//! `busy_timeout` — which would block the runtime —, `recursive_triggers`,
//! a rollback journal turned off, ...), temporary tables, views and
//! triggers, and attached databases. A connection that ran a statement
//! which may have changed them is reset before it goes back to the pool:
//! the pragmas to the values read when it was opened (after ormcore's own
//! setup and the configured pragmas), every temporary object dropped, every
//! attached database detached. A `:memory:` database, which is one
//! connection for good, keeps its data.

use ormcore::sql::{ROLLBACK, SqliteDialect};

/// The pragmas that belong to the connection rather than the database
/// file, and that can be read back. (`case_sensitive_like` cannot be read:
/// it is reset to its default.)
const CONNECTION_PRAGMAS: &[&str] = &[
    "analysis_limit",
    "automatic_index",
    "busy_timeout",
    "cache_size",
    "cache_spill",
    "cell_size_check",
    "checkpoint_fullfsync",
    // Deprecated, but still obeyed: INSERTs would return a row of counts.
    "count_changes",
    "defer_foreign_keys",
    "empty_result_callbacks",
    "foreign_keys",
    "full_column_names",
    "fullfsync",
    "ignore_check_constraints",
    "journal_mode",
    "journal_size_limit",
    "legacy_alter_table",
    "locking_mode",
    "max_page_count",
    "mmap_size",
    "query_only",
    "read_uncommitted",
    "recursive_triggers",
    "reverse_unordered_selects",
    "secure_delete",
    "short_column_names",
    "synchronous",
    "temp_store",
    "threads",
    "trusted_schema",
    "wal_autocheckpoint",
    "writable_schema",
];

/// Session statements need no transaction options: the default dialect
/// writes them.
const DIALECT: SqliteDialect = SqliteDialect::new();

/// The values of a connection's pragmas, as it was set up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    pragmas: Vec<(&'static str, String)>,
}

impl Snapshot {
    /// Read the connection's pragmas.
    pub(crate) fn take(conn: &rusqlite::Connection) -> ormcore::Result<Self> {
        let mut pragmas = Vec::with_capacity(CONNECTION_PRAGMAS.len());
        for &name in CONNECTION_PRAGMAS {
            let sql = DIALECT.read_pragma(name)?;
            let value = conn.query_row(&sql, [], |row| row.get_ref(0).map(literal));
            match value {
                Ok(Some(value)) => pragmas.push((name, value)),
                // Not in this build of SQLite, or not applicable (a
                // `:memory:` database has no journal size limit to speak of).
                Ok(None) | Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(error) => return Err(crate::error::map(error)),
            }
        }
        Ok(Snapshot { pragmas })
    }

    /// Put the session back as it was taken: out of any transaction,
    /// pragmas restored, temporary objects dropped, attached databases
    /// detached.
    pub(crate) fn restore(&self, conn: &rusqlite::Connection) -> ormcore::Result<()> {
        let map = crate::error::map;
        if !conn.is_autocommit() {
            conn.execute_batch(ROLLBACK).map_err(map)?;
        }
        // Pragmas first: `query_only` would refuse the drops below.
        let mut sql = DIALECT.set_pragma("case_sensitive_like", "OFF")?;
        for (name, value) in &self.pragmas {
            sql.push_str("; ");
            sql.push_str(&DIALECT.set_pragma(name, value)?);
        }
        conn.execute_batch(&sql).map_err(map)?;
        let attached: Vec<String> = conn
            .prepare(SqliteDialect::ATTACHED_DATABASES)
            .and_then(|mut query| query.query_map([], |row| row.get(0))?.collect())
            .map_err(map)?;
        let temporary: Vec<(String, String)> = conn
            .prepare(SqliteDialect::TEMPORARY_OBJECTS)
            .and_then(|mut query| query.query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?.collect())
            .map_err(map)?;
        let mut statements = Vec::with_capacity(attached.len() + temporary.len());
        statements.extend(attached.iter().map(|name| DIALECT.detach_database(name)));
        for (kind, name) in &temporary {
            statements.push(DIALECT.drop_temporary(kind, name)?);
        }
        conn.execute_batch(&statements.join("; ")).map_err(map)
    }
}

/// A pragma's value as SQL: an integer, or a keyword SQLite itself
/// reported (`wal`, `normal`). Anything else is not restorable.
fn literal(value: rusqlite::types::ValueRef<'_>) -> Option<String> {
    match value {
        rusqlite::types::ValueRef::Integer(n) => Some(n.to_string()),
        rusqlite::types::ValueRef::Text(text) => {
            let word = std::str::from_utf8(text).ok()?;
            word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_').then(|| word.to_owned())
        }
        _ => None,
    }
}
