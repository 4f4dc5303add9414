//! One PostgreSQL connection and how statements run on it.

use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use futures_core::Stream;
use ormcore::Error;
use ormcore::backend::{ExecResult, OnRow, RawConnection};
use ormcore::sql::{PostgresDialect, ROLLBACK, Statement, TxOp};
use tokio_postgres::error::SqlState;

use crate::cancel::CANCEL_TIMEOUT;
use crate::error::map;
use crate::pool::PgInner;
use crate::row::PgRow;
use crate::shared::SharedClient;
use crate::value::params;

/// How long a statement whose future was dropped may go on running on the
/// server before it is cancelled: most end on their own well within it,
/// which spares the server a cancel request.
const CANCEL_GRACE: Duration = Duration::from_millis(20);

/// What ormcore knows of the server's transaction status.
///
/// tokio-postgres does not expose the status byte of the protocol's
/// `ReadyForQuery`, so the connection keeps its own: `Unknown` from the
/// moment a statement that may change it (transaction control, raw SQL) is
/// sent until an answer says otherwise. A statement whose future was
/// dropped in flight thus never leaves a wrong status, only an unknown one,
/// which counts as "may be inside a transaction": rolled back at release,
/// and probed with [`PostgresDialect::TRANSACTION_PROBE`] where the difference matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxStatus {
    /// No transaction block is open.
    Idle,
    /// A transaction block is open.
    Open,
    /// Either.
    Unknown,
}

/// How a statement a stream abandoned in flight is recovered from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Abandoned {
    /// Cancel it: a read, whose rest nobody wants.
    Cancel,
    /// Let it run to its end: what it did stays.
    Wait,
}

/// What an abandoned stream leaves to undo before the next statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Owed {
    /// Roll back to the savepoint the stream's statement ran in, and
    /// release it.
    Savepoint(String),
    /// Release the savepoint of a stream whose statement ran to its end.
    Release(String),
}

/// One pooled PostgreSQL connection, with what ormcore knows of its state.
///
/// Besides the transaction status it tracks whether an error may have
/// aborted the transaction (PostgreSQL then answers `COMMIT` with a silent
/// rollback), whether a request's answer was never read (its future was
/// dropped; the server may still be running it), whether a statement the
/// compiler could not prove session-free ran (session state may have
/// changed), and what an abandoned stream owes. The pool cleans a
/// connection by these before anyone else gets it.
pub struct PgConnection {
    pub(crate) client: Handle,
    backend: Arc<PgInner>,
    pub(crate) tx: TxStatus,
    pub(crate) aborted: bool,
    pub(crate) in_flight: bool,
    pub(crate) session_dirty: bool,
    pub(crate) pending: Vec<Owed>,
    /// Bringing the connection back to a known state failed: it is never
    /// used again, and the pool discards it.
    pub(crate) broken: bool,
    /// A statement failed because the connection is gone (see
    /// [`crate::error::is_lost`]): the client may not have noticed yet.
    lost: bool,
    /// The last statement on the shared connection gave up rather than
    /// wait (see [`crate::shared`]): it may run again on a pooled one.
    gave_up: bool,
    /// The last statement failed because its cached prepared statement is
    /// stale (see [`stale_statement`]).
    stale: bool,
    /// What to do with a statement in flight that a stream abandoned:
    /// cancel a read at once, wait for anything else to end.
    abandoned: Option<Abandoned>,
}

/// Whether the server refused a cached prepared statement that DDL made
/// stale ("cached plan must not change result type" after `ALTER COLUMN ..
/// TYPE`) or that raw SQL deallocated: preparing it again cures it.
fn stale_statement(error: &tokio_postgres::Error) -> bool {
    match error.as_db_error() {
        Some(db) if *db.code() == SqlState::FEATURE_NOT_SUPPORTED => db.message().starts_with("cached plan must not"),
        Some(db) => *db.code() == SqlState::INVALID_SQL_STATEMENT_NAME,
        None => false,
    }
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnection")
            .field("tx", &self.tx)
            .field("aborted", &self.aborted)
            .field("in_flight", &self.in_flight)
            .field("session_dirty", &self.session_dirty)
            .finish_non_exhaustive()
    }
}

