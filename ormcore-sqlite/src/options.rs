//! [`SqliteOptions`]: where the database is and how its pool behaves.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ormcore::backend::{IntoOptions, PoolSetting, UrlParam};
use ormcore::sql::SqliteDialect;
use ormcore::{Error, Value, ValueRef};

/// A hook run on every new connection, after ormcore's own setup.
pub type ConnectHook = Arc<dyn Fn(&rusqlite::Connection) -> rusqlite::Result<()> + Send + Sync>;

/// A SQL function: takes the arguments, returns a value or an error message.
pub type SqlFunction = Arc<dyn Fn(&[ValueRef<'_>]) -> Result<Value, String> + Send + Sync>;

/// How to open a SQLite database: the path, pool, pragmas and functions.
///
/// ```
/// use std::time::Duration;
/// use ormcore_sqlite::SqliteOptions;
///
/// let options = SqliteOptions::new("app.db")
///     .wal()
///     .pool_size(4)
///     .acquire_timeout(Duration::from_secs(2))
///     .pragma("cache_size", "-20000");
/// let from_url = SqliteOptions::from_url("sqlite://app.db?pool_size=4&journal_mode=wal").unwrap();
/// assert_eq!(from_url.max_connections(), 4);
/// ```
#[derive(Clone)]
pub struct SqliteOptions {
    pub(crate) path: PathBuf,
    pub(crate) pool_size: usize,
    pub(crate) acquire_timeout: Duration,
    pub(crate) busy_timeout: Duration,
    pub(crate) statement_cache: usize,
    pub(crate) begin_immediate: bool,
    pub(crate) pragmas: Vec<(String, String)>,
    pub(crate) functions: Vec<(String, i32, SqlFunction)>,
    pub(crate) on_connect: Vec<ConnectHook>,
}

impl fmt::Debug for SqliteOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SqliteOptions")
            .field("path", &self.path)
            .field("pool_size", &self.pool_size)
            .field("acquire_timeout", &self.acquire_timeout)
            .field("busy_timeout", &self.busy_timeout)
            .field("statement_cache", &self.statement_cache)
            .field("begin_immediate", &self.begin_immediate)
            .field("pragmas", &self.pragmas)
            .field("functions", &self.functions.iter().map(|f| &f.0).collect::<Vec<_>>())
            .finish_non_exhaustive()
    }
}

impl SqliteOptions {
    /// A database file (created if missing), or `":memory:"`. The reference's
    /// defaults: a pool of 10, a 10 s acquire timeout.
    pub fn new(path: impl Into<PathBuf>) -> Self {
        SqliteOptions {
            path: path.into(),
            pool_size: 10,
            acquire_timeout: Duration::from_secs(10),
            busy_timeout: Duration::from_secs(5),
            statement_cache: 128,
            begin_immediate: false,
            pragmas: Vec::new(),
            functions: Vec::new(),
            on_connect: Vec::new(),
        }
    }

