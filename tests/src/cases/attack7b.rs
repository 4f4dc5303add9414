//! Second attack round on the close_pool / lost-connection / scanner /
//! DDL fixes: each case names the hole it probes.

#![allow(missing_docs)]

use std::time::Duration;

use ormcore::prelude::*;

use crate::harness::{Config, TestDb, settled_pool_status, user_names, users_db};
use crate::models::{User, user};

const LIMIT: Duration = Duration::from_secs(5);

/// Nested savepoint: close_pool inside the inner block; the outer
/// block's handle, the inner one's, the database and a stream opened
/// afterwards are all refused; once both guards end the task writes on
/// the new pool and nothing of the block is kept.
pub async fn close_pool_in_a_nested_block_refuses_everything_until_the_blocks_end<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return Ok(());
    }
    let db = users_db::<T>(Config::default().pool_size(2)).await?;
    let outer = db.atomic().await?;
    User::acreate(&outer, user("outer")).await?;
    let inner = outer.atomic().await?;
    User::acreate(&inner, user("inner")).await?;
    db.close_pool().await;
    db.close_pool().await;
    let mut refused = Vec::new();
    refused.push(("db", User::acreate(&db, user("db")).await.map(drop)));
    refused.push(("inner", User::acreate(&inner, user("via inner")).await.map(drop)));
    refused.push(("outer", User::acreate(&outer, user("via outer")).await.map(drop)));
    refused.push(("conn", User::acreate(&outer.connection(), user("via conn")).await.map(drop)));
    let query = User::select();
    let mut stream = db.iterate(&query);
    refused.push(("stream", stream.next().await.transpose().map(drop)));
    drop(stream);
    refused.push(("new block", db.atomic().await.map(drop)));
    refused.push(("run", db.run(|c| async move { User::acreate(&c, user("run")).await.map(drop) }).await));
    let committed_inner = inner.commit().await;
    refused.push(("outer after inner", User::acreate(&outer, user("outer after inner")).await.map(drop)));
    refused.push(("outer acommit", {
        let mut outer = outer;
        let r = outer.acommit().await;
        drop(outer);
        r
    }));
    for (what, outcome) in &refused {
        assert!(matches!(outcome, Err(Error::PoolClosed)), "{what}: {outcome:?} (inner commit: {committed_inner:?})");
    }
    assert!(!db.in_transaction(), "the blocks ended");
    let again = tokio::time::timeout(LIMIT, User::acreate(&db, user("after"))).await;
    assert!(matches!(again, Ok(Ok(_))), "the task writes again: {again:?}");
    assert_eq!(user_names(&db).await?, ["after"], "nothing of the closed block is kept");
    let status = settled_pool_status(&db).await;
    assert_eq!(status.open, status.idle, "{status:?}");
    Ok(())
}

/// close_pool from a joined future while the other is inside
/// `atomic().run` nested in `run`: all or nothing, and the task goes on.
pub async fn close_pool_from_a_joined_future_is_all_or_nothing<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return Ok(());
    }
    let db = users_db::<T>(Config::default().pool_size(2)).await?;
    let (written_tx, written_rx) = tokio::sync::oneshot::channel::<()>();
    let (closed_tx, closed_rx) = tokio::sync::oneshot::channel::<()>();
    let d1 = db.clone();
    let d2 = db.clone();
    let block = db.run(move |_conn| async move {
        let d = d1.clone();
        d1.atomic()
            .run(move |tx_conn| async move {
                User::acreate(&d, user("a before")).await?;
                let _ = written_tx.send(());
                let _ = closed_rx.await;
                let through_conn = User::acreate(&tx_conn, user("a conn")).await.map(drop);
                let through_db = User::acreate(&d, user("a db")).await.map(drop);
                let nested = d.atomic().run(|_| async { User::acreate(&d, user("a nested")).await.map(drop) }).await;
                Ok::<_, Error>((through_conn, through_db, nested))
            })
            .await
    });
    let closer = async move {
        let _ = written_rx.await;
        d2.close_pool().await;
        let during = User::acreate(&d2, user("b during")).await.map(drop);
        let _ = closed_tx.send(());
        during
    };
    let (outcome, during) = tokio::time::timeout(LIMIT, async { tokio::join!(block, closer) }).await.expect("no hang");
    let stored = user_names(&db).await?;
    match &outcome {
        Ok(inner) => assert_eq!(stored.len(), 4, "the block committed, all of it? {inner:?} {stored:?}"),
        Err(_) => assert!(
            stored.is_empty() || stored == ["b during"],
            "the block failed ({outcome:?}) but kept part of it: {stored:?} (b during: {during:?})"
        ),
    }
    assert!(matches!(during, Err(Error::PoolClosed)), "the joined future is in the block: {during:?}");
    let again = User::acreate(&db, user("after")).await;
    assert!(again.is_ok(), "{again:?}");
    Ok(())
}

/// close_pool from another task while this task's block is open: the
/// block either commits all of it (on its old connection) or fails and
/// keeps nothing; the pool settles afterwards.
pub async fn close_pool_from_another_task_is_all_or_nothing<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return Ok(());
    }
    let db = users_db::<T>(Config::default().pool_size(2)).await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("before")).await?;
    let other = db.clone();
    tokio::spawn(async move { other.close_pool().await }).await.expect("closer");
    let after = User::acreate(&db, user("after")).await.map(drop);
    let in_tx = db.in_transaction();
    let committed = tx.commit().await;
    let stored = user_names(&db).await?;
    match (&after, &committed) {
        (Ok(()), Ok(())) => assert_eq!(stored, ["after", "before"]),
        _ => assert!(stored.is_empty(), "after={after:?} commit={committed:?} stored={stored:?}"),
    }
    assert!(in_tx, "the block was open");
    let status = settled_pool_status(&db).await;
    assert_eq!(status.open, status.idle, "{status:?}");
    Ok(())
}

/// A killed connection inside a nested savepoint: nothing through any
/// handle autocommits, and the task recovers once the guards end.
pub async fn lost_connection_in_a_nested_block_refuses_everything<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return Ok(());
    }
    let db = users_db::<T>(Config::default().pool_size(2)).await?;
    let conn = db.aconnect().await?;
    // No write before the kill: SQLite's kill (a replaced file) shows at
    // the write that opens the journal.
    let outer = db.atomic().await?;
    let inner = outer.atomic().await?;
    if !T::kill_connection(&conn).await {
        return Ok(());
    }
    let mut outcomes = Vec::new();
    outcomes.push(("db", User::acreate(&db, user("db")).await.map(drop)));
    outcomes.push(("conn", User::acreate(&conn, user("conn")).await.map(drop)));
    outcomes.push(("inner", User::acreate(&inner, user("via inner")).await.map(drop)));
    let query = User::select();
    let mut stream = db.iterate(&query);
    outcomes.push(("stream", stream.next().await.transpose().map(drop)));
    drop(stream);
    outcomes.push(("inner commit", inner.commit().await));
    outcomes.push(("outer after inner", User::acreate(&outer, user("via outer")).await.map(drop)));
    outcomes.push(("outer commit", outer.commit().await));
    let stored = user_names(&db).await?;
    for (what, outcome) in &outcomes {
        assert!(outcome.is_err(), "{what} succeeded after the connection was lost: stored {stored:?}");
    }
    assert!(!stored.iter().any(|n| n.starts_with("via") || n == "db" || n == "conn"), "{stored:?}");
    assert!(User::acreate(&conn, user("recovered")).await.is_ok());
    drop(conn);
    let status = settled_pool_status(&db).await;
    assert_eq!(status.open, status.idle, "{status:?}");
    Ok(())
}