/// The connection behind a [`PgConnection`]: checked out of the pool, or
/// the connection shared among autocommit reads.
// One per checked-out connection, moved only into and out of the pool
// wrapper: boxing the larger variant would cost an allocation per query.
#[allow(clippy::large_enum_variant)]
pub(crate) enum Handle {
    Pooled(deadpool_postgres::Object),
    Shared(Arc<SharedClient>),
}

impl Handle {
    pub(crate) fn client(&self) -> &tokio_postgres::Client {
        match self {
            Handle::Pooled(object) => object,
            Handle::Shared(shared) => &shared.client,
        }
    }

    async fn prepare_cached(&self, sql: &str) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
        match self {
            Handle::Pooled(object) => object.prepare_cached(sql).await,
            Handle::Shared(shared) => shared.prepare_cached(sql).await,
        }
    }
}

impl PgConnection {
    pub(crate) fn new(client: Handle, backend: Arc<PgInner>) -> Self {
        PgConnection {
            client,
            backend,
            tx: TxStatus::Idle,
            aborted: false,
            in_flight: false,
            session_dirty: false,
            pending: Vec::new(),
            broken: false,
            lost: false,
            gave_up: false,
            stale: false,
            abandoned: None,
        }
    }

    /// The tokio-postgres client, for what ormcore does not cover. Leave it
    /// as you found it: no transaction that ormcore does not know of.
    pub fn client(&self) -> &tokio_postgres::Client {
        self.client.client()
    }

    /// Whether the pool must clean this connection before reuse.
    pub(crate) fn needs_cleanup(&self) -> bool {
        self.tx != TxStatus::Idle
            || self.in_flight
            || self.session_dirty
            || !self.pending.is_empty()
            || self.backend.always_reset
    }

    /// Make the connection ready for a statement: recover from a statement
    /// abandoned in flight, then run what an abandoned stream owes.
    pub(crate) async fn ready(&mut self) -> ormcore::Result<()> {
        if self.broken {
            return Err(Error::Operational {
                message: "this connection could not be brought back to a known state and is closed".into(),
                source: None,
            });
        }
        if self.in_flight {
            self.recover().await?;
        }
        self.settle().await
    }

    /// The answer to an earlier request was never read: its future was
    /// dropped, and the server may still be running it. Wait briefly for it
    /// to end on its own, else cancel it (waiting until the cancel has
    /// provably landed, so that it cannot hit a later statement), then
    /// learn the transaction status: the statement may have opened, ended
    /// or aborted a transaction.
    async fn recover(&mut self) -> ormcore::Result<()> {
        let answer = {
            let client = self.client.client();
            // Answered only after the abandoned statement, whose answer the
            // driver reads and drops.
            let mut probe = pin!(client.simple_query(PostgresDialect::TRANSACTION_PROBE));
            let grace = match self.abandoned.take() {
                Some(Abandoned::Cancel) => Some(Duration::ZERO),
                Some(Abandoned::Wait) => None,
                None => Some(CANCEL_GRACE),
            };
            let waited = match grace {
                Some(grace) => tokio::time::timeout(grace, probe.as_mut()).await.ok(),
                None => Some(probe.as_mut().await),
            };
            match waited {
                Some(answer) => Some((answer, false)),
                None => match self.backend.canceller.cancel(&client.cancel_token()).await {
                    Ok(()) => tokio::time::timeout(CANCEL_TIMEOUT, probe).await.ok().map(|answer| (answer, true)),
                    Err(_) => None,
                },
            }
        };
        let Some((answer, cancel_sent)) = answer else {
            self.broken = true;
            return Err(Error::Operational {
                message: "a statement abandoned on this connection could not be cancelled".into(),
                source: None,
            });
        };
        let learned = self.learn_status(answer);
        self.in_flight = false;
        if let Err(error) = learned {
            self.broken = true;
            return Err(error);
        }
        if cancel_sent {
            self.absorb_cancel().await?;
        }
        Ok(())
    }

