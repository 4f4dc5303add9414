//! [`MySql`]: the backend, on mysql_async's own pool.
//!
//! mysql_async returns a dropped connection to its pool through a
//! background task, the recycler, which reads to its end any result left
//! unread and discards a connection whose command was cancelled in flight
//! (the driver marks it disconnected when a command's future is dropped).
//! It does not roll back a transaction it did not open itself, and ormcore
//! opens its own. Its default, resetting every connection on return
//! (`COM_RESET_CONNECTION`: a round trip, and the prepared statements
//! thrown away), cut pooled point selects to a third, so the pool runs
//! without it, and ormcore asks for the reset only where it is needed:
//!
//! - a connection that ran only statements the compiler proved
//!   session-free, in autocommit, goes straight back;
//! - one inside a transaction (as the server's last answer has it, or
//!   unsure of it), or after a statement that may have changed the session,
//!   is reset on its way back: the reset rolls back, clears the session and
//!   runs the session setup again; a connection whose reset fails is
//!   discarded;
//! - one that is lost, or whose command was cancelled in flight in
//!   autocommit, is discarded (inside a transaction a cancelled command
//!   goes on on a task of its own, and the connection with it: see
//!   [`crate::detached`]).
//!
//! Nobody else acquires a connection before the recycler is done with it.
//!
//! `Pool::disconnect` is final and waits for every connection checked out,
//! so `close` builds a new pool in the old one's place and disconnects the
//! old one in the background: its idle connections close at once, and the
//! ones still checked out close as they come back.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{DriverError, Pool};
use ormcore::Error;
use ormcore::backend::{Backend, PoolStatus, RawConnection};
use ormcore::sql::{Dialect, MySqlDialect, Statement};

use crate::connection::{MySqlConnection, TxStatus};
use crate::options::MySqlOptions;
use crate::stream::MySqlStream;

/// The MySQL and MariaDB backend: mysql_async's pool of connections. Use
/// it through [`MySqlDatabase`](crate::MySqlDatabase).
#[derive(Clone)]
pub struct MySql {
    inner: Arc<MySqlInner>,
}

/// What every connection of the backend shares.
pub(crate) struct MySqlInner {
    /// The pool in use; `close` puts a new one in its place.
    pool: RwLock<Pool>,
    /// What a new pool is built from.
    pub(crate) opts: mysql_async::Opts,
    pool_size: usize,
    acquire_timeout: Duration,
    /// The server's flavor and version, read on the first connection.
    pub(crate) dialect: MySqlDialect,
}

impl MySqlInner {
    fn pool(&self) -> Pool {
        self.pool.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A connection from the pool, waiting at most `acquire_timeout`.
    async fn conn(&self) -> ormcore::Result<mysql_async::Conn> {
        let timeout = Error::PoolTimeout { pool_size: self.pool_size, timeout: self.acquire_timeout };
        let deadline = tokio::time::Instant::now() + self.acquire_timeout;
        // Closed while this waited: `close` put a new pool in its place
        // first, so try that one (again, if it was closed as well).
        for _ in 0..3 {
            let got = tokio::time::timeout_at(deadline, self.pool().get_conn()).await;
            match got {
                Ok(Ok(conn)) => return Ok(conn),
                Ok(Err(mysql_async::Error::Driver(DriverError::PoolDisconnected))) => continue,
                Ok(Err(error)) => return Err(crate::error::map(error)),
                Err(_) => return Err(timeout),
            }
        }
        Err(Error::PoolClosed)
    }
}

/// Which server a connection talks to: MariaDB says so in its version
/// string, MySQL does not.
async fn detect_dialect(conn: &mut mysql_async::Conn) -> ormcore::Result<MySqlDialect> {
    let version: Option<String> = conn.query_first("SELECT VERSION()").await.map_err(crate::error::map)?;
    let version_tuple = conn.server_version();
    Ok(match version {
        Some(text) if text.contains("MariaDB") => MySqlDialect::mariadb(version_tuple),
        _ => MySqlDialect::mysql(version_tuple),
    })
}

/// A connection checked out of the pool; returned when dropped, cleaned
/// first where it needs it: reset when inside a transaction (or unsure of
/// it) or after a statement that may have changed the session; discarded
/// when lost or when a command was cancelled in flight.
pub struct PooledMySql {
    conn: Option<MySqlConnection>,
}

impl Deref for PooledMySql {
    type Target = MySqlConnection;
    fn deref(&self) -> &MySqlConnection {
        // Present from checkout until drop.
        self.conn.as_ref().expect("pooled connection present until dropped")
    }
}

impl DerefMut for PooledMySql {
    fn deref_mut(&mut self) -> &mut MySqlConnection {
        self.conn.as_mut().expect("pooled connection present until dropped")
    }
}

impl Drop for PooledMySql {
    fn drop(&mut self) {
        let Some(mut conn) = self.conn.take() else { return };
        if let Some(away) = conn.away.take() {
            match away.abandon() {
                // Its command's answer came back: it was inside a
                // transaction, so it is reset below.
                Some((raw, _)) => {
                    conn.conn = Some(raw);
                    conn.tx = TxStatus::Unknown;
                }
                // Its task cleans it up (see `crate::detached`).
                None => return,
            }
        }
        let reset = conn.is_lost() || conn.needs_reset();
        let (in_flight, id, opts) = (conn.in_flight, conn.id(), conn.pool.opts.clone());
        let Some(raw) = conn.conn.as_mut() else { return };
        // A disconnected connection the recycler discards; one the server
        // ended but the driver still holds fails its reset, and is
        // discarded then. One inside a transaction, or unsure of it, or
        // with a session that may have changed, is reset: that rolls back
        // what it did and leaves nothing for the next user. The reset comes
        // after the recycler has read any result left unread.
        if reset {
            raw.reset_connection(true);
        }
        // A command abandoned in flight may still run on the server until
        // the server notices the closed socket (a long statement, not
        // before it ends): end its session there. The connection is
        // discarded, never reused, so the kill cannot hit anyone else's
        // statement.
        if in_flight && raw.is_disconnected() {
            crate::detached::end_session(opts, id);
        }
    }
}

impl Backend for MySql {
    type Options = MySqlOptions;
    type Connection = MySqlConnection;
    type Pooled = PooledMySql;
    type Stream = MySqlStream;

