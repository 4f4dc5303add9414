//! The conformance suite on SQLite: a fresh database file per test, and
//! the same suite on `:memory:` (one shared connection).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use ormcore_sqlite::{Sqlite, SqliteDatabase, SqliteOptions};
use ormcore_tests::{Config, TestDb};

fn fresh_path() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sqlite-conformance");
    std::fs::create_dir_all(&dir).expect("create the test directory");
    let path = dir.join(format!("{}-{}.db", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn options(path: impl Into<PathBuf>, config: Config) -> SqliteOptions {
    SqliteOptions::new(path).pool_size(config.pool_size).acquire_timeout(config.acquire_timeout)
}

mod file {
    use super::*;

    /// A fresh database file in WAL mode.
    pub struct SqliteFile;

    impl TestDb for SqliteFile {
        type Backend = Sqlite;
        const SINGLE_CONNECTION: bool = false;

        async fn open(config: Config) -> SqliteDatabase {
            SqliteDatabase::connect(options(fresh_path(), config).wal()).await.expect("open the database file")
        }
    }

    ormcore_tests::conformance!(SqliteFile);
}

mod rollback_journal {
    use super::*;

    /// A fresh database file in SQLite's default rollback-journal mode,
    /// where readers and the writer block each other.
    pub struct SqliteJournal;

    impl TestDb for SqliteJournal {
        type Backend = Sqlite;
        const SINGLE_CONNECTION: bool = false;

        async fn open(config: Config) -> SqliteDatabase {
            SqliteDatabase::connect(options(fresh_path(), config)).await.expect("open the database file")
        }
    }

    ormcore_tests::conformance!(SqliteJournal);
}

mod memory {
    use super::*;

    /// `:memory:`: always one connection, whatever the pool size.
    pub struct SqliteMemory;

    impl TestDb for SqliteMemory {
        type Backend = Sqlite;
        const SINGLE_CONNECTION: bool = true;

        async fn open(config: Config) -> SqliteDatabase {
            SqliteDatabase::connect(options(":memory:", config)).await.expect("open an in-memory database")
        }
    }

    ormcore_tests::conformance!(SqliteMemory);
}

/// Values SQLite cannot keep exactly are refused before anything is sent,
/// naming the column and the limit.
mod sqlite_values {
    use ormcore::Value;
    use ormcore::prelude::*;
    use ormcore_tests::models::Measure;

    use super::*;

    async fn db() -> SqliteDatabase {
        let db = SqliteDatabase::connect(SqliteOptions::new(fresh_path())).await.expect("open");
        db.acreate_tables(&[Measure::META]).await.expect("create");
        db
    }

    fn message(error: Error) -> String {
        match error {
            Error::Interface(message) => message,
            other => panic!("expected an interface error, got {other:?}"),
        }
    }

    /// SQLite turns NaN into NULL: an `Option<f64>` would read back `None`
    /// and an `f64` column fail with a NOT NULL error that says nothing of
    /// NaN. It is refused wherever it would be bound.
    #[tokio::test]
    async fn nan_is_refused() {
        let db = db().await;
        let refused = Measure::acreate(&db, Measure { value: f64::NAN, ..Measure::default() }).await.expect_err("f64");
        assert_eq!(message(refused), "cannot store NaN in \"measure\".\"value\": SQLite stores NaN as NULL");
        let refused =
            Measure::acreate(&db, Measure { maybe: Some(f64::NAN), ..Measure::default() }).await.expect_err("Option");
        assert_eq!(message(refused), "cannot store NaN in \"measure\".\"maybe\": SQLite stores NaN as NULL");
        let compared = db.count(&Measure::select().where_(Measure::VALUE.ne(f64::NAN))).await.expect_err("compared");
        assert_eq!(message(compared), "cannot compare \"measure\".\"value\" with NaN: SQLite stores NaN as NULL");
        let raw = db.aexecute_sql("SELECT ?", vec![Value::Float(f64::NAN)]).await.expect_err("raw");
        assert_eq!(message(raw), "cannot bind NaN: SQLite stores NaN as NULL");
        assert_eq!(db.count(&Measure::select()).await.expect("count"), 0, "nothing was written");
    }

    /// SQLite stores `-0.0` as `0`: it is refused where it would be stored.
    /// Compared with a column it means what it means in Rust (`-0.0 ==
    /// 0.0`), so it is bound there.
    #[tokio::test]
    async fn negative_zero_is_refused_where_stored() {
        let db = db().await;
        let refused = Measure::acreate(&db, Measure { value: -0.0, ..Measure::default() }).await.expect_err("f64");
        assert_eq!(message(refused), "cannot store -0.0 in \"measure\".\"value\": SQLite stores -0.0 as 0");
        let saved = Measure::acreate(&db, Measure { value: 0.0, maybe: Some(1.0), ..Measure::default() }).await;
        let mut saved = saved.expect("0.0");
        saved.maybe = Some(-0.0);
        let refused = saved.asave(&db).await.expect_err("an update");
        assert_eq!(message(refused), "cannot store -0.0 in \"measure\".\"maybe\": SQLite stores -0.0 as 0");
        assert_eq!(db.count(&Measure::select().where_(Measure::VALUE.eq(-0.0))).await.expect("compared"), 1);
        let stored = Measure::aget_by_id(&db, saved.id).await.expect("read");
        assert_eq!(stored.maybe, Some(1.0), "the refused update wrote nothing");
    }
}

/// What only SQLite has: its lock, its pragmas, its functions.
mod sqlite_only {
    use std::sync::Arc;
    use std::sync::atomic::AtomicU64;
    use std::time::{Duration, Instant};

    use ormcore::prelude::*;
    use ormcore::{Value, ValueRef};
    use ormcore_tests::models::{User, user};

    use super::*;

    async fn file_db(options: impl FnOnce(SqliteOptions) -> SqliteOptions) -> SqliteDatabase {
        SqliteDatabase::connect(options(SqliteOptions::new(fresh_path()))).await.expect("open")
    }

    /// While another connection holds the write lock, a writer waits
    /// asynchronously: a task on the same single-threaded runtime keeps
    /// running meanwhile, and the write goes through once the lock is free.
    #[tokio::test(flavor = "current_thread")]
    async fn lock_wait_keeps_the_runtime_responsive() {
        let db = file_db(|o| o.pool_size(2)).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let holder = db.atomic().await.expect("begin");
        User::acreate(&holder, user("holder")).await.expect("take the write lock");

        let ticks = Arc::new(AtomicU64::new(0));
        let ticker = {
            let ticks = ticks.clone();
            tokio::spawn(async move {
                loop {
                    ticks.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            })
        };
        let writer = {
            let db = db.clone();
            tokio::spawn(async move { User::acreate(&db, user("waiter")).await })
        };
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(!writer.is_finished(), "the writer must wait for the lock");
        let ticked = ticks.load(Ordering::Relaxed);
        assert!(ticked >= 10, "the runtime stayed responsive while the writer waited: {ticked} ticks");
        holder.commit().await.expect("release the lock");
        writer.await.expect("writer task").expect("the write goes through after the lock is released");
        ticker.abort();
        assert_eq!(db.count(&User::select()).await.expect("count"), 2);
    }

    /// A lock held past `busy_timeout` is an operational error; the
    /// connection is fine afterwards.
    #[tokio::test(flavor = "current_thread")]
    async fn lock_wait_gives_up_after_busy_timeout() {
        let db = file_db(|o| o.pool_size(2).busy_timeout(Duration::from_millis(100))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let holder = db.atomic().await.expect("begin");
        User::acreate(&holder, user("holder")).await.expect("take the write lock");
        let other = db.clone();
        let started = Instant::now();
        let result = tokio::spawn(async move { User::acreate(&other, user("late")).await }).await.expect("task");
        match result {
            Err(Error::Operational { message, .. }) => assert!(message.contains("locked"), "{message}"),
            other => panic!("expected 'database is locked', got {other:?}"),
        }
        assert!(started.elapsed() >= Duration::from_millis(100));
        holder.rollback().await.expect("rollback");
        User::acreate(&db, user("now")).await.expect("the lock is free again");
    }

    /// A transaction guard dropped inside a longer-lived scope releases its
    /// locks at once: another writer does not wait for the scope's next
    /// statement.
    #[tokio::test(flavor = "current_thread")]
    async fn dropped_guard_releases_locks_at_once() {
        let db = file_db(|o| o.pool_size(2).busy_timeout(Duration::from_millis(300))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let conn = db.aconnect().await.expect("bind");
        {
            let _tx = conn.atomic().await.expect("begin");
            User::acreate(&conn, user("dropped")).await.expect("take the write lock");
        }
        let other = db.clone();
        tokio::spawn(async move { User::acreate(&other, user("other")).await })
            .await
            .expect("task")
            .expect("the write lock was released when the guard dropped");
        assert!(!conn.in_transaction());
        conn.aclose().await.expect("close");
        assert_eq!(db.count(&User::select()).await.expect("count"), 1);
    }

    /// When SQLite itself ends the transaction (`INSERT OR ROLLBACK`), the
    /// block refuses further statements instead of letting them autocommit.
    #[tokio::test]
    async fn transaction_ended_by_the_database() {
        let db = file_db(|o| o).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let tx = db.atomic().await.expect("begin");
        User::acreate(&db, user("a")).await.expect("insert");
        let sql = "INSERT OR ROLLBACK INTO \"user\" (name, is_active) VALUES ('a', 1)";
        assert!(db.aexecute_sql(sql, vec![]).await.is_err());
        let refused = User::acreate(&db, user("b")).await.expect_err("the block's transaction is gone");
        assert!(
            matches!(&refused, Error::Operational { message, .. } if message.contains("ended by the database")),
            "{refused:?}"
        );
        assert!(tx.commit().await.is_err());
        User::acreate(&db, user("c")).await.expect("outside the block, statements run again");
        let names: Vec<String> = db.list(&User::select().columns(User::NAME)).await.expect("list");
        assert_eq!(names, ["c"]);
    }

    /// Every spelling of an in-memory database gets the single shared
    /// connection.
    #[tokio::test]
    async fn memory_uri_forms() {
        for path in [":memory:", "file::memory:", "file:shared?mode=memory&cache=shared"] {
            assert_eq!(SqliteOptions::new(path).pool_size(4).max_connections(), 1, "{path}");
        }
        assert_eq!(SqliteOptions::new("app.db").pool_size(4).max_connections(), 4);
    }

    /// With `begin_immediate`, two read-then-write transactions in
    /// rollback-journal mode take turns instead of deadlocking until one
    /// times out.
    #[tokio::test]
    async fn begin_immediate_avoids_upgrade_deadlocks() {
        let db = file_db(|o| o.pool_size(2).begin_immediate().busy_timeout(Duration::from_secs(5))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let started = Instant::now();
        let tasks: Vec<_> = ["a", "b"]
            .into_iter()
            .map(|name| {
                let db = db.clone();
                tokio::spawn(async move {
                    db.atomic()
                        .run(|tx| async move {
                            let seen = tx.count(&User::select()).await?;
                            tokio::time::sleep(Duration::from_millis(50)).await;
                            User::acreate(&tx, user(name)).await?;
                            Ok(seen)
                        })
                        .await
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task").expect("both transactions commit");
        }
        assert!(started.elapsed() < Duration::from_secs(2), "no wait for busy_timeout: {:?}", started.elapsed());
        assert_eq!(db.count(&User::select()).await.expect("count"), 2);
    }

    /// SQLite has no per-transaction options: asking for one is a clear
    /// error that leaves nothing open.
    #[tokio::test]
    async fn transaction_options_are_unsupported() {
        let db = file_db(|o| o).await;
        let refused = db.atomic().read_only().await.expect_err("unsupported");
        assert!(
            matches!(refused, Error::Unsupported { feature: "transaction options", dialect: "SQLite" }),
            "{refused:?}"
        );
        assert!(!db.in_transaction());
        db.atomic().await.expect("a plain transaction").commit().await.expect("commit");
    }

    /// Custom SQL functions are registered on every connection.
    #[tokio::test]
    async fn custom_functions() {
        let db = file_db(|o| {
            o.function("reverse", 1, |args| match args[0] {
                ValueRef::Text(t) => Ok(Value::Text(t.chars().rev().collect())),
                ValueRef::Null => Ok(Value::Null),
                _ => Err("reverse() takes text".into()),
            })
        })
        .await;
        db.acreate_tables(&[User::META]).await.expect("create");
        User::acreate(&db, user("ormcore")).await.expect("insert");
        let reversed: Vec<String> = db
            .list(&User::select().columns(func::call("reverse").arg(User::NAME).build::<ormcore::types::Text>()))
            .await
            .expect("call the function");
        assert_eq!(reversed, ["erocmro"]);
        let error = db.aexecute_sql("SELECT reverse(1)", vec![]).await.expect_err("the function's own error");
        assert!(error.to_string().contains("reverse() takes text"), "{error}");
    }

    /// WAL is one option away, pragmas apply to every connection, foreign
    /// keys are on, and the URL form carries the same settings.
    #[tokio::test]
    async fn pragmas_and_url() {
        let db = file_db(|o| o.wal().pragma("cache_size", "-4000")).await;
        let conn = db.aconnect().await.expect("connect");
        let pragma = |name: &'static str| {
            let conn = &conn;
            async move {
                conn.aexecute_sql(&format!("PRAGMA {name}"), vec![]).await.expect("pragma").fetchall()[0].values()[0]
                    .clone()
            }
        };
        assert_eq!(pragma("journal_mode").await, Value::Text("wal".into()));
        assert_eq!(pragma("cache_size").await, Value::Int(-4000));
        assert_eq!(pragma("foreign_keys").await, Value::Int(1));
        drop(conn);

        let url = format!("sqlite://{}?pool_size=3&acquire_timeout=0.5&journal_mode=wal", fresh_path().display());
        let options = SqliteOptions::from_url(&url).expect("parse");
        assert_eq!(options.max_connections(), 3);
        let db = SqliteDatabase::connect(options).await.expect("open from a URL");
        assert_eq!(db.pool_status().max_size, 3);
        assert!(SqliteOptions::from_url("sqlite://x.db?pool_size=many").is_err());
        assert!(
            SqliteDatabase::connect(SqliteOptions::new(fresh_path()).pragma("journal_mode", "wal; DROP"))
                .await
                .is_err()
        );
    }

    /// `:memory:` is one shared connection whatever `pool_size` says: every
    /// handle sees the same tables.
    #[tokio::test]
    async fn memory_is_one_shared_connection() {
        let db = SqliteDatabase::connect(SqliteOptions::new(":memory:").pool_size(8)).await.expect("open");
        assert_eq!(db.pool_status().max_size, 1);
        db.acreate_tables(&[User::META]).await.expect("create");
        let other = db.clone();
        tokio::spawn(async move { User::acreate(&other, user("from a task")).await })
            .await
            .expect("task")
            .expect("insert");
        assert_eq!(db.count(&User::select()).await.expect("count"), 1);
    }
}

/// Session state (pragmas, temporary objects, attached databases, a raw
/// `BEGIN`) set through every entry point never reaches the next user of a
/// connection, on a file (rollback journal and WAL) and on `:memory:`.
mod session_state {
    use std::time::Duration;

    use ormcore::prelude::*;
    use ormcore_tests::models::{User, user};

    use super::*;

    /// What a user may leave behind on its connection, and the check that
    /// the next user does not find it.
    const SETTERS: &[&str] = &[
        "PRAGMA query_only = ON",
        "PRAGMA foreign_keys = OFF",
        "PRAGMA busy_timeout = 60000",
        "PRAGMA recursive_triggers = ON",
        "PRAGMA defer_foreign_keys = ON",
        "PRAGMA case_sensitive_like = ON",
        "PRAGMA cache_size = 7",
        // Shadows the real table: the next user's insert would vanish with
        // the connection.
        "CREATE TEMP TABLE \"user\" (id INTEGER PRIMARY KEY, name TEXT, is_active INTEGER, email TEXT)",
        "CREATE TEMP VIEW leftover AS SELECT 1",
        "ATTACH DATABASE ':memory:' AS leftover",
        "BEGIN",
    ];

    async fn pragma(db: &SqliteDatabase, name: &str) -> i64 {
        db.aexecute_sql(&format!("PRAGMA {name}"), vec![]).await.expect("pragma").fetchall()[0].get(0).expect("int")
    }

    /// The next user, in a task of its own: finds the session as a fresh
    /// connection has it, and its own insert is committed.
    async fn check_next_user(db: &SqliteDatabase, context: &str) {
        let db = db.clone();
        let context = context.to_owned();
        tokio::spawn(async move {
            assert_eq!(pragma(&db, "query_only").await, 0, "{context}: query_only");
            assert_eq!(pragma(&db, "foreign_keys").await, 1, "{context}: foreign_keys");
            assert_eq!(pragma(&db, "busy_timeout").await, 0, "{context}: busy_timeout");
            assert_eq!(pragma(&db, "recursive_triggers").await, 0, "{context}: recursive_triggers");
            assert_eq!(pragma(&db, "defer_foreign_keys").await, 0, "{context}: defer_foreign_keys");
            assert_ne!(pragma(&db, "cache_size").await, 7, "{context}: cache_size");
            let like: i64 =
                db.aexecute_sql("SELECT 'A' LIKE 'a'", vec![]).await.expect("like").fetchall()[0].get(0).expect("int");
            assert_eq!(like, 1, "{context}: case_sensitive_like");
            let sql = "SELECT (SELECT count(*) FROM temp.sqlite_master) + \
                       (SELECT count(*) FROM pragma_database_list WHERE name NOT IN ('main', 'temp'))";
            let leftovers: i64 =
                db.aexecute_sql(sql, vec![]).await.expect("leftovers").fetchall()[0].get(0).expect("int");
            assert_eq!(leftovers, 0, "{context}: temporary objects or attached databases");
            let name = format!("next after {context}");
            User::acreate(&db, user(&name)).await.unwrap_or_else(|e| panic!("{context}: insert: {e}"));
            // Not inside a leftover transaction: a block of our own opens
            // and commits.
            let tx = db.atomic().await.unwrap_or_else(|e| panic!("{context}: begin: {e}"));
            tx.commit().await.unwrap_or_else(|e| panic!("{context}: commit: {e}"));
            let found = User::aget_or_none(&db, User::NAME.eq(name.as_str())).await.expect("get");
            assert!(found.is_some(), "{context}: the next user's insert vanished");
            User::delete().where_(User::NAME.eq(name)).aexecute(&db).await.expect("clean up");
        })
        .await
        .expect("the next user's checks");
    }

    async fn session_state_never_reaches_the_next_user(db: SqliteDatabase) {
        db.acreate_tables(&[User::META]).await.expect("create");
        for &sql in SETTERS {
            // Outside any scope.
            let _ = db.aexecute_sql(sql, vec![]).await.expect(sql);
            check_next_user(&db, &format!("{sql} outside a scope")).await;
            // In a task's scope.
            db.run(|conn| async move { conn.aexecute_sql(sql, vec![]).await.map(drop) }).await.expect(sql);
            check_next_user(&db, &format!("{sql} in run()")).await;
            // Through a stream of raw SQL.
            let raw = ormcore::query::Raw::<Value>::new(sql, vec![]);
            let _ = db.iterate(&raw).try_collect().await;
            check_next_user(&db, &format!("{sql} through iterate")).await;
            // In a task aborted afterwards.
            let other = db.clone();
            let task = tokio::spawn(async move {
                let conn = other.aconnect().await?;
                conn.aexecute_sql(sql, vec![]).await?;
                tokio::time::sleep(Duration::from_secs(60)).await;
                Ok::<_, Error>(())
            });
            tokio::time::sleep(Duration::from_millis(20)).await;
            task.abort();
            let _ = task.await;
            check_next_user(&db, &format!("{sql} in an aborted task")).await;
        }
    }

    #[tokio::test]
    async fn on_a_file() {
        let db = SqliteDatabase::connect(SqliteOptions::new(fresh_path()).pool_size(1)).await.expect("open");
        session_state_never_reaches_the_next_user(db).await;
    }

    #[tokio::test]
    async fn on_a_wal_file() {
        let db = SqliteDatabase::connect(SqliteOptions::new(fresh_path()).pool_size(1).wal()).await.expect("open");
        session_state_never_reaches_the_next_user(db).await;
    }

    #[tokio::test]
    async fn on_memory() {
        let db = SqliteDatabase::connect(SqliteOptions::new(":memory:")).await.expect("open");
        session_state_never_reaches_the_next_user(db).await;
    }
}

/// Compile-time guarantees: the handle is cheap to share across tasks, and
/// every future the API returns can be spawned.
mod auto_traits {
    use std::future::Future;

    use ormcore::prelude::*;
    use ormcore::{Connection, Transaction};
    use ormcore_sqlite::{Sqlite, SqliteDatabase};
    use ormcore_tests::models::{User, user};

    fn send_sync_clone<T: Send + Sync + Clone>() {}
    fn send<T: Send>(_: &T) {}
    fn spawnable<F: Future + Send>(_: F) {}

    #[allow(dead_code, clippy::let_underscore_future)]
    fn futures_are_send(db: SqliteDatabase, conn: Connection<Sqlite>, tx: Transaction<Sqlite>) {
        send_sync_clone::<SqliteDatabase>();
        spawnable(db.aconnect());
        spawnable(db.run(|conn| async move { conn.count(&User::select()).await }));
        spawnable(async move { db.atomic().await.map(drop) });
        spawnable(async move { conn.atomic().run(|c| async move { User::acreate(&c, user("x")).await }).await });
        spawnable(async move {
            let mut stream = tx.iterate(&User::select());
            send(&stream);
            let _ = stream.next().await;
            drop(stream);
            let mut u = User::acreate(&tx, user("y")).await?;
            u.asave(&tx).await?;
            tx.commit().await
        });
    }

    #[test]
    fn handles_and_futures_are_send() {
        // The checks are the function above compiling.
        send_sync_clone::<SqliteDatabase>();
    }
}
