//! The conformance suite on PostgreSQL: each test gets a fresh schema on
//! the server named by `ORMCORE_PG_URL` (default
//! `postgresql://postgres@127.0.0.1:5432/test`). `scripts/test` starts a
//! throwaway server when none answers; an unreachable server fails the
//! tests, never skips them.

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use ormcore::Connection;
use ormcore::prelude::*;
use ormcore_pg::{Pg, PgDatabase, PgOptions};
use ormcore_tests::{Config, TestDb};

fn url() -> String {
    std::env::var("ORMCORE_PG_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned())
}

fn schema_prefix() -> String {
    format!("ormcore_t{}_", std::process::id())
}

/// Drop the schemas earlier test processes left behind (their process is
/// gone); schemas of processes still running are theirs.
async fn sweep(admin: &PgDatabase) {
    let cursor = admin
        .aexecute_sql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ormcore\\_t%'", vec![])
        .await
        .expect("list test schemas");
    for row in cursor.fetchall() {
        let name: String = row.get(0).expect("schema name");
        let pid = name.trim_start_matches("ormcore_t").split('_').next().unwrap_or_default();
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = admin.aexecute_sql(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"), vec![]).await;
        }
    }
}

/// A fresh schema on the test server, as a search path.
pub struct PgSchema;

impl TestDb for PgSchema {
    type Backend = Pg;
    const SINGLE_CONNECTION: bool = false;

    async fn open(config: Config) -> PgDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        static SWEEP: Once = Once::new();
        let admin = PgDatabase::connect(PgOptions::from_url(&url()).expect("ORMCORE_PG_URL").pool_size(1))
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {} is not reachable: {e}", url()));
        let mut first = false;
        SWEEP.call_once(|| first = true);
        if first {
            sweep(&admin).await;
        }
        let schema = format!("{}{}", schema_prefix(), NEXT.fetch_add(1, Ordering::Relaxed));
        admin.aexecute_sql(&format!("CREATE SCHEMA \"{schema}\""), vec![]).await.expect("create the test schema");
        admin.close_pool().await;
        let options = PgOptions::from_url(&url())
            .expect("ORMCORE_PG_URL")
            .search_path(schema)
            .pool_size(config.pool_size)
            .acquire_timeout(config.acquire_timeout);
        PgDatabase::connect(options).await.expect("connect to the test schema")
    }

    /// The server terminates the session (`pg_terminate_backend` from a
    /// second connection, as an administrator or a failover would); the
    /// kill waits until the session is gone from the server, then until the
    /// driver has read the server's goodbye (it does so on its own task,
    /// a moment later).
    async fn kill_connection(conn: &Connection<Pg>) -> bool {
        let pid: i32 = conn.aexecute_sql("SELECT pg_backend_pid()", vec![]).await.expect("pid").fetchall()[0]
            .get(0)
            .expect("an int");
        let admin = PgDatabase::connect(PgOptions::from_url(&url()).expect("ORMCORE_PG_URL").pool_size(1))
            .await
            .expect("connect the killer");
        admin.aexecute_sql("SELECT pg_terminate_backend(?::int4)", vec![pid.into()]).await.expect("terminate");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        loop {
            let alive = admin
                .aexecute_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = ?::int4", vec![pid.into()])
                .await
                .expect("pg_stat_activity");
            let alive: i64 = alive.fetchall()[0].get(0).expect("a count");
            if alive == 0 {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "the session {pid} outlived its termination");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        admin.close_pool().await;
        while !conn.is_lost() {
            assert!(std::time::Instant::now() < deadline, "the driver never noticed the closed session");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        true
    }

    /// The session terminates itself (`pg_terminate_backend` of its own
    /// pid, which the statement's error reports); the kill returns once
    /// the driver knows the connection is closed.
    async fn kill_raw_connection(conn: &mut ormcore_pg::PgConnection) -> bool {
        use ormcore::backend::RawConnection;
        let kill = ormcore::sql::Statement::new("SELECT pg_terminate_backend(pg_backend_pid())", vec![]);
        let killed = conn.execute(&kill).await;
        assert!(killed.is_err(), "a session that terminates itself gets no answer: {killed:?}");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
        while !conn.is_lost() {
            assert!(std::time::Instant::now() < deadline, "the driver never noticed the closed session");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
        true
    }
}

ormcore_tests::conformance!(PgSchema);

#[path = "postgres/faults.rs"]
mod faults;
#[path = "postgres/regressions.rs"]
mod regressions;

/// What only PostgreSQL needs proving: connections come back clean after a
/// cancelled query, a killed backend and an aborted task; streams are real
/// cursors whose failures leave nothing open.
mod pg_only {
    use std::time::{Duration, Instant};

    use ormcore::prelude::*;
    use ormcore_tests::models::{Counter, User, user};

    use super::*;

    async fn db(pool_size: usize) -> PgDatabase {
        let db = PgSchema::open(Config::default().pool_size(pool_size)).await;
        db.acreate_tables(&[User::META, Counter::META]).await.expect("create");
        User::acreate(&db, user("committed")).await.expect("a committed row");
        db
    }

    /// Like [`db`], with the shared pipelined connection on.
    async fn shared_db(pool_size: usize) -> PgDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let schema = format!("{}shared{}", schema_prefix(), NEXT.fetch_add(1, Ordering::Relaxed));
        let admin = PgSchema::open(Config::default().pool_size(1)).await;
        admin.aexecute_sql(&format!("CREATE SCHEMA \"{schema}\""), vec![]).await.expect("schema");
        let options = PgOptions::from_url(&url()).expect("url").search_path(schema).pool_size(pool_size).pipeline(true);
        let db = PgDatabase::connect(options).await.expect("connect");
        db.acreate_tables(&[User::META, Counter::META]).await.expect("create");
        User::acreate(&db, user("committed")).await.expect("a committed row");
        db
    }

    /// Whether the connection the next query gets is inside a transaction
    /// that has done work: an autocommit statement has no transaction id
    /// assigned.
    async fn leftover_transaction(db: &PgDatabase) -> bool {
        let cursor = db.aexecute_sql("SELECT txid_current_if_assigned()", vec![]).await.expect("query");
        !matches!(cursor.fetchall()[0].values()[0], Value::Null)
    }

    async fn names(db: &PgDatabase) -> Vec<String> {
        db.list(&User::select().columns(User::NAME).order_by(User::NAME)).await.expect("names")
    }

    /// A query cancelled by a timeout inside a transaction: the server-side
    /// query is cancelled, the transaction rolled back, and the next user of
    /// the one pooled connection gets it clean, at once.
    #[tokio::test]
    async fn cancelled_query_in_transaction() {
        let db = db(1).await;
        let work = async {
            let _tx = db.atomic().await?;
            User::acreate(&db, user("uncommitted")).await?;
            db.aexecute_sql("SELECT pg_sleep(30)", vec![]).await
        };
        assert!(tokio::time::timeout(Duration::from_millis(200), work).await.is_err());
        let started = Instant::now();
        assert!(!leftover_transaction(&db).await);
        assert!(started.elapsed() < Duration::from_secs(5), "the sleep was cancelled, not waited for");
        assert_eq!(names(&db).await, ["committed"]);
    }

    /// The server kills the task's connection while a write runs on it,
    /// outside a transaction: the write fails (it may or may not have been
    /// applied, so it is never run again), and the task's next statement
    /// gets a healthy connection.
    #[tokio::test]
    async fn killed_mid_statement_is_not_retried() {
        let db = db(2).await;
        let conn = db.aconnect().await.expect("aconnect");
        let pid: i32 = db.aexecute_sql("SELECT pg_backend_pid()", vec![]).await.expect("pid").fetchall()[0]
            .get(0)
            .expect("an int");
        let admin = PgSchema::open(Config::default().pool_size(1)).await;
        let killer = tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(10);
            loop {
                let running = admin
                    .aexecute_sql(
                        "SELECT count(*) FROM pg_stat_activity WHERE pid = ?::int4 AND wait_event = 'PgSleep'",
                        vec![pid.into()],
                    )
                    .await
                    .expect("pg_stat_activity");
                let running: i64 = running.fetchall()[0].get(0).expect("a count");
                if running == 1 {
                    break;
                }
                assert!(Instant::now() < deadline, "the write never ran");
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            admin.aexecute_sql("SELECT pg_terminate_backend(?::int4)", vec![pid.into()]).await.expect("terminate");
        });
        let started = Instant::now();
        let write = db
            .aexecute_sql("INSERT INTO \"user\" (name, is_active) SELECT 'slow', true FROM pg_sleep(30)", vec![])
            .await;
        assert!(matches!(write, Err(Error::ConnectionLost { .. })), "the write on the killed connection: {write:?}");
        assert!(started.elapsed() < Duration::from_secs(10), "neither waited out nor run again");
        killer.await.expect("the killer ran");
        let new_pid: i32 =
            db.aexecute_sql("SELECT pg_backend_pid()", vec![]).await.expect("a healthy connection").fetchall()[0]
                .get(0)
                .expect("an int");
        assert_ne!(pid, new_pid);
        assert_eq!(names(&db).await, ["committed"], "the killed write was not applied, nor run again");
        conn.aclose().await.expect("aclose");
    }

    /// A pooled connection the server killed is replaced.
    #[tokio::test]
    async fn killed_connection_is_replaced() {
        let db = db(1).await;
        let pid: i32 = db.aexecute_sql("SELECT pg_backend_pid()", vec![]).await.expect("pid").fetchall()[0]
            .get(0)
            .expect("an int");
        let admin = PgSchema::open(Config::default().pool_size(1)).await;
        admin.aexecute_sql("SELECT pg_terminate_backend(?::int4)", vec![pid.into()]).await.expect("terminate");
        // The driver notices the closed socket on its own time; from then on
        // the pool replaces the connection. Allow it a few seconds.
        let deadline = Instant::now() + Duration::from_secs(5);
        let new_pid: i32 = loop {
            tokio::time::sleep(Duration::from_millis(100)).await;
            match db.aexecute_sql("SELECT pg_backend_pid()", vec![]).await {
                Ok(cursor) => break cursor.fetchall()[0].get(0).expect("an int"),
                Err(error) if Instant::now() < deadline => eprintln!("not yet replaced: {error}"),
                Err(error) => panic!("the killed connection was not replaced: {error}"),
            }
        };
        assert_ne!(pid, new_pid);
        assert_eq!(names(&db).await, ["committed"]);
    }

    /// A task aborted while its transaction runs a long query: rolled back,
    /// the query cancelled, the connection clean for the next acquirer.
    #[tokio::test]
    async fn aborted_task_mid_transaction() {
        let db = db(1).await;
        let other = db.clone();
        let (started_tx, started) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let _tx = other.atomic().await?;
            User::acreate(&other, user("aborted")).await?;
            let _ = started_tx.send(());
            other.aexecute_sql("SELECT pg_sleep(30)", vec![]).await
        });
        started.await.expect("the task began");
        tokio::time::sleep(Duration::from_millis(100)).await;
        task.abort();
        assert!(task.await.expect_err("aborted").is_cancelled());
        let begun = Instant::now();
        assert!(!leftover_transaction(&db).await);
        assert!(begun.elapsed() < Duration::from_secs(5));
        assert_eq!(names(&db).await, ["committed"]);
    }

    /// Streams run on a server-side cursor; an error half-way leaves no
    /// transaction open, and inside a transaction it leaves the
    /// transaction's own writes alone.
    #[tokio::test]
    async fn error_mid_stream_leaves_nothing_open() {
        let db = db(1).await;
        let failing =
            ormcore::query::Raw::<i64>::new("SELECT 100 / (n - 50) FROM generate_series(1, 100) AS n", vec![]);
        let mut stream = db.iterate(&failing).buffer_size(10);
        let mut read = 0;
        let error = loop {
            match stream.next().await {
                Some(Ok(_)) => read += 1,
                Some(Err(error)) => break error,
                None => panic!("the stream must fail"),
            }
        };
        drop(stream);
        assert_eq!(read, 40, "rows come in batches of 10 until the failing batch");
        assert!(error.to_string().contains("22012"), "division by zero: {error}");
        assert!(!leftover_transaction(&db).await);

        let tx = db.atomic().await.expect("begin");
        User::acreate(&db, user("before")).await.expect("insert");
        let failed = db.iterate(&failing).buffer_size(10).try_collect().await;
        assert!(failed.is_err());
        User::acreate(&db, user("after")).await.expect("the transaction goes on");
        tx.commit().await.expect("commit");
        assert_eq!(names(&db).await, ["after", "before", "committed"]);
    }

    /// Per-transaction options: isolation level, read-only, deferrable; a
    /// nested block refuses them.
    #[tokio::test]
    async fn transaction_options() {
        let db = db(2).await;
        let tx =
            db.atomic().isolation(ormcore::IsolationLevel::Serializable).read_only().deferrable().await.expect("begin");
        let level: String = db.aexecute_sql("SHOW transaction_isolation", vec![]).await.expect("show").fetchall()[0]
            .get(0)
            .expect("text");
        assert_eq!(level, "serializable");
        let denied = User::acreate(&db, user("write")).await.expect_err("read-only");
        assert!(denied.to_string().contains("25006"), "{denied}");
        assert!(matches!(db.atomic().read_only().await, Err(Error::Interface(_))), "options on a nested block");
        drop(tx);
        let tx = db.transaction().isolation(ormcore::IsolationLevel::RepeatableRead).await.expect("begin");
        User::acreate(&db, user("written")).await.expect("read-write");
        let mut tx = tx;
        tx.acommit().await.expect("commit and begin again");
        let level: String = db.aexecute_sql("SHOW transaction_isolation", vec![]).await.expect("show").fetchall()[0]
            .get(0)
            .expect("text");
        assert_eq!(level, "repeatable read", "the new transaction keeps the options");
        tx.commit().await.expect("commit");
        assert_eq!(names(&db).await, ["committed", "written"]);
    }

    /// The pool-wide isolation level (from the URL, as the reference's
    /// `isolation_level='SERIALIZABLE'`) applies to every connection, and
    /// timestamps are exchanged in UTC.
    #[tokio::test]
    async fn pool_isolation_level_from_url() {
        let options =
            PgOptions::from_url(&format!("{}?isolation_level=repeatable_read&pool_size=3", url())).expect("url");
        assert_eq!(options.max_connections(), 3);
        let db = PgDatabase::connect(options).await.expect("connect");
        let show = |setting: &'static str| {
            let db = db.clone();
            async move {
                let row = db.aexecute_sql(&format!("SHOW {setting}"), vec![]).await.expect("show");
                row.fetchall()[0].get::<String>(0).expect("text")
            }
        };
        assert_eq!(show("default_transaction_isolation").await, "repeatable read");
        assert_eq!(show("TimeZone").await, "UTC");
        assert!(PgOptions::from_url("postgresql://x/y?isolation_level=sometimes").is_err());
    }

    async fn concurrent_selects(db: &PgDatabase) {
        let tasks: Vec<_> = (0..32)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    for _ in 0..20 {
                        let found = User::aget_or_none(&db, User::NAME.eq("committed")).await.expect("select");
                        assert!(found.is_some(), "task {i}");
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
    }

    /// With `pipeline(true)`, reads outside any scope that touch no session
    /// state share one pipelined connection: 32 concurrent tasks do not grow
    /// the pool. With sharing off (the default), they do.
    #[tokio::test]
    async fn autocommit_statements_share_a_pipelined_connection() {
        let db = shared_db(4).await;
        concurrent_selects(&db).await;
        assert_eq!(db.pool_status().open, 1, "the pool kept its one connection: {:?}", db.pool_status());

        let schema = format!("{}pipeline_off", schema_prefix());
        let admin = PgSchema::open(Config::default().pool_size(1)).await;
        admin.aexecute_sql(&format!("CREATE SCHEMA IF NOT EXISTS \"{schema}\""), vec![]).await.expect("schema");
        let options = PgOptions::from_url(&url()).expect("url").search_path(schema).pool_size(4);
        let unshared = PgDatabase::connect(options).await.expect("connect");
        unshared.acreate_tables(&[User::META]).await.expect("create");
        User::acreate(&unshared, user("committed")).await.expect("insert");
        concurrent_selects(&unshared).await;
        assert!(unshared.pool_status().open > 1, "without sharing the pool grows: {:?}", unshared.pool_status());
    }

    /// A read on the shared connection that would wait for a lock gives up
    /// there at once and waits on a pooled connection instead: the reads
    /// pipelined behind it are not held up (before, they waited as long as
    /// the lock was held).
    #[tokio::test]
    async fn shared_reads_never_wait_behind_a_lock() {
        let db = shared_db(4).await;
        let holder = db.clone();
        let (locked_tx, locked) = tokio::sync::oneshot::channel();
        let lock = tokio::spawn(async move {
            let tx = holder.atomic().await?;
            holder.aexecute_sql("LOCK TABLE counter IN ACCESS EXCLUSIVE MODE", vec![]).await?;
            let _ = locked_tx.send(());
            tokio::time::sleep(Duration::from_millis(1500)).await;
            tx.commit().await
        });
        locked.await.expect("the table is locked");
        let waiter = {
            let db = db.clone();
            tokio::spawn(async move { db.count(&Counter::select()).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        for _ in 0..5 {
            assert_eq!(db.count(&User::select()).await.expect("an unrelated read"), 1);
        }
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_millis(700), "unrelated reads waited {elapsed:?} behind a lock wait");
        assert_eq!(waiter.await.expect("task").expect("the waiting read, on the pool"), 0);
        lock.await.expect("task").expect("commit");
    }

    /// A write whose future is dropped while it waits for a row lock is not
    /// applied behind the caller's back once the lock is free: it is
    /// cancelled on the server. (Before, on the shared connection, it
    /// landed.)
    #[tokio::test]
    async fn dropped_write_is_not_applied_later() {
        for shared in [false, true] {
            let db = if shared { shared_db(4).await } else { db(4).await };
            let counter =
                Counter::acreate(&db, Counter { name: "c".into(), ..Counter::default() }).await.expect("insert");
            let holder = db.clone();
            let (locked_tx, locked) = tokio::sync::oneshot::channel();
            let id = counter.id;
            let lock = tokio::spawn(async move {
                let tx = holder.atomic().await?;
                Counter::update().set(Counter::VALUE, 1).where_(Counter::ID.eq(id)).aexecute(&holder).await?;
                let _ = locked_tx.send(());
                tokio::time::sleep(Duration::from_millis(400)).await;
                tx.rollback().await
            });
            locked.await.expect("the row is locked");
            let update = Counter::update().set(Counter::VALUE, 999).where_(Counter::ID.eq(id));
            let write = update.aexecute(&db);
            assert!(tokio::time::timeout(Duration::from_millis(100), write).await.is_err(), "the write waits");
            lock.await.expect("task").expect("rollback");
            tokio::time::sleep(Duration::from_millis(200)).await;
            let value = db.scalar::<i64, _>(&Counter::select().columns(Counter::VALUE)).await.expect("value");
            assert_eq!(value, 0, "shared: {shared}: the dropped write was applied after all");
        }
    }

    /// Run `values` on two pooled connections at once (two tasks).
    async fn on_both_connections(db: &PgDatabase, values: &Select<i64>) -> [Vec<i64>; 2] {
        let (ready_tx, ready) = tokio::sync::oneshot::channel::<()>();
        let other = {
            let (db, values) = (db.clone(), values.clone());
            tokio::spawn(async move {
                let conn = db.aconnect().await?;
                let _ = ready.await;
                conn.list(&values).await
            })
        };
        let conn = db.aconnect().await.expect("a second connection");
        let _ = ready_tx.send(());
        let mine = conn.list(values).await.expect("this connection");
        [mine, other.await.expect("task").expect("the other connection")]
    }

    /// After DDL changes a column's type, the same query keeps working: the
    /// stale cached statement is dropped from every connection's cache and
    /// the query run again. Inside a transaction the failure aborts it (the
    /// query cannot run again there), once: the next attempt works.
    #[tokio::test]
    async fn cached_statements_survive_a_column_type_change() {
        for shared in [false, true] {
            let db = if shared { shared_db(2).await } else { db(2).await };
            Counter::acreate(&db, Counter { name: "c".into(), value: 7, ..Counter::default() }).await.expect("insert");
            let values = Counter::select().columns(Counter::VALUE);
            // Warm the caches of both pooled connections (and the shared one).
            assert_eq!(on_both_connections(&db, &values).await, [[7], [7]]);
            assert_eq!(db.list(&values).await.expect("warm"), [7]);
            db.aexecute_sql("ALTER TABLE counter ALTER COLUMN value TYPE integer", vec![]).await.expect("alter");
            for round in 0..3 {
                assert_eq!(db.list(&values).await.expect("after the type change"), [7], "shared: {shared}, {round}");
            }
            assert_eq!(on_both_connections(&db, &values).await, [[7], [7]], "shared: {shared}");

            db.aexecute_sql("ALTER TABLE counter ALTER COLUMN value TYPE bigint", vec![]).await.expect("alter back");
            let mut failures = 0;
            loop {
                let tx = db.atomic().await.expect("begin");
                match db.list(&values).await {
                    Ok(found) => {
                        assert_eq!(found, [7]);
                        tx.commit().await.expect("commit");
                        break;
                    }
                    Err(error) => {
                        failures += 1;
                        assert!(error.to_string().contains("0A000"), "{error}");
                        assert_eq!(failures, 1, "a stale statement fails one transaction at most");
                    }
                }
            }
        }
    }

    /// `connect` takes a URL string, as `SqliteDatabase::connect` takes a
    /// path (before, it took only `PgOptions`); a bad one is an Interface
    /// error.
    #[tokio::test]
    async fn connect_takes_a_url() {
        let separator = if url().contains('?') { '&' } else { '?' };
        let db = PgDatabase::connect(format!("{}{separator}pool_size=3", url()).as_str()).await.expect("a URL");
        assert_eq!(db.pool_status().max_size, 3);
        let one = db.aexecute_sql("SELECT 1::int4", vec![]).await.expect("a query");
        assert_eq!(one.fetchall()[0].get::<i32>(0).expect("an int"), 1);
        let bad = PgDatabase::connect("postgresql://127.0.0.1:5432/test?pool_size=many").await;
        assert!(matches!(bad, Err(Error::Interface(_))), "{bad:?}");
    }

    /// An exhausted `SMALLSERIAL` refuses the insert: a key past `i16::MAX`
    /// is never assigned (before, the key column was `SERIAL`, the row was
    /// stored with key 32768 and `acreate` then panicked on it).
    #[tokio::test]
    async fn exhausted_narrow_key_refuses_the_row() {
        use ormcore_tests::models::Tiny;
        let db = PgSchema::open(Config::default()).await;
        db.acreate_tables(&[Tiny::META]).await.expect("create");
        db.aexecute_sql("SELECT setval(pg_get_serial_sequence('tiny', 'id'), 32767)", vec![]).await.expect("setval");
        let refused = Tiny::acreate(&db, Tiny { name: "past the end".into(), ..Tiny::default() }).await;
        assert!(matches!(refused, Err(Error::Operational { .. })), "{refused:?}");
        assert_eq!(db.count(&Tiny::select()).await.expect("count"), 0, "nothing stored");
    }

    /// A function returning `void` decodes as NULL: the statement ran, and
    /// so must its result come back (before, `SELECT pg_advisory_lock(1)`
    /// took the lock and then failed to decode).
    #[tokio::test]
    async fn void_decodes_as_null() {
        let db = db(1).await;
        let cursor = db.aexecute_sql("SELECT pg_advisory_lock(1), pg_advisory_unlock(1)", vec![]).await.expect("void");
        assert_eq!(cursor.fetchall()[0].values(), [Value::Null, Value::Bool(true)]);
        let slept = db.aexecute_sql("SELECT pg_sleep(0)", vec![]).await.expect("void");
        assert_eq!(slept.fetchall()[0].get::<()>(0).expect("void is ()"), ());
        let typed: Vec<()> =
            db.list(&ormcore::query::Raw::<()>::new("SELECT pg_sleep(0)", vec![])).await.expect("void rows");
        assert_eq!(typed, [()]);
        assert!(slept.fetchall()[0].get::<i64>(0).is_err(), "NULL is no number");
    }

    /// A statement calling a function beyond the portable built-ins may act
    /// on its session, so it runs on a pooled connection, never the shared
    /// one.
    #[tokio::test]
    async fn session_dependent_statements_use_the_pool() {
        let db = shared_db(1).await;
        let pooled: i32 = db.aexecute_sql("SELECT pg_backend_pid()", vec![]).await.expect("pid").fetchall()[0]
            .get(0)
            .expect("an int");
        let pid = ormcore::query::func::call("pg_backend_pid").build::<ormcore::types::Integer>();
        let typed: Vec<Option<i64>> =
            db.list(&User::select().columns(pid).decode_as::<Option<i64>>().limit(1)).await.expect("typed pid");
        assert_eq!(typed, [Some(i64::from(pooled))], "the typed statement ran on the pooled connection");
    }

    /// A stream abandoned half-way inside a transaction: its cursor's
    /// savepoint is rolled back before the transaction's next statement.
    #[tokio::test]
    async fn abandoned_stream_inside_transaction() {
        let db = db(1).await;
        let tx = db.atomic().await.expect("begin");
        User::acreate(&db, user("mine")).await.expect("insert");
        let numbers = ormcore::query::Raw::<i64>::new("SELECT n FROM generate_series(1, 1000) AS n", vec![]);
        let mut stream = db.iterate(&numbers).buffer_size(10);
        assert_eq!(stream.next().await.expect("a row").expect("ok"), 1);
        drop(stream);
        User::acreate(&db, user("more")).await.expect("insert after the stream");
        tx.commit().await.expect("commit");
        assert_eq!(names(&db).await, ["committed", "mine", "more"]);
        assert!(!leftover_transaction(&db).await);
    }

    /// A stream of ten million rows dropped after its first: the statement
    /// is cancelled, not read to its end, in a transaction or out of one,
    /// and the transaction goes on.
    #[tokio::test]
    async fn abandoned_huge_stream_is_cancelled() {
        let db = db(1).await;
        db.aexecute_sql(
            "INSERT INTO \"user\" (name, is_active) SELECT 'u' || n, true FROM generate_series(1, 3000) AS n",
            vec![],
        )
        .await
        .expect("seed");
        // Nine million rows of a query-builder select, which only reads:
        // abandoned, it is cancelled rather than read to its end.
        let huge = User::select().join(ormcore::query::Table::<User>::alias("other"), User::ID.gt(0));
        for in_block in [false, true] {
            let tx = if in_block { Some(db.atomic().await.expect("begin")) } else { None };
            let mut stream = db.iterate(&huge);
            stream.next().await.expect("a row").expect("ok");
            let begun = Instant::now();
            drop(stream);
            User::acreate(&db, user(if in_block { "in" } else { "out" })).await.expect("the next statement");
            assert!(begun.elapsed() < Duration::from_secs(2), "in_block={in_block}: {:?}", begun.elapsed());
            if let Some(tx) = tx {
                tx.commit().await.expect("commit");
            }
        }
        let kept = db.list(&User::select().columns(User::NAME).where_(User::NAME.in_(["in", "out"]))).await;
        assert_eq!(kept.expect("names").len(), 2);
        assert!(!leftover_transaction(&db).await);
    }

    /// A write with `RETURNING` streamed inside a transaction keeps what it
    /// wrote: its savepoint is released, not rolled back.
    #[tokio::test]
    async fn streamed_write_is_kept() {
        let db = db(1).await;
        let tx = db.atomic().await.expect("begin");
        let insert = ormcore::query::Raw::<String>::new(
            "INSERT INTO \"user\" (name, is_active) VALUES ('s1', true), ('s2', true) RETURNING name",
            vec![],
        );
        let written = db.iterate(&insert).buffer_size(1).try_collect().await.expect("streamed insert");
        assert_eq!(written, ["s1", "s2"]);
        tx.commit().await.expect("commit");
        assert_eq!(names(&db).await, ["committed", "s1", "s2"]);
    }
}

/// TLS (the `tls` feature): `sslmode=require` in the URL.
mod tls {
    use std::sync::Arc;

    use ormcore::prelude::*;
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::crypto::CryptoProvider;
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{DigitallySignedStruct, SignatureScheme};

    use super::*;

    /// Accepts any server certificate: the test servers present self-signed
    /// ones. Checking certificates is rustls's job; this test checks that
    /// the session is encrypted.
    #[derive(Debug)]
    struct AcceptAnyCertificate(Arc<CryptoProvider>);

    impl ServerCertVerifier for AcceptAnyCertificate {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, rustls::Error> {
            Ok(ServerCertVerified::assertion())
        }

        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }

        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, rustls::Error> {
            rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0.signature_verification_algorithms)
        }

        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.0.signature_verification_algorithms.supported_schemes()
        }
    }

    fn accept_any() -> rustls::ClientConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("protocol versions")
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(AcceptAnyCertificate(provider)))
            .with_no_client_auth()
    }

    fn with_sslmode(mode: &str) -> String {
        let url = url();
        let separator = if url.contains('?') { '&' } else { '?' };
        format!("{url}{separator}sslmode={mode}")
    }

    async fn encrypted(db: &PgDatabase) -> bool {
        let sql = "SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()";
        db.aexecute_sql(sql, vec![]).await.expect("pg_stat_ssl").fetchall()[0].get(0).expect("a bool")
    }

    #[tokio::test]
    async fn sslmode_require_encrypts_every_connection() {
        let options =
            PgOptions::from_url(&with_sslmode("require")).expect("url").pool_size(1).pipeline(true).tls(accept_any());
        let db = PgDatabase::connect(options).await.expect("connect over TLS");
        assert!(encrypted(&db).await, "the pooled connection uses TLS");
        // The shared connection (a session-free statement) goes the same way.
        let n: i64 = db
            .scalar(
                &ormcore::query::Select::from(ormcore::query::TableRef::Table {
                    name: "pg_stat_ssl".into(),
                    alias: None,
                })
                .columns(func::count_star()),
            )
            .await
            .expect("through the shared connection");
        assert!(n >= 1);

        // A statement abandoned on a TLS connection is cancelled over TLS too:
        // the server stops it at once.
        let sleep = db.aexecute_sql("SELECT pg_sleep(30) AS ormcore_tls_cancel", vec![]);
        assert!(tokio::time::timeout(std::time::Duration::from_millis(100), sleep).await.is_err());
        assert!(encrypted(&db).await, "the next statement runs");
        let running = "SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%ormcore_tls_cancel%' \
                       AND state = 'active' AND pid <> pg_backend_pid()";
        let still: i64 = db.aexecute_sql(running, vec![]).await.expect("activity").fetchall()[0].get(0).expect("count");
        assert_eq!(still, 0, "the abandoned statement was cancelled on the server");

        let plain = PgDatabase::connect(PgOptions::from_url(&with_sslmode("disable")).expect("url").pool_size(1))
            .await
            .expect("connect in plain text");
        assert!(!encrypted(&plain).await);
    }
}

