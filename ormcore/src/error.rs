//! The one error type of ormcore and the kinds users match on.
//!
//! Backends map their driver's errors onto these kinds (SQLSTATE, MySQL error
//! numbers, SQLite result codes) so that portable code branches on meaning,
//! and keep the driver error as [`std::error::Error::source`].

use std::fmt;
use std::time::Duration;

use crate::value::DecodeError;

/// A boxed driver error kept as the source of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// `Result` with [`Error`] as the error type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Which constraint an [`Error::Integrity`] violated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConstraintKind {
    /// A UNIQUE or PRIMARY KEY constraint.
    Unique,
    /// A FOREIGN KEY constraint.
    ForeignKey,
    /// A NOT NULL constraint.
    NotNull,
    /// A CHECK constraint.
    Check,
    /// Another integrity violation the backend could not classify further.
    Other,
}

impl fmt::Display for ConstraintKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConstraintKind::Unique => "unique",
            ConstraintKind::ForeignKey => "foreign key",
            ConstraintKind::NotNull => "not null",
            ConstraintKind::Check => "check",
            ConstraintKind::Other => "integrity",
        })
    }
}

/// Why an [`Error::Conflict`] happened: concurrent transactions got in
/// each other's way. Running the whole transaction again may succeed
/// ([`Error::is_retryable`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConflictKind {
    /// The transaction could not be serialized with a concurrent one
    /// (PostgreSQL's 40001 under `REPEATABLE READ` or `SERIALIZABLE`;
    /// SQLite's `SQLITE_BUSY_SNAPSHOT`, a WAL read snapshot that another
    /// writer moved past).
    Serialization,
    /// The database broke a deadlock by failing this transaction
    /// (PostgreSQL's 40P01).
    Deadlock,
    /// A lock was not granted in time (PostgreSQL's 55P03, `lock_timeout`
    /// or `NOWAIT`; SQLite's "database is locked" after `busy_timeout`).
    LockTimeout,
}

impl fmt::Display for ConflictKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ConflictKind::Serialization => "serialization failure",
            ConflictKind::Deadlock => "deadlock",
            ConflictKind::LockTimeout => "lock timeout",
        })
    }
}

/// Every error ormcore returns.
///
/// Match on the variant to branch on meaning; the driver's own error, where
/// there is one, is the [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A query that must return a row (`aget`, `get`, `aget_by_id`) found
    /// none. The message is the reference's, with the SQL; the parameter
    /// values are kept out of it (they may be secrets bound for a log) and
    /// are in `params`.
    #[error("{model} matching query does not exist:\nSQL: {sql}\nParams: {} value(s)", params.len())]
    DoesNotExist {
        /// The model (or the row type's name for other queries) that was
        /// looked up.
        model: &'static str,
        /// The query's SQL, with the dialect's placeholders.
        sql: String,
        /// The values bound to its placeholders.
        params: Vec<crate::value::Value>,
    },

    /// The database rejected a write that violates a constraint.
    #[error("{kind} constraint violated{}: {message}", constraint_suffix(.constraint))]
    Integrity {
        /// Which kind of constraint.
        kind: ConstraintKind,
        /// The constraint's name, or the columns for backends that report those
        /// instead (SQLite reports `table.column`).
        constraint: Option<String>,
        /// The model whose write was refused, when the statement was a
        /// model's insert or update.
        model: Option<&'static str>,
        /// The column the constraint is on, where one column is known from
        /// the constraint (its SQL name).
        column: Option<String>,
        /// The database's message.
        message: String,
        /// The driver error.
        #[source]
        source: Option<BoxError>,
    },

    /// The database failed to run a statement: bad SQL, a lock that could not
    /// be taken, a server-side cancellation.
    #[error("operational error: {message}")]
    Operational {
        /// The database's message.
        message: String,
        /// The driver error.
        #[source]
        source: Option<BoxError>,
    },

    /// The connection to the database broke: the server closed or
    /// terminated the session, the network failed, or (SQLite) the database
    /// file was replaced under the connection.
    ///
    /// A statement that fails with it may or may not have run, and is never
    /// run again behind the caller's back. Outside a transaction block the
    /// next statement gets a healthy connection. Inside one the transaction
    /// went down with the connection: the block's statements, `commit()`
    /// and `rollback()` fail with this error, and once the block has ended
    /// the task's next statement gets a healthy connection.
    #[error("connection lost: {message}")]
    ConnectionLost {
        /// What happened.
        message: String,
        /// The driver error.
        #[source]
        source: Option<BoxError>,
    },

    /// Concurrent transactions conflicted: a serialization failure, a
    /// deadlock, a lock not granted in time. The statement (and, for the
    /// first two, its transaction) failed; running the whole transaction
    /// again may succeed.
    #[error("{kind}: {message}")]
    Conflict {
        /// Which conflict.
        kind: ConflictKind,
        /// The database's message.
        message: String,
        /// The driver error.
        #[source]
        source: Option<BoxError>,
    },

    /// The API was misused: closing a connection with a transaction open,
    /// querying a connection that a stream holds, using a closed handle,
    /// executing a query the dialect cannot express.
    #[error("interface error: {0}")]
    Interface(String),

    /// No pooled connection became free within `acquire_timeout`.
    #[error("timed out after {timeout:?} waiting for a connection (pool_size = {pool_size})")]
    PoolTimeout {
        /// The pool's maximum size.
        pool_size: usize,
        /// How long the caller waited.
        timeout: Duration,
    },

    /// [`close_pool`](crate::Database::close_pool) closed the pool under a
    /// connection still in use: a statement through the handle of a
    /// connection that `close_pool` released. The database itself opens a
    /// new pool at its next acquire.
    #[error("the connection pool was closed under this connection")]
    PoolClosed,

    /// A column's value could not be converted into the Rust field's type.
    #[error("cannot decode {model}.{column}: expected {expected}, found {found}")]
    Decode {
        /// The model (or `"row"` for tuples and untyped rows).
        model: &'static str,
        /// The column name, or its index for untyped rows.
        column: String,
        /// The Rust type that was asked for.
        expected: &'static str,
        /// What the database returned.
        found: String,
    },

    /// The SQL dialect has no way to express part of a query.
    #[error("{feature} is not supported by {dialect}")]
    Unsupported {
        /// What the query asked for.
        feature: &'static str,
        /// The dialect that cannot express it.
        dialect: &'static str,
    },
}

