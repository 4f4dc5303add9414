//! The conformance suite on MySQL/MariaDB: each test gets a fresh database
//! on the server named by `ORMCORE_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306/test`). `scripts/test` starts a throwaway
//! MariaDB when none answers; an unreachable server fails the tests, never
//! skips them.

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use ormcore::Connection;
use ormcore::prelude::*;
use ormcore_mysql::{MySql, MySqlDatabase, MySqlOptions};
use ormcore_tests::{Config, TestDb};

fn url() -> String {
    std::env::var("ORMCORE_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
}

/// `url()` with its database replaced by `database`.
fn url_of(database: &str) -> String {
    let url = url();
    let (base, query) = url.split_once('?').map_or((url.as_str(), None), |(b, q)| (b, Some(q)));
    let (scheme, rest) = base.split_once("://").expect("ORMCORE_MYSQL_URL has a scheme");
    let host = rest.split_once('/').map_or(rest, |(host, _)| host);
    match query {
        Some(query) => format!("{scheme}://{host}/{database}?{query}"),
        None => format!("{scheme}://{host}/{database}"),
    }
}

fn database_prefix() -> String {
    format!("ormcore_t{}_", std::process::id())
}

async fn admin() -> MySqlDatabase {
    MySqlDatabase::connect(MySqlOptions::from_url(&url()).expect("ORMCORE_MYSQL_URL").pool_size(1))
        .await
        .unwrap_or_else(|e| panic!("MySQL at {} is not reachable: {e}", url()))
}

/// Drop the databases earlier test processes left behind (their process
/// is gone); databases of processes still running are theirs.
async fn sweep(admin: &MySqlDatabase) {
    let cursor = admin
        .aexecute_sql(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'ormcore\\_t%'",
            vec![],
        )
        .await
        .expect("list test databases");
    for row in cursor.fetchall() {
        let name: String = row.get(0).expect("database name");
        let pid = name.trim_start_matches("ormcore_t").split('_').next().unwrap_or_default();
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = admin.aexecute_sql(&format!("DROP DATABASE IF EXISTS `{name}`"), vec![]).await;
        }
    }
}

/// The server kills session `id` from another connection (as an
/// administrator or a failover would), and the kill waits until the session
/// is gone from the server.
async fn kill_session(id: u64) {
    let admin = admin().await;
    admin.aexecute_sql("KILL CONNECTION ?", vec![(id as i64).into()]).await.expect("kill");
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let alive = admin
            .aexecute_sql("SELECT count(*) FROM information_schema.processlist WHERE id = ?", vec![(id as i64).into()])
            .await
            .expect("processlist");
        let alive: i64 = alive.fetchall()[0].get(0).expect("a count");
        if alive == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the session {id} outlived its kill");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    admin.close_pool().await;
}

/// A fresh database on the test server.
pub struct MySqlSchema;

impl TestDb for MySqlSchema {
    type Backend = MySql;
    const SINGLE_CONNECTION: bool = false;

    async fn open(config: Config) -> MySqlDatabase {
        MySqlDatabase::connect(fresh_database(config).await).await.expect("connect to the test database")
    }

    /// The server kills the session from a second connection. mysql_async
    /// learns of it only when it next uses the socket (it reads nothing
    /// between commands), as an application's next statement would: the
    /// kill sends that statement, which fails, and returns once the
    /// connection says it is lost.
    async fn kill_connection(conn: &Connection<MySql>) -> bool {
        let id: u64 = conn.aexecute_sql("SELECT CONNECTION_ID()", vec![]).await.expect("id").fetchall()[0]
            .get::<i64>(0)
            .expect("an int") as u64;
        kill_session(id).await;
        let noticed = conn.aexecute_sql("DO 0", vec![]).await;
        assert!(matches!(noticed, Err(ormcore::Error::ConnectionLost { .. })), "the killed session: {noticed:?}");
        true
    }