    /// After a cancel request: the server has signalled the backend, but
    /// the backend acts on the signal only when it next checks, and a check
    /// that falls after the abandoned statement and its probe have ended,
    /// before the backend waits for its next command, raises the cancel
    /// with nothing to cancel: its error would answer the next statement,
    /// somebody else's (seen under load). A probe sent now, after the
    /// signal, takes that error if it comes; once one succeeds, the signal
    /// has been acted on. At most a few rounds, then the connection is not
    /// trusted.
    async fn absorb_cancel(&mut self) -> ormcore::Result<()> {
        for _ in 0..3 {
            self.in_flight = true;
            let answer = self.client.client().simple_query(PostgresDialect::TRANSACTION_PROBE).await;
            self.in_flight = false;
            let cancelled = matches!(&answer, Err(e) if e.code() == Some(&SqlState::QUERY_CANCELED));
            self.learn_status(answer)?;
            if !cancelled {
                return Ok(());
            }
        }
        self.broken = true;
        Err(Error::Operational { message: "a cancel kept landing on this connection's probes".into(), source: None })
    }

    /// Find out the transaction status when it is unknown.
    pub(crate) async fn resolve_tx(&mut self) -> ormcore::Result<()> {
        if self.tx != TxStatus::Unknown {
            return Ok(());
        }
        self.in_flight = true;
        let answer = self.client.client().simple_query(PostgresDialect::TRANSACTION_PROBE).await;
        self.in_flight = false;
        self.learn_status(answer)
    }

