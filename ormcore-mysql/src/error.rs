//! mysql_async errors mapped onto ormcore's error kinds.
//!
//! MySQL and MariaDB classify errors by number rather than SQLSTATE (a
//! NOT NULL column without a default, a lock wait timeout and MySQL's
//! CHECK violation all come as `HY000`), so the number decides:
//!
//! - integrity: duplicate key (1062, 1586, 1022), foreign key (1451, 1452,
//!   1216, 1217), NOT NULL (1048, 1364), CHECK (MySQL 3819, MariaDB 4025),
//!   each with the constraint's name (the column's, for NOT NULL) read out
//!   of the message where the server puts it;
//! - conflicts: deadlock (1213, which rolled the whole transaction back),
//!   lock wait timeout (1205, which rolled back only the statement; 3572,
//!   MySQL's `NOWAIT`), and MariaDB's snapshot-isolation failure (1020);
//! - a TLS failure (an untrusted certificate, a refused handshake) is
//!   operational: it happens again on retry;
//! - connection lost: other I/O errors, a connection the driver closed or lost
//!   track of, and the server's own "killed" or "shutting down" (1927,
//!   1053, MySQL's idle timeout 4031). mysql_async never reports the C
//!   client's 2006 and 2013, but a proxy may: they count too;
//! - everything else is operational, with the number and SQLSTATE in the
//!   message. A statement interrupted by `KILL QUERY` (1317) leaves its
//!   connection usable, so it is operational too.

use mysql_async::{DriverError, ServerError};
use ormcore::{ConflictKind, ConstraintKind, Error};

/// The integrity kind of a server error number, if it is one.
fn constraint_kind(code: u16) -> Option<ConstraintKind> {
    Some(match code {
        1022 | 1062 | 1586 => ConstraintKind::Unique,
        1216 | 1217 | 1451 | 1452 => ConstraintKind::ForeignKey,
        1048 | 1364 => ConstraintKind::NotNull,
        3819 | 4025 => ConstraintKind::Check,
        _ => return None,
    })
}

/// The conflict kind of a server error number, if it is one.
fn conflict_kind(code: u16) -> Option<ConflictKind> {
    Some(match code {
        1213 => ConflictKind::Deadlock,
        1205 | 3572 => ConflictKind::LockTimeout,
        1020 => ConflictKind::Serialization,
        _ => return None,
    })
}

/// Whether a server error number means the session is over.
fn ends_session(code: u16) -> bool {
    matches!(code, 1053 | 1927 | 2006 | 2013 | 4031)
}

/// Whether a driver error leaves the connection unusable.
pub(crate) fn is_lost(error: &mysql_async::Error) -> bool {
    match error {
        mysql_async::Error::Io(_) => true,
        mysql_async::Error::Server(server) => ends_session(server.code),
        mysql_async::Error::Driver(driver) => {
            matches!(driver, DriverError::ConnectionClosed | DriverError::PacketOutOfOrder)
        }
        mysql_async::Error::Other(_) | mysql_async::Error::Url(_) => false,
    }
}

/// The text between the first `open` after `marker` and the next `close`.
fn quoted_after<'m>(message: &'m str, marker: &str, open: char, close: char) -> Option<&'m str> {
    let rest = &message[message.find(marker)? + marker.len()..];
    let start = rest.find(open)? + open.len_utf8();
    let len = rest[start..].find(close)?;
    Some(&rest[start..start + len])
}

/// The constraint (or, for NOT NULL, column) an integrity error names,
/// from the server's English message; `None` where the message does not
/// have the expected shape (another `lc_messages` language, another
/// server).
fn constraint_name(kind: ConstraintKind, code: u16, message: &str) -> Option<String> {
    let name = match (kind, code) {
        // "Duplicate entry 'a' for key 'uq_u'"; MySQL 8.0.19+ writes
        // 'table.uq_u'. The entry itself may contain quotes: the key is
        // after the last "for key".
        (ConstraintKind::Unique, _) => {
            let key = &message[message.rfind("for key ")? + "for key ".len()..];
            let key = key.strip_prefix('\'')?.strip_suffix('\'')?;
            key.rsplit_once('.').map_or(key, |(_, name)| name)
        }
        // "... CONSTRAINT `fk_child_parent` FOREIGN KEY ..." and MariaDB's
        // "CONSTRAINT `ck_v` failed for `test`.`t`".
        (ConstraintKind::ForeignKey, _) | (ConstraintKind::Check, 4025) => {
            quoted_after(message, "CONSTRAINT ", '`', '`')?
        }
        // MySQL: "Check constraint 'ck_v' is violated."
        (ConstraintKind::Check, _) => quoted_after(message, "onstraint ", '\'', '\'')?,
        // "Column 'v' cannot be null", "Field 'v' doesn't have a default value".
        (ConstraintKind::NotNull, _) => quoted_after(message, "", '\'', '\'')?,
        _ => return None,
    };
    Some(name.to_owned())
}

