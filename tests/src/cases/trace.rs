//! Statement tracing ([`ormcore::trace`]): one span per statement with its
//! fields, values only when asked for, query hooks, and `after_commit`
//! callbacks.

use std::sync::{Arc, Mutex};

use ormcore::Executor;
use ormcore::prelude::*;
use ormcore::trace::StatementKind;

use crate::capture::{Capture, CapturedSpan};
use crate::faults::{self, OpKind, TxRecord};
use crate::harness::{Config, TestDb, sql_for, user_names, users_db};
use crate::models::{User, user};

/// A value no span or hook may show unless asked to.
const SECRET: &str = "s3cret-value";

/// The raw insert of one user the cases send, for `dialect`.
fn insert_sql(dialect: &dyn ormcore::sql::Dialect) -> String {
    sql_for(dialect, "INSERT INTO {user} (name, is_active, email) VALUES (?, ?, ?)")
}

/// Whether `span` is the span of the operation `op` recorded: the same
/// kind, the same SQL.
fn same_statement(span: &CapturedSpan, op: &faults::Op) -> bool {
    let kind = span.field("kind").unwrap_or_default();
    let sql = span.field("db.statement").unwrap_or_default();
    let tx = |record: &TxRecord| match record {
        TxRecord::Begin => sql.starts_with("BEGIN") || sql.starts_with("START TRANSACTION"),
        TxRecord::Commit => sql == "COMMIT",
        TxRecord::Rollback => sql == "ROLLBACK",
        TxRecord::Savepoint(name) => sql.starts_with("SAVEPOINT ") && sql.contains(name.as_str()),
        TxRecord::Release(name) => sql.starts_with("RELEASE SAVEPOINT ") && sql.contains(name.as_str()),
        TxRecord::RollbackTo(name) => sql.starts_with("ROLLBACK TO SAVEPOINT ") && sql.contains(name.as_str()),
        TxRecord::Other(_) => false,
    };
    match &op.kind {
        OpKind::Fetch => kind == "fetch" && op.sql.as_deref() == Some(sql),
        OpKind::Execute => kind == "execute" && op.sql.as_deref() == Some(sql),
        OpKind::ExecuteMany => kind == "execute_many" && op.sql.as_deref() == Some(sql),
        // The backend compiles a bulk insert's statements itself; the span
        // shows the statement for one row.
        OpKind::InsertRows => kind == "insert_rows" && sql.starts_with("INSERT INTO "),
        OpKind::Stream => kind == "stream" && op.sql.as_deref() == Some(sql),
        OpKind::Transaction(record) | OpKind::TransactionNow(record) => kind == "transaction" && tx(record),
        _ => false,
    }
}