    /// Set the transaction status from the probe's answer.
    fn learn_status(
        &mut self,
        answer: Result<Vec<tokio_postgres::SimpleQueryMessage>, tokio_postgres::Error>,
    ) -> ormcore::Result<()> {
        match answer {
            Ok(messages) => {
                let autocommit = messages.iter().any(|message| match message {
                    tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0) == Some("t"),
                    _ => false,
                });
                // Answered at all, it was not in a failed transaction.
                self.tx = if autocommit { TxStatus::Idle } else { TxStatus::Open };
                self.aborted = false;
                Ok(())
            }
            Err(error) if error.code() == Some(&SqlState::IN_FAILED_SQL_TRANSACTION) => {
                self.tx = TxStatus::Open;
                self.aborted = true;
                Ok(())
            }
            // The statement cancelled was the probe: the status is as
            // unknown as before, and an open transaction is now aborted.
            Err(error) if error.code() == Some(&SqlState::QUERY_CANCELED) => {
                self.tx = TxStatus::Unknown;
                self.aborted = true;
                Ok(())
            }
            Err(error) => Err(map(error)),
        }
    }

    /// Run what an abandoned stream owes. One that fails leaves the
    /// transaction around it aborted, so that it cannot commit half-done.
    async fn settle(&mut self) -> ormcore::Result<()> {
        while !self.pending.is_empty() {
            // Removed as it is sent: a statement on its way runs even if this
            // future is dropped, and running it twice would fail.
            let owed = self.pending.remove(0);
            let result = match &owed {
                Owed::Release(name) if !self.aborted => {
                    let release = ormcore::sql::transaction_sql(TxOp::Release(name), &PostgresDialect)?;
                    self.control(&release).await
                }
                // A statement that failed on its own after the stream was
                // dropped leaves the transaction aborted: undo it too.
                Owed::Release(name) | Owed::Savepoint(name) => {
                    let to = ormcore::sql::transaction_sql(TxOp::RollbackTo(name), &PostgresDialect)?;
                    let release = ormcore::sql::transaction_sql(TxOp::Release(name), &PostgresDialect)?;
                    let result = self.control(&format!("{to}; {release}")).await;
                    if result.is_ok() {
                        self.aborted = false;
                    }
                    result
                }
            };
            if let Err(error) = result {
                if self.tx != TxStatus::Idle {
                    self.aborted = true;
                }
                return Err(Error::Operational {
                    message: format!("undoing an abandoned stream failed ({error}); its transaction is aborted"),
                    source: Some(Box::new(error)),
                });
            }
        }
        Ok(())
    }

    /// Record the outcome of a statement: an error inside a transaction
    /// aborts it on the server until a rollback.
    pub(crate) fn track<T>(&mut self, result: Result<T, tokio_postgres::Error>) -> ormcore::Result<T> {
        match result {
            Ok(value) => {
                self.in_flight = false;
                Ok(value)
            }
            Err(error) => Err(self.failed(error)),
        }
    }

    /// Record a statement's failure: an error inside a transaction aborts
    /// it on the server until a rollback.
    pub(crate) fn failed(&mut self, error: tokio_postgres::Error) -> Error {
        self.in_flight = false;
        self.lost |= crate::error::is_lost(&error);
        if self.tx != TxStatus::Idle {
            self.aborted = true;
        }
        if matches!(self.client, Handle::Shared(_)) {
            self.gave_up = crate::shared::gave_up(&error);
        }
        self.stale = stale_statement(&error);
        map(error)
    }

    /// A stream was dropped with its statement still sending rows. A read
    /// (`undo`) is cancelled before the next statement instead of read to
    /// its end; anything else (a write whose returned rows the caller saw,
    /// a query that locks rows) is waited for, and keeps what it did.
    pub(crate) fn abandoned(&mut self, undo: bool) {
        if self.in_flight {
            self.abandoned = Some(if undo { Abandoned::Cancel } else { Abandoned::Wait });
        }
    }

    /// Run a control statement (SAVEPOINT, RELEASE, ...) with no parameters.
    pub(crate) async fn control(&mut self, sql: &str) -> ormcore::Result<()> {
        self.in_flight = true;
        let result = self.client.client().batch_execute(sql).await;
        self.track(result)
    }

    /// Run a statement that opens a transaction block: the status is
    /// unknown until its answer is read.
    pub(crate) async fn begin(&mut self, sql: &str) -> ormcore::Result<()> {
        self.tx = TxStatus::Unknown;
        self.in_flight = true;
        let result = self.client.client().batch_execute(sql).await;
        self.in_flight = false;
        if let Err(error) = &result {
            self.lost |= crate::error::is_lost(error);
        }
        result.map_err(map)?;
        self.tx = TxStatus::Open;
        self.aborted = false;
        Ok(())
    }

    /// Run COMMIT or ROLLBACK: the status is unknown until the answer is
    /// read, and no transaction is open once the server has answered, even
    /// with an error (a failed COMMIT rolls back).
    async fn end_transaction(&mut self, sql: &str) -> ormcore::Result<()> {
        self.tx = TxStatus::Unknown;
        self.in_flight = true;
        let result = self.client.client().batch_execute(sql).await;
        self.in_flight = false;
        match &result {
            Ok(()) => self.tx = TxStatus::Idle,
            Err(error) if error.as_db_error().is_some() => self.tx = TxStatus::Idle,
            Err(_) => {}
        }
        if let Err(error) = &result {
            self.lost |= crate::error::is_lost(error);
        }
        if self.tx == TxStatus::Idle {
            self.aborted = false;
        }
        result.map_err(map)
    }

    /// Bring the session back to what a fresh connection has: recover from
    /// anything abandoned, roll back, and reset the session state. The pool
    /// runs it before a connection that needs cleaning goes back.
    pub(crate) async fn reset(&mut self) -> ormcore::Result<()> {
        self.ready().await?;
        // A ROLLBACK outside a transaction costs nothing but a warning in
        // the server's log, on every release: find out instead.
        self.resolve_tx().await?;
        let sql = if self.tx == TxStatus::Idle {
            PostgresDialect::RESET_SESSION.to_owned()
        } else {
            format!("{ROLLBACK}; {}", PostgresDialect::RESET_SESSION)
        };
        self.tx = TxStatus::Unknown;
        self.in_flight = true;
        let answer = self.client.client().simple_query(&sql).await;
        self.in_flight = false;
        let messages = answer.map_err(map)?;
        self.tx = TxStatus::Idle;
        self.aborted = false;
        self.session_dirty = false;
        // Fewer statements on the server than in the cache: some were
        // deallocated, and the cache must forget them all (it cannot tell
        // which), or their next use fails, inside a transaction for good.
        let prepared = messages.iter().rev().find_map(|message| match message {
            tokio_postgres::SimpleQueryMessage::Row(row) => row.get(0).and_then(|n| n.parse::<usize>().ok()),
            _ => None,
        });
        if let Handle::Pooled(object) = &self.client
            && prepared.is_none_or(|n| n < object.statement_cache.size())
        {
            object.statement_cache.clear();
        }
        Ok(())
    }

    /// Prepare a statement (from the cache) for running. One the compiler
    /// could not prove session-free may change the session, and raw SQL
    /// that may begin or end a transaction the transaction status: they
    /// count as changed from now on.
    pub(crate) async fn prepare(&mut self, statement: &Statement) -> ormcore::Result<tokio_postgres::Statement> {
        self.ready().await?;
        if !statement.session_free {
            self.session_dirty = true;
        }
        if statement.controls_transaction {
            self.tx = TxStatus::Unknown;
        }
        self.in_flight = true;
        let result = self.client.prepare_cached(&statement.sql).await;
        let prepared = self.track(result)?;
        if prepared.params().len() != statement.params.len() {
            // tokio-postgres would refuse it too, as an error without a
            // SQLSTATE: say what the misuse is.
            return Err(Error::interface(format!(
                "the statement has {} parameter{} but {} value{} given",
                prepared.params().len(),
                if prepared.params().len() == 1 { "" } else { "s" },
                statement.params.len(),
                if statement.params.len() == 1 { " was" } else { "s were" },
            )));
        }
        Ok(prepared)
    }
}