/// Values PostgreSQL cannot keep exactly are refused before anything is
/// sent, naming the column and the limit.
mod pg_values {
    use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
    use ormcore::prelude::*;
    use ormcore_tests::harness::interface_message;
    use ormcore_tests::models::Moment;

    use super::*;

    async fn db() -> PgDatabase {
        let db = PgSchema::open(Config::default()).await;
        db.acreate_tables(&[Moment::META]).await.expect("create");
        db
    }

    /// `datetime`, as a `timestamp` and as a `timestamptz`, is refused with
    /// a message that names it and ends with `limit`.
    async fn timestamps_are_refused(db: &PgDatabase, datetime: NaiveDateTime, limit: &str) {
        for moment in [
            Moment { datetime: Some(datetime), ..Moment::default() },
            Moment { instant: Some(datetime.and_utc()), ..Moment::default() },
        ] {
            let refused = interface_message(Moment::acreate(db, moment).await.expect_err("a timestamp"));
            assert!(refused.contains(&datetime.format("%Y-%m-%d %H:%M:%S").to_string()), "{refused}");
            assert!(refused.ends_with(limit), "{refused}");
        }
    }

    /// PostgreSQL keeps times and timestamps to the microsecond: a value
    /// with more digits is refused where it is stored or compared with a
    /// column, instead of being cut.
    #[tokio::test]
    async fn sub_microsecond_times_are_refused() {
        let db = db().await;
        let time = NaiveTime::from_hms_nano_opt(12, 0, 0, 123_456_789).expect("a time");
        let datetime = NaiveDate::from_ymd_opt(2024, 5, 1).expect("a date").and_time(time);
        let refused = Moment::acreate(&db, Moment { time: Some(time), ..Moment::default() }).await.expect_err("time");
        assert_eq!(
            interface_message(refused),
            "cannot store 12:00:00.123456789 in \"moment\".\"time\": PostgreSQL keeps time to the microsecond"
        );
        timestamps_are_refused(&db, datetime, "PostgreSQL keeps time to the microsecond").await;
        let compared = db.count(&Moment::select().where_(Moment::TIME.lt(time))).await.expect_err("a comparison");
        assert_eq!(
            interface_message(compared),
            "cannot compare \"moment\".\"time\" with 12:00:00.123456789: PostgreSQL keeps time to the microsecond"
        );
        let micros = NaiveTime::from_hms_micro_opt(12, 0, 0, 123_456).expect("a time");
        let kept = Moment::acreate(&db, Moment { time: Some(micros), ..Moment::default() }).await.expect("micros");
        assert_eq!(Moment::aget_by_id(&db, kept.id).await.expect("read").time, Some(micros));
        assert_eq!(db.count(&Moment::select()).await.expect("count"), 1, "nothing refused was written");
    }

