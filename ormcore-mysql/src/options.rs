//! [`MySqlOptions`]: which server, and how the pool behaves.

use std::time::Duration;

use ormcore::backend::{PoolSetting, UrlParam};
use ormcore::sql::MySqlDialect;
use ormcore::{Error, IsolationLevel};

/// How long an idle connection above `pool_min_size` stays open. mysql_async
/// closes a returned connection at once when more than its minimum are
/// idle unless this is set, which would make every burst reconnect.
const IDLE_TTL: Duration = Duration::from_secs(60);

/// Prepared statements kept per connection (mysql_async's default is 32):
/// ormcore prepares every statement it sends.
const STATEMENT_CACHE: usize = 256;

/// The URL parameters mysql_async reads that ormcore sets itself, with what
/// to use instead.
const SET_BY_ORMCORE: [(&str, &str); 4] = [
    ("pool_min", "pool_min_size"),
    ("pool_max", "pool_size"),
    ("reset_connection", "nothing: ormcore cleans each connection it returns as needed"),
    ("client_found_rows", "nothing: affected-row counts are always the rows matched, as on the other backends"),
];

/// The URL parameter naming a PEM file of CA certificates to trust for
/// TLS (ormcore's own: mysql_async has none).
const SSL_CA: &str = "ssl_ca";

/// mysql_async's URL parameters that tune the TLS certificate check.
const TLS_CHECKS: [&str; 3] = ["verify_ca", "verify_identity", "built_in_roots"];

/// How to reach a MySQL or MariaDB server and size the pool.
///
/// ```
/// use std::time::Duration;
/// use ormcore_mysql::MySqlOptions;
///
/// let options = MySqlOptions::from_url("mariadb://root@127.0.0.1:3306/app?pool_size=20").unwrap()
///     .pool_min_size(2)
///     .acquire_timeout(Duration::from_secs(5))
///     .isolation_level("READ COMMITTED".parse().unwrap());
/// assert_eq!(options.max_connections(), 20);
/// ```
#[derive(Debug, Clone)]
pub struct MySqlOptions {
    pub(crate) server: mysql_async::Opts,
    pub(crate) pool_size: usize,
    pub(crate) pool_min_size: usize,
    pub(crate) acquire_timeout: Duration,
    pub(crate) isolation_level: Option<IsolationLevel>,
    pub(crate) dialect: Option<MySqlDialect>,
}

impl MySqlOptions {
    /// Options for the server `server` describes (host, port, user,
    /// database, TLS), with the reference's pool defaults: at most 10
    /// connections, one kept open, a 10 s acquire timeout.
    pub fn from_opts(server: mysql_async::Opts) -> Self {
        MySqlOptions {
            server,
            pool_size: 10,
            pool_min_size: 1,
            acquire_timeout: Duration::from_secs(10),
            isolation_level: None,
            dialect: None,
        }
    }

