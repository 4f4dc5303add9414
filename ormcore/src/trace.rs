//! Seeing the statements a program sends: one [`tracing`] span per
//! statement, and query hooks ([`Database::on_query`]) that see each one
//! with its timing and error.
//!
//! # The statement span
//!
//! Every statement ormcore sends to a connection (a query, a write, raw
//! SQL, DDL, each `executemany` and bulk insert, each transaction-control
//! statement such as `BEGIN` or `SAVEPOINT`, and a stream, one span for the
//! whole stream) runs
//! inside a span named `ormcore.statement`, at level `DEBUG`, with the
//! target `ormcore::statement` (so `RUST_LOG=ormcore::statement=debug`
//! selects it). Its fields:
//!
//! | field | value |
//! |---|---|
//! | `db.system` | the database, as OpenTelemetry names it: `sqlite`, `postgresql`, `mysql`, `mariadb` ([`Dialect::system`]) |
//! | `db.statement` | the SQL, with the dialect's placeholders, never values |
//! | `kind` | what ran: `fetch`, `execute`, `execute_many`, `insert_rows`, `transaction` or `stream` ([`StatementKind`]) |
//! | `params` | how many values were bound (for `execute_many` and `insert_rows`, over all the rows) |
//! | `values` | the bound values, in `Debug` form: only with [`Database::set_trace_params`] |
//! | `rows` | rows returned (fetches and streams) |
//! | `rows_affected` | rows inserted, changed or deleted, as the database reports them |
//! | `elapsed_us` | microseconds from sending the statement to its result (to the end of a stream) |
//! | `error` | the error's kind, [`Error::kind_name`], when the statement failed |
//!
//! The span is entered while the statement runs, so events a driver logs
//! meanwhile nest under it; the fields known only at the end are recorded
//! on the span before it closes. A subscriber that prints spans when they
//! close shows each statement once with all its fields: with the
//! `tracing-subscriber` crate,
//!
//! ```text
//! tracing_subscriber::fmt()
//!     .with_env_filter("ormcore::statement=debug")
//!     .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
//!     .init();
//! ```
//!
//! When no subscriber is interested and no hook is registered, a statement
//! costs two atomic loads: no span is made, no clock read, no SQL
//! rendered. That is 0.7% of the instructions of a SQLite point select
//! (docs/08-errors.md has the measurement).
//!
//! # Parameter values
//!
//! Values are kept out of spans and hooks by default: they are often
//! secrets or personal data bound for a log. [`Database::set_trace_params`]
//! lets a program (a debugging session, a test) see them.
//!
//! [`Database::on_query`]: crate::Database::on_query
//! [`Database::set_trace_params`]: crate::Database::set_trace_params
//! [`Dialect::system`]: crate::sql::Dialect::system
//! [`Error::kind_name`]: crate::Error::kind_name

use std::borrow::Cow;
use std::fmt;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, Instant};

use tracing::field::{Empty, debug};

use crate::error::{Error, Result};
use crate::sql::Dialect;
use crate::value::Value;

/// What kind of call a statement was.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StatementKind {
    /// A statement whose rows were read: a select, a write with
    /// `RETURNING`, raw SQL through `aexecute_sql`.
    Fetch,
    /// A statement run for its counts: an update, a delete, DDL.
    Execute,
    /// One statement run once per row of parameters (`executemany`).
    ExecuteMany,
    /// A bulk insert (`abulk_create`), sent as the backend does it: one
    /// prepared statement per row (SQLite) or statements of many rows.
    /// One span for all of it, showing the statement for one row.
    InsertRows,
    /// Transaction control: `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT`,
    /// `RELEASE SAVEPOINT`, `ROLLBACK TO SAVEPOINT`.
    Transaction,
    /// A streaming read (`iterate`): one statement, its rows read in
    /// batches.
    Stream,
}

impl StatementKind {
    /// The kind's name as the span's `kind` field has it: `fetch`,
    /// `execute`, `execute_many`, `insert_rows`, `transaction`, `stream`.
    pub fn as_str(self) -> &'static str {
        match self {
            StatementKind::Fetch => "fetch",
            StatementKind::Execute => "execute",
            StatementKind::ExecuteMany => "execute_many",
            StatementKind::InsertRows => "insert_rows",
            StatementKind::Transaction => "transaction",
            StatementKind::Stream => "stream",
        }
    }
}

impl fmt::Display for StatementKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One statement as a query hook sees it, once it has run (or failed).
///
/// ```
/// # async fn demo(db: ormcore::Database<impl ormcore::backend::Backend>) {
/// db.on_query(|event| {
///     if event.elapsed() > std::time::Duration::from_millis(100) {
///         eprintln!("slow ({:?}): {}", event.elapsed(), event.sql());
///     }
/// });
/// # }
/// ```
#[derive(Debug)]
pub struct QueryEvent<'a> {
    system: &'static str,
    kind: StatementKind,
    sql: &'a str,
    param_count: usize,
    params: Option<&'a [Value]>,
    rows: Option<u64>,
    rows_affected: Option<u64>,
    elapsed: Duration,
    error: Option<&'a Error>,
}

