//! Hostile tests of the MySQL paths without `RETURNING` (compiled as MySQL
//! 8.0.18 on MariaDB through `MySqlOptions::dialect`): `create()` as an
//! insert and a read back, `abulk_create` keys derived from a multi-row
//! insert's first id, upsert keys through `LAST_INSERT_ID(..)`, and the
//! dialect override itself. Each test makes its own database; a test that
//! fails names a behaviour that is wrong.

use std::collections::{HashMap, HashSet};
use std::future::{Future, IntoFuture};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::Poll;
use std::time::{Duration, Instant};

use ormcore::prelude::*;
use ormcore::query::Insert;
use ormcore::sql::MySqlDialect;
use ormcore_mysql::mysql_async::prelude::Queryable;
use ormcore_mysql::{MySqlDatabase, MySqlOptions, mysql_async};
use ormcore_tests::models::{Counter, Membership, User, user};

use super::{url, url_of};

/// A fresh database (named so that tests/mysql.rs's sweep drops it once
/// this process is gone); its name.
async fn fresh() -> String {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let name = format!("ormcore_t{}_atk{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let mut admin = mysql_async::Conn::new(mysql_async::Opts::from_url(&url()).expect("url")).await.expect("admin");
    admin.query_drop(format!("CREATE DATABASE `{name}`")).await.expect("create database");
    admin.disconnect().await.expect("disconnect");
    name
}

/// The same database compiled as MySQL 8.0.18 (no RETURNING).
async fn as_mysql(name: &str, pool: usize) -> MySqlDatabase {
    let options = MySqlOptions::from_url(&url_of(name))
        .expect("url")
        .pool_size(pool)
        .acquire_timeout(Duration::from_secs(20))
        .dialect(MySqlDialect::mysql((8, 0, 18)));
    MySqlDatabase::connect(options).await.expect("connect as MySQL")
}

/// A fresh database compiled as MySQL, with a pool of `pool`, holding
/// the `user` table; and its name.
async fn users_as_mysql(pool: usize) -> (String, MySqlDatabase) {
    let name = fresh().await;
    let db = as_mysql(&name, pool).await;
    db.acreate_tables(&[User::META]).await.expect("create");
    (name, db)
}

/// The same database with the dialect the server reports (MariaDB 10.11:
/// RETURNING).
async fn native(name: &str, pool: usize) -> MySqlDatabase {
    let options =
        MySqlOptions::from_url(&url_of(name)).expect("url").pool_size(pool).acquire_timeout(Duration::from_secs(20));
    MySqlDatabase::connect(options).await.expect("connect")
}

/// A plain mysql_async connection to the database: another application.
async fn raw(name: &str) -> mysql_async::Conn {
    mysql_async::Conn::new(mysql_async::Opts::from_url(&url_of(name)).expect("url")).await.expect("raw connection")
}

async fn raw_exec(name: &str, sql: &str) {
    let mut conn = raw(name).await;
    conn.query_drop(sql).await.unwrap_or_else(|e| panic!("{sql}: {e}"));
    conn.disconnect().await.expect("disconnect");
}

/// The session state of the connection the next query gets: a transaction
/// open, autocommit.
async fn clean(db: &MySqlDatabase) {
    let cursor = db.aexecute_sql("SELECT @@in_transaction, @@autocommit", vec![]).await.expect("session state");
    let row = &cursor.fetchall()[0];
    let state: (i64, i64) = (row.get(0).expect("int"), row.get(1).expect("int"));
    assert_eq!(state, (0, 1), "the next user got a connection with a transaction open or autocommit off");
}

/// Every stored (id, name) of `user`.
async fn stored_users(db: &MySqlDatabase) -> HashMap<i64, String> {
    let rows: Vec<(i64, String)> = db.list(&User::select().columns((User::ID, User::NAME))).await.expect("list");
    rows.into_iter().collect()
}

/// Poll `fut` (on this task, with yields between polls) until it is done
/// or `budget` has passed, then drop it.
async fn run_for<F: IntoFuture>(fut: F, budget: Duration) -> Option<F::Output> {
    let mut fut = Box::pin(fut.into_future());
    let start = Instant::now();
    loop {
        if let Poll::Ready(out) = std::future::poll_fn(|cx| Poll::Ready(fut.as_mut().poll(cx))).await {
            return Some(out);
        }
        if start.elapsed() >= budget {
            return None;
        }
        tokio::task::yield_now().await;
    }
}

/// An auto-increment key that may be NULL.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[orm(table = "opt_key")]
struct OptKey {
    #[orm(primary_key, auto_increment)]
    id: Option<i64>,
    name: String,
}

/// No key at all.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[orm(table = "log_line")]
struct LogLine {
    message: String,
}

// ---------------------------------------------------------------------------
// abulk_create: keys derived from a multi-row insert's first id
// ---------------------------------------------------------------------------

fn assert_own_rows(models: &[User], stored: &HashMap<i64, String>) {
    let mut seen = HashSet::new();
    for model in models {
        assert!(model.id > 0, "{} got no key", model.name);
        assert!(seen.insert(model.id), "key {} given to two models", model.id);
        assert_eq!(stored.get(&model.id), Some(&model.name), "the row under {}'s key {}", model.name, model.id);
    }
}

/// A session's own auto_increment_increment/offset (a cluster's), set with
/// raw SQL on the connection the bulk insert then uses: inside a
/// transaction block, and on a task's pinned connection outside one.
#[tokio::test]
async fn bulk_keys_follow_the_sessions_increment() {
    let (_, db) = users_as_mysql(2).await;
    User::acreate(&db, user("first")).await.expect("a row");

    let tx = db.atomic().await.expect("begin");
    db.aexecute_sql("SET SESSION auto_increment_increment = 3, auto_increment_offset = 2", vec![]).await.expect("set");
    let mut users: Vec<User> = (0..250).map(|i| user(&format!("tx{i}"))).collect();
    User::abulk_create(&db, &mut users).batch_size(70).await.expect("bulk in the block");
    tx.commit().await.expect("commit");
    assert_own_rows(&users, &stored_users(&db).await);
    let mut ids: Vec<i64> = users.iter().map(|u| u.id).collect();
    ids.sort_unstable();
    assert!(ids.windows(2).all(|w| w[1] - w[0] == 3), "three apart: {:?}", &ids[..5]);

    let pinned = db.clone();
    let users = tokio::spawn(async move {
        let _conn = pinned.aconnect().await.expect("pin");
        pinned.aexecute_sql("SET SESSION auto_increment_increment = 7", vec![]).await.expect("set");
        let mut users: Vec<User> = (0..120).map(|i| user(&format!("pin{i}"))).collect();
        User::abulk_create(&pinned, &mut users).batch_size(50).await.expect("bulk on the pinned connection");
        users
    })
    .await
    .expect("task");
    assert_own_rows(&users, &stored_users(&db).await);
    // And a later user of the pool is back to a step of 1.
    let mut after: Vec<User> = (0..30).map(|i| user(&format!("after{i}"))).collect();
    User::abulk_create(&db, &mut after).await.expect("bulk after");
    assert_own_rows(&after, &stored_users(&db).await);
    clean(&db).await;
}

/// Rows with high explicit ids already there, models with their own keys
/// (low and high) beside fresh ones, several batches.
#[tokio::test]
async fn bulk_keys_after_explicit_ids_and_mixed_models() {
    let (name, db) = users_as_mysql(2).await;
    raw_exec(&name, "INSERT INTO `user` (id, name, is_active) VALUES (5, 'five', 1), (1000000, 'million', 1)").await;
    let keyed = |id: i64, name: &str| User { id, ..user(name) };
    let mut mixed = vec![user("f0"), keyed(3, "k3"), user("f1"), keyed(2_000_000, "k2m"), user("f2")];
    mixed.extend((0..200).map(|i| user(&format!("g{i}"))));
    mixed.push(keyed(4, "k4"));
    User::abulk_create(&db, &mut mixed).batch_size(64).await.expect("bulk");
    assert_eq!((mixed[1].id, mixed[3].id), (3, 2_000_000));
    let stored = stored_users(&db).await;
    assert_own_rows(&mixed, &stored);
    assert!(mixed.iter().filter(|u| u.name.starts_with('f') || u.name.starts_with('g')).all(|u| u.id > 2_000_000));
    assert_eq!(stored.len(), 2 + mixed.len());
}

/// abulk_create inside a block that is then rolled back: nothing stays,
/// and the next bulk insert's keys are right (the keys the rolled-back
/// rows took are not reused by InnoDB: a gap).
#[tokio::test]
async fn bulk_in_a_rolled_back_block() {
    let (_, db) = users_as_mysql(1).await;
    let tx = db.atomic().await.expect("begin");
    let mut gone: Vec<User> = (0..150).map(|i| user(&format!("gone{i}"))).collect();
    User::abulk_create(&db, &mut gone).batch_size(40).await.expect("bulk");
    tx.rollback().await.expect("rollback");
    assert_eq!(db.count(&User::select()).await.expect("count"), 0);
    let mut kept: Vec<User> = (0..150).map(|i| user(&format!("gone{i}"))).collect();
    User::abulk_create(&db, &mut kept).batch_size(40).await.expect("bulk again, the same names");
    assert_own_rows(&kept, &stored_users(&db).await);
    clean(&db).await;
}

/// Four tasks bulk inserting while two raw connections insert with
/// explicit ids just above the current maximum (into the ranges InnoDB
/// is reserving) and without ids: whatever fails, fails with an error;
/// every bulk insert that succeeded gave each model its own row.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bulk_keys_against_concurrent_explicit_ids() {
    let (name, db) = users_as_mysql(4).await;
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let raws: Vec<_> = (0..2)
        .map(|r| {
            let name = name.clone();
            let stop = stop.clone();
            tokio::spawn(async move {
                let mut conn = raw(&name).await;
                let mut n = 0;
                while !stop.load(Ordering::Relaxed) {
                    let max: Option<i64> = conn.query_first("SELECT MAX(id) FROM `user`").await.expect("max").flatten();
                    let id = max.unwrap_or(0) + 1 + (n % 90);
                    let _ = conn
                        .exec_drop(
                            "INSERT INTO `user` (id, name, is_active) VALUES (?, ?, 1)",
                            (id, format!("raw{r}-{n}")),
                        )
                        .await;
                    let _ = conn
                        .exec_drop("INSERT INTO `user` (name, is_active) VALUES (?, 1)", (format!("rawauto{r}-{n}"),))
                        .await;
                    n += 1;
                }
                n
            })
        })
        .collect();
    let tasks: Vec<_> = (0..4)
        .map(|task| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut done = Vec::new();
                let mut failed = 0;
                // Two of the tasks on a pinned connection with a step of
                // their own.
                let _pinned = if task % 2 == 1 {
                    let conn = db.aconnect().await.expect("pin");
                    let sql = format!("SET SESSION auto_increment_increment = {}", task + 2);
                    db.aexecute_sql(&sql, vec![]).await.expect("set");
                    Some(conn)
                } else {
                    None
                };
                for round in 0..6 {
                    let mut users: Vec<User> = (0..200).map(|n| user(&format!("t{task}-{round}-{n}"))).collect();
                    match User::abulk_create(&db, &mut users).batch_size(100).await {
                        Ok(()) => done.extend(users),
                        Err(error) => {
                            eprintln!("task {task} round {round}: {error}");
                            assert!(users.iter().all(|u| u.id == 0), "a failed bulk left keys on models: {error}");
                            failed += 1;
                        }
                    }
                }
                (done, failed)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut failures = 0;
    for task in tasks {
        let (done, failed) = task.await.expect("task");
        all.extend(done);
        failures += failed;
    }
    stop.store(true, Ordering::Relaxed);
    for r in raws {
        r.await.expect("raw task");
    }
    eprintln!("bulk inserts that failed against explicit ids: {failures} of 24; models kept: {}", all.len());
    assert_own_rows(&all, &stored_users(&db).await);
}

/// Near the top of a signed BIGINT: 20 rows from 9223372036854775800 do
/// not fit (the server refuses the 9th); the call fails, writes nothing,
/// leaves no model a key, and the connection is clean.
#[tokio::test]
async fn bulk_near_i64_max_fails_cleanly() {
    let (_, db) = users_as_mysql(1).await;
    for batch in [100, 5] {
        db.aexecute_sql("ALTER TABLE `user` AUTO_INCREMENT = 9223372036854775800", vec![]).await.expect("alter");
        let mut users: Vec<User> = (0..20).map(|i| user(&format!("b{batch}-{i}"))).collect();
        let result = User::abulk_create(&db, &mut users).batch_size(batch).await;
        assert!(result.is_err(), "20 keys past i64::MAX were accepted: {users:?}");
        assert!(users.iter().all(|u| u.id == 0), "models claim keys of rolled-back rows");
        assert_eq!(db.count(&User::select()).await.expect("count"), 0, "batch {batch}: rows left behind");
        clean(&db).await;
    }
    // Exactly the keys that fit.
    db.aexecute_sql("ALTER TABLE `user` AUTO_INCREMENT = 9223372036854775800", vec![]).await.expect("alter");
    let mut fit: Vec<User> = (0..8).map(|i| user(&format!("fit{i}"))).collect();
    User::abulk_create(&db, &mut fit).batch_size(3).await.expect("8 keys fit");
    assert_eq!(fit.last().map(|u| u.id), Some(i64::MAX));
    assert_own_rows(&fit, &stored_users(&db).await);
}

/// A key column widened by hand to BIGINT UNSIGNED, the counter near
/// i64::MAX: keys the model cannot hold are an error, never wrapped, and
/// nothing stays.
#[tokio::test]
async fn bulk_and_create_past_i64_on_an_unsigned_key() {
    let (_, db) = users_as_mysql(1).await;
    db.aexecute_sql("ALTER TABLE `user` MODIFY id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT", vec![])
        .await
        .expect("alter");
    db.aexecute_sql("ALTER TABLE `user` AUTO_INCREMENT = 9223372036854775805", vec![]).await.expect("alter");
    let mut users: Vec<User> = (0..5).map(|i| user(&format!("u{i}"))).collect();
    let result = User::abulk_create(&db, &mut users).batch_size(5).await;
    assert!(result.is_err(), "keys past i64::MAX: {users:?}");
    assert!(users.iter().all(|u| u.id == 0));
    assert_eq!(db.count(&User::select()).await.expect("count"), 0);

    db.aexecute_sql("ALTER TABLE `user` AUTO_INCREMENT = 9223372036854775809", vec![]).await.expect("alter");
    let created = User::create(&db).set(User::NAME, "big").await;
    assert!(created.is_err(), "{created:?}");
    let acreated = User::acreate(&db, user("big")).await;
    assert!(acreated.is_err(), "{acreated:?}");
    assert_eq!(db.count(&User::select().where_(User::NAME.eq("big"))).await.expect("count"), 1, "acreate's row is in");
    clean(&db).await;
}

/// A plain insert whose new key is past i64::MAX: it inserted a row, so it
/// must not say `Ok(None)` ("no row was inserted").
#[tokio::test]
async fn insert_past_i64_does_not_report_no_row() {
    let (_, db) = users_as_mysql(1).await;
    db.aexecute_sql("ALTER TABLE `user` MODIFY id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT", vec![])
        .await
        .expect("alter");
    db.aexecute_sql("ALTER TABLE `user` AUTO_INCREMENT = 9223372036854775809", vec![]).await.expect("alter");
    let key = User::insert().set(User::NAME, "big").aexecute(&db).await;
    let inserted = db.count(&User::select()).await.expect("count");
    assert_eq!(inserted, 1);
    assert!(!matches!(key, Ok(None)), "a row was inserted, yet the insert reported none: {key:?}");
}

/// A BEFORE INSERT trigger that gives some rows a key of its own (a
/// legacy id scheme): each model must still get its own row's key, as the
/// row-per-statement path and RETURNING give it.
#[tokio::test]
async fn bulk_keys_with_a_trigger_that_sets_the_key() {
    let (name, db) = users_as_mysql(1).await;
    raw_exec(
        &name,
        "CREATE TRIGGER user_vip BEFORE INSERT ON `user` FOR EACH ROW \
         SET NEW.id = IF(NEW.name LIKE 'vip%', 500000 + 1000 * CAST(SUBSTRING(NEW.name, 4) AS SIGNED), NEW.id)",
    )
    .await;
    // With RETURNING, and compiled as MySQL one row per statement: right.
    let native = native(&name, 1).await;
    let mut users = vec![user("n1"), user("vip1"), user("n2"), user("n3")];
    User::abulk_create(&native, &mut users).await.expect("bulk with RETURNING");
    assert_own_rows(&users, &stored_users(&db).await);
    let mut users = vec![user("o1"), user("vip2"), user("o2"), user("o3")];
    User::abulk_create(&db, &mut users).batch_size(1).await.expect("bulk, a row a statement");
    assert_own_rows(&users, &stored_users(&db).await);
    // Several rows a statement, keys derived from the first.
    let mut users = vec![user("a"), user("vip3"), user("b"), user("c")];
    User::abulk_create(&db, &mut users).await.expect("bulk");
    let stored = stored_users(&db).await;
    assert_eq!(stored.get(&503000).map(String::as_str), Some("vip3"));
    assert_own_rows(&users, &stored);
}

/// A MyISAM table (no consecutive guarantee: one row per statement) and a
/// partitioned InnoDB one (consecutive): right keys either way.
#[tokio::test]
async fn bulk_keys_on_myisam_and_partitioned_tables() {
    for engine in ["ENGINE=MyISAM", "ENGINE=InnoDB PARTITION BY HASH(id) PARTITIONS 4"] {
        let (_, db) = users_as_mysql(3).await;
        let uniques = db
            .aexecute_sql(
                "SELECT DISTINCT index_name FROM information_schema.statistics WHERE table_schema = DATABASE() \
                 AND table_name = 'user' AND index_name <> 'PRIMARY'",
                vec![],
            )
            .await
            .expect("indexes");
        for row in uniques.fetchall() {
            let index: String = row.get(0).expect("a name");
            db.aexecute_sql(&format!("ALTER TABLE `user` DROP INDEX `{index}`"), vec![]).await.expect("drop index");
        }
        db.aexecute_sql(&format!("ALTER TABLE `user` {engine}"), vec![]).await.expect("alter engine");
        let engine_now: String = db
            .aexecute_sql(
                "SELECT engine FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'user'",
                vec![],
            )
            .await
            .expect("engine")
            .fetchall()[0]
            .get(0)
            .expect("a name");
        eprintln!("{engine}: table engine {engine_now}");
        let all = ormcore_tests::harness::bulk_create_in_tasks(&db, 3, 150).await.expect("bulk");
        assert_own_rows(&all, &stored_users(&db).await);
    }
}

/// abulk_create dropped at every point of its run (outside and inside an
/// outer block): all of the call's rows or none, no model claims a key
/// unless the call returned Ok, and the one pooled connection is clean.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_cancelled_at_every_point() {
    let (_, db) = users_as_mysql(1).await;
    let mut finished = 0;
    for step in 0..120u64 {
        let budget = Duration::from_micros(step * 40);
        let mut users: Vec<User> = (0..30).map(|i| user(&format!("s{step}-{i}"))).collect();
        let outcome = run_for(User::abulk_create(&db, &mut users).batch_size(10), budget).await;
        let count =
            db.count(&User::select().where_(User::NAME.like(format!("s{step}-%")))).await.expect("count") as usize;
        match outcome {
            Some(result) => {
                result.expect("a bulk that finished succeeded");
                finished += 1;
                assert_eq!(count, 30);
                assert_own_rows(&users, &stored_users(&db).await);
            }
            None => {
                assert!(count == 0 || count == 30, "step {step}: {count} of 30 rows of a dropped call");
                assert!(users.iter().all(|u| u.id == 0), "step {step}: a dropped call left keys on models");
            }
        }
        clean(&db).await;
    }
    eprintln!("bulk: {finished} of 120 finished within their budget");
    let mut last: Vec<User> = (0..30).map(|i| user(&format!("last-{i}"))).collect();
    User::abulk_create(&db, &mut last).batch_size(10).await.expect("a bulk run to its end");
    assert_own_rows(&last, &stored_users(&db).await);
}