fn constraint_suffix(constraint: &Option<String>) -> String {
    constraint.as_ref().map(|c| format!(" ({c})")).unwrap_or_default()
}

impl Error {
    /// An [`Error::Interface`] with the given message.
    pub fn interface(message: impl Into<String>) -> Self {
        Error::Interface(message.into())
    }

    /// An [`Error::Operational`] wrapping a driver error.
    pub fn operational(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Operational { message: message.into(), source: Some(source.into()) }
    }

    /// An [`Error::ConnectionLost`] wrapping a driver error.
    pub fn connection_lost(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::ConnectionLost { message: message.into(), source: Some(source.into()) }
    }

    /// An [`Error::Conflict`] wrapping a driver error.
    pub fn conflict(kind: ConflictKind, message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        Error::Conflict { kind, message: message.into(), source: Some(source.into()) }
    }

    /// The conflict's kind, for [`Error::Conflict`].
    pub fn conflict_kind(&self) -> Option<ConflictKind> {
        match self {
            Error::Conflict { kind, .. } => Some(*kind),
            _ => None,
        }
    }

    /// A short name for the error's kind, one per variant and stable across
    /// releases: `does_not_exist`, `integrity`, `operational`,
    /// `connection_lost`, `conflict`, `interface`, `pool_timeout`,
    /// `pool_closed`, `decode`, `unsupported`. The `error` field of the
    /// statement span ([`crate::trace`]) and a key for metrics: unlike the
    /// message, it holds no SQL and no value.
    ///
    /// ```
    /// assert_eq!(ormcore::Error::interface("misuse").kind_name(), "interface");
    /// assert_eq!(ormcore::Error::PoolClosed.kind_name(), "pool_closed");
    /// ```
    pub fn kind_name(&self) -> &'static str {
        match self {
            Error::DoesNotExist { .. } => "does_not_exist",
            Error::Integrity { .. } => "integrity",
            Error::Operational { .. } => "operational",
            Error::ConnectionLost { .. } => "connection_lost",
            Error::Conflict { .. } => "conflict",
            Error::Interface(_) => "interface",
            Error::PoolTimeout { .. } => "pool_timeout",
            Error::PoolClosed => "pool_closed",
            Error::Decode { .. } => "decode",
            Error::Unsupported { .. } => "unsupported",
        }
    }

    /// Whether running the whole transaction (or the statement, outside
    /// one) again may succeed: true for the [`Error::Conflict`] kinds.
    ///
    /// Not for [`Error::ConnectionLost`]: a statement or a commit in flight
    /// when the connection died may have been applied, so running it again
    /// may apply it twice; only work that is safe to repeat may be retried
    /// then, which ormcore cannot know.
    pub fn is_retryable(&self) -> bool {
        matches!(self, Error::Conflict { .. })
    }

    /// True for [`Error::ConnectionLost`].
    pub fn is_connection_lost(&self) -> bool {
        matches!(self, Error::ConnectionLost { .. })
    }

    /// True for [`Error::DoesNotExist`].
    pub fn is_does_not_exist(&self) -> bool {
        matches!(self, Error::DoesNotExist { .. })
    }

    /// The violated constraint's kind, for [`Error::Integrity`].
    pub fn constraint_kind(&self) -> Option<ConstraintKind> {
        match self {
            Error::Integrity { kind, .. } => Some(*kind),
            _ => None,
        }
    }
}

impl DecodeError {
    /// Attach the model and column this value came from.
    pub fn at(self, model: &'static str, column: impl Into<String>) -> Error {
        Error::Decode { model, column: column.into(), expected: self.expected, found: self.found }
    }
}