impl<'a> QueryEvent<'a> {
    /// The database, as OpenTelemetry's `db.system` names it (`sqlite`,
    /// `postgresql`, ...).
    pub fn system(&self) -> &'static str {
        self.system
    }

    /// What kind of call it was.
    pub fn kind(&self) -> StatementKind {
        self.kind
    }

    /// The SQL, with the dialect's placeholders.
    pub fn sql(&self) -> &'a str {
        self.sql
    }

    /// How many values were bound (for [`StatementKind::ExecuteMany`] and
    /// [`StatementKind::InsertRows`], over all the rows).
    pub fn param_count(&self) -> usize {
        self.param_count
    }

    /// The values bound, in order (for [`StatementKind::ExecuteMany`] and
    /// [`StatementKind::InsertRows`], every row's, one after the other): only when the database
    /// traces them ([`Database::set_trace_params`](crate::Database::set_trace_params));
    /// `None` otherwise.
    pub fn params(&self) -> Option<&'a [Value]> {
        self.params
    }

    /// Rows returned, for fetches and streams; `None` for other kinds and
    /// for a statement that failed.
    pub fn rows(&self) -> Option<u64> {
        self.rows
    }

    /// Rows inserted, changed or deleted as the database reports them;
    /// `None` for transaction control, streams and failed statements.
    pub fn rows_affected(&self) -> Option<u64> {
        self.rows_affected
    }

    /// How long the statement took, from sending it to its result (to the
    /// end of a stream).
    pub fn elapsed(&self) -> Duration {
        self.elapsed
    }

    /// The error it failed with, if it failed.
    pub fn error(&self) -> Option<&'a Error> {
        self.error
    }
}

/// Names a query hook, to remove it with
/// [`Database::remove_query_hook`](crate::Database::remove_query_hook).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct QueryHookId(u64);

type Hook = Arc<dyn Fn(&QueryEvent<'_>) + Send + Sync>;

/// A database's tracing settings and query hooks.
pub(crate) struct TraceSettings {
    /// Whether spans and hooks see parameter values.
    params: AtomicBool,
    /// Whether `hooks` has any: read without the lock on every statement.
    any_hooks: AtomicBool,
    hooks: RwLock<Arc<[(QueryHookId, Hook)]>>,
    next_hook: AtomicU64,
}

impl TraceSettings {
    pub(crate) fn new() -> Self {
        TraceSettings {
            params: AtomicBool::new(false),
            any_hooks: AtomicBool::new(false),
            hooks: RwLock::new(Arc::from(Vec::new())),
            next_hook: AtomicU64::new(0),
        }
    }

    pub(crate) fn set_params(&self, on: bool) {
        self.params.store(on, Ordering::Relaxed);
    }

    pub(crate) fn add_hook(&self, hook: Hook) -> QueryHookId {
        let id = QueryHookId(self.next_hook.fetch_add(1, Ordering::Relaxed));
        let mut hooks = self.hooks.write().unwrap_or_else(PoisonError::into_inner);
        let mut list = hooks.to_vec();
        list.push((id, hook));
        *hooks = Arc::from(list);
        self.any_hooks.store(true, Ordering::Release);
        id
    }

    pub(crate) fn remove_hook(&self, id: QueryHookId) -> bool {
        let mut hooks = self.hooks.write().unwrap_or_else(PoisonError::into_inner);
        let list: Vec<_> = hooks.iter().filter(|(hook, _)| *hook != id).cloned().collect();
        let removed = list.len() != hooks.len();
        self.any_hooks.store(!list.is_empty(), Ordering::Release);
        *hooks = Arc::from(list);
        removed
    }

    /// The hooks to call for a statement starting now, if there are any.
    fn hooks(&self) -> Option<Arc<[(QueryHookId, Hook)]>> {
        if !self.any_hooks.load(Ordering::Acquire) {
            return None;
        }
        let hooks = self.hooks.read().unwrap_or_else(PoisonError::into_inner);
        (!hooks.is_empty()).then(|| Arc::clone(&hooks))
    }
}

/// How a statement ended, for [`Probe::finish`].
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Counts {
    pub(crate) rows: Option<u64>,
    pub(crate) rows_affected: Option<u64>,
}

/// The instrumentation of one statement: its span, the hooks to tell, and
/// the clock. Exists only while a subscriber or a hook is interested.
pub(crate) struct Probe<'a> {
    span: tracing::Span,
    hooks: Option<Arc<[(QueryHookId, Hook)]>>,
    started: Instant,
    system: &'static str,
    kind: StatementKind,
    /// What hooks are given; only filled when there are hooks.
    sql: Cow<'a, str>,
    param_count: usize,
    params: Option<Cow<'a, [Value]>>,
}