// ---------------------------------------------------------------------------
// create(): insert, then read back by key in a transaction
// ---------------------------------------------------------------------------

/// A BEFORE INSERT trigger that changes the values: create() returns the
/// row as stored.
#[tokio::test]
async fn create_returns_what_a_trigger_stored() {
    let (name, db) = users_as_mysql(2).await;
    raw_exec(
        &name,
        "CREATE TRIGGER user_norm BEFORE INSERT ON `user` FOR EACH ROW \
         SET NEW.name = UPPER(NEW.name), NEW.email = CONCAT(LOWER(NEW.name), '@trigger'), NEW.is_active = 0",
    )
    .await;
    let made = User::create(&db).set(User::NAME, "ann").await.expect("create");
    assert_eq!((made.name.as_str(), made.email.as_deref(), made.is_active), ("ANN", Some("ann@trigger"), false));
    assert_eq!(User::aget_by_id(&db, made.id).await.expect("by key"), made);
    let keyed = User::create(&db).set(User::ID, 777).set(User::NAME, "bob").await.expect("create with a key");
    assert_eq!((keyed.id, keyed.name.as_str()), (777, "BOB"));
    clean(&db).await;
}

/// An explicit key of 0 on an auto-increment column: the server assigns
/// one (sql_mode has no NO_AUTO_VALUE_ON_ZERO), as `RETURNING` shows on
/// MariaDB. create() must return that row, as it does with RETURNING.
#[tokio::test]
async fn create_with_a_zero_key_gets_the_assigned_one() {
    let name = fresh().await;
    let native = native(&name, 1).await;
    native.acreate_tables(&[User::META]).await.expect("create");
    let with_returning = User::create(&native).set(User::ID, 0).set(User::NAME, "returning").await;
    let with_returning = with_returning.expect("with RETURNING");
    assert!(with_returning.id > 0);
    let db = as_mysql(&name, 1).await;
    let without = User::create(&db).set(User::ID, 0).set(User::NAME, "mysql").await;
    let rows = db.count(&User::select()).await.expect("count");
    let without = without.unwrap_or_else(|e| panic!("create() with key 0 failed on MySQL ({rows} rows now): {e}"));
    assert!(without.id > with_returning.id);
    assert_eq!(without.name, "mysql");
}

