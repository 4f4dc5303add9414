//! [`MySqlStream`]: a query's rows read as the server sends them.
//!
//! The statement runs unbuffered: its rows stay on the socket until read,
//! `buffer_size` at a time, so memory stays flat however many there are
//! (when the program reads slowly, the driver stops reading and TCP holds
//! the server back). The stream owns its connection; each batch reads the
//! result that is pending on it, so nothing borrows across awaits (the
//! statement is sent as every command is: on a task of its own inside a
//! transaction, see [`crate::detached`]). A stream dropped half-way leaves the rest of its rows
//! pending: the connection's next command reads them to their end first
//! (mysql_async does), as does the pool's recycler for a connection
//! returned so. A failed statement rolls back only itself on MySQL (a
//! deadlock excepted, which the transaction status then shows), so a
//! stream inside a transaction needs no savepoint. The statement is sent
//! by the first batch, not when the stream is made.

use ormcore::backend::{OnRow, RawStream};
use ormcore::sql::Statement;

use crate::pool::PooledMySql;

/// A streaming read of one statement; holds its connection.
pub struct MySqlStream {
    conn: PooledMySql,
    state: State,
}

enum State {
    /// Not sent yet.
    Start(Statement),
    /// Sent; its rows are pending on the connection.
    Rows,
    /// Every row read, or the statement failed.
    Done,
}

impl MySqlStream {
    pub(crate) fn new(conn: PooledMySql, statement: Statement) -> Self {
        MySqlStream { conn, state: State::Start(statement) }
    }
}

impl RawStream for MySqlStream {
    type Pooled = PooledMySql;

    async fn next_batch(&mut self, max: usize, on_row: &mut OnRow<'_>) -> ormcore::Result<bool> {
        if let State::Start(_) = &self.state {
            let State::Start(statement) = std::mem::replace(&mut self.state, State::Done) else { return Ok(false) };
            self.conn.start(&statement).await?;
            self.state = State::Rows;
        }
        if !matches!(self.state, State::Rows) {
            return Ok(false);
        }
        match self.conn.read_rows(max, on_row).await {
            Ok(true) => Ok(true),
            Ok(false) => {
                self.state = State::Done;
                Ok(false)
            }
            Err(error) => {
                // The rest, if any, is read off by the connection's next
                // command; this stream delivers nothing more.
                self.state = State::Done;
                Err(error)
            }
        }
    }

    fn into_pooled(self) -> PooledMySql {
        self.conn
    }
}
