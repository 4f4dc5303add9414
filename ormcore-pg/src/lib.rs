//! PostgreSQL backend for ormcore (tokio-postgres + deadpool-postgres).
//!
//! Not implemented yet: this crate reserves the name and the place in the
//! workspace. The PostgreSQL dialect is already part of ormcore
//! ([`ormcore::sql::PostgresDialect`]), so queries compile for PostgreSQL
//! today; the driver, pool and conformance run arrive with the backend.
