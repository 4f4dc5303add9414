//! MySQL and MariaDB backend for ormcore, on mysql_async.
//!
//! ```no_run
//! use ormcore_mysql::{MySqlDatabase, MySqlOptions};
//!
//! # async fn demo() -> ormcore::Result<()> {
//! let db = MySqlDatabase::connect(MySqlOptions::from_url("mysql://root@127.0.0.1:3306/app")?).await?;
//! # Ok(()) }
//! ```
//!
//! The server's flavor (MySQL or MariaDB) and version are read on the first
//! connection; the dialect ([`ormcore::sql::MySqlDialect`]) compiles for
//! them. Every connection runs in strict mode and exchanges timestamps in
//! UTC (see [`MySqlDialect::session_setup`](ormcore::sql::MySqlDialect::session_setup)).
//! `RESEARCH.md` beside this crate records how mysql_async behaves at the
//! edges that the backend handles.

#![forbid(unsafe_code)]

mod connection;
mod detached;
mod error;
mod keys;
mod options;
mod pool;
mod row;
mod stream;
mod tls;
mod value;

pub use connection::MySqlConnection;
pub use options::MySqlOptions;
pub use pool::{MySql, PooledMySql};
pub use stream::MySqlStream;

/// Re-exported so that users can reach the driver directly.
pub use mysql_async;

/// A MySQL or MariaDB database: `ormcore::Database` on the MySQL backend.
pub type MySqlDatabase = ormcore::Database<MySql>;