    /// PostgreSQL has no leap seconds: chrono's `23:59:60.5` would become
    /// the next day's `00:00:00.5`; it is refused instead.
    #[tokio::test]
    async fn leap_seconds_are_refused() {
        let db = db().await;
        let leap = NaiveTime::from_hms_milli_opt(23, 59, 59, 1_500).expect("a leap second");
        let datetime = NaiveDate::from_ymd_opt(2016, 12, 31).expect("a date").and_time(leap);
        let refused = Moment::acreate(&db, Moment { time: Some(leap), ..Moment::default() }).await.expect_err("time");
        assert_eq!(
            interface_message(refused),
            "cannot store 23:59:60.500 in \"moment\".\"time\": PostgreSQL has no leap seconds"
        );
        timestamps_are_refused(&db, datetime, "PostgreSQL has no leap seconds").await;
        let raw = db.aexecute_sql("SELECT ?::timestamp", vec![Value::DateTime(datetime)]).await.expect_err("raw");
        assert_eq!(interface_message(raw), "cannot bind 2016-12-31 23:59:60.500: PostgreSQL has no leap seconds");
        assert_eq!(db.count(&Moment::select()).await.expect("count"), 0, "nothing was written");
    }

    /// `jsonb` keeps numbers as NUMERIC, which has no negative zero.
    #[tokio::test]
    async fn json_negative_zero_is_refused() {
        use ormcore_tests::models::Doc;
        let db = PgSchema::open(Config::default()).await;
        db.acreate_tables(&[Doc::META]).await.expect("create");
        let body = serde_json::json!({"x": [1, -0.0]});
        let refused = Doc::acreate(&db, Doc { id: 0, body }).await.expect_err("-0.0");
        assert_eq!(
            interface_message(refused),
            "cannot store a JSON document in \"doc\".\"body\": PostgreSQL's jsonb stores -0.0 as 0"
        );
        Doc::acreate(&db, Doc { id: 0, body: serde_json::json!({"x": [1, 0.0, -1.0]}) }).await.expect("no -0.0");
    }
}

