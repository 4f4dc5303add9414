//! [`Sqlite`]: the backend and its connection pool.
//!
//! One lock guards the idle connections, the count of open ones and the
//! queue of waiting checkouts; idle ones wait in a stack (the most recently
//! used first, its pages warmest in cache). Connections open lazily, up to
//! `pool_size`. A checkout that finds none idle and no room queues; a
//! connection that comes back goes straight to the first in the queue (and
//! a place freed by one that closed, to open a new one), so a task that
//! returns and retakes its connection in a loop cannot starve a waiter. A connection coming back
//! inside a transaction is rolled back before it rejoins the pool, or closed
//! if that fails, so the next user always gets a clean one.
//!
//! `close` closes the pool and puts a new one, with the same options, in its
//! place: connections checked out of the old pool are closed when they come
//! back. A connection that comes back lost (its database file was replaced)
//! is closed, and so are the idle ones: they opened the same old file.

use std::collections::VecDeque;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, RwLock};

use ormcore::Error;
use ormcore::backend::{Backend, PoolStatus};
use ormcore::sql::{Dialect, ROLLBACK, SqliteDialect, Statement};
use tokio::sync::oneshot;

use crate::connection::SqliteConnection;
use crate::options::SqliteOptions;
use crate::stream::SqliteStream;

struct PoolInner {
    options: Arc<SqliteOptions>,
    max: usize,
    /// Idle connections, the count of open ones and the queue of waiters,
    /// under one lock: a checkout and a return each take it once.
    state: Mutex<PoolState>,
    closed: AtomicBool,
}

struct PoolState {
    /// The most recently used last. Empty while anyone waits: a returned
    /// connection goes to the first waiter, not here.
    idle: Vec<SqliteConnection>,
    /// Connections open or being opened, idle or checked out (or on their
    /// way to a waiter): never more than `max`.
    open: usize,
    /// Checkouts waiting for a connection, first come first served.
    waiters: VecDeque<oneshot::Sender<Handoff>>,
}

/// What a waiter is handed.
enum Handoff {
    /// A connection that came back.
    Conn(SqliteConnection),
    /// A place freed by a connection that closed: open a new one there.
    Place,
}

impl PoolState {
    /// Hand `handoff` to the first waiter still waiting; give it back if
    /// there is none.
    fn hand_over(&mut self, mut handoff: Handoff) -> Option<Handoff> {
        while let Some(waiter) = self.waiters.pop_front() {
            match waiter.send(handoff) {
                Ok(()) => return None,
                // That waiter gave up: the next one.
                Err(back) => handoff = back,
            }
        }
        Some(handoff)
    }

    /// `count` places freed: each goes to a waiter, or out of the count.
    fn free_places(&mut self, count: usize) {
        for _ in 0..count {
            if self.hand_over(Handoff::Place).is_some() {
                self.open -= 1;
            }
        }
    }
}

impl PoolInner {
    fn new(options: Arc<SqliteOptions>) -> Self {
        let max = options.max_connections();
        PoolInner {
            options,
            max,
            state: Mutex::new(PoolState { idle: Vec::new(), open: 0, waiters: VecDeque::new() }),
            closed: AtomicBool::new(false),
        }
    }

