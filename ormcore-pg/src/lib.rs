//! PostgreSQL backend for ormcore, on tokio-postgres and deadpool-postgres.
//!
//! ```no_run
//! use ormcore_pg::{PgDatabase, PgOptions};
//!
//! # async fn demo() -> ormcore::Result<()> {
//! let db = PgDatabase::connect(PgOptions::from_url("postgresql://postgres@127.0.0.1:5432/app")?).await?;
//! # Ok(()) }
//! ```
//!
//! Every connection exchanges timestamps in UTC (`TimeZone=UTC`), set at
//! connect together with the isolation level and search path, so they cost
//! no round trip.

#![forbid(unsafe_code)]

mod cancel;
mod connection;
mod error;
mod options;
mod pool;
mod row;
mod shared;
mod stream;
mod tls;
mod value;

#[cfg(all(test, feature = "chrono", feature = "uuid", feature = "json"))]
mod codec_tests;

pub use connection::PgConnection;
pub use options::PgOptions;
pub use pool::{Pg, PooledPg};
pub use stream::PgStream;

/// Re-exported so that users can reach the driver directly.
pub use tokio_postgres;

/// A PostgreSQL database: `ormcore::Database` on the PostgreSQL backend.
pub type PgDatabase = ormcore::Database<Pg>;