/// An explicit NULL for a nullable auto-increment key: the server assigns
/// one; create() must return it, as with RETURNING.
#[tokio::test]
async fn create_with_a_null_auto_key_gets_the_assigned_one() {
    let name = fresh().await;
    let native = native(&name, 1).await;
    native.acreate_tables(&[OptKey::META]).await.expect("create");
    let with_returning = OptKey::create(&native).set(OptKey::ID, None::<i64>).set(OptKey::NAME, "returning").await;
    assert!(with_returning.expect("with RETURNING").id.is_some());
    let db = as_mysql(&name, 1).await;
    let without = OptKey::create(&db).set(OptKey::ID, None::<i64>).set(OptKey::NAME, "mysql").await;
    let made = without.unwrap_or_else(|e| panic!("create() with a NULL auto key failed on MySQL: {e}"));
    assert!(made.id.is_some());
    assert_eq!(made.name, "mysql");
}

/// An application key that a BEFORE INSERT trigger normalizes (trims):
/// with RETURNING, create() returns the row as stored; compiled as MySQL
/// it reads back by the key it sent, finds nothing, and fails, rolling the
/// insert back (the documented limit, docs/02).
#[tokio::test]
async fn create_with_a_key_a_trigger_normalizes() {
    use ormcore_tests::models::Setting;
    let name = fresh().await;
    let native = native(&name, 1).await;
    native.acreate_tables(&[Setting::META]).await.expect("create");
    raw_exec(
        &name,
        "CREATE TRIGGER setting_trim BEFORE INSERT ON `setting` FOR EACH ROW SET NEW.`key` = TRIM(NEW.`key`)",
    )
    .await;
    let stored = Setting::create(&native).set(Setting::KEY, "  one").set(Setting::VALUE, "v").await;
    assert_eq!(stored.expect("with RETURNING").key, "one");
    let db = as_mysql(&name, 1).await;
    let made = Setting::create(&db).set(Setting::KEY, "  two").set(Setting::VALUE, "v").await;
    assert!(matches!(&made, Err(Error::Interface(m)) if m.contains("read back")), "{made:?}");
    assert_eq!(db.count(&Setting::select()).await.expect("count"), 1, "the insert was rolled back");
}

