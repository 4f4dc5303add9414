//! What a backend's test file provides to the suite.

use std::future::Future;
use std::time::Duration;

use ormcore::Executor;
use ormcore::backend::Backend;
use ormcore::sql::Dialect;
use ormcore::{Connection, Database};

/// Pool settings a case asks for.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    /// The pool's maximum size.
    pub pool_size: usize,
    /// How long an acquire waits.
    pub acquire_timeout: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config { pool_size: 4, acquire_timeout: Duration::from_secs(10) }
    }
}

impl Config {
    /// A pool of `size` connections.
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// An acquire timeout.
    pub fn acquire_timeout(mut self, timeout: Duration) -> Self {
        self.acquire_timeout = timeout;
        self
    }
}

/// A database the suite runs against.
pub trait TestDb: Send + Sync + 'static {
    /// The backend.
    type Backend: Backend;

    /// Whether the database has exactly one connection whatever the pool
    /// size (SQLite's `:memory:`), so that cases needing two connections
    /// at once check the single-connection behaviour instead.
    const SINGLE_CONNECTION: bool;

    /// How deep the server nests JSON it stores, where it stops before the
    /// dialect's [`json_depth`](ormcore::sql::Dialect::json_depth) says:
    /// MariaDB's `JSON` check (31 levels) when the suite compiles for MySQL
    /// on MariaDB. `None` (the default) where the dialect is right.
    const SERVER_JSON_DEPTH: Option<usize> = None;

    /// Whether the server takes the share lock the dialect writes: MariaDB
    /// refuses MySQL 8's `FOR SHARE` when the suite compiles as MySQL on
    /// it (true, the default, where the dialect is the server's).
    const SHARE_LOCKS: bool = true;

    /// A fresh, empty database, its pool configured as asked.
    fn open(config: Config) -> impl Future<Output = Database<Self::Backend>> + Send;

    /// Make the connection `conn` holds fail the way this backend's
    /// connections fail in the field (the server kills the session, the
    /// database file is replaced), and return once the backend knows the
    /// connection is lost. False where this backend's connections cannot
    /// fail so; the implementation says why. `conn` may have a transaction
    /// block open.
    fn kill_connection(conn: &Connection<Self::Backend>) -> impl Future<Output = bool> + Send;

    /// Kill the server session of a raw connection, as
    /// [`kill_connection`](TestDb::kill_connection) does, for the fault
    /// injector's [`Fault::Cut`](crate::faults::Fault::Cut); return once
    /// the backend knows the connection is lost. False (the default) where
    /// it cannot: then the injector only marks the connection lost.
    fn kill_raw_connection(conn: &mut <Self::Backend as Backend>::Connection) -> impl Future<Output = bool> + Send {
        let _ = conn;
        std::future::ready(false)
    }
}

/// Open with the default configuration.
pub async fn open<T: TestDb>() -> Database<T::Backend> {
    crate::capture::install_quiet_default();
    T::open(Config::default()).await
}

/// The pool's counts once every connection that is coming back has come
/// back: backends that clean a returned connection asynchronously (a
/// rollback, a session reset) put it back a moment after its user let go.
/// Waits up to 5 s for `idle == open`, then returns what it sees.
pub async fn settled_pool_status<B: Backend>(db: &Database<B>) -> ormcore::backend::PoolStatus {
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let status = db.pool_status();
        if status.idle == status.open || std::time::Instant::now() >= deadline {
            return status;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Run raw `sql` on a task's own connection, then abort the task while it
/// still holds the connection: what an aborted request handler leaves.
pub async fn run_in_aborted_task<B: Backend>(db: &Database<B>, sql: &'static str) {
    let db = db.clone();
    let (ran_tx, ran) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let conn = db.aconnect().await?;
        conn.aexecute_sql(sql, Vec::new()).await?;
        let _ = ran_tx.send(());
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, ormcore::Error>(())
    });
    // Whether the statement ran or failed, the task is aborted afterwards.
    let _ = ran.await;
    task.abort();
    let _ = task.await;
}

/// The message of an [`Error::Interface`](ormcore::Error::Interface);
/// panics on any other error, naming it.
pub fn interface_message(error: ormcore::Error) -> String {
    match error {
        ormcore::Error::Interface(message) => message,
        other => panic!("expected an interface error, got {other:?}"),
    }
}