/// Map a mysql_async error onto an ormcore error kind.
pub(crate) fn map(error: mysql_async::Error) -> Error {
    if let Some(failure) = crate::tls::failure(&error) {
        return Error::operational(format!("TLS: {failure}"), error);
    }
    if is_lost(&error) {
        let message = error.to_string();
        return Error::connection_lost(message, error);
    }
    let mysql_async::Error::Server(ServerError { code, message, state }) = &error else {
        let message = error.to_string();
        return match &error {
            mysql_async::Error::Driver(DriverError::StmtParamsMismatch { .. }) => Error::interface(message),
            mysql_async::Error::Driver(DriverError::PoolDisconnected) => Error::PoolClosed,
            _ => Error::operational(message, error),
        };
    };
    let (code, state) = (*code, state.clone());
    if let Some(kind) = constraint_kind(code) {
        return Error::Integrity {
            kind,
            constraint: constraint_name(kind, code, message),
            model: None,
            column: None,
            message: message.clone(),
            source: Some(Box::new(error)),
        };
    }
    let described = format!("{message} ({code}, {state})");
    match conflict_kind(code) {
        Some(kind) => Error::conflict(kind, described, error),
        None => Error::operational(described, error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(code: u16, state: &str, message: &str) -> Error {
        map(mysql_async::Error::Server(ServerError { code, message: message.into(), state: state.into() }))
    }

    fn integrity(error: &Error) -> (ConstraintKind, Option<&str>) {
        match error {
            Error::Integrity { kind, constraint, .. } => (*kind, constraint.as_deref()),
            other => panic!("expected an integrity error, got {other:?}"),
        }
    }

    /// The messages MariaDB 10.11 sent for each violation (see
    /// RESEARCH.md), and MySQL 8's forms where they differ.
    #[test]
    fn integrity_errors_name_their_constraint() {
        let cases = [
            (1062, "23000", "Duplicate entry 'a' for key 'uq_u'", ConstraintKind::Unique, Some("uq_u")),
            (1062, "23000", "Duplicate entry 'a' for key 'user.uq_u'", ConstraintKind::Unique, Some("uq_u")),
            (1062, "23000", "Duplicate entry 'x' for key 'y' for key 'k'", ConstraintKind::Unique, Some("k")),
            (
                1451,
                "23000",
                "Cannot delete or update a parent row: a foreign key constraint fails (`test`.`child`, CONSTRAINT \
                 `fk_child_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`))",
                ConstraintKind::ForeignKey,
                Some("fk_child_parent"),
            ),
            (
                1452,
                "23000",
                "Cannot add or update a child row: a foreign key constraint fails (`test`.`child`, CONSTRAINT \
                 `fk_child_parent` FOREIGN KEY (`parent_id`) REFERENCES `parent` (`id`))",
                ConstraintKind::ForeignKey,
                Some("fk_child_parent"),
            ),
            (1048, "23000", "Column 'v' cannot be null", ConstraintKind::NotNull, Some("v")),
            (1364, "HY000", "Field 'v' doesn't have a default value", ConstraintKind::NotNull, Some("v")),
            (4025, "23000", "CONSTRAINT `ck_v` failed for `test`.`pr_t`", ConstraintKind::Check, Some("ck_v")),
            (3819, "HY000", "Check constraint 'ck_v' is violated.", ConstraintKind::Check, Some("ck_v")),
            // Another language: the kind still, no name.
            (1062, "23000", "Doppelter Eintrag 'a' für Schlüssel", ConstraintKind::Unique, None),
        ];
        for (code, state, message, kind, name) in cases {
            let error = server(code, state, message);
            assert_eq!(integrity(&error), (kind, name), "{code}: {message}");
            assert!(!error.is_retryable(), "{code}");
        }
    }

    #[test]
    fn conflicts_are_retryable_kinds() {
        let deadlock = server(1213, "40001", "Deadlock found when trying to get lock; try restarting transaction");
        assert_eq!(deadlock.conflict_kind(), Some(ConflictKind::Deadlock));
        assert!(deadlock.is_retryable());
        let wait = server(1205, "HY000", "Lock wait timeout exceeded; try restarting transaction");
        assert_eq!(wait.conflict_kind(), Some(ConflictKind::LockTimeout));
        assert!(wait.to_string().contains("1205"), "{wait}");
        let snapshot = server(1020, "HY000", "Record has changed since last read in table 't'");
        assert_eq!(snapshot.conflict_kind(), Some(ConflictKind::Serialization));
    }

    #[test]
    fn lost_connections_and_the_rest() {
        let io = mysql_async::Error::Io(mysql_async::IoError::Io(std::io::ErrorKind::BrokenPipe.into()));
        assert!(is_lost(&io));
        assert!(matches!(map(io), Error::ConnectionLost { .. }));
        let closed = mysql_async::Error::Driver(DriverError::ConnectionClosed);
        assert!(matches!(map(closed), Error::ConnectionLost { .. }));
        assert!(matches!(map(mysql_async::Error::Driver(DriverError::PoolDisconnected)), Error::PoolClosed));
        assert!(matches!(server(1927, "70100", "Connection was killed"), Error::ConnectionLost { .. }));
        // KILL QUERY ends the statement, not the session.
        let interrupted = server(1317, "70100", "Query execution was interrupted");
        assert!(matches!(&interrupted, Error::Operational { message, .. } if message.contains("1317")));
        let syntax = server(1064, "42000", "You have an error in your SQL syntax");
        assert!(matches!(syntax, Error::Operational { .. }));
    }
}
