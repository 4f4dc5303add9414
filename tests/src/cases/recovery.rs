//! Recovering from what ends a connection under its user: the database
//! killing it, and `close_pool()` closing the pool while it is in use.
//!
//! How a connection can be killed depends on the backend; each backend's
//! test file implements [`TestDb::kill_connection`], and says there where
//! a connection cannot fail at all.

use std::time::Duration;

use ormcore::prelude::*;

use crate::harness::{Config, TestDb, settled_pool_status, user_names, users_db};
use crate::models::{User, user};

/// A connection killed under the task that holds it (`aconnect`), outside
/// any transaction: the task's next statement gets a healthy connection,
/// transparently, and the task's scope goes on with it.
///
/// Where the backend cannot lose a connection (SQLite in WAL mode and
/// `:memory:`, see `tests/tests/sqlite.rs`), the kill reports so and the
/// case ends there.
pub async fn killed_connection_is_replaced<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(2)).await?;
    let conn = db.aconnect().await?;
    User::acreate(&db, user("before")).await?;
    if !T::kill_connection(&conn).await {
        return Ok(());
    }
    User::acreate(&db, user("after")).await?;
    assert_eq!(user_names(&db).await?, ["after", "before"]);
    // Still the task's scope: a block opened through the database runs on
    // the task's connection.
    let tx = db.atomic().await?;
    assert!(conn.in_transaction(), "the block opened on the task's connection");
    User::acreate(&db, user("in a block")).await?;
    tx.commit().await?;
    conn.aclose().await?;
    assert_eq!(user_names(&db).await?, ["after", "before", "in a block"]);
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "every connection is back in the pool: {status:?}");
    Ok(())
}

/// A connection killed inside a transaction block: the block's statements
/// fail (the connection is lost, its transaction with it), the block is
/// over (its guards report it and undo nothing on another connection), and
/// once it has ended the task's next statement gets a healthy connection.
///
/// The block only reads before the kill: SQLite notices a replaced
/// database file at a transaction's first write, and a transaction that
/// has already written goes on in the old file (see the SQLite
/// `kill_connection`).
pub async fn killed_connection_ends_the_transaction<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(2)).await?;
    let conn = db.aconnect().await?;
    User::acreate(&db, user("before")).await?;
    let outer = db.atomic().await?;
    let inner = db.atomic().await?;
    assert_eq!(db.count(&User::select()).await?, 1);
    if !T::kill_connection(&conn).await {
        return Ok(());
    }
    let refused = User::acreate(&db, user("in the lost block")).await;
    assert!(matches!(refused, Err(Error::ConnectionLost { .. })), "a write in the lost block: {refused:?}");
    let refused = db.count(&User::select()).await;
    assert!(matches!(refused, Err(Error::ConnectionLost { .. })), "a read in the lost block: {refused:?}");
    // Dropping the inner guard owes nothing: its savepoint went with the
    // connection.
    drop(inner);
    let committed = outer.commit().await;
    assert!(matches!(committed, Err(Error::ConnectionLost { .. })), "the lost block cannot commit: {committed:?}");
    assert!(!conn.in_transaction(), "the block is over");
    User::acreate(&db, user("after")).await?;
    assert_eq!(user_names(&db).await?, ["after", "before"]);
    conn.aclose().await?;
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "every connection is back in the pool: {status:?}");
    Ok(())
}

