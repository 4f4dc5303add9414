//! The conformance suite on SQLite: a fresh database file per test, and
//! the same suite on `:memory:` (one shared connection).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use ormcore::Connection;
use ormcore::prelude::*;
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

/// Replace the database file at `path` with a copy of itself, as another
/// process restoring a backup would: connections already open keep the old,
/// unlinked file.
async fn replace_database_file(path: &std::path::Path) {
    let copy = format!("{}.copy", path.display());
    let _ = std::fs::remove_file(&copy);
    let copier = SqliteDatabase::connect(SqliteOptions::new(path).pool_size(1)).await.expect("open a copier");
    copier.aexecute_sql("VACUUM INTO ?", vec![copy.clone().into()]).await.expect("copy the database");
    copier.close_pool().await;
    std::fs::rename(&copy, path).expect("replace the database file");
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

        /// In WAL mode SQLite never checks whether the database file was
        /// replaced or deleted under a connection (only a rollback-journal
        /// write does, see [`SqliteJournal`](super::rollback_journal::SqliteJournal)):
        /// the connection goes on, on the old file, and nothing fails that
        /// ormcore could notice. (Replacing a WAL database under open
        /// connections is one of SQLite's documented ways to corrupt it.)
        async fn kill_connection(_conn: &Connection<Sqlite>) -> bool {
            false
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

        /// A SQLite connection fails when its database file is replaced
        /// under it (a backup restored, a deploy swapping the file): at the
        /// next write that opens the rollback journal, SQLite sees that the
        /// file at the path is no longer the one it opened and refuses
        /// (`SQLITE_READONLY_DBMOVED`); that connection can never write
        /// again, while a fresh one opens the new file. So the kill
        /// replaces the file with a copy of itself (`VACUUM INTO`, then a
        /// rename over it), then makes that write on `conn`, which must
        /// fail. A transaction that has already written has its journal
        /// open and goes on, unknowing, in the old file: SQLite checks only
        /// as the journal opens.
        async fn kill_connection(conn: &Connection<Sqlite>) -> bool {
            replace_database_file(conn).await;
            let write = conn.aexecute_sql("PRAGMA user_version = 7", vec![]).await;
            assert!(matches!(write, Err(Error::ConnectionLost { .. })), "a write to the replaced file: {write:?}");
            assert!(conn.is_lost(), "the backend knows");
            true
        }
    }

    /// Replace the database file `conn` has open with a copy of itself.
    async fn replace_database_file(conn: &Connection<Sqlite>) {
        let listed = conn.aexecute_sql("PRAGMA database_list", vec![]).await.expect("database_list");
        let path: String = listed.fetchall()[0].get(2).expect("the main database's file");
        super::replace_database_file(std::path::Path::new(&path)).await;
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

        /// An in-memory database lives in its one connection and has no
        /// file: nothing can fail under it short of the process running
        /// out of memory, and a fresh connection would be a new, empty
        /// database, not a replacement.
        async fn kill_connection(_conn: &Connection<Sqlite>) -> bool {
            false
        }
    }

    ormcore_tests::conformance!(SqliteMemory);
}

/// Values SQLite cannot keep exactly are refused before anything is sent,
/// naming the column and the limit.
mod sqlite_values {
    use ormcore::Value;
    use ormcore::prelude::*;
    use ormcore_tests::harness::interface_message;
    use ormcore_tests::models::Measure;

    use super::*;

    async fn db() -> SqliteDatabase {
        let db = SqliteDatabase::connect(SqliteOptions::new(fresh_path())).await.expect("open");
        db.acreate_tables(&[Measure::META]).await.expect("create");
        db
    }

    /// SQLite turns NaN into NULL: an `Option<f64>` would read back `None`
    /// and an `f64` column fail with a NOT NULL error that says nothing of
    /// NaN. It is refused wherever it would be bound.
    #[tokio::test]
    async fn nan_is_refused() {
        let db = db().await;
        let refused = Measure::acreate(&db, Measure { value: f64::NAN, ..Measure::default() }).await.expect_err("f64");
        assert_eq!(interface_message(refused), "cannot store NaN in \"measure\".\"value\": SQLite stores NaN as NULL");
        let refused =
            Measure::acreate(&db, Measure { maybe: Some(f64::NAN), ..Measure::default() }).await.expect_err("Option");
        assert_eq!(interface_message(refused), "cannot store NaN in \"measure\".\"maybe\": SQLite stores NaN as NULL");
        let compared = db.count(&Measure::select().where_(Measure::VALUE.ne(f64::NAN))).await.expect_err("compared");
        assert_eq!(
            interface_message(compared),
            "cannot compare \"measure\".\"value\" with NaN: SQLite stores NaN as NULL"
        );
        let raw = db.aexecute_sql("SELECT ?", vec![Value::Float(f64::NAN)]).await.expect_err("raw");
        assert_eq!(interface_message(raw), "cannot bind NaN: SQLite stores NaN as NULL");
        assert_eq!(db.count(&Measure::select()).await.expect("count"), 0, "nothing was written");
    }

