//! What every backend's bench binary shares: the table it measures, the
//! rows it seeds, and how it reports. Included by path
//! (`#[path = "../../bench-support/common.rs"] mod common;`) rather than as
//! a crate: it is a few functions, and a bench uses what it needs.

use ormcore::prelude::*;

/// The benchmarked table.
#[derive(Model, Debug, Clone, Default)]
pub struct Item {
    pub id: i64,
    pub name: String,
    pub value: i64,
    pub score: f64,
    pub active: bool,
}

/// Rows seeded before the reads.
pub const ROWS: i64 = 10_000;

/// The `i`-th seeded row, before it has a key.
pub fn new_item(i: i64) -> Item {
    Item { id: 0, name: format!("item {i}"), value: i, score: i as f64 / 3.0, active: i % 2 == 0 }
}

/// The median of `samples`.
pub fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Nanoseconds per operation of `f`, which runs `ops` of them.
pub async fn time<F: std::future::Future<Output = ()>>(ops: u64, f: F) -> f64 {
    let start = std::time::Instant::now();
    f.await;
    start.elapsed().as_nanos() as f64 / ops as f64
}

/// Nanoseconds, in the unit that reads best.
pub fn human(ns: f64) -> String {
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1_000.0)
    } else {
        format!("{:.2} ms", ns / 1_000_000.0)
    }
}

/// Concurrent tasks and point selects per task of the throughput workload.
pub const TASKS: u64 = 32;
pub const PER_TASK: u64 = 500;

/// `TASKS` tasks doing `PER_TASK` point selects each, all at once: `point`
/// runs one for an id, given its own clone of `context`. Returns each
/// select's latency in nanoseconds.
pub async fn fan_out<C, F, Fut>(context: C, point: F) -> Vec<u64>
where
    C: Clone + Send + 'static,
    F: Fn(C, i64) -> Fut + Copy + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let context = context.clone();
            tokio::spawn(async move {
                let mut latencies = Vec::with_capacity(PER_TASK as usize);
                for i in 0..PER_TASK {
                    let started = std::time::Instant::now();
                    point(context.clone(), ((t * PER_TASK + i) as i64 % ROWS) + 1).await;
                    latencies.push(started.elapsed().as_nanos() as u64);
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::with_capacity((TASKS * PER_TASK) as usize);
    for task in tasks {
        latencies.extend(task.await.expect("task"));
    }
    latencies
}
