//! Fault injection on PostgreSQL: futures cancelled at each of their poll
//! points, tasks aborted at random moments, cancels in flight. After each
//! fault the next user of a pool of one must find the connection clean, as
//! the server sees it: no open transaction (`pg_stat_activity.state`, the
//! status the protocol reports), no session state, no cancel meant for
//! somebody else, and exactly the rows that were committed.

use std::future::{Future, IntoFuture};
use std::pin::pin;
use std::task::Poll;
use std::time::Duration;

use ormcore::prelude::*;
use ormcore_pg::{PgDatabase, PgOptions};
use ormcore_tests::models::{Counter, User, user};

use super::{PgSchema, url};
use ormcore_tests::{Config, TestDb};

/// A database under test: a fresh schema, a pool of one connection tagged
/// with its own `application_name`, and an admin connection to watch it
/// from outside.
pub(super) struct Subject {
    pub(super) db: PgDatabase,
    pub(super) admin: PgDatabase,
    pub(super) tag: String,
    pub(super) schema: String,
}

fn with_param(url: &str, param: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{param}")
}

impl Subject {
    async fn new() -> Subject {
        Subject::with(1, false).await
    }

    /// A subject with a pool of `pool_size`, the shared connection on or off.
    pub(super) async fn with(pool_size: usize, pipeline: bool) -> Subject {
        Subject::build(pool_size, |options| options.pipeline(pipeline)).await
    }

    /// A subject with a pool of `pool_size` and options of its own.
    pub(super) async fn build(pool_size: usize, configure: impl FnOnce(PgOptions) -> PgOptions) -> Subject {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tag = format!("ormcore_fault_{}_{n}", std::process::id());
        // A schema of its own, created through the suite's harness.
        let setup = PgSchema::open(Config::default().pool_size(1)).await;
        let schema: String = setup.aexecute_sql("SELECT current_schema()", vec![]).await.expect("schema").fetchall()[0]
            .get(0)
            .expect("a name");
        setup.acreate_tables(&[User::META, Counter::META]).await.expect("create");
        User::acreate(&setup, user("committed")).await.expect("a committed row");
        let mut counters: Vec<Counter> =
            (0..20).map(|i| Counter { name: format!("c{i:02}"), value: i, ..Counter::default() }).collect();
        Counter::abulk_create(&setup, &mut counters).await.expect("counters");
        setup.close_pool().await;
        let options = PgOptions::from_url(&with_param(&url(), &format!("application_name={tag}")))
            .expect("url")
            .search_path(schema.clone())
            .pool_size(pool_size)
            .acquire_timeout(Duration::from_secs(10));
        let options = configure(options);
        let db = PgDatabase::connect(options).await.expect("connect");
        let admin = PgSchema::open(Config::default().pool_size(1)).await;
        Subject { db, admin, tag, schema }
    }

    /// The server's view of the pool's connections: `state` of each.
    pub(super) async fn server_states(&self) -> Vec<String> {
        let sql = "SELECT state FROM pg_stat_activity WHERE application_name = ? AND backend_type = 'client backend'";
        let cursor = self.admin.aexecute_sql(sql, vec![self.tag.clone().into()]).await.expect("pg_stat_activity");
        cursor.fetchall().iter().map(|row| row.get::<Option<String>>(0).expect("text").unwrap_or_default()).collect()
    }

    /// The committed user names, read from another session.
    pub(super) async fn committed(&self) -> Vec<String> {
        let sql = format!("SELECT name FROM \"{}\".\"user\" ORDER BY name", self.schema);
        let cursor = self.admin.aexecute_sql(&sql, vec![]).await.expect("names");
        cursor.fetchall().iter().map(|row| row.get::<String>(0).expect("text")).collect()
    }

    /// What the next user of the pool must find: its own statements run
    /// in autocommit and are kept, no session setting survives, no cancel
    /// lands on its statements, and the connection is idle outside any
    /// transaction afterwards.
    pub(super) async fn check_next_user(&self, context: &str) {
        let name = format!("next {context}");
        User::acreate(&self.db, user(&name)).await.unwrap_or_else(|e| panic!("{context}: the next insert: {e}"));
        let sql = "SELECT current_setting('statement_timeout'), current_setting('TimeZone'), \
                   current_setting('default_transaction_read_only'), current_schema(), \
                   (SELECT count(*) FROM pg_listening_channels()), \
                   (SELECT count(*) FROM pg_prepared_statements WHERE from_sql), \
                   (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()), \
                   (SELECT count(*) FROM pg_class WHERE relpersistence = 't')";
        let cursor = self.db.aexecute_sql(sql, vec![]).await.expect("session");
        let row = &cursor.fetchall()[0];
        let text = |i: usize| row.get::<String>(i).expect("text");
        let count = |i: usize| row.get::<i64>(i).expect("count");
        let found = (text(0), text(1), text(2), text(3), count(4), count(5), count(6), count(7));
        let fresh = ("0".to_owned(), "UTC".to_owned(), "off".to_owned(), self.schema.clone(), 0, 0, 0, 0);
        assert_eq!(
            found, fresh,
            "{context}: session state survived (timeout, zone, read-only, schema, channels, prepared, locks, temp)"
        );
        let slept = self.db.aexecute_sql("SELECT pg_sleep(0.02)", vec![]).await;
        assert!(slept.is_ok(), "{context}: the next user's statement was cancelled: {slept:?}");
        // The connection is back in the pool (cleaned, if its user's raw
        // SQL asked for it): now look at it from outside.
        let status = ormcore_tests::harness::settled_pool_status(&self.db).await;
        assert_eq!(status.idle, status.open, "{context}: the connection did not come back: {status:?}");
        let states = self.server_states().await;
        assert!(
            states.iter().all(|state| state == "idle"),
            "{context}: the pool's connection is not idle outside a transaction: {states:?}"
        );
        let committed = self.committed().await;
        assert!(committed.contains(&name), "{context}: the next user's insert was not committed: {committed:?}");
        User::delete().where_(User::NAME.eq(name)).aexecute(&self.db).await.expect("clean up");
    }
}

