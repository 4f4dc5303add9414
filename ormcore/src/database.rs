//! The database handle and the connection/transaction model shared by every
//! backend.
//!
//! - [`Database`] owns the pool. Cheap to clone, `Send + Sync`.
//! - A task binds a connection with [`Database::aconnect`] (or for the span
//!   of a closure with [`Database::run`]); queries issued through the
//!   database handle in that task then run on that connection, and on its
//!   open transaction. Outside such a scope each query checks a connection
//!   out of the pool for its own duration.
//! - [`atomic`](crate::Executor::atomic), [`transaction`](crate::Executor::transaction) and
//!   [`savepoint`](crate::Executor::savepoint) open a [`Transaction`] on the task's
//!   connection (binding one first if the task has none); nested blocks
//!   become savepoints.
//! - Tasks spawned inside a scope have their own identity and run outside
//!   it; two tasks never share a connection or a transaction.
//! - A guard dropped without commit (early return, panic, cancelled future,
//!   aborted task) rolls back; nothing half-done is committed, and the
//!   connection is clean before anyone else acquires it.

mod registry;
mod slot;
mod statements;
mod stream;
mod target;
mod traced;
mod transaction;

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

pub use stream::RowStream;
pub(crate) use transaction::BeginKind;
pub use transaction::{Begin, Transaction};

use crate::backend::{Backend, IntoOptions, PoolStatus};
use crate::error::{Error, Result};
use crate::sql::Dialect;
use crate::trace::{QueryEvent, QueryHookId, TraceSettings};
use registry::{Registry, TaskKey};
pub(crate) use slot::Slot;
pub(crate) use statements::StatementKey;
pub(crate) use target::Target;

/// How long a query waits for a stream to release its connection before
/// failing, by default (the reference's `streaming_timeout`).
const DEFAULT_STREAMING_TIMEOUT: Duration = Duration::from_secs(5);

/// What every handle on one database shares: the backend (its pool), the
/// registry of task-bound connections, and settings.
pub(crate) struct DatabaseInner<B: Backend> {
    pub(crate) backend: B,
    pub(crate) registry: Registry<B>,
    streaming_timeout_ms: AtomicU64,
    pub(crate) trace: TraceSettings,
    pub(crate) statements: statements::StatementCache,
    /// Held while a task takes two connections from the pool at once (a
    /// stream and its eager loads' connection): two such tasks each
    /// holding one and waiting for a second would wait forever.
    pub(crate) pair_acquire: tokio::sync::Mutex<()>,
}

impl<B: Backend> DatabaseInner<B> {
    pub(crate) fn streaming_timeout(&self) -> Duration {
        Duration::from_millis(self.streaming_timeout_ms.load(Ordering::Relaxed))
    }
}

/// A database: a pool of connections and the per-task scopes on it.
///
/// `B` is the backend, such as `ormcore_sqlite::Sqlite`; each backend crate
/// names its database type (`SqliteDatabase`).
pub struct Database<B: Backend> {
    inner: Arc<DatabaseInner<B>>,
}

impl<B: Backend> Clone for Database<B> {
    fn clone(&self) -> Self {
        Database { inner: Arc::clone(&self.inner) }
    }
}

impl<B: Backend> std::fmt::Debug for Database<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Database").field("dialect", &self.dialect().name()).field("pool", &self.pool_status()).finish()
    }
}

impl<B: Backend> Database<B> {
    /// Open the pool with the backend's options, or with a URL (or, for
    /// SQLite, a path) that the backend parses into them.
    pub async fn connect(options: impl IntoOptions<B::Options>) -> Result<Self> {
        Ok(Database::from_backend(B::connect(options.into_options()?).await?))
    }

    /// Open the pool named by the `DATABASE_URL` environment variable, the
    /// convention of twelve-factor apps and of sqlx, SeaORM and Diesel.
    pub async fn connect_env() -> Result<Self>
    where
        String: IntoOptions<B::Options>,
    {
        let url = std::env::var("DATABASE_URL")
            .map_err(|error| Error::interface(format!("DATABASE_URL names no database: {error}")))?;
        Database::connect(url).await
    }

    /// Wrap an opened backend.
    pub fn from_backend(backend: B) -> Self {
        Database {
            inner: Arc::new(DatabaseInner {
                backend,
                registry: Registry::new(),
                streaming_timeout_ms: AtomicU64::new(DEFAULT_STREAMING_TIMEOUT.as_millis() as u64),
                trace: TraceSettings::new(),
                statements: Default::default(),
                pair_acquire: tokio::sync::Mutex::new(()),
            }),
        }
    }

    /// The backend.
    pub fn backend(&self) -> &B {
        &self.inner.backend
    }

    /// The SQL dialect queries are compiled with.
    pub fn dialect(&self) -> &dyn Dialect {
        self.inner.backend.dialect()
    }

    /// Counts of the pool's connections.
    pub fn pool_status(&self) -> PoolStatus {
        self.inner.backend.pool_status()
    }

