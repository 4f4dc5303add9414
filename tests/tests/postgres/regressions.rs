//! Holes found by attacking the lifecycle from outside, kept as
//! regressions (those that hold on every backend are conformance cases in
//! `cases::lifecycle`): raw SQL the classifier could misread, a spoofed
//! transaction probe, results abandoned by a decode error, session state
//! from triggers, statements deallocated behind the driver's cache, and
//! cuts and aborts across every transaction operation on a pool of two.

use std::time::Duration;

use ormcore::prelude::*;
use ormcore_pg::PgDatabase;
use ormcore_tests::models::{Counter, User, user};

use super::faults::{Subject, cut_after};

/// After its connection went back to the pool, the next user's autocommit
/// insert is acknowledged and committed (seen from another session).
async fn next_users_insert_is_committed(pg: &Subject) {
    tokio::time::sleep(Duration::from_millis(200)).await; // the pool's cleanup
    User::acreate(&pg.db, user("acknowledged")).await.expect("the next user's insert");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let states = pg.server_states().await;
    let names = pg.committed().await;
    assert!(
        names.contains(&"acknowledged".to_owned()),
        "an acknowledged autocommit write is not committed: {names:?}; server states {states:?}"
    );
}

/// PostgreSQL nests block comments: raw SQL whose first keyword depends on
/// that counts as transaction control, so a hidden `BEGIN` is rolled back
/// at release and the next user's autocommit insert is committed.
#[tokio::test]
async fn nested_comment_cannot_hide_a_begin() {
    let pg = Subject::with(1, false).await;
    pg.db.aexecute_sql("/* /* */ SELECT */ BEGIN", vec![]).await.expect("raw");
    next_users_insert_is_committed(&pg).await;
}

/// The same with a line comment that PostgreSQL ends at `\r`.
#[tokio::test]
async fn carriage_return_comment_cannot_hide_a_begin() {
    let pg = Subject::with(1, false).await;
    pg.db.aexecute_sql("--\rBEGIN /*\nSELECT */", vec![]).await.expect("raw");
    next_users_insert_is_committed(&pg).await;
}

/// A hidden `COMMIT` inside a block: the block's later statements are
/// refused (the database ended its transaction), never committed while
/// the block's rollback reports success.
#[tokio::test]
async fn hidden_commit_cannot_make_a_rolled_back_block_write() {
    let pg = Subject::with(1, false).await;
    let tx = pg.db.atomic().await.expect("begin");
    pg.db.aexecute_sql("/* /* */ SELECT */ COMMIT", vec![]).await.expect("raw");
    let after = User::acreate(&pg.db, user("after hidden commit")).await;
    let rolled = tx.rollback().await;
    eprintln!("insert after the hidden commit: {:?}, rollback: {rolled:?}", after.as_ref().map(|u| u.id));
    let names = pg.committed().await;
    assert!(
        !(after.is_ok() && rolled.is_ok() && names.contains(&"after hidden commit".to_owned())),
        "a write inside a block that rolled back successfully was committed: {names:?}"
    );
}

/// A read whose first row fails to decode is abandoned with the rest of
/// its result unread: it is recovered (here: cancelled) before anyone else
/// uses the connection, so the next user's statement does not wait behind
/// it.
#[tokio::test]
async fn decode_error_leaves_no_statement_running() {
    let pg = Subject::with(1, false).await;
    // Row 1 at once, then a 2 s sleep per row: a text column read as i64.
    let slow = ormcore::query::Raw::<i64>::new(
        "SELECT repeat('x', 100000) || n FROM generate_series(1, 4) AS n, \
         LATERAL (SELECT pg_sleep(CASE WHEN n > 1 THEN 2 ELSE 0 END)) AS s",
        vec![],
    );
    let t0 = std::time::Instant::now();
    let failed = pg.db.list(&slow).await;
    eprintln!("the failing read took {:?}: {failed:?}", t0.elapsed());
    assert!(failed.is_err(), "decode error");
    let started = std::time::Instant::now();
    let next = pg.db.aexecute_sql("SELECT 1", vec![]).await;
    let waited = started.elapsed();
    eprintln!("next user waited {waited:?}: {next:?}");
    assert!(next.is_ok());
    assert!(waited < Duration::from_secs(1), "the next user's SELECT 1 waited {waited:?} behind an abandoned query");
}

