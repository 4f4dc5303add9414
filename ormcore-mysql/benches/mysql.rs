//! ormcore-mysql against raw mysql_async, side by side in one run, as
//! ratios, on the server named by `ORMCORE_MYSQL_URL` (default
//! `mysql://root@127.0.0.1:3306/test`), in a database of its own.
//!
//! Raw mysql_async uses prepared statements (`exec_*`, from the driver's
//! statement cache) on a pool of 8 with `reset_connection` off, as a
//! hand-written data layer that cares about speed would; the bulk insert
//! uses the same strategy on both sides (multi-row INSERTs with
//! `RETURNING id` on MariaDB, inside one transaction), so the ratio is
//! ormcore's overhead; `bulk-as-mysql` does the same compiled for MySQL,
//! keys derived from each statement's insert id on both sides. The
//! concurrent workload also runs mysql_async with its default (a reset on
//! every return) and with one connection shared by every task, for scale.
//! `cargo bench -p ormcore-mysql [filter]`; pin it with `taskset -c 0` for
//! the one-core figures; `ORMCORE_BENCH_ONLY=raw` (or `orm`) runs one side,
//! for `valgrind --tool=callgrind`.

use std::hint::black_box;
use std::sync::Arc;
use std::time::Instant;

use mysql_async::prelude::Queryable;
use ormcore::prelude::*;
use ormcore_mysql::{MySqlDatabase, MySqlOptions};

#[path = "../../bench-support/common.rs"]
#[allow(dead_code)]
mod common;

use common::{Item, ROWS, fan_out, human, median, new_item, time};

const COLUMNS: &str = "`id`, `name`, `value`, `score`, `active`";

type RawRow = (i64, String, i64, f64, bool);

fn item(row: RawRow) -> Item {
    Item { id: row.0, name: row.1, value: row.2, score: row.3, active: row.4 }
}

fn url() -> String {
    std::env::var("ORMCORE_MYSQL_URL").unwrap_or_else(|_| "mysql://root@127.0.0.1:3306/test".to_owned())
}

/// `url()` naming `database`.
fn url_of(database: &str) -> String {
    let url = url();
    let (scheme, rest) = url.split_once("://").expect("a URL");
    let host = rest.split(['/', '?']).next().unwrap_or(rest);
    format!("{scheme}://{host}/{database}")
}

struct Raw {
    pool: mysql_async::Pool,
}

impl Raw {
    fn new(database: &str, reset: bool) -> Self {
        let opts = mysql_async::Opts::from_url(&url_of(database)).expect("url");
        let pool_opts = mysql_async::PoolOpts::default()
            .with_constraints(mysql_async::PoolConstraints::new(8, 8).expect("constraints"))
            .with_reset_connection(reset);
        let opts = mysql_async::OptsBuilder::from_opts(opts).pool_opts(pool_opts).stmt_cache_size(256);
        Raw { pool: mysql_async::Pool::new(opts) }
    }

    async fn point(&self, id: i64) -> Item {
        let mut conn = self.pool.get_conn().await.expect("connection");
        let sql = format!("SELECT {COLUMNS} FROM `item` WHERE `id` = ?");
        item(conn.exec_first(sql, (id,)).await.expect("query").expect("row"))
    }

    async fn range(&self, low: i64, high: i64) -> Vec<Item> {
        let mut conn = self.pool.get_conn().await.expect("connection");
        let sql = format!("SELECT {COLUMNS} FROM `item` WHERE `id` BETWEEN ? AND ?");
        conn.exec_map(sql, (low, high), item).await.expect("rows")
    }

