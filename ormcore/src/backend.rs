//! The contract between ormcore and a database driver crate.
//!
//! A backend (`ormcore-sqlite`, `ormcore-pg`, `ormcore-mysql`) implements
//! [`Backend`] for its pool, [`RawConnection`] for one pooled connection and
//! [`RawStream`] for a streaming read. It binds values, decodes rows, maps
//! driver errors onto [`Error`](crate::Error) kinds and never renders SQL:
//! statements arrive compiled by its [`Dialect`].
//!
//! Everything about tasks, scopes, transactions and their nesting lives in
//! [`crate::Database`] and is the same for every backend. What a backend must
//! keep:
//!
//! - **Clean release.** Dropping a [`Backend::Pooled`] returns the
//!   connection to the pool, and nobody else acquires it until it is clean:
//!   no transaction open (as the database has it, not as a flag set after a
//!   statement returned: a control statement abandoned in flight may have
//!   run), no statement still running and no cancel on its way to one, and
//!   no session state left by a statement that was not
//!   [`session_free`](Statement::session_free) or by a checkout that ended
//!   abnormally. A connection that cannot be made so is discarded. ormcore
//!   drops connections in any of these states when a guard is dropped
//!   without commit, a future is cancelled or a task is aborted.
//! - **Transaction control through [`RawConnection::transaction`]**, so the
//!   backend knows whether its connection is inside a transaction, or knows
//!   that it does not know ([`RawConnection::transaction_status`]).
//! - **Lost connections said so.** A connection that can no longer run
//!   statements (its server closed it, the driver marked it broken, a
//!   statement failed in a way that leaves it unusable) answers true to
//!   [`RawConnection::is_lost`], and its errors are
//!   [`Error::ConnectionLost`](crate::Error::ConnectionLost). ormcore drops
//!   such a connection instead of running anything more on it (not even a
//!   rollback), and the pool must then discard it, never hand it out again.
//! - **Cancel safety.** Any future it returns may be dropped at an await
//!   point; the connection must stay usable or be marked for discard.
//! - **No blocking of the async runtime** beyond short, bounded work.

mod url;

use std::future::Future;
use std::ops::DerefMut;

pub use url::{PoolSetting, UrlParam};

use crate::error::Result;
use crate::row::Row;
use crate::schema::TableMeta;
use crate::sql::{Dialect, Statement, TxOp};

/// A database driver with its connection pool. The type parameter of
/// [`Database`](crate::Database).
pub trait Backend: Send + Sync + Sized + 'static {
    /// The backend's options, with a builder. [`Database::connect`](crate::Database::connect)
    /// takes them, or anything that is [`IntoOptions`] for them (a URL
    /// string; for SQLite, a path).
    type Options: Send;
    /// One connection.
    type Connection: RawConnection;
    /// A connection checked out of the pool; dropping it returns it (see the
    /// module docs for what must happen then).
    type Pooled: DerefMut<Target = Self::Connection> + Send + 'static;
    /// A streaming read that owns its connection.
    type Stream: RawStream<Pooled = Self::Pooled>;

    /// Open the pool (and whatever connections it keeps ready).
    fn connect(options: Self::Options) -> impl Future<Output = Result<Self>> + Send;

    /// The SQL dialect statements are compiled with. May depend on the server
    /// (MySQL versus MariaDB), detected at connect.
    fn dialect(&self) -> &dyn Dialect;

    /// Check a connection out of the pool, waiting at most the configured
    /// `acquire_timeout` ([`Error::PoolTimeout`](crate::Error::PoolTimeout)).
    fn acquire(&self) -> impl Future<Output = Result<Self::Pooled>> + Send;

    /// A connection shared with other tasks, for one statement that is
    /// [`shareable`](Statement::shareable) (a session-free read) and runs
    /// outside any task's scope (autocommit: no transaction). Backends that
    /// pipeline such statements over one connection return it here; `None`,
    /// the default, sends the statement to a pooled connection. ormcore never
    /// opens a transaction on it, and the backend must make dropping it (even
    /// mid-statement) harmless to the other users.
    fn acquire_shared(&self) -> impl Future<Output = Result<Option<Self::Pooled>>> + Send {
        std::future::ready(Ok(None))
    }

    /// Start streaming the rows of `statement` on `conn`; the stream owns the
    /// connection until [`RawStream::into_pooled`]. On failure the connection
    /// comes back with the error.
    #[allow(clippy::type_complexity)]
    fn stream(
        conn: Self::Pooled,
        statement: Statement,
    ) -> impl Future<Output = std::result::Result<Self::Stream, (crate::Error, Self::Pooled)>> + Send;

    /// Close the pool: idle connections now, connections still checked out
    /// as they come back (rolled back by the clean-release rule if need be,
    /// then closed: never returned to a pool). The backend stays usable: the
    /// next acquire opens a new pool with the options the first was built
    /// from, and [`pool_status`](Backend::pool_status) counts that pool's
    /// connections only.
    fn close(&self) -> impl Future<Output = ()> + Send;

    /// Counts of the pool's connections.
    fn pool_status(&self) -> PoolStatus;
}