    /// SQLite stores `-0.0` as `0`: it is refused where it would be stored.
    /// Compared with a column it means what it means in Rust (`-0.0 ==
    /// 0.0`), so it is bound there.
    #[tokio::test]
    async fn negative_zero_is_refused_where_stored() {
        let db = db().await;
        let refused = Measure::acreate(&db, Measure { value: -0.0, ..Measure::default() }).await.expect_err("f64");
        assert_eq!(interface_message(refused), "cannot store -0.0 in \"measure\".\"value\": SQLite stores -0.0 as 0");
        let saved = Measure::acreate(&db, Measure { value: 0.0, maybe: Some(1.0), ..Measure::default() }).await;
        let mut saved = saved.expect("0.0");
        saved.maybe = Some(-0.0);
        let refused = saved.asave(&db).await.expect_err("an update");
        assert_eq!(interface_message(refused), "cannot store -0.0 in \"measure\".\"maybe\": SQLite stores -0.0 as 0");
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

    /// With every connection checked out, queries wait for one to come
    /// back: each returned connection goes to a waiter, a waiter that gives
    /// up passes its turn on, and the pool never opens more than its size.
    #[tokio::test]
    async fn waiters_get_returned_connections() {
        let db = file_db(|o| o.pool_size(2).acquire_timeout(Duration::from_secs(10))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        User::acreate(&db, user("ann")).await.expect("insert");
        let (release, released) = tokio::sync::watch::channel(false);
        let mut holders = Vec::new();
        for _ in 0..2 {
            let (db, mut released) = (db.clone(), released.clone());
            let (bound, is_bound) = tokio::sync::oneshot::channel();
            holders.push(tokio::spawn(async move {
                let conn = db.aconnect().await.expect("bind");
                let _ = bound.send(());
                released.wait_for(|r| *r).await.expect("released");
                drop(conn);
            }));
            is_bound.await.expect("a connection is bound");
        }
        assert_eq!(db.pool_status().idle, 0);
        // One waiter gives up while the pool is full; the others wait.
        let quitter = tokio::time::timeout(Duration::from_millis(50), db.count(&User::select())).await;
        assert!(quitter.is_err(), "no connection while both are held: {quitter:?}");
        let waiters: Vec<_> = (0..16)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.count(&User::select()).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        release.send(true).expect("release");
        for waiter in waiters {
            assert_eq!(waiter.await.expect("waiter").expect("count"), 1);
        }
        assert!(started.elapsed() < Duration::from_secs(5), "waited {:?}", started.elapsed());
        for holder in holders {
            holder.await.expect("holder");
        }
        drop(released);
        let status = db.pool_status();
        assert!(status.open <= 2 && status.idle == status.open, "{status:?}");
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

    /// A lock held past `busy_timeout` is a lock-timeout conflict, which
    /// may be retried; the connection is fine afterwards.
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
            Err(error @ Error::Conflict { kind: ormcore::ConflictKind::LockTimeout, .. }) => {
                assert!(error.to_string().contains("locked"), "{error}");
                assert!(error.is_retryable());
            }
            other => panic!("expected 'database is locked', got {other:?}"),
        }
        assert!(started.elapsed() >= Duration::from_millis(100));
        holder.rollback().await.expect("rollback");
        User::acreate(&db, user("now")).await.expect("the lock is free again");
    }

    /// In WAL mode a transaction that read, then writes after another
    /// connection committed a write, cannot commit its stale snapshot:
    /// SQLite's `SQLITE_BUSY_SNAPSHOT` is a serialization conflict, refused
    /// at once (waiting cannot cure it) and retryable.
    #[tokio::test]
    async fn stale_wal_snapshot_is_a_serialization_conflict() {
        let db = file_db(|o| o.wal().pool_size(2)).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let tx = db.atomic().await.expect("begin");
        assert_eq!(tx.count(&User::select()).await.expect("read"), 0, "the snapshot is taken");
        let other = db.clone();
        tokio::spawn(async move { User::acreate(&other, user("committed meanwhile")).await })
            .await
            .expect("task")
            .expect("another connection commits");
        let started = Instant::now();
        let stale = User::acreate(&tx, user("from the stale snapshot")).await;
        match &stale {
            Err(error) => {
                assert_eq!(error.conflict_kind(), Some(ormcore::ConflictKind::Serialization), "{error:?}");
                assert!(error.is_retryable());
            }
            Ok(user) => panic!("a write from a stale snapshot went through: {user:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(1), "refused at once, not after busy_timeout");
        drop(tx);
        assert_eq!(db.count(&User::select()).await.expect("count"), 1);
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
                            Ok::<_, ormcore::Error>(seen)
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
            ormcore_tests::harness::run_in_aborted_task(&db, sql).await;
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

/// Holes found by attacking the lifecycle from outside, kept as
/// regressions (those that hold on every backend are conformance cases in
/// `cases::lifecycle`): pragmas the session reset missed, streams in ended
/// blocks, and lock waits when a stream starts or a connection opens.
mod regressions {
    use std::time::Duration;

    use ormcore::prelude::*;
    use ormcore_tests::models::{Counter, User, user};

    use super::*;

    async fn sqlite(options: SqliteOptions) -> SqliteDatabase {
        let db = SqliteDatabase::connect(options).await.expect("open");
        db.acreate_tables(&[User::META, Counter::META]).await.expect("create");
        User::acreate(&db, user("committed")).await.expect("seed");
        db
    }

    async fn sqlite_names(path: &std::path::Path) -> Vec<String> {
        // A separate pool: what is durable in the file.
        let other = SqliteDatabase::connect(SqliteOptions::new(path).pool_size(1)).await.expect("open");
        let names = other.list(&User::select().columns(User::NAME).order_by(User::NAME)).await.expect("names");
        other.close_pool().await;
        names
    }

    async fn sqlite_pragma(db: &SqliteDatabase, name: &str) -> i64 {
        db.aexecute_sql(&format!("PRAGMA {name}"), vec![]).await.expect("pragma").fetchall()[0].get(0).expect("int")
    }

    /// Open `n` connections of the pool at once, so that later checkouts find
    /// them idle instead of opening new ones.
    async fn warm_sqlite(db: &SqliteDatabase, n: usize) {
        let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(n));
        let tasks: Vec<_> = (0..n)
            .map(|_| {
                let (db, barrier) = (db.clone(), barrier.clone());
                tokio::spawn(async move {
                    let conn = db.aconnect().await.expect("connection");
                    conn.count(&User::select()).await.expect("count");
                    barrier.wait().await;
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("task");
        }
        assert_eq!(db.pool_status().open, n);
    }

    /// Hold an exclusive lock on the database for `hold` from a task of its own.
    async fn hold_exclusive(db: &SqliteDatabase, hold: Duration) -> tokio::task::JoinHandle<Result<()>> {
        let (locked_tx, locked) = tokio::sync::oneshot::channel();
        let db = db.clone();
        let holder = tokio::spawn(async move {
            let conn = db.aconnect().await?;
            conn.aexecute_sql("BEGIN EXCLUSIVE", vec![]).await?;
            let _ = locked_tx.send(());
            tokio::time::sleep(hold).await;
            conn.aexecute_sql("COMMIT", vec![]).await.map(drop)
        });
        locked.await.expect("locked");
        holder
    }

    /// SQLite applies some pragmas while compiling `EXPLAIN PRAGMA ..`: such a
    /// statement resets the session like the pragma itself (here: foreign keys
    /// stay on for the next user, which cannot write an orphan).
    #[tokio::test]
    async fn explain_pragma_is_reset() {
        let db = sqlite(SqliteOptions::new(fresh_path()).pool_size(1)).await;
        db.aexecute_sql(
            "CREATE TABLE child (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES \"user\" (id))",
            vec![],
        )
        .await
        .expect("child table");
        assert_eq!(sqlite_pragma(&db, "foreign_keys").await, 1);
        db.aexecute_sql("EXPLAIN PRAGMA foreign_keys = OFF", vec![]).await.expect("explain");
        db.aexecute_sql("EXPLAIN PRAGMA busy_timeout = 60000", vec![]).await.expect("explain");
        // The next user, in a task of its own: a write that breaks a foreign
        // key is accepted and stays in the file.
        let next = db.clone();
        let (enabled, orphan) = tokio::spawn(async move {
            // (Reading the pragma first would reset the connection: a raw PRAGMA
            // marks it for a reset when it goes back.)
            let orphan = next.aexecute_sql("INSERT INTO child (user_id) VALUES (999)", vec![]).await;
            // Table-valued pragmas are plain queries: read both without a reset.
            let row = next
                .aexecute_sql("SELECT (SELECT * FROM pragma_foreign_keys), (SELECT * FROM pragma_busy_timeout)", vec![])
                .await
                .expect("pragmas")
                .into_rows()
                .remove(0);
            let enabled = (row.get::<i64>(0).expect("fk"), row.get::<i64>(1).expect("busy"));
            (enabled, orphan.map(drop))
        })
        .await
        .expect("task");
        assert!(
            orphan.is_err(),
            "a row breaking a foreign key was written ((foreign_keys, busy_timeout) = {enabled:?})"
        );
    }

    /// `PRAGMA max_page_count` belongs to the connection: the next user's
    /// writes do not fail on a leftover limit.
    #[tokio::test]
    async fn max_page_count_is_reset() {
        let db = sqlite(SqliteOptions::new(fresh_path()).pool_size(1)).await;
        let pages = sqlite_pragma(&db, "page_count").await;
        db.aexecute_sql(&format!("PRAGMA max_page_count = {pages}"), vec![]).await.expect("pragma");
        let next = db.clone();
        let written = tokio::spawn(async move {
            let big = "x".repeat(200_000);
            User::acreate(&next, User { name: big, ..User::default() }).await.map(drop)
        })
        .await
        .expect("task");
        assert!(written.is_ok(), "the next user's write failed on a leftover max_page_count: {written:?}");
    }

    /// `PRAGMA count_changes` (deprecated, still obeyed) would make INSERTs
    /// return a row of counts, read as the new key: it is reset.
    #[tokio::test]
    async fn count_changes_is_reset() {
        let db = sqlite(SqliteOptions::new(fresh_path()).pool_size(1)).await;
        for name in ["b", "c"] {
            User::acreate(&db, user(name)).await.expect("seed");
        }
        let enabled = db.aexecute_sql("PRAGMA count_changes = 1", vec![]).await;
        eprintln!("count_changes: {enabled:?}");
        let next = db.clone();
        let created = tokio::spawn(async move { User::acreate(&next, user("fresh")).await }).await.expect("task");
        let created = created.expect("the next user's insert");
        let stored: i64 =
            db.scalar(&User::select().columns(User::ID).where_(User::NAME.eq("fresh"))).await.expect("stored id");
        assert_eq!(created.id, stored, "acreate reported key {} for a row stored under key {stored}", created.id);
    }

    /// `PRAGMA locking_mode = EXCLUSIVE` is reset with the file lock released:
    /// readers on the pool's other connection are not locked out.
    #[tokio::test]
    async fn exclusive_locking_mode_is_reset() {
        let path = fresh_path();
        let db = sqlite(SqliteOptions::new(&path).pool_size(2).busy_timeout(Duration::from_millis(300))).await;
        db.run(|conn| async move {
            conn.aexecute_sql("PRAGMA locking_mode = EXCLUSIVE", vec![]).await?;
            User::acreate(&conn, user("exclusive")).await.map(drop)
        })
        .await
        .expect("write in exclusive mode");
        // The connection is back in the pool, reset. Hold it in one task and
        // read on the pool's other connection in another.
        let (held_tx, held) = tokio::sync::oneshot::channel();
        let (done_tx, done) = tokio::sync::oneshot::channel::<()>();
        let holder = {
            let db = db.clone();
            tokio::spawn(async move {
                let conn = db.aconnect().await.expect("the reset connection");
                let _ = held_tx.send(());
                let _ = done.await;
                drop(conn);
            })
        };
        held.await.expect("held");
        let reader = {
            let db = db.clone();
            tokio::spawn(async move { db.count(&User::select()).await })
        };
        let read = reader.await.expect("task");
        let _ = done_tx.send(());
        holder.await.expect("task");
        assert!(read.is_ok(), "a reader on another pooled connection is locked out: {read:?}");
    }

    /// After `INSERT OR ROLLBACK` ended the transaction behind the block's
    /// back, a stream through the block is refused like any statement, never
    /// run in autocommit.
    #[tokio::test]
    async fn stream_in_an_ended_block_is_refused() {
        let path = fresh_path();
        let db = sqlite(SqliteOptions::new(&path).pool_size(1)).await;
        let tx = db.atomic().await.expect("begin");
        let failed =
            tx.aexecute_sql("INSERT OR ROLLBACK INTO \"user\" (name, is_active) VALUES ('committed', 1)", vec![]).await;
        assert!(failed.is_err(), "the conflict rolls the transaction back");
        let refused = User::acreate(&tx, user("refused")).await;
        assert!(refused.is_err(), "a statement in the ended block is refused");
        let streamed = tx.iterate(&User::insert().set(User::NAME, "streamed").returning(User::ID)).try_collect().await;
        eprintln!("stream in the ended block: {streamed:?}");
        let _ = tx.rollback().await;
        let names = sqlite_names(&path).await;
        assert_eq!(names, ["committed"], "a write inside a block that was rolled back was committed");
    }

    /// A stream whose first step meets another connection's lock waits for
    /// it, asynchronously, as other statements do.
    #[tokio::test]
    async fn streams_wait_for_the_lock() {
        let db = sqlite(SqliteOptions::new(fresh_path()).pool_size(3).busy_timeout(Duration::from_secs(5))).await;
        warm_sqlite(&db, 3).await;
        let holder = hold_exclusive(&db, Duration::from_millis(300)).await;
        let listed = {
            let db = db.clone();
            tokio::spawn(async move { db.list(&User::select()).await.map(|rows| rows.len()) })
        };
        let streamed = db.iterate(&User::select()).try_collect().await.map(|rows| rows.len());
        holder.await.expect("task").expect("holder");
        let listed = listed.await.expect("task");
        assert_eq!(
            (listed.as_ref().ok().copied(), streamed.as_ref().ok().copied()),
            (Some(1), Some(1)),
            "list: {listed:?}, iterate: {streamed:?}"
        );
    }

    /// Opening a pooled connection (pragmas, the session snapshot) waits for
    /// another connection's lock too.
    #[tokio::test]
    async fn opening_a_connection_waits_for_the_lock() {
        let db = sqlite(SqliteOptions::new(fresh_path()).pool_size(2).busy_timeout(Duration::from_secs(5))).await;
        let holder = hold_exclusive(&db, Duration::from_millis(300)).await;
        let listed = db.list(&User::select()).await.map(|rows| rows.len());
        holder.await.expect("task").expect("holder");
        assert_eq!(listed.as_ref().ok(), Some(&1), "a read while another connection holds the lock: {listed:?}");
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

/// attack7: an `i32` auto-increment key on SQLite, whose rowids are 64-bit.
mod narrow_keys {
    use ormcore::prelude::*;
    use ormcore_tests::cases::attack7::Small;

    use super::*;

    /// A write that fails is not kept: once the rowids pass `i32::MAX`,
    /// `set_auto_id` fails with a Decode error, but only after the row was
    /// written (`acreate`) or the bulk transaction committed
    /// (`abulk_create`), so the caller sees an error for rows that are in
    /// the file, and a retry writes them twice.
    #[tokio::test]
    async fn key_past_i32_max_is_refused_before_the_write_is_kept() {
        let db = SqliteDatabase::connect(SqliteOptions::new(fresh_path()).pool_size(1)).await.expect("open");
        db.acreate_tables(&[Small::META]).await.expect("create");
        db.aexecute_sql("INSERT INTO small (id, name) VALUES (?, 'last fitting')", vec![i64::from(i32::MAX).into()])
            .await
            .expect("seed");
        let mut bulk = vec![Small { name: "bulk".into(), ..Small::default() }];
        let bulk_outcome = Small::abulk_create(&db, &mut bulk).await;
        let bulk_rows = db.count(&Small::select().where_(Small::NAME.eq("bulk"))).await.expect("count");
        let created = Small::acreate(&db, Small { name: "created".into(), ..Small::default() }).await;
        let created_rows = db.count(&Small::select().where_(Small::NAME.eq("created"))).await.expect("count");
        let mut holes = Vec::new();
        if bulk_outcome.is_err() && bulk_rows > 0 {
            holes.push(format!("abulk_create failed ({bulk_outcome:?}) but committed {bulk_rows} row(s)"));
        }
        if created.is_err() && created_rows > 0 {
            holes.push(format!("acreate failed ({created:?}) but wrote {created_rows} row(s)"));
        }
        assert!(holes.is_empty(), "{}", holes.join("; "));
    }
}

/// The database file replaced under open connections (another process
/// restoring a backup): no write is acknowledged that went to the old,
/// unlinked file. SQLite notices a moved file only when a journal opens, so
/// ormcore checks `SQLITE_FCNTL_HAS_MOVED` before each commit (attack7,
/// attack7b).
mod replaced_file {
    use ormcore::prelude::*;
    use ormcore_tests::models::{User, user};

    use super::*;

    /// A write that straddles the replacement.
    #[derive(Debug, Clone, Copy)]
    enum Write {
        /// A transaction that wrote before the file was replaced commits.
        Commit,
        /// `acommit` of such a transaction.
        Acommit,
        /// An outermost `savepoint()` block: its commit is a RELEASE.
        SavepointCommit,
        /// `acommit` of an outermost savepoint block.
        SavepointAcommit,
        /// An autocommit insert on a connection opened before.
        Autocommit,
        /// `abulk_create`, with its own transaction, on such a connection.
        BulkCreate,
    }

    /// Make the write, replacing the file at its middle; the outcome.
    async fn write_across(db: &SqliteDatabase, path: &std::path::Path, write: Write) -> Result<()> {
        let block = match write {
            Write::Commit | Write::Acommit => Some(db.atomic().await?),
            Write::SavepointCommit | Write::SavepointAcommit => Some(db.savepoint().await?),
            Write::Autocommit | Write::BulkCreate => None,
        };
        let conn = db.aconnect().await?;
        User::acreate(&conn, user("before")).await?;
        replace_database_file(path).await;
        match (write, block) {
            (Write::Commit | Write::SavepointCommit, Some(tx)) => tx.commit().await,
            (Write::Acommit | Write::SavepointAcommit, Some(mut tx)) => tx.acommit().await,
            (Write::Autocommit, _) => User::acreate(&conn, user("after")).await.map(drop),
            (_, _) => User::abulk_create(&conn, &mut [user("after"), user("after 2")]).await,
        }
    }

    #[tokio::test]
    async fn no_write_is_acknowledged_into_the_old_file() {
        use Write::*;
        let mut holes = Vec::new();
        for wal in [false, true] {
            for write in [Commit, Acommit, SavepointCommit, SavepointAcommit, Autocommit, BulkCreate] {
                let path = fresh_path();
                let options = SqliteOptions::new(&path).pool_size(2);
                let db = SqliteDatabase::connect(if wal { options.wal() } else { options }).await.expect("open");
                db.acreate_tables(&[User::META]).await.expect("create");
                let outcome = write_across(&db, &path, write).await;
                db.close_pool().await;
                let reader = SqliteDatabase::connect(path.as_path()).await.expect("open the file at the path");
                let durable = reader.list(&User::select().columns(User::NAME)).await.expect("names");
                reader.close_pool().await;
                let expected = match write {
                    Commit | Acommit | SavepointCommit | SavepointAcommit => "before",
                    Autocommit | BulkCreate => "after",
                };
                if outcome.is_ok() && !durable.iter().any(|name| name == expected) {
                    holes.push(format!("wal={wal} {write:?}: acknowledged, but the file holds {durable:?}"));
                }
            }
        }
        assert!(holes.is_empty(), "{}", holes.join("; "));
    }

    /// `SqliteOptions::new("")`: SQLite's private temporary database,
    /// which `is_memory` treats as in-memory. Once it spills to its
    /// temporary file (deleted as soon as it is opened), the file "has
    /// moved", and every commit is refused as ConnectionLost.
    #[tokio::test]
    async fn temporary_database_commit_is_not_refused() {
        let db = SqliteDatabase::connect(SqliteOptions::new("")).await.expect("open");
        let conn = db.aconnect().await.expect("connect");
        conn.aexecute_sql("PRAGMA cache_size = 2", vec![]).await.expect("small cache");
        conn.acreate_tables(&[User::META]).await.expect("create");
        let tx = conn.atomic().await.expect("begin");
        let filler = "x".repeat(2000);
        for i in 0..300 {
            User::acreate(&tx, User { email: Some(filler.clone()), ..user(&format!("u{i}")) }).await.expect("insert");
        }
        let committed = tx.commit().await;
        assert!(committed.is_ok(), "a temporary database's commit: {committed:?}");
        let count = conn.count(&User::select()).await.expect("count");
        assert_eq!(count, 300);
    }
}

/// What a new user types first: a URL or a path for `connect`, and the
/// conventional `DATABASE_URL`.
mod first_contact {
    use super::*;

    /// `connect` takes a `sqlite:` URL with its parameters, or a path;
    /// before, a URL was taken for a file name.
    #[tokio::test]
    async fn connect_takes_a_url_or_a_path() {
        let path = fresh_path();
        let db = SqliteDatabase::connect(format!("sqlite://{}?pool_size=2&journal_mode=wal", path.display()))
            .await
            .expect("a URL");
        db.aexecute_sql("CREATE TABLE t (x INTEGER)", vec![]).await.expect("create");
        assert_eq!(db.pool_status().max_size, 2, "the URL's parameters apply");
        assert!(path.exists(), "the URL names the file {}", path.display());
        db.close_pool().await;
        let by_path = SqliteDatabase::connect(path.as_path()).await.expect("a path");
        assert!(by_path.aexecute_sql("SELECT x FROM t", vec![]).await.is_ok(), "the same file");
        let bad = SqliteDatabase::connect("sqlite://?pool_size=2").await;
        assert!(matches!(bad, Err(ormcore::Error::Interface(_))), "{bad:?}");
    }

    /// Run in a child process of this test binary, with `DATABASE_URL` set
    /// for it alone (setting the variable here would race the other tests).
    #[tokio::test]
    #[ignore = "run by connect_env_reads_database_url, with DATABASE_URL set"]
    async fn connect_env_child() {
        let db = SqliteDatabase::connect_env().await.expect("DATABASE_URL");
        assert_eq!(db.pool_status().max_size, 3);
        db.aexecute_sql("CREATE TABLE from_env (x INTEGER)", vec![]).await.expect("create");
    }

    #[test]
    fn connect_env_reads_database_url() {
        let path = fresh_path();
        let child = |url: Option<String>| {
            let mut command = std::process::Command::new(std::env::current_exe().expect("this test binary"));
            command.args(["--ignored", "--exact", "first_contact::connect_env_child"]);
            match url {
                Some(url) => command.env("DATABASE_URL", url),
                None => command.env_remove("DATABASE_URL"),
            };
            command.output().expect("run the child")
        };
        let ran = child(Some(format!("sqlite://{}?pool_size=3", path.display())));
        assert!(ran.status.success(), "{}", String::from_utf8_lossy(&ran.stdout));
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let tables: i64 = runtime.block_on(async {
            let check = SqliteDatabase::connect(path.as_path()).await.expect("open");
            let found = check.aexecute_sql("SELECT count(*) FROM sqlite_master WHERE name = 'from_env'", vec![]);
            found.await.expect("count").fetchall()[0].get(0).expect("a count")
        });
        assert_eq!(tables, 1, "the child used the database DATABASE_URL names");
        let unset = child(None);
        assert!(!unset.status.success(), "without DATABASE_URL the child fails");
        assert!(String::from_utf8_lossy(&unset.stdout).contains("DATABASE_URL names no database"));
    }
}

/// Attacks on issue 8 that need SQLite: the bulk insert path's order.
mod attack8 {
    use ormcore::prelude::*;
    use ormcore_tests::models::{User, user};

    use super::*;

    /// `abulk_create` of a model with its key set, then one without, into
    /// an empty table: one `acreate` after the other stores them (keys 1
    /// and 2), and so must the bulk call. It inserts the keyless models
    /// first, so the first takes rowid 1 and the model that claims key 1
    /// then fails as a duplicate.
    #[tokio::test]
    async fn bulk_create_keeps_the_models_order() {
        let db = SqliteDatabase::connect(SqliteOptions::new(fresh_path()).pool_size(1)).await.expect("open");
        db.acreate_tables(&[User::META]).await.expect("create");
        let mut one_by_one = [User { id: 1, ..user("a") }, user("b")];
        for model in &mut one_by_one {
            model.asave(&db).force_insert().await.expect("acreate one by one");
        }
        assert_eq!((one_by_one[0].id, one_by_one[1].id), (1, 2));
        db.aexecute_sql("DELETE FROM \"user\"", vec![]).await.expect("empty");
        db.aexecute_sql("DELETE FROM sqlite_sequence", vec![]).await.ok();
        let mut bulk = [User { id: 1, ..user("a") }, user("b")];
        User::abulk_create(&db, &mut bulk).await.expect("the same models in one call");
        assert_eq!((bulk[0].id, bulk[1].id), (1, 2));
    }
}

/// attack9: the pool rewrite (one lock, a Notify for waiters, a reserved
/// place while a connection opens, `close_pool` swapping pools).
mod attack9 {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    use std::time::{Duration, Instant};

    use ormcore::Error;
    use ormcore::prelude::*;
    use ormcore_tests::models::{User, user};

    use super::*;

    async fn file_db(options: impl FnOnce(SqliteOptions) -> SqliteOptions) -> SqliteDatabase {
        SqliteDatabase::connect(options(SqliteOptions::new(fresh_path()))).await.expect("open")
    }

    /// Hold one connection of `db` in another task (a connection bound
    /// by `aconnect` would serve this task's own queries) until the
    /// returned sender is dropped or sent to.
    async fn hold(db: &SqliteDatabase) -> (tokio::sync::oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
        let db = db.clone();
        let (bound, is_bound) = tokio::sync::oneshot::channel();
        let (release, released) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let conn = db.aconnect().await.expect("hold");
            conn.aexecute_sql("SELECT 1", vec![]).await.expect("use it");
            let _ = bound.send(());
            let _ = released.await;
            drop(conn);
        });
        is_bound.await.expect("bound");
        (release, task)
    }

    fn quiet_status_ok(db: &SqliteDatabase, size: usize) {
        let status = db.pool_status();
        assert!(status.open <= size, "open beyond the pool size: {status:?}");
        assert_eq!(status.idle, status.open, "quiet pool: every open connection idle: {status:?}");
    }

    /// A task that runs point selects back to back keeps returning the
    /// pool's one connection: a waiter that came while it was checked out
    /// must get it at one of its many returns within `acquire_timeout`
    /// ("`PoolTimeout`: no connection became free within acquire_timeout").
    /// The old semaphore handed a returned permit to the first waiter; the
    /// new fast path (`take_idle`) lets the returning task take it straight
    /// back, every time, so the waiter starves and times out although the
    /// connection came back thousands of times.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiter_is_not_starved_by_a_busy_task() {
        let db = file_db(|o| o.pool_size(1).acquire_timeout(Duration::from_millis(500))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let ann = User::acreate(&db, user("ann")).await.expect("insert");
        let stop = Arc::new(AtomicBool::new(false));
        let queries = Arc::new(AtomicUsize::new(0));
        let hog = {
            let (db, stop, queries) = (db.clone(), stop.clone(), queries.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(3) {
                    User::aget_by_id(&db, ann.id).await.expect("point select");
                    queries.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = Instant::now();
        let waited = db.count(&User::select()).await;
        let elapsed = started.elapsed();
        stop.store(true, Ordering::Relaxed);
        hog.await.expect("hog");
        let returns = queries.load(Ordering::Relaxed);
        assert!(
            waited.is_ok(),
            "waited {elapsed:?} while the connection came back {returns} times, and got {waited:?}"
        );
        quiet_status_ok(&db, 1);
    }

    /// The same on a current-thread runtime: a task whose point selects
    /// never wait (an idle connection is always there for it) never yields,
    /// and the waiter, woken at every return, never gets the connection
    /// until the busy task is done.
    #[tokio::test(flavor = "current_thread")]
    async fn waiter_gets_a_turn_on_one_thread() {
        let db = file_db(|o| o.pool_size(1).acquire_timeout(Duration::from_secs(5))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let ann = User::acreate(&db, user("ann")).await.expect("insert");
        let conn = db.aconnect().await.expect("hold the one connection");
        let order = Arc::new(std::sync::Mutex::new(Vec::new()));
        let waiter = {
            let (db, order) = (db.clone(), order.clone());
            tokio::spawn(async move {
                let n = db.count(&User::select()).await.expect("count");
                order.lock().unwrap().push("waiter");
                n
            })
        };
        tokio::task::yield_now().await;
        tokio::task::yield_now().await;
        drop(conn);
        // The waiter was waiting first: the connection is its turn. A
        // busy loop on this task then runs after it, or interleaves.
        for _ in 0..200 {
            User::aget_by_id(&db, ann.id).await.expect("point select");
        }
        order.lock().unwrap().push("busy loop done");
        assert_eq!(waiter.await.expect("waiter"), 1);
        let order = order.lock().unwrap().clone();
        assert_eq!(order[0], "waiter", "the waiter that queued first ran only after 200 later checkouts: {order:?}");
    }

    /// A task that runs short transactions back to back, each awaiting
    /// something while it holds the connection (a sleep here; an HTTP call,
    /// a lock, in an application), frees the pool's one connection between
    /// every two transactions, hundreds of times within the waiter's
    /// `acquire_timeout`. The waiter is woken each time (`notify_one`), but
    /// the busy task takes the connection straight back through the
    /// `take_idle` fast path before the waiter runs, and then yields with it
    /// held: the waiter finds nothing idle, waits again, and gets
    /// `PoolTimeout` ("no connection became free within acquire_timeout").
    /// The semaphore before the rewrite handed the returned permit to the
    /// waiter, which was then served first.
    async fn starved_by_short_transactions() {
        let db = file_db(|o| o.pool_size(1).acquire_timeout(Duration::from_millis(400))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        User::acreate(&db, user("ann")).await.expect("insert");
        let stop = Arc::new(AtomicBool::new(false));
        let rounds = Arc::new(AtomicUsize::new(0));
        let busy = {
            let (db, stop, rounds) = (db.clone(), stop.clone(), rounds.clone());
            tokio::spawn(async move {
                let started = Instant::now();
                while !stop.load(Ordering::Relaxed) && started.elapsed() < Duration::from_secs(3) {
                    let tx = db.atomic().await.expect("begin");
                    User::acreate(&db, user(&format!("u{}", rounds.load(Ordering::Relaxed)))).await.expect("insert");
                    tokio::time::sleep(Duration::from_millis(1)).await;
                    tx.commit().await.expect("commit");
                    rounds.fetch_add(1, Ordering::Relaxed);
                }
            })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let waited = db.count(&User::select()).await;
        let elapsed = started.elapsed();
        let freed = rounds.load(Ordering::Relaxed);
        stop.store(true, Ordering::Relaxed);
        busy.await.expect("busy task");
        assert!(waited.is_ok(), "after {elapsed:?}, in which the connection was freed {freed} times: {waited:?}");
        quiet_status_ok(&db, 1);
    }

    #[tokio::test(flavor = "current_thread")]
    async fn waiter_not_starved_by_short_transactions_one_thread() {
        starved_by_short_transactions().await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiter_not_starved_by_short_transactions_two_threads() {
        starved_by_short_transactions().await;
    }

    /// `acquire_timeout` is honoured: the error names the pool's size and
    /// the timeout, after about that long.
    #[tokio::test]
    async fn pool_timeout_after_the_timeout() {
        let db = file_db(|o| o.pool_size(1).acquire_timeout(Duration::from_millis(200))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        let (release, holder) = hold(&db).await;
        let started = Instant::now();
        let error = db.count(&User::select()).await.expect_err("no connection");
        let elapsed = started.elapsed();
        assert!(
            matches!(error, Error::PoolTimeout { pool_size: 1, timeout } if timeout == Duration::from_millis(200)),
            "{error:?}"
        );
        assert!(elapsed >= Duration::from_millis(190) && elapsed < Duration::from_millis(1500), "{elapsed:?}");
        drop(release);
        holder.await.expect("holder");
        assert_eq!(db.count(&User::select()).await.expect("count"), 0);
        quiet_status_ok(&db, 1);
    }

    /// Many waiters on a pool of one, half of them cancelled (timeouts
    /// around their queries, aborted tasks) while waiting: the others all
    /// get the connection, and the counts come back right.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn cancelled_waiters_pass_their_turn_on() {
        let db = file_db(|o| o.pool_size(1).acquire_timeout(Duration::from_secs(10))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        User::acreate(&db, user("ann")).await.expect("insert");
        let (release, holder) = hold(&db).await;
        let mut patient = Vec::new();
        let mut aborted = Vec::new();
        for i in 0..24 {
            let db = db.clone();
            match i % 3 {
                0 => patient.push(tokio::spawn(async move { db.count(&User::select()).await })),
                1 => aborted.push(tokio::spawn(async move { db.count(&User::select()).await })),
                _ => patient.push(tokio::spawn(async move {
                    // Gives up while waiting, then asks again.
                    let first = tokio::time::timeout(Duration::from_millis(30), db.count(&User::select())).await;
                    assert!(first.is_err(), "no connection yet: {first:?}");
                    db.count(&User::select()).await
                })),
            }
        }
        tokio::time::sleep(Duration::from_millis(60)).await;
        for task in &aborted {
            task.abort();
        }
        let started = Instant::now();
        drop(release);
        holder.await.expect("holder");
        for task in patient {
            assert_eq!(task.await.expect("task").expect("count"), 1);
        }
        for task in aborted {
            let _ = task.await;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
        quiet_status_ok(&db, 1);
    }

    /// Waiters on the old pool when `close_pool` swaps it: each gets
    /// `PoolClosed` internally and retries on the new pool, never hangs.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn waiters_during_close_pool_move_to_the_new_pool() {
        let db = file_db(|o| o.pool_size(1).acquire_timeout(Duration::from_secs(10))).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        User::acreate(&db, user("ann")).await.expect("insert");
        let holder = {
            let db = db.clone();
            let (bound, is_bound) = tokio::sync::oneshot::channel();
            let task = tokio::spawn(async move {
                let conn = db.aconnect().await.expect("hold");
                let _ = bound.send(());
                tokio::time::sleep(Duration::from_millis(300)).await;
                drop(conn);
            });
            is_bound.await.expect("bound");
            task
        };
        let waiters: Vec<_> = (0..8)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.count(&User::select()).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(30)).await;
        let started = Instant::now();
        db.close_pool().await;
        for waiter in waiters {
            let n = tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("a waiter hung");
            assert_eq!(n.expect("waiter").expect("count"), 1);
        }
        // They ran on the new pool, without waiting for the old one's
        // connection to come back.
        assert!(started.elapsed() < Duration::from_millis(280), "{:?}", started.elapsed());
        holder.await.expect("holder");
        let status = db.pool_status();
        assert!(status.open <= 1 && status.idle == status.open, "{status:?}");
    }

    /// An open that fails (a connect hook refusing) gives its place back:
    /// the pool does not fill up with places of connections that never
    /// opened, and `pool_status` never counts them.
    #[tokio::test]
    async fn failed_opens_release_their_place() {
        let opens = Arc::new(AtomicUsize::new(0));
        let fail = Arc::new(AtomicBool::new(false));
        let db = {
            let (opens, fail) = (opens.clone(), fail.clone());
            file_db(move |o| {
                o.pool_size(2).acquire_timeout(Duration::from_millis(300)).on_connect(move |_| {
                    opens.fetch_add(1, Ordering::SeqCst);
                    if fail.load(Ordering::SeqCst) {
                        Err(ormcore_sqlite::rusqlite::Error::InvalidQuery)
                    } else {
                        Ok(())
                    }
                })
            })
            .await
        };
        db.acreate_tables(&[User::META]).await.expect("create");
        let (release, holder) = hold(&db).await;
        fail.store(true, Ordering::SeqCst);
        for _ in 0..5 {
            let error = db.count(&User::select()).await.expect_err("the second connection cannot open");
            assert!(!matches!(error, Error::PoolTimeout { .. }), "a failed open kept its place: {error:?}");
            let status = db.pool_status();
            assert_eq!((status.open, status.idle), (1, 0), "{status:?}");
        }
        fail.store(false, Ordering::SeqCst);
        assert_eq!(db.count(&User::select()).await.expect("count on a second connection"), 0);
        drop(release);
        holder.await.expect("holder");
        let status = db.pool_status();
        assert_eq!((status.open, status.idle), (2, 2), "{status:?}");
    }

    /// An open cancelled while it waits for another connection's lock
    /// (the setup reads the database) gives its place back.
    #[tokio::test]
    async fn cancelled_open_releases_its_place() {
        let path = fresh_path();
        let db = SqliteDatabase::connect(
            SqliteOptions::new(&path)
                .pool_size(2)
                .acquire_timeout(Duration::from_secs(5))
                .busy_timeout(Duration::from_secs(5)),
        )
        .await
        .expect("open");
        db.acreate_tables(&[User::META]).await.expect("create");
        // Another process's exclusive lock.
        let locker = ormcore_sqlite::rusqlite::Connection::open(&path).expect("raw");
        locker.execute_batch("BEGIN EXCLUSIVE").expect("lock");
        let (release, holder) = hold(&db).await;
        let attempt = tokio::time::timeout(Duration::from_millis(200), db.count(&User::select())).await;
        let status = db.pool_status();
        locker.execute_batch("ROLLBACK").expect("unlock");
        drop(release);
        holder.await.expect("holder");
        let settled = settled_pool_status(&db).await;
        assert!(settled.open <= 2 && settled.idle == settled.open, "{status:?} then {settled:?} ({attempt:?})");
        assert_eq!(db.count(&User::select()).await.expect("count"), 0);
        // Both places usable again.
        let a = db.aconnect().await.expect("a");
        let other = {
            let db = db.clone();
            tokio::spawn(async move { db.count(&User::select()).await }).await.expect("task")
        };
        assert_eq!(other.expect("a second connection"), 0);
        drop(a);
    }

    use ormcore_tests::harness::settled_pool_status;

    /// `:memory:` has one connection: concurrent tasks with timeouts and
    /// aborts around their writes never lose the database (a new empty one
    /// would have no table).
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn memory_database_survives_cancelled_users() {
        let db = SqliteDatabase::connect(SqliteOptions::new(":memory:").acquire_timeout(Duration::from_secs(5)))
            .await
            .expect("open");
        db.acreate_tables(&[User::META]).await.expect("create");
        let mut tasks = Vec::new();
        for i in 0..40 {
            let db = db.clone();
            tasks.push(tokio::spawn(async move {
                let work = async {
                    let tx = db.atomic().await?;
                    User::acreate(&db, user(&format!("u{i}"))).await?;
                    tokio::task::yield_now().await;
                    tx.commit().await
                };
                let _ = tokio::time::timeout(Duration::from_micros(200 + (i as u64 % 5) * 100), work).await;
            }));
        }
        for (i, task) in tasks.iter().enumerate() {
            if i % 4 == 0 {
                task.abort();
            }
        }
        for task in tasks {
            let _ = task.await;
        }
        let n = db.count(&User::select()).await.expect("the table is still there");
        assert!(n <= 40, "{n}");
        assert_eq!(db.pool_status().open, 1);
        quiet_status_ok(&db, 1);
    }

    /// One model through two databases in one process (a file and
    /// `:memory:`): each database's cached statements run on its own
    /// connections and see its own rows.
    #[tokio::test]
    async fn one_model_two_sqlite_databases() {
        let file = file_db(|o| o.pool_size(2)).await;
        let memory = SqliteDatabase::connect(":memory:").await.expect("memory");
        for db in [&file, &memory] {
            db.acreate_tables(&[User::META]).await.expect("create");
        }
        let a = User::acreate(&file, user("in file")).await.expect("file");
        User::acreate(&memory, user("filler")).await.expect("memory");
        let b = User::acreate(&memory, user("in memory")).await.expect("memory");
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(User::aget_by_id(&file, 1).await.expect("file").name, "in file");
        assert_eq!(User::aget_by_id(&memory, 2).await.expect("memory").name, "in memory");
        assert!(matches!(User::aget_by_id(&file, 2).await, Err(Error::DoesNotExist { .. })));
    }
}