/// Conflicts between concurrent transactions come back as
/// `Error::Conflict` with their kind, and are retryable: a serialization
/// failure, a deadlock, a lock not granted in time, each provoked for real.
mod conflicts {
    use std::time::Duration;

    use ormcore::prelude::*;
    use ormcore_tests::models::Counter;
    use tokio::sync::oneshot;

    use super::*;

    async fn counters() -> PgDatabase {
        let db = PgSchema::open(Config::default().pool_size(4)).await;
        db.acreate_tables(&[Counter::META]).await.expect("create");
        for name in ["a", "b"] {
            Counter::acreate(&db, Counter { name: name.into(), ..Counter::default() }).await.expect("a counter");
        }
        db
    }

    fn bump(name: &'static str) -> ormcore::query::Update<Counter> {
        Counter::update().set(Counter::VALUE, Counter::VALUE + 1).where_(Counter::NAME.eq(name))
    }

    fn assert_conflict(outcome: &Result<u64>, kind: ConflictKind) {
        match outcome {
            Err(error) => {
                assert_eq!(error.conflict_kind(), Some(kind), "{error:?}");
                assert!(error.is_retryable(), "{error}");
            }
            Ok(n) => panic!("expected a {kind}, the update changed {n} row(s)"),
        }
    }

    #[tokio::test]
    async fn serialization_failure() {
        let db = counters().await;
        let (read_tx, read) = oneshot::channel();
        let (moved_tx, moved) = oneshot::channel::<()>();
        let reader = db.clone();
        let task = tokio::spawn(async move {
            let tx = reader.atomic().isolation(IsolationLevel::RepeatableRead).await?;
            tx.count(&Counter::select()).await?; // the snapshot is taken
            let _ = read_tx.send(());
            let _ = moved.await;
            let outcome = bump("a").aexecute(&tx).await;
            drop(tx);
            Ok::<_, Error>(outcome)
        });
        read.await.expect("the reader took its snapshot");
        bump("a").aexecute(&db).await.expect("a concurrent update commits");
        moved_tx.send(()).expect("the reader waits");
        let outcome = task.await.expect("task").expect("the reader's transaction");
        assert_conflict(&outcome, ConflictKind::Serialization);
    }