    /// Options from a URL, `mysql://user:password@host:port/database` (or
    /// `mariadb://`, the same). The query parameters `pool_size`,
    /// `pool_min_size`, `acquire_timeout` (seconds) and `isolation_level`
    /// set the pool; the others go to mysql_async as it reads them, except
    /// those ormcore sets itself (`pool_min`, `pool_max`,
    /// `reset_connection`, `client_found_rows`), which are refused.
    ///
    /// TLS (the `tls` feature): `require_ssl=true` encrypts every
    /// connection and checks the server's certificate against the Mozilla
    /// root certificates and its name against the host;
    /// `ssl_ca=/path/ca.pem` trusts the CA certificates in that PEM file
    /// too (a private CA, or a cloud provider's such as Amazon RDS's) and
    /// implies `require_ssl` (`require_ssl=false` beside it is refused).
    /// mysql_async's `built_in_roots=false` trusts only `ssl_ca`'s, and
    /// `verify_ca=false` accepts any certificate (no protection against a
    /// man in the middle); either without TLS asked for is refused, as it
    /// would be ignored. Its `verify_identity=false` is refused at connect:
    /// mysql_async 0.37 ignores it on rustls (its issue #404), so it would
    /// not do what it says. The `ssl_ca` path is used as written, not
    /// percent-decoded. With TLS on, connections stay on TCP
    /// (`prefer_socket` is off).
    pub fn from_url(url: &str) -> ormcore::Result<Self> {
        let invalid = |why: String| Error::interface(format!("invalid MySQL URL {url:?}: {why}"));
        let server_url = match url.split_once("://") {
            Some(("mysql" | "mariadb", rest)) => rest,
            _ => return Err(invalid("it must start with mysql:// or mariadb://".into())),
        };
        let (base, query) = server_url.split_once('?').unwrap_or((server_url, ""));
        let mut driver = Vec::new();
        let mut pool = Vec::new();
        let mut ca_file = None;
        for param in UrlParam::parse_all(query) {
            let param = param?;
            if let Some((_, instead)) = SET_BY_ORMCORE.iter().find(|(key, _)| *key == param.key) {
                return Err(invalid(format!("{} is set by ormcore; use {instead}", param.key)));
            }
            if param.key == SSL_CA {
                ca_file = Some(param.value.to_owned());
            } else if PoolSetting::KEYS.contains(&param.key) {
                pool.push(param);
            } else {
                driver.push(format!("{}={}", param.key, param.value));
            }
        }
        // mysql_async applies verify_ca and the like only with
        // require_ssl=true, and ignores them otherwise: a URL that names
        // them, or a CA, without it would look encrypted and be plain.
        let tls_param = |key: &str| driver.iter().find_map(|param| param.strip_prefix(key)?.strip_prefix('='));
        let require_ssl = tls_param("require_ssl").map(str::to_owned);
        let check = TLS_CHECKS.iter().find(|key| tls_param(key).is_some());
        match (require_ssl.as_deref(), &ca_file) {
            (Some("false"), Some(_)) => return Err(invalid(format!("{SSL_CA} asks for TLS, require_ssl=false not"))),
            (Some("false") | None, None) if check.is_some() => {
                let key = check.map_or("", |key| key);
                return Err(invalid(format!("{key} applies only with require_ssl=true or {SSL_CA}")));
            }
            (None, Some(_)) => driver.push("require_ssl=true".to_owned()),
            _ => {}
        }
        let driver_url =
            if driver.is_empty() { format!("mysql://{base}") } else { format!("mysql://{base}?{}", driver.join("&")) };
        let server = mysql_async::Opts::from_url(&driver_url).map_err(|e| invalid(e.to_string()))?;
        let mut options = MySqlOptions::from_opts(server);
        if let Some(path) = ca_file {
            let pem =
                std::fs::read(&path).map_err(|e| invalid(format!("cannot read the {SSL_CA} file {path:?}: {e}")))?;
            options = options.tls_root_certificates(pem);
        }
        for param in pool {
            options = match param.pool_setting().transpose()? {
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

    /// How many connections are kept open when idle (at most `pool_size`).
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

    /// The isolation level of every transaction on every pooled connection
    /// (the server's default, `REPEATABLE READ`, otherwise).
    pub fn isolation_level(mut self, level: IsolationLevel) -> Self {
        self.isolation_level = Some(level);
        self
    }

    /// Compile for `dialect` instead of the flavor and version the server
    /// reports on the first connection: for a proxy that reports its own
    /// version, or to hold a program to an older server's SQL (the test
    /// suite runs on MariaDB as MySQL 8.0.18 to prove the paths without
    /// `RETURNING`). Compiling for a server newer than the real one fails
    /// where the server lacks what the SQL uses.
    pub fn dialect(mut self, dialect: MySqlDialect) -> Self {
        self.dialect = Some(dialect);
        self
    }

    /// Encrypt every connection (as the URL's `require_ssl=true`) and
    /// trust the CA certificates in `pem` (PEM, or one DER certificate)
    /// besides the Mozilla roots. Connecting fails unless the crate's `tls`
    /// feature is on.
    pub fn tls_root_certificates(mut self, pem: impl Into<Vec<u8>>) -> Self {
        let ssl = self.server.ssl_opts().cloned().unwrap_or_default();
        let mut roots = ssl.root_certs().to_vec();
        roots.push(pem.into().into());
        let ssl = ssl.with_root_certs(roots);
        self.server = mysql_async::OptsBuilder::from_opts(self.server).ssl_opts(Some(ssl)).into();
        self
    }

    /// Whether connections are to be encrypted.
    pub fn uses_tls(&self) -> bool {
        self.server.ssl_opts().is_some()
    }

    /// The pool's maximum size.
    pub fn max_connections(&self) -> usize {
        self.pool_size
    }

    /// The options mysql_async's pool runs with: ormcore's pool bounds, no
    /// reset on every return (ormcore cleans what needs cleaning, and a
    /// reset would throw the prepared statements away), affected rows
    /// counted as matched, a larger statement cache, and the session set
    /// up as the dialect says, again after any reset.
    pub(crate) fn driver_opts(&self) -> mysql_async::Opts {
        let min = self.pool_min_size.min(self.pool_size);
        // `pool_size` is at least 1 and `min` at most it: always valid.
        let constraints =
            mysql_async::PoolConstraints::new(min, self.pool_size).unwrap_or(mysql_async::DEFAULT_POOL_CONSTRAINTS);
        let pool = mysql_async::PoolOpts::default()
            .with_constraints(constraints)
            .with_reset_connection(false)
            .with_inactive_connection_ttl(IDLE_TTL);
        let mut opts = mysql_async::OptsBuilder::from_opts(self.server.clone());
        if self.uses_tls() {
            // mysql_async moves a connection to a server it finds local to
            // the server's Unix socket, where it sends the TLS request and
            // the server refuses the handshake: a wasted connection each.
            opts = opts.prefer_socket(false);
        }
        opts.pool_opts(pool)
            .client_found_rows(true)
            .stmt_cache_size(STATEMENT_CACHE)
            .setup(MySqlDialect::session_setup(self.isolation_level))
            .into()
    }
}

impl ormcore::backend::IntoOptions<MySqlOptions> for &str {
    /// A URL (see [`MySqlOptions::from_url`]).
    fn into_options(self) -> ormcore::Result<MySqlOptions> {
        MySqlOptions::from_url(self)
    }
}

impl ormcore::backend::IntoOptions<MySqlOptions> for String {
    /// A URL (see [`MySqlOptions::from_url`]).
    fn into_options(self) -> ormcore::Result<MySqlOptions> {
        MySqlOptions::from_url(&self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_between_the_pool_and_the_driver() {
        let options = MySqlOptions::from_url(
            "mariadb://root:secret@127.0.0.1:3307/app?pool_size=4&pool_min_size=2&acquire_timeout=0.5&\
             isolation_level=READ%20COMMITTED&stmt_cache_size=8",
        )
        .unwrap();
        assert_eq!((options.pool_size, options.pool_min_size), (4, 2));
        assert_eq!(options.acquire_timeout, Duration::from_millis(500));
        assert_eq!(options.isolation_level, Some(IsolationLevel::ReadCommitted));
        let server = &options.server;
        assert_eq!((server.ip_or_hostname(), server.tcp_port()), ("127.0.0.1", 3307));
        assert_eq!((server.user(), server.pass(), server.db_name()), (Some("root"), Some("secret"), Some("app")));
        assert_eq!(server.stmt_cache_size(), 8, "driver parameters pass through");
        assert!(MySqlOptions::from_url("mysql://localhost").is_ok());
    }

    #[test]
    fn the_driver_runs_with_ormcore_pool_settings() {
        let options = MySqlOptions::from_url("mysql://root@localhost/test?pool_size=8")
            .unwrap()
            .pool_min_size(20)
            .isolation_level(IsolationLevel::Serializable);
        let driver = options.driver_opts();
        let pool = driver.pool_opts();
        assert_eq!((pool.constraints().min(), pool.constraints().max()), (8, 8), "the minimum is capped at the size");
        assert!(!pool.reset_connection());
        assert!(driver.client_found_rows());
        assert_eq!(driver.stmt_cache_size(), STATEMENT_CACHE);
        assert_eq!(driver.setup(), MySqlDialect::session_setup(Some(IsolationLevel::Serializable)));
    }

    #[test]
    fn ssl_ca_turns_tls_on_and_adds_its_roots() {
        let dir = std::env::temp_dir().join(format!("ormcore-ssl-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.pem");
        std::fs::write(&path, b"-----BEGIN CERTIFICATE-----\n").unwrap();
        let options =
            MySqlOptions::from_url(&format!("mysql://localhost/db?ssl_ca={}&built_in_roots=false", path.display()))
                .unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let ssl = options.server.ssl_opts().expect("TLS is on");
        assert_eq!(ssl.root_certs().len(), 1);
        assert!(ssl.disable_built_in_roots(), "the driver's own TLS parameters still apply");
        assert!(!MySqlOptions::from_url("mysql://localhost/db").unwrap().uses_tls());
        assert!(MySqlOptions::from_url("mysql://localhost/db?require_ssl=true").unwrap().uses_tls());
    }

    #[test]
    fn bad_urls_say_why() {
        let message = |url: &str| match MySqlOptions::from_url(url) {
            Err(Error::Interface(message)) => message,
            other => panic!("{url}: expected an interface error, got {other:?}"),
        };
        assert!(message("postgresql://localhost/db").contains("mysql://"));
        assert!(message("mysql://localhost/db?pool_max=5").contains("pool_size"));
        assert!(message("mysql://localhost/db?reset_connection=true").contains("set by ormcore"));
        assert!(message("mysql://localhost/db?no_such_option=1").contains("no_such_option"));
        assert!(message("mysql://localhost/db?pool_size=many").contains("pool_size"));
        // TLS settings that mysql_async would ignore, leaving the
        // connection plain while the URL reads as encrypted.
        assert!(message("mysql://localhost/db?verify_ca=false").contains("require_ssl=true"));
        assert!(message("mysql://localhost/db?require_ssl=false&built_in_roots=false").contains("built_in_roots"));
        assert!(message("mysql://localhost/db?ssl_ca=/ca.pem&require_ssl=false").contains("require_ssl=false"));
        assert!(matches!(
            MySqlOptions::from_url("mysql://localhost/db?isolation_level=SOMETIMES"),
            Err(Error::Interface(_))
        ));
    }
}
