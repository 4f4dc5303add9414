//! The connection and transaction model: per-task scopes, nesting, explicit
//! commit and rollback, and that nothing leaks when a guard is dropped, a
//! future cancelled, a task aborted or a panic unwinds.

use std::time::Duration;

use ormcore::prelude::*;

use crate::harness::{Config, TestDb, settled_pool_status, user_names, users_db};
use crate::models::{User, user};

/// Queries through the database handle inside a task's transaction run on
/// that transaction: they see its uncommitted rows.
pub async fn task_scope_shares_transaction<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("inside")).await?;
    assert!(db.in_transaction());
    assert_eq!(user_names(&db).await?, ["inside"]);
    assert_eq!(user_names(&tx).await?, ["inside"]);
    tx.rollback().await?;
    assert!(!db.in_transaction());
    assert!(user_names(&db).await?.is_empty());
    Ok(())
}

/// A task spawned inside a transaction runs outside it: it neither sees the
/// uncommitted row nor shares the connection.
pub async fn spawned_task_runs_outside<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().acquire_timeout(Duration::from_millis(300))).await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("uncommitted")).await?;
    let other = db.clone();
    let seen = tokio::spawn(async move { (other.in_transaction(), user_names(&other).await) }).await.expect("task ran");
    assert!(!seen.0, "the spawned task must not inherit the transaction");
    if T::SINGLE_CONNECTION {
        // The only connection is ours: the other task waits and times out.
        assert!(matches!(seen.1, Err(Error::PoolTimeout { pool_size: 1, .. })), "{:?}", seen.1);
    } else {
        assert_eq!(seen.1?, Vec::<String>::new());
    }
    tx.commit().await?;
    assert_eq!(user_names(&db).await?, ["uncommitted"]);
    Ok(())
}

/// Two tasks with their own transactions: the second does not see the
/// first's uncommitted row, and the first's rollback does not touch the
/// second's later commit. (Writes take turns: SQLite has one writer.)
pub async fn concurrent_tasks_isolated<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return one_connection_serializes_tasks::<T>().await;
    }
    let db = users_db::<T>(Config::default()).await?;
    let (inserted_tx, inserted) = tokio::sync::oneshot::channel();
    let (looked_tx, looked) = tokio::sync::oneshot::channel();
    let first = {
        let db = db.clone();
        tokio::spawn(async move {
            let tx = db.atomic().await?;
            User::acreate(&db, user("rolled back")).await?;
            let mine = user_names(&db).await?;
            let _ = inserted_tx.send(());
            let _ = looked.await;
            tx.rollback().await?;
            Ok::<_, Error>(mine)
        })
    };
    let second = {
        let db = db.clone();
        tokio::spawn(async move {
            let _ = inserted.await;
            let seen = user_names(&db).await?;
            let _ = looked_tx.send(());
            Ok::<_, Error>(seen)
        })
    };
    assert_eq!(first.await.expect("first task")?, ["rolled back"]);
    assert_eq!(second.await.expect("second task")?, Vec::<String>::new());
    let third = {
        let db = db.clone();
        tokio::spawn(
            async move { db.atomic().run(|tx| async move { User::acreate(&tx, user("committed")).await }).await },
        )
    };
    third.await.expect("third task")?;
    assert_eq!(user_names(&db).await?, ["committed"]);
    Ok(())
}

/// With one connection, a second task's transaction waits for the first.
async fn one_connection_serializes_tasks<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("first")).await?;
    let other = db.clone();
    let second = tokio::spawn(async move {
        let tx = other.atomic().await?;
        let seen = user_names(&other).await?;
        User::acreate(&other, user("second")).await?;
        tx.commit().await?;
        Ok::<_, Error>(seen)
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(!second.is_finished());
    tx.commit().await?;
    assert_eq!(second.await.expect("task")?, ["first"]);
    assert_eq!(user_names(&db).await?, ["first", "second"]);
    Ok(())
}

/// A transaction guard dropped without commit rolls back, and the
/// connection it used is clean for the next user.
pub async fn dropped_guard_rolls_back<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(1)).await?;
    {
        let _tx = db.atomic().await?;
        User::acreate(&db, user("dropped")).await?;
    }
    assert!(!db.in_transaction());
    assert!(user_names(&db).await?.is_empty());

    // Inside a longer-lived scope the rollback happens before the next query.
    let conn = db.aconnect().await?;
    {
        let _tx = conn.atomic().await?;
        User::acreate(&conn, user("dropped too")).await?;
    }
    assert!(!conn.in_transaction());
    User::acreate(&conn, user("kept")).await?;
    assert_eq!(user_names(&conn).await?, ["kept"]);
    drop(conn);
    assert_eq!(user_names(&db).await?, ["kept"]);
    Ok(())
}

async fn fails_half_way<E: Executor>(executor: &E) -> Result<()> {
    let _tx = executor.atomic().await?;
    User::acreate(executor, user("half")).await?;
    User::acreate(executor, user("half")).await?; // unique violation: `?` returns early
    unreachable!("the second insert violates the unique name");
}