    /// As [`kill_connection`](Self::kill_connection), for a raw connection.
    async fn kill_raw_connection(conn: &mut ormcore_mysql::MySqlConnection) -> bool {
        use ormcore::backend::RawConnection;
        kill_session(u64::from(conn.id())).await;
        let noticed = conn.execute(&ormcore::sql::Statement::new("DO 0", vec![])).await;
        assert!(noticed.is_err(), "a killed session gets no answer: {noticed:?}");
        assert!(conn.is_lost(), "the driver noticed the closed session");
        true
    }
}

/// Options for a fresh database on the test server.
async fn fresh_database(config: Config) -> MySqlOptions {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    static SWEEP: Once = Once::new();
    let admin = admin().await;
    let mut first = false;
    SWEEP.call_once(|| first = true);
    if first {
        sweep(&admin).await;
    }
    let database = format!("{}{}", database_prefix(), NEXT.fetch_add(1, Ordering::Relaxed));
    admin.aexecute_sql(&format!("CREATE DATABASE `{database}`"), vec![]).await.expect("create the test database");
    admin.close_pool().await;
    MySqlOptions::from_url(&url_of(&database))
        .expect("ORMCORE_MYSQL_URL")
        .pool_size(config.pool_size)
        .acquire_timeout(config.acquire_timeout)
}

ormcore_tests::conformance!(MySqlSchema);

/// Hostile cases of the paths MySQL takes without `RETURNING`.
#[path = "mysql/without_returning.rs"]
mod without_returning;

/// The conformance suite again, compiled for Oracle MySQL 8.0.18, which
/// MariaDB runs too: no `RETURNING` anywhere, upserts with `VALUES()`. It
/// proves the paths MySQL takes (keys from the insert id, `create()`
/// without `RETURNING`) on a real server where only MariaDB is at hand.
mod as_mysql {
    use super::*;

    pub struct AsMySql;

    impl TestDb for AsMySql {
        type Backend = MySql;
        const SINGLE_CONNECTION: bool = false;
        /// MySQL's `JSON` is MariaDB's `LONGTEXT` with a `JSON_VALID` check,
        /// which refuses documents nested 32 levels deep or more.
        const SERVER_JSON_DEPTH: Option<usize> = Some(31);
        /// MySQL 8 writes `FOR SHARE`; MariaDB knows only `LOCK IN SHARE MODE`.
        const SHARE_LOCKS: bool = false;

        async fn open(config: Config) -> MySqlDatabase {
            let options = fresh_database(config).await.dialect(ormcore::sql::MySqlDialect::mysql((8, 0, 18)));
            MySqlDatabase::connect(options).await.expect("connect to the test database")
        }

        async fn kill_connection(conn: &Connection<MySql>) -> bool {
            MySqlSchema::kill_connection(conn).await
        }

        async fn kill_raw_connection(conn: &mut ormcore_mysql::MySqlConnection) -> bool {
            MySqlSchema::kill_raw_connection(conn).await
        }
    }

    ormcore_tests::conformance!(AsMySql);
}

/// What only MySQL and MariaDB need proving: the release policy (the pool
/// runs without mysql_async's reset on every return, so each way a
/// connection can come back dirty is checked), counts and keys as on the
/// other backends, per-transaction options, and every error kind.
mod mysql_only {
    use std::time::{Duration, Instant};

    use ormcore::prelude::*;
    use ormcore::{ConflictKind, ConstraintKind};
    use ormcore_tests::models::{Counter, Tweet, User, user};

    use super::*;

    async fn db(pool_size: usize) -> MySqlDatabase {
        let db = MySqlSchema::open(Config::default().pool_size(pool_size)).await;
        db.acreate_tables(&[User::META, Counter::META, Tweet::META]).await.expect("create");
        User::acreate(&db, user("committed")).await.expect("a committed row");
        db
    }

    async fn scalar(db: &MySqlDatabase, sql: &str) -> Option<i64> {
        let cursor = db.aexecute_sql(sql, vec![]).await.expect(sql);
        cursor.fetchall()[0].get::<Option<i64>>(0).expect("an integer or NULL")
    }

