//! [`RowStream`]: rows read in batches from a statement that stays open
//! (the reference's `db.iterate(query)`).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use std::borrow::Cow;

use tracing::Instrument as _;

use super::Target;
use super::slot::Slot;
use super::traced::Traced;
use crate::backend::{Backend, RawStream};
use crate::error::{Error, Result};
use crate::query::related::Related;
use crate::row::FromRow;
use crate::sql::Statement;
use crate::trace::{Counts, Probe, StatementKind};

/// The reference's default batch size.
pub(crate) const DEFAULT_BUFFER_SIZE: usize = 100;

/// The largest batch a stream fetches: more rows per round trip gain
/// nothing measurable, and every database takes a count this size.
pub(crate) const MAX_BUFFER_SIZE: usize = 1 << 20;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Where a stream's connection goes back to.
enum Home<B: Backend> {
    /// The slot it was taken from (a task's connection or a transaction).
    Slot(Arc<Slot<B>>),
    /// The pool: dropping the connection returns it.
    Pool,
}

/// A backend stream together with the place its connection returns to,
/// which it does on drop: finishing, failing, or being abandoned mid-way.
struct Open<B: Backend> {
    stream: Option<B::Stream>,
    home: Home<B>,
    trace: Option<StreamTrace>,
    /// The connection the eager loads run on, taken from the pool with the
    /// stream's own and held as long as it: the stream's is busy reading.
    loads: Option<Traced<B>>,
}

/// The tracing of a stream's statement, one span for its whole life: it
/// ends when the stream fails or is done with (exhausted or dropped).
struct StreamTrace {
    probe: Probe<'static>,
    rows: u64,
}

impl<B: Backend> Open<B> {
    /// The stream's statement failed: trace it so, now.
    fn failed(&mut self, error: &Error) {
        if let Some(trace) = self.trace.take() {
            trace.probe.finish(Err(error));
        }
    }
}

impl<B: Backend> Drop for Open<B> {
    fn drop(&mut self) {
        if let Some(trace) = self.trace.take() {
            trace.probe.finish(Ok(Counts { rows: Some(trace.rows), rows_affected: None }));
        }
        if let Some(stream) = self.stream.take() {
            let conn = stream.into_pooled();
            match &self.home {
                Home::Slot(slot) => slot.give_back(conn),
                Home::Pool => drop(conn),
            }
        }
    }
}

/// A batch of decoded rows and whether more may follow.
type Batch<R> = Result<(Vec<R>, bool)>;