/// Poll `future` until it has returned `Pending` `pendings` times, then
/// drop it there. True if it finished first.
pub(super) async fn cut_after<F: Future>(future: F, pendings: usize) -> bool {
    let mut future = pin!(future);
    let mut seen = 0;
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        Poll::Ready(_) => Poll::Ready(true),
        Poll::Pending => {
            seen += 1;
            if seen >= pendings { Poll::Ready(false) } else { Poll::Pending }
        }
    })
    .await
}

/// The reproduction from the report: a transaction block cancelled while
/// its BEGIN is in flight must not leave the pool's connection inside a
/// transaction that swallows the next user's autocommit writes.
#[tokio::test]
async fn cancelled_begin_loses_no_write() {
    let subject = Subject::new().await;
    let db = &subject.db;
    tokio::select! {
        biased;
        _ = db.atomic().into_future() => panic!("BEGIN cannot finish within one poll"),
        () = std::future::ready(()) => {}
    }
    db.aexecute_sql("INSERT INTO \"user\" (name, is_active) VALUES ('acknowledged', true)", vec![])
        .await
        .expect("insert");
    db.close_pool().await;
    assert!(subject.committed().await.contains(&"acknowledged".to_owned()), "an acknowledged write vanished");
}

/// A cancel sent for an abandoned statement lands on that statement or
/// nowhere: never on the next user's.
#[tokio::test]
async fn cancel_never_reaches_the_next_user() {
    let subject = Subject::new().await;
    let db = &subject.db;
    for round in 0..60u64 {
        // Abandoned after 2 ms, ending on its own from 12 to 36 ms later:
        // around the moment a cancel follows the grace period, so that
        // some end before it, some are cancelled and some race it.
        let micros = 14_000 + round * 400;
        let sleep = db.aexecute_sql("SELECT pg_sleep(?)", vec![(micros as f64 / 1e6).into()]);
        let _ = tokio::time::timeout(Duration::from_millis(2), sleep).await;
        let next = db.aexecute_sql("SELECT pg_sleep(0.03)", vec![]).await;
        assert!(next.is_ok(), "round {round}: the next user's statement was cancelled: {next:?}");
    }
    subject.check_next_user("after the cancels").await;
}

/// A transaction script cut at each of its poll points in turn.
#[tokio::test]
async fn transaction_cut_at_every_poll_point() {
    let subject = Subject::new().await;
    let db = &subject.db;
    let script = || async {
        let tx = db.atomic().await?;
        User::acreate(db, user("script outer")).await?;
        db.aexecute_sql("SET statement_timeout = '4321'", vec![]).await?;
        let inner = db.atomic().await?;
        User::acreate(db, user("script inner")).await?;
        inner.commit().await?;
        let mut stream = db.iterate(&Counter::select().order_by(Counter::VALUE)).buffer_size(3);
        for _ in 0..5 {
            stream.next().await.expect("a row")?;
        }
        drop(stream);
        tx.commit().await
    };
    let mut completed = false;
    for cut in 1..200 {
        completed = cut_after(script(), cut).await;
        let context = format!("cut at poll point {cut}");
        subject.check_next_user(&context).await;
        let committed = subject.committed().await;
        let all = ["committed", "script inner", "script outer"];
        if completed {
            assert_eq!(committed, all, "{context}: the completed script's rows");
            break;
        }
        assert!(committed == ["committed"] || committed == all, "{context}: half a transaction: {committed:?}");
        // Whatever the cut left, start the next round from the seed.
        User::delete().where_(User::NAME.ne("committed")).aexecute(db).await.expect("reset");
    }
    assert!(completed, "the script never completed");
}