/// With `pipeline(true)`, a read that outlasts the shared session's
/// statement timeout after its first rows runs again on a pooled
/// connection instead of failing: rows are handed on only once a shared
/// statement has ended.
#[tokio::test]
async fn shared_long_read_falls_back_to_the_pool() {
    let pg = Subject::with(2, true).await;
    pg.db
        .aexecute_sql(
            "INSERT INTO counter (name, value) SELECT 'bulk ' || g, g FROM generate_series(1, 400000) AS g",
            vec![],
        )
        .await
        .expect("rows");
    let read = pg.db.list(&Counter::select().columns(Counter::VALUE)).await;
    assert!(read.is_ok(), "a plain read of 400k rows failed with the pipeline on: {:?}", read.err());
}

/// ormcore cannot see session state that server-side code sets (here a
/// trigger taking an advisory lock and setting the time zone on a builder
/// insert); with `always_reset(true)` every release resets the session, so
/// the next user gets UTC and the lock is free.
#[tokio::test]
async fn trigger_session_state_is_reset_with_always_reset() {
    let pg = Subject::build(1, |options| options.always_reset(true)).await;
    pg.db
        .aexecute_sql(
            "CREATE FUNCTION leak() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
             PERFORM pg_advisory_lock(777); PERFORM set_config('TimeZone', 'Asia/Tokyo', false); \
             RETURN NEW; END $$",
            vec![],
        )
        .await
        .expect("function");
    pg.db
        .aexecute_sql("CREATE TRIGGER leak BEFORE INSERT ON counter FOR EACH ROW EXECUTE FUNCTION leak()", vec![])
        .await
        .expect("trigger");
    tokio::time::sleep(Duration::from_millis(200)).await; // the raw DDL's reset
    Counter::acreate(&pg.db, Counter { name: "x".into(), ..Counter::default() }).await.expect("builder insert");
    tokio::time::sleep(Duration::from_millis(200)).await;
    // Looked at from another session first (a raw statement on the pooled
    // connection would reset it).
    let free: bool = pg.admin.aexecute_sql("SELECT pg_try_advisory_lock(777)", vec![]).await.expect("try").fetchall()
        [0]
    .get(0)
    .expect("bool");
    let zone: String =
        pg.db.aexecute_sql("SHOW TimeZone", vec![]).await.expect("show").fetchall()[0].get(0).expect("text");
    assert_eq!((zone.as_str(), free), ("UTC", true), "time zone the next user got, and whether the lock was released");
}

/// A raw `DEALLOCATE ALL` drops the driver's prepared statements behind
/// its cache: the session reset notices and empties the cache, so the next
/// user's transaction does not fail on a statement that is gone.
#[tokio::test]
async fn deallocate_all_cannot_break_the_next_users_transaction() {
    let pg = Subject::with(1, false).await;
    let names = User::select().columns(User::NAME);
    assert_eq!(pg.db.list(&names).await.expect("warm the cache"), ["committed"]);
    pg.db.aexecute_sql("DEALLOCATE ALL", vec![]).await.expect("deallocate");
    tokio::time::sleep(Duration::from_millis(200)).await;
    let next = pg.db.clone();
    let outcome = tokio::spawn(async move {
        let tx = next.atomic().await?;
        let found = next.list(&names).await?;
        tx.commit().await?;
        Ok::<_, Error>(found)
    })
    .await
    .expect("task");
    assert!(outcome.is_ok(), "the next user's transaction failed: {outcome:?}");
}