/// Every statement ormcore sends is one span, in order, whatever sends it:
/// DDL, model writes, selects, raw SQL, a bulk insert, transaction control
/// (a dropped guard's undo included), a stream (one span, however many
/// batches), a statement that fails. Checked against the fault injector's
/// record of what reached the backend.
pub async fn one_span_per_statement<T: TestDb>() -> Result<()> {
    let db = faults::open::<T>(Config::default().pool_size(2)).await;
    let faults = db.backend().faults();
    let capture = Capture::new();
    let system = db.dialect().system();
    let insert = &insert_sql(db.dialect());
    faults.clear();
    capture
        .run(async {
            db.acreate_tables(&[User::META]).await?;
            User::acreate(&db, user("a")).await?;
            assert_eq!(User::aget(&db, User::NAME.eq("a")).await?.name, "a");
            db.aexecute(&User::update().set(User::EMAIL, Some("a@example.com")).where_(User::NAME.eq("a"))).await?;
            db.aexecute_sql(insert, vec!["b".into(), true.into(), Value::Null]).await?;
            let mut more = vec![user("c"), user("d")];
            User::abulk_create(&db, &mut more).await?;
            db.atomic()
                .run(|tx| async move {
                    tx.aexecute_sql(insert, vec!["e".into(), true.into(), Value::Null]).await?;
                    tx.savepoint()
                        .run(|sp| async move { sp.aexecute(&User::delete().where_(User::NAME.eq("e"))).await })
                        .await
                })
                .await?;
            let streamed = db.iterate(&User::select().order_by(User::NAME)).buffer_size(2).try_collect().await?;
            assert_eq!(streamed.len(), 4);
            let duplicate = db.aexecute_sql(insert, vec!["a".into(), true.into(), Value::Null]).await;
            assert!(matches!(duplicate, Err(Error::Integrity { .. })), "{duplicate:?}");
            // A guard dropped on a bound connection: undone at once where
            // the backend can (SQLite), else before the next statement.
            let conn = db.aconnect().await?;
            let tx = conn.atomic().await?;
            tx.aexecute_sql(insert, vec!["f".into(), true.into(), Value::Null]).await?;
            drop(tx);
            assert_eq!(user_names(&conn).await?, ["a", "b", "c", "d"]);
            conn.aclose().await
        })
        .await?;

    let sent: Vec<_> = faults.statements().into_iter().filter(|op| op.kind != OpKind::NextBatch).collect();
    let spans = capture.statements();
    let both = || format!("sent:\n{}\nspans:\n{}", faults.render(), capture.render());
    assert_eq!(spans.len(), sent.len(), "one span per statement\n{}", both());
    for (span, op) in spans.iter().zip(&sent) {
        assert!(same_statement(span, op), "span {span} for {op}\n{}", both());
        assert!(span.closed, "{span} closed");
        assert_eq!(span.target, "ormcore::statement");
        assert_eq!(span.field("db.system"), Some(system), "{span}");
        assert!(span.number("elapsed_us").is_some(), "{span} has its duration");
        assert!(span.field("values").is_none(), "{span} shows no values unless asked");
    }
    let failed: Vec<_> = spans.iter().filter_map(|span| span.field("error")).collect();
    assert_eq!(failed, ["integrity"], "only the duplicate failed\n{}", both());
    let stream = spans.iter().find(|span| span.field("kind") == Some("stream")).expect("a stream span");
    assert_eq!(stream.number("rows"), Some(4), "{stream}");
    let bulk: Vec<_> = spans.iter().filter(|span| span.field("kind") == Some("insert_rows")).collect();
    assert_eq!(bulk.len(), 1, "abulk_create is one bulk insert\n{}", both());
    assert_eq!(bulk[0].number("rows_affected"), Some(2), "{}", bulk[0]);
    assert_eq!(bulk[0].number("params"), Some(6), "two rows of three values: {}", bulk[0]);
    Ok(())
}

/// The fields of a span: SQL with placeholders, parameter count, rows
/// returned or affected, error kind; the values only once
/// [`set_trace_params`](Database::set_trace_params) asks for them.
pub async fn span_fields_and_values<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let capture = Capture::new();
    let dialect = db.dialect();
    let raw_insert = &insert_sql(dialect);
    let insert = ormcore::sql::compile_raw(raw_insert, &[Value::Null, Value::Null, Value::Null], dialect)?.sql;
    let spans = capture
        .run(async {
            db.aexecute_sql(raw_insert, vec!["a".into(), true.into(), SECRET.into()]).await?;
            let found = db.list(&User::select().where_(User::EMAIL.eq(Some(SECRET)))).await?;
            assert_eq!(found.len(), 1);
            let changed = db.aexecute(&User::update().set(User::IS_ACTIVE, false).where_(User::NAME.ne("zz"))).await?;
            assert_eq!(changed, 1);
            let duplicate = db.aexecute_sql(raw_insert, vec!["a".into(), true.into(), SECRET.into()]).await;
            assert!(matches!(duplicate, Err(Error::Integrity { .. })), "{duplicate:?}");
            let missing = User::aget(&db, User::NAME.eq("nobody")).await;
            assert!(matches!(missing, Err(Error::DoesNotExist { .. })), "{missing:?}");
            Ok::<_, Error>(capture.statements())
        })
        .await?;
    let rendered = spans.iter().map(|span| format!("  {span}\n")).collect::<String>();
    assert!(!rendered.contains(SECRET), "no value in any span:\n{rendered}");
    let [insert_span, select, update, failed, not_found] = spans.as_slice() else {
        panic!("five statements, five spans:\n{rendered}");
    };

    assert_eq!(insert_span.field("db.statement"), Some(&*insert), "{insert_span}");
    assert_eq!(insert_span.field("kind"), Some("fetch"));
    assert_eq!(insert_span.number("params"), Some(3));
    assert_eq!(insert_span.number("rows"), Some(0), "{insert_span}");
    assert_eq!(insert_span.number("rows_affected"), Some(1), "{insert_span}");
    assert_eq!(insert_span.field("error"), None);

    let sql = select.field("db.statement").unwrap_or_default();
    assert!(sql.starts_with("SELECT ") && !sql.contains(SECRET), "{select}");
    assert_eq!(select.number("params"), Some(1));
    assert_eq!(select.number("rows"), Some(1), "{select}");
    assert_eq!(select.number("rows_affected"), None, "a select changes nothing: {select}");

    assert_eq!(update.field("kind"), Some("execute"));
    assert_eq!(update.number("params"), Some(2), "{update}");
    assert_eq!(update.number("rows_affected"), Some(1), "{update}");
    assert_eq!(update.number("rows"), None, "{update}");

    assert_eq!(failed.field("error"), Some("integrity"), "{failed}");
    assert_eq!(failed.number("rows"), None, "{failed}");
    assert!(failed.number("elapsed_us").is_some(), "{failed}");
    // Finding nothing is no failure of the statement.
    assert_eq!(not_found.number("rows"), Some(0), "{not_found}");
    assert_eq!(not_found.field("error"), None, "{not_found}");

    // Asked for, the values are there, in their `Debug` form.
    db.set_trace_params(true);
    let spans = capture
        .run(async {
            capture.clear();
            db.list(&User::select().where_(User::EMAIL.eq(Some(SECRET)))).await?;
            Ok::<_, Error>(capture.statements())
        })
        .await?;
    let values = spans[0].field("values").unwrap_or_default();
    assert!(values.contains(&format!("{:?}", Value::Text(SECRET.into()))), "{}", spans[0]);
    db.set_trace_params(false);
    Ok(())
}

