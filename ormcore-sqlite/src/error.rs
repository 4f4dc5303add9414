//! rusqlite errors mapped onto ormcore's error kinds.

use ormcore::{ConflictKind, ConstraintKind, Error};
use rusqlite::ffi;

/// Whether the error is SQLite's "database is locked" that waiting may cure
/// (not `SQLITE_BUSY_SNAPSHOT`, which only a rollback cures).
pub(crate) fn is_busy(error: &rusqlite::Error) -> bool {
    matches!(
        error,
        rusqlite::Error::SqliteFailure(e, _)
            if e.extended_code == ffi::SQLITE_BUSY || e.extended_code == ffi::SQLITE_LOCKED
    )
}

fn constraint_kind(extended_code: i32, message: &str) -> ConstraintKind {
    match extended_code {
        ffi::SQLITE_CONSTRAINT_UNIQUE | ffi::SQLITE_CONSTRAINT_PRIMARYKEY => ConstraintKind::Unique,
        ffi::SQLITE_CONSTRAINT_FOREIGNKEY => ConstraintKind::ForeignKey,
        ffi::SQLITE_CONSTRAINT_NOTNULL => ConstraintKind::NotNull,
        ffi::SQLITE_CONSTRAINT_CHECK => ConstraintKind::Check,
        // SQLite enforces ON DELETE/UPDATE RESTRICT as a trigger, with its
        // own foreign-key message.
        ffi::SQLITE_CONSTRAINT_TRIGGER if message == "FOREIGN KEY constraint failed" => ConstraintKind::ForeignKey,
        _ => ConstraintKind::Other,
    }
}

/// SQLite names the columns of a violated constraint after a colon:
/// `UNIQUE constraint failed: user.name`.
fn constraint_name(message: &str) -> Option<String> {
    message.split_once(": ").map(|(_, name)| name.trim().to_owned()).filter(|n| !n.is_empty())
}

/// Map a rusqlite error onto an ormcore error kind, keeping it as source.
///
/// `SQLITE_READONLY_DBMOVED` is a lost connection: the database file was
/// replaced or deleted under it, and SQLite refuses its writes for good (a
/// new connection opens the file now at the path). SQLite checks for it as
/// a write opens the rollback journal; in WAL mode it never does.
pub(crate) fn map(error: rusqlite::Error) -> Error {
    match &error {
        rusqlite::Error::SqliteFailure(e, _) if e.extended_code == ffi::SQLITE_READONLY_DBMOVED => {
            Error::connection_lost(
                "the database file was replaced or deleted under this connection (SQLITE_READONLY_DBMOVED)",
                error,
            )
        }
        rusqlite::Error::SqliteFailure(e, message) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
            let message = message.clone().unwrap_or_else(|| e.to_string());
            Error::Integrity {
                kind: constraint_kind(e.extended_code, &message),
                constraint: constraint_name(&message),
                model: None,
                column: None,
                message,
                source: Some(Box::new(error)),
            }
        }
        rusqlite::Error::SqliteFailure(e, _) if e.extended_code == ffi::SQLITE_BUSY_SNAPSHOT => {
            Error::conflict(ConflictKind::Serialization, error.to_string(), error)
        }
        // What is left of a lock wait once `busy_timeout` has passed.
        rusqlite::Error::SqliteFailure(..) if is_busy(&error) => {
            Error::conflict(ConflictKind::LockTimeout, error.to_string(), error)
        }
        rusqlite::Error::SqliteFailure(..) | rusqlite::Error::SqlInputError { .. } => {
            Error::operational(error.to_string(), error)
        }
        rusqlite::Error::InvalidParameterCount(..)
        | rusqlite::Error::ToSqlConversionFailure(_)
        | rusqlite::Error::InvalidColumnIndex(_)
        | rusqlite::Error::ExecuteReturnedResults
        | rusqlite::Error::MultipleStatement => Error::interface(error.to_string()),
        _ => Error::operational(error.to_string(), error),
    }
}

/// An error while fetching: from SQLite, or from decoding a row.
pub(crate) enum FetchError {
    Sqlite(rusqlite::Error),
    Orm(Error),
}

impl From<rusqlite::Error> for FetchError {
    fn from(error: rusqlite::Error) -> Self {
        FetchError::Sqlite(error)
    }
}

impl From<Error> for FetchError {
    fn from(error: Error) -> Self {
        FetchError::Orm(error)
    }
}

impl From<FetchError> for Error {
    fn from(error: FetchError) -> Self {
        match error {
            FetchError::Sqlite(e) => map(e),
            FetchError::Orm(e) => e,
        }
    }
}
