//! [`Traced`]: a pooled connection as ormcore holds it, every statement it
//! sends instrumented (see [`crate::trace`]).
//!
//! Every connection ormcore leases out (a slot's, a pooled one for a single
//! statement) is wrapped so, and the wrapper is itself a [`RawConnection`]:
//! whatever runs statements on a lease goes through it, with no call site
//! of its own to remember. A new [`RawConnection`] method must be forwarded
//! here, or the backend's override of it is bypassed.

use std::borrow::Cow;
use std::future::Future;
use std::sync::Arc;
use std::time::Instant;

use tracing::Instrument as _;

use super::DatabaseInner;
use crate::backend::{Backend, ExecResult, InsertRows, NextParams, OnKey, OnResult, OnRow, RawConnection};
use crate::error::Result;
use crate::row::Row;
use crate::sql::{Dialect, Statement, TxOp, insert_template, transaction_sql};
use crate::trace::{Counts, Probe, StatementKind};
use crate::value::Value;

/// A pooled connection and the database whose settings and hooks its
/// statements are traced with.
pub(crate) struct Traced<B: Backend> {
    conn: B::Pooled,
    db: Arc<DatabaseInner<B>>,
}

impl<B: Backend> Traced<B> {
    pub(crate) fn new(conn: B::Pooled, db: Arc<DatabaseInner<B>>) -> Self {
        Traced { conn, db }
    }

    /// The pooled connection, for a stream (which traces its own statement).
    pub(crate) fn into_pooled(self) -> B::Pooled {
        self.conn
    }

    /// Start tracing a statement: `None` when nobody is interested. Boxed,
    /// so that the statement's future holds one pointer for it.
    #[inline]
    fn probe<'a>(
        &self,
        kind: StatementKind,
        params: &'a [Value],
        sql: impl FnOnce() -> Cow<'a, str>,
    ) -> Option<Box<Probe<'a>>> {
        Probe::start(&self.db.trace, self.db.backend.dialect(), kind, params, sql).map(Box::new)
    }

    /// A transaction-control operation's SQL, for its span.
    fn tx_sql(&self, op: TxOp<'_>) -> Cow<'static, str> {
        Cow::Owned(transaction_sql(op, self.db.backend.dialect()).unwrap_or_else(|_| format!("{op:?}")))
    }
}

// Each statement awaits the backend's future directly when nobody traces
// it, and a boxed traced one otherwise: the untraced path holds nothing of
// ours across its await (the statement futures nest in every caller's).
impl<B: Backend> RawConnection for Traced<B> {
    async fn execute(&mut self, statement: &Statement) -> Result<ExecResult> {
        match self.probe(StatementKind::Execute, &statement.params, || Cow::Borrowed(&statement.sql)) {
            None => (*self.conn).execute(statement).await,
            Some(probe) => Box::pin(traced_execute(&mut *self.conn, *probe, statement)).await,
        }
    }

    async fn fetch(&mut self, statement: &Statement, on_row: &mut OnRow<'_>) -> Result<ExecResult> {
        match self.probe(StatementKind::Fetch, &statement.params, || Cow::Borrowed(&statement.sql)) {
            None => (*self.conn).fetch(statement, on_row).await,
            Some(probe) => Box::pin(traced_fetch(&mut *self.conn, *probe, statement, on_row)).await,
        }
    }

    fn columns(&mut self, statement: &Statement) -> impl Future<Output = Result<Vec<String>>> + Send {
        (*self.conn).columns(statement)
    }

    async fn execute_many(
        &mut self,
        sql: &str,
        next_params: &mut NextParams<'_>,
        on_result: &mut OnResult<'_>,
    ) -> Result<()> {
        match self.probe(StatementKind::ExecuteMany, &[], || Cow::Borrowed(sql)) {
            None => (*self.conn).execute_many(sql, next_params, on_result).await,
            Some(probe) => Box::pin(traced_execute_many(&mut *self.conn, *probe, sql, next_params, on_result)).await,
        }
    }

    /// One span for the whole bulk insert, as for `execute_many`: the
    /// backend sends it its own way (SQLite: one prepared statement per
    /// row; the default: statements of `batch_size` rows), so the span
    /// shows the statement for one row, and counts every value and row.
    async fn insert_rows(
        &mut self,
        dialect: &dyn Dialect,
        rows: &InsertRows<'_>,
        next_row: &mut NextParams<'_>,
        on_key: &mut OnKey<'_>,
    ) -> Result<()> {
        let sql = || {
            Cow::Owned(insert_template(rows.table, rows.columns, 1, rows.key, dialect).map_or_else(
                |_| format!("INSERT INTO {:?} ({} columns)", rows.table.name, rows.columns.len()),
                |template| template.sql.to_string(),
            ))
        };
        match self.probe(StatementKind::InsertRows, &[], sql) {
            None => (*self.conn).insert_rows(dialect, rows, next_row, on_key).await,
            Some(probe) => Box::pin(traced_insert_rows(&mut *self.conn, *probe, dialect, rows, next_row, on_key)).await,
        }
    }