/// What a query hook saw of one statement.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    kind: StatementKind,
    sql: String,
    param_count: usize,
    params: Option<Vec<Value>>,
    rows: Option<u64>,
    rows_affected: Option<u64>,
    error: Option<&'static str>,
}

fn record_into(seen: &Arc<Mutex<Vec<Seen>>>) -> impl Fn(&ormcore::QueryEvent<'_>) + Send + Sync + 'static {
    let seen = Arc::clone(seen);
    move |event| {
        assert!(event.elapsed() < std::time::Duration::from_secs(60));
        seen.lock().unwrap().push(Seen {
            kind: event.kind(),
            sql: event.sql().to_owned(),
            param_count: event.param_count(),
            params: event.params().map(<[Value]>::to_vec),
            rows: event.rows(),
            rows_affected: event.rows_affected(),
            error: event.error().map(Error::kind_name),
        });
    }
}

/// Query hooks see every statement (transaction control included) with
/// its counts and error, values only when asked for, and stop when
/// removed. Hooks and spans agree one to one.
pub async fn query_hooks_see_every_statement<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook = db.on_query(record_into(&seen));
    let capture = Capture::new();
    let insert = &insert_sql(db.dialect());
    capture
        .run(async {
            db.aexecute_sql(insert, vec!["a".into(), true.into(), SECRET.into()]).await?;
            let tx = db.atomic().await?;
            User::acreate(&tx, user("b")).await?;
            tx.commit().await?;
            assert_eq!(user_names(&db).await?, ["a", "b"]);
            let duplicate = db.aexecute_sql(insert, vec!["a".into(), true.into(), SECRET.into()]).await;
            assert!(duplicate.is_err());
            Ok::<_, Error>(())
        })
        .await?;
    let events = seen.lock().unwrap().clone();
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    use StatementKind::{Fetch, Transaction};
    assert_eq!(kinds, [Fetch, Transaction, Fetch, Transaction, Fetch, Fetch], "{events:#?}");
    let spans = capture.statements();
    assert_eq!(spans.len(), events.len(), "hooks and spans agree:\n{}", capture.render());
    for (span, event) in spans.iter().zip(&events) {
        assert_eq!(span.field("db.statement"), Some(event.sql.as_str()));
        assert_eq!(span.field("kind"), Some(event.kind.as_str()));
    }
    assert_eq!(events[0].param_count, 3);
    assert_eq!(events[0].params, None, "no values unless asked");
    assert_eq!(events[0].rows_affected, Some(1));
    assert!(events[1].sql.starts_with("BEGIN") || events[1].sql.starts_with("START"), "{:?}", events[1]);
    assert_eq!(&*events[3].sql, "COMMIT");
    assert_eq!((events[3].rows, events[3].rows_affected), (None, None));
    assert_eq!(events[4].rows, Some(2), "the list returned two rows");
    assert_eq!(events[5].error, Some("integrity"));
    assert_eq!((events[5].rows, events[5].rows_affected), (None, None));

    db.set_trace_params(true);
    seen.lock().unwrap().clear();
    db.aexecute_sql(&sql_for(db.dialect(), "SELECT name FROM {user} WHERE email = ?"), vec![SECRET.into()]).await?;
    let events = seen.lock().unwrap().clone();
    assert_eq!(events.len(), 1, "a hook sees statements outside any subscriber's reach too");
    assert_eq!(events[0].params, Some(vec![Value::Text(SECRET.into())]));
    assert_eq!(events[0].rows, Some(1));

    assert!(db.remove_query_hook(hook));
    assert!(!db.remove_query_hook(hook), "removed once");
    db.aexecute_sql("SELECT 1", vec![]).await?;
    assert_eq!(seen.lock().unwrap().len(), 1, "a removed hook sees nothing more");
    Ok(())
}