/// Every pooled connection, held at once by tasks of their own, must be
/// fresh: no transaction, no session setting, and an insert made there is
/// committed.
async fn check_all_connections(pg: &Subject, pool_size: usize, context: &str) {
    let status = ormcore_tests::harness::settled_pool_status(&pg.db).await;
    assert_eq!(status.idle, status.open, "{context}: connections did not come back: {status:?}");
    let barrier = std::sync::Arc::new(tokio::sync::Barrier::new(pool_size));
    let tasks: Vec<_> = (0..pool_size)
        .map(|i| {
            let (db, barrier, context) = (pg.db.clone(), barrier.clone(), context.to_owned());
            tokio::spawn(async move {
                let conn = db.aconnect().await.expect("connection");
                barrier.wait().await;
                let sql = "SELECT txid_current_if_assigned() IS NULL, current_setting('statement_timeout'), \
                           current_setting('TimeZone'), \
                           (SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()), \
                           (SELECT count(*) FROM pg_class WHERE relpersistence = 't')";
                let row = conn.aexecute_sql(sql, vec![]).await.expect("session").into_rows().remove(0);
                let found = (
                    row.get::<bool>(0).expect("b"),
                    row.get::<String>(1).expect("t"),
                    row.get::<String>(2).expect("z"),
                    row.get::<i64>(3).expect("l"),
                    row.get::<i64>(4).expect("t"),
                );
                assert_eq!(
                    found,
                    (true, "0".to_owned(), "UTC".to_owned(), 0, 0),
                    "{context}: connection {i}: (no transaction, timeout, zone, advisory locks, temp tables)"
                );
                let name = format!("probe {i}");
                User::acreate(&conn, user(&name)).await.expect("probe insert");
                drop(conn);
                name
            })
        })
        .collect();
    let mut probes = Vec::new();
    for task in tasks {
        probes.push(task.await.expect("probe task"));
    }
    let committed = pg.committed().await;
    for probe in &probes {
        assert!(committed.contains(probe), "{context}: the next user's insert was not committed: {committed:?}");
        User::delete().where_(User::NAME.eq(probe.as_str())).aexecute(&pg.db).await.expect("clean up");
    }
    let states = pg.server_states().await;
    assert!(states.iter().all(|s| s == "idle"), "{context}: server states {states:?}");
}

/// A script using every transaction operation: `acommit`/`arollback` on a
/// transaction and on a savepoint, a savepoint dropped, one rolled back, a
/// stream abandoned inside a savepoint, session state, commit. Its rows can
/// only be committed as `[]`, `[a]` or `[a, c, g]`.
async fn tx_script(db: &PgDatabase, tag: &str) -> Result<()> {
    let n = |s: &str| user(&format!("{tag}{s}"));
    let mut tx = db.atomic().await?;
    User::acreate(db, n("a")).await?;
    tx.acommit().await?;
    User::acreate(db, n("b")).await?;
    tx.arollback().await?;
    let mut sp = db.atomic().await?;
    User::acreate(db, n("c")).await?;
    sp.acommit().await?;
    User::acreate(db, n("d")).await?;
    sp.arollback().await?;
    db.aexecute_sql("SELECT set_config('statement_timeout', '4321', false)", vec![]).await?;
    {
        let mut stream = db.iterate(&User::select().order_by(User::NAME)).buffer_size(1);
        stream.next().await.expect("a row")?;
    }
    sp.commit().await?;
    let sp2 = db.savepoint().await?;
    User::acreate(db, n("e")).await?;
    drop(sp2);
    let sp3 = db.atomic().await?;
    User::acreate(db, n("f")).await?;
    sp3.rollback().await?;
    User::acreate(db, n("g")).await?;
    tx.commit().await
}

fn script_outcome_ok(committed: &[String], tag: &str) -> bool {
    let mine: Vec<&str> = committed.iter().filter_map(|name| name.strip_prefix(tag)).filter(|s| s.len() == 1).collect();
    mine.is_empty() || mine == ["a"] || mine == ["a", "c", "g"]
}

/// A script using every transaction operation, cut at each of its poll
/// points: the connection is clean each time and the rows committed are
/// all or nothing of what was acknowledged.
#[tokio::test]
async fn every_transaction_operation_cut_at_every_poll_point() {
    let pg = Subject::with(1, false).await;
    let mut completed = false;
    for cut in 1..400 {
        let tag = format!("cut{cut}-");
        completed = cut_after(tx_script(&pg.db, &tag), cut).await;
        let context = format!("cut at poll point {cut}");
        check_all_connections(&pg, 1, &context).await;
        let committed = pg.committed().await;
        assert!(script_outcome_ok(&committed, &tag), "{context}: {committed:?}");
        if completed {
            eprintln!("completed at cut {cut}: {committed:?}");
            break;
        }
    }
    assert!(completed, "the script never completed");
}

