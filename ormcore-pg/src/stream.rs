//! [`PgStream`]: a query's rows read as the server sends them.
//!
//! The query runs as one statement whose rows tokio-postgres hands over as
//! they arrive, through a channel of one message: when the program reads
//! slowly, the driver stops reading the socket and the server waits, so
//! memory stays flat however many rows there are, and no round trip is
//! spent per batch (`buffer_size` is how many rows are decoded at a time).
//! Inside a transaction the statement runs in a savepoint, so that its
//! failure, or its cancellation when the stream is dropped half-way, leaves
//! the transaction's own work alone. A stream dropped half-way leaves the
//! statement running: the connection cancels it before its next statement
//! (see [`PgConnection::ready`](crate::connection::PgConnection)), then rolls
//! back to the savepoint.

use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};

use ormcore::Error;
use ormcore::backend::{OnRow, RawStream};
use ormcore::sql::{PostgresDialect, Statement, TxOp};

use crate::connection::{Owed, TxStatus};
use crate::pool::PooledPg;
use crate::row::PgRow;
use crate::value::params;

/// Savepoint names unique in the process, so that streams never collide.
static NEXT_SAVEPOINT: AtomicU64 = AtomicU64::new(1);

/// A streaming read of one statement; holds its connection.
pub struct PgStream {
    conn: PooledPg,
    rows: Option<Pin<Box<tokio_postgres::RowStream>>>,
    /// The savepoint the statement runs in, when the connection was already
    /// in a transaction.
    savepoint: Option<String>,
}

impl PgStream {
    // The connection travels back with the error, as `Backend::stream` asks.
    #[allow(clippy::result_large_err)]
    pub(crate) async fn open(mut conn: PooledPg, statement: Statement) -> Result<Self, (Error, PooledPg)> {
        // Whether the statement goes in a savepoint depends on whether a
        // transaction is open: find out first if that is unknown.
        let ready = match conn.ready().await {
            Ok(()) => conn.resolve_tx().await,
            Err(error) => Err(error),
        };
        if let Err(error) = ready {
            return Err((error, conn));
        }
        let savepoint = (conn.tx == TxStatus::Open)
            .then(|| format!("ormcore_stream_{}", NEXT_SAVEPOINT.fetch_add(1, Ordering::Relaxed)));
        let mut stream = PgStream { conn, rows: None, savepoint };
        match stream.start(&statement).await {
            Ok(()) => Ok(stream),
            Err(error) => {
                let _ = stream.finish(false).await;
                Err((error, stream.into_pooled()))
            }
        }
    }

    async fn start(&mut self, statement: &Statement) -> ormcore::Result<()> {
        if let Some(name) = &self.savepoint {
            let savepoint = ormcore::sql::transaction_sql(TxOp::Savepoint(name), &PostgresDialect)?;
            self.conn.control(&savepoint).await?;
        }
        let prepared = self.conn.prepare(statement).await?;
        let conn = &mut *self.conn;
        conn.in_flight = true;
        let rows = conn.client.client().query_raw(&prepared, params(&statement.params)).await;
        self.rows = Some(Box::pin(conn.track(rows)?));
        // The statement goes on running while its rows are read.
        conn.in_flight = true;
        Ok(())
    }

    /// End the statement's savepoint now: released when the statement ran
    /// to its end (a streamed write keeps what it wrote), rolled back
    /// otherwise.
    async fn finish(&mut self, completed: bool) -> ormcore::Result<()> {
        self.abandon(completed);
        self.conn.ready().await
    }

    /// Leave what the statement owes to the connection's next statement:
    /// cancelling it if it still runs, and ending its savepoint.
    fn abandon(&mut self, completed: bool) {
        if self.rows.take().is_some() && !completed {
            self.conn.cancel_abandoned();
        }
        if let Some(name) = self.savepoint.take() {
            self.conn.pending.push(if completed { Owed::Release(name) } else { Owed::Savepoint(name) });
        }
    }
}

impl RawStream for PgStream {
    type Pooled = PooledPg;

    async fn next_batch(&mut self, max: usize, on_row: &mut OnRow<'_>) -> ormcore::Result<bool> {
        let Some(rows) = self.rows.as_mut() else {
            return Ok(false);
        };
        for _ in 0..max {
            let next = std::future::poll_fn(|cx| futures_core::Stream::poll_next(rows.as_mut(), cx)).await;
            let delivered = match next {
                Some(Ok(row)) => on_row(&PgRow(&row)),
                Some(Err(error)) => {
                    let error = self.conn.failed(error);
                    // The statement has ended: nothing to cancel.
                    self.rows = None;
                    let _ = self.finish(false).await;
                    return Err(error);
                }
                None => {
                    self.conn.in_flight = false;
                    self.finish(true).await?;
                    return Ok(false);
                }
            };
            if let Err(error) = delivered {
                let _ = self.finish(false).await;
                return Err(error);
            }
        }
        Ok(true)
    }

    fn into_pooled(mut self) -> PooledPg {
        // Dropped half-way: the statement is cancelled, and its savepoint
        // rolled back, before the connection's next statement or when the
        // pool cleans it.
        self.abandon(false);
        self.conn
    }
}
