//! [`Pg`]: the backend, on deadpool-postgres.
//!
//! deadpool's recycling checks that a connection is alive but does not roll
//! it back. A connection coming back that may not be clean (inside a
//! transaction or unsure of it, with a statement abandoned in flight, owing
//! a stream's cleanup, or after statements that may have changed the
//! session) is handed to a task that recovers it (cancelling on the server
//! what still runs there, with proof that the cancel landed), rolls back,
//! resets the session and only then returns it to the pool; if any of that
//! fails, the connection is discarded. Nobody else can acquire it in
//! between. A connection that ran only statements the compiler proved
//! session-free, in autocommit, goes straight back: the common path costs
//! nothing. A connection that is lost (its server closed it) is discarded.
//!
//! deadpool's `Pool::close` is final, so `close` builds a new pool from the
//! same settings, puts it in the old one's place and closes the old one:
//! its idle connections close at once, and deadpool drops the ones still
//! checked out when they come back (a closed pool has room for none).

use std::ops::{Deref, DerefMut};
use std::time::Duration;

use deadpool_postgres::{ManagerConfig, Pool, PoolError, QueueMode, RecyclingMethod, Runtime};
use ormcore::Error;
use ormcore::backend::{Backend, PoolStatus, RawConnection};
use ormcore::sql::{Dialect, PostgresDialect, Statement};

use std::sync::{Arc, PoisonError, RwLock};

use crate::cancel::Canceller;
use crate::connection::{Handle, PgConnection};
use crate::options::PgOptions;
use crate::shared::Shared;
use crate::stream::PgStream;
use crate::tls::Transport;

/// The PostgreSQL backend: a deadpool pool of tokio-postgres connections.
/// Use it through [`PgDatabase`](crate::PgDatabase).
#[derive(Clone)]
pub struct Pg {
    inner: Arc<PgInner>,
}

/// What every connection of the backend shares: the pool, the shared
/// connection, and the way to cancel a statement.
pub(crate) struct PgInner {
    /// The pool in use; `close` puts a new one in its place.
    pool: RwLock<Pool>,
    /// What a new pool is built from.
    server: tokio_postgres::Config,
    transport: Transport,
    pool_size: usize,
    acquire_timeout: Duration,
    /// The connection shared among autocommit reads, if enabled.
    shared: Option<Shared>,
    /// Cancels statements abandoned on a connection.
    pub(crate) canceller: Canceller,
    /// Reset every connection's session on release (`PgOptions::always_reset`).
    pub(crate) always_reset: bool,
}

/// A pool of `pool_size` connections to `server`.
fn build_pool(
    server: &tokio_postgres::Config,
    transport: &Transport,
    pool_size: usize,
    acquire_timeout: Duration,
) -> ormcore::Result<Pool> {
    let manager = transport.manager(server.clone(), ManagerConfig { recycling_method: RecyclingMethod::Fast });
    Pool::builder(manager)
        .max_size(pool_size)
        .wait_timeout(Some(acquire_timeout))
        .create_timeout(Some(acquire_timeout))
        .runtime(Runtime::Tokio1)
        // The most recently used connection serves next: its server
        // process and caches are warm. deadpool's default (FIFO) rotates
        // sequential queries through every idle connection, which cost
        // point selects 10-15% on a warm pool of 8.
        .queue_mode(QueueMode::Lifo)
        .build()
        .map_err(|e| Error::interface(format!("cannot build the connection pool: {e}")))
}

impl PgInner {
    /// The pool in use.
    fn pool(&self) -> Pool {
        self.pool.read().unwrap_or_else(PoisonError::into_inner).clone()
    }

    /// A connection from the pool, waiting at most `acquire_timeout`; also
    /// what a read on the shared connection falls back to when it would
    /// wait there.
    pub(crate) async fn object(&self) -> ormcore::Result<deadpool_postgres::Object> {
        let mut got = self.pool().get().await;
        // Closed while this waited: `close` put a new pool in its place
        // first, so try that one (again, if it was closed as well).
        for _ in 0..3 {
            if !matches!(got, Err(PoolError::Closed)) {
                break;
            }
            got = self.pool().get().await;
        }
        match got {
            Ok(object) => Ok(object),
            Err(PoolError::Timeout(_)) => {
                Err(Error::PoolTimeout { pool_size: self.pool_size, timeout: self.acquire_timeout })
            }
            Err(PoolError::Closed) => Err(Error::PoolClosed),
            Err(PoolError::Backend(error)) => Err(crate::error::map(error)),
            Err(other) => Err(Error::operational(format!("cannot open a connection: {other}"), other)),
        }
    }

    /// Drop the prepared statement for `sql` from every connection's cache:
    /// DDL made it stale, and every connection that kept it would fail once.
    pub(crate) fn forget_statement(&self, sql: &str) {
        self.pool().manager().statement_caches.remove(sql, &[]);
        if let Some(shared) = &self.shared {
            shared.forget(sql);
        }
    }
}