/// A fresh database with the `User` table, its pool configured as asked.
pub async fn users_db<T: TestDb>(config: Config) -> ormcore::Result<Database<T::Backend>> {
    crate::capture::install_quiet_default();
    let db = T::open(config).await;
    db.acreate_tables(&[<crate::models::User as ormcore::Record>::META]).await?;
    Ok(db)
}

/// `tasks` tasks at once, each `abulk_create`-ing `rows` users named
/// `t<task>-<n>` in batches of 50; every model, with the key it was given.
pub async fn bulk_create_in_tasks<B: Backend>(
    db: &Database<B>,
    tasks: usize,
    rows: usize,
) -> ormcore::Result<Vec<crate::models::User>> {
    use ormcore::Model;
    let running: Vec<_> = (0..tasks)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut users: Vec<_> = (0..rows).map(|n| crate::models::user(&format!("t{task}-{n}"))).collect();
                crate::models::User::abulk_create(&db, &mut users).batch_size(50).await?;
                Ok::<_, ormcore::Error>(users)
            })
        })
        .collect();
    let mut all = Vec::with_capacity(tasks * rows);
    for task in running {
        all.extend(task.await.expect("a bulk-inserting task")?);
    }
    Ok(all)
}

/// The names of the users `executor` sees, in order.
pub async fn user_names<E: Executor>(executor: &E) -> ormcore::Result<Vec<String>> {
    use crate::models::User;
    use ormcore::prelude::*;
    executor.list(&User::select().columns(User::NAME).order_by(User::NAME)).await
}

/// `name` quoted as an identifier of `dialect`, an embedded quote doubled:
/// `"user"` on SQLite and PostgreSQL, `` `user` `` on MySQL and MariaDB
/// ([`Dialect::identifier_quote`]).
pub fn quoted(dialect: &dyn Dialect, name: &str) -> String {
    let quote = dialect.identifier_quote();
    let mut out = String::with_capacity(name.len() + 2);
    out.push(quote);
    for c in name.chars() {
        if c == quote {
            out.push(quote);
        }
        out.push(c);
    }
    out.push(quote);
    out
}

/// A column as ormcore's error messages name it, each part quoted as
/// `dialect` quotes identifiers: `"price"."total"` on SQLite and
/// PostgreSQL, `` `price`.`total` `` on MySQL (as in `cannot store 1.234
/// in "price"."total": ..`).
pub fn quoted_column(dialect: &dyn Dialect, table: &str, column: &str) -> String {
    format!("{}.{}", quoted(dialect, table), quoted(dialect, column))
}

/// Raw SQL for `dialect` from a template that writes each quoted
/// identifier as `{name}`: every `{name}` becomes [`quoted`]`(dialect,
/// name)`, the rest is copied as written. So
/// `sql_for(dialect, "SELECT email FROM {user}")` is
/// `SELECT email FROM "user"` on SQLite and PostgreSQL and
/// ``SELECT email FROM `user` `` on MySQL. The template has no other use
/// for braces; an unclosed `{` panics.
pub fn sql_for(dialect: &dyn Dialect, template: &str) -> String {
    let mut out = String::with_capacity(template.len() + 8);
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        let close = after.find('}').unwrap_or_else(|| panic!("an unclosed `{{` in {template:?}"));
        out.push_str(&quoted(dialect, &after[..close]));
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    out
}

/// Assert that `result` is the [`Error::Unsupported`](ormcore::Error::Unsupported)
/// by which `dialect` refuses a feature it lacks (a `RETURNING` clause on
/// MySQL, say), its feature naming `feature`; panics on anything else,
/// success included. Cases that use a feature only some dialects have
/// check this where the dialect's `supports_*` says it is missing, rather
/// than skipping the feature silently.
pub fn assert_unsupported<T: std::fmt::Debug>(result: ormcore::Result<T>, dialect: &dyn Dialect, feature: &str) {
    match result {
        Err(ormcore::Error::Unsupported { feature: refused, dialect: name })
            if refused.contains(feature) && name == dialect.name() => {}
        other => panic!("expected {feature} to be unsupported on {}, got {other:?}", dialect.name()),
    }
}

/// The tables the database has, from its own catalog.
pub async fn table_names<B: Backend>(db: &Database<B>) -> ormcore::Result<Vec<String>> {
    let query = db.dialect().table_names_query();
    db.aexecute_sql(query, vec![]).await?.fetchall().iter().map(|row| row.get::<String>(0)).collect()
}
