//! One SQLite connection and how statements run on it.

use std::time::{Duration, Instant};

use ormcore::backend::{ExecResult, InsertRows, NextParams, OnKey, OnResult, OnRow, RawConnection};
use ormcore::sql::{ROLLBACK, SqliteDialect, Statement, TxOp};
use ormcore::{Error, Value, ValueRef};
use rusqlite::functions::FunctionFlags;

use crate::conn_box::ConnBox;
use crate::error::{FetchError, is_busy, map};
use crate::options::{SqlFunction, SqliteOptions};
use crate::row::SqliteRow;
use crate::session::Snapshot;
use crate::value::Bind;

/// The first wait after "database is locked"; doubled up to
/// [`MAX_BUSY_SLEEP`] while the lock stays taken.
const FIRST_BUSY_SLEEP: Duration = Duration::from_micros(500);
const MAX_BUSY_SLEEP: Duration = Duration::from_millis(20);

/// Waiting for another connection's lock: sleeps on the tokio timer, from
/// 0.5 ms doubling to 20 ms, until `busy_timeout` has passed in all.
pub(crate) struct BusyWait {
    deadline: Instant,
    sleep: Duration,
}

impl BusyWait {
    /// Start waiting now, for at most `busy_timeout`.
    pub(crate) fn new(busy_timeout: Duration) -> Self {
        let now = Instant::now();
        // A timeout too long to represent is as good as forever.
        let deadline = now.checked_add(busy_timeout).unwrap_or(now + Duration::from_secs(86_400 * 365));
        BusyWait { deadline, sleep: FIRST_BUSY_SLEEP }
    }

    /// Sleep before the next try; false once the time is up.
    pub(crate) async fn sleep(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.deadline {
            return false;
        }
        tokio::time::sleep(self.sleep.min(self.deadline - now)).await;
        self.sleep = (self.sleep * 2).min(MAX_BUSY_SLEEP);
        true
    }
}

/// One open SQLite connection.
///
/// The rusqlite connection lives on the heap, behind a raw pointer, so that its
/// address stays put while a [`SqliteStream`](crate::SqliteStream) holds a
/// statement that borrows it.
pub struct SqliteConnection {
    pub(crate) conn: ConnBox,
    pub(crate) busy_timeout: Duration,
    /// How this connection's statements are written (its `BEGIN`).
    dialect: SqliteDialect,
    /// The session as set up, to put back before the next user.
    snapshot: Snapshot,
    /// A statement ran that may have changed the session (raw SQL beyond
    /// plain queries and writes): reset it before the next user.
    pub(crate) session_dirty: bool,
    /// A statement failed with [`Error::ConnectionLost`]: the database file
    /// was replaced under the connection, which can never write again. The
    /// pool closes it.
    pub(crate) lost: bool,
}

impl std::fmt::Debug for SqliteConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteConnection").field("in_transaction", &!self.conn.is_autocommit()).finish()
    }
}