    #[tokio::test]
    async fn deadlock() {
        let db = counters().await;
        let (a_locked_tx, a_locked) = oneshot::channel();
        let (b_locked_tx, b_locked) = oneshot::channel::<()>();
        let first = db.clone();
        let task = tokio::spawn(async move {
            let tx = first.atomic().await?;
            bump("a").aexecute(&tx).await?;
            let _ = a_locked_tx.send(());
            let _ = b_locked.await;
            let outcome = bump("b").aexecute(&tx).await;
            if outcome.is_ok() {
                tx.commit().await?;
            }
            Ok::<_, Error>(outcome)
        });
        let tx = db.atomic().await.expect("begin");
        a_locked.await.expect("the first transaction holds a");
        bump("b").aexecute(&tx).await.expect("b is free");
        b_locked_tx.send(()).expect("the first transaction waits");
        // Now each waits for the other: the server fails one of them.
        let second = tokio::time::timeout(Duration::from_secs(20), bump("a").aexecute(&tx)).await.expect("no hang");
        if second.is_ok() {
            tx.commit().await.expect("commit");
        } else {
            drop(tx);
        }
        let first = task.await.expect("task").expect("the first transaction");
        let (failed, passed) = if second.is_err() { (&second, &first) } else { (&first, &second) };
        assert_conflict(failed, ConflictKind::Deadlock);
        assert!(passed.is_ok(), "the other transaction goes on: {passed:?}");
    }

