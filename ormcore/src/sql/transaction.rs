//! What a transaction-control statement says: [`TxOp`] and the options a
//! transaction starts with. Each [`Dialect`](super::Dialect) renders them.

use super::Dialect;
use super::writer::quote_ident;
use crate::error::{Error, Result};

/// A transaction isolation level.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IsolationLevel {
    /// `READ UNCOMMITTED`.
    ReadUncommitted,
    /// `READ COMMITTED`.
    ReadCommitted,
    /// `REPEATABLE READ`.
    RepeatableRead,
    /// `SERIALIZABLE`.
    Serializable,
}

impl IsolationLevel {
    /// The level's SQL name.
    pub fn as_sql(self) -> &'static str {
        match self {
            IsolationLevel::ReadUncommitted => "READ UNCOMMITTED",
            IsolationLevel::ReadCommitted => "READ COMMITTED",
            IsolationLevel::RepeatableRead => "REPEATABLE READ",
            IsolationLevel::Serializable => "SERIALIZABLE",
        }
    }
}

impl std::str::FromStr for IsolationLevel {
    type Err = Error;

    /// A level name as the reference accepts it (`"SERIALIZABLE"`), in any
    /// case, with spaces, underscores or hyphens.
    fn from_str(name: &str) -> Result<Self> {
        match name.to_ascii_uppercase().replace(['_', '-'], " ").as_str() {
            "READ UNCOMMITTED" => Ok(IsolationLevel::ReadUncommitted),
            "READ COMMITTED" => Ok(IsolationLevel::ReadCommitted),
            "REPEATABLE READ" => Ok(IsolationLevel::RepeatableRead),
            "SERIALIZABLE" => Ok(IsolationLevel::Serializable),
            _ => Err(Error::interface(format!("unknown isolation level {name:?}"))),
        }
    }
}

/// How a transaction starts: its isolation level, and whether it is
/// read-only and deferrable (the options the reference forwards to
/// asyncpg). They apply to the outermost block only; a dialect that cannot
/// express one refuses it with [`Error::Unsupported`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct TxOptions {
    /// The isolation level; the connection's default when `None`.
    pub isolation: Option<IsolationLevel>,
    /// `READ ONLY`.
    pub read_only: bool,
    /// `DEFERRABLE` (PostgreSQL: a serializable read-only transaction that
    /// waits for a safe snapshot instead of risking a serialization failure).
    pub deferrable: bool,
}

/// A transaction-control operation; the backend renders it through its
/// dialect and updates what it knows of its transaction state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TxOp<'a> {
    /// Start a transaction with these options.
    Begin(TxOptions),
    /// Commit the transaction.
    Commit,
    /// Roll the transaction back.
    Rollback,
    /// Create a savepoint.
    Savepoint(&'a str),
    /// Release (commit) a savepoint.
    Release(&'a str),
    /// Roll back to a savepoint, keeping it.
    RollbackTo(&'a str),
}

/// `COMMIT`, the same in every dialect.
pub const COMMIT: &str = "COMMIT";

/// `ROLLBACK`, the same in every dialect: what a backend sends to undo a
/// transaction it finds open where none should be.
pub const ROLLBACK: &str = "ROLLBACK";

/// The SQL of a transaction-control operation; fails for transaction
/// options the dialect cannot express.
pub fn transaction_sql(op: TxOp<'_>, dialect: &dyn Dialect) -> Result<String> {
    let (keyword, name) = match op {
        TxOp::Begin(options) => return dialect.begin_transaction(&options),
        TxOp::Commit => return Ok(COMMIT.to_owned()),
        TxOp::Rollback => return Ok(ROLLBACK.to_owned()),
        TxOp::Savepoint(name) => ("SAVEPOINT ", name),
        TxOp::Release(name) => ("RELEASE SAVEPOINT ", name),
        TxOp::RollbackTo(name) => ("ROLLBACK TO SAVEPOINT ", name),
    };
    let mut sql = String::with_capacity(keyword.len() + name.len() + 2);
    sql.push_str(keyword);
    quote_ident(&mut sql, dialect.identifier_quote(), name);
    Ok(sql)
}
