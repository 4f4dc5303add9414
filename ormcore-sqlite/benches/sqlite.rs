//! ormcore-sqlite against raw rusqlite, side by side in one run, as ratios.
//!
//! Workloads: point select by primary key, the same from 32 concurrent
//! tasks, 100-row and 10k-row selects into structs, 1 000 single-row inserts
//! (`acreate`) in one transaction, a bulk insert of 10k rows in one
//! transaction, and building plus compiling a query with no I/O. Each is also run through a worker thread
//! per connection (the aiosqlite design the reference describes: a closure,
//! a channel and two thread switches per query) to show what the inline
//! design saves.
//!
//! `cargo bench -p ormcore-sqlite`; pin it with `taskset -c 0 cargo bench
//! -p ormcore-sqlite` to see the one-core figures. Rounds alternate between
//! the contestants and the median round is reported, so machine noise hits
//! all of them alike.

use std::hint::black_box;
use std::sync::mpsc;
use std::time::Instant;

use ormcore::prelude::*;
use ormcore_sqlite::{SqliteDatabase, SqliteOptions};

#[path = "../../bench-support/common.rs"]
#[allow(dead_code)]
mod common;

use common::{Item, ROWS, human, median, new_item};

const SELECT_ONE: &str = "SELECT \"id\", \"name\", \"value\", \"score\", \"active\" FROM \"item\" WHERE \"id\" = ?";
const SELECT_RANGE: &str =
    "SELECT \"id\", \"name\", \"value\", \"score\", \"active\" FROM \"item\" WHERE \"id\" BETWEEN ? AND ?";
const INSERT: &str = "INSERT INTO \"item\" (\"name\", \"value\", \"score\", \"active\") VALUES (?, ?, ?, ?)";

fn item_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Item> {
    Ok(Item { id: row.get(0)?, name: row.get(1)?, value: row.get(2)?, score: row.get(3)?, active: row.get(4)? })
}

/// The raw driver: prepared, cached statements on one connection.
struct Raw {
    conn: rusqlite::Connection,
}

impl Raw {
    fn point(&self, id: i64) -> Item {
        let mut stmt = self.conn.prepare_cached(SELECT_ONE).expect("prepare");
        stmt.query_row([id], item_from_row).expect("row")
    }

    fn range(&self, low: i64, high: i64) -> Vec<Item> {
        let mut stmt = self.conn.prepare_cached(SELECT_RANGE).expect("prepare");
        stmt.query_map([low, high], item_from_row).expect("query").collect::<Result<_, _>>().expect("rows")
    }

    /// Insert row by row, reading each new key, as `acreate` does.
    fn create_each(&mut self, items: &[Item]) -> i64 {
        let tx = self.conn.transaction().expect("begin");
        let mut last = 0;
        {
            let mut stmt = tx.prepare_cached(INSERT).expect("prepare");
            for item in items {
                stmt.execute(rusqlite::params![item.name, item.value, item.score, item.active]).expect("insert");
                last = tx.last_insert_rowid();
            }
        }
        tx.commit().expect("commit");
        last
    }

    fn bulk_insert(&mut self, items: &[Item]) {
        let tx = self.conn.transaction().expect("begin");
        {
            let mut stmt = tx.prepare_cached(INSERT).expect("prepare");
            for item in items {
                stmt.execute(rusqlite::params![item.name, item.value, item.score, item.active]).expect("insert");
            }
        }
        tx.commit().expect("commit");
    }
}

type Job = Box<dyn FnOnce(&mut Raw) + Send>;

/// The aiosqlite design: each query is a closure sent to the connection's
/// thread, its result awaited through a oneshot channel.
struct Worker {
    jobs: mpsc::Sender<Job>,
}

impl Worker {
    fn start(path: &str) -> Self {
        let (jobs, queue) = mpsc::channel::<Job>();
        let path = path.to_owned();
        std::thread::spawn(move || {
            let mut raw = Raw { conn: rusqlite::Connection::open(path).expect("open") };
            while let Ok(job) = queue.recv() {
                job(&mut raw);
            }
        });
        Worker { jobs }
    }

    async fn call<T: Send + 'static>(&self, f: impl FnOnce(&mut Raw) -> T + Send + 'static) -> T {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |raw| {
                let _ = tx.send(f(raw));
            }))
            .expect("worker alive");
        rx.await.expect("worker answered")
    }
}

/// Connections of the ormcore pool, and of the raw one beside it.
const POOL: usize = 4;
/// Tasks of the concurrent workload.
const TASKS: u64 = 32;

/// Raw rusqlite connections shared by tasks: a task takes one for each
/// query and runs it inline, as ormcore does with its pool.
struct RawPool {
    idle: std::sync::Mutex<Vec<Raw>>,
}