/// What [`Database::connect`](crate::Database::connect) accepts for a
/// backend's options `O`: the options themselves, or what a backend crate
/// parses into them (a URL such as `postgresql://user@host/db?pool_size=4`,
/// a SQLite path). Parsing may fail, with an [`Error::Interface`](crate::Error::Interface)
/// naming what is wrong.
pub trait IntoOptions<O> {
    /// Convert into the options.
    fn into_options(self) -> Result<O>;
}

impl<O> IntoOptions<O> for O {
    fn into_options(self) -> Result<O> {
        Ok(self)
    }
}

/// Counts of a pool's connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStatus {
    /// The most connections the pool opens.
    pub max_size: usize,
    /// Connections open now, idle or checked out.
    pub open: usize,
    /// Connections idle in the pool.
    pub idle: usize,
}

/// What a write reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ExecResult {
    /// Rows inserted, changed or deleted.
    pub rows_affected: u64,
    /// The auto-increment key of the last inserted row, where the database
    /// reports one.
    pub last_insert_id: Option<i64>,
}

/// The callback a fetched row is handed to.
pub type OnRow<'a> = dyn FnMut(&dyn Row) -> Result<()> + Send + 'a;

/// Fills a buffer with the next parameter row of
/// [`execute_many`](RawConnection::execute_many); false when done.
pub type NextParams<'a> = dyn FnMut(&mut Vec<crate::value::Value>) -> bool + Send + 'a;

/// Receives the result of each execution of
/// [`execute_many`](RawConnection::execute_many).
pub type OnResult<'a> = dyn FnMut(ExecResult) + Send + 'a;

/// Receives the auto-increment key of each row
/// [`insert_rows`](RawConnection::insert_rows) inserted, in order.
pub type OnKey<'a> = dyn FnMut(i64) + Send + 'a;

/// Rows `abulk_create` inserts into one table, as
/// [`RawConnection::insert_rows`] receives them.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct InsertRows<'a> {
    /// The table.
    pub table: &'static TableMeta,
    /// The columns each row gives a value for, as positions in
    /// [`TableMeta::columns`], in the order of each row's values.
    pub columns: &'a [usize],
    /// The auto-increment column whose new value each row reports, when the
    /// caller wants the keys back.
    pub key: Option<&'static str>,
    /// Rows per statement, for backends that insert several at once (the
    /// caller's `batch_size`); never more than the dialect's parameter
    /// limit allows.
    pub batch_size: usize,
    /// Set where the backend knows that the database gives the rows of one
    /// multi-row insert consecutive keys, this far apart, the first being
    /// the insert id it reports (see
    /// [`consecutive_keys`](InsertRows::consecutive_keys)).
    pub key_step: Option<u64>,
}

impl<'a> InsertRows<'a> {
    /// Rows of `columns` of `table`, reporting the new values of `key`.
    pub fn new(table: &'static TableMeta, columns: &'a [usize], key: Option<&'static str>, batch_size: usize) -> Self {
        InsertRows { table, columns, key, batch_size, key_step: None }
    }

    /// The same rows, on a database that assigns the keys of one
    /// multi-row insert consecutively, `step` apart, and reports the first
    /// as its insert id (MySQL's InnoDB with `innodb_autoinc_lock_mode` 0
    /// or 1, `step` being `auto_increment_increment`): without `RETURNING`,
    /// [`insert_rows_by_statement`] then still sends several rows per
    /// statement and derives each row's key, instead of one row per
    /// statement.
    pub fn consecutive_keys(self, step: u64) -> Self {
        InsertRows { key_step: Some(step), ..self }
    }
}