    /// Multi-row INSERTs in one transaction; with `returning`, the keys
    /// come back as rows of `RETURNING id` (MariaDB), else they are derived
    /// from each statement's insert id (MySQL: consecutive keys, InnoDB in
    /// lock mode 1).
    async fn bulk_insert(&self, items: &[Item], returning: bool) {
        let mut conn = self.pool.get_conn().await.expect("connection");
        let mut tx = conn.start_transaction(mysql_async::TxOpts::default()).await.expect("begin");
        for chunk in items.chunks(100) {
            let mut sql = String::from("INSERT INTO `item` (`name`, `value`, `score`, `active`) VALUES ");
            let mut params: Vec<mysql_async::Value> = Vec::with_capacity(chunk.len() * 4);
            for (i, item) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str("(?, ?, ?, ?)");
                params.push(item.name.clone().into());
                params.push(item.value.into());
                params.push(item.score.into());
                params.push(item.active.into());
            }
            if returning {
                sql.push_str(" RETURNING `id`");
                let ids: Vec<i64> = tx.exec(sql, params).await.expect("insert");
                black_box(ids);
            } else {
                tx.exec_drop(sql, params).await.expect("insert");
                let first = tx.last_insert_id().expect("an insert id") as i64;
                black_box((first..first + chunk.len() as i64).collect::<Vec<i64>>());
            }
        }
        tx.commit().await.expect("commit");
    }
}

/// One connection that every task shares, taking turns: what sharing a
/// connection among autocommit statements, as ormcore's PostgreSQL
/// backend can, would give here. The MySQL protocol answers one command
/// at a time and mysql_async has no pipelining, so the turns are the best
/// it can do.
struct Shared {
    conn: tokio::sync::Mutex<mysql_async::Conn>,
}

impl Shared {
    async fn point(&self, id: i64) -> Item {
        let mut conn = self.conn.lock().await;
        let sql = format!("SELECT {COLUMNS} FROM `item` WHERE `id` = ?");
        item(conn.exec_first(sql, (id,)).await.expect("query").expect("row"))
    }
}

/// Operations per second of a fan-out, each of `runs`.
async fn throughput<F, Fut>(runs: usize, mut run: F) -> Vec<f64>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Vec<u64>>,
{
    let mut results = Vec::new();
    for _ in 0..runs {
        let started = Instant::now();
        let ops = run().await.len();
        results.push(ops as f64 / started.elapsed().as_secs_f64());
    }
    results
}

fn spread(samples: &[f64]) -> (f64, f64) {
    let min = samples.iter().copied().fold(f64::INFINITY, f64::min);
    let max = samples.iter().copied().fold(0.0, f64::max);
    (min, max)
}

/// One workload's line: medians and the ratio of medians, with the
/// spread of the per-round ratios.
fn row(name: &str, raw: Vec<f64>, orm: Vec<f64>) {
    if raw.is_empty() || orm.is_empty() {
        println!("{name:<30} (one side only: ORMCORE_BENCH_ONLY)");
        return;
    }
    let ratios: Vec<f64> = raw.iter().zip(&orm).map(|(r, o)| o / r).collect();
    let (low, high) = spread(&ratios);
    let (raw, orm) = (median(raw), median(orm));
    println!("{name:<30} {:>12} {:>12} {:>8.3}x  ({low:.3}-{high:.3})", human(raw), human(orm), orm / raw);
}

/// Which sides run: both, unless `ORMCORE_BENCH_ONLY=raw` (or `orm`) asks
/// for one, so that `valgrind --tool=callgrind` counts each side's
/// instructions alone.
fn sides() -> (bool, bool) {
    let only = std::env::var("ORMCORE_BENCH_ONLY").ok();
    (only.as_deref() != Some("orm"), only.as_deref() != Some("raw"))
}

/// Run `raw` and `orm` for `rounds`, alternating who goes first, so that
/// warm-up and drift hit both.
async fn side_by_side<R, O, RF, OF>(rounds: i64, raw: R, orm: O) -> (Vec<f64>, Vec<f64>)
where
    R: Fn(i64) -> RF,
    O: Fn(i64) -> OF,
    RF: std::future::Future<Output = f64>,
    OF: std::future::Future<Output = f64>,
{
    let (mut r, mut o) = (Vec::new(), Vec::new());
    let (run_raw, run_orm) = sides();
    for round in 0..rounds {
        if round % 2 == 0 {
            if run_raw {
                r.push(raw(round).await);
            }
            if run_orm {
                o.push(orm(round).await);
            }
        } else {
            if run_orm {
                o.push(orm(round).await);
            }
            if run_raw {
                r.push(raw(round).await);
            }
        }
    }
    (r, o)
}

