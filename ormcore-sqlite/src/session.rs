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

use ormcore::sql::{SqlWriter, SqliteDialect};

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

/// The values of a connection's pragmas, as it was set up.
#[derive(Debug, Clone, Default)]
pub(crate) struct Snapshot {
    pragmas: Vec<(&'static str, String)>,
}

impl Snapshot {
    /// Read the connection's pragmas.
    pub(crate) fn take(conn: &rusqlite::Connection) -> rusqlite::Result<Self> {
        let mut pragmas = Vec::with_capacity(CONNECTION_PRAGMAS.len());
        for &name in CONNECTION_PRAGMAS {
            let value = conn.query_row(&format!("PRAGMA {name}"), [], |row| row.get_ref(0).map(literal));
            match value {
                Ok(Some(value)) => pragmas.push((name, value)),
                // Not in this build of SQLite, or not applicable (a
                // `:memory:` database has no journal size limit to speak of).
                Ok(None) | Err(rusqlite::Error::QueryReturnedNoRows) => {}
                Err(error) => return Err(error),
            }
        }
        Ok(Snapshot { pragmas })
    }

    /// Put the session back as it was taken: out of any transaction,
    /// pragmas restored, temporary objects dropped, attached databases
    /// detached.
    pub(crate) fn restore(&self, conn: &rusqlite::Connection) -> rusqlite::Result<()> {
        if !conn.is_autocommit() {
            conn.execute_batch("ROLLBACK")?;
        }
        // Pragmas first: `query_only` would refuse the drops below.
        let mut sql = String::from("PRAGMA case_sensitive_like = OFF;");
        for (name, value) in &self.pragmas {
            sql.push_str(&format!(" PRAGMA {name} = {value};"));
        }
        conn.execute_batch(&sql)?;
        let attached: Vec<String> = conn
            .prepare("SELECT name FROM pragma_database_list WHERE name NOT IN ('main', 'temp')")?
            .query_map([], |row| row.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        let temporary: Vec<(String, String)> = conn
            .prepare(
                "SELECT type, name FROM temp.sqlite_master \
                 WHERE type IN ('table', 'view', 'trigger') AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            )?
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut sql = String::new();
        for name in attached {
            sql.push_str("DETACH DATABASE ");
            push_ident(&mut sql, &name);
            sql.push(';');
        }
        for (kind, name) in temporary {
            // Dropping a table drops its indexes and triggers with it.
            let kind = match kind.as_str() {
                "view" => "VIEW",
                "trigger" => "TRIGGER",
                _ => "TABLE",
            };
            sql.push_str(&format!("DROP {kind} IF EXISTS temp."));
            push_ident(&mut sql, &name);
            sql.push(';');
        }
        conn.execute_batch(&sql)
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

/// Append a quoted identifier, as the dialect quotes it.
fn push_ident(sql: &mut String, name: &str) {
    let mut writer = SqlWriter::new(&SqliteDialect);
    writer.push_ident(name);
    sql.push_str(writer.sql());
}