    /// Options from a URL: `sqlite://path/to/app.db`, `sqlite::memory:`, or
    /// a plain path, with query parameters `pool_size`, `acquire_timeout`
    /// and `busy_timeout` (seconds, fractions allowed); any other parameter
    /// is a pragma (`journal_mode=wal`).
    pub fn from_url(url: &str) -> ormcore::Result<Self> {
        let rest = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).unwrap_or(url);
        let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
        if path.is_empty() {
            return Err(Error::interface(format!("no database path in {url:?}")));
        }
        let mut options = SqliteOptions::new(path);
        for param in UrlParam::parse_all(query) {
            let param = param?;
            options = match param.pool_setting().transpose()? {
                Some(PoolSetting::Size(size)) => options.pool_size(size),
                Some(PoolSetting::AcquireTimeout(timeout)) => options.acquire_timeout(timeout),
                Some(_) => {
                    return Err(Error::interface(format!(
                        "{} is not an option of a SQLite pool (its connections open on demand, and its \
                         transactions are serializable)",
                        param.key
                    )));
                }
                None if param.key == "busy_timeout" => options.busy_timeout(param.seconds()?),
                None => options.pragma(param.key, param.value),
            };
        }
        Ok(options)
    }

    /// The most connections the pool opens (at least 1). An in-memory
    /// database always uses exactly one.
    pub fn pool_size(mut self, size: usize) -> Self {
        // Far beyond any useful size: a pool of SQLite connections serializes
        // its writers anyway.
        self.pool_size = size.clamp(1, 1 << 16);
        self
    }

    /// How long a query waits for a free connection before failing with
    /// [`Error::PoolTimeout`].
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }

    /// How long a statement keeps retrying, asleep, while another connection
    /// holds the write lock, before failing with "database is locked".
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = timeout;
        self
    }

    /// How many prepared statements each connection keeps (default 128).
    pub fn statement_cache(mut self, capacity: usize) -> Self {
        self.statement_cache = capacity;
        self
    }

    /// Set a pragma on every new connection (`PRAGMA name = value`). Both are
    /// checked to be plain words or numbers, since pragmas take no
    /// parameters.
    pub fn pragma(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.pragmas.push((name.into(), value.into()));
        self
    }

    /// Start transactions with `BEGIN IMMEDIATE`, taking the write lock at
    /// once. Transactions that read, then write, can otherwise deadlock in
    /// SQLite's rollback-journal mode: each waits for the other's lock until
    /// `busy_timeout`, then one fails. Costs concurrency between read-only
    /// transactions; WAL mode avoids the deadlock without it.
    pub fn begin_immediate(mut self) -> Self {
        self.begin_immediate = true;
        self
    }

    /// The dialect statements on these connections are written in.
    pub(crate) fn dialect(&self) -> SqliteDialect {
        if self.begin_immediate { SqliteDialect::new().begin_immediate() } else { SqliteDialect::new() }
    }

    /// Write-ahead logging: readers no longer wait for the writer. Strongly
    /// recommended for any concurrent use, as the reference says.
    pub fn wal(self) -> Self {
        self.pragma("journal_mode", "wal")
    }

    /// Register a SQL function on every connection. `n_args` is the number
    /// of arguments, or -1 for any.
    ///
    /// ```
    /// use ormcore::{Value, ValueRef};
    /// use ormcore_sqlite::SqliteOptions;
    ///
    /// let options = SqliteOptions::new(":memory:").function("reverse", 1, |args| match args[0] {
    ///     ValueRef::Text(t) => Ok(Value::Text(t.chars().rev().collect())),
    ///     _ => Err("reverse takes text".into()),
    /// });
    /// ```
    pub fn function<F>(mut self, name: impl Into<String>, n_args: i32, function: F) -> Self
    where
        F: Fn(&[ValueRef<'_>]) -> Result<Value, String> + Send + Sync + 'static,
    {
        self.functions.push((name.into(), n_args, Arc::new(function)));
        self
    }

    /// Run `hook` on every new connection, to reach rusqlite directly
    /// (collations, extensions, aggregate functions).
    pub fn on_connect<F>(mut self, hook: F) -> Self
    where
        F: Fn(&rusqlite::Connection) -> rusqlite::Result<()> + Send + Sync + 'static,
    {
        self.on_connect.push(Arc::new(hook));
        self
    }

    /// Whether this is an in-memory database, which every connection would
    /// see as a different, empty database.
    pub fn is_memory(&self) -> bool {
        // Also the URI forms rusqlite opens: `file::memory:`,
        // `file:name?mode=memory`.
        let path = self.path.to_string_lossy();
        path.is_empty() || path.contains(":memory:") || path.contains("mode=memory")
    }

    /// The pool's effective maximum: 1 for an in-memory database.
    pub fn max_connections(&self) -> usize {
        if self.is_memory() { 1 } else { self.pool_size }
    }
}

/// A `sqlite:` URL (see [`SqliteOptions::from_url`]), or else a path: what
/// `SqliteDatabase::connect("app.db")` takes.
impl IntoOptions<SqliteOptions> for &str {
    fn into_options(self) -> ormcore::Result<SqliteOptions> {
        if self.starts_with("sqlite:") { SqliteOptions::from_url(self) } else { Ok(SqliteOptions::new(self)) }
    }
}

/// As for `&str`.
impl IntoOptions<SqliteOptions> for String {
    fn into_options(self) -> ormcore::Result<SqliteOptions> {
        self.as_str().into_options()
    }
}

/// A path, never a URL.
impl IntoOptions<SqliteOptions> for PathBuf {
    fn into_options(self) -> ormcore::Result<SqliteOptions> {
        Ok(SqliteOptions::new(self))
    }
}

/// A path, never a URL.
impl IntoOptions<SqliteOptions> for &std::path::Path {
    fn into_options(self) -> ormcore::Result<SqliteOptions> {
        Ok(SqliteOptions::new(self))
    }
}