/// A pragma name or value must be a plain word or number: pragmas cannot
/// take bound parameters, so nothing else may reach the SQL text.
fn register_function(
    conn: &rusqlite::Connection,
    name: &str,
    n_args: i32,
    function: SqlFunction,
) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function(name, n_args, flags, move |ctx| {
        let args = (0..ctx.len())
            .map(|i| match ctx.get_raw(i) {
                rusqlite::types::ValueRef::Null => Ok(ValueRef::Null),
                rusqlite::types::ValueRef::Integer(v) => Ok(ValueRef::Int(v)),
                rusqlite::types::ValueRef::Real(v) => Ok(ValueRef::Float(v)),
                rusqlite::types::ValueRef::Text(t) => std::str::from_utf8(t)
                    .map(ValueRef::Text)
                    .map_err(|e| rusqlite::Error::UserFunctionError(Box::new(e))),
                rusqlite::types::ValueRef::Blob(b) => Ok(ValueRef::Bytes(b)),
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let result = function(&args).map_err(|message| rusqlite::Error::UserFunctionError(message.into()))?;
        owned_sqlite_value(result)
    })
}

/// JSON containment, which `JsonOps::contains` compiles to on SQLite: SQL
/// NULL when either side is, an error when either is not JSON text.
#[cfg(feature = "json")]
fn register_json_contains(conn: &rusqlite::Connection) -> rusqlite::Result<()> {
    let flags = FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DETERMINISTIC;
    conn.create_scalar_function(ormcore::sql::SQLITE_CONTAINS_FUNCTION, 2, flags, |ctx| {
        let document =
            |i: usize| -> rusqlite::Result<Option<<ormcore::types::JsonDoc as ormcore::types::SqlType>::Output>> {
                let refused = |why: String| rusqlite::Error::UserFunctionError(why.into());
                match ctx.get_raw(i) {
                    rusqlite::types::ValueRef::Null => Ok(None),
                    rusqlite::types::ValueRef::Text(text) => {
                        let text = std::str::from_utf8(text).map_err(|e| refused(e.to_string()))?;
                        ormcore::FromValue::from_value(ValueRef::Text(text)).map(Some).map_err(
                            |e: ormcore::DecodeError| refused(format!("expected {}, found {}", e.expected, e.found)),
                        )
                    }
                    other => Err(refused(format!(
                        "{}: expected JSON text, got {:?}",
                        ormcore::sql::SQLITE_CONTAINS_FUNCTION,
                        other.data_type()
                    ))),
                }
            };
        Ok(match (document(0)?, document(1)?) {
            (Some(container), Some(contained)) => Some(ormcore::query::json_contains(&container, &contained)),
            _ => None,
        })
    })
}

fn owned_sqlite_value(value: Value) -> rusqlite::Result<rusqlite::types::Value> {
    use rusqlite::types::ToSql;
    use rusqlite::types::{ToSqlOutput, Value as Owned, ValueRef as Borrowed};
    let bind = Bind(&value);
    let output = bind.to_sql()?;
    Ok(match output {
        ToSqlOutput::Borrowed(Borrowed::Null) => Owned::Null,
        ToSqlOutput::Borrowed(Borrowed::Integer(v)) => Owned::Integer(v),
        ToSqlOutput::Borrowed(Borrowed::Real(v)) => Owned::Real(v),
        ToSqlOutput::Borrowed(Borrowed::Text(v)) => Owned::Text(String::from_utf8_lossy(v).into_owned()),
        ToSqlOutput::Borrowed(Borrowed::Blob(v)) => Owned::Blob(v.to_vec()),
        ToSqlOutput::Owned(v) => v,
        _ => Owned::Null,
    })
}

impl SqliteConnection {
    /// Open and set up a connection: foreign keys on, SQLite's busy handler
    /// off (ormcore waits asynchronously instead), pragmas, functions, hooks.
    pub(crate) fn open(options: &SqliteOptions) -> ormcore::Result<Self> {
        let conn = rusqlite::Connection::open(&options.path).map_err(map)?;
        conn.busy_timeout(Duration::ZERO).map_err(map)?;
        conn.set_prepared_statement_cache_capacity(options.statement_cache);
        let dialect = options.dialect();
        conn.execute_batch(&dialect.set_pragma("foreign_keys", "ON")?).map_err(map)?;
        for (name, value) in &options.pragmas {
            // `journal_mode` answers with a row; read it to run the pragma.
            conn.query_row(&dialect.set_pragma(name, value)?, [], |_| Ok(()))
                .or_else(|e| if matches!(e, rusqlite::Error::QueryReturnedNoRows) { Ok(()) } else { Err(e) })
                .map_err(map)?;
        }
        #[cfg(feature = "json")]
        register_json_contains(&conn).map_err(map)?;
        for (name, n_args, function) in &options.functions {
            register_function(&conn, name, *n_args, function.clone()).map_err(map)?;
        }
        for hook in &options.on_connect {
            hook(&conn).map_err(map)?;
        }
        let snapshot = Snapshot::take(&conn)?;
        Ok(SqliteConnection {
            conn: ConnBox::new(conn),
            busy_timeout: options.busy_timeout,
            dialect,
            snapshot,
            session_dirty: false,
            lost: false,
        })
    }

    /// [`open`](Self::open), waiting (asynchronously, up to `busy_timeout`)
    /// while another connection's lock keeps the setup from reading the
    /// database, as statements do.
    pub(crate) async fn open_waiting(options: &SqliteOptions) -> ormcore::Result<Self> {
        let mut busy = None;
        loop {
            match Self::open(options) {
                Err(error) if is_busy_error(&error) => {
                    if !busy.get_or_insert_with(|| BusyWait::new(options.busy_timeout)).sleep().await {
                        return Err(error);
                    }
                }
                other => return other,
            }
        }
    }

    /// Put the session back as the connection was set up (see
    /// [`crate::session`]); the pool does it before a connection that ran
    /// session-changing statements goes back.
    pub(crate) fn reset_session(&mut self) -> ormcore::Result<()> {
        self.snapshot.restore(&self.conn)?;
        self.session_dirty = false;
        Ok(())
    }

    /// Note an error that leaves the connection lost.
    fn noted<T>(&mut self, result: ormcore::Result<T>) -> ormcore::Result<T> {
        if let Err(error) = &result
            && error.is_connection_lost()
        {
            self.lost = true;
        }
        result
    }

    /// Note that `statement` may change the session.
    pub(crate) fn note(&mut self, statement: &Statement) {
        if !statement.session_free {
            self.session_dirty = true;
        }
    }

    /// The rusqlite connection, for what ormcore does not cover. Leave it as
    /// you found it: no open transaction that ormcore does not know of.
    pub fn raw(&self) -> &rusqlite::Connection {
        &self.conn
    }

    /// Run `attempt` until it succeeds or fails with anything but "database
    /// is locked"; between tries, sleep without blocking the runtime, at most
    /// `busy_timeout` in all.
    async fn retry_busy<T, F>(&mut self, mut attempt: F) -> Result<T, FetchError>
    where
        F: FnMut(&rusqlite::Connection) -> Result<T, FetchError> + Send,
    {
        let mut busy = None;
        loop {
            match attempt(&self.conn) {
                Err(FetchError::Sqlite(e)) if is_busy(&e) => {
                    if !busy.get_or_insert_with(|| BusyWait::new(self.busy_timeout)).sleep().await {
                        return Err(FetchError::Sqlite(e));
                    }
                }
                other => return other,
            }
        }
    }
}

/// Whether an ormcore error is SQLite's "database is locked".
fn is_busy_error(error: &Error) -> bool {
    let source = match error {
        Error::Conflict { kind: ormcore::ConflictKind::LockTimeout, source: Some(source), .. } => source,
        _ => return false,
    };
    source.downcast_ref::<rusqlite::Error>().is_some_and(is_busy)
}

/// Prepare (from the cache) and bind a statement.
fn prepare<'c>(
    conn: &'c rusqlite::Connection,
    statement: &Statement,
) -> Result<rusqlite::CachedStatement<'c>, FetchError> {
    let mut stmt = conn.prepare_cached(&statement.sql)?;
    bind(&mut stmt, &statement.params)?;
    Ok(stmt)
}

