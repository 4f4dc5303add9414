//! [`PgOptions`]: which server, and how the pool behaves.

use std::str::FromStr;
use std::time::Duration;

use ormcore::backend::{PoolSetting, UrlParam};
use ormcore::{Error, IsolationLevel};

/// The `default_transaction_isolation` setting for a level (the value
/// goes into a startup option, where a space needs a backslash).
fn setting(level: IsolationLevel) -> &'static str {
    match level {
        IsolationLevel::ReadUncommitted => "read\\ uncommitted",
        IsolationLevel::ReadCommitted => "read\\ committed",
        IsolationLevel::RepeatableRead => "repeatable\\ read",
        // Serializable, and any level added later that this does not know,
        // gets the strictest.
        _ => "serializable",
    }
}

/// How to reach a PostgreSQL server and size the pool.
///
/// ```
/// use std::time::Duration;
/// use ormcore_pg::PgOptions;
///
/// let options = PgOptions::from_url("postgresql://postgres@127.0.0.1:5432/app?pool_size=20").unwrap()
///     .pool_min_size(2)
///     .acquire_timeout(Duration::from_secs(5))
///     .isolation_level("SERIALIZABLE".parse().unwrap());
/// assert_eq!(options.max_connections(), 20);
/// ```
#[derive(Debug, Clone)]
pub struct PgOptions {
    pub(crate) config: tokio_postgres::Config,
    pub(crate) pool_size: usize,
    pub(crate) pool_min_size: usize,
    pub(crate) acquire_timeout: Duration,
    pub(crate) isolation_level: Option<IsolationLevel>,
    pub(crate) search_path: Option<String>,
    pub(crate) pipeline: bool,
    pub(crate) always_reset: bool,
    #[cfg(feature = "tls")]
    pub(crate) tls: Option<rustls::ClientConfig>,
}

impl PgOptions {
    /// Options from a `tokio_postgres` configuration, with the reference's
    /// defaults: a pool of 10, one connection kept open, a 10 s acquire
    /// timeout.
    pub fn from_config(config: tokio_postgres::Config) -> Self {
        PgOptions {
            config,
            pool_size: 10,
            pool_min_size: 1,
            acquire_timeout: Duration::from_secs(10),
            isolation_level: None,
            search_path: None,
            pipeline: false,
            always_reset: false,
            #[cfg(feature = "tls")]
            tls: None,
        }
    }

