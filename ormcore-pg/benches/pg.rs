//! ormcore-pg against raw tokio-postgres, side by side in one run, as
//! ratios, on the server named by `ORMCORE_PG_URL` (default
//! `postgresql://postgres@127.0.0.1:5432/test`), in a schema of its own.
//!
//! Raw tokio-postgres uses prepared statements on a deadpool connection, as
//! a hand-written data layer would; the bulk insert uses the same strategy
//! on both sides (100 rows per prepared multi-row INSERT), so the ratio is
//! ormcore's overhead. `cargo bench -p ormcore-pg [filter]`; pin it with
//! `taskset -c 0` for the one-core figures.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod, Runtime};
use ormcore::prelude::*;
use ormcore_pg::{PgDatabase, PgOptions};
use tokio_postgres::NoTls;

#[path = "../../bench-support/common.rs"]
#[allow(dead_code)]
mod common;

use common::{Item, ROWS, fan_out, human, median, new_item, time};

const COLUMNS: &str = "\"id\", \"name\", \"value\", \"score\", \"active\"";

fn item_from_row(row: &tokio_postgres::Row) -> Item {
    Item { id: row.get(0), name: row.get(1), value: row.get(2), score: row.get(3), active: row.get(4) }
}

fn url() -> String {
    std::env::var("ORMCORE_PG_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned())
}

struct Raw {
    pool: Pool,
}

impl Raw {
    async fn point(&self, id: i64) -> Item {
        let client = self.pool.get().await.expect("connection");
        let stmt =
            client.prepare_cached(&format!("SELECT {COLUMNS} FROM \"item\" WHERE \"id\" = $1")).await.expect("prepare");
        item_from_row(&client.query_one(&stmt, &[&id]).await.expect("row"))
    }

    async fn range(&self, low: i64, high: i64) -> Vec<Item> {
        let client = self.pool.get().await.expect("connection");
        let stmt = client
            .prepare_cached(&format!("SELECT {COLUMNS} FROM \"item\" WHERE \"id\" BETWEEN $1 AND $2"))
            .await
            .expect("prepare");
        client.query(&stmt, &[&low, &high]).await.expect("rows").iter().map(item_from_row).collect()
    }

    /// Every row of the table, read as the driver streams them.
    async fn stream_all(&self) -> u64 {
        let client = self.pool.get().await.expect("connection");
        let stmt = client.prepare_cached(&format!("SELECT {COLUMNS} FROM \"item\"")).await.expect("prepare");
        let rows = client.query_raw(&stmt, std::iter::empty::<i64>()).await.expect("query");
        let mut rows = std::pin::pin!(rows);
        let mut n = 0;
        while let Some(row) = std::future::poll_fn(|cx| futures_core::Stream::poll_next(rows.as_mut(), cx)).await {
            black_box(item_from_row(&row.expect("row")));
            n += 1;
        }
        n
    }

    async fn bulk_insert(&self, items: &[Item]) {
        let mut client = self.pool.get().await.expect("connection");
        let tx = client.transaction().await.expect("begin");
        for chunk in items.chunks(100) {
            let mut sql = String::from("INSERT INTO \"item\" (\"name\", \"value\", \"score\", \"active\") VALUES ");
            let mut params: Vec<&(dyn tokio_postgres::types::ToSql + Sync)> = Vec::with_capacity(chunk.len() * 4);
            for (i, item) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                let n = i * 4;
                sql.push_str(&format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4));
                params.push(&item.name);
                params.push(&item.value);
                params.push(&item.score);
                params.push(&item.active);
            }
            sql.push_str(" RETURNING \"id\"");
            let stmt = tx.prepare_cached(&sql).await.expect("prepare");
            black_box(tx.query(&stmt, &params).await.expect("insert"));
        }
        tx.commit().await.expect("commit");
    }
}

/// Throughput of a fan-out (ops per second, median of `runs`) and the
/// latency percentiles of its median run.
async fn throughput<F, Fut>(runs: usize, mut run: F) -> (f64, String)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Vec<u64>>,
{
    let mut results = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let mut latencies = run().await;
        let ops = latencies.len() as f64 / started.elapsed().as_secs_f64();
        latencies.sort_unstable();
        let at = |q: f64| human(latencies[((latencies.len() - 1) as f64 * q) as usize] as f64);
        results.push((ops, format!("p50 {} p99 {} max {}", at(0.5), at(0.99), at(1.0))));
    }
    results.sort_by(|a, b| a.0.total_cmp(&b.0));
    results.swap_remove(results.len() / 2)
}

fn row(name: &str, raw: f64, orm: f64) {
    println!("{name:<34} {:>12} {:>12} {:>9.3}x", human(raw), human(orm), orm / raw);
}

/// Peak resident memory since the last reset, and now, in KiB (Linux).
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| status.lines().find(|l| l.starts_with(name))?.split_whitespace().nth(1)?.parse().ok();
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