/// A connection checked out of the pool; returned (clean) when dropped.
pub struct PooledPg {
    conn: Option<PgConnection>,
}

impl Deref for PooledPg {
    type Target = PgConnection;
    fn deref(&self) -> &PgConnection {
        // Present from checkout until drop.
        self.conn.as_ref().expect("pooled connection present until dropped")
    }
}

impl DerefMut for PooledPg {
    fn deref_mut(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("pooled connection present until dropped")
    }
}

impl Drop for PooledPg {
    fn drop(&mut self) {
        let Some(conn) = self.conn.take() else { return };
        // The shared connection runs autocommit reads only: nothing to undo,
        // and a read dropped mid-flight is drained by the driver (cancelling
        // on the server could hit another task's statement).
        if matches!(conn.client, Handle::Shared(_)) {
            return;
        }
        // Lost or given up on: nothing to clean, never to be used again
        // (deadpool's recycling would catch a closed client only once the
        // driver has noticed).
        if conn.broken || conn.is_lost() {
            return discard(conn);
        }
        if !conn.needs_cleanup() {
            return; // dropping the object returns it to the pool
        }
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                runtime.spawn(clean(conn));
            }
            Err(_) => discard(conn),
        }
    }
}

/// How long cleaning a connection may take before it is discarded instead.
const CLEAN_TIMEOUT: Duration = Duration::from_secs(10);

/// Bring a connection back to a clean state, then let it return to the pool;
/// discard it if that fails.
async fn clean(mut conn: PgConnection) {
    match tokio::time::timeout(CLEAN_TIMEOUT, conn.reset()).await {
        Ok(Ok(())) => drop(conn),
        _ => discard(conn),
    }
}

/// Close the connection instead of returning it to the pool.
fn discard(conn: PgConnection) {
    if let Handle::Pooled(object) = conn.client {
        drop(deadpool_postgres::Object::take(object));
    }
}

impl Backend for Pg {
    type Options = PgOptions;
    type Connection = PgConnection;
    type Pooled = PooledPg;
    type Stream = PgStream;

    async fn connect(options: PgOptions) -> ormcore::Result<Self> {
        let server = options.server_config()?;
        let transport = options.transport();
        let pool = build_pool(&server, &transport, options.pool_size, options.acquire_timeout)?;
        if options.always_reset && options.pipeline {
            return Err(Error::interface(
                "always_reset(true) cannot be combined with pipeline(true): the shared connection is never reset",
            ));
        }
        let canceller = Canceller::new(&server, transport.clone());
        let shared = options.pipeline.then(|| Shared::new(server.clone(), transport.clone(), options.acquire_timeout));
        let inner = PgInner {
            pool: RwLock::new(pool),
            server,
            transport,
            pool_size: options.pool_size,
            acquire_timeout: options.acquire_timeout,
            shared,
            canceller,
            always_reset: options.always_reset,
        };
        let backend = Pg { inner: Arc::new(inner) };
        // Open `pool_min_size` connections now (at least one, so that a bad
        // URL fails here); they stay in the pool.
        let mut warm = Vec::new();
        for _ in 0..options.pool_min_size.clamp(1, options.pool_size) {
            warm.push(backend.acquire().await?);
        }
        drop(warm);
        Ok(backend)
    }

    fn dialect(&self) -> &dyn Dialect {
        &PostgresDialect
    }

    async fn acquire(&self) -> ormcore::Result<PooledPg> {
        let object = self.inner.object().await?;
        Ok(PooledPg { conn: Some(PgConnection::new(Handle::Pooled(object), Arc::clone(&self.inner))) })
    }

    async fn acquire_shared(&self) -> ormcore::Result<Option<PooledPg>> {
        match &self.inner.shared {
            Some(shared) => {
                let client = shared.get().await?;
                Ok(Some(PooledPg { conn: Some(PgConnection::new(Handle::Shared(client), Arc::clone(&self.inner))) }))
            }
            None => Ok(None),
        }
    }

    async fn stream(conn: PooledPg, statement: Statement) -> Result<PgStream, (Error, PooledPg)> {
        PgStream::open(conn, statement).await
    }

    async fn close(&self) {
        let inner = &self.inner;
        let old = match build_pool(&inner.server, &inner.transport, inner.pool_size, inner.acquire_timeout) {
            Ok(fresh) => std::mem::replace(&mut *inner.pool.write().unwrap_or_else(PoisonError::into_inner), fresh),
            // It was built with these settings once; should it fail now,
            // the pool stays closed (acquires fail with `PoolClosed`).
            Err(_) => inner.pool(),
        };
        old.close();
        if let Some(shared) = &inner.shared {
            shared.close();
        }
    }

    fn pool_status(&self) -> PoolStatus {
        let status = self.inner.pool().status();
        PoolStatus { max_size: status.max_size, open: status.size, idle: status.available }
    }
}
