//! [`PgStream`]: rows read through a server-side cursor, `buffer_size` at a
//! time.
//!
//! The query is declared as a cursor (a portal) inside a transaction of its
//! own, or inside a savepoint when the connection is already in a
//! transaction, and each batch is one `FETCH FORWARD n`. Afterwards, and
//! after an error, the stream's transaction or savepoint is rolled back: a
//! cursor has nothing to keep, and rolling back to the savepoint leaves the
//! outer transaction's writes untouched. A stream dropped half-way leaves
//! that rollback to run before the connection's next statement.

use std::sync::atomic::{AtomicU64, Ordering};

use ormcore::Error;
use ormcore::backend::{OnRow, RawStream};
use ormcore::sql::TxOp;
use ormcore::sql::{PostgresDialect, Statement};

use crate::connection::{Owed, TxStatus};
use crate::pool::PooledPg;
use crate::row::PgRow;
use crate::value::params;

/// Cursor names unique in the process, so that streams never collide.
static NEXT_CURSOR: AtomicU64 = AtomicU64::new(1);

/// A streaming read through a server-side cursor; holds its connection.
pub struct PgStream {
    conn: PooledPg,
    cursor: String,
    /// The savepoint the cursor lives in, when the connection was already in
    /// a transaction; otherwise the stream began its own.
    savepoint: bool,
    finished: bool,
    /// The `FETCH` of this cursor, prepared once for the batch size it
    /// fetches: a batch is then one round trip that sends no SQL text.
    fetch: Option<(usize, tokio_postgres::Statement)>,
}

impl PgStream {
    // The connection travels back with the error, as `Backend::stream` asks.
    #[allow(clippy::result_large_err)]
    pub(crate) async fn open(mut conn: PooledPg, statement: Statement) -> Result<Self, (Error, PooledPg)> {
        let cursor = format!("ormcore_cursor_{}", NEXT_CURSOR.fetch_add(1, Ordering::Relaxed));
        // Whether the cursor goes in a savepoint depends on whether a
        // transaction is open: find out first if that is unknown.
        let ready = match conn.ready().await {
            Ok(()) => conn.resolve_tx().await,
            Err(error) => Err(error),
        };
        if let Err(error) = ready {
            return Err((error, conn));
        }
        let savepoint = conn.tx == TxStatus::Open;
        let mut stream = PgStream { conn, cursor, savepoint, finished: false, fetch: None };
        match stream.declare(&statement).await {
            Ok(()) => Ok(stream),
            Err(error) => {
                let _ = stream.finish().await;
                Err((error, stream.into_pooled()))
            }
        }
    }

    async fn declare(&mut self, statement: &Statement) -> ormcore::Result<()> {
        if self.savepoint {
            let savepoint = ormcore::sql::transaction_sql(TxOp::Savepoint(&self.cursor), &PostgresDialect)?;
            self.conn.control(&savepoint).await?;
        } else {
            let begin = ormcore::sql::transaction_sql(TxOp::Begin(ormcore::TxOptions::default()), &PostgresDialect)?;
            self.conn.begin(&begin).await?;
        }
        if !statement.session_free {
            self.conn.session_dirty = true;
        }
        let declare = PostgresDialect.declare_cursor(&self.cursor, &statement.sql);
        let conn = &mut *self.conn;
        conn.in_flight = true;
        let prepared = conn.client.client().prepare(&declare).await;
        let prepared = conn.track(prepared)?;
        conn.in_flight = true;
        let declared = conn.client.client().execute_raw(&prepared, params(&statement.params)).await;
        conn.track(declared).map(drop)
    }

    /// What ends the stream's transaction or savepoint.
    fn owed(&self) -> Owed {
        if self.savepoint { Owed::Savepoint(self.cursor.clone()) } else { Owed::Rollback }
    }

    /// Roll back the stream's transaction or savepoint, now.
    async fn finish(&mut self) -> ormcore::Result<()> {
        if self.finished {
            return Ok(());
        }
        self.finished = true;
        // Undone like an abandoned stream's cleanup, at once.
        let owed = self.owed();
        self.conn.pending.push(owed);
        self.conn.ready().await
    }
}

impl PgStream {
    /// The next `max` rows, through the `FETCH` prepared for that size.
    async fn fetch(&mut self, max: usize) -> ormcore::Result<Vec<tokio_postgres::Row>> {
        let statement = match &self.fetch {
            Some((size, statement)) if *size == max => statement.clone(),
            _ => {
                let sql = PostgresDialect.fetch_cursor(&self.cursor, max);
                self.conn.in_flight = true;
                let prepared = self.conn.client.client().prepare(&sql).await;
                let prepared = self.conn.track(prepared)?;
                self.fetch = Some((max, prepared.clone()));
                prepared
            }
        };
        self.conn.in_flight = true;
        let rows = self.conn.client.client().query(&statement, &[]).await;
        self.conn.track(rows)
    }
}

impl RawStream for PgStream {
    type Pooled = PooledPg;

    async fn next_batch(&mut self, max: usize, on_row: &mut OnRow<'_>) -> ormcore::Result<bool> {
        if self.finished {
            return Ok(false);
        }
        let rows = match self.fetch(max).await {
            Ok(rows) => rows,
            Err(error) => {
                let _ = self.finish().await;
                return Err(error);
            }
        };
        for row in &rows {
            if let Err(error) = on_row(&PgRow(row)) {
                let _ = self.finish().await;
                return Err(error);
            }
        }
        if rows.len() < max {
            self.finish().await?;
            return Ok(false);
        }
        Ok(true)
    }

    fn into_pooled(mut self) -> PooledPg {
        if !self.finished {
            // Dropped half-way: the rollback runs before the connection's
            // next statement, or when the pool cleans it.
            let owed = self.owed();
            self.conn.pending.push(owed);
        }
        self.conn
    }
}