/// The key set by an expression rather than a value: create() learns it
/// from the insert id (the server reports the value stored), also when the
/// expression is 0 and the server assigns one.
#[tokio::test]
async fn create_with_a_key_expression() {
    let (_, db) = users_as_mysql(1).await;
    let made = User::create(&db).set(User::ID, func::abs(-4242i64)).set(User::NAME, "abs").await.expect("create");
    assert_eq!((made.id, made.name.as_str()), (4242, "abs"));
    let zero = User::create(&db).set(User::ID, func::abs(0i64)).set(User::NAME, "zero").await.expect("create");
    assert_eq!((zero.id, zero.name.as_str()), (4243, "zero"));
    let raw = User::create(&db)
        .set(User::ID, Expr::<ormcore::types::Integer>::raw("9000 + 1", vec![]))
        .set(User::NAME, "raw")
        .await;
    assert_eq!(raw.expect("create").id, 9001);
}

/// A table with no key, and an application key left unset: refused
/// before anything is written.
#[tokio::test]
async fn create_refused_without_a_key_writes_nothing() {
    let name = fresh().await;
    let db = as_mysql(&name, 1).await;
    db.acreate_tables(&[LogLine::META, Membership::META]).await.expect("create");
    let keyless = LogLine::create(&db).set(LogLine::MESSAGE, "m").await;
    assert!(matches!(keyless, Err(Error::Unsupported { .. })), "{keyless:?}");
    let half = Membership::create(&db).set(Membership::GROUP_NAME, "g").set(Membership::SINCE, 1).await;
    assert!(half.is_err(), "{half:?}");
    assert_eq!(db.count(&LogLine::select()).await.expect("count"), 0);
    assert_eq!(db.count(&Membership::select()).await.expect("count"), 0);
    let whole = Membership::create(&db)
        .set(Membership::GROUP_NAME, "g")
        .set(Membership::MEMBER, "m")
        .set(Membership::SINCE, 3)
        .await
        .expect("a composite key set");
    assert_eq!(whole.since, 3);
    clean(&db).await;
}

