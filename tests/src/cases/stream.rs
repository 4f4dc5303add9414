//! Streaming with `iterate`: batches, early drop, and what happens to a
//! query on the connection a stream holds.

use std::time::Duration;

use ormcore::prelude::*;

use crate::harness::{Config, TestDb, open};
use crate::models::{Counter, User, user};

async fn seed<T: TestDb>(config: Config, rows: usize) -> Result<Database<T::Backend>> {
    let db = T::open(config).await;
    db.acreate_tables(&[Counter::META, User::META]).await?;
    let mut counters: Vec<Counter> =
        (0..rows).map(|i| Counter { name: format!("c{i:05}"), value: i as i64, ..Counter::default() }).collect();
    Counter::abulk_create(&db, &mut counters).await?;
    Ok(db)
}

/// Every row arrives once, in order, whatever the batch size; the
/// connection returns to the pool when the stream ends.
pub async fn iterate_in_batches<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default(), 1000).await?;
    // usize::MAX: a hostile size is capped, not a capacity overflow.
    for buffer in [1, 7, 100, 5000, usize::MAX] {
        let mut stream = db.iterate(&Counter::select().order_by(Counter::VALUE)).buffer_size(buffer);
        let mut expected = 0;
        while let Some(counter) = stream.next().await {
            assert_eq!(counter?.value, expected);
            expected += 1;
        }
        assert_eq!(expected, 1000);
    }
    let status = crate::harness::settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "every connection is back");
    Ok(())
}

/// Dropping a stream half-way releases its connection at once.
pub async fn dropped_stream_releases_connection<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default().pool_size(1), 300).await?;
    let mut stream = db.iterate(&Counter::select()).buffer_size(10);
    for _ in 0..15 {
        stream.next().await.expect("a row")?;
    }
    drop(stream);
    assert_eq!(db.count(&Counter::select()).await?, 300);
    Ok(())
}

/// A query on the connection a stream holds fails with a clear error after
/// the grace period; it never hangs or interleaves. Once the stream is gone
/// the connection works again, and the stream itself was unaffected.
pub async fn query_during_stream_is_an_error<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default(), 50).await?;
    db.set_streaming_timeout(Duration::from_millis(100));
    let conn = db.aconnect().await?;
    let mut stream = db.iterate(&Counter::select().order_by(Counter::VALUE)).buffer_size(10);
    assert_eq!(stream.next().await.expect("first row")?.value, 0);
    let error = db.count(&Counter::select()).await.expect_err("the stream holds the connection");
    assert!(matches!(&error, Error::Interface(m) if m.contains("stream")), "{error:?}");
    assert!(error.to_string().contains("with_related"), "the error says what to do instead: {error}");
    let rest = stream.try_collect().await?;
    assert_eq!(rest.len(), 49);
    assert_eq!(db.count(&Counter::select()).await?, 50);
    conn.aclose().await?;
    Ok(())
}

/// A stream inside a transaction reads the transaction's own writes, and
/// the transaction goes on afterwards.
pub async fn stream_inside_transaction<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default(), 10).await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("streamed")).await?;
    let users = db.iterate(&User::select()).try_collect().await?;
    assert_eq!(users.len(), 1);
    User::acreate(&db, user("after")).await?;
    tx.rollback().await?;
    assert_eq!(db.count(&User::select()).await?, 0);
    Ok(())
}

/// A stream whose statement fails reports the error and gives the
/// connection back.
pub async fn failed_stream_releases_connection<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let conn = db.aconnect().await?;
    let mut stream = db.iterate(&ormcore::query::Raw::<i64>::new("SELECT * FROM missing_table", vec![]));
    assert!(stream.next().await.expect("an error").is_err());
    drop(stream);
    assert_eq!(db.aexecute_sql("SELECT 1", vec![]).await?.fetchall().len(), 1);
    conn.aclose().await?;
    Ok(())
}

/// A stream whose last batch came in gives its connection back at once,
/// while its buffered rows are still being read.
pub async fn exhausted_stream_releases_connection<T: TestDb>() -> Result<()> {
    let db = seed::<T>(Config::default(), 50).await?;
    db.set_streaming_timeout(Duration::from_millis(100));
    let conn = db.aconnect().await?;
    let mut stream = db.iterate(&Counter::select().order_by(Counter::VALUE)).buffer_size(100);
    assert_eq!(stream.next().await.expect("a row")?.value, 0);
    assert_eq!(db.count(&Counter::select()).await?, 50, "the whole result is buffered: the connection is free");
    assert_eq!(stream.try_collect().await?.len(), 49);
    conn.aclose().await?;
    Ok(())
}