    /// Options from a URL (`postgresql://user:password@host:port/dbname`)
    /// or a key-value string (`host=localhost user=postgres dbname=app`).
    /// The query parameters `pool_size`, `pool_min_size`, `acquire_timeout`
    /// (seconds) and `isolation_level` set the pool; the others go to the
    /// server connection as `tokio_postgres` reads them.
    pub fn from_url(url: &str) -> ormcore::Result<Self> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut rest = Vec::new();
        let mut pool = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let key = pair.split_once('=').map_or(pair, |(k, _)| k);
            if PoolSetting::KEYS.contains(&key) {
                pool.push(pair);
            } else {
                rest.push(pair);
            }
        }
        let server = if rest.is_empty() { base.to_owned() } else { format!("{base}?{}", rest.join("&")) };
        let config = tokio_postgres::Config::from_str(&server)
            .map_err(|e| Error::interface(format!("invalid PostgreSQL URL {url:?}: {e}")))?;
        let mut options = PgOptions::from_config(config);
        for param in UrlParam::parse_all(&pool.join("&")) {
            options = match param?.pool_setting().transpose()? {
                Some(PoolSetting::Size(size)) => options.pool_size(size),
                Some(PoolSetting::MinSize(size)) => options.pool_min_size(size),
                Some(PoolSetting::AcquireTimeout(timeout)) => options.acquire_timeout(timeout),
                Some(PoolSetting::IsolationLevel(level)) => options.isolation_level(level),
                _ => options,
            };
        }
        Ok(options)
    }

    /// The most connections the pool opens (at least 1).
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size.clamp(1, 1 << 16);
        self
    }

    /// How many connections are opened at connect and kept ready.
    pub fn pool_min_size(mut self, size: usize) -> Self {
        self.pool_min_size = size;
        self
    }

    /// How long a query waits for a free connection before failing with
    /// [`Error::PoolTimeout`].
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// The isolation level of every transaction on every pooled connection.
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation_level = Some(level);
        self
    }

    /// The schema search path of every pooled connection (for example a
    /// schema per test run).
    pub fn search_path(mut self, schema: impl Into<String>) -> Self {
        self.search_path = Some(schema.into());
        self
    }

    /// Whether reads that run outside any task's scope and touch no session
    /// state share one pipelined connection (default: no). That connection
    /// comes on top of `pool_size`. Writes, task scopes, transactions, raw
    /// SQL, DDL and streams always use pooled connections.
    ///
    /// Sharing serves many small concurrent reads with fewer connections,
    /// at these costs (see the backends chapter of the guide for the
    /// numbers): reads on it run one after another, so a slow one delays
    /// the others; and ormcore decides a read is session-free from its SQL
    /// alone, so a view that calls a function with session effects
    /// (`set_config`, advisory locks) passes them on to the other readers.
    pub fn pipeline(mut self, enabled: bool) -> Self {
        self.pipeline = enabled;
        self
    }

    /// Whether every connection's session is reset when it goes back to the
    /// pool (default: no). ormcore resets one only after statements that it
    /// cannot prove session-free (raw SQL, functions beyond the portable
    /// built-ins), judging by their SQL; it cannot see what runs inside the
    /// database on their behalf. Turn this on when triggers, views, rules or
    /// column defaults change session state (`set_config`, advisory locks,
    /// temporary tables): each release then costs one round trip. It cannot
    /// be combined with [`pipeline`](Self::pipeline).
    pub fn always_reset(mut self, enabled: bool) -> Self {
        self.always_reset = enabled;
        self
    }

    /// The TLS client configuration (certificates to trust, client
    /// certificates) for servers reached with `sslmode=prefer` or
    /// `sslmode=require`; by default the Mozilla root certificates.
    #[cfg(feature = "tls")]
    pub fn tls(mut self, config: rustls::ClientConfig) -> Self {
        self.tls = Some(config);
        self
    }

    /// How connections reach the server. TLS is opt-in: with a
    /// [`tls`](Self::tls) configuration (then `sslmode` decides: `prefer`,
    /// the default, or `require`), or with `sslmode=require` in the URL
    /// (then the server's certificate must chain to the Mozilla roots).
    /// Otherwise connections are plain, as without the feature: a
    /// certificate the client cannot check must not turn the default
    /// `sslmode=prefer` into failed connections.
    pub(crate) fn transport(&self) -> crate::tls::Transport {
        #[cfg(feature = "tls")]
        {
            use tokio_postgres::config::SslMode;
            let mode = self.config.get_ssl_mode();
            if mode != SslMode::Disable && (self.tls.is_some() || mode == SslMode::Require) {
                let config = self.tls.clone().unwrap_or_else(crate::tls::default_client_config);
                return crate::tls::Transport::Rustls(tokio_postgres_rustls::MakeRustlsConnect::new(config));
            }
        }
        crate::tls::Transport::Plain
    }

    /// The pool's maximum size.
    pub fn max_connections(&self) -> usize {
        self.pool_size
    }

    /// The server configuration, with the per-connection settings added as
    /// startup options (no extra round trip per connection): timestamps are
    /// exchanged in UTC, and the isolation level and search path set.
    pub(crate) fn server_config(&self) -> ormcore::Result<tokio_postgres::Config> {
        let mut config = self.config.clone();
        let mut settings = config.get_options().map(str::to_owned).unwrap_or_default();
        let mut set = |name: &str, value: &str| {
            if !settings.is_empty() {
                settings.push(' ');
            }
            settings.push_str(&format!("-c {name}={value}"));
        };
        set("TimeZone", "UTC");
        if let Some(level) = self.isolation_level {
            set("default_transaction_isolation", setting(level));
        }
        if let Some(path) = &self.search_path {
            let plain = !path.is_empty() && path.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !plain {
                return Err(Error::interface(format!("search_path must be a plain schema name, not {path:?}")));
            }
            set("search_path", path);
        }
        config.options(settings);
        Ok(config)
    }
}

impl TryFrom<&str> for PgOptions {
    type Error = Error;
    fn try_from(url: &str) -> ormcore::Result<Self> {
        PgOptions::from_url(url)
    }
}

/// A `postgresql://` URL (see [`PgOptions::from_url`]): what
/// `PgDatabase::connect("postgresql://..")` takes.
impl ormcore::backend::IntoOptions<PgOptions> for &str {
    fn into_options(self) -> ormcore::Result<PgOptions> {
        PgOptions::from_url(self)
    }
}

/// As for `&str`.
impl ormcore::backend::IntoOptions<PgOptions> for String {
    fn into_options(self) -> ormcore::Result<PgOptions> {
        PgOptions::from_url(&self)
    }
}