/// The server's global statement counters (this test alone changes them
/// when run alone).
async fn com(db: &MySqlDatabase) -> [i64; 6] {
    let names = ["COM_BEGIN", "COM_SAVEPOINT", "COM_INSERT", "COM_COMMIT", "COM_RELEASE_SAVEPOINT", "COM_ROLLBACK"];
    let cursor = db
        .aexecute_sql(
            "SELECT UPPER(variable_name), CAST(variable_value AS SIGNED) FROM information_schema.global_status \
             WHERE UPPER(variable_name) IN ('COM_BEGIN', 'COM_SAVEPOINT', 'COM_INSERT', 'COM_COMMIT', \
             'COM_RELEASE_SAVEPOINT', 'COM_ROLLBACK')",
            vec![],
        )
        .await
        .expect("status");
    let found: HashMap<String, i64> =
        cursor.fetchall().iter().map(|r| (r.get::<String>(0).expect("name"), r.get::<i64>(1).expect("n"))).collect();
    names.map(|n| found[n])
}

fn diff(a: [i64; 6], b: [i64; 6]) -> String {
    let names = ["begin", "savepoint", "insert", "commit", "release", "rollback"];
    names
        .iter()
        .zip(a.iter().zip(b))
        .filter(|(_, (a, b))| b != *a)
        .map(|(n, (a, b))| format!("{n}+{}", b - a))
        .collect::<Vec<_>>()
        .join(" ")
}