/// Ten tasks on a pool of two run the script and are aborted at random
/// moments; afterwards every connection is fresh and each task's rows are
/// all-or-nothing.
#[tokio::test]
async fn random_aborts_on_a_pool_of_two() {
    let pg = Subject::with(2, false).await;
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = move || {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        seed >> 33
    };
    for round in 0..15 {
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let db = pg.db.clone();
                let tag = format!("r{round}t{i}-");
                let task = tokio::spawn(async move { tx_script(&db, &tag).await });
                (task, Duration::from_micros(next() % 30_000))
            })
            .collect();
        let mut handles = Vec::new();
        for (task, delay) in tasks {
            let abort = task.abort_handle();
            tokio::spawn(async move {
                tokio::time::sleep(delay).await;
                abort.abort();
            });
            handles.push(task);
        }
        for handle in handles {
            match handle.await {
                Ok(Err(error)) => eprintln!("round {round}: a script failed: {error}"),
                Ok(Ok(())) => eprintln!("round {round}: a script completed"),
                Err(_) => {}
            }
        }
        let context = format!("round {round}");
        check_all_connections(&pg, 2, &context).await;
        let committed = pg.committed().await;
        for i in 0..10 {
            let tag = format!("r{round}t{i}-");
            assert!(script_outcome_ok(&committed, &tag), "{context}: task {i}: {committed:?}");
        }
    }
}

/// Hostile raw SQL: `COPY .. FROM STDIN` through `aexecute_sql` puts the
/// server in copy-in mode. The caller gets an error; the next user of the
/// pooled connection gets a working connection.
#[tokio::test]
async fn copy_from_stdin_leaves_the_connection_usable() {
    let pg = Subject::with(1, false).await;
    let copy =
        tokio::time::timeout(Duration::from_secs(5), pg.db.aexecute_sql("COPY \"user\" (name) FROM STDIN", vec![]))
            .await;
    eprintln!("copy: {copy:?}");
    let next = tokio::time::timeout(Duration::from_secs(15), User::acreate(&pg.db, user("after copy"))).await;
    assert!(matches!(next, Ok(Ok(_))), "the next user's insert: {next:?}");
    let next = tokio::time::timeout(Duration::from_secs(15), User::acreate(&pg.db, user("after copy 2"))).await;
    assert!(matches!(next, Ok(Ok(_))), "the next user's second insert: {next:?}");
    let names = pg.committed().await;
    assert!(names.contains(&"after copy".to_owned()) && names.contains(&"after copy 2".to_owned()), "{names:?}");
}