impl<'a> Probe<'a> {
    /// Start instrumenting a statement, or `None` when no subscriber and no
    /// hook is interested: then nothing is computed, not even `sql`. The
    /// check is two atomic loads; the span is made out of line.
    #[inline]
    pub(crate) fn start(
        settings: &TraceSettings,
        dialect: &dyn Dialect,
        kind: StatementKind,
        params: &'a [Value],
        sql: impl FnOnce() -> Cow<'a, str>,
    ) -> Option<Self> {
        let hooks = settings.hooks();
        // The first check `debug_span!` makes, without its code here: no
        // subscriber wants DEBUG spans of anything.
        if hooks.is_none() && tracing::Level::DEBUG > tracing::level_filters::LevelFilter::current() {
            return None;
        }
        Probe::spanned(settings, hooks, dialect, kind, params, sql)
    }

    #[cold]
    #[inline(never)]
    fn spanned(
        settings: &TraceSettings,
        hooks: Option<Arc<[(QueryHookId, Hook)]>>,
        dialect: &dyn Dialect,
        kind: StatementKind,
        params: &'a [Value],
        sql: impl FnOnce() -> Cow<'a, str>,
    ) -> Option<Self> {
        let span = tracing::debug_span!(
            target: "ormcore::statement",
            "ormcore.statement",
            db.system = dialect.system(),
            db.statement = Empty,
            kind = kind.as_str(),
            params = params.len(),
            values = Empty,
            rows = Empty,
            rows_affected = Empty,
            elapsed_us = Empty,
            error = Empty,
        );
        if span.is_disabled() && hooks.is_none() {
            return None;
        }
        Some(Probe::enabled(settings, span, hooks, dialect.system(), kind, params, sql()))
    }

    fn enabled(
        settings: &TraceSettings,
        span: tracing::Span,
        hooks: Option<Arc<[(QueryHookId, Hook)]>>,
        system: &'static str,
        kind: StatementKind,
        params: &'a [Value],
        sql: Cow<'a, str>,
    ) -> Self {
        let with_values = settings.params.load(Ordering::Relaxed);
        span.record("db.statement", &*sql);
        if with_values {
            span.record("values", debug(params));
        }
        Probe {
            span,
            hooks,
            started: Instant::now(),
            system,
            kind,
            sql,
            param_count: params.len(),
            params: with_values.then_some(Cow::Borrowed(params)),
        }
    }

    /// Count the statement's time from `started` (a statement that could
    /// only be known to have run once it had).
    pub(crate) fn started_at(mut self, started: Instant) -> Self {
        self.started = started;
        self
    }

    /// The statement's span, to enter while it runs.
    pub(crate) fn span(&self) -> &tracing::Span {
        &self.span
    }

    /// Whether the values bound are traced (for `execute_many`, which
    /// collects them as it goes).
    pub(crate) fn wants_params(&self) -> bool {
        self.params.is_some()
    }

    /// The values bound, when they are known only as the statement runs
    /// (`execute_many`).
    pub(crate) fn set_params(&mut self, count: usize, params: Option<Vec<Value>>) {
        self.param_count = count;
        self.span.record("params", count);
        if let Some(params) = params {
            self.span.record("values", debug(&params));
            self.params = Some(Cow::Owned(params));
        }
    }

    /// A probe that owns what it refers to, for a stream that outlives its
    /// statement.
    pub(crate) fn into_owned(self) -> Probe<'static> {
        Probe {
            span: self.span,
            hooks: self.hooks,
            started: self.started,
            system: self.system,
            kind: self.kind,
            sql: Cow::Owned(self.sql.into_owned()),
            param_count: self.param_count,
            params: self.params.map(|p| Cow::Owned(p.into_owned())),
        }
    }

    /// Record how the statement ended and tell the hooks.
    pub(crate) fn finish(self, outcome: std::result::Result<Counts, &Error>) {
        let elapsed = self.started.elapsed();
        let span = &self.span;
        span.record("elapsed_us", u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX));
        let counts = match outcome {
            Ok(counts) => {
                if let Some(rows) = counts.rows {
                    span.record("rows", rows);
                }
                if let Some(rows) = counts.rows_affected {
                    span.record("rows_affected", rows);
                }
                counts
            }
            Err(error) => {
                span.record("error", error.kind_name());
                Counts::default()
            }
        };
        if let Some(hooks) = &self.hooks {
            let event = QueryEvent {
                system: self.system,
                kind: self.kind,
                sql: &self.sql,
                param_count: self.param_count,
                params: self.params.as_deref(),
                rows: counts.rows,
                rows_affected: counts.rows_affected,
                elapsed,
                error: outcome.err(),
            };
            // Inside the span, so that what a hook logs is the statement's.
            let _entered = span.enter();
            for (_, hook) in hooks.iter() {
                hook(&event);
            }
        }
    }

    /// [`finish`](Self::finish) with a result.
    pub(crate) fn finish_with<T>(self, result: &Result<T>, counts: impl FnOnce(&T) -> Counts) {
        self.finish(result.as_ref().map(counts));
    }
}