/// create() dropped at every point of its run, on a pool of one: the row
/// exists only if create returned it (a drop while the COMMIT is on its
/// way is the one point where it may or may not, as docs/07 says for any
/// cancelled write), the next user never sees the dropped call's
/// uncommitted row, and gets a clean connection. Run it alone for the
/// counters it prints to mean anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_cancelled_at_every_point() {
    let (_, db) = users_as_mysql(1).await;
    let (mut finished, mut phantoms) = (0, Vec::new());
    for step in 0..150u64 {
        let budget = Duration::from_micros(step * 25);
        let label = format!("c{step}");
        let before = com(&db).await;
        let outcome = run_for(User::create(&db).set(User::NAME, label.clone()), budget).await;
        let count = db.count(&User::select().where_(User::NAME.eq(label.clone()))).await.expect("count");
        clean(&db).await;
        let again = db.count(&User::select().where_(User::NAME.eq(label.clone()))).await.expect("count");
        let after = com(&db).await;
        assert_eq!(
            count,
            again,
            "step {step}: the next user saw a dropped call's uncommitted row ({})",
            diff(before, after)
        );
        match outcome {
            Some(made) => {
                let made = made.expect("a create that finished succeeded");
                finished += 1;
                assert_eq!(count, 1);
                assert_eq!(User::aget_by_id(&db, made.id).await.expect("by key"), made);
            }
            None if count == 1 => phantoms.push(format!("{step}: {}", diff(before, after))),
            None => assert_eq!(count, 0),
        }
    }
    eprintln!("create: {finished} finished; rows kept by dropped calls: {phantoms:#?}");
    let last = User::create(&db).set(User::NAME, "last").await.expect("a create run to its end");
    assert_eq!(User::aget_by_id(&db, last.id).await.expect("by key"), last);
    assert!(phantoms.iter().all(|p| p.contains("commit+")), "a dropped create kept its row without a COMMIT sent");
}