    async fn transaction(&mut self, op: TxOp<'_>) -> Result<()> {
        match self.probe(StatementKind::Transaction, &[], || self.tx_sql(op)) {
            None => (*self.conn).transaction(op).await,
            Some(probe) => Box::pin(traced_transaction(&mut *self.conn, *probe, op)).await,
        }
    }

    fn in_transaction(&self) -> bool {
        self.conn.in_transaction()
    }

    fn transaction_status(&mut self) -> impl Future<Output = Result<bool>> + Send {
        (*self.conn).transaction_status()
    }

    fn is_lost(&self) -> bool {
        self.conn.is_lost()
    }

    fn transaction_now(&mut self, op: TxOp<'_>) -> Option<Result<()>> {
        // Only a backend that can answers: a span is made once it has, so
        // that a statement that was never sent has none. (Rare: a dropped
        // guard's undo.)
        let started = Instant::now();
        let result = self.conn.transaction_now(op)?;
        if let Some(probe) = self.probe(StatementKind::Transaction, &[], || self.tx_sql(op)) {
            probe.started_at(started).finish_with(&result, |()| Counts::default());
        }
        Some(result)
    }
}

async fn traced_execute<C: RawConnection>(conn: &mut C, probe: Probe<'_>, statement: &Statement) -> Result<ExecResult> {
    let result = conn.execute(statement).instrument(probe.span().clone()).await;
    probe.finish_with(&result, |r| Counts { rows: None, rows_affected: Some(r.rows_affected) });
    result
}

async fn traced_fetch<C: RawConnection>(
    conn: &mut C,
    probe: Probe<'_>,
    statement: &Statement,
    on_row: &mut OnRow<'_>,
) -> Result<ExecResult> {
    let mut rows = 0u64;
    let result = {
        let mut counting = |row: &dyn Row| {
            rows += 1;
            on_row(row)
        };
        conn.fetch(statement, &mut counting).instrument(probe.span().clone()).await
    };
    // A select changes nothing; some drivers report its rows there.
    let read_only = statement.read_only;
    probe.finish_with(&result, |r| Counts { rows: Some(rows), rows_affected: (!read_only).then_some(r.rows_affected) });
    result
}

async fn traced_execute_many<C: RawConnection>(
    conn: &mut C,
    mut probe: Probe<'_>,
    sql: &str,
    next_params: &mut NextParams<'_>,
    on_result: &mut OnResult<'_>,
) -> Result<()> {
    let collect = probe.wants_params();
    let (mut count, mut values, mut affected) = (0, Vec::new(), 0u64);
    let result = {
        let mut counting_params = |params: &mut Vec<Value>| {
            let more = next_params(params);
            if more {
                count += params.len();
                if collect {
                    values.extend_from_slice(params);
                }
            }
            more
        };
        let mut counting_results = |result: ExecResult| {
            affected += result.rows_affected;
            on_result(result);
        };
        conn.execute_many(sql, &mut counting_params, &mut counting_results).instrument(probe.span().clone()).await
    };
    probe.set_params(count, collect.then_some(values));
    probe.finish_with(&result, |()| Counts { rows: None, rows_affected: Some(affected) });
    result
}

async fn traced_insert_rows<C: RawConnection>(
    conn: &mut C,
    mut probe: Probe<'_>,
    dialect: &dyn Dialect,
    rows: &InsertRows<'_>,
    next_row: &mut NextParams<'_>,
    on_key: &mut OnKey<'_>,
) -> Result<()> {
    let collect = probe.wants_params();
    let (mut count, mut values, mut inserted) = (0, Vec::new(), 0u64);
    let result = {
        let mut counting_rows = |params: &mut Vec<Value>| {
            let more = next_row(params);
            if more {
                count += params.len();
                inserted += 1;
                if collect {
                    values.extend_from_slice(params);
                }
            }
            more
        };
        conn.insert_rows(dialect, rows, &mut counting_rows, on_key).instrument(probe.span().clone()).await
    };
    probe.set_params(count, collect.then_some(values));
    probe.finish_with(&result, |()| Counts { rows: None, rows_affected: Some(inserted) });
    result
}

async fn traced_transaction<C: RawConnection>(conn: &mut C, probe: Probe<'_>, op: TxOp<'_>) -> Result<()> {
    let result = conn.transaction(op).instrument(probe.span().clone()).await;
    probe.finish_with(&result, |()| Counts::default());
    result
}