    /// Whether the connection the next query gets has a transaction open,
    /// or what is left of a session: a user variable, autocommit off.
    async fn leftovers(db: &MySqlDatabase) -> (Option<i64>, Option<i64>, Option<i64>) {
        let cursor =
            db.aexecute_sql("SELECT @@in_transaction, @leftover, @@autocommit", vec![]).await.expect("session state");
        let row = &cursor.fetchall()[0];
        (row.get(0).expect("int"), row.get(1).expect("int or NULL"), row.get(2).expect("int"))
    }

    const CLEAN: (Option<i64>, Option<i64>, Option<i64>) = (Some(0), None, Some(1));

    async fn names(db: &MySqlDatabase) -> Vec<String> {
        db.list(&User::select().columns(User::NAME).order_by(User::NAME)).await.expect("names")
    }

    /// Without `RETURNING` (compiled as MySQL 8.0.18), `abulk_create` still
    /// sends many rows per statement where the server assigns consecutive
    /// keys (MariaDB's InnoDB, lock mode 1), and derives every row's key:
    /// 250 rows in batches of 100 are three inserts and one read of the
    /// server's settings, not 250 inserts.
    #[tokio::test]
    async fn multi_row_insert_keys_without_returning() {
        let options =
            fresh_database(Config::default().pool_size(1)).await.dialect(ormcore::sql::MySqlDialect::mysql((8, 0, 18)));
        let db = MySqlDatabase::connect(options).await.expect("connect");
        db.acreate_tables(&[User::META]).await.expect("create");
        User::acreate(&db, user("first")).await.expect("a row before");
        let executed = || scalar_status(&db, "Com_stmt_execute");
        let before = executed().await;
        let mut users: Vec<User> = (0..250).map(|i| user(&format!("u{i}"))).collect();
        User::abulk_create(&db, &mut users).batch_size(100).await.expect("bulk");
        let statements = executed().await - before;
        assert!(statements <= 5, "{statements} statements for 250 rows in batches of 100");
        for model in &users {
            assert_eq!(User::aget_by_id(&db, model.id).await.expect("by key").name, model.name);
        }
    }

    /// An upsert from a select, compiled as MySQL: the key it reports comes
    /// through `LAST_INSERT_ID(..)` on the target's own key column, which
    /// the select's table (with an `id` of its own) does not make ambiguous.
    #[tokio::test]
    async fn upsert_from_a_select_reports_its_key_without_returning() {
        let options = fresh_database(Config::default()).await.dialect(ormcore::sql::MySqlDialect::mysql((8, 0, 18)));
        let db = MySqlDatabase::connect(options).await.expect("connect");
        db.acreate_tables(&[User::META, Tweet::META]).await.expect("create");
        let ann = User::acreate(&db, user("ann")).await.expect("ann");
        let tweet = Tweet {
            id: 0,
            user: ForeignKey::new(ann.id),
            content: "ann".into(),
            is_published: true,
            related: Relations::default(),
        };
        Tweet::acreate(&db, tweet).await.expect("a tweet");
        let upsert = ormcore::query::Insert::<User>::from_select(&["name"], Tweet::select().columns(Tweet::CONTENT))
            .on_conflict(User::NAME)
            .do_update(User::NAME);
        let key = upsert.aexecute(&db).await.expect("the upsert runs");
        assert_eq!(key, Some(ann.id), "it reports the row it updated");
    }

    /// A counter of the session's `SHOW SESSION STATUS`.
    async fn scalar_status(db: &MySqlDatabase, name: &str) -> i64 {
        let cursor = db.aexecute_sql(&format!("SHOW SESSION STATUS LIKE '{name}'"), vec![]).await.expect("status");
        let value: String = cursor.fetchall()[0].get(1).expect("a counter");
        value.parse().expect("a number")
    }

    async fn session_exists(db: &MySqlDatabase, id: i64) -> bool {
        let cursor = db
            .aexecute_sql("SELECT count(*) FROM information_schema.processlist WHERE id = ?", vec![id.into()])
            .await
            .expect("processlist");
        cursor.fetchall()[0].get::<i64>(0).expect("a count") == 1
    }

