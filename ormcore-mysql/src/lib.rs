//! MySQL and MariaDB backend for ormcore (mysql_async).
//!
//! Not implemented yet: this crate reserves the name and the place in the
//! workspace. The MySQL/MariaDB dialect is already part of ormcore
//! ([`ormcore::sql::MySqlDialect`]), so queries compile for both today; the
//! driver, pool and conformance run arrive with the backend.

#![forbid(unsafe_code)]