async fn bench(filter: Option<String>) {
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let schema = format!("ormcore_bench_{}", std::process::id());
    let admin = PgDatabase::connect(PgOptions::from_url(&url()).expect("url").pool_size(1)).await.expect("connect");
    admin.aexecute_sql(&format!("DROP SCHEMA IF EXISTS \"{schema}\" CASCADE"), vec![]).await.expect("drop");
    admin.aexecute_sql(&format!("CREATE SCHEMA \"{schema}\""), vec![]).await.expect("create schema");

    let options = PgOptions::from_url(&url()).expect("url").search_path(schema.clone()).pool_size(8).pool_min_size(8);
    let db = PgDatabase::connect(options.clone()).await.expect("connect");
    let shared_db = PgDatabase::connect(options.pipeline(true)).await.expect("connect");
    db.acreate_tables(&[Item::META]).await.expect("create table");
    let mut items: Vec<Item> = (0..ROWS).map(new_item).collect();
    Item::abulk_create(&db, &mut items).await.expect("seed");

    let mut config: tokio_postgres::Config = url().parse().expect("url");
    config.options(format!("-c search_path={schema}"));
    let manager = Manager::from_config(config, NoTls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
    let pool = Pool::builder(manager).max_size(8).runtime(Runtime::Tokio1).build().expect("pool");
    let raw = Arc::new(Raw { pool });

    println!("{:<34} {:>12} {:>12} {:>10}", "workload", "raw", "ormcore", "ratio");
    if wanted("point") {
        const OPS: u64 = 5_000;
        let (mut r, mut o) = (Vec::new(), Vec::new());
        for round in 0..9 {
            let id = |i: u64| (i as i64 * 7919 + round) % ROWS + 1;
            // Alternate who goes first, so that warm-up and drift hit both.
            let raw_run = || {
                time(OPS, async {
                    for i in 0..OPS {
                        black_box(raw.point(id(i)).await);
                    }
                })
            };
            let orm_run = || {
                time(OPS, async {
                    for i in 0..OPS {
                        black_box(Item::aget_by_id(&db, id(i)).await.expect("get"));
                    }
                })
            };
            if round % 2 == 0 {
                r.push(raw_run().await);
                o.push(orm_run().await);
            } else {
                o.push(orm_run().await);
                r.push(raw_run().await);
            }
        }
        row("point select by pk", median(r), median(o));
    }
    if wanted("raw-sql") {
        // Raw SQL may change the session, so the connection is reset (one
        // round trip, on a task of its own) before its next user: what that
        // costs a sequence of raw point selects, against the raw driver.
        const OPS: u64 = 2_000;
        let sql = format!("SELECT {COLUMNS} FROM \"item\" WHERE \"id\" = ?");
        let (mut r, mut o) = (Vec::new(), Vec::new());
        for round in 0..9 {
            let id = |i: u64| (i as i64 * 7919 + round) % ROWS + 1;
            r.push(
                time(OPS, async {
                    for i in 0..OPS {
                        black_box(raw.point(id(i)).await);
                    }
                })
                .await,
            );
            o.push(
                time(OPS, async {
                    for i in 0..OPS {
                        black_box(db.aexecute_sql(&sql, vec![Value::Int(id(i))]).await.expect("raw"));
                    }
                })
                .await,
            );
        }
        row("raw-SQL point select (reset after)", median(r), median(o));
    }
    if wanted("100-row") {
        const OPS: u64 = 500;
        let (mut r, mut o) = (Vec::new(), Vec::new());
        for round in 0..9 {
            let low = |i: u64| (i as i64 * 97 + round) % (ROWS - 100) + 1;
            r.push(
                time(OPS, async {
                    for i in 0..OPS {
                        black_box(raw.range(low(i), low(i) + 99).await);
                    }
                })
                .await,
            );
            o.push(
                time(OPS, async {
                    for i in 0..OPS {
                        let q = Item::select().where_(Item::ID.between(low(i), low(i) + 99));
                        black_box(db.list(&q).await.expect("list"));
                    }
                })
                .await,
            );
        }
        row("100-row select into structs", median(r), median(o));
    }
    if wanted("10k-row") {
        const OPS: u64 = 5;
        let (mut r, mut o) = (Vec::new(), Vec::new());
        for _ in 0..9 {
            r.push(
                time(OPS, async {
                    for _ in 0..OPS {
                        black_box(raw.range(1, ROWS).await);
                    }
                })
                .await,
            );
            o.push(
                time(OPS, async {
                    for _ in 0..OPS {
                        black_box(db.list(&Item::select().where_(Item::ID.between(1, ROWS))).await.expect("list"));
                    }
                })
                .await,
            );
        }
        row("10k-row select into structs", median(r), median(o));
    }
    if wanted("bulk") {
        let (mut r, mut o) = (Vec::new(), Vec::new());
        for _ in 0..5 {
            let fresh: Vec<Item> = (0..ROWS).map(new_item).collect();
            let mut mine = fresh.clone();
            r.push(time(1, raw.bulk_insert(&fresh)).await);
            o.push(time(1, async { Item::abulk_create(&db, &mut mine).await.expect("bulk") }).await);
            db.aexecute(&Item::delete().where_(Item::ID.gt(ROWS))).await.expect("trim");
        }
        row("bulk insert 10k rows (1 tx)", median(r), median(o));
    }
    if wanted("concurrent") {
        let (raw_ops, raw_latency) = throughput(5, || {
            fan_out(raw.clone(), |raw, id| async move {
                black_box(raw.point(id).await);
            })
        })
        .await;
        let (orm_ops, orm_latency) = throughput(5, || {
            fan_out(db.clone(), |db, id| async move {
                black_box(Item::aget_by_id(&db, id).await.expect("get"));
            })
        })
        .await;
        let (shared_ops, shared_latency) = throughput(5, || {
            fan_out(shared_db.clone(), |db, id| async move {
                black_box(Item::aget_by_id(&db, id).await.expect("get"));
            })
        })
        .await;
        println!("32 tasks, pool of 8, point selects (throughput, higher is better; latency per select)");
        println!("  {:<32} {raw_ops:>9.0}/s {:>10} {raw_latency}", "raw tokio-postgres on deadpool", "1.000x");
        println!(
            "  {:<32} {orm_ops:>9.0}/s {:>9.3}x {orm_latency}",
            "ormcore (pooled, the default)",
            orm_ops / raw_ops
        );
        println!(
            "  {:<32} {shared_ops:>9.0}/s {:>9.3}x {shared_latency}",
            "ormcore, pipeline(true)",
            shared_ops / raw_ops
        );
        // The ceiling for sharing connections among autocommit statements:
        // the same 32 tasks on one (or two) pipelined tokio-postgres
        // clients, no pool.
        for clients in [1usize, 2] {
            let mut shared = Vec::new();
            for _ in 0..clients {
                let (client, connection) = tokio_postgres::connect(&url(), NoTls).await.expect("connect");
                tokio::spawn(connection);
                client.batch_execute(&format!("SET search_path TO {schema}")).await.expect("search_path");
                let sql = format!("SELECT {COLUMNS} FROM \"item\" WHERE \"id\" = $1");
                let stmt = client.prepare(&sql).await.expect("prepare");
                shared.push(Arc::new((client, stmt)));
            }
            let shared = Arc::new(shared);
            let (ops, latency) = throughput(5, || {
                fan_out(shared.clone(), |shared, id| async move {
                    let (client, stmt) = &*shared[id as usize % shared.len()];
                    black_box(item_from_row(&client.query_one(stmt, &[&id]).await.expect("row")));
                })
            })
            .await;
            let label = format!("raw, {clients} pipelined client(s)");
            println!("  {label:<32} {ops:>9.0}/s {:>9.3}x {latency}", ops / raw_ops);
        }
    }
    if wanted("stream") {
        const STREAMED: i64 = 1_000_000;
        db.aexecute_sql(
            "INSERT INTO \"item\" (\"name\", \"value\", \"score\", \"active\") \
             SELECT 'streamed ' || n, n, n / 3.0, n % 2 = 0 FROM generate_series(1, ?) AS n",
            vec![Value::Int(STREAMED)],
        )
        .await
        .expect("seed 1M rows");
        // Raw: one query whose rows tokio-postgres streams as they come,
        // the floor for reading a result row by row. ormcore: a cursor,
        // `buffer_size` rows per FETCH, at the default (100) and at 1000.
        let (mut r, mut o100, mut o1000) = (Vec::new(), Vec::new(), Vec::new());
        let mut peaks = Vec::new();
        for _ in 0..3 {
            r.push(
                time(STREAMED as u64, async { assert_eq!(raw.stream_all().await, STREAMED as u64 + ROWS as u64) })
                    .await,
            );
            for (buffer, times) in [(100, &mut o100), (1000, &mut o1000)] {
                let _ = std::fs::write("/proc/self/clear_refs", "5");
                let before = memory();
                times.push(
                    time(STREAMED as u64, async {
                        let mut stream = db.iterate(&Item::select()).buffer_size(buffer);
                        let mut n = 0u64;
                        while let Some(item) = stream.next().await {
                            black_box(item.expect("row"));
                            n += 1;
                        }
                        assert_eq!(n, STREAMED as u64 + ROWS as u64);
                    })
                    .await,
                );
                if let (Some((rss, _)), Some((_, peak))) = (before, memory()) {
                    peaks.push((buffer, peak.saturating_sub(rss) as f64 / 1024.0));
                }
            }
        }
        row("stream 1M rows, buffer 100 (/row)", median(r.clone()), median(o100));
        row("stream 1M rows, buffer 1000 (/row)", median(r), median(o1000));
        for (buffer, peak) in peaks.iter().take(2) {
            println!("  peak RSS while streaming, buffer {buffer}: +{peak:.1} MiB");
        }
    }
    db.close_pool().await;
    shared_db.close_pool().await;
    admin.aexecute_sql(&format!("DROP SCHEMA \"{schema}\" CASCADE"), vec![]).await.expect("drop schema");
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(bench(filter));
}