/// Five rounds of inserting 10k rows on each side (`returning`: the raw
/// side reads keys through `RETURNING`), each followed by deleting them
/// through `db`.
async fn bulk_rounds(raw: &Raw, orm: &MySqlDatabase, db: &MySqlDatabase, returning: bool) -> (Vec<f64>, Vec<f64>) {
    let (mut r, mut o) = (Vec::new(), Vec::new());
    let (run_raw, run_orm) = sides();
    for _ in 0..5 {
        let fresh: Vec<Item> = (0..ROWS).map(new_item).collect();
        let mut mine = fresh.clone();
        if run_raw {
            r.push(time(1, raw.bulk_insert(&fresh, returning)).await);
        }
        if run_orm {
            o.push(time(1, async { Item::abulk_create(orm, &mut mine).batch_size(100).await.expect("bulk") }).await);
        }
        db.aexecute(&Item::delete().where_(Item::ID.gt(ROWS))).await.expect("trim");
    }
    (r, o)
}

async fn bench(filter: Option<String>) {
    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let database = format!("ormcore_bench_{}", std::process::id());
    let admin =
        MySqlDatabase::connect(MySqlOptions::from_url(&url()).expect("url").pool_size(1)).await.expect("connect");
    admin.aexecute_sql(&format!("CREATE DATABASE `{database}`"), vec![]).await.expect("create database");

    let options = MySqlOptions::from_url(&url_of(&database)).expect("url").pool_size(8).pool_min_size(8);
    let db = MySqlDatabase::connect(options).await.expect("connect");
    db.acreate_tables(&[Item::META]).await.expect("create table");
    let mut items: Vec<Item> = (0..ROWS).map(new_item).collect();
    Item::abulk_create(&db, &mut items).await.expect("seed");
    let raw = Arc::new(Raw::new(&database, false));

    println!("{:<30} {:>12} {:>12} {:>9}  (spread)", "workload", "raw", "ormcore", "ratio");
    if wanted("point") {
        const OPS: u64 = 5_000;
        let id = |round: i64, i: u64| (i as i64 * 7919 + round) % ROWS + 1;
        let (r, o) = side_by_side(
            9,
            |round| {
                let raw = raw.clone();
                time(OPS, async move {
                    for i in 0..OPS {
                        black_box(raw.point(id(round, i)).await);
                    }
                })
            },
            |round| {
                let db = db.clone();
                time(OPS, async move {
                    for i in 0..OPS {
                        black_box(Item::aget_by_id(&db, id(round, i)).await.expect("get"));
                    }
                })
            },
        )
        .await;
        row("point select by pk", r, o);
    }
    if wanted("100-row") {
        const OPS: u64 = 500;
        let low = |round: i64, i: u64| (i as i64 * 97 + round) % (ROWS - 100) + 1;
        let (r, o) = side_by_side(
            9,
            |round| {
                let raw = raw.clone();
                time(OPS, async move {
                    for i in 0..OPS {
                        black_box(raw.range(low(round, i), low(round, i) + 99).await);
                    }
                })
            },
            |round| {
                let db = db.clone();
                time(OPS, async move {
                    for i in 0..OPS {
                        let q = Item::select().where_(Item::ID.between(low(round, i), low(round, i) + 99));
                        black_box(db.list(&q).await.expect("list"));
                    }
                })
            },
        )
        .await;
        row("100-row select into structs", r, o);
    }
    if wanted("10k-row") {
        const OPS: u64 = 5;
        let (r, o) = side_by_side(
            9,
            |_| {
                let raw = raw.clone();
                time(OPS, async move {
                    for _ in 0..OPS {
                        black_box(raw.range(1, ROWS).await);
                    }
                })
            },
            |_| {
                let db = db.clone();
                time(OPS, async move {
                    for _ in 0..OPS {
                        black_box(db.list(&Item::select().where_(Item::ID.between(1, ROWS))).await.expect("list"));
                    }
                })
            },
        )
        .await;
        row("10k-row select into structs", r, o);
    }
    if wanted("bulk") {
        let (r, o) = bulk_rounds(&raw, &db, &db, true).await;
        row("bulk insert 10k rows (1 tx)", r, o);
    }
    if wanted("bulk-as-mysql") {
        // The same, compiled for MySQL (no RETURNING): keys from the insert
        // ids of multi-row statements, on both sides.
        let options = MySqlOptions::from_url(&url_of(&database))
            .expect("url")
            .pool_size(1)
            .dialect(ormcore::sql::MySqlDialect::mysql((8, 0, 36)));
        let as_mysql = MySqlDatabase::connect(options).await.expect("connect");
        let (r, o) = bulk_rounds(&raw, &as_mysql, &db, false).await;
        row("bulk insert 10k, as MySQL", r, o);
        as_mysql.close_pool().await;
    }
    if wanted("concurrent") {
        let reset = Arc::new(Raw::new(&database, true));
        let (mut raw_ops, mut orm_ops, mut reset_ops) = (Vec::new(), Vec::new(), Vec::new());
        for _ in 0..5 {
            raw_ops.extend(
                throughput(1, || {
                    fan_out(raw.clone(), |raw, id| async move {
                        black_box(raw.point(id).await);
                    })
                })
                .await,
            );
            orm_ops.extend(
                throughput(1, || {
                    fan_out(db.clone(), |db, id| async move {
                        black_box(Item::aget_by_id(&db, id).await.expect("get"));
                    })
                })
                .await,
            );
        }
        reset_ops.extend(
            throughput(3, || {
                fan_out(reset.clone(), |raw, id| async move {
                    black_box(raw.point(id).await);
                })
            })
            .await,
        );
        let shared = Arc::new(Shared { conn: tokio::sync::Mutex::new(raw.pool.get_conn().await.expect("connection")) });
        let shared_ops = throughput(3, || {
            fan_out(shared.clone(), |shared, id| async move {
                black_box(shared.point(id).await);
            })
        })
        .await;
        let ratios: Vec<f64> = raw_ops.iter().zip(&orm_ops).map(|(r, o)| o / r).collect();
        let (low, high) = spread(&ratios);
        println!("32 tasks, pool of 8, point selects (throughput, higher is better)");
        println!(
            "  {:<40} {:>9.0}/s {:>8}",
            "raw mysql_async, reset_connection off",
            median(raw_ops.clone()),
            "1.000x"
        );
        println!(
            "  {:<40} {:>9.0}/s {:>7.3}x  ({low:.3}-{high:.3})",
            "ormcore",
            median(orm_ops.clone()),
            median(orm_ops) / median(raw_ops.clone())
        );
        println!(
            "  {:<40} {:>9.0}/s {:>7.3}x",
            "raw mysql_async, default reset on return",
            median(reset_ops.clone()),
            median(reset_ops) / median(raw_ops.clone())
        );
        println!(
            "  {:<40} {:>9.0}/s {:>7.3}x",
            "raw mysql_async, one shared connection",
            median(shared_ops.clone()),
            median(shared_ops) / median(raw_ops)
        );
        drop(shared);
        reset.pool.clone().disconnect().await.expect("disconnect");
    }
    db.close_pool().await;
    raw.pool.clone().disconnect().await.expect("disconnect");
    admin.aexecute_sql(&format!("DROP DATABASE `{database}`"), vec![]).await.expect("drop database");
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    rt.block_on(bench(filter));
}