impl RawPool {
    fn open(path: &str, size: usize) -> Self {
        let conns = (0..size).map(|_| Raw { conn: rusqlite::Connection::open(path).expect("open") }).collect();
        RawPool { idle: std::sync::Mutex::new(conns) }
    }

    fn point(&self, id: i64) -> Item {
        // At most one query per runtime thread runs at once: one is free.
        let raw = self.idle.lock().expect("pool").pop().expect("an idle connection");
        let item = raw.point(id);
        self.idle.lock().expect("pool").push(raw);
        item
    }
}

/// Run `TASKS` tasks at once, task `t` running `task(t)`, until all end.
async fn fan_out<F, Fut>(task: F)
where
    F: Fn(u64) -> Fut,
    Fut: std::future::Future<Output = ()> + Send + 'static,
{
    let handles: Vec<_> = (0..TASKS).map(|t| tokio::spawn(task(t))).collect();
    for handle in handles {
        handle.await.expect("task");
    }
}

struct Contestants {
    rt: tokio::runtime::Runtime,
    db: SqliteDatabase,
    raw: Raw,
    worker: Worker,
}

/// Nanoseconds per operation of `f`, which runs `ops` of them (on this thread: SQLite is synchronous).
fn time(ops: u64, f: impl FnOnce()) -> f64 {
    let start = Instant::now();
    f();
    start.elapsed().as_nanos() as f64 / ops as f64
}

struct Row {
    name: &'static str,
    raw: f64,
    ormcore: f64,
    worker: f64,
}

fn report(rows: &[Row]) {
    println!("{:<28} {:>12} {:>12} {:>10} {:>12} {:>10}", "workload", "raw", "ormcore", "ratio", "worker", "ratio");
    for row in rows {
        println!(
            "{:<28} {:>12} {:>12} {:>9.2}x {:>12} {:>9.2}x",
            row.name,
            human(row.raw),
            human(row.ormcore),
            row.ormcore / row.raw,
            human(row.worker),
            row.worker / row.raw
        );
    }
}