/// An early `?` return inside a transaction leaves nothing behind.
pub async fn early_return_rolls_back<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let error = fails_half_way(&db).await.expect_err("must fail");
    assert_eq!(error.constraint_kind(), Some(ormcore::ConstraintKind::Unique));
    assert!(user_names(&db).await?.is_empty());
    Ok(())
}

/// The closure form commits on `Ok` and rolls back on `Err`.
pub async fn closure_commits_or_rolls_back<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let id = db.atomic().run(|tx| async move { Ok(User::acreate(&tx, user("ok")).await?.id) }).await?;
    assert!(id > 0);
    let failed: Result<()> = db
        .atomic()
        .run(|tx| async move {
            User::acreate(&tx, user("err")).await?;
            Err(Error::interface("changed my mind"))
        })
        .await;
    assert!(matches!(failed, Err(Error::Interface(_))));
    assert_eq!(user_names(&db).await?, ["ok"]);
    Ok(())
}

/// A panic inside a transaction: the task dies, the row is gone, and the
/// one pooled connection comes back clean.
pub async fn panic_rolls_back<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(1)).await?;
    let other = db.clone();
    let joined = tokio::spawn(async move {
        let _tx = other.atomic().await.expect("begin");
        User::acreate(&other, user("panicked")).await.expect("insert");
        panic!("boom");
    })
    .await;
    assert!(joined.expect_err("the task panicked").is_panic());
    assert!(user_names(&db).await?.is_empty());
    let conn = db.aconnect().await?;
    assert!(!conn.in_transaction());
    Ok(())
}

/// A task aborted mid-transaction: rolled back, connection clean.
pub async fn aborted_task_rolls_back<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(1)).await?;
    let other = db.clone();
    let (inserted_tx, inserted) = tokio::sync::oneshot::channel();
    let task = tokio::spawn(async move {
        let _tx = other.atomic().await?;
        User::acreate(&other, user("aborted")).await?;
        let _ = inserted_tx.send(());
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, Error>(())
    });
    inserted.await.expect("the task inserted");
    task.abort();
    assert!(task.await.expect_err("aborted").is_cancelled());
    assert!(user_names(&db).await?.is_empty());
    User::acreate(&db, user("after")).await?;
    assert_eq!(user_names(&db).await?, ["after"]);
    Ok(())
}

/// A query future cancelled while it waits (here: for the one pooled
/// connection, under a timeout) leaves its transaction rolled back.
pub async fn cancelled_future_rolls_back<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(1)).await?;
    let work = async {
        let _tx = db.atomic().await?;
        User::acreate(&db, user("cancelled")).await?;
        // Never finishes: pretend to wait on something slow.
        tokio::time::sleep(Duration::from_secs(60)).await;
        Ok::<_, Error>(())
    };
    assert!(tokio::time::timeout(Duration::from_millis(100), work).await.is_err());
    assert!(user_names(&db).await?.is_empty());
    Ok(())
}

/// `acommit`/`arollback` end the current transaction and start a new one:
/// the block goes on.
pub async fn commit_and_rollback_continue_the_block<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let mut tx = db.atomic().await?;
    User::acreate(&db, user("a")).await?;
    tx.acommit().await?;
    assert!(db.in_transaction());
    User::acreate(&db, user("b")).await?;
    tx.arollback().await?;
    assert!(db.in_transaction());
    User::acreate(&db, user("c")).await?;
    tx.commit().await?;
    assert_eq!(user_names(&db).await?, ["a", "c"]);
    Ok(())
}

/// Nested `atomic()` blocks are savepoints: rolling back the inner one
/// keeps the outer one's work; rolling back the outer undoes both.
pub async fn nested_atomic_savepoints<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let outer = db.atomic().await?;
    User::acreate(&db, user("outer")).await?;
    let inner = db.atomic().await?;
    User::acreate(&db, user("inner")).await?;
    inner.rollback().await?;
    let inner = db.savepoint().await?;
    User::acreate(&db, user("kept inner")).await?;
    inner.commit().await?;
    outer.commit().await?;
    assert_eq!(user_names(&db).await?, ["kept inner", "outer"]);

    let outer = db.atomic().await?;
    User::acreate(&db, user("gone")).await?;
    let inner = db.atomic().await?;
    User::acreate(&db, user("gone too")).await?;
    inner.commit().await?;
    outer.rollback().await?;
    assert_eq!(user_names(&db).await?, ["kept inner", "outer"]);
    Ok(())
}

/// A nested `transaction()` joins the outer one: its commit leaves the
/// decision to the outer block.
pub async fn nested_transaction_joins<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let outer = db.transaction().await?;
    let inner = db.transaction().await?;
    User::acreate(&db, user("joined")).await?;
    inner.commit().await?;
    assert!(db.in_transaction());
    outer.rollback().await?;
    assert!(user_names(&db).await?.is_empty());
    Ok(())
}

