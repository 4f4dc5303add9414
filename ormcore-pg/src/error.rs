//! tokio-postgres errors mapped onto ormcore's error kinds.
//!
//! Errors the server reports carry a SQLSTATE: class 23 (integrity
//! constraint violation) becomes [`Error::Integrity`], every other class
//! (syntax errors, serialization failures, deadlocks, cancellations)
//! [`Error::Operational`] with the SQLSTATE in its message. A parameter
//! that [`PgParam`](crate::value::PgParam) could not convert is an
//! [`Error::Interface`]; a lost connection and I/O failures are
//! operational. The driver error is kept as the source where ormcore's
//! error has one.

use std::error::Error as _;

use ormcore::{ConstraintKind, Error};

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

/// Map a tokio-postgres error onto an ormcore error kind.
pub(crate) fn map(error: tokio_postgres::Error) -> Error {
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
                message: db.message().to_owned(),
                source: Some(Box::new(error)),
            };
        }
        let message = format!("{} ({sqlstate})", db.message());
        return Error::operational(message, error);
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