impl PgConnection {
    /// Run a statement and hand each of its rows to `on_row`.
    /// The columns of a statement that has just run: its prepared
    /// statement is in the cache, so this costs no round trip unless the
    /// cache was cleared meanwhile. Unlike [`prepare`](Self::prepare), it
    /// marks nothing: the statement does not run again.
    async fn describe(&mut self, statement: &Statement) -> ormcore::Result<Vec<String>> {
        self.ready().await?;
        self.in_flight = true;
        let result = self.client.prepare_cached(&statement.sql).await;
        let prepared = self.track(result)?;
        Ok(prepared.columns().iter().map(|column| column.name().to_owned()).collect())
    }

    async fn fetch_rows(&mut self, statement: &Statement, on_row: &mut OnRow<'_>) -> ormcore::Result<ExecResult> {
        let prepared = self.prepare(statement).await?;
        self.in_flight = true;
        let result = self.client.client().query_raw(&prepared, params(&statement.params)).await;
        let rows = self.track(result)?;
        let mut rows = pin!(rows);
        self.in_flight = true;
        loop {
            let next = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await;
            match next {
                Some(Ok(row)) => {
                    // On an error the statement is abandoned: the driver
                    // reads and drops the rest of its result, unseen, and
                    // that rest may be long or end in an error that aborts
                    // the transaction. So it stays in flight, and is
                    // recovered (waited for or cancelled, the status
                    // learned) before the connection's next statement or its
                    // return to the pool.
                    on_row(&PgRow(&row))?;
                }
                Some(Err(error)) => return self.track(Err(error)),
                None => break,
            }
        }
        self.in_flight = false;
        Ok(ExecResult { rows_affected: rows.rows_affected().unwrap_or(0), last_insert_id: None })
    }
}

impl PgConnection {
    /// Run a statement that returns no rows.
    async fn execute_once(&mut self, statement: &Statement) -> ormcore::Result<ExecResult> {
        let prepared = self.prepare(statement).await?;
        self.in_flight = true;
        let result = self.client.client().execute_raw(&prepared, params(&statement.params)).await;
        let rows_affected = self.track(result)?;
        Ok(ExecResult { rows_affected, last_insert_id: None })
    }

    /// Run a statement and collect its rows, with the count of a write.
    async fn fetch_buffered(&mut self, statement: &Statement) -> ormcore::Result<(Vec<tokio_postgres::Row>, u64)> {
        let prepared = self.prepare(statement).await?;
        self.in_flight = true;
        let result = self.client.client().query_raw(&prepared, params(&statement.params)).await;
        let rows = self.track(result)?;
        let mut rows = pin!(rows);
        let mut collected = Vec::new();
        self.in_flight = true;
        while let Some(row) = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await {
            match row {
                Ok(row) => collected.push(row),
                Err(error) => return self.track(Err(error)),
            }
        }
        self.in_flight = false;
        Ok((collected, rows.rows_affected().unwrap_or(0)))
    }

    /// [`fetch_rows`](Self::fetch_rows), once more if the cached statement
    /// was stale. That failure comes before any row: running the statement
    /// again delivers nothing twice.
    async fn fetch_retrying_stale(
        &mut self,
        statement: &Statement,
        on_row: &mut OnRow<'_>,
    ) -> ormcore::Result<ExecResult> {
        match self.fetch_rows(statement, on_row).await {
            Err(_) if self.retry_stale(&statement.sql) => self.fetch_rows(statement, on_row).await,
            result => result,
        }
    }

