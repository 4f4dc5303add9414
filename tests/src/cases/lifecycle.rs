//! Nothing lost, nothing leaked: what happens to a connection when the
//! futures, guards and streams that hold it end abnormally.

use std::time::Duration;

use ormcore::prelude::*;

use crate::harness::{Config, TestDb, settled_pool_status, user_names};
use crate::models::{Counter, User, user};

async fn seed<T: TestDb>(config: Config) -> Result<Database<T::Backend>> {
    let db = T::open(config).await;
    db.acreate_tables(&[Counter::META, User::META]).await?;
    let mut counters: Vec<Counter> =
        (0..50).map(|i| Counter { name: format!("c{i:02}"), value: i, ..Counter::default() }).collect();
    Counter::abulk_create(&db, &mut counters).await?;
    Ok(db)
}

/// Read one row of a stream on `executor`, then drop the stream half-way.
async fn read_one<E: Executor>(executor: &E) -> Result<()> {
    let mut stream = executor.iterate(&Counter::select().order_by(Counter::VALUE)).buffer_size(5);
    stream.next().await.expect("a row")?;
    Ok(())
}

/// Streams opened on a bound connection (a task's scope, a transaction, a
/// `Connection` handle) give it back: tasks that each leave a stream
/// half-read on their own connection do not drain the pool.
pub async fn streams_on_bound_connections_come_back<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default().pool_size(2).acquire_timeout(Duration::from_secs(2))).await?;
    for round in 0..3 {
        let tasks: Vec<_> = (0..2)
            .map(|i| {
                let db = db.clone();
                tokio::spawn(async move {
                    match (round + i) % 3 {
                        0 => {
                            let _scope = db.aconnect().await?;
                            read_one(&db).await
                        }
                        1 => {
                            let tx = db.atomic().await?;
                            read_one(&tx).await?;
                            tx.commit().await
                        }
                        _ => {
                            let conn = db.aconnect().await?;
                            read_one(&conn).await
                        }
                    }
                })
            })
            .collect();
        for task in tasks {
            task.await.expect("the task ran")?;
        }
    }
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "every connection is back in the pool: {status:?}");
    assert_eq!(db.count(&Counter::select()).await?, 50);
    Ok(())
}

/// A transaction guard dropped while a stream on its connection is open:
/// once the stream is gone the transaction is rolled back and its locks are
/// free, although the task keeps its connection.
pub async fn guard_dropped_during_stream_rolls_back<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default().pool_size(2)).await?;
    let conn = db.aconnect().await?;
    let tx = conn.atomic().await?;
    User::acreate(&tx, user("abandoned")).await?;
    let mut stream = conn.iterate(&Counter::select()).buffer_size(5);
    stream.next().await.expect("a row")?;
    drop(tx);
    drop(stream);
    if T::SINGLE_CONNECTION {
        assert!(!conn.in_transaction());
        assert!(user_names(&conn).await?.is_empty());
        return Ok(());
    }
    // Another task writes the row the abandoned transaction had written: it
    // must not wait for that transaction's locks.
    let other = db.clone();
    let write = tokio::spawn(async move { User::acreate(&other, user("abandoned")).await });
    let written = tokio::time::timeout(Duration::from_secs(3), write).await;
    written.expect("the abandoned transaction still holds its locks").expect("the task ran")?;
    assert!(!conn.in_transaction());
    assert_eq!(user_names(&conn).await?, ["abandoned"]);
    drop(conn);
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "every connection is back in the pool: {status:?}");
    Ok(())
}

/// `close_pool` reaches a connection a stream held: after the task that
/// streamed ends, nothing stays checked out.
pub async fn close_pool_after_streams<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default().pool_size(2)).await?;
    let other = db.clone();
    tokio::spawn(async move {
        let tx = other.atomic().await?;
        User::acreate(&tx, user("never committed")).await?;
        read_one(&other).await
    })
    .await
    .expect("the task ran")?;
    assert!(user_names(&db).await?.is_empty());
    db.close_pool().await;
    assert_eq!(db.pool_status().open, 0, "every connection was closed");
    Ok(())
}

/// A savepoint's guard that outlives the block around it cannot write: that
/// block's transaction was rolled back (its guard dropped, or its commit
/// refused because the savepoint was still open), and the write would
/// autocommit. Nothing of either block is committed.
pub async fn inner_guard_is_refused_after_outer_ends<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default()).await?;
    let outer = db.atomic().await?;
    let inner = outer.atomic().await?;
    drop(outer);
    let written = User::acreate(&inner, user("after a dropped outer block")).await;
    assert!(matches!(written, Err(Error::Operational { .. })), "{written:?}");
    drop(inner);

    let outer = db.atomic().await?;
    let inner = db.atomic().await?;
    User::acreate(&inner, user("inside")).await?;
    assert!(outer.commit().await.is_err(), "committing under an open nested block is refused");
    let written = User::acreate(&inner, user("after a refused commit")).await;
    assert!(written.is_err(), "{written:?}");
    let _ = inner.rollback().await;
    // Every guard is gone: what a fresh statement sees is committed.
    assert!(user_names(&db).await?.is_empty());
    Ok(())
}

/// Two futures joined in one task: one writes through the outer block's
/// handle while the other has a savepoint open. The write is refused (it
/// would land in the other's savepoint and vanish with its rollback), or,
/// if it was acknowledged, it is committed.
pub async fn joined_savepoint_never_undoes_an_acknowledged_write<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default()).await?;
    let tx = db.atomic().await?;
    let (written, rolled) = tokio::join!(
        async {
            tokio::time::sleep(Duration::from_millis(20)).await;
            User::acreate(&tx, user("acknowledged")).await.map(drop)
        },
        async {
            let savepoint = db.atomic().await?;
            tokio::time::sleep(Duration::from_millis(80)).await;
            savepoint.rollback().await
        }
    );
    rolled?;
    tx.commit().await?;
    let names = user_names(&db).await?;
    match written {
        // A statement through a block's handle runs only while that block
        // is the innermost one: here it would have gone into the other
        // future's savepoint.
        Err(Error::Interface(message)) => assert!(message.contains("nested"), "{message}"),
        Err(other) => panic!("unexpected error: {other:?}"),
        Ok(()) => assert!(names.contains(&"acknowledged".to_owned()), "an acknowledged write vanished: {names:?}"),
    }
    Ok(())
}