/// Opening a stream (on the task's connection, inside a transaction and
/// outside one) cut at each of its poll points.
#[tokio::test]
async fn stream_opening_cut_at_every_poll_point() {
    let subject = Subject::new().await;
    let db = &subject.db;
    for in_transaction in [false, true] {
        let script = || async move {
            let tx = if in_transaction { Some(db.atomic().await?) } else { None };
            let _scope = db.aconnect().await?;
            let mut stream = db.iterate(&Counter::select().order_by(Counter::VALUE)).buffer_size(4);
            let first = stream.next().await.expect("a row")?;
            assert_eq!(first.value, 0);
            drop(stream);
            if let Some(tx) = tx {
                User::acreate(db, user("script")).await?;
                tx.commit().await?;
            }
            Ok::<_, Error>(())
        };
        let mut completed = false;
        for cut in 1..100 {
            completed = cut_after(script(), cut).await;
            let context = format!("stream (transaction: {in_transaction}) cut at poll point {cut}");
            subject.check_next_user(&context).await;
            if completed {
                break;
            }
        }
        assert!(completed, "the script never completed");
        User::delete().where_(User::NAME.ne("committed")).aexecute(db).await.expect("reset");
    }
}

/// Tasks aborted at pseudo-random moments of a transaction script.
#[tokio::test]
async fn tasks_aborted_at_random_points() {
    let subject = Subject::new().await;
    // A fixed-seed linear congruential generator: reproducible delays.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next_delay = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        Duration::from_micros((seed >> 33) % 4000)
    };
    for round in 0..40 {
        let db = subject.db.clone();
        let task = tokio::spawn(async move {
            let tx = db.atomic().await?;
            User::acreate(&db, user("aborted")).await?;
            db.aexecute_sql("SELECT set_config('statement_timeout', '999', false)", vec![]).await?;
            db.aexecute_sql("SELECT pg_advisory_lock(42)", vec![]).await?;
            db.aexecute_sql("SELECT pg_sleep(0.002)", vec![]).await?;
            tx.commit().await
        });
        tokio::time::sleep(next_delay()).await;
        task.abort();
        let outcome = task.await;
        let context = format!("round {round} ({})", if outcome.is_ok() { "finished" } else { "aborted" });
        subject.check_next_user(&context).await;
        // The advisory lock went with the session state: another session
        // can take it at once (and its own reset releases it again).
        let free: bool =
            subject.admin.aexecute_sql("SELECT pg_try_advisory_lock(42)", vec![]).await.expect("try lock").fetchall()
                [0]
            .get(0)
            .expect("bool");
        assert!(free, "{context}: an aborted task's advisory lock is still held");
        User::delete().where_(User::NAME.ne("committed")).aexecute(&subject.db).await.expect("reset");
    }
}

/// Session state set through every entry point (raw SQL outside a scope,
/// in a task's scope, inside a rolled-back transaction, through a stream, a
/// builder query calling a function, an aborted task) never reaches the
/// next user of the pool's one connection.
#[tokio::test]
async fn session_state_never_reaches_the_next_user() {
    let subject = Subject::new().await;
    let db = &subject.db;
    let setters = [
        "SET statement_timeout = '1234'",
        "SELECT set_config('TimeZone', 'Asia/Tokyo', false)",
        "SET default_transaction_read_only = on",
        "SELECT set_config('search_path', 'pg_catalog', false)",
        "LISTEN ormcore_leftover",
        "PREPARE ormcore_leftover AS SELECT 1",
        "SELECT pg_advisory_lock(4242)",
        // Shadows the real table: the next user's insert would go there and
        // vanish with the session.
        "CREATE TEMP TABLE \"user\" (id bigserial, name text, is_active bool, email text)",
        "BEGIN",
    ];
    for sql in setters {
        let _ = db.aexecute_sql(sql, vec![]).await.expect(sql);
        subject.check_next_user(&format!("{sql} outside a scope")).await;

        db.run(|conn| async move { conn.aexecute_sql(sql, vec![]).await.map(drop) }).await.expect(sql);
        subject.check_next_user(&format!("{sql} in run()")).await;

        // Advisory locks and prepared statements outlive a rollback.
        let tx = db.atomic().await.expect("begin");
        let _ = db.aexecute_sql(sql, vec![]).await;
        tx.rollback().await.expect("rollback");
        subject.check_next_user(&format!("{sql} in a rolled-back transaction")).await;

        if sql.starts_with("SELECT") {
            let raw = ormcore::query::Raw::<Value>::new(sql, vec![]);
            db.iterate(&raw).try_collect().await.expect(sql);
            subject.check_next_user(&format!("{sql} through iterate")).await;
        }

        ormcore_tests::harness::run_in_aborted_task(db, sql).await;
        subject.check_next_user(&format!("{sql} in an aborted task")).await;
    }
    // A builder query that calls a session function.
    let set = ormcore::query::func::call("set_config")
        .arg::<ormcore::types::Text>("statement_timeout")
        .arg::<ormcore::types::Text>("4321")
        .arg::<ormcore::types::Bool>(false)
        .build::<ormcore::types::Text>();
    let _: Vec<Option<String>> =
        db.list(&User::select().columns(set).decode_as::<Option<String>>().limit(1)).await.expect("builder");
    subject.check_next_user("set_config through the query builder").await;
}