    /// Raw SQL that opens a transaction and leaves session state, on a task
    /// aborted while it holds its connection: the one pooled connection
    /// comes back with neither (mysql_async alone would return it with the
    /// transaction open, as RESEARCH.md §1 found).
    #[tokio::test]
    async fn raw_transaction_and_session_state_do_not_leak() {
        let db = db(1).await;
        ormcore_tests::harness::run_in_aborted_task(&db, "BEGIN").await;
        assert_eq!(leftovers(&db).await, CLEAN);
        ormcore_tests::harness::run_in_aborted_task(&db, "SET @leftover = 1").await;
        assert_eq!(leftovers(&db).await, CLEAN);
        ormcore_tests::harness::run_in_aborted_task(&db, "SET autocommit = 0").await;
        assert_eq!(leftovers(&db).await, CLEAN);
        let conn = db.aconnect().await.expect("aconnect");
        conn.aexecute_sql("START TRANSACTION", vec![]).await.expect("raw begin");
        conn.aexecute_sql("INSERT INTO `user` (name, is_active) VALUES ('raw', 1)", vec![]).await.expect("insert");
        drop(conn);
        assert_eq!(leftovers(&db).await, CLEAN);
        assert_eq!(names(&db).await, ["committed"], "the raw transaction was rolled back");
        // What the compiler proved session-free costs no reset: the
        // prepared statements are still there afterwards (a reset would
        // have thrown them away, and these two would be prepared again).
        let before = scalar(&db, "SELECT CAST(variable_value AS SIGNED) FROM information_schema.session_status WHERE variable_name = 'Com_stmt_prepare'").await;
        for _ in 0..3 {
            names(&db).await;
        }
        let after = scalar(&db, "SELECT CAST(variable_value AS SIGNED) FROM information_schema.session_status WHERE variable_name = 'Com_stmt_prepare'").await;
        assert_eq!(after.map(|n| n - before.unwrap_or(0)), Some(0), "nothing was prepared again: no reset ran");
    }

    /// A statement cancelled by a timeout inside a transaction costs only
    /// itself: it is ended on the server (`KILL QUERY`, not waited for),
    /// and the block goes on, on the same session, and commits all it did.
    #[tokio::test]
    async fn cancelled_statement_keeps_the_block() {
        let db = db(1).await;
        let id = scalar(&db, "SELECT CONNECTION_ID()").await.expect("an id");
        let tx = db.atomic().await.expect("begin");
        User::acreate(&db, user("before")).await.expect("insert");
        let slow = db.aexecute_sql("SELECT SLEEP(30)", vec![]);
        assert!(tokio::time::timeout(Duration::from_millis(100), slow).await.is_err());
        let started = Instant::now();
        User::acreate(&db, user("after")).await.expect("the block goes on");
        assert!(started.elapsed() < Duration::from_secs(5), "the sleep was ended, not waited for");
        assert_eq!(scalar(&db, "SELECT CONNECTION_ID()").await, Some(id), "the same session");
        tx.commit().await.expect("commit");
        assert_eq!(names(&db).await, ["after", "before", "committed"]);
        assert_eq!(leftovers(&db).await, CLEAN);

        // Cancelled at every await of a write inside a block: the write
        // either happened or did not, and the block always goes on.
        for polls in 0..6 {
            let tx = db.atomic().await.expect("begin");
            let name = format!("polled {polls}");
            let mut write = Box::pin(User::acreate(&db, user(&name)));
            for _ in 0..polls {
                let done = std::future::poll_fn(|cx| std::task::Poll::Ready(write.as_mut().poll(cx).is_ready())).await;
                if done {
                    break;
                }
                tokio::task::yield_now().await;
            }
            drop(write);
            User::acreate(&db, user(&format!("{name}, after"))).await.expect("the block goes on");
            tx.commit().await.expect("commit");
            assert_eq!(scalar(&db, "SELECT CONNECTION_ID()").await, Some(id), "the same session");
        }
        let names = names(&db).await;
        assert!((0..6).all(|polls| names.contains(&format!("polled {polls}, after"))), "every block committed");
        assert_eq!(leftovers(&db).await, CLEAN);
    }