fn compare(
    c: &Contestants,
    name: &'static str,
    rounds: usize,
    mut run: impl FnMut(&Contestants, usize) -> [f64; 3],
) -> Row {
    let (mut raw, mut orm, mut worker) = (Vec::new(), Vec::new(), Vec::new());
    // Fewer rounds for a profiler (`ORMCORE_BENCH_ROUNDS=1 valgrind --tool=callgrind ..`).
    let rounds = std::env::var("ORMCORE_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(rounds);
    for round in 0..rounds {
        let [r, o, w] = run(c, round);
        raw.push(r);
        orm.push(o);
        worker.push(w);
    }
    Row { name, raw: median(raw), ormcore: median(orm), worker: median(worker) }
}

/// Resident memory, and its peak since the last reset, in KiB (Linux).
fn memory() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field =
        |name: &str| status.lines().find(|l| l.starts_with(name))?.split_whitespace().nth(1)?.parse::<u64>().ok();
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// Reset the peak-RSS mark (`VmHWM`) to the current RSS.
fn reset_peak() {
    let _ = std::fs::write("/proc/self/clear_refs", "5");
}

/// Stream 1M rows with `iterate` and with `list`, reporting how much the
/// peak resident memory grew above the starting point for each.
fn stream_memory(c: &Contestants) {
    const STREAMED: i64 = 1_000_000;
    c.rt.block_on(async {
        let have = c.db.count(&Item::select()).await.expect("count");
        let mut items: Vec<Item> = (have..STREAMED).map(new_item).collect();
        Item::abulk_create(&c.db, &mut items).await.expect("seed 1M rows");
    });
    let measure = |label: &str, f: &dyn Fn() -> usize| {
        reset_peak();
        let Some((before, _)) = memory() else {
            println!("{label}: peak memory not measurable on this OS");
            return;
        };
        let started = Instant::now();
        let n = f();
        let elapsed = started.elapsed();
        let (_, peak) = memory().unwrap_or((0, 0));
        println!(
            "{label}: {n} rows in {elapsed:.2?}, peak RSS +{:.1} MiB",
            (peak.saturating_sub(before)) as f64 / 1024.0
        );
    };
    measure("stream 1M rows (iterate, buffer 100)", &|| {
        c.rt.block_on(async {
            let mut stream = c.db.iterate(&Item::select());
            let mut n = 0;
            while let Some(item) = stream.next().await {
                black_box(item.expect("row"));
                n += 1;
            }
            n
        })
    });
    measure("buffer 1M rows (list)", &|| c.rt.block_on(c.db.list(&Item::select())).expect("list").len());
    c.rt.block_on(c.db.aexecute(&Item::delete().where_(Item::ID.gt(ROWS)))).expect("trim");
}

/// `ORMCORE_BENCH_CALLGRIND=raw|ormcore` (and `ORMCORE_BENCH_OPS=n`,
/// default 10 000): run only `n` point selects of one contestant, untimed,
/// for an instruction count. Run it twice under `valgrind --tool=callgrind`
/// with two values of `n`: the difference of the totals over the difference
/// of `n` is the instructions per query, with the setup cancelled out.
fn point_selects_only(c: &Contestants, contestant: &str) {
    let ops: u64 = std::env::var("ORMCORE_BENCH_OPS").ok().and_then(|n| n.parse().ok()).unwrap_or(10_000);
    let id = |i: u64| (i as i64 * 7919) % ROWS + 1;
    match contestant {
        "raw" => (0..ops).for_each(|i| drop(black_box(c.raw.point(id(i))))),
        "ormcore" => c.rt.block_on(async {
            for i in 0..ops {
                black_box(Item::aget_by_id(&c.db, id(i)).await.expect("get"));
            }
        }),
        other => panic!("ORMCORE_BENCH_CALLGRIND={other}: expected raw or ormcore"),
    }
}

fn main() {
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    let dir = std::env::temp_dir().join(format!("ormcore-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("bench dir");
    let path = dir.join("bench.db");
    let path_str = path.to_string_lossy().into_owned();

    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let db = rt.block_on(SqliteDatabase::connect(SqliteOptions::new(&path).wal().pool_size(POOL))).expect("open");
    rt.block_on(async {
        db.acreate_tables(&[Item::META]).await?;
        let mut items: Vec<Item> = (0..ROWS).map(new_item).collect();
        Item::abulk_create(&db, &mut items).await
    })
    .expect("seed");
    let raw = Raw { conn: rusqlite::Connection::open(&path).expect("open raw") };
    raw.conn.pragma_update(None, "journal_mode", "wal").expect("wal");
    let worker = Worker::start(&path_str);
    let c = Contestants { rt, db, raw, worker };

    if let Ok(contestant) = std::env::var("ORMCORE_BENCH_CALLGRIND") {
        point_selects_only(&c, &contestant);
        drop(c);
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }

    let wanted = |name: &str| filter.as_deref().is_none_or(|f| name.contains(f));
    let mut rows = Vec::new();

    if wanted("point select") {
        const OPS: u64 = 20_000;
        rows.push(compare(&c, "point select by pk", 15, |c, round| {
            let id = |i: u64| (i as i64 * 7919 + round as i64) % ROWS + 1;
            let raw = time(OPS, || (0..OPS).for_each(|i| drop(black_box(c.raw.point(id(i))))));
            let orm = time(OPS, || {
                c.rt.block_on(async {
                    for i in 0..OPS {
                        black_box(Item::aget_by_id(&c.db, id(i)).await.expect("get"));
                    }
                })
            });
            let worker = time(OPS, || {
                c.rt.block_on(async {
                    for i in 0..OPS {
                        let id = id(i);
                        black_box(c.worker.call(move |raw| raw.point(id)).await);
                    }
                })
            });
            [raw, orm, worker]
        }));
    }

    if wanted("32 tasks") {
        const PER_TASK: u64 = 1_000;
        let pool = std::sync::Arc::new(RawPool::open(c.raw.conn.path().expect("path"), POOL));
        let workers: std::sync::Arc<Vec<Worker>> =
            std::sync::Arc::new((0..POOL).map(|_| Worker::start(&path_str)).collect());
        rows.push(compare(&c, "32 tasks, point selects", 9, |c, round| {
            let id = move |t: u64, i: u64| ((t * PER_TASK + i) as i64 * 7919 + round as i64) % ROWS + 1;
            let ops = TASKS * PER_TASK;
            let raw = time(ops, || {
                c.rt.block_on(fan_out(|t| {
                    let pool = pool.clone();
                    async move {
                        for i in 0..PER_TASK {
                            black_box(pool.point(id(t, i)));
                        }
                    }
                }))
            });
            let orm = time(ops, || {
                c.rt.block_on(fan_out(|t| {
                    let db = c.db.clone();
                    async move {
                        for i in 0..PER_TASK {
                            black_box(Item::aget_by_id(&db, id(t, i)).await.expect("get"));
                        }
                    }
                }))
            });
            let worker = time(ops, || {
                c.rt.block_on(fan_out(|t| {
                    let workers = workers.clone();
                    async move {
                        for i in 0..PER_TASK {
                            let id = id(t, i);
                            black_box(workers[t as usize % POOL].call(move |raw| raw.point(id)).await);
                        }
                    }
                }))
            });
            [raw, orm, worker]
        }));
    }

    if wanted("acreate") {
        const CREATED: i64 = 1_000;
        rows.push(compare(&c, "1k acreate (1 tx)", 15, |c, round| {
            let items: Vec<Item> = (0..CREATED).map(|i| new_item(i + round as i64)).collect();
            let raw = {
                let mut raw = Raw { conn: rusqlite::Connection::open(c.raw.conn.path().expect("path")).expect("open") };
                time(CREATED as u64, || {
                    black_box(raw.create_each(&items));
                })
            };
            let orm_items = items.clone();
            let orm = time(CREATED as u64, || {
                c.rt.block_on(async {
                    let tx = c.db.atomic().await.expect("begin");
                    for item in orm_items {
                        black_box(Item::acreate(&tx, item).await.expect("create"));
                    }
                    tx.commit().await.expect("commit");
                })
            });
            let worker_items = items.clone();
            let worker = time(CREATED as u64, || {
                black_box(c.rt.block_on(c.worker.call(move |raw| raw.create_each(&worker_items))));
            });
            c.rt.block_on(c.db.aexecute(&Item::delete().where_(Item::ID.gt(ROWS)))).expect("trim");
            [raw, orm, worker]
        }));
    }

    if wanted("100-row select") {
        const OPS: u64 = 1_000;
        rows.push(compare(&c, "100-row select into structs", 15, |c, round| {
            let low = |i: u64| (i as i64 * 97 + round as i64) % (ROWS - 100) + 1;
            let query = |low: i64| Item::select().where_(Item::ID.between(low, low + 99));
            let raw = time(OPS, || (0..OPS).for_each(|i| drop(black_box(c.raw.range(low(i), low(i) + 99)))));
            let orm = time(OPS, || {
                c.rt.block_on(async {
                    for i in 0..OPS {
                        black_box(c.db.list(&query(low(i))).await.expect("list"));
                    }
                })
            });
            let worker = time(OPS, || {
                c.rt.block_on(async {
                    for i in 0..OPS {
                        let low = low(i);
                        black_box(c.worker.call(move |raw| raw.range(low, low + 99)).await);
                    }
                })
            });
            [raw, orm, worker]
        }));
    }

    if wanted("10k-row select") {
        const OPS: u64 = 10;
        rows.push(compare(&c, "10k-row select into structs", 15, |c, _| {
            let raw = time(OPS, || (0..OPS).for_each(|_| drop(black_box(c.raw.range(1, ROWS)))));
            let orm = time(OPS, || {
                c.rt.block_on(async {
                    for _ in 0..OPS {
                        black_box(c.db.list(&Item::select().where_(Item::ID.between(1, ROWS))).await.expect("list"));
                    }
                })
            });
            let worker = time(OPS, || {
                c.rt.block_on(async {
                    for _ in 0..OPS {
                        black_box(c.worker.call(|raw| raw.range(1, ROWS)).await);
                    }
                })
            });
            [raw, orm, worker]
        }));
    }

    if wanted("bulk insert") {
        rows.push(compare(&c, "bulk insert 10k rows (1 tx)", 7, |c, _| {
            let items: Vec<Item> = (0..ROWS).map(new_item).collect();
            let raw = {
                // `Raw` needs `&mut` for its transaction: use a second
                // connection to the same file so the shared one stays put.
                let mut raw = Raw { conn: rusqlite::Connection::open(c.raw.conn.path().expect("path")).expect("open") };
                time(1, || raw.bulk_insert(&items))
            };
            // Each contestant gets its own copy of the rows, made before the
            // clock starts: raw rusqlite borrows them, ormcore sets their keys.
            let mut orm_items = items.clone();
            let orm = time(1, || {
                c.rt.block_on(Item::abulk_create(&c.db, &mut orm_items).into_future()).expect("bulk create");
            });
            let worker_items = items.clone();
            let worker = time(1, || {
                c.rt.block_on(c.worker.call(move |raw| raw.bulk_insert(&worker_items)));
            });
            c.rt.block_on(c.db.aexecute(&Item::delete().where_(Item::ID.gt(ROWS)))).expect("trim");
            [raw, orm, worker]
        }));
    }

    if wanted("build and compile") {
        const OPS: u64 = 100_000;
        let dialect = ormcore::sql::SqliteDialect::new();
        let mut samples = Vec::new();
        for round in 0..9 {
            samples.push(time(OPS, || {
                for i in 0..OPS {
                    let query = Item::select()
                        .where_(Item::ID.eq(i as i64 + round).and(Item::ACTIVE.eq(true)))
                        .order_by(Item::NAME.desc())
                        .limit(10);
                    black_box(ormcore::Query::compile(&query, &dialect).expect("compile"));
                }
            }));
        }
        println!("build + compile a select (no I/O): {}", human(median(samples)));
    }

    if wanted("stream") {
        stream_memory(&c);
    }

    report(&rows);
    drop(c);
    let _ = std::fs::remove_dir_all(&dir);
}