/// The same inside an outer block that commits at the end: a dropped
/// create() rolls back to its savepoint (only one dropped during its
/// RELEASE SAVEPOINT may stay), and the outer commit keeps what returned
/// Ok.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn create_cancelled_inside_an_outer_block() {
    let (_, db) = users_as_mysql(1).await;
    let tx = db.atomic().await.expect("outer");
    let mut returned = HashSet::new();
    let mut dropped = Vec::new();
    for step in 0..150u64 {
        let label = format!("o{step}");
        let before = com(&db).await;
        match run_for(User::create(&db).set(User::NAME, label.clone()), Duration::from_micros(step * 15)).await {
            Some(made) => {
                returned.insert(made.expect("finished create succeeded").name);
            }
            None => {
                // The block goes on.
                User::acreate(&db, user(&format!("after{step}"))).await.expect("the block goes on");
                let seen = db.count(&User::select().where_(User::NAME.eq(label.clone()))).await.expect("count");
                let after = com(&db).await;
                dropped.push((label, seen, diff(before, after)));
            }
        }
    }
    tx.commit().await.expect("commit the outer block");
    let stored: HashSet<String> = stored_users(&db).await.into_values().filter(|n| n.starts_with('o')).collect();
    assert!(returned.is_subset(&stored), "rows create() returned are gone");
    let kept: Vec<_> = dropped.iter().filter(|(label, ..)| stored.contains(label)).collect();
    eprintln!("outer block: {} created, {} dropped; kept without Ok: {kept:#?}", returned.len(), dropped.len());
    assert!(
        kept.iter().all(|(_, _, counters)| counters.contains("release+")),
        "a dropped create's row survived without its RELEASE SAVEPOINT: {kept:#?}"
    );
    clean(&db).await;
}

/// Many tasks creating at once through a pool: each gets its own row.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn create_concurrently() {
    let (_, db) = users_as_mysql(4).await;
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let db = db.clone();
            tokio::spawn(async move {
                let mut made = Vec::new();
                for i in 0..40 {
                    made.push(User::create(&db).set(User::NAME, format!("{t}-{i}")).await.expect("create"));
                }
                made
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.expect("task"));
    }
    assert_own_rows(&all, &stored_users(&db).await);
}

// ---------------------------------------------------------------------------
// Upserts: the key through LAST_INSERT_ID(t.key)
// ---------------------------------------------------------------------------

/// An upsert from a select of its own table (bump every counter that
/// exists): runs with the dialect the server reports; must run compiled as
/// MySQL too. The key idiom `counter`.`id` = LAST_INSERT_ID(`counter`.`id`)
/// is ambiguous when the select reads `counter` itself.
#[tokio::test]
async fn upsert_from_a_select_of_its_own_table() {
    let name = fresh().await;
    let native = native(&name, 1).await;
    native.acreate_tables(&[Counter::META]).await.expect("create");
    for n in ["a", "b"] {
        Counter::acreate(&native, Counter { id: 0, name: n.into(), value: 1 }).await.expect("a counter");
    }
    let upsert = || {
        Insert::<Counter>::from_select(&["name", "value"], Counter::select().columns((Counter::NAME, Counter::VALUE)))
            .on_conflict(Counter::NAME)
            .do_update(Counter::VALUE)
    };
    let with_returning = upsert().aexecute(&native).await;
    eprintln!("native: {with_returning:?}");
    with_returning.expect("the upsert runs with the server's dialect");
    let db = as_mysql(&name, 1).await;
    let without = upsert().aexecute(&db).await;
    without.expect("the same upsert compiled as MySQL");
}

