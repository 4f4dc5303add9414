//! [`SqliteStream`]: stepping a statement in batches, holding the
//! connection between batches.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;

use ormcore::Error;
use ormcore::backend::{OnRow, RawStream};
use ormcore::sql::Statement;

use crate::connection::{BusyWait, bind};
use crate::error::{FetchError, is_busy};
use crate::pool::PooledSqlite;
use crate::row::SqliteRow;

/// An open statement being stepped, with the connection it runs on.
///
/// rusqlite's `Rows` borrows its `Statement`, which borrows the
/// `Connection`; all three live here together, the borrows given `'static`
/// lifetimes. That is sound because:
/// - the connection sits behind a raw pointer in `ConnBox` and the
///   statement behind one here, so moving this struct (or the
///   `PooledSqlite`) never moves them or asserts unique access to them;
/// - nothing touches the connection while `rows` and `statement` exist, and
///   [`Drop`] and [`into_pooled`](RawStream::into_pooled) drop `rows`, then
///   `statement`, before the connection is used or dropped.
pub struct SqliteStream {
    rows: ManuallyDrop<rusqlite::Rows<'static>>,
    statement: NonNull<rusqlite::Statement<'static>>,
    conn: ManuallyDrop<PooledSqlite>,
    /// A step has succeeded: from then on the statement holds the locks it
    /// needs, and "database is locked" is an error rather than a wait.
    started: bool,
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
    pub(crate) fn open(mut conn: PooledSqlite, statement: &Statement) -> Result<Self, (Error, PooledSqlite)> {
        conn.note(statement);
        // SAFETY: `conn` is kept alive in the returned stream until the
        // statement borrowing it is dropped (see the type's documentation);
        // on the error paths the statement is dropped before `conn` moves.
        let raw = unsafe { conn.conn.detached() };
        let mut prepared = match raw.prepare(&statement.sql) {
            Ok(prepared) => prepared,
            Err(error) => return Err((crate::error::map(error), conn)),
        };
        if let Err(error) = bind(&mut prepared, &statement.params) {
            drop(prepared);
            return Err((error.into(), conn));
        }
        let statement = NonNull::from(Box::leak(Box::new(prepared)));
        // SAFETY: the statement is valid until `take_connection` frees it,
        // after dropping the rows that borrow it.
        let rows = unsafe { (*statement.as_ptr()).raw_query() };
        Ok(SqliteStream { rows: ManuallyDrop::new(rows), statement, conn: ManuallyDrop::new(conn), started: false })
    }

    /// Drop the rows and query the statement afresh (rusqlite resets it
    /// after an error; it keeps its bound parameters).
    fn restart(&mut self) {
        // SAFETY: the rows borrow the statement, which lives until
        // `take_connection`; they are dropped before the statement is
        // borrowed again, and replaced before anything reads them.
        unsafe {
            ManuallyDrop::drop(&mut self.rows);
            self.rows = ManuallyDrop::new((*self.statement.as_ptr()).raw_query());
        }
    }

    /// Drop the rows and the statement, in that order, and hand back the
    /// connection.
    fn take_connection(&mut self) -> PooledSqlite {
        // SAFETY: called once (from `into_pooled`, which forgets `self`, or
        // from `drop`); the fields are not used afterwards. The statement
        // pointer came from `Box::leak` in `open`.
        unsafe {
            ManuallyDrop::drop(&mut self.rows);
            drop(Box::from_raw(self.statement.as_ptr()));
            ManuallyDrop::take(&mut self.conn)
        }
    }
}

impl RawStream for SqliteStream {
    type Pooled = PooledSqlite;

    async fn next_batch(&mut self, max: usize, on_row: &mut OnRow<'_>) -> ormcore::Result<bool> {
        let mut fetched = 0;
        let mut busy = None;
        while fetched < max {
            let step = match self.rows.next() {
                Ok(Some(row)) => Ok(Some(on_row(&SqliteRow(row)))),
                Ok(None) => Ok(None),
                Err(error) => Err(error),
            };
            match step {
                Ok(Some(delivered)) => {
                    delivered?;
                    self.started = true;
                    fetched += 1;
                }
                Ok(None) => return Ok(false),
                // Before its first row the statement has taken no lock and
                // done nothing: wait for the lock, as statements do, and run
                // it again.
                Err(error) if !self.started && is_busy(&error) => {
                    let busy = busy.get_or_insert_with(|| BusyWait::new(self.conn.busy_timeout));
                    if !busy.sleep().await {
                        return Err(FetchError::Sqlite(error).into());
                    }
                    self.restart();
                }
                Err(error) => return Err(FetchError::Sqlite(error).into()),
            }
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
