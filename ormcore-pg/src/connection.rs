//! One PostgreSQL connection and how statements run on it.

use std::pin::pin;

use futures_core::Stream;
use ormcore::Error;
use ormcore::backend::{ExecResult, OnRow, RawConnection, TxOp};
use ormcore::sql::{PostgresDialect, Statement};

use std::sync::Arc;

use crate::error::map;
use crate::row::PgRow;
use crate::shared::SharedClient;
use crate::value::params;

/// One pooled PostgreSQL connection, with what ormcore knows of its state.
///
/// tokio-postgres does not report the server's transaction status, so the
/// connection keeps its own: whether a transaction is open, whether an error
/// aborted it (PostgreSQL then answers `COMMIT` with a silent rollback),
/// whether a statement was interrupted mid-flight, and cleanups owed by an
/// abandoned stream. The pool uses these to clean a connection before anyone
/// else gets it.
pub struct PgConnection {
    pub(crate) client: Handle,
    pub(crate) in_transaction: bool,
    pub(crate) aborted: bool,
    pub(crate) in_flight: bool,
    /// SQL owed by an abandoned stream, run before the next statement.
    pub(crate) pending: Vec<String>,
}

impl std::fmt::Debug for PgConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgConnection")
            .field("in_transaction", &self.in_transaction)
            .field("aborted", &self.aborted)
            .finish_non_exhaustive()
    }
}

/// The connection behind a [`PgConnection`]: checked out of the pool, or
/// the connection shared among autocommit statements.
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
    pub(crate) fn new(client: Handle) -> Self {
        PgConnection { client, in_transaction: false, aborted: false, in_flight: false, pending: Vec::new() }
    }

    /// The tokio-postgres client, for what ormcore does not cover. Leave it
    /// as you found it: no transaction that ormcore does not know of.
    pub fn client(&self) -> &tokio_postgres::Client {
        self.client.client()
    }

    /// Whether the pool must clean this connection before reuse.
    pub(crate) fn needs_cleanup(&self) -> bool {
        self.in_transaction || self.in_flight || !self.pending.is_empty()
    }

    /// Run what an abandoned stream owes.
    pub(crate) async fn settle(&mut self) -> ormcore::Result<()> {
        while let Some(sql) = self.pending.first() {
            self.in_flight = true;
            self.client.client().batch_execute(sql).await.map_err(map)?;
            self.in_flight = false;
            self.pending.remove(0);
        }
        Ok(())
    }

    /// Record the outcome of a statement: an error inside a transaction
    /// aborts it on the server until a rollback.
    fn track<T>(&mut self, result: Result<T, tokio_postgres::Error>) -> ormcore::Result<T> {
        self.in_flight = false;
        result.map_err(|error| {
            if self.in_transaction {
                self.aborted = true;
            }
            map(error)
        })
    }

    /// Run a control statement (BEGIN, SAVEPOINT, DECLARE, ...) with no
    /// parameters.
    pub(crate) async fn control(&mut self, sql: &str) -> ormcore::Result<()> {
        self.in_flight = true;
        let result = self.client.client().batch_execute(sql).await;
        self.track(result)
    }

    async fn prepare(&mut self, sql: &str) -> ormcore::Result<tokio_postgres::Statement> {
        self.settle().await?;
        self.in_flight = true;
        let result = self.client.prepare_cached(sql).await;
        self.track(result)
    }
}

impl RawConnection for PgConnection {
    async fn execute(&mut self, statement: &Statement) -> ormcore::Result<ExecResult> {
        let prepared = self.prepare(&statement.sql).await?;
        self.in_flight = true;
        let result = self.client.client().execute_raw(&prepared, params(&statement.params)).await;
        let rows_affected = self.track(result)?;
        Ok(ExecResult { rows_affected, last_insert_id: None })
    }

    async fn fetch(&mut self, statement: &Statement, on_row: &mut OnRow<'_>) -> ormcore::Result<ExecResult> {
        let prepared = self.prepare(&statement.sql).await?;
        self.in_flight = true;
        let result = self.client.client().query_raw(&prepared, params(&statement.params)).await;
        let rows = self.track(result)?;
        let mut rows = pin!(rows);
        self.in_flight = true;
        loop {
            let next = std::future::poll_fn(|cx| rows.as_mut().poll_next(cx)).await;
            match next {
                Some(Ok(row)) => {
                    if let Err(error) = on_row(&PgRow(&row)) {
                        // The rest of the result is read and dropped by the
                        // driver; the connection stays usable.
                        self.in_flight = false;
                        return Err(error);
                    }
                }
                Some(Err(error)) => return self.track(Err(error)),
                None => break,
            }
        }
        self.in_flight = false;
        Ok(ExecResult { rows_affected: rows.rows_affected().unwrap_or(0), last_insert_id: None })
    }

    async fn transaction(&mut self, op: TxOp<'_>) -> ormcore::Result<()> {
        self.settle().await?;
        let sql = ormcore::sql::transaction_sql(op, &PostgresDialect)?;
        match op {
            TxOp::Commit if self.aborted => {
                // PostgreSQL would answer COMMIT with a rollback and no
                // error: say so instead.
                self.control("ROLLBACK").await?;
                self.in_transaction = false;
                self.aborted = false;
                Err(Error::Operational {
                    message: "the transaction was aborted by an earlier error and has been rolled back".into(),
                    source: None,
                })
            }
            TxOp::Begin(_) => {
                self.control(&sql).await?;
                self.in_transaction = true;
                self.aborted = false;
                Ok(())
            }
            TxOp::Commit | TxOp::Rollback => {
                let result = self.control(&sql).await;
                // Either way the server has left the transaction (a failed
                // COMMIT rolls back).
                self.in_transaction = false;
                self.aborted = false;
                result
            }
            TxOp::RollbackTo(_) => {
                self.control(&sql).await?;
                self.aborted = false;
                Ok(())
            }
            _ => self.control(&sql).await,
        }
    }

    fn in_transaction(&self) -> bool {
        self.in_transaction
    }
}