    /// After a failure: whether the statement failed only because its
    /// cached prepared statement was stale, and may run again (in
    /// autocommit; inside a transaction the failure has aborted it). The
    /// stale statement leaves the cache either way, so the next run
    /// prepares it afresh.
    fn retry_stale(&mut self, sql: &str) -> bool {
        if !std::mem::take(&mut self.stale) {
            return false;
        }
        self.backend.forget_statement(sql);
        // A connection checked out of a pool that `close_pool` replaced is
        // not in the current pool's list: forget it here too.
        if let Handle::Pooled(object) = &self.client {
            object.statement_cache.remove(sql, &[]);
        }
        self.tx == TxStatus::Idle
    }
}

impl RawConnection for PgConnection {
    async fn columns(&mut self, statement: &Statement) -> ormcore::Result<Vec<String>> {
        self.describe(statement).await
    }

    async fn execute(&mut self, statement: &Statement) -> ormcore::Result<ExecResult> {
        match self.execute_once(statement).await {
            Err(_) if self.retry_stale(&statement.sql) => self.execute_once(statement).await,
            result => result,
        }
    }

    async fn fetch(&mut self, statement: &Statement, on_row: &mut OnRow<'_>) -> ormcore::Result<ExecResult> {
        if matches!(self.client, Handle::Pooled(_)) {
            return self.fetch_retrying_stale(statement, on_row).await;
        }
        // On the shared connection rows are handed on only once the
        // statement has ended, so that one that gives up there (a lock
        // wait, or a long read past its first rows) can run again, from the
        // start, on a pooled connection, where it waits on nobody else's
        // behalf.
        let mut result = self.fetch_buffered(statement).await;
        if result.is_err() && self.retry_stale(&statement.sql) {
            result = self.fetch_buffered(statement).await;
        }
        match result {
            Ok((rows, rows_affected)) => {
                for row in &rows {
                    on_row(&PgRow(row))?;
                }
                Ok(ExecResult { rows_affected, last_insert_id: None })
            }
            Err(_) if std::mem::take(&mut self.gave_up) => {
                self.client = Handle::Pooled(self.backend.object().await?);
                self.fetch_retrying_stale(statement, on_row).await
            }
            Err(error) => Err(error),
        }
    }

    async fn transaction(&mut self, op: TxOp<'_>) -> ormcore::Result<()> {
        self.ready().await?;
        let sql = ormcore::sql::transaction_sql(op, &PostgresDialect)?;
        match op {
            TxOp::Begin(_) => self.begin(&sql).await,
            TxOp::Commit => {
                self.resolve_tx().await?;
                if self.tx == TxStatus::Idle {
                    return Err(Error::Operational {
                        message: "cannot commit: the database already ended this transaction".into(),
                        source: None,
                    });
                }
                if self.aborted {
                    // PostgreSQL would answer COMMIT with a rollback and no
                    // error: say so instead.
                    self.end_transaction(ROLLBACK).await?;
                    return Err(Error::Operational {
                        message: "the transaction was aborted by an earlier error and has been rolled back".into(),
                        source: None,
                    });
                }
                self.end_transaction(&sql).await
            }
            // Nothing to roll back (an abandoned stream's own transaction
            // was just undone): spare the server's warning.
            TxOp::Rollback if self.tx == TxStatus::Idle => Ok(()),
            TxOp::Rollback => self.end_transaction(&sql).await,
            TxOp::RollbackTo(_) => {
                self.control(&sql).await?;
                self.aborted = false;
                Ok(())
            }
            _ => self.control(&sql).await,
        }
    }

    fn in_transaction(&self) -> bool {
        self.tx != TxStatus::Idle
    }

    fn is_lost(&self) -> bool {
        self.broken || self.lost || self.client.client().is_closed()
    }

    async fn transaction_status(&mut self) -> ormcore::Result<bool> {
        self.ready().await?;
        self.resolve_tx().await?;
        Ok(self.tx == TxStatus::Open)
    }
}