/// After `close_pool()` the next acquire opens a new pool (tests and
/// short-lived tools close and reopen), and `close_pool()` released the
/// calling task's own connection: its handle is closed, and the task's
/// next statement runs outside any scope.
///
/// An in-memory database lives in its one connection: closing the pool
/// ends it, and the reopened pool starts with an empty database, as in the
/// reference.
pub async fn close_pool_then_reopen<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(2)).await?;
    let conn = db.aconnect().await?;
    User::acreate(&db, user("kept")).await?;
    db.close_pool().await;
    assert_eq!(db.pool_status().open, 0, "the caller's connection was closed too");
    let closed = conn.aexecute_sql("SELECT 1", vec![]).await;
    assert!(matches!(closed, Err(Error::PoolClosed)), "its handle is closed: {closed:?}");
    if T::SINGLE_CONNECTION {
        db.acreate_tables(&[User::META]).await?;
        User::acreate(&db, user("kept")).await?;
    }
    assert_eq!(user_names(&db).await?, ["kept"]);
    let again = db.aconnect().await?;
    User::acreate(&db, user("after reopening")).await?;
    again.aclose().await?;
    assert_eq!(user_names(&db).await?, ["after reopening", "kept"]);
    drop(conn);
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "every connection is back in the pool: {status:?}");
    Ok(())
}

/// `close_pool()` with a transaction open: the caller's is rolled back at
/// once (its locks are gone, its guard reports the closed pool). A running
/// task keeps its connection until it lets go of it, and can go on using
/// it; then that connection is closed, the transaction the task left open
/// on it rolled back, and it never joins the new pool.
///
/// The other task begins its transaction only after the close: on SQLite
/// files an open transaction of its would hold the lock the caller's
/// writes need.
pub async fn close_pool_rolls_back_open_transactions<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(3)).await?;
    User::acreate(&db, user("committed")).await?;
    let (held_tx, held) = tokio::sync::oneshot::channel();
    let (go_tx, go) = tokio::sync::oneshot::channel::<()>();
    let other = db.clone();
    let running = (!T::SINGLE_CONNECTION).then(|| {
        tokio::spawn(async move {
            let _conn = other.aconnect().await?;
            assert_eq!(other.count(&User::select()).await?, 1);
            let _ = held_tx.send(());
            let _ = go.await;
            // The pool closed meanwhile: this task's connection is still
            // its own until it lets go.
            let _tx = other.atomic().await?;
            User::acreate(&other, user("other task, after close")).await?;
            assert_eq!(other.count(&User::select()).await?, 3);
            // The task ends with its transaction open.
            Ok::<_, Error>(())
        })
    });
    if running.is_some() {
        held.await.expect("the other task holds its connection");
    }

    let conn = db.aconnect().await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("caller")).await?;
    db.close_pool().await;
    // The block is over: until its guard ends it, its statements are
    // refused, so that none autocommits on the new pool in its name.
    let refused = User::acreate(&db, user("in the closed block")).await;
    assert!(matches!(refused, Err(Error::PoolClosed)), "a statement of the closed block: {refused:?}");
    let committed = tx.commit().await;
    assert!(matches!(committed, Err(Error::PoolClosed)), "the closed transaction cannot commit: {committed:?}");
    assert!(!db.in_transaction(), "the caller's scope ended with the pool and its block");
    if T::SINGLE_CONNECTION {
        db.acreate_tables(&[User::META]).await?;
        User::acreate(&db, user("committed")).await?;
    }
    // The caller's transaction no longer holds its locks (its row's unique
    // key, SQLite's write lock): the same write lands at once.
    let again = tokio::time::timeout(Duration::from_secs(3), User::acreate(&db, user("caller"))).await;
    assert!(matches!(again, Ok(Ok(_))), "the caller's transaction was rolled back: {again:?}");
    drop(conn);
    // Settled: a backend that recycles a returned connection on a task of
    // its own (mysql_async) would otherwise open a second one for the next
    // statement while the first is still on its way back.
    let reopened = settled_pool_status(&db).await.open;

    if let Some(running) = running {
        go_tx.send(()).expect("the other task waits");
        running.await.expect("the other task ran")?;
    }
    assert_eq!(user_names(&db).await?, ["caller", "committed"]);
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "every connection is back in the pool: {status:?}");
    assert_eq!(status.open, reopened, "the other task's connection did not join the new pool: {status:?}");
    Ok(())
}
