//! Row locks (`FOR UPDATE` / `FOR SHARE`, `NOWAIT`, `SKIP LOCKED`): the
//! job-queue read, where the dialect has them; a clear `Unsupported` where
//! it does not (SQLite, which locks the whole database instead).

use std::time::{Duration, Instant};

use ormcore::prelude::*;
use ormcore::query::RowLock;
use ormcore::{ConflictKind, Error};

use crate::harness::{TestDb, open};
use crate::models::Counter;

fn job(name: &str) -> Counter {
    Counter { id: 0, name: name.into(), value: 0 }
}

/// The first pending job.
fn next() -> Select<Counter> {
    Counter::select().where_(Counter::VALUE.eq(0)).order_by(Counter::ID).limit(1)
}

fn by_id(id: i64) -> Select<Counter> {
    Counter::select().where_(Counter::ID.eq(id))
}

/// `query` run as another worker would: on a task of its own (so on a
/// connection of its own), in a transaction that ends with the read; with
/// how long it took.
async fn elsewhere<B: ormcore::backend::Backend>(
    db: &Database<B>,
    query: Select<Counter>,
) -> Result<(Result<Option<Counter>>, Duration)> {
    let db = db.clone();
    tokio::spawn(async move {
        let _tx = db.atomic().await?;
        let started = Instant::now();
        let read = db.first(&query).await;
        Ok((read, started.elapsed()))
    })
    .await
    .expect("the other worker")
}

/// A row lock that fails at once rather than waiting is a lock conflict.
fn assert_lock_conflict<T: std::fmt::Debug>((result, took): (Result<T>, Duration)) {
    let error = result.expect_err("the row is held by another transaction");
    assert_eq!(error.conflict_kind(), Some(ConflictKind::LockTimeout), "{error:?}");
    assert!(took < Duration::from_secs(5), "NOWAIT waited {took:?}");
}

/// Two workers on one queue: the first holds its job `FOR UPDATE`; the
/// second, in a transaction of its own, skips it (`SKIP LOCKED`) and gets
/// the next one, and fails at once on the held one with `NOWAIT` (a
/// `LockTimeout` conflict). Once the first commits, the row is free. Share
/// locks share with each other and not with an update lock.
pub async fn row_locks_for_a_job_queue<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Counter::META]).await?;
    let dialect = db.dialect();
    if let Err(error) = ormcore::sql::compile_select(next().for_update().node(), dialect) {
        assert!(matches!(error, Error::Unsupported { .. }), "{error:?}");
        let refused = db.first(&next().for_update()).await;
        assert!(matches!(refused, Err(Error::Unsupported { feature, .. }) if feature.contains("FOR UPDATE")));
        return Ok(());
    }
    for name in ["a", "b", "c"] {
        Counter::acreate(&db, job(name)).await?;
    }

    let holder = db.atomic().await?;
    let held = db.first(&next().for_update()).await?.expect("a pending job");
    assert_eq!(held.name, "a");
    let id = held.id;
    let (skipped, _) = elsewhere(&db, next().lock(RowLock::update().skip_locked())).await?;
    assert_eq!(skipped?.map(|job| job.name).as_deref(), Some("b"), "SKIP LOCKED passes over the held job");
    assert_lock_conflict(elsewhere(&db, by_id(id).lock(RowLock::update().nowait())).await?);
    Counter::update().set(Counter::VALUE, 1).where_(Counter::ID.eq(id)).aexecute(&db).await?;
    holder.commit().await?;

    let tx = db.atomic().await?;
    let free = db.first(&by_id(id).lock(RowLock::update().nowait())).await?;
    assert_eq!(free.map(|job| job.value), Some(1), "free once its holder committed");
    tx.commit().await?;

    if !T::SHARE_LOCKS {
        return Ok(());
    }
    let sharer = db.atomic().await?;
    db.first(&by_id(id).for_share()).await?.expect("the row");
    let (shared, _) = elsewhere(&db, by_id(id).lock(RowLock::share().nowait())).await?;
    assert!(shared?.is_some(), "share locks share");
    assert_lock_conflict(elsewhere(&db, by_id(id).lock(RowLock::update().nowait())).await?);
    sharer.commit().await?;
    Ok(())
}