enum State<'a, B: Backend, R> {
    Start(Target<'a, B>, Result<Statement>),
    Opening(BoxFuture<'a, Result<Open<B>>>),
    Ready(Open<B>),
    Fetching(BoxFuture<'static, (Open<B>, Batch<R>)>),
    /// The eager loads of a batch, on the stream's second connection.
    Loading(BoxFuture<'a, (Open<B>, Batch<R>)>),
    Done,
}

/// Rows of a query, fetched `buffer_size` at a time (default 100) while
/// the statement stays open: memory stays flat however many rows there are.
///
/// The stream holds its connection until it is exhausted or dropped. Another
/// query on that same connection meanwhile waits up to the database's
/// streaming timeout (default 5 s) for the stream to finish, then fails with
/// [`Error::Interface`](crate::Error::Interface); it never hangs and never
/// interleaves. Drop the stream to release the connection at once.
///
/// A select's eager loads ([`with_related`](crate::query::Select::with_related))
/// run once per batch, for the batch's rows, on a second connection from
/// the pool (the stream's own is busy reading), which the stream takes
/// when it opens and holds until it ends: one select per relation per
/// batch. So a stream with eager loads is refused inside a transaction
/// (the other connection would not see the transaction's writes) and on a
/// database of one connection (an in-memory SQLite database).
///
/// Read it with [`next`](RowStream::next), or as a `futures::Stream`.
#[must_use = "a stream does nothing until polled"]
pub struct RowStream<'a, B: Backend, R> {
    state: State<'a, B, R>,
    buffer_size: usize,
    rows: VecDeque<R>,
    related: Arc<Related<R>>,
    /// The dialect the eager loads compile for, when there are any.
    loads: Option<&'a dyn crate::sql::Dialect>,
}

impl<'a, B: Backend, R: FromRow + 'static> RowStream<'a, B, R> {
    pub(crate) fn new(target: Target<'a, B>, statement: Result<Statement>, related: Related<R>) -> Self {
        let loads = (!related.preloads.is_empty()).then(|| target.dialect());
        RowStream {
            state: State::Start(target, statement),
            buffer_size: DEFAULT_BUFFER_SIZE,
            rows: VecDeque::new(),
            related: Arc::new(related),
            loads,
        }
    }

    /// Fetch `size` rows per round trip (at least 1, at most 2^20).
    pub fn buffer_size(mut self, size: usize) -> Self {
        self.buffer_size = size.clamp(1, MAX_BUFFER_SIZE);
        self
    }

    /// The next row, or `None` once all rows have been read.
    pub async fn next(&mut self) -> Option<Result<R>> {
        std::future::poll_fn(|cx| self.poll_row(cx)).await
    }

    /// Read every remaining row into a vector.
    pub async fn try_collect(mut self) -> Result<Vec<R>> {
        let mut rows = Vec::new();
        while let Some(row) = self.next().await {
            rows.push(row?);
        }
        Ok(rows)
    }

    fn poll_row(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<R>>> {
        loop {
            if let Some(row) = self.rows.pop_front() {
                return Poll::Ready(Some(Ok(row)));
            }
            match std::mem::replace(&mut self.state, State::Done) {
                State::Start(target, statement) => match statement {
                    Ok(statement) => {
                        self.state = State::Opening(Box::pin(open(target, statement, self.loads.is_some())))
                    }
                    Err(error) => return Poll::Ready(Some(Err(error))),
                },
                State::Opening(mut future) => match future.as_mut().poll(cx) {
                    Poll::Pending => {
                        self.state = State::Opening(future);
                        return Poll::Pending;
                    }
                    Poll::Ready(Ok(open)) => self.state = State::Ready(open),
                    Poll::Ready(Err(error)) => return Poll::Ready(Some(Err(error))),
                },
                State::Ready(open) => {
                    let related = Arc::clone(&self.related);
                    self.state = State::Fetching(Box::pin(fetch_batch(open, self.buffer_size, related)));
                }
                State::Fetching(mut future) => {
                    let poll = future.as_mut().poll(cx);
                    let Poll::Ready((open, result)) = poll else {
                        self.state = State::Fetching(future);
                        return Poll::Pending;
                    };
                    match (result, self.loads) {
                        (Ok((rows, more)), Some(dialect)) if !rows.is_empty() => {
                            let related = Arc::clone(&self.related);
                            self.state = State::Loading(Box::pin(load_batch(open, dialect, related, rows, more)));
                        }
                        (result, _) => {
                            if let Some(error) = self.batch_done(open, result) {
                                return Poll::Ready(Some(Err(error)));
                            }
                        }
                    }
                }
                State::Loading(mut future) => {
                    let poll = future.as_mut().poll(cx);
                    let Poll::Ready((open, result)) = poll else {
                        self.state = State::Loading(future);
                        return Poll::Pending;
                    };
                    if let Some(error) = self.batch_done(open, result) {
                        return Poll::Ready(Some(Err(error)));
                    }
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }

    /// Keep a batch's rows; the error of a failed batch.
    fn batch_done(&mut self, open: Open<B>, result: Batch<R>) -> Option<Error> {
        match result {
            Ok((rows, more)) => {
                self.rows.extend(rows);
                // An exhausted stream gives its connection back now, not
                // when polled once more.
                self.state = if more { State::Ready(open) } else { State::Done };
                None
            }
            Err(error) => Some(error),
        }
    }
}

/// Open the stream on the target's connection (a bound one, else one from
/// the pool), with a second connection for its eager loads if it has any.
async fn open<B: Backend>(target: Target<'_, B>, statement: Statement, with_loads: bool) -> Result<Open<B>> {
    if with_loads {
        // Here, not when the stream is made: a transaction may have begun
        // on the task's connection in between.
        target.check_second_connection()?;
    }
    let (conn, home, loads) = match target.slot() {
        Some(slot) => {
            // The bound connection is the task's already: one more to take.
            let loads = match with_loads {
                true => Some(target.pooled().await?),
                false => None,
            };
            (target.lease_bound(&slot).await?.detach(), Home::Slot(slot), loads)
        }
        None if with_loads => {
            // Both at once, so that two streams never each hold one and
            // wait for the other's.
            let _pair = target.inner().pair_acquire.lock().await;
            let loads = target.pooled().await?;
            (target.backend().acquire().await?, Home::Pool, Some(loads))
        }
        None => (target.backend().acquire().await?, Home::Pool, None),
    };
    // If this future is dropped while the backend opens the stream, the
    // connection goes down with it: tell the slot, so that its next
    // statement fails at once instead of waiting for a stream that never
    // comes back.
    let lost = LostOnDrop(match &home {
        Home::Slot(slot) => Some(Arc::clone(slot)),
        Home::Pool => None,
    });
    let inner = target.inner();
    let probe = Probe::start(&inner.trace, inner.backend.dialect(), StatementKind::Stream, &statement.params, || {
        Cow::Borrowed(&statement.sql)
    })
    .map(Probe::into_owned);
    let opened = match &probe {
        Some(probe) => B::stream(conn, statement).instrument(probe.span().clone()).await,
        None => B::stream(conn, statement).await,
    };
    lost.disarm();
    match opened {
        Ok(stream) => {
            Ok(Open { stream: Some(stream), home, trace: probe.map(|probe| StreamTrace { probe, rows: 0 }), loads })
        }
        Err((error, conn)) => {
            if let Some(probe) = probe {
                probe.finish(Err(&error));
            }
            if let Home::Slot(slot) = home {
                slot.give_back(conn);
            }
            Err(error)
        }
    }
}

/// Marks a slot's connection lost unless disarmed; see [`open`].
struct LostOnDrop<B: Backend>(Option<Arc<Slot<B>>>);

impl<B: Backend> LostOnDrop<B> {
    /// The stream opened (or failed and gave the connection back).
    fn disarm(mut self) {
        self.0 = None;
    }
}

impl<B: Backend> Drop for LostOnDrop<B> {
    fn drop(&mut self) {
        if let Some(slot) = &self.0 {
            slot.lose_connection();
        }
    }
}

/// Run a select's eager loads for one batch of its rows, on the stream's
/// second connection.
async fn load_batch<B: Backend, R: 'static + Send>(
    mut open: Open<B>,
    dialect: &dyn crate::sql::Dialect,
    related: Arc<Related<R>>,
    mut rows: Vec<R>,
    more: bool,
) -> (Open<B>, Batch<R>) {
    let result = match open.loads.as_mut() {
        Some(conn) => crate::executor::preload(conn, dialect, &related.preloads, &mut rows).await,
        None => Err(Error::interface("a stream with eager loads opened without their connection")),
    };
    (open, result.map(|()| (rows, more)))
}

async fn fetch_batch<B: Backend, R: FromRow + 'static>(
    mut open: Open<B>,
    max: usize,
    related: Arc<Related<R>>,
) -> (Open<B>, Batch<R>) {
    // A batch may come up short (the last one, a huge buffer size): grow
    // past the first thousand rows only as they arrive.
    let mut rows = Vec::with_capacity(max.min(1024));
    let stream = open.stream.as_mut().expect("an open stream holds its backend stream");
    let mut on_row = |row: &dyn crate::row::Row| {
        rows.push(related.decode(row)?);
        Ok(())
    };
    let batch = stream.next_batch(max, &mut on_row);
    let result = match &open.trace {
        Some(trace) => batch.instrument(trace.probe.span().clone()).await,
        None => batch.await,
    };
    match &result {
        Ok(_) => {
            if let Some(trace) = &mut open.trace {
                trace.rows += rows.len() as u64;
            }
        }
        Err(error) => open.failed(error),
    }
    (open, result.map(|more| (rows, more)))
}

impl<B: Backend, R: FromRow + 'static> futures_core::Stream for RowStream<'_, B, R> {
    type Item = Result<R>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        // `RowStream` holds only boxed futures and owned values: it is Unpin.
        let this = self.get_mut();
        let row = ready!(this.poll_row(cx));
        Poll::Ready(row)
    }
}

impl<B: Backend, R> Unpin for RowStream<'_, B, R> {}
