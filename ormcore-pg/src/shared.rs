//! The shared, pipelined connection for autocommit reads (opt-in:
//! `PgOptions::pipeline(true)`).
//!
//! A tokio-postgres client pipelines concurrent requests over one
//! connection. Reads that run outside any task's scope and touch no session
//! state ([`Statement::shareable`](ormcore::sql::Statement::shareable)) gain
//! little from a connection of their own, so they may share this one.
//! Writes never do: a write whose future is dropped there would still be
//! applied (dropping a pipelined request only drains its answer), and a
//! cancel would hit whoever's statement runs then.
//!
//! The server runs pipelined statements one after another, so one that
//! waits delays all behind it. No read waits long here: the session has
//! `lock_timeout` and `statement_timeout` at [`SHARED_LIMIT`], and a read
//! that hits either before its first row runs again on a pooled
//! connection, where it waits on nobody else's behalf. The session is
//! read-only, so a function with side effects fails rather than writes.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ormcore::Error;

use crate::tls::Transport;

/// How long a read may wait for a lock, or run, on the shared connection
/// before it gives up there and runs on a pooled connection instead.
pub(crate) const SHARED_LIMIT: Duration = Duration::from_millis(100);

/// Prepared statements kept per shared connection before the cache starts
/// over (statement shapes are few in practice; `IN` lists of every length
/// are not).
const STATEMENT_CACHE: usize = 1024;

/// The shared connection and its prepared statements.
pub(crate) struct SharedClient {
    pub(crate) client: tokio_postgres::Client,
    statements: Mutex<HashMap<String, tokio_postgres::Statement>>,
}

impl SharedClient {
    /// The prepared statement for `sql`, from the cache or prepared now.
    pub(crate) async fn prepare_cached(&self, sql: &str) -> Result<tokio_postgres::Statement, tokio_postgres::Error> {
        if let Some(statement) = self.cache().get(sql) {
            return Ok(statement.clone());
        }
        let statement = self.client.prepare(sql).await?;
        let mut cache = self.cache();
        if cache.len() >= STATEMENT_CACHE {
            cache.clear();
        }
        cache.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Drop the cached statement for `sql` (it went stale).
    pub(crate) fn forget(&self, sql: &str) {
        self.cache().remove(sql);
    }

    fn cache(&self) -> std::sync::MutexGuard<'_, HashMap<String, tokio_postgres::Statement>> {
        // Critical sections are single map operations.
        self.statements.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Opens the shared connection on first use and again after it is lost.
pub(crate) struct Shared {
    config: tokio_postgres::Config,
    transport: Transport,
    connect_timeout: Duration,
    current: Mutex<Option<Arc<SharedClient>>>,
    /// Held while connecting, so that concurrent first uses open one.
    connecting: tokio::sync::Mutex<()>,
}

impl Shared {
    pub(crate) fn new(mut config: tokio_postgres::Config, transport: Transport, connect_timeout: Duration) -> Self {
        let limit = SHARED_LIMIT.as_millis();
        let mut options = config.get_options().map(str::to_owned).unwrap_or_default();
        options.push_str(&format!(
            " -c lock_timeout={limit} -c statement_timeout={limit} -c default_transaction_read_only=on"
        ));
        config.options(options.trim_start());
        Shared {
            config,
            transport,
            connect_timeout,
            current: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
        }
    }

    fn live(&self) -> Option<Arc<SharedClient>> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().filter(|shared| !shared.client.is_closed()).cloned()
    }

    /// The shared connection, opened (or reopened) if need be.
    pub(crate) async fn get(&self) -> ormcore::Result<Arc<SharedClient>> {
        if let Some(shared) = self.live() {
            return Ok(shared);
        }
        let _connecting = self.connecting.lock().await;
        if let Some(shared) = self.live() {
            return Ok(shared);
        }
        let connect = self.transport.connect(&self.config);
        let client = tokio::time::timeout(self.connect_timeout, connect).await.map_err(|_| Error::Operational {
            message: format!("timed out after {:?} opening the shared connection", self.connect_timeout),
            source: None,
        })??;
        let shared = Arc::new(SharedClient { client, statements: Mutex::new(HashMap::new()) });
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some(Arc::clone(&shared));
        Ok(shared)
    }

    /// Drop the cached statement for `sql` (it went stale).
    pub(crate) fn forget(&self, sql: &str) {
        if let Some(client) = self.live() {
            client.forget(sql);
        }
    }

    /// Let the shared connection go (`close_pool`): it closes once its last
    /// statement is done, and the next use opens a new one.
    pub(crate) fn close(&self) {
        self.current.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}

/// Whether a statement on the shared connection gave up rather than make
/// the others wait: it waited longer than [`SHARED_LIMIT`] for a lock, or
/// ran longer than that.
pub(crate) fn gave_up(error: &tokio_postgres::Error) -> bool {
    use tokio_postgres::error::SqlState;
    matches!(error.code(), Some(code) if *code == SqlState::LOCK_NOT_AVAILABLE || *code == SqlState::QUERY_CANCELED)
}