    async fn connect(options: MySqlOptions) -> ormcore::Result<Self> {
        if let Some(ssl) = options.server.ssl_opts() {
            crate::tls::prepare(ssl)?;
        }
        let opts = options.driver_opts();
        let pool = Pool::new(opts.clone());
        let mut first = tokio::time::timeout(options.acquire_timeout, pool.get_conn())
            .await
            .map_err(|_| Error::Operational {
                message: format!("cannot connect to the MySQL server within {:?}", options.acquire_timeout),
                source: None,
            })?
            .map_err(crate::error::map)?;
        let dialect = match options.dialect {
            Some(dialect) => dialect,
            None => detect_dialect(&mut first).await?,
        };
        let inner = MySqlInner {
            pool: RwLock::new(pool),
            opts,
            pool_size: options.pool_size,
            acquire_timeout: options.acquire_timeout,
            dialect,
        };
        let backend = MySql { inner: Arc::new(inner) };
        // Open `pool_min_size` connections now (the first is open); they
        // stay in the pool.
        let mut warm = vec![PooledMySql { conn: Some(MySqlConnection::new(first, Arc::clone(&backend.inner))) }];
        for _ in 1..options.pool_min_size.clamp(1, options.pool_size) {
            warm.push(backend.acquire().await?);
        }
        drop(warm);
        Ok(backend)
    }

    fn dialect(&self) -> &dyn Dialect {
        &self.inner.dialect
    }

    async fn acquire(&self) -> ormcore::Result<PooledMySql> {
        let conn = self.inner.conn().await?;
        Ok(PooledMySql { conn: Some(MySqlConnection::new(conn, Arc::clone(&self.inner))) })
    }

    async fn stream(conn: PooledMySql, statement: Statement) -> Result<MySqlStream, (Error, PooledMySql)> {
        Ok(MySqlStream::new(conn, statement))
    }

    async fn close(&self) {
        let inner = &self.inner;
        let fresh = Pool::new(inner.opts.clone());
        let old = std::mem::replace(&mut *inner.pool.write().unwrap_or_else(PoisonError::into_inner), fresh);
        // `disconnect` waits for the connections still checked out: it
        // must not hold up `close`.
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(old.disconnect());
            }
            Err(_) => drop(old),
        }
    }

    fn pool_status(&self) -> PoolStatus {
        let metrics = self.inner.pool().metrics();
        PoolStatus {
            max_size: self.inner.pool_size,
            open: metrics.connection_count.load(Ordering::Relaxed),
            idle: metrics.connections_in_pool.load(Ordering::Relaxed),
        }
    }
}
