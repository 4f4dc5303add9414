//! [`SqliteStream`]: stepping a statement in batches, holding the
//! connection between batches.

use std::mem::ManuallyDrop;

use ormcore::Error;
use ormcore::backend::{OnRow, RawStream};
use ormcore::sql::Statement;

use crate::connection::bind;
use crate::error::FetchError;
use crate::pool::PooledSqlite;
use crate::row::SqliteRow;

/// An open statement being stepped, with the connection it runs on.
///
/// rusqlite's `Rows` borrows its `Statement`, which borrows the
/// `Connection`; all three live here together. The borrows are given
/// `'static` lifetimes, which is sound because:
/// - the connection is boxed inside `SqliteConnection`, so moving this
///   struct (or the `PooledSqlite`) never moves it;
/// - the statement is boxed for the same reason;
/// - nothing touches the connection while `rows` and `statement` exist, and
///   [`Drop`] and [`into_pooled`](RawStream::into_pooled) drop `rows`, then
///   `statement`, before the connection is used or dropped.
pub struct SqliteStream {
    rows: ManuallyDrop<rusqlite::Rows<'static>>,
    statement: ManuallyDrop<Box<rusqlite::Statement<'static>>>,
    conn: ManuallyDrop<PooledSqlite>,
}

// SAFETY: the statement and rows hold raw pointers into a connection opened
// in SQLite's multi-thread mode (rusqlite's default `SQLITE_OPEN_NO_MUTEX`),
// where one connection may move between threads as long as it is used by one
// thread at a time. The stream owns that connection outright and is used
// through `&mut self` only, so it is never used from two threads at once.
unsafe impl Send for SqliteStream {}

impl SqliteStream {
    // The connection travels back with the error, as `Backend::stream` asks.
    #[allow(clippy::result_large_err)]
    pub(crate) fn open(conn: PooledSqlite, statement: &Statement) -> Result<Self, (Error, PooledSqlite)> {
        // SAFETY: see the type's documentation: the connection is boxed, so
        // this reference stays valid while `conn` moves, and every borrow
        // made through it is dropped before `conn` is used or dropped.
        let raw: &'static rusqlite::Connection = unsafe { &*std::ptr::from_ref::<rusqlite::Connection>(&conn.conn) };
        let mut prepared = match raw.prepare(&statement.sql) {
            Ok(prepared) => Box::new(prepared),
            Err(error) => return Err((crate::error::map(error), conn)),
        };
        if let Err(error) = bind(&mut prepared, &statement.params) {
            drop(prepared);
            return Err((error.into(), conn));
        }
        let mut statement = ManuallyDrop::new(prepared);
        let rows = statement.raw_query();
        // SAFETY: the statement is boxed and outlives the rows, dropped first.
        let rows: rusqlite::Rows<'static> = unsafe { std::mem::transmute(rows) };
        Ok(SqliteStream { rows: ManuallyDrop::new(rows), statement, conn: ManuallyDrop::new(conn) })
    }

    /// Drop the rows and the statement, in that order, and hand back the
    /// connection.
    fn take_connection(&mut self) -> PooledSqlite {
        // SAFETY: called once (from `into_pooled`, which forgets `self`, or
        // from `drop`); the fields are not used afterwards.
        unsafe {
            ManuallyDrop::drop(&mut self.rows);
            ManuallyDrop::drop(&mut self.statement);
            ManuallyDrop::take(&mut self.conn)
        }
    }
}

impl RawStream for SqliteStream {
    type Pooled = PooledSqlite;

    async fn next_batch(&mut self, max: usize, on_row: &mut OnRow<'_>) -> ormcore::Result<bool> {
        let mut fetched = 0;
        while fetched < max {
            match self.rows.next().map_err(FetchError::from)? {
                Some(row) => on_row(&SqliteRow(row))?,
                None => return Ok(false),
            }
            fetched += 1;
        }
        Ok(true)
    }

    fn into_pooled(self) -> PooledSqlite {
        let mut this = ManuallyDrop::new(self);
        this.take_connection()
    }
}

impl Drop for SqliteStream {
    fn drop(&mut self) {
        drop(self.take_connection());
    }
}