/// The default [`RawConnection::insert_rows`]: statements of up to
/// `batch_size` rows, compiled once per batch shape, each executed with its
/// rows' values moved straight into its parameters. Keys come back through
/// `RETURNING`, or, where the dialect has none, from
/// [`ExecResult::last_insert_id`]: derived for every row of a statement
/// where the rows say the database assigns them
/// [consecutively](InsertRows::consecutive_keys), else one row per
/// statement. Public so that a backend's own strategy can fall back to it.
pub async fn insert_rows_by_statement<C: RawConnection + ?Sized>(
    conn: &mut C,
    dialect: &dyn Dialect,
    rows: &InsertRows<'_>,
    next_row: &mut NextParams<'_>,
    on_key: &mut OnKey<'_>,
) -> Result<()> {
    let per_statement = (dialect.max_params() / rows.columns.len().max(1)).max(1);
    let mut batch = rows.batch_size.clamp(1, per_statement);
    // Keys without RETURNING come as the insert id: derived for the rest of
    // the rows where they are consecutive, else one row per statement. Rows
    // with no column at all (a table of only its auto key) are `DEFAULT
    // VALUES`, which is one row.
    let by_insert_id = rows.key.is_some() && !dialect.supports_insert_returning();
    let step = rows.key_step.filter(|_| by_insert_id);
    if by_insert_id && step.is_none() || rows.columns.is_empty() {
        batch = 1;
    }
    // The template reports keys itself only through RETURNING.
    let template_key = if step.is_some() { None } else { rows.key };
    let mut template: Option<crate::sql::InsertTemplate> = None;
    let mut row = Vec::with_capacity(rows.columns.len());
    let mut done = false;
    while !done {
        let mut params = Vec::with_capacity(batch * rows.columns.len());
        let mut count = 0;
        while count < batch {
            row.clear();
            if !next_row(&mut row) {
                done = true;
                break;
            }
            params.append(&mut row);
            count += 1;
        }
        if count == 0 {
            break;
        }
        let shape = match template.take() {
            Some(shape) if shape.rows == count => shape,
            _ => crate::sql::insert_template(rows.table, rows.columns, count, template_key, dialect)?,
        };
        let statement = Statement::compiled_write(shape.sql, params);
        if shape.returns_keys {
            let model = rows.table.model;
            conn.fetch(&statement, &mut |row| {
                on_key(crate::row::decode_column::<i64>(row, 0, model)?);
                Ok(())
            })
            .await?;
        } else {
            let result = conn.execute(&statement).await?;
            if rows.key.is_some() {
                let first = result
                    .last_insert_id
                    .ok_or_else(|| crate::Error::interface("the backend reported no key for an inserted row"))?;
                derive_keys(first, step.unwrap_or(1), count, result.rows_affected, on_key)?;
            }
        }
        template = Some(crate::sql::InsertTemplate { sql: statement.sql, ..shape });
    }
    Ok(())
}

/// The keys of a statement's `count` rows from the first row's, `step`
/// apart; refused unless the database inserted exactly those rows.
fn derive_keys(first: i64, step: u64, count: usize, inserted: u64, on_key: &mut OnKey<'_>) -> Result<()> {
    if inserted != count as u64 {
        return Err(crate::Error::interface(format!(
            "an insert of {count} rows reported {inserted} inserted: their keys cannot be derived"
        )));
    }
    let step = i64::try_from(step).map_err(|_| crate::Error::interface("an auto-increment step beyond i64"))?;
    for i in 0..count as i64 {
        let key = i.checked_mul(step).and_then(|offset| first.checked_add(offset));
        on_key(key.ok_or_else(|| crate::Error::interface("an auto-increment key beyond i64"))?);
    }
    Ok(())
}

// ormcore holds every connection it leases in a forwarding wrapper that
// traces its statements (`database/traced.rs`): a method added here must
// be forwarded there too, or a backend's override of it is bypassed.