/// Whether the file of the connection's main database was moved, renamed
/// or deleted since it was opened (`SQLITE_FCNTL_HAS_MOVED`; false for an
/// in-memory database, which has no file). Costs a `stat` of the path.
fn file_has_moved(conn: &rusqlite::Connection) -> bool {
    let mut moved: std::os::raw::c_int = 0;
    // SAFETY: `handle()` is the connection's own `sqlite3*`, live for the
    // duration of this call (we hold `&Connection`, and nothing closes it
    // meanwhile); "main" is a NUL-terminated schema name; for
    // SQLITE_FCNTL_HAS_MOVED SQLite writes one `int` through the last
    // argument, which points at `moved`.
    let rc = unsafe {
        rusqlite::ffi::sqlite3_file_control(
            conn.handle(),
            c"main".as_ptr(),
            rusqlite::ffi::SQLITE_FCNTL_HAS_MOVED,
            (&raw mut moved).cast(),
        )
    };
    rc == rusqlite::ffi::SQLITE_OK && moved != 0
}

/// Bind `params` to the statement's placeholders, checking the count.
pub(crate) fn bind(stmt: &mut rusqlite::Statement<'_>, params: &[Value]) -> Result<(), FetchError> {
    if stmt.parameter_count() != params.len() {
        return Err(FetchError::Orm(Error::interface(format!(
            "the statement has {} placeholders but {} values were given",
            stmt.parameter_count(),
            params.len()
        ))));
    }
    for (index, value) in params.iter().enumerate() {
        stmt.raw_bind_parameter(index + 1, Bind(value))?;
    }
    Ok(())
}

impl RawConnection for SqliteConnection {
    async fn execute(&mut self, statement: &Statement) -> ormcore::Result<ExecResult> {
        self.note(statement);
        let result = self
            .retry_busy(|conn| {
                let mut stmt = prepare(conn, statement)?;
                let changed = stmt.raw_execute()?;
                Ok(ExecResult { rows_affected: changed as u64, last_insert_id: Some(conn.last_insert_rowid()) })
            })
            .await
            .map_err(Error::from);
        self.noted(result)
    }