    /// A query cancelled by a timeout inside a transaction whose block is
    /// then abandoned: the query is ended on the server at once and the
    /// transaction rolled back, so its uncommitted row (and the row lock
    /// that goes with it) is gone, and the next user of the one pooled
    /// connection gets a clean one.
    #[tokio::test]
    async fn cancelled_query_in_abandoned_transaction() {
        let db = db(1).await;
        let id = scalar(&db, "SELECT CONNECTION_ID()").await.expect("an id");
        let work = async {
            let _tx = db.atomic().await?;
            User::acreate(&db, user("uncommitted")).await?;
            db.aexecute_sql("SELECT SLEEP(30)", vec![]).await
        };
        assert!(tokio::time::timeout(Duration::from_millis(300), work).await.is_err());
        let started = Instant::now();
        assert_eq!(leftovers(&db).await, CLEAN);
        // The same unique name: blocked by the row lock if the old session
        // still ran.
        User::acreate(&db, user("uncommitted")).await.expect("no lock left behind");
        assert!(started.elapsed() < Duration::from_secs(5), "the sleep was ended, not waited for");
        assert!(!session_exists(&db, id).await, "the abandoned session was ended on the server");
        assert_eq!(names(&db).await, ["committed", "uncommitted"]);
    }

    /// A task aborted while its transaction runs a long query: the same.
    #[tokio::test]
    async fn aborted_task_mid_transaction() {
        let db = db(1).await;
        let other = db.clone();
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let _tx = other.atomic().await?;
            User::acreate(&other, user("aborted")).await?;
            let _ = started_tx.send(());
            other.aexecute_sql("SELECT SLEEP(30)", vec![]).await
        });
        started.await.expect("the task began");
        tokio::time::sleep(Duration::from_millis(100)).await;
        task.abort();
        assert!(task.await.expect_err("aborted").is_cancelled());
        let begun = Instant::now();
        assert_eq!(leftovers(&db).await, CLEAN);
        User::acreate(&db, user("aborted")).await.expect("no lock left behind");
        assert!(begun.elapsed() < Duration::from_secs(5));
        assert_eq!(names(&db).await, ["aborted", "committed"]);
    }

    /// A stream dropped with most of its rows unread, outside and inside a
    /// transaction: the connection reads them off and goes on, in the
    /// transaction it was in.
    #[tokio::test]
    async fn dropped_stream_with_rows_unread() {
        let db = db(1).await;
        let rows =
            ormcore::query::Raw::<(i64, String)>::new("SELECT seq, REPEAT('x', 100) FROM seq_1_to_20000", vec![]);
        let mut stream = db.iterate(&rows).buffer_size(10);
        assert_eq!(stream.next().await.expect("a row").expect("decoded").0, 1);
        drop(stream);
        assert_eq!(leftovers(&db).await, CLEAN);

        let tx = db.atomic().await.expect("begin");
        User::acreate(&db, user("in the block")).await.expect("insert");
        let mut stream = db.iterate(&rows).buffer_size(10);
        for n in 1..=25 {
            assert_eq!(stream.next().await.expect("a row").expect("decoded").0, n);
        }
        drop(stream);
        User::acreate(&db, user("after the stream")).await.expect("the block goes on");
        tx.commit().await.expect("commit");
        assert_eq!(names(&db).await, ["after the stream", "committed", "in the block"]);
        assert_eq!(leftovers(&db).await, CLEAN);
    }

    /// A pooled connection the server killed while idle is replaced.
    #[tokio::test]
    async fn killed_idle_connection_is_replaced() {
        let db = db(1).await;
        let id = scalar(&db, "SELECT CONNECTION_ID()").await.expect("an id");
        kill_session(id as u64).await;
        let new_id = scalar(&db, "SELECT CONNECTION_ID()").await.expect("a healthy connection");
        assert_ne!(id, new_id);
        assert_eq!(names(&db).await, ["committed"]);
    }

    /// Affected rows are the rows matched, as on the other backends (the
    /// client's found-rows flag), not only the rows changed.
    #[tokio::test]
    async fn updates_count_matched_rows() {
        let db = db(2).await;
        let same = User::update().set(User::NAME, "committed").where_(User::NAME.eq("committed")).aexecute(&db).await;
        assert_eq!(same.expect("update"), 1);
        let raw = db.aexecute_sql("UPDATE `user` SET is_active = is_active", vec![]).await.expect("raw update");
        assert_eq!(raw.rows_affected(), 1);
    }

    /// A transaction's own isolation level and read-only flag.
    #[tokio::test]
    async fn transaction_options() {
        let db = db(2).await;
        let writer = db.clone();
        let commit_elsewhere = |name: &'static str| {
            let writer = writer.clone();
            async move { tokio::spawn(async move { User::acreate(&writer, user(name)).await }).await.expect("task") }
        };
        let seen = |db: &MySqlDatabase| {
            let db = db.clone();
            async move { db.count(&User::select()).await.expect("count") }
        };
        let tx = db.atomic().isolation(ormcore::IsolationLevel::ReadCommitted).await.expect("begin");
        assert_eq!(seen(&db).await, 1);
        commit_elsewhere("first").await.expect("insert");
        assert_eq!(seen(&db).await, 2, "READ COMMITTED sees the other transaction's commit");
        tx.commit().await.expect("commit");

        let tx = db.atomic().isolation(ormcore::IsolationLevel::RepeatableRead).await.expect("begin");
        assert_eq!(seen(&db).await, 2);
        commit_elsewhere("second").await.expect("insert");
        assert_eq!(seen(&db).await, 2, "REPEATABLE READ keeps its snapshot");
        tx.commit().await.expect("commit");

        let tx = db.atomic().read_only().await.expect("begin");
        let denied = User::acreate(&db, user("write")).await.expect_err("read-only");
        assert!(denied.to_string().contains("1792"), "{denied}");
        drop(tx);
        let deferrable = db.atomic().deferrable().await;
        assert!(matches!(deferrable, Err(Error::Unsupported { .. })), "{deferrable:?}");
        assert_eq!(leftovers(&db).await, CLEAN);
    }

    /// Each server error arrives as its kind: duplicate key, foreign key,
    /// deadlock (which ended the transaction), lock wait timeout (which did
    /// not), lost connection.
    #[tokio::test]
    async fn error_kinds() {
        let db = db(2).await;
        let duplicate = User::acreate(&db, user("committed")).await.expect_err("duplicate");
        assert_eq!(duplicate.constraint_kind(), Some(ConstraintKind::Unique), "{duplicate:?}");
        let orphan =
            db.aexecute_sql("INSERT INTO tweet (user_id, content, is_published) VALUES (999, 'x', 1)", vec![]).await;
        let orphan = orphan.expect_err("no such user");
        assert_eq!(orphan.constraint_kind(), Some(ConstraintKind::ForeignKey), "{orphan:?}");

        // Two transactions lock two rows in opposite orders.
        let a = User::acreate(&db, user("a")).await.expect("a");
        let b = User::acreate(&db, user("b")).await.expect("b");
        let lock = |db: MySqlDatabase, first: i64, second: i64, go: std::sync::Arc<tokio::sync::Barrier>| async move {
            let tx = db.atomic().await?;
            User::update().set(User::EMAIL, "x").where_(User::ID.eq(first)).aexecute(&db).await?;
            go.wait().await;
            let result = User::update().set(User::EMAIL, "y").where_(User::ID.eq(second)).aexecute(&db).await;
            match result {
                Ok(_) => tx.commit().await.map(|_| None),
                Err(error) => Ok(Some(error)),
            }
        };
        let go = std::sync::Arc::new(tokio::sync::Barrier::new(2));
        let one = tokio::spawn(lock(db.clone(), a.id, b.id, go.clone()));
        let two = tokio::spawn(lock(db.clone(), b.id, a.id, go));
        let outcomes = [one.await.expect("task").expect("block"), two.await.expect("task").expect("block")];
        let failed: Vec<_> = outcomes.into_iter().flatten().collect();
        assert_eq!(failed.len(), 1, "one of the two is chosen as the victim: {failed:?}");
        assert_eq!(failed[0].conflict_kind(), Some(ConflictKind::Deadlock), "{:?}", failed[0]);

        // A lock wait timeout ends only the statement.
        let holder = db.atomic().await.expect("begin");
        User::update().set(User::EMAIL, "held").where_(User::ID.eq(a.id)).aexecute(&db).await.expect("lock");
        let waiter = {
            let db = db.clone();
            tokio::spawn(async move {
                // On the task's own connection, which the block then uses.
                let _conn = db.aconnect().await?;
                db.aexecute_sql("SET SESSION innodb_lock_wait_timeout = 1", vec![]).await?;
                let tx = db.atomic().await?;
                User::acreate(&db, user("waiter")).await?;
                let waited = User::update().set(User::EMAIL, "w").where_(User::ID.eq(a.id)).aexecute(&db).await;
                tx.commit().await?;
                Ok::<_, Error>(waited)
            })
        };
        let waited = waiter.await.expect("task").expect("the waiter's block commits");
        let waited = waited.expect_err("lock wait timeout");
        assert_eq!(waited.conflict_kind(), Some(ConflictKind::LockTimeout), "{waited:?}");
        holder.commit().await.expect("commit");
        assert_eq!(
            db.count(&User::select().where_(User::NAME.eq("waiter"))).await.expect("count"),
            1,
            "the waiter's transaction went on after the timeout"
        );
        assert_eq!(leftovers(&db).await, CLEAN);
    }
}

