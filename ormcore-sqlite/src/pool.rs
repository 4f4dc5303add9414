//! [`Sqlite`]: the backend and its connection pool.
//!
//! A semaphore bounds the connections handed out; idle ones wait in a
//! stack (the most recently used first, its pages warmest in cache).
//! Connections open lazily, up to `pool_size`. A connection coming back
//! inside a transaction is rolled back before it rejoins the pool, or closed
//! if that fails, so the next user always gets a clean one.
//!
//! `close` closes the pool and puts a new one, with the same options, in its
//! place: connections checked out of the old pool are closed when they come
//! back. A connection that comes back lost (its database file was replaced)
//! is closed, and so are the idle ones: they opened the same old file.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use ormcore::Error;
use ormcore::backend::{Backend, PoolStatus};
use ormcore::sql::{Dialect, ROLLBACK, SqliteDialect, Statement};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, TryAcquireError};

use crate::connection::SqliteConnection;
use crate::options::SqliteOptions;
use crate::stream::SqliteStream;

struct PoolInner {
    options: Arc<SqliteOptions>,
    max: usize,
    permits: Arc<Semaphore>,
    idle: Mutex<Vec<SqliteConnection>>,
    open: AtomicUsize,
    closed: AtomicBool,
}

impl PoolInner {
    fn new(options: Arc<SqliteOptions>) -> Self {
        let max = options.max_connections();
        PoolInner {
            options,
            max,
            permits: Arc::new(Semaphore::new(max)),
            idle: Mutex::new(Vec::new()),
            open: AtomicUsize::new(0),
            closed: AtomicBool::new(false),
        }
    }

    /// A connection from this pool, waiting at most `acquire_timeout`.
    async fn acquire(self: &Arc<Self>) -> ormcore::Result<PooledSqlite> {
        let permit = match Arc::clone(&self.permits).try_acquire_owned() {
            Ok(permit) => permit,
            Err(TryAcquireError::Closed) => return Err(Error::PoolClosed),
            Err(TryAcquireError::NoPermits) => {
                let timeout = self.options.acquire_timeout;
                match tokio::time::timeout(timeout, Arc::clone(&self.permits).acquire_owned()).await {
                    Ok(Ok(permit)) => permit,
                    Ok(Err(_closed)) => return Err(Error::PoolClosed),
                    Err(_elapsed) => return Err(Error::PoolTimeout { pool_size: self.max, timeout }),
                }
            }
        };
        let idle = self.idle().pop();
        let conn = match idle {
            Some(conn) => conn,
            None => {
                let conn = SqliteConnection::open_waiting(&self.options).await?;
                self.open.fetch_add(1, Ordering::AcqRel);
                conn
            }
        };
        Ok(PooledSqlite { conn: Some(conn), pool: Arc::clone(self), _permit: permit })
    }

    /// Close the idle connections; refuse the others as they come back.
    fn close(&self) {
        let idle = {
            let mut idle = self.idle();
            self.closed.store(true, Ordering::Release);
            std::mem::take(&mut *idle)
        };
        self.permits.close();
        self.open.fetch_sub(idle.len(), Ordering::AcqRel);
        drop(idle);
    }

    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<SqliteConnection>> {
        // Critical sections are single push/pop/clear calls.
        self.idle.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Take back a connection: clean, into the idle stack; otherwise closed.
    fn put_back(&self, mut conn: SqliteConnection) {
        if conn.lost {
            // The database file was replaced: every connection opened
            // before that is as lost, even if it has not written yet.
            let idle = std::mem::take(&mut *self.idle());
            self.open.fetch_sub(idle.len() + 1, Ordering::AcqRel);
            drop(idle);
            drop(conn);
            return;
        }
        let clean = if conn.session_dirty {
            // Statements that may have changed the session ran on it: put
            // the session back as it was set up (this rolls back too).
            conn.reset_session().is_ok()
        } else {
            conn.conn.is_autocommit() || {
                // Left inside a transaction: a guard dropped without commit,
                // or an aborted task. Undo it; a connection that cannot be
                // cleaned is closed instead of reused.
                let _ = conn.conn.execute_batch(ROLLBACK);
                conn.conn.is_autocommit()
            }
        };
        let rejected = {
            // `closed` is read under the idle lock, which `close` takes
            // after setting it: a connection cannot slip in after the drain.
            let mut idle = self.idle();
            if clean && !self.closed.load(Ordering::Acquire) {
                idle.push(conn);
                None
            } else {
                Some(conn)
            }
        };
        if let Some(conn) = rejected {
            drop(conn);
            self.open.fetch_sub(1, Ordering::AcqRel);
        }
    }
}

/// The SQLite backend: a pool of rusqlite connections to one database.
/// Use it through [`SqliteDatabase`](crate::SqliteDatabase).
#[derive(Clone)]
pub struct Sqlite {
    /// The pool in use; `close` puts a new one in its place.
    current: Arc<RwLock<Arc<PoolInner>>>,
    /// The dialect, as the options configure it.
    dialect: SqliteDialect,
}

impl std::fmt::Debug for Sqlite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sqlite").field("path", &self.pool().options.path).field("status", &self.pool_status()).finish()
    }
}

/// A connection checked out of the pool; returned when dropped.
pub struct PooledSqlite {
    conn: Option<SqliteConnection>,
    pool: Arc<PoolInner>,
    _permit: OwnedSemaphorePermit,
}

impl Deref for PooledSqlite {
    type Target = SqliteConnection;
    fn deref(&self) -> &SqliteConnection {
        // Present from checkout until drop.
        self.conn.as_ref().expect("pooled connection present until dropped")
    }
}

impl DerefMut for PooledSqlite {
    fn deref_mut(&mut self) -> &mut SqliteConnection {
        self.conn.as_mut().expect("pooled connection present until dropped")
    }
}

impl Drop for PooledSqlite {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.put_back(conn);
        }
    }
}

impl Sqlite {
    /// The pool in use.
    fn pool(&self) -> Arc<PoolInner> {
        Arc::clone(&self.current.read().unwrap_or_else(PoisonError::into_inner))
    }
}

impl Backend for Sqlite {
    type Options = SqliteOptions;
    type Connection = SqliteConnection;
    type Pooled = PooledSqlite;
    type Stream = SqliteStream;

    async fn connect(options: SqliteOptions) -> ormcore::Result<Self> {
        let dialect = options.dialect();
        let backend = Sqlite { current: Arc::new(RwLock::new(Arc::new(PoolInner::new(Arc::new(options))))), dialect };
        // Open one connection now, so that a bad path or pragma fails here
        // rather than at the first query; it stays in the pool.
        drop(backend.acquire().await?);
        Ok(backend)
    }

    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    async fn acquire(&self) -> ormcore::Result<PooledSqlite> {
        loop {
            match self.pool().acquire().await {
                // Closed while this waited: a closed pool is never the
                // current one, so the next try is on its successor.
                Err(Error::PoolClosed) => continue,
                other => return other,
            }
        }
    }

    async fn stream(conn: PooledSqlite, statement: Statement) -> Result<SqliteStream, (Error, PooledSqlite)> {
        SqliteStream::open(conn, &statement)
    }

    async fn close(&self) {
        let old = {
            let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
            let fresh = Arc::new(PoolInner::new(Arc::clone(&current.options)));
            std::mem::replace(&mut *current, fresh)
        };
        old.close();
    }

    fn pool_status(&self) -> PoolStatus {
        let pool = self.pool();
        PoolStatus { max_size: pool.max, open: pool.open.load(Ordering::Acquire), idle: pool.idle().len() }
    }
}
