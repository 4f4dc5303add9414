//! [`PgStream`]: a query's rows read as the server sends them.
//!
//! The query runs as one statement whose rows tokio-postgres hands over as
//! they arrive, through a channel of one message: when the program reads
//! slowly, the driver stops reading the socket and the server waits, so
//! memory stays flat however many rows there are, and no round trip is
//! spent per batch (`buffer_size` is how many rows are decoded at a time).
//! Inside a transaction the statement runs in a savepoint, so that its
//! failure leaves the transaction's own work alone. A stream dropped
//! half-way leaves its statement running: before the connection's next
//! statement, a read is cancelled and its savepoint rolled back, and any
//! other statement is waited for and keeps what it did (see
//! [`PgStream::abandon`]). The statement is sent by the first batch, not
//! when the stream is made.

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
    state: State,
    /// The savepoint the statement runs in, when the connection was already
    /// in a transaction.
    savepoint: Option<String>,
    /// Whether the statement only reads (a query-builder select): one
    /// abandoned half-way is cancelled and its savepoint rolled back. Any
    /// other (a write with `RETURNING`, raw SQL that may lock rows) runs to
    /// its end however far it was read, and keeps what it did: rows it
    /// returned were the caller's to see.
    read_only: bool,
}

enum State {
    /// Not sent yet: the first batch starts it, so that dropping a stream
    /// before its first row is dropping a statement in flight, which the
    /// connection recovers from, not dropping the connection.
    Start(Statement),
    Rows(Pin<Box<tokio_postgres::RowStream>>),
    Done,
}

impl PgStream {
    // The connection travels back with the error, as `Backend::stream` asks.
    #[allow(clippy::result_large_err)]
    pub(crate) async fn open(conn: PooledPg, statement: Statement) -> Result<Self, (Error, PooledPg)> {
        // A compiled select with no function beyond the portable built-ins:
        // nothing it does needs keeping.
        let read_only = statement.read_only && statement.session_free;
        Ok(PgStream { conn, state: State::Start(statement), savepoint: None, read_only })
    }

    async fn start(&mut self, statement: &Statement) -> ormcore::Result<()> {
        // Whether the statement goes in a savepoint depends on whether a
        // transaction is open: find out first if that is unknown.
        self.conn.ready().await?;
        self.conn.resolve_tx().await?;
        if self.conn.tx == TxStatus::Open {
            let name = format!("ormcore_stream_{}", NEXT_SAVEPOINT.fetch_add(1, Ordering::Relaxed));
            let savepoint = ormcore::sql::transaction_sql(TxOp::Savepoint(&name), &PostgresDialect)?;
            self.conn.control(&savepoint).await?;
            self.savepoint = Some(name);
        }
        let prepared = self.conn.prepare(statement).await?;
        let conn = &mut *self.conn;
        conn.in_flight = true;
        let rows = conn.client.client().query_raw(&prepared, params(&statement.params)).await;
        self.state = State::Rows(Box::pin(conn.track(rows)?));
        // The statement goes on running while its rows are read.
        conn.in_flight = true;
        Ok(())
    }

    /// End the statement's savepoint now (see [`abandon`](Self::abandon)).
    async fn finish(&mut self, completed: bool) -> ormcore::Result<()> {
        self.abandon(completed);
        self.conn.ready().await
    }

    /// Leave what the statement owes to the connection's next statement.
    /// One that completed releases its savepoint. One still running is
    /// cancelled if it only reads (its savepoint then rolled back); any
    /// other is waited for, and its savepoint released, or rolled back if
    /// it failed.
    fn abandon(&mut self, completed: bool) {
        let running = matches!(std::mem::replace(&mut self.state, State::Done), State::Rows(_)) && !completed;
        let undo = running && self.read_only;
        if running {
            self.conn.abandoned(self.read_only);
        }
        if let Some(name) = self.savepoint.take() {
            self.conn.pending.push(if undo || !completed && !running {
                Owed::Savepoint(name)
            } else {
                Owed::Release(name)
            });
        }
    }
}

impl RawStream for PgStream {
    type Pooled = PooledPg;

    async fn next_batch(&mut self, max: usize, on_row: &mut OnRow<'_>) -> ormcore::Result<bool> {
        if let State::Start(_) = &self.state {
            let State::Start(statement) = std::mem::replace(&mut self.state, State::Done) else { return Ok(false) };
            if let Err(error) = self.start(&statement).await {
                let _ = self.finish(false).await;
                return Err(error);
            }
        }
        let State::Rows(rows) = &mut self.state else {
            return Ok(false);
        };
        for _ in 0..max {
            let next = std::future::poll_fn(|cx| futures_core::Stream::poll_next(rows.as_mut(), cx)).await;
            let delivered = match next {
                Some(Ok(row)) => on_row(&PgRow(&row)),
                Some(Err(error)) => {
                    let error = self.conn.failed(error);
                    // The statement has ended, and failed: undo it.
                    self.state = State::Done;
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
        // Dropped half-way: see `abandon`; the connection settles it before
        // its next statement, or when the pool cleans it.
        self.abandon(false);
        self.conn
    }
}