/// What an upsert reports, compiled as MySQL, beside the server's own
/// dialect (RETURNING) on the same data: the name of the row whose key is
/// reported must be the same.
#[tokio::test]
async fn upsert_keys_match_returning() {
    async fn scenario(db: &MySqlDatabase) -> Vec<Option<String>> {
        db.acreate_tables(&[User::META]).await.expect("create");
        let names = |db: &MySqlDatabase, key: Option<i64>| {
            let db = db.clone();
            async move {
                match key {
                    Some(key) => Some(
                        User::aget_by_id(&db, key).await.map(|u| u.name).unwrap_or_else(|_| format!("<no row {key}>")),
                    ),
                    None => None,
                }
            }
        };
        let mut seen = Vec::new();
        let propose =
            |name: &'static str, email: &'static str| User::insert().set(User::NAME, name).set(User::EMAIL, email);
        User::acreate(&db, user("ann")).await.expect("ann");
        User::acreate(&db, user("bob")).await.expect("bob");
        // A new row; an update; an update that changes nothing.
        for (name, email) in [("cy", "c@x"), ("ann", "a@x"), ("ann", "a@x")] {
            let upsert = propose(name, email).on_conflict(User::NAME).do_update(User::EMAIL);
            let k = upsert.aexecute(db).await.unwrap_or_else(|e| panic!("{name}: {e}"));
            seen.push(names(db, k).await);
        }
        // A conflict skipped, right after an update that set LAST_INSERT_ID.
        let k = propose("bob", "b@x").on_conflict(User::NAME).do_nothing().aexecute(db).await.expect("skip");
        seen.push(names(db, k).await);
        let k = propose("bob", "b@x").on_conflict_ignore().aexecute(db).await.expect("ignore");
        seen.push(names(db, k).await);
        // Several rows: all updates; update then insert; insert then update.
        for rows in [[("ann", "1"), ("bob", "1")], [("ann", "2"), ("dee", "2")], [("eve", "3"), ("bob", "3")]] {
            let k = User::insert_rows((User::NAME, User::EMAIL), rows)
                .on_conflict(User::NAME)
                .do_update(User::EMAIL)
                .aexecute(db)
                .await
                .unwrap_or_else(|e| panic!("{rows:?}: {e}"));
            seen.push(names(db, k).await);
        }
        // From a select that finds nothing: no row written.
        let k = Insert::<User>::from_select(&["name"], Counter::select().columns(Counter::NAME))
            .on_conflict(User::NAME)
            .do_update(User::NAME)
            .aexecute(db)
            .await;
        seen.push(k.ok().flatten().map(|k| format!("<key {k} for no row>")));
        seen
    }
    let a = fresh().await;
    let native = native(&a, 1).await;
    native.acreate_tables(&[Counter::META]).await.expect("create");
    let with_returning = scenario(&native).await;
    let b = fresh().await;
    let db = as_mysql(&b, 1).await;
    db.acreate_tables(&[Counter::META]).await.expect("create");
    let without = scenario(&db).await;
    eprintln!("RETURNING: {with_returning:?}\nMySQL:     {without:?}");
    // The single-row cases are the documented contract.
    assert_eq!(without[..5], with_returning[..5], "single-row upserts");
    assert_eq!(without[..5], [Some("cy".into()), Some("ann".into()), Some("ann".into()), None, None]);
    assert_eq!(without[8], None, "an upsert that wrote nothing reports no key");
    // Several rows: the documented difference (docs/07, `Insert`'s
    // `Output`): the last row's key with RETURNING; on MySQL the first key
    // it made when it inserted any row, else the last row it updated.
    assert_eq!(with_returning[5..8], [Some("bob".into()), Some("dee".into()), Some("bob".into())]);
    assert_eq!(without[5..8], [Some("bob".into()), Some("dee".into()), Some("eve".into())]);
}

/// A composite-key table (no auto key): the upsert writes, reports no
/// key, as with RETURNING.
#[tokio::test]
async fn upsert_on_a_composite_key() {
    let name = fresh().await;
    let db = as_mysql(&name, 1).await;
    db.acreate_tables(&[Membership::META]).await.expect("create");
    let up = |since: i32| {
        Membership::insert()
            .set(Membership::GROUP_NAME, "g")
            .set(Membership::MEMBER, "m")
            .set(Membership::SINCE, since)
            .on_conflict((Membership::GROUP_NAME, Membership::MEMBER))
            .do_update(Membership::SINCE)
    };
    assert_eq!(up(1).aexecute(&db).await.expect("insert"), None);
    assert_eq!(up(2).aexecute(&db).await.expect("update"), None);
    let all = db.list(&Membership::select()).await.expect("list");
    assert_eq!(all, [Membership { group_name: "g".into(), member: "m".into(), since: 2 }]);
}

/// Insert::models of several new rows compiled as MySQL: the key reported
/// names one of the rows inserted (the first, docs say).
#[tokio::test]
async fn multi_row_insert_reports_its_first_row() {
    let (_, db) = users_as_mysql(1).await;
    User::acreate(&db, user("zero")).await.expect("a row");
    let models = [user("m1"), user("m2"), user("m3")];
    let key = Insert::models(&models).aexecute(&db).await.expect("insert").expect("a key");
    assert_eq!(User::aget_by_id(&db, key).await.expect("by key").name, "m1");
}

// ---------------------------------------------------------------------------
// The dialect override
// ---------------------------------------------------------------------------

/// Compiled as MariaDB 10.4 (no RETURNING either): the same paths work.
#[tokio::test]
async fn dialect_override_as_old_mariadb() {
    let name = fresh().await;
    let options =
        MySqlOptions::from_url(&url_of(&name)).expect("url").pool_size(2).dialect(MySqlDialect::mariadb((10, 4, 0)));
    let db = MySqlDatabase::connect(options).await.expect("connect");
    assert!(!db.dialect().supports_insert_returning());
    db.acreate_tables(&[User::META]).await.expect("create");
    let ann = User::create(&db).set(User::NAME, "ann").await.expect("create");
    let mut many: Vec<User> = (0..120).map(|i| user(&format!("u{i}"))).collect();
    User::abulk_create(&db, &mut many).batch_size(50).await.expect("bulk");
    let mut all = many.clone();
    all.push(ann.clone());
    assert_own_rows(&all, &stored_users(&db).await);
    let key = User::insert()
        .set(User::NAME, "ann")
        .set(User::EMAIL, "a@x")
        .on_conflict(User::NAME)
        .do_update(User::EMAIL)
        .aexecute(&db)
        .await
        .expect("upsert");
    assert_eq!(key, Some(ann.id));
    let native = native(&name, 1).await;
    assert!(native.dialect().supports_insert_returning(), "the server's own dialect is MariaDB 10.11");
}