/// A log of callbacks run, and a way to see that a callback was dropped.
#[derive(Clone, Default)]
struct Log(Arc<Mutex<Vec<&'static str>>>);

impl Log {
    /// A callback that logs `name` when run.
    fn entry(&self, name: &'static str) -> impl FnOnce() + Send + 'static {
        let log = self.clone();
        move || log.0.lock().unwrap().push(name)
    }

    fn take(&self) -> Vec<&'static str> {
        std::mem::take(&mut self.0.lock().unwrap())
    }

    /// How many callbacks still hold the log (registered, not yet run or
    /// dropped), besides this handle.
    fn pending(&self) -> usize {
        Arc::strong_count(&self.0) - 1
    }
}

/// `after_commit` callbacks run once the outermost transaction commits,
/// once, in order, after the data is visible; never before.
pub async fn after_commit_runs_once_on_commit<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let log = Log::default();
    let tx = db.atomic().await?;
    User::acreate(&tx, user("a")).await?;
    tx.after_commit(log.entry("first"));
    tx.after_commit(log.entry("second"));
    assert_eq!(log.take(), Vec::<&str>::new(), "nothing runs before the commit");
    assert_eq!(log.pending(), 2);
    tx.commit().await?;
    assert_eq!(log.take(), ["first", "second"], "in the order registered");
    assert_eq!(log.pending(), 0, "and then let go");
    let tx = db.atomic().await?;
    tx.commit().await?;
    assert_eq!(log.take(), Vec::<&str>::new(), "once");

    // With no transaction open: at once.
    db.after_commit(log.entry("now"));
    assert_eq!(log.take(), ["now"]);
    let conn = db.aconnect().await?;
    conn.after_commit(log.entry("conn"));
    assert_eq!(log.take(), ["conn"]);
    drop(conn);

    // Through the database in a block's task: the block's.
    let db2 = db.clone();
    let log2 = log.clone();
    db.atomic()
        .run(|_| async move {
            db2.after_commit(log2.entry("scoped"));
            assert_eq!(log2.take(), Vec::<&str>::new());
            // A spawned task has no block of its own: at once.
            let db3 = db2.clone();
            let log3 = log2.clone();
            tokio::spawn(async move { db3.after_commit(log3.entry("spawned")) }).await.expect("task");
            assert_eq!(log2.take(), ["spawned"]);
            Ok::<_, Error>(())
        })
        .await?;
    assert_eq!(log.take(), ["scoped"]);

    // `acommit` commits the work so far, and its callbacks with it.
    let mut tx = db.atomic().await?;
    tx.after_commit(log.entry("before acommit"));
    tx.acommit().await?;
    assert_eq!(log.take(), ["before acommit"]);
    tx.after_commit(log.entry("after acommit"));
    tx.rollback().await?;
    assert_eq!(log.take(), Vec::<&str>::new());
    assert_eq!(log.pending(), 0);
    Ok(())
}

/// Rolled back, a transaction's callbacks are dropped, never run: by
/// `rollback()`, a dropped guard, a closure's `Err`, `arollback()`.
pub async fn after_commit_dropped_on_rollback<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let log = Log::default();

    let tx = db.atomic().await?;
    tx.after_commit(log.entry("rolled back"));
    tx.rollback().await?;

    let tx = db.atomic().await?;
    tx.after_commit(log.entry("dropped guard"));
    drop(tx);

    let (db2, log2) = (db.clone(), log.clone());
    let failed: Result<()> = db
        .atomic()
        .run(|_| async move {
            db2.after_commit(log2.entry("closure failed"));
            Err(Error::interface("the work failed"))
        })
        .await;
    assert!(failed.is_err());

    let mut tx = db.atomic().await?;
    tx.after_commit(log.entry("arollback"));
    tx.arollback().await?;
    tx.after_commit(log.entry("kept"));
    tx.commit().await?;

    assert_eq!(log.take(), ["kept"]);
    assert_eq!(log.pending(), 0, "the dropped callbacks were let go");
    Ok(())
}

