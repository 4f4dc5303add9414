//! tokio-postgres errors mapped onto ormcore's error kinds.
//!
//! Errors the server reports carry a SQLSTATE: class 23 (integrity
//! constraint violation) becomes [`Error::Integrity`]; 40001
//! (serialization failure), 40P01 (deadlock) and 55P03 (lock not
//! available) [`Error::Conflict`]; every other class (syntax errors,
//! cancellations, ...) [`Error::Operational`], with the SQLSTATE in the
//! message. A parameter
//! that [`PgParam`](crate::value::PgParam) could not convert is an
//! [`Error::Interface`]. A closed connection, I/O failures and the
//! SQLSTATEs of a session the server ended (class 08, connection
//! exception; 57P01-57P03, administrator or crash shutdown, cannot connect
//! now) are [`Error::ConnectionLost`]. The driver error is kept as the
//! source where ormcore's error has one.

use std::error::Error as _;

use ormcore::{ConflictKind, ConstraintKind, Error};

use crate::value::BindError;

fn constraint_kind(sqlstate: &str) -> ConstraintKind {
    match sqlstate {
        "23505" => ConstraintKind::Unique,
        // 23001: a delete or update refused by ON DELETE/UPDATE RESTRICT.
        "23503" | "23001" => ConstraintKind::ForeignKey,
        "23502" => ConstraintKind::NotNull,
        "23514" => ConstraintKind::Check,
        _ => ConstraintKind::Other,
    }
}

/// Whether the error means the connection is gone: closed, broken by an
/// I/O failure, or its session ended by the server.
pub(crate) fn is_lost(error: &tokio_postgres::Error) -> bool {
    if error.is_closed() {
        return true;
    }
    match error.as_db_error() {
        Some(db) => {
            let sqlstate = db.code().code();
            sqlstate.starts_with("08") || matches!(sqlstate, "57P01" | "57P02" | "57P03")
        }
        None => error.source().is_some_and(|cause| cause.is::<std::io::Error>()),
    }
}

/// Map a tokio-postgres error onto an ormcore error kind.
pub(crate) fn map(error: tokio_postgres::Error) -> Error {
    if is_lost(&error) {
        let message = match (error.as_db_error(), error.source()) {
            (Some(db), _) => format!("{} ({})", db.message(), db.code().code()),
            (None, Some(cause)) => format!("{error}: {cause}"),
            (None, None) => error.to_string(),
        };
        return Error::connection_lost(message, error);
    }
    if let Some(db) = error.as_db_error() {
        let sqlstate = db.code().code();
        if sqlstate.starts_with("23") {
            let kind = constraint_kind(sqlstate);
            // PostgreSQL names no constraint for NOT NULL, but the column.
            let constraint = match kind {
                ConstraintKind::NotNull => db.column().or(db.constraint()),
                _ => db.constraint(),
            };
            return Error::Integrity {
                kind,
                constraint: constraint.map(str::to_owned),
                model: None,
                column: None,
                message: db.message().to_owned(),
                source: Some(Box::new(error)),
            };
        }
        let message = format!("{} ({sqlstate})", db.message());
        let conflict = match sqlstate {
            "40001" => Some(ConflictKind::Serialization),
            "40P01" => Some(ConflictKind::Deadlock),
            "55P03" => Some(ConflictKind::LockTimeout),
            _ => None,
        };
        return match conflict {
            Some(kind) => Error::conflict(kind, message, error),
            None => Error::operational(message, error),
        };
    }
    // tokio-postgres's own message for these is "error serializing
    // parameter N" (counting from 0), without the reason.
    if let Some(bind) = error.source().and_then(|source| source.downcast_ref::<BindError>()) {
        return Error::interface(format!("{error}: {bind}"));
    }
    let message = match error.source() {
        Some(cause) => format!("{error}: {cause}"),
        None => error.to_string(),
    };
    Error::operational(message, error)
}