    /// A connection from this pool: an idle one, else a new one while the
    /// pool has room, else the next to come back (or the next place freed)
    /// within `acquire_timeout`, in the order the checkouts came.
    async fn acquire(self: &Arc<Self>) -> ormcore::Result<PooledSqlite> {
        let queued = {
            let mut state = self.state();
            if self.closed.load(Ordering::Acquire) {
                return Err(Error::PoolClosed);
            }
            if let Some(conn) = state.idle.pop() {
                drop(state);
                return Ok(PooledSqlite { conn: Some(conn), pool: Arc::clone(self) });
            }
            if state.open < self.max {
                state.open += 1;
                None
            } else {
                let (handing, handed) = oneshot::channel();
                state.waiters.push_back(handing);
                Some(Waiting { handed, pool: self })
            }
        };
        if let Some(mut waiting) = queued {
            let timeout = self.options.acquire_timeout;
            let handed = tokio::time::timeout(timeout, &mut waiting.handed).await;
            match handed {
                Err(_elapsed) => return Err(Error::PoolTimeout { pool_size: self.max, timeout }),
                // `close` dropped the queue.
                Ok(Err(_closed)) => return Err(Error::PoolClosed),
                Ok(Ok(Handoff::Conn(conn))) => return Ok(PooledSqlite { conn: Some(conn), pool: Arc::clone(self) }),
                Ok(Ok(Handoff::Place)) => {}
            }
        }
        // A place is reserved: give it back if the open fails or is cancelled.
        let reserved = Reserved(self);
        let conn = SqliteConnection::open_waiting(&self.options).await?;
        std::mem::forget(reserved);
        Ok(PooledSqlite { conn: Some(conn), pool: Arc::clone(self) })
    }

    /// An idle connection, if the pool is open and has one.
    fn take_idle(self: &Arc<Self>) -> Option<PooledSqlite> {
        let conn = {
            let mut state = self.state();
            if self.closed.load(Ordering::Acquire) {
                return None;
            }
            state.idle.pop()?
        };
        Some(PooledSqlite { conn: Some(conn), pool: Arc::clone(self) })
    }

    /// Close the idle connections and turn the waiters away (they retry
    /// on the pool that replaces this one); refuse the others as they come
    /// back.
    fn close(&self) {
        let (idle, waiters) = {
            let mut state = self.state();
            self.closed.store(true, Ordering::Release);
            let idle = std::mem::take(&mut state.idle);
            state.open -= idle.len();
            (idle, std::mem::take(&mut state.waiters))
        };
        drop(waiters);
        drop(idle);
    }

    fn state(&self) -> std::sync::MutexGuard<'_, PoolState> {
        // Critical sections are short queue and count updates.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A place in the pool freed (a connection closed, or never opened).
    fn release_place(&self) {
        self.state().free_places(1);
    }

    /// Take back a connection: clean, into the idle stack; otherwise closed.
    fn put_back(&self, mut conn: SqliteConnection) {
        if conn.lost {
            // The database file was replaced: every connection opened
            // before that is as lost, even if it has not written yet.
            let idle = {
                let mut state = self.state();
                let idle = std::mem::take(&mut state.idle);
                let freed = idle.len() + 1;
                state.free_places(freed);
                idle
            };
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
            // `closed` is read under the lock, which `close` takes after
            // setting it: a connection cannot slip in after the drain.
            let mut state = self.state();
            if clean && !self.closed.load(Ordering::Acquire) {
                if let Some(Handoff::Conn(conn)) = state.hand_over(Handoff::Conn(conn)) {
                    state.idle.push(conn);
                }
                None
            } else {
                state.free_places(1);
                Some(conn)
            }
        };
        drop(rejected);
    }
}

/// A checkout waiting for a connection. If it gives up (times out, or its
/// future is dropped) after it was handed one, it passes that on.
struct Waiting<'a> {
    handed: oneshot::Receiver<Handoff>,
    pool: &'a PoolInner,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.handed.close();
        match self.handed.try_recv() {
            Ok(Handoff::Conn(conn)) => self.pool.put_back(conn),
            Ok(Handoff::Place) => self.pool.release_place(),
            Err(_) => {}
        }
    }
}

/// A place reserved in the pool for a connection being opened; given back
/// if the open fails or its future is dropped.
struct Reserved<'a>(&'a PoolInner);

impl Drop for Reserved<'_> {
    fn drop(&mut self) {
        self.0.release_place();
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
        // The common case, an idle connection, without taking a reference
        // to the pool for the checkout's duration.
        let idle = self.current.read().unwrap_or_else(PoisonError::into_inner).take_idle();
        if let Some(conn) = idle {
            return Ok(conn);
        }
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
        let state = pool.state();
        PoolStatus { max_size: pool.max, open: state.open, idle: state.idle.len() }
    }
}