/// A savepoint's callbacks wait for the outermost commit when the
/// savepoint is released, and are dropped, alone, when it rolls back;
/// the outer transaction's rollback drops them all.
pub async fn after_commit_follows_savepoints<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let log = Log::default();

    // Released savepoints wait for the outer commit, in registration order.
    let outer = db.atomic().await?;
    outer.after_commit(log.entry("outer 1"));
    let inner = db.atomic().await?;
    db.after_commit(log.entry("inner, through the database"));
    inner.after_commit(log.entry("inner"));
    inner.commit().await?;
    let joined = db.transaction().await?;
    joined.after_commit(log.entry("joined"));
    joined.commit().await?;
    assert_eq!(log.take(), Vec::<&str>::new(), "nested commits run nothing");
    outer.after_commit(log.entry("outer 2"));
    outer.commit().await?;
    assert_eq!(log.take(), ["outer 1", "inner, through the database", "inner", "joined", "outer 2"]);

    // A savepoint rolled back drops its own callbacks only.
    let outer = db.atomic().await?;
    outer.after_commit(log.entry("outer"));
    let inner = db.atomic().await?;
    inner.after_commit(log.entry("inner rolled back"));
    let innermost = db.savepoint().await?;
    innermost.after_commit(log.entry("innermost, released into a block rolled back"));
    innermost.commit().await?;
    inner.rollback().await?;
    let dropped = db.atomic().await?;
    dropped.after_commit(log.entry("inner dropped"));
    drop(dropped);
    db.atomic()
        .run(|sp| async move {
            sp.after_commit(log_entry_static("savepoint closure failed"));
            Err::<(), _>(Error::interface("fail"))
        })
        .await
        .expect_err("the closure failed");
    outer.commit().await?;
    assert_eq!(log.take(), ["outer"]);

    // The outer rollback drops everything, released savepoints included.
    let outer = db.atomic().await?;
    outer.after_commit(log.entry("outer"));
    let inner = db.atomic().await?;
    inner.after_commit(log.entry("inner"));
    inner.commit().await?;
    outer.rollback().await?;
    assert_eq!(log.take(), Vec::<&str>::new());

    // A joined block that is dropped leaves its work, and its callbacks,
    // to the block it joined; rolled back, it rolls the whole transaction
    // back and drops every callback of it.
    let outer = db.atomic().await?;
    let joined = db.transaction().await?;
    joined.after_commit(log.entry("joined, dropped"));
    drop(joined);
    outer.commit().await?;
    assert_eq!(log.take(), ["joined, dropped"]);
    let outer = db.atomic().await?;
    outer.after_commit(log.entry("outer, under a joined rollback"));
    let joined = db.transaction().await?;
    joined.rollback().await?;
    outer.after_commit(log.entry("after the joined rollback"));
    outer.commit().await?;
    assert_eq!(log.take(), ["after the joined rollback"]);
    assert_eq!(log.pending(), 0);
    Ok(())
}

/// A callback that must never run (its closure fails).
fn log_entry_static(name: &'static str) -> impl FnOnce() + Send + 'static {
    move || panic!("{name} ran")
}

/// A commit that fails drops the transaction's callbacks: its work was not
/// kept.
pub async fn after_commit_dropped_when_commit_fails<T: TestDb>() -> Result<()> {
    let db = faults::open::<T>(Config::default().pool_size(1)).await;
    db.acreate_tables(&[User::META]).await?;
    let faults = db.backend().faults();
    let log = Log::default();
    let tx = db.atomic().await?;
    User::acreate(&tx, user("a")).await?;
    tx.after_commit(log.entry("never"));
    // `commit` asks the transaction status, then sends COMMIT.
    faults.clear();
    faults.arm(1, faults::Fault::Fail);
    let failed = tx.commit().await;
    assert!(failed.is_err(), "the injected fault fails the commit");
    let fired: Vec<_> = faults.fired().into_iter().map(|(op, _)| op.kind).collect();
    assert_eq!(fired, [OpKind::Transaction(TxRecord::Commit)], "{}", faults.render());
    assert_eq!(log.take(), Vec::<&str>::new());
    assert_eq!(log.pending(), 0, "the callback was let go");
    assert_eq!(user_names(&db).await?, Vec::<String>::new(), "and the work rolled back");
    Ok(())
}