    /// How long a query on a connection that an open stream holds waits for
    /// the stream to finish before failing with [`Error::Interface`]
    /// (default 5 s).
    pub fn set_streaming_timeout(&self, timeout: Duration) {
        let millis = u64::try_from(timeout.as_millis()).unwrap_or(u64::MAX);
        self.inner.streaming_timeout_ms.store(millis, Ordering::Relaxed);
    }

    /// Whether the statement spans ([`crate::trace`]) and the query hooks
    /// see the values bound to each statement. Off by default: values are
    /// often secrets or personal data, which a log must not keep unless
    /// asked to (a debugging session, a test). The SQL, with its
    /// placeholders, and the count of values are always there.
    ///
    /// ```
    /// # async fn demo(db: ormcore::Database<impl ormcore::backend::Backend>) {
    /// db.set_trace_params(true);
    /// db.on_query(|event| println!("{} {:?}", event.sql(), event.params()));
    /// # }
    /// ```
    pub fn set_trace_params(&self, on: bool) {
        self.inner.trace.set_params(on);
    }

    /// Call `hook` after every statement this database (through any of its
    /// handles, connections and transactions) sends: queries, writes, raw
    /// SQL, DDL, transaction control (`BEGIN`, `COMMIT`, `SAVEPOINT` ...)
    /// and streams (once, when the stream ends), with its SQL, timing,
    /// counts and error (the reference's query hooks). See [`QueryEvent`].
    ///
    /// The hook runs in the task that ran the statement, before the result
    /// reaches the caller, inside the statement's span: keep it quick (hand
    /// slow work to a channel), and do not panic in it, which panics the
    /// task that ran the statement. Hooks run in the order they were added.
    /// With no hook added, a statement pays one atomic load for them.
    ///
    /// ```
    /// # async fn demo(db: ormcore::Database<impl ormcore::backend::Backend>) {
    /// use std::sync::Arc;
    /// use std::sync::atomic::{AtomicUsize, Ordering};
    ///
    /// let failures = Arc::new(AtomicUsize::new(0));
    /// let counter = Arc::clone(&failures);
    /// let hook = db.on_query(move |event| {
    ///     if event.error().is_some() {
    ///         counter.fetch_add(1, Ordering::Relaxed);
    ///     }
    /// });
    /// // ...
    /// db.remove_query_hook(hook);
    /// # }
    /// ```
    pub fn on_query(&self, hook: impl Fn(&QueryEvent<'_>) + Send + Sync + 'static) -> QueryHookId {
        self.inner.trace.add_hook(Arc::new(hook))
    }

    /// Remove a hook [`on_query`](Database::on_query) added; false if it
    /// was removed already. Statements already running may still call it.
    pub fn remove_query_hook(&self, hook: QueryHookId) -> bool {
        self.inner.trace.remove_hook(hook)
    }

    /// The running task's connection slot, if it has one (a slot that
    /// `close_pool` released once its blocks have ended is none).
    pub(crate) fn task_slot(&self) -> Option<Arc<Slot<B>>> {
        let slot = self.inner.registry.current()?;
        if slot.released_by_close_pool() {
            if let Some(task) = slot.task {
                self.inner.registry.remove(task, Arc::as_ptr(&slot));
            }
            return None;
        }
        Some(slot)
    }

    /// The running task's slot, binding a pooled connection to the task
    /// first if it has none.
    pub(crate) async fn task_slot_or_bind(&self) -> Result<Arc<Slot<B>>> {
        if let Some(slot) = self.task_slot() {
            return Ok(slot);
        }
        let conn = self.inner.backend.acquire().await?;
        // A future joined with this one in the same task may have bound a
        // connection while this one waited for the pool: share it.
        if let Some(slot) = self.task_slot() {
            return Ok(slot);
        }
        let key = TaskKey::current();
        let slot = Arc::new(Slot::new(Arc::clone(&self.inner), conn, Some(key)));
        self.inner.registry.insert(key, &slot);
        Ok(slot)
    }

    /// Acquire a connection for the running task (the reference's
    /// `aconnect()`). Until the returned handle and every handle derived from
    /// it are dropped, or [`aclose`](Database::aclose) is called, queries
    /// through this database in this task run on that connection. If the task
    /// already has one, the handle shares it.
    pub async fn aconnect(&self) -> Result<Connection<B>> {
        Ok(Connection { slot: self.task_slot_or_bind().await? })
    }

    /// Release the running task's connection back to the pool (the
    /// reference's `aclose()`). Fails with [`Error::Operational`] and leaves
    /// everything as it was if a transaction is open on it; does nothing if
    /// the task has no connection.
    pub async fn aclose(&self) -> Result<()> {
        match self.task_slot() {
            Some(slot) => close_slot(&slot).await,
            None => Ok(()),
        }
    }

    /// Run `work` with the running task's connection (binding one for the
    /// duration if the task has none): the counterpart of both `async with
    /// db:` and `db.run(fn)`. Every query inside, through the handle or
    /// through this database, runs on that one connection.
    ///
    /// ```no_run
    /// # async fn demo<B: ormcore::backend::Backend>(db: ormcore::Database<B>) -> ormcore::Result<()> {
    /// use ormcore::prelude::*;
    /// let rows = db
    ///     .run(|conn| async move {
    ///         conn.aexecute_sql("CREATE TABLE t (x INTEGER)", vec![]).await?;
    ///         conn.aexecute_sql("INSERT INTO t VALUES (?)", vec![1.into()]).await?;
    ///         Ok(conn.aexecute_sql("SELECT x FROM t", vec![]).await?.into_rows())
    ///     })
    ///     .await?;
    /// # Ok(()) }
    /// ```
    ///
    /// The binding lasts until the closure's future completes, whatever the
    /// closure does with its handle. The closure may fail with any error
    /// type that an [`Error`] converts into (`?` on ormcore calls inside
    /// works), and its error comes back unchanged.
    pub async fn run<F, Fut, T, E>(&self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(Connection<B>) -> Fut,
        Fut: Future<Output = std::result::Result<T, E>>,
        E: From<Error>,
    {
        let slot = self.task_slot_or_bind().await?;
        let bound = Connection { slot: Arc::clone(&slot) };
        let result = work(bound).await;
        drop(slot);
        result
    }

    /// Whether the running task holds no connection (the reference's
    /// `is_closed()`): true before [`aconnect`](Database::aconnect) and
    /// after [`aclose`](Database::aclose), false inside a
    /// [`run`](Database::run) or a transaction block.
    pub fn is_closed(&self) -> bool {
        self.task_slot().is_none_or(|slot| slot.state().closed)
    }

    /// Whether the running task has a transaction open.
    pub fn in_transaction(&self) -> bool {
        self.task_slot().is_some_and(|slot| !slot.state().frames.is_empty())
    }

    /// Close the pool and release every connection (the reference's
    /// `close_pool()`, for application shutdown, and for tests and tools
    /// that close and reopen).
    ///
    /// The running task's own connection is released now (or, if a stream
    /// of the task has it out, when the stream ends), with any open
    /// transaction rolled back: its handles then fail with
    /// [`Error::PoolClosed`]. So do the task's statements through the
    /// database while a transaction block of its is still open: the block
    /// is over, and nothing in its name may autocommit on the new pool.
    /// Once its guards are gone, the task's next statement runs outside any
    /// scope. Idle connections close at once; a connection another running
    /// task holds stays that task's until it lets go of it, and is then
    /// closed (rolled back first if need be), never returned to a pool. The
    /// next acquire opens a new pool with the same options.
    pub async fn close_pool(&self) {
        if let Some(slot) = self.task_slot() {
            slot.close_for_pool();
        }
        self.inner.backend.close().await;
    }
}

async fn close_slot<B: Backend>(slot: &Arc<Slot<B>>) -> Result<()> {
    // Taking a lease runs the cleanups of dropped guards and waits for
    // other users of the connection.
    let lease = slot.lease_to_close().await?;
    let mut state = slot.state();
    if !state.frames.is_empty() {
        return Err(Error::Operational {
            message: "attempting to close the connection while a transaction is open".into(),
            source: None,
        });
    }
    state.closed = true;
    drop(state);
    if let Some(task) = slot.task {
        slot.inner.registry.remove(task, Arc::as_ptr(slot));
    }
    // Dropping the lease of a closed slot returns the connection to the pool.
    drop(lease);
    Ok(())
}

/// A connection bound to a scope: from [`Database::aconnect`], or handed to
/// the closures of [`Database::run`] and [`Begin::run`]. An
/// [`Executor`](crate::Executor): queries through it run on its connection.
/// The connection returns to the pool when the last handle to it is dropped,
/// or at [`aclose`](Connection::aclose).
pub struct Connection<B: Backend> {
    pub(crate) slot: Arc<Slot<B>>,
}

impl<B: Backend> std::fmt::Debug for Connection<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("transaction_depth", &self.transaction_depth()).finish()
    }
}

impl<B: Backend> Connection<B> {
    /// Release the connection to the pool now. Fails with
    /// [`Error::Operational`] if a transaction is open, leaving it intact.
    pub async fn aclose(self) -> Result<()> {
        close_slot(&self.slot).await
    }

    /// How many transaction blocks are open on this connection.
    pub fn transaction_depth(&self) -> usize {
        self.slot.state().frames.len()
    }

    /// Whether a transaction is open on this connection.
    pub fn in_transaction(&self) -> bool {
        self.transaction_depth() > 0
    }

    /// Whether the connection is known to be lost: the backend saw it
    /// close (the server ended the session, a statement failed with
    /// [`Error::ConnectionLost`]), without asking the database. The next
    /// statement replaces it (outside a transaction block) or fails with
    /// `ConnectionLost` (inside one). False while a statement or a stream
    /// has the connection out.
    pub fn is_lost(&self) -> bool {
        self.slot.is_lost()
    }
}