    /// Two serializable read-then-write transactions on one counter, made
    /// to overlap on their first run: one of them fails with a
    /// serialization conflict and `run_with_retry` runs it again; both
    /// increments land.
    #[tokio::test]
    async fn run_with_retry_reruns_a_serialization_failure() {
        use std::sync::Arc;
        use std::sync::atomic::{AtomicU32, Ordering};

        let db = counters().await;
        let barrier = Arc::new(tokio::sync::Barrier::new(2));
        let runs = Arc::new(AtomicU32::new(0));
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let (db, barrier, runs) = (db.clone(), Arc::clone(&barrier), Arc::clone(&runs));
                tokio::spawn(async move {
                    let first_run = Arc::new(std::sync::atomic::AtomicBool::new(true));
                    db.atomic()
                        .isolation(IsolationLevel::Serializable)
                        .run_with_retry(5, |conn| {
                            let (barrier, runs, first_run) = (barrier.clone(), runs.clone(), first_run.clone());
                            async move {
                                runs.fetch_add(1, Ordering::Relaxed);
                                let seen: i64 = conn
                                    .scalar(&Counter::select().columns(Counter::VALUE).where_(Counter::NAME.eq("a")))
                                    .await?;
                                if first_run.swap(false, Ordering::Relaxed) {
                                    barrier.wait().await; // both have read before either writes
                                }
                                Counter::update()
                                    .set(Counter::VALUE, seen + 1)
                                    .where_(Counter::NAME.eq("a"))
                                    .aexecute(&conn)
                                    .await
                            }
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            assert_eq!(task.await.expect("task").expect("the transaction succeeds, retried if need be"), 1);
        }
        let value: i64 =
            db.scalar(&Counter::select().columns(Counter::VALUE).where_(Counter::NAME.eq("a"))).await.expect("value");
        assert_eq!(value, 2, "both increments landed: no lost update");
        assert!(runs.load(Ordering::Relaxed) >= 3, "one transaction ran again");

        // Inside another block there is nothing to retry: the whole
        // transaction failed.
        let outer = db.atomic().await.expect("begin");
        let nested = db.atomic().run_with_retry(3, |_conn| async { Ok(()) }).await;
        assert!(matches!(nested, Err(Error::Interface(_))), "{nested:?}");
        drop(outer);
    }

    #[tokio::test]
    async fn lock_timeout() {
        let db = counters().await;
        let holder = db.atomic().await.expect("begin");
        bump("a").aexecute(&holder).await.expect("lock a");
        let waiter = db.clone();
        let outcome = tokio::spawn(async move {
            let tx = waiter.atomic().await?;
            tx.aexecute_sql("SET LOCAL lock_timeout = '50ms'", vec![]).await?;
            Ok::<_, Error>(bump("a").aexecute(&tx).await)
        })
        .await
        .expect("task")
        .expect("the waiter's transaction");
        assert_conflict(&outcome, ConflictKind::LockTimeout);
        holder.commit().await.expect("the holder commits");
    }
}

/// Attacks on issue 8 that need PostgreSQL: what a stream's savepoint does
/// to a streamed write and to the locks its rows took, streams leaving
/// nothing behind, and statements near the protocol's parameter limit.
mod attack8 {
    use std::time::Duration;

    use ormcore::prelude::*;
    use ormcore::query::Raw;
    use ormcore_tests::models::{Counter, Setting, User, user};

    use super::*;

    async fn db(pool_size: usize) -> PgDatabase {
        let db = PgSchema::open(Config::default().pool_size(pool_size)).await;
        db.acreate_tables(&[User::META, Counter::META, Setting::META]).await.expect("create");
        db
    }

    /// Whether the connection the next query gets is inside a transaction
    /// that has done work.
    async fn leftover_transaction(db: &PgDatabase) -> bool {
        let cursor = db.aexecute_sql("SELECT txid_current_if_assigned()", vec![]).await.expect("query");
        !matches!(cursor.fetchall()[0].values()[0], Value::Null)
    }

    async fn names(db: &PgDatabase) -> Vec<String> {
        db.list(&User::select().columns(User::NAME).order_by(User::NAME)).await.expect("names")
    }

    fn streamed_insert(names: &[&str]) -> Raw<String> {
        let values: Vec<String> = names.iter().map(|n| format!("('{n}', true)")).collect();
        Raw::new(format!("INSERT INTO \"user\" (name, is_active) VALUES {} RETURNING name", values.join(", ")), vec![])
    }

    /// A streamed `INSERT .. RETURNING` inside a block whose every
    /// returned row was read (the stream dropped before it was polled for
    /// its end, as `take(n)` or a `break` on the last row does): each row
    /// it returned says it was written, and docs/07 says a streamed write
    /// keeps what it wrote. The block commits; the rows must be there.
    #[tokio::test]
    async fn streamed_write_read_to_its_last_row_is_kept() {
        let db = db(1).await;
        let tx = db.atomic().await.expect("begin");
        let insert = streamed_insert(&["s1", "s2", "s3"]);
        let mut stream = db.iterate(&insert).buffer_size(1);
        for expected in ["s1", "s2", "s3"] {
            assert_eq!(stream.next().await.expect("a returned row").expect("ok"), expected);
        }
        drop(stream);
        tx.commit().await.expect("commit");
        assert_eq!(names(&db).await, ["s1", "s2", "s3"], "the rows the write returned were kept");
        assert!(!leftover_transaction(&db).await);
    }

    /// The same streamed write, half read and dropped, in a block and out
    /// of one: whether it is kept or undone, it must not depend on whether
    /// the caller happened to be inside a transaction. (Out of a block the
    /// server has committed it before the first row arrives; in one its
    /// savepoint is rolled back.)
    #[tokio::test]
    async fn half_read_streamed_write_is_kept_or_undone_alike() {
        let db = db(1).await;
        let mut outcomes = Vec::new();
        for (in_block, prefix) in [(false, "out"), (true, "in")] {
            let rows: Vec<String> = (0..3).map(|i| format!("{prefix}{i}")).collect();
            let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
            let tx = if in_block { Some(db.atomic().await.expect("begin")) } else { None };
            let insert = streamed_insert(&rows);
            let mut stream = db.iterate(&insert).buffer_size(1);
            assert_eq!(stream.next().await.expect("a row").expect("ok"), rows[0]);
            drop(stream);
            if let Some(tx) = tx {
                tx.commit().await.expect("commit");
            }
            let kept = db.count(&User::select().where_(User::NAME.like(format!("{prefix}%")))).await.expect("count");
            outcomes.push((prefix, kept));
        }
        assert!(!leftover_transaction(&db).await);
        assert_eq!(outcomes[0].1, outcomes[1].1, "kept out of a block vs in one: {outcomes:?}");
    }

    /// `SELECT .. FOR UPDATE` streamed inside a block, dropped after its
    /// first row: the row the caller read is locked for its transaction
    /// until it ends. Another transaction trying to update it must wait
    /// (here: time out); it must not slip in because the stream's savepoint
    /// was rolled back and took the lock with it.
    #[tokio::test]
    async fn locks_taken_by_a_dropped_stream_are_kept() {
        let db = db(2).await;
        let mut counters: Vec<Counter> =
            (0..10).map(|i| Counter { name: format!("c{i}"), value: i, ..Counter::default() }).collect();
        Counter::abulk_create(&db, &mut counters).await.expect("seed");
        let tx = db.atomic().await.expect("begin");
        let locking = Raw::<i64>::new("SELECT id FROM counter ORDER BY id FOR UPDATE", vec![]);
        let mut stream = db.iterate(&locking).buffer_size(1);
        let first = stream.next().await.expect("a row").expect("ok");
        drop(stream);
        // The block goes on: the lock must still be its own.
        assert_eq!(db.count(&Counter::select()).await.expect("count"), 10);
        let other = db.clone();
        let intruder = tokio::spawn(async move {
            let tx = other.atomic().await?;
            other.aexecute_sql("SET LOCAL lock_timeout = '300ms'", vec![]).await?;
            let changed = other
                .aexecute_sql("UPDATE counter SET value = -1 WHERE id = ?", vec![first.into()])
                .await?
                .rows_affected();
            tx.commit().await?;
            Ok::<_, Error>(changed)
        })
        .await
        .expect("the intruder ran");
        tx.commit().await.expect("commit");
        assert!(intruder.is_err(), "another transaction updated a row this one had read FOR UPDATE: {intruder:?}");
    }

    /// The same, with the stream read to its end: the locks stay (control).
    #[tokio::test]
    async fn locks_taken_by_a_finished_stream_are_kept() {
        let db = db(2).await;
        let mut counters: Vec<Counter> =
            (0..3).map(|i| Counter { name: format!("c{i}"), value: i, ..Counter::default() }).collect();
        Counter::abulk_create(&db, &mut counters).await.expect("seed");
        let tx = db.atomic().await.expect("begin");
        let locking = Raw::<i64>::new("SELECT id FROM counter ORDER BY id FOR UPDATE", vec![]);
        let ids = db.iterate(&locking).buffer_size(1).try_collect().await.expect("stream");
        let other = db.clone();
        let first = ids[0];
        let intruder = tokio::spawn(async move {
            let tx = other.atomic().await?;
            other.aexecute_sql("SET LOCAL lock_timeout = '300ms'", vec![]).await?;
            other.aexecute_sql("UPDATE counter SET value = -1 WHERE id = ?", vec![first.into()]).await?;
            tx.commit().await
        })
        .await
        .expect("the intruder ran");
        tx.commit().await.expect("commit");
        assert!(intruder.is_err(), "the lock held: {intruder:?}");
    }

    /// Streams dropped at every point, out of a block and in one, on a
    /// pool of one: after each, the next user's connection is in no
    /// transaction, and an autocommit write is committed (seen from a
    /// second pool).
    #[tokio::test]
    async fn streams_leave_no_transaction_behind() {
        let db = db(1).await;
        let mut counters: Vec<Counter> =
            (0..30).map(|i| Counter { name: format!("c{i}"), value: i, ..Counter::default() }).collect();
        Counter::abulk_create(&db, &mut counters).await.expect("seed");
        let query = Counter::select().order_by(Counter::VALUE);
        for in_block in [false, true] {
            for reads in [0, 1, 10, 30, 31] {
                let tx = if in_block { Some(db.atomic().await.expect("begin")) } else { None };
                {
                    let mut stream = db.iterate(&query).buffer_size(10);
                    for _ in 0..reads {
                        let _ = stream.next().await;
                    }
                }
                if let Some(tx) = tx {
                    tx.commit().await.expect("commit");
                }
                assert!(!leftover_transaction(&db).await, "in_block={in_block} reads={reads}");
            }
        }
    }

    /// A stream inside a block whose query waits on a row lock, dropped
    /// before its first row (a timeout around the read): the statement is
    /// cancelled at once, and the block goes on and commits.
    #[tokio::test]
    async fn stream_waiting_on_a_lock_dropped_before_its_first_row() {
        let db = db(2).await;
        Counter::acreate(&db, Counter { name: "locked".into(), ..Counter::default() }).await.expect("seed");
        let holder = db.clone();
        let (locked_tx, locked) = tokio::sync::oneshot::channel();
        let (release_tx, release) = tokio::sync::oneshot::channel::<()>();
        let holding = tokio::spawn(async move {
            let tx = holder.atomic().await?;
            holder.aexecute_sql("SELECT id FROM counter FOR UPDATE", vec![]).await?;
            let _ = locked_tx.send(());
            let _ = release.await;
            tx.rollback().await
        });
        locked.await.expect("locked");
        let tx = db.atomic().await.expect("begin");
        User::acreate(&db, user("before")).await.expect("insert");
        let waiting = Raw::<i64>::new("SELECT id FROM counter FOR UPDATE", vec![]);
        let mut stream = db.iterate(&waiting);
        let first = tokio::time::timeout(Duration::from_millis(200), stream.next()).await;
        assert!(first.is_err(), "the row is locked: {first:?}");
        let begun = std::time::Instant::now();
        drop(stream);
        User::acreate(&db, user("after")).await.expect("the block goes on");
        assert!(begun.elapsed() < Duration::from_secs(2), "cancelled at once: {:?}", begun.elapsed());
        tx.commit().await.expect("commit");
        let _ = release_tx.send(());
        holding.await.expect("holder").expect("holder's rollback");
        assert_eq!(names(&db).await, ["after", "before"]);
        assert!(!leftover_transaction(&db).await);
    }

    /// `insert_rows` with more values than the protocol can bind (65535):
    /// a clear error, no panic, nothing written, and the connection is
    /// fine afterwards.
    #[tokio::test]
    async fn insert_rows_beyond_the_parameter_limit() {
        let db = db(1).await;
        let rows: Vec<String> = (0..70_000).map(|i| format!("n{i}")).collect();
        let error = User::insert_rows(User::NAME, rows.iter().map(String::as_str))
            .aexecute(&db)
            .await
            .expect_err("too many parameters");
        assert!(error.to_string().contains("param") || error.to_string().contains("65535"), "{error:?}");
        assert_eq!(db.count(&User::select()).await.expect("count"), 0);
        let fit: Vec<String> = (0..65_535).map(|i| format!("n{i}")).collect();
        User::insert_rows(User::NAME, fit.iter().map(String::as_str)).aexecute(&db).await.expect("65535 values fit");
        assert_eq!(db.count(&User::select()).await.expect("count"), 65_535);
    }

    /// `abulk_create` with the largest batch the limit allows, two columns
    /// a row: 32767 rows a statement; and `abulk_update` near its own limit
    /// (three parameters a row: 21845 rows a statement) with a batch size
    /// that keeps it fast.
    #[tokio::test]
    async fn bulk_writes_at_the_parameter_limit() {
        let db = db(1).await;
        let mut settings: Vec<Setting> =
            (0..70_000).map(|i| Setting { key: format!("k{i:05}"), value: "v".into() }).collect();
        Setting::abulk_create(&db, &mut settings).batch_size(usize::MAX).await.expect("bulk create");
        assert_eq!(db.count(&Setting::select()).await.expect("count"), 70_000);
        let mut users: Vec<User> = (0..25_000).map(|i| user(&format!("u{i:05}"))).collect();
        User::abulk_create(&db, &mut users).batch_size(usize::MAX).await.expect("bulk create users");
        for u in &mut users {
            u.email = Some(format!("{}@x", u.name));
        }
        let changed = User::abulk_update(&db, &users, User::EMAIL).batch_size(500).await.expect("bulk update");
        assert_eq!(changed, 25_000);
    }
}