/// A nested `transaction()` block whose closure fails leaves the decision
/// to the outer block: the outer work done before it survives.
pub async fn failed_joined_block_keeps_outer_work<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let outer = db.transaction().await?;
    User::acreate(&db, user("before")).await?;
    let failed: Result<()> = db.transaction().run(|_| async { Err(Error::interface("inner failure")) }).await;
    assert!(failed.is_err());
    User::acreate(&db, user("after")).await?;
    outer.commit().await?;
    assert_eq!(user_names(&db).await?, ["after", "before"]);
    Ok(())
}

/// A guard that outlives its place in the stack (its outer block was
/// dropped first) cannot act on newer blocks that took that place.
pub async fn stale_guard_cannot_touch_newer_blocks<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let conn = db.aconnect().await?;
    let outer = db.atomic().await?;
    let inner = db.atomic().await?;
    User::acreate(&db, user("abandoned")).await?;
    drop(outer); // rolls back everything, inner included
    let newer = db.atomic().await?;
    let newer_inner = db.atomic().await?;
    User::acreate(&db, user("kept")).await?;
    assert!(inner.commit().await.is_err(), "the stale guard's block is gone");
    newer_inner.commit().await?;
    newer.commit().await?;
    assert_eq!(user_names(&db).await?, ["kept"]);
    conn.aclose().await?;
    Ok(())
}

/// A dropped inner savepoint guard rolls back to its savepoint only.
pub async fn dropped_savepoint_rolls_back_to_it<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let outer = db.atomic().await?;
    User::acreate(&db, user("outer")).await?;
    {
        let _inner = db.atomic().await?;
        User::acreate(&db, user("inner")).await?;
    }
    User::acreate(&db, user("after")).await?;
    outer.commit().await?;
    assert_eq!(user_names(&db).await?, ["after", "outer"]);
    Ok(())
}

/// Ending an outer block while an inner one is open is an error that
/// changes nothing.
pub async fn out_of_order_commit_is_an_error<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let mut outer = db.atomic().await?;
    let inner = db.atomic().await?;
    assert!(matches!(outer.acommit().await, Err(Error::Interface(_))));
    inner.commit().await?;
    outer.acommit().await?;
    outer.commit().await?;
    Ok(())
}

/// `aclose` with a transaction open fails and leaves the transaction
/// intact; after the commit it releases the connection.
pub async fn aclose_with_open_transaction<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let conn = db.aconnect().await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("kept")).await?;
    assert!(matches!(db.aclose().await, Err(Error::Operational { .. })));
    assert!(db.in_transaction());
    tx.commit().await?;
    db.aclose().await?;
    assert!(matches!(conn.aclose().await, Err(Error::Interface(_))), "the handle is closed");
    assert_eq!(user_names(&db).await?, ["kept"]);
    Ok(())
}

/// `aconnect` binds a connection to the task; `aclose` returns it.
pub async fn aconnect_binds_task_connection<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    // A backend may clean a returned connection in the background (after
    // DDL, MySQL resets the session): count once it is back.
    let idle_before = settled_pool_status(&db).await.idle;
    assert!(idle_before >= 1, "creating the table used and returned a connection");
    let conn = db.aconnect().await?;
    let idle_while_bound = db.pool_status().idle;
    assert_eq!(idle_while_bound + 1, idle_before);
    User::acreate(&db, user("x")).await?;
    assert_eq!(db.pool_status().idle, idle_while_bound, "the task's queries use its connection");
    conn.aclose().await?;
    assert_eq!(settled_pool_status(&db).await.idle, idle_while_bound + 1);
    Ok(())
}

/// Explicit handles: queries run directly on a connection or transaction.
pub async fn explicit_handles<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let conn = db.aconnect().await?;
    let tx = conn.atomic().await?;
    User::insert().set(User::NAME, "via tx").aexecute(&tx).await?;
    assert_eq!(user_names(&conn).await?, ["via tx"]);
    tx.commit().await?;
    User::insert().set(User::NAME, "via conn").aexecute(&conn).await?;
    conn.aclose().await?;
    assert_eq!(user_names(&db).await?, ["via conn", "via tx"]);
    Ok(())
}

/// `close_pool` drains everything, including the connection of a task that
/// ended without releasing it (its transaction rolled back); the next
/// acquire opens a new pool.
pub async fn close_pool_drains<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let other = db.clone();
    tokio::spawn(async move {
        let conn = other.aconnect().await?;
        let _tx = conn.atomic().await?;
        User::acreate(&conn, user("never committed")).await?;
        // The task ends here without commit or aclose.
        Ok::<_, Error>(())
    })
    .await
    .expect("task")?;
    assert!(user_names(&db).await?.is_empty());
    db.close_pool().await;
    assert_eq!(db.pool_status().open, 0);
    let conn = db.aconnect().await?;
    if !T::SINGLE_CONNECTION {
        // (On `:memory:` the new pool's database is a new, empty one.)
        assert!(user_names(&db).await?.is_empty());
    }
    conn.aclose().await?;
    Ok(())
}