    async fn fetch(&mut self, statement: &Statement, on_row: &mut OnRow<'_>) -> ormcore::Result<ExecResult> {
        self.note(statement);
        let mut delivered = false;
        let result = self
            .retry_busy(|conn| {
                if delivered {
                    // Rows already handed out cannot be taken back: a lock
                    // lost half-way through a read is an error, not a retry.
                    return Err(FetchError::Orm(Error::Conflict {
                        kind: ormcore::ConflictKind::LockTimeout,
                        message: "database is locked (in the middle of reading rows)".into(),
                        source: None,
                    }));
                }
                let mut stmt = prepare(conn, statement)?;
                let readonly = stmt.readonly();
                let mut rows = stmt.raw_query();
                while let Some(row) = rows.next()? {
                    delivered = true;
                    on_row(&SqliteRow(row))?;
                }
                let rows_affected = if readonly { 0 } else { conn.changes() };
                Ok(ExecResult { rows_affected, last_insert_id: Some(conn.last_insert_rowid()) })
            })
            .await
            .map_err(Error::from);
        self.noted(result)
    }

    async fn columns(&mut self, statement: &Statement) -> ormcore::Result<Vec<String>> {
        let columns = self
            .retry_busy(|conn| {
                let stmt = conn.prepare_cached(&statement.sql)?;
                Ok(stmt.column_names().map(str::to_owned).collect())
            })
            .await?;
        Ok(columns)
    }

    async fn execute_many(
        &mut self,
        sql: &str,
        next_params: &mut NextParams<'_>,
        on_result: &mut OnResult<'_>,
    ) -> ormcore::Result<()> {
        let mut params = Vec::new();
        // `params` holds a row that has not run yet (it met a locked
        // database): run it first when the attempt is retried.
        let mut pending = false;
        let result = self
            .retry_busy(|conn| {
                let mut stmt = conn.prepare_cached(sql)?;
                loop {
                    if !pending {
                        params.clear();
                        if !next_params(&mut params) {
                            return Ok(());
                        }
                        pending = true;
                    }
                    bind(&mut stmt, &params)?;
                    let changed = stmt.raw_execute()?;
                    pending = false;
                    on_result(ExecResult {
                        rows_affected: changed as u64,
                        last_insert_id: Some(conn.last_insert_rowid()),
                    });
                }
            })
            .await
            .map_err(Error::from);
        self.noted(result)
    }

    /// One prepared single-row `INSERT`, executed per row, each key read
    /// from `last_insert_rowid()`: an execution costs no round trip here,
    /// and SQLite's `RETURNING` costs more than the insert itself.
    async fn insert_rows(
        &mut self,
        dialect: &dyn ormcore::sql::Dialect,
        rows: &InsertRows<'_>,
        next_row: &mut NextParams<'_>,
        on_key: &mut OnKey<'_>,
    ) -> ormcore::Result<()> {
        let template = ormcore::sql::insert_template(rows.table, rows.columns, 1, None, dialect)?;
        let want_keys = rows.key.is_some();
        let mut missing = false;
        self.execute_many(&template.sql, next_row, &mut |result| match result.last_insert_id {
            Some(id) if want_keys => on_key(id),
            None if want_keys => missing = true,
            _ => {}
        })
        .await?;
        if missing {
            return Err(Error::interface("SQLite reported no key for an inserted row"));
        }
        Ok(())
    }

    async fn transaction(&mut self, op: TxOp<'_>) -> ormcore::Result<()> {
        // A RELEASE commits too when its savepoint is the outermost block
        // (a `savepoint()` opened outside any transaction).
        if matches!(op, TxOp::Commit | TxOp::Release(_)) && file_has_moved(&self.conn) {
            // A transaction that wrote before its file was replaced would
            // commit into the old, unlinked file: acknowledged, and in no
            // file anyone can open. SQLite notices a moved file only when a
            // journal opens, so ask before committing. The rollback cannot
            // lose anything the new file has.
            let _ = self.conn.execute_batch(ROLLBACK);
            self.lost = true;
            return Err(Error::ConnectionLost {
                message: "the database file was replaced or deleted under this transaction; it was rolled back, \
                          not committed into the old file"
                    .into(),
                source: None,
            });
        }
        let sql = ormcore::sql::transaction_sql(op, &self.dialect)?;
        let result = self
            .retry_busy(|conn| {
                conn.prepare_cached(&sql)?.raw_execute()?;
                Ok(())
            })
            .await
            .map_err(Error::from);
        self.noted(result)
    }

    fn in_transaction(&self) -> bool {
        !self.conn.is_autocommit()
    }

    fn is_lost(&self) -> bool {
        self.lost
    }

    fn transaction_now(&mut self, op: TxOp<'_>) -> Option<ormcore::Result<()>> {
        // Undoing work takes no lock SQLite could make us wait for.
        let sql = match ormcore::sql::transaction_sql(op, &self.dialect) {
            Ok(sql) => sql,
            Err(error) => return Some(Err(error)),
        };
        let result = self.conn.prepare_cached(&sql).and_then(|mut stmt| stmt.raw_execute()).map(drop).map_err(map);
        Some(self.noted(result))
    }
}