/// TLS (the `tls` feature), on the server `ORMCORE_MYSQL_TLS_URL` names,
/// whose certificate for 127.0.0.1 the CA in the PEM file
/// `ORMCORE_MYSQL_TLS_CA` signed. `scripts/test` starts one (a packaged
/// MariaDB has TLS off) unless both are set.
mod tls {
    use super::*;

    fn server() -> (String, String) {
        let var = |name: &str| {
            std::env::var(name).unwrap_or_else(|_| {
                panic!("{name} is not set: it names a MySQL server with TLS and its CA (scripts/test starts one)")
            })
        };
        (var("ORMCORE_MYSQL_TLS_URL"), var("ORMCORE_MYSQL_TLS_CA"))
    }

    /// The server's URL with `params` added. (ormcore keeps a TLS
    /// connection on TCP: mysql_async would otherwise try the local
    /// server's Unix socket first, where the server refuses the TLS
    /// handshake.)
    fn with(url: &str, params: &str) -> String {
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}{params}")
    }

    async fn cipher(db: &MySqlDatabase) -> String {
        let cursor = db.aexecute_sql("SHOW SESSION STATUS LIKE 'Ssl_cipher'", vec![]).await.expect("status");
        cursor.fetchall()[0].get(1).expect("the cipher")
    }

    /// How many sessions are running a statement that contains `marker`.
    async fn running(db: &MySqlDatabase, marker: &str) -> i64 {
        let sql = "SELECT count(*) FROM information_schema.processlist WHERE info LIKE ? AND id <> CONNECTION_ID()";
        db.aexecute_sql(sql, vec![format!("%{marker}%").into()]).await.expect("processlist").fetchall()[0]
            .get(0)
            .expect("a count")
    }

    async fn until_none_running(db: &MySqlDatabase, marker: &str) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while running(db, marker).await > 0 {
            assert!(Instant::now() < deadline, "the abandoned statement {marker} is still running");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    #[tokio::test]
    async fn ssl_ca_verifies_and_encrypts_every_connection() {
        let (url, ca) = server();
        let options = MySqlOptions::from_url(&with(&url, &format!("ssl_ca={ca}"))).expect("url").pool_size(2);
        assert!(options.uses_tls());
        let db = MySqlDatabase::connect(options).await.expect("connect over TLS, verifying the server");
        assert!(!cipher(&db).await.is_empty(), "the pooled connection is encrypted");
        // Both pooled connections: one held by a transaction, the other.
        let tx = db.atomic().await.expect("begin");
        let other = {
            let db = db.clone();
            tokio::spawn(async move { cipher(&db).await }).await.expect("task")
        };
        assert!(!other.is_empty(), "the second connection is encrypted too");

        // A statement cancelled inside the transaction is killed from a side
        // connection, which speaks TLS as well; the transaction goes on.
        let sleep = db.aexecute_sql("SELECT SLEEP(30) AS ormcore_tls_in_tx", vec![]);
        assert!(tokio::time::timeout(Duration::from_millis(100), sleep).await.is_err());
        assert!(!cipher(&db).await.is_empty(), "the block goes on");
        tx.commit().await.expect("commit");
        until_none_running(&db, "ormcore_tls_in_tx").await;

        // Outside one, the abandoned session is ended the same way.
        let sleep = db.aexecute_sql("SELECT SLEEP(30) AS ormcore_tls_autocommit", vec![]);
        assert!(tokio::time::timeout(Duration::from_millis(100), sleep).await.is_err());
        assert!(!cipher(&db).await.is_empty(), "the next statement runs");
        until_none_running(&db, "ormcore_tls_autocommit").await;
    }

    #[tokio::test]
    async fn an_unverified_server_is_refused() {
        let (url, ca) = server();
        let refused = |params: String| {
            let url = url.clone();
            async move {
                let options = MySqlOptions::from_url(&with(&url, &params)).expect("url");
                match MySqlDatabase::connect(options).await {
                    Ok(_) => panic!("{params}: connected to a server it cannot verify"),
                    Err(error) => {
                        assert!(!error.is_connection_lost(), "a retry would fail the same way: {error:?}");
                        error.to_string()
                    }
                }
            }
        };
        // The test CA is not among the Mozilla roots.
        let untrusted = refused("require_ssl=true".into()).await;
        assert!(untrusted.contains("TLS") && untrusted.contains("certificate"), "{untrusted}");
        // The right CA, and a name the certificate does not have.
        let localhost = url.replace("127.0.0.1", "localhost");
        let options = MySqlOptions::from_url(&with(&localhost, &format!("ssl_ca={ca}"))).expect("url");
        let wrong_name = MySqlDatabase::connect(options).await.map(|_| ()).expect_err("a name the certificate lacks");
        assert!(
            matches!(&wrong_name, Error::Operational { message, .. } if message.contains("not valid for name")),
            "{wrong_name:?}"
        );
        // mysql_async's verify_identity=false would not skip the name check
        // (its issue #404): refused, saying so.
        let options =
            MySqlOptions::from_url(&with(&localhost, &format!("ssl_ca={ca}&verify_identity=false"))).expect("url");
        let unsupported = MySqlDatabase::connect(options).await.map(|_| ()).expect_err("refused");
        assert!(matches!(&unsupported, Error::Interface(m) if m.contains("verify_identity")), "{unsupported:?}");
        // verify_ca=false accepts any certificate, for any name.
        let options = MySqlOptions::from_url(&with(&localhost, "require_ssl=true&verify_ca=false")).expect("url");
        let db = MySqlDatabase::connect(options).await.expect("nothing is checked");
        assert!(!cipher(&db).await.is_empty());
    }

    #[test]
    fn an_unreadable_ssl_ca_is_named() {
        let error =
            MySqlOptions::from_url("mysql://root@127.0.0.1/test?ssl_ca=/nonexistent/ca.pem").expect_err("no such file");
        assert!(matches!(&error, Error::Interface(message) if message.contains("/nonexistent/ca.pem")), "{error:?}");
    }
}
