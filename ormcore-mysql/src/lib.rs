//! MySQL and MariaDB backend for ormcore, on mysql_async.
//!
//! Work in progress (issue 9): the options ([`MySqlOptions`]), the
//! mapping of server errors onto ormcore's kinds and the value codec are
//! here; the pool,
//! connections and streams come next. The MySQL/MariaDB dialect is part of
//! ormcore ([`ormcore::sql::MySqlDialect`]), so queries compile for both
//! today. `RESEARCH.md` beside this crate records how mysql_async behaves
//! at the edges that the backend must handle.

#![forbid(unsafe_code)]

#[cfg_attr(not(test), expect(dead_code, reason = "the connections that use it are the next step of issue 9"))]
mod error;
mod options;
#[cfg_attr(not(test), expect(dead_code, reason = "the connections that use it are the next step of issue 9"))]
mod value;

pub use options::MySqlOptions;

/// Re-exported so that users can reach the driver directly.
pub use mysql_async;
