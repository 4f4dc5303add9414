//! The conformance suite on SQLite: a fresh database file per test, and
//! the same suite on `:memory:` (one shared connection).

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

use ormcore_sqlite::{Sqlite, SqliteDatabase, SqliteOptions};
use ormcore_tests::{Config, TestDb};

fn fresh_path() -> PathBuf {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("sqlite-conformance");
    std::fs::create_dir_all(&dir).expect("create the test directory");
    let path = dir.join(format!("{}-{}.db", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
    for suffix in ["", "-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

fn options(path: impl Into<PathBuf>, config: Config) -> SqliteOptions {
    SqliteOptions::new(path).pool_size(config.pool_size).acquire_timeout(config.acquire_timeout)
}

mod file {
    use super::*;

    /// A fresh database file in WAL mode.
    pub struct SqliteFile;

    impl TestDb for SqliteFile {
        type Backend = Sqlite;
        const SINGLE_CONNECTION: bool = false;

        async fn open(config: Config) -> SqliteDatabase {
            SqliteDatabase::connect(options(fresh_path(), config).wal()).await.expect("open the database file")
        }
    }

    ormcore_tests::conformance!(SqliteFile);
}

mod rollback_journal {
    use super::*;

    /// A fresh database file in SQLite's default rollback-journal mode,
    /// where readers and the writer block each other.
    pub struct SqliteJournal;

    impl TestDb for SqliteJournal {
        type Backend = Sqlite;
        const SINGLE_CONNECTION: bool = false;

        async fn open(config: Config) -> SqliteDatabase {
            SqliteDatabase::connect(options(fresh_path(), config)).await.expect("open the database file")
        }
    }

    ormcore_tests::conformance!(SqliteJournal);
}

mod memory {
    use super::*;

    /// `:memory:`: always one connection, whatever the pool size.
    pub struct SqliteMemory;

    impl TestDb for SqliteMemory {
        type Backend = Sqlite;
        const SINGLE_CONNECTION: bool = true;

        async fn open(config: Config) -> SqliteDatabase {
            SqliteDatabase::connect(options(":memory:", config)).await.expect("open an in-memory database")
        }
    }

    ormcore_tests::conformance!(SqliteMemory);
}