/// One database connection, as the backend drives it.
pub trait RawConnection: Send + 'static {
    /// Run a statement that returns no rows.
    fn execute(&mut self, statement: &Statement) -> impl Future<Output = Result<ExecResult>> + Send;

    /// Run a statement and hand each row to `on_row`, in order. An error from
    /// `on_row` stops the fetch and is returned. Reports the counts of a
    /// write (one with `RETURNING`, or raw SQL that returns no rows).
    fn fetch(
        &mut self,
        statement: &Statement,
        on_row: &mut OnRow<'_>,
    ) -> impl Future<Output = Result<ExecResult>> + Send;

    /// The names of the columns `statement` returns, without running it
    /// again: what a raw-SQL [`Cursor`](crate::Cursor) reports as its
    /// description when the result had no row to name them. The statement
    /// has just run on this connection. The default knows none.
    fn columns(&mut self, statement: &Statement) -> impl Future<Output = Result<Vec<String>>> + Send {
        let _ = statement;
        std::future::ready(Ok(Vec::new()))
    }

    /// Run `sql`, a write ormcore compiled (session-free), once per
    /// parameter row (DB-API's `executemany`).
    /// `next_params` fills the (cleared) buffer with the next row's values
    /// and returns false when there are none left; `on_result` gets each
    /// execution's result, in order. The default runs [`execute`] per row;
    /// backends override it to prepare once, or to pipeline.
    ///
    /// [`execute`]: RawConnection::execute
    fn execute_many(
        &mut self,
        sql: &str,
        next_params: &mut NextParams<'_>,
        on_result: &mut OnResult<'_>,
    ) -> impl Future<Output = Result<()>> + Send {
        async move {
            let mut params = Vec::new();
            while next_params(&mut params) {
                let statement = Statement::compiled_write(sql, std::mem::take(&mut params));
                on_result(self.execute(&statement).await?);
            }
            Ok(())
        }
    }

    /// Insert rows into one table (`abulk_create`): `next_row` fills the
    /// (cleared) buffer with the next row's values, in
    /// [`InsertRows::columns`] order, and returns false when there are none
    /// left; with [`InsertRows::key`], `on_key` gets each inserted row's
    /// new key, in order. The rows are checked values of a model, inside a
    /// transaction the caller opened. The default,
    /// [`insert_rows_by_statement`], sends multi-row statements; a backend
    /// overrides it where it has something faster (SQLite: one prepared
    /// single-row statement, executed per row) or must learn the keys its
    /// own way.
    fn insert_rows(
        &mut self,
        dialect: &dyn Dialect,
        rows: &InsertRows<'_>,
        next_row: &mut NextParams<'_>,
        on_key: &mut OnKey<'_>,
    ) -> impl Future<Output = Result<()>> + Send {
        insert_rows_by_statement(self, dialect, rows, next_row, on_key)
    }

    /// Run a transaction-control operation.
    fn transaction(&mut self, op: TxOp<'_>) -> impl Future<Output = Result<()>> + Send;

    /// Whether the connection is inside a transaction, as far as the
    /// backend knows without I/O. A backend that cannot be sure (a control
    /// statement abandoned in flight, raw SQL that may have begun or ended
    /// one) says true: that errs towards a rollback that finds nothing to
    /// undo, never towards leaving a transaction open.
    fn in_transaction(&self) -> bool;

    /// Whether the connection is inside a transaction, as the database has
    /// it: a backend that is not sure finds out (and first recovers from a
    /// statement abandoned in flight). ormcore asks before running a
    /// statement inside a transaction block, to refuse one whose
    /// transaction the database ended behind the block's back. The default
    /// trusts [`in_transaction`](RawConnection::in_transaction).
    fn transaction_status(&mut self) -> impl Future<Output = Result<bool>> + Send {
        std::future::ready(Ok(self.in_transaction()))
    }

    /// Whether the backend knows, without I/O, that this connection can no
    /// longer run statements: its server closed it (tokio-postgres's
    /// `Client::is_closed`), a statement failed with
    /// [`Error::ConnectionLost`](crate::Error::ConnectionLost), or the
    /// backend gave up on it. ormcore asks before each statement on a
    /// connection bound to a scope, and drops a lost one: outside a
    /// transaction block the statement runs on a fresh connection; inside
    /// one it fails with `ConnectionLost`, as do the block's guards, until
    /// the block has ended. The default is false: a backend whose
    /// connections cannot fail so.
    fn is_lost(&self) -> bool {
        false
    }

    /// Run a transaction-control operation synchronously, if the backend can
    /// without waiting on I/O; `None` if it cannot. ormcore uses it to undo
    /// a dropped transaction guard's block at once (`Drop` cannot await), so
    /// that its locks are not held until the connection's next statement.
    fn transaction_now(&mut self, op: TxOp<'_>) -> Option<Result<()>> {
        let _ = op;
        None
    }
}

/// A streaming read: rows fetched in batches from a statement that stays
/// open, holding its connection.
pub trait RawStream: Send + 'static {
    /// The pooled connection the stream holds.
    type Pooled: Send + 'static;

    /// Fetch up to `max` more rows into `on_row`; returns false once the
    /// result set is exhausted.
    fn next_batch(&mut self, max: usize, on_row: &mut OnRow<'_>) -> impl Future<Output = Result<bool>> + Send;

    /// Close the statement and give the connection back. Must not block: a
    /// backend that needs I/O to clean up marks the connection for cleanup
    /// before its next use instead.
    fn into_pooled(self) -> Self::Pooled;
}
