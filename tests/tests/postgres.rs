//! The conformance suite on PostgreSQL: each test gets a fresh schema on
//! the server named by `ORMCORE_PG_URL` (default
//! `postgresql://postgres@127.0.0.1:5432/test`). `scripts/test` starts a
//! throwaway server when none answers; an unreachable server fails the
//! tests, never skips them.

use std::sync::Once;
use std::sync::atomic::{AtomicUsize, Ordering};

use ormcore::prelude::*;
use ormcore_pg::{Pg, PgDatabase, PgOptions};
use ormcore_tests::{Config, TestDb};

fn url() -> String {
    std::env::var("ORMCORE_PG_URL").unwrap_or_else(|_| "postgresql://postgres@127.0.0.1:5432/test".to_owned())
}

fn schema_prefix() -> String {
    format!("ormcore_t{}_", std::process::id())
}

/// Drop the schemas earlier test processes left behind (their process is
/// gone); schemas of processes still running are theirs.
async fn sweep(admin: &PgDatabase) {
    let cursor = admin
        .aexecute_sql("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'ormcore\\_t%'", vec![])
        .await
        .expect("list test schemas");
    for row in cursor.fetchall() {
        let name: String = row.get(0).expect("schema name");
        let pid = name.trim_start_matches("ormcore_t").split('_').next().unwrap_or_default();
        let alive = std::path::Path::new(&format!("/proc/{pid}")).exists();
        if !alive {
            let _ = admin.aexecute_sql(&format!("DROP SCHEMA IF EXISTS \"{name}\" CASCADE"), vec![]).await;
        }
    }
}

/// A fresh schema on the test server, as a search path.
pub struct PgSchema;

impl TestDb for PgSchema {
    type Backend = Pg;
    const SINGLE_CONNECTION: bool = false;

    async fn open(config: Config) -> PgDatabase {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        static SWEEP: Once = Once::new();
        let admin = PgDatabase::connect(PgOptions::from_url(&url()).expect("ORMCORE_PG_URL").pool_size(1))
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL at {} is not reachable: {e}", url()));
        let mut first = false;
        SWEEP.call_once(|| first = true);
        if first {
            sweep(&admin).await;
        }
        let schema = format!("{}{}", schema_prefix(), NEXT.fetch_add(1, Ordering::Relaxed));
        admin.aexecute_sql(&format!("CREATE SCHEMA \"{schema}\""), vec![]).await.expect("create the test schema");
        admin.close_pool().await;
        let options = PgOptions::from_url(&url())
            .expect("ORMCORE_PG_URL")
            .search_path(schema)
            .pool_size(config.pool_size)
            .acquire_timeout(config.acquire_timeout);
        PgDatabase::connect(options).await.expect("connect to the test schema")
    }
}

ormcore_tests::conformance!(PgSchema);
