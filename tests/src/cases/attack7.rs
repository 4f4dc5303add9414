//! Attacks on issue 7 ("correct results"): each case names the hole it
//! proves.

#![allow(missing_docs)]

use ormcore::prelude::*;

use crate::harness::{Config, TestDb, open, user_names, users_db};
use crate::models::{User, user};

/// `close_pool()` inside an `atomic().run` block: the block's writes
/// before the close are rolled back, but the ones after it run through the
/// database "outside any scope" and autocommit, and then the block reports
/// failure. Half a transaction is kept: the block is neither all nor
/// nothing. (A lost connection refuses statements until the block ends;
/// a closed pool should do the same.)
pub async fn close_pool_inside_atomic_run_keeps_half_the_block<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        // The in-memory database goes with its pool.
        return Ok(());
    }
    let db = users_db::<T>(Config::default().pool_size(2)).await?;
    let inner = db.clone();
    let outcome: Result<()> = db
        .atomic()
        .run(|_conn| async move {
            User::acreate(&inner, user("before close")).await?;
            inner.close_pool().await;
            User::acreate(&inner, user("after close")).await?;
            Ok(())
        })
        .await;
    let stored = user_names(&db).await?;
    match &outcome {
        Ok(()) => assert_eq!(stored, ["after close", "before close"], "the block committed: all of it"),
        Err(_) => assert!(stored.is_empty(), "the block failed ({outcome:?}) but kept part of its work: {stored:?}"),
    }
    Ok(())
}

/// Declared defaults of date types reach the database on the builder path
/// (`Insert::new()` with the column left out, where the table's DDL
/// default applies), and decode back.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Stamp {
    pub id: i64,
    pub label: String,
    #[orm(default_now)]
    pub at: chrono::NaiveDateTime,
    #[orm(default_now)]
    pub maybe_at: Option<chrono::DateTime<chrono::Utc>>,
    #[orm(default = 0.1)]
    pub ratio: f32,
    #[orm(default = -3)]
    pub offset: i32,
}

pub async fn default_now_dates_via_the_builder_decode<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Stamp::META]).await?;
    let made = Stamp::acreate(&db, Stamp { label: "made".into(), ..Stamp::default() }).await?;
    let stored = Stamp::aget_by_id(&db, made.id).await?;
    assert_eq!(stored, made, "acreate stores exactly what the model holds");
    Stamp::insert().set(Stamp::LABEL, "built").aexecute(&db).await?;
    let built = db.get(&Stamp::select().where_(Stamp::LABEL.eq("built"))).await?;
    assert!(built.maybe_at.is_some());
    assert_eq!(built.ratio, 0.1f32, "f32 default through the DDL");
    assert_eq!(built.offset, -3);
    Ok(())
}

/// An `i32` auto-increment key.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Small {
    pub id: i32,
    #[orm(default = "x")]
    pub name: String,
}

/// An `i32` key: the builder, `acreate` and `abulk_create` report and set
/// the keys of the rows they inserted.
pub async fn i32_keys_are_reported<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Small::META]).await?;
    let built = Small::insert().set(Small::NAME, "built").aexecute(&db).await?;
    let created = Small::acreate(&db, Small { name: "created".into(), ..Small::default() }).await?;
    let mut bulk =
        vec![Small { name: "b1".into(), ..Small::default() }, Small { name: "b2".into(), ..Small::default() }];
    Small::abulk_create(&db, &mut bulk).await?;
    let stored = db.list(&Small::select().order_by(Small::ID)).await?;
    let ids: Vec<(i32, String)> = stored.iter().map(|s| (s.id, s.name.clone())).collect();
    assert_eq!(built.map(|k| k as i32), Some(ids[0].0));
    assert_eq!(created.id, ids[1].0);
    assert_eq!((bulk[0].id, bulk[1].id), (ids[2].0, ids[3].0));
    Ok(())
}

/// A `NaiveDate` field with `default_now`: its DDL default is
/// `CURRENT_TIMESTAMP`, which SQLite writes as `YYYY-MM-DD HH:MM:SS` into
/// the date column, so a row the builder inserted with the column left out
/// (the documented way to let the table's default apply) cannot be read.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Day {
    pub id: i64,
    pub label: String,
    #[orm(default_now)]
    pub day: chrono::NaiveDate,
    #[orm(default_now)]
    pub clock: Option<chrono::NaiveTime>,
}

pub async fn default_now_date_via_the_builder_decodes<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Day::META]).await?;
    let made = Day::acreate(&db, Day { label: "made".into(), ..Day::default() }).await?;
    Day::insert().set(Day::LABEL, "built").aexecute(&db).await?;
    let built = db.get(&Day::select().where_(Day::LABEL.eq("built"))).await?;
    // (Or tomorrow, if midnight UTC passed in between.)
    assert!(built.day == made.day || made.day.succ_opt() == Some(built.day), "the builder's DDL default is today too");
    assert!(built.clock.is_some(), "and the time of day decodes");
    Ok(())
}

/// `close_pool()` with a stream of the caller's open inside the caller's
/// transaction block: the connection is out with the stream, so its
/// transaction ends when the stream gives it back. Meanwhile the caller's
/// statements are refused at once (before, the next write ran outside any
/// scope on the new pool and waited on its own old transaction's lock:
/// forever, on PostgreSQL), and once the stream and the block are gone its
/// next write runs, the old locks released.
pub async fn close_pool_with_a_stream_open_releases_the_transaction<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return Ok(());
    }
    let db = users_db::<T>(Config::default().pool_size(3)).await?;
    User::acreate(&db, user("seed 1")).await?;
    User::acreate(&db, user("seed 2")).await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("caller")).await?;
    let query = User::select().order_by(User::NAME);
    let mut stream = db.iterate(&query).buffer_size(1);
    let first = stream.next().await.expect("a row")?;
    assert_eq!(first.name, "caller");
    db.close_pool().await;
    let limit = std::time::Duration::from_secs(3);
    let refused = tokio::time::timeout(limit, User::acreate(&db, user("caller"))).await;
    assert!(matches!(refused, Ok(Err(Error::PoolClosed))), "refused while the block is open: {refused:?}");
    drop(stream);
    drop(tx);
    let again = tokio::time::timeout(limit, User::acreate(&db, user("caller"))).await;
    assert!(matches!(again, Ok(Ok(_))), "the caller's old transaction still holds its locks: {again:?}");
    assert_eq!(user_names(&db).await?, ["caller", "seed 1", "seed 2"], "the closed block's write was rolled back");
    Ok(())
}