/// `close_pool` while a dropped guard's cleanup and an abandoned statement's
/// cancel are under way: nothing stays open on the server.
#[tokio::test]
async fn close_pool_during_cleanups() {
    let pg = Subject::with(2, false).await;
    let tx = pg.db.atomic().await.expect("begin");
    User::acreate(&pg.db, user("uncommitted")).await.expect("insert");
    let sleeper = pg.db.clone();
    let sleep = tokio::spawn(async move { sleeper.aexecute_sql("SELECT pg_sleep(30)", vec![]).await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    sleep.abort();
    drop(tx);
    pg.db.close_pool().await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let states = pg.server_states().await;
    assert!(states.iter().all(|s| s == "idle"), "sessions left after close_pool: {states:?}");
    assert_eq!(pg.committed().await, ["committed"]);
}

/// A read inside a transaction fails to decode its first row; the rest of
/// its result, which ormcore does not read, ends in a server error that
/// aborts the transaction. `commit()` must not report success (PostgreSQL
/// answers COMMIT in an aborted transaction with a silent rollback).
#[tokio::test]
async fn commit_is_refused_after_an_unseen_error() {
    let pg = Subject::with(1, false).await;
    let tx = pg.db.atomic().await.expect("begin");
    User::acreate(&pg.db, user("important")).await.expect("insert");
    let bad = ormcore::query::Raw::<i64>::new(
        "SELECT CASE WHEN n < 3 THEN 'x' ELSE (1 / (n - n))::text END FROM generate_series(1, 5) AS n",
        vec![],
    );
    let read = pg.db.list(&bad).await;
    assert!(matches!(read, Err(Error::Decode { .. })), "a decode error: {read:?}");
    let committed = tx.commit().await;
    let names = pg.committed().await;
    assert!(
        committed.is_err() || names.contains(&"important".to_owned()),
        "commit returned {committed:?} but the transaction's write is not in the database: {names:?}"
    );
}

/// A session that puts its own `now()` ahead of `pg_catalog` on its
/// search path cannot make an open transaction look like autocommit to
/// the transaction probe: the connection is rolled back at release.
#[tokio::test]
async fn spoofed_probe_cannot_hide_an_open_transaction() {
    let pg = Subject::with(1, false).await;
    pg.db
        .aexecute_sql(
            "CREATE FUNCTION now() RETURNS timestamptz LANGUAGE sql AS 'SELECT statement_timestamp()'",
            vec![],
        )
        .await
        .expect("function");
    let path = format!("SET search_path = \"{}\", pg_catalog", pg.schema);
    pg.db
        .run(|conn| async move {
            conn.aexecute_sql(&path, vec![]).await?;
            conn.aexecute_sql("BEGIN", vec![]).await.map(drop)
        })
        .await
        .expect("raw");
    next_users_insert_is_committed(&pg).await;
}

/// The server kills the pooled connection while it is being recovered (an
/// abandoned statement being cancelled): the pool replaces it, and the
/// next user's write lands.
#[tokio::test]
async fn terminate_backend_during_recovery() {
    let pg = Subject::with(1, false).await;
    for round in 0..5 {
        let pid: i32 = pg.db.aexecute_sql("SELECT pg_backend_pid()", vec![]).await.expect("pid").fetchall()[0]
            .get(0)
            .expect("int");
        let sleep = pg.db.aexecute_sql("SELECT pg_sleep(30)", vec![]);
        let _ = tokio::time::timeout(Duration::from_millis(5), sleep).await;
        // The pool's clean task is now waiting out the grace period or
        // cancelling: kill the session under it.
        tokio::time::sleep(Duration::from_millis(round * 4)).await;
        pg.admin.aexecute_sql("SELECT pg_terminate_backend(?::int4)", vec![pid.into()]).await.expect("terminate");
        let name = format!("after kill {round}");
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            match User::acreate(&pg.db, user(&name)).await {
                Ok(_) => break,
                Err(error) if std::time::Instant::now() < deadline => {
                    eprintln!("round {round}: {error}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                }
                Err(error) => panic!("round {round}: the pool did not recover: {error}"),
            }
        }
        assert!(pg.committed().await.contains(&name), "round {round}");
    }
}

/// A write abandoned inside a transaction fails on the server after its
/// future was dropped: the transaction refuses to commit rather than
/// commit half-done.
#[tokio::test]
async fn abandoned_failing_write_then_commit_is_refused() {
    let pg = Subject::with(1, false).await;
    for delay in [1u64, 5, 10, 30] {
        let tx = pg.db.atomic().await.expect("begin");
        User::acreate(&pg.db, user(&format!("first {delay}"))).await.expect("insert");
        let dup = pg.db.aexecute_sql(
            "INSERT INTO \"user\" (name, is_active) SELECT 'committed', true FROM pg_sleep(?)",
            vec![(delay as f64 / 1000.0).into()],
        );
        let _ = tokio::time::timeout(Duration::from_millis(3), dup).await;
        let committed = tx.commit().await;
        let names = pg.committed().await;
        let kept = names.contains(&format!("first {delay}"));
        assert!(committed.is_err() != kept, "delay {delay}: commit {committed:?}, rows {names:?}");
        assert!(committed.is_err(), "delay {delay}: a transaction whose write failed committed: {names:?}");
    }
}

/// attack7: the server kills the session under an open stream, outside
/// and inside a transaction block: the stream fails, and once the stream
/// and the block are over the task's next statement runs on a fresh
/// connection, with everything back in the pool.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack7_killed_during_a_stream() {
    use ormcore_tests::TestDb;
    use ormcore_tests::harness::{Config, settled_pool_status};
    for in_block in [false, true] {
        let db = crate::PgSchema::open(Config::default().pool_size(2)).await;
        db.acreate_tables(&[User::META]).await.expect("create");
        for name in ["a", "b", "c"] {
            User::acreate(&db, user(name)).await.expect("seed");
        }
        // More rows than the socket's buffers hold: the server is still
        // sending them when the session is killed.
        db.aexecute_sql(
            "INSERT INTO \"user\" (name, is_active) SELECT 'z' || n, true FROM generate_series(1, 200000) AS n",
            vec![],
        )
        .await
        .expect("seed many");
        let conn = db.aconnect().await.expect("connect");
        let pid: i32 =
            conn.aexecute_sql("SELECT pg_backend_pid()", vec![]).await.expect("pid").fetchall()[0].get(0).expect("int");
        let tx = if in_block { Some(db.atomic().await.expect("begin")) } else { None };
        let query = User::select().order_by(User::NAME);
        let mut stream = db.iterate(&query).buffer_size(1);
        let first = stream.next().await.expect("a row").expect("decoded");
        assert_eq!(first.name, "a");
        // Kill it from outside by its pid, asked before the stream began.
        let admin = crate::PgSchema::open(Config::default().pool_size(1)).await;
        admin.aexecute_sql("SELECT pg_terminate_backend(?::int4)", vec![pid.into()]).await.expect("terminate");
        loop {
            let alive = admin
                .aexecute_sql("SELECT count(*) FROM pg_stat_activity WHERE pid = ?::int4", vec![pid.into()])
                .await
                .expect("activity");
            if alive.fetchall()[0].get::<i64>(0).expect("count") == 0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let (mut read, mut failed) = (0, None);
        while let Some(row) = stream.next().await {
            match row {
                Ok(_) => read += 1,
                Err(error) => failed = Some(error),
            }
        }
        drop(stream);
        assert!(failed.is_some(), "in_block={in_block}: the stream saw the kill (after {read} more rows)");
        if let Some(tx) = tx {
            let committed = tx.commit().await;
            assert!(committed.is_err(), "the lost block cannot commit: {committed:?}");
        }
        User::acreate(&db, user("after")).await.unwrap_or_else(|e| panic!("in_block={in_block}: after: {e:?}"));
        conn.aclose().await.unwrap_or_else(|e| panic!("in_block={in_block}: aclose: {e:?}"));
        let names: Vec<String> = db
            .list(&User::select().columns(User::NAME).where_(User::NAME.lt("z")).order_by(User::NAME))
            .await
            .expect("names");
        assert_eq!(names, ["a", "after", "b", "c"], "in_block={in_block}");
        let status = settled_pool_status(&db).await;
        assert_eq!(status.idle, status.open, "in_block={in_block}: {status:?}");
    }
}

/// attack7: the session killed with a savepoint open inside a block: the
/// savepoint's commit and the block's rollback report the loss, and the
/// task goes on with a fresh connection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack7_killed_with_a_savepoint_open() {
    use ormcore_tests::TestDb;
    use ormcore_tests::harness::{Config, settled_pool_status};
    let db = crate::PgSchema::open(Config::default().pool_size(2)).await;
    db.acreate_tables(&[User::META]).await.expect("create");
    let conn = db.aconnect().await.expect("connect");
    let outer = db.atomic().await.expect("outer");
    User::acreate(&db, user("outer")).await.expect("outer write");
    let inner = db.atomic().await.expect("inner");
    User::acreate(&db, user("inner")).await.expect("inner write");
    assert!(crate::PgSchema::kill_connection(&conn).await);
    let released = inner.commit().await;
    assert!(matches!(released, Err(Error::ConnectionLost { .. })), "{released:?}");
    let rolled = outer.rollback().await;
    assert!(rolled.is_ok() || matches!(rolled, Err(Error::ConnectionLost { .. })), "{rolled:?}");
    assert!(!db.in_transaction());
    User::acreate(&db, user("after")).await.expect("after");
    conn.aclose().await.expect("aclose");
    let names: Vec<String> = db.list(&User::select().columns(User::NAME)).await.expect("names");
    assert_eq!(names, ["after"]);
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "{status:?}");
}
