//! SQLite backend for ormcore, on rusqlite with SQLite bundled.
//!
//! ```no_run
//! use ormcore_sqlite::{SqliteDatabase, SqliteOptions};
//!
//! # async fn demo() -> ormcore::Result<()> {
//! let db = SqliteDatabase::connect(SqliteOptions::new("app.db").wal().pool_size(4)).await?;
//! # Ok(()) }
//! ```
//!
//! # How queries run
//!
//! SQLite is a library, not a server: a statement costs a microsecond or
//! two, and what it may wait for is the database's write lock. So
//! statements run inline, on the task that awaits them, with no thread hop,
//! and SQLite's own busy handler is off: when the lock is taken, the query
//! sleeps asynchronously and retries until `busy_timeout`, leaving the
//! runtime free meanwhile. The benchmark in `ormcore-sqlite/benches` measures
//! this against a worker thread per connection; see `docs/` for the numbers.

// The unsafe code here (a statement that borrows its connection, kept
// in a stream that owns both; one FFI file-control call) says why it is
// sound at each block.
#![deny(clippy::undocumented_unsafe_blocks)]

mod conn_box;
mod connection;
mod error;
mod options;
mod pool;
mod row;
mod session;
mod stream;
mod value;

pub use connection::SqliteConnection;
pub use options::SqliteOptions;
pub use pool::{PooledSqlite, Sqlite};
pub use stream::SqliteStream;

/// Re-exported so that connect hooks can use the driver directly.
pub use rusqlite;

/// A SQLite database: `ormcore::Database` on the SQLite backend.
pub type SqliteDatabase = ormcore::Database<Sqlite>;
