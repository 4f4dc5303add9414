//! A fault-injecting backend: [`Faulty`] wraps any [`Backend`], records
//! every operation ormcore sends through it, and at the operation a test
//! chose makes it fail, stall or lose its connection.
//!
//! ```text
//! let db = faults::open::<T>(Config::default().pool_size(1)).await;
//! let faults = db.backend().faults();
//! faults.arm(3, Fault::Stall);         // the 4th operation never completes
//! let work = Box::pin(script(&db));
//! tokio::select! { _ = faults.reached() => {}, r = work.as_mut() => panic!("{r:?}") }
//! drop(work);                           // cancelled at that await point
//! ```
//!
//! Every operation ormcore awaits on a connection (and a few it does not)
//! is one [`Op`] in the log, numbered from 0 since the last
//! [`clear`](Faults::clear): acquiring a connection, statements (execute,
//! fetch, execute_many, transaction control, stream start, each stream
//! batch), and the I/O that is not a statement (asking the transaction
//! status, describing columns). [`Faults::statements`] keeps the ones that
//! send SQL, for counting queries.
//!
//! The wrapper holds the inner backend through a [`Database`] of it (the
//! suite's [`TestDb`] opens databases, not bare backends) and uses only its
//! backend: the inner database's scopes are never used.

use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::pin::{Pin, pin};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::Poll;

use ormcore::backend::{
    Backend, ExecResult, InsertRows, NextParams, OnKey, OnResult, OnRow, PoolStatus, RawConnection, RawStream,
};
use ormcore::sql::TxOp;
use ormcore::sql::{Dialect, Statement};
use ormcore::{Database, Error, Result};
use tokio::sync::Notify;

use crate::harness::{Config, TestDb};

/// What happens at an armed operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Fault {
    /// The operation fails with an [`Error::Operational`] saying "injected
    /// fault", without reaching the inner backend.
    Fail,
    /// The operation never starts and never completes: its future pends
    /// until dropped. As a caller sees a server that stopped answering
    /// before it read the request.
    Stall,
    /// The operation runs on the inner backend to completion, then its
    /// future pends until dropped: the database did it, the caller never
    /// hears. As a caller sees a reply lost on its way back.
    StallAfter,
    /// The operation's inner future is polled once (a network backend has
    /// then sent the request), then never again; it is dropped, still in
    /// flight, with the outer future. If it completed on that first poll
    /// this is [`StallAfter`](Fault::StallAfter).
    Interrupt,
    /// The connection is lost: the operation fails with
    /// [`Error::ConnectionLost`] without running, the connection's
    /// [`is_lost`](RawConnection::is_lost) says true from then on and every
    /// later operation on it fails so. Where the [`TestDb`] can
    /// ([`TestDb::kill_raw_connection`]), the session is killed on the
    /// server too and the inner pool discards it; otherwise the inner
    /// connection goes back to its pool, which cleans it by its own
    /// clean-release rule, as it does any connection.
    Cut,
}

/// A transaction-control operation, as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TxRecord {
    /// `BEGIN`.
    Begin,
    /// `COMMIT`.
    Commit,
    /// `ROLLBACK`.
    Rollback,
    /// `SAVEPOINT name`.
    Savepoint(String),
    /// `RELEASE name`.
    Release(String),
    /// `ROLLBACK TO name`.
    RollbackTo(String),
    /// An operation this wrapper does not know, in its `Debug` form.
    Other(String),
}

impl TxRecord {
    fn of(op: TxOp<'_>) -> TxRecord {
        match op {
            TxOp::Begin(_) => TxRecord::Begin,
            TxOp::Commit => TxRecord::Commit,
            TxOp::Rollback => TxRecord::Rollback,
            TxOp::Savepoint(name) => TxRecord::Savepoint(name.to_owned()),
            TxOp::Release(name) => TxRecord::Release(name.to_owned()),
            TxOp::RollbackTo(name) => TxRecord::RollbackTo(name.to_owned()),
            other => TxRecord::Other(format!("{other:?}")),
        }
    }
}

/// The kind of a recorded operation.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// [`Backend::acquire`].
    Acquire,
    /// [`Backend::acquire_shared`].
    AcquireShared,
    /// [`RawConnection::execute`].
    Execute,
    /// [`RawConnection::fetch`].
    Fetch,
    /// [`RawConnection::columns`].
    Columns,
    /// [`RawConnection::execute_many`] (one operation for all its rows).
    ExecuteMany,
    /// [`RawConnection::insert_rows`] (one operation for all its rows).
    InsertRows,
    /// [`RawConnection::transaction`].
    Transaction(TxRecord),
    /// [`RawConnection::transaction_now`], the synchronous form.
    TransactionNow(TxRecord),
    /// [`RawConnection::transaction_status`].
    TransactionStatus,
    /// [`Backend::stream`].
    Stream,
    /// [`RawStream::next_batch`].
    NextBatch,
}

impl OpKind {
    /// Whether the operation sends SQL to the database: a statement, a
    /// transaction-control statement, a stream's start or batch. Not
    /// acquiring a connection, asking the transaction status (which a
    /// backend answers from what it knows where it can) or describing
    /// columns.
    pub fn is_statement(&self) -> bool {
        !matches!(self, OpKind::Acquire | OpKind::AcquireShared | OpKind::Columns | OpKind::TransactionStatus)
    }
}

/// One recorded operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Op {
    /// Its number in the log, from 0 since the last [`Faults::clear`].
    pub index: usize,
    /// The connection it ran on (numbered as the wrapper handed them out,
    /// from 0 for the wrapper's life); `None` for acquiring one.
    pub conn: Option<usize>,
    /// What it was.
    pub kind: OpKind,
    /// The SQL it sent, for statements that carry their own (execute,
    /// fetch, columns, execute_many, stream and its batches).
    pub sql: Option<String>,
    /// It was sent to a connection the injector had cut.
    pub on_cut_connection: bool,
    /// The inner backend declined it: a [`RawConnection::transaction_now`]
    /// it cannot run without I/O (it answered `None`), so no SQL was sent.
    pub declined: bool,
}

impl std::fmt::Display for Op {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "#{} {:?}", self.index, self.kind)?;
        if let Some(sql) = &self.sql {
            write!(f, " {sql:?}")?;
        }
        if self.on_cut_connection {
            write!(f, " (on a cut connection)")?;
        }
        if self.declined {
            write!(f, " (declined)")?;
        }
        Ok(())
    }
}

#[derive(Default)]
struct State {
    log: Vec<Op>,
    armed: Vec<(usize, Fault)>,
    fired: Vec<(Op, Fault)>,
    /// Operations whose fault has taken effect: failed, cut, or pending
    /// for good.
    reached: Vec<Op>,
    next_conn: usize,
}

#[derive(Default)]
struct FaultsInner {
    state: Mutex<State>,
    fired: Notify,
}

/// The recording and the armed faults of one [`Faulty`] backend, shared by
/// every connection it hands out. Cheap to clone.
#[derive(Clone, Default)]
pub struct Faults {
    inner: Arc<FaultsInner>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.state();
        f.debug_struct("Faults").field("ops", &state.log.len()).field("armed", &state.armed).finish()
    }
}

/// What an operation is to do, decided as it is recorded.
enum Plan {
    Pass,
    Fault(Fault, Op),
    OnCut(usize),
}

impl Faults {
    fn state(&self) -> MutexGuard<'_, State> {
        self.inner.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Arm `fault` at the operation numbered `at` (counted since the last
    /// [`clear`](Faults::clear)). Each armed fault fires once.
    pub fn arm(&self, at: usize, fault: Fault) {
        let mut state = self.state();
        state.armed.push((at, fault));
        state.fired.clear();
        state.reached.clear();
    }

    /// Disarm every fault not yet fired, and forget the ones that fired.
    pub fn disarm(&self) {
        let mut state = self.state();
        state.armed.clear();
        state.fired.clear();
        state.reached.clear();
    }

    /// Empty the log: the next operation is numbered 0. Armed faults stay
    /// armed (at their numbers, counted from now on).
    pub fn clear(&self) {
        self.state().log.clear();
    }

    /// The operations recorded since the last [`clear`](Faults::clear).
    pub fn log(&self) -> Vec<Op> {
        self.state().log.clone()
    }

    /// How many operations were recorded since the last clear.
    pub fn count(&self) -> usize {
        self.state().log.len()
    }

    /// The recorded operations that sent SQL ([`OpKind::is_statement`],
    /// and not [`declined`](Op::declined)).
    pub fn statements(&self) -> Vec<Op> {
        self.state().log.iter().filter(|op| op.kind.is_statement() && !op.declined).cloned().collect()
    }

    /// The inner backend declined the last `transaction_now` on
    /// connection `conn` (no other operation on it can have come since:
    /// the call is synchronous).
    fn decline(&self, conn: usize) {
        let mut state = self.state();
        let last = state.log.iter_mut().rev().find(|op| op.conn == Some(conn));
        if let Some(op) = last.filter(|op| matches!(op.kind, OpKind::TransactionNow(_))) {
            op.declined = true;
        }
    }

    /// The faults that fired since the last [`arm`](Faults::arm), with the
    /// operation each fired at, in order.
    pub fn fired(&self) -> Vec<(Op, Fault)> {
        self.state().fired.clone()
    }

    /// Wait until an armed fault has taken effect (since the last
    /// [`arm`](Faults::arm)): the operation failed or was cut, or, for a
    /// stall, its future is pending for good (after the inner operation
    /// completed, for [`Fault::StallAfter`]). The operation it fired at.
    pub async fn reached(&self) -> Op {
        loop {
            // Created before the check: `notify_waiters` wakes it even if it
            // is polled only after the notification.
            let notified = self.inner.fired.notified();
            if let Some(op) = self.state().reached.first() {
                return op.clone();
            }
            notified.await;
        }
    }

    /// The fault at `op` has taken effect.
    fn signal(&self, op: Op) {
        self.state().reached.push(op);
        self.inner.fired.notify_waiters();
    }

    /// The log, one operation a line, for failure messages.
    pub fn render(&self) -> String {
        self.log().iter().map(|op| format!("  {op}\n")).collect()
    }

    /// A number for a new connection.
    fn next_conn(&self) -> usize {
        let mut state = self.state();
        state.next_conn += 1;
        state.next_conn - 1
    }

    /// Record an operation and decide what it is to do.
    fn enter(&self, conn: Option<usize>, kind: OpKind, sql: Option<&str>, cut: bool) -> Plan {
        let mut state = self.state();
        let index = state.log.len();
        let op = Op { index, conn, kind, sql: sql.map(str::to_owned), on_cut_connection: cut, declined: false };
        state.log.push(op.clone());
        let armed = state.armed.iter().position(|&(at, _)| at == index);
        let plan = match armed {
            Some(position) => {
                let (_, fault) = state.armed.remove(position);
                state.fired.push((op.clone(), fault));
                Plan::Fault(fault, op)
            }
            None => Plan::Pass,
        };
        match plan {
            Plan::Pass if cut => Plan::OnCut(index),
            plan => plan,
        }
    }

    /// Run `inner` under a fault other than [`Fault::Cut`] (which the
    /// caller handles: it needs the connection).
    async fn apply<T>(&self, fault: Fault, op: Op, inner: impl Future<Output = Result<T>>) -> Result<T> {
        match fault {
            Fault::Fail | Fault::Cut => {
                drop(inner);
                let error = injected(op.index);
                self.signal(op);
                Err(error)
            }
            Fault::Stall => {
                drop(inner);
                self.signal(op);
                std::future::pending().await
            }
            Fault::StallAfter => {
                let _ = inner.await;
                self.signal(op);
                std::future::pending().await
            }
            Fault::Interrupt => {
                let mut inner = pin!(inner);
                // Polled once and kept, never polled again: dropped in
                // flight with this future.
                let _ = std::future::poll_fn(|cx| Poll::Ready(inner.as_mut().poll(cx))).await;
                self.signal(op);
                std::future::pending().await
            }
        }
    }
}

/// The error of [`Fault::Fail`].
fn injected(index: usize) -> Error {
    Error::Operational { message: format!("injected fault at operation {index}"), source: None }
}

/// The error of an operation on a connection [`Fault::Cut`] cut.
fn cut_error(index: usize) -> Error {
    Error::ConnectionLost { message: format!("connection cut by the fault injector (operation {index})"), source: None }
}

/// Kills the server session of a raw connection; see
/// [`TestDb::kill_raw_connection`].
pub type KillFn<B> = for<'a> fn(&'a mut <B as Backend>::Connection) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;

/// A backend that records and injects faults into another, `B`.
pub struct Faulty<B: Backend> {
    inner: Database<B>,
    faults: Faults,
    kill: Option<KillFn<B>>,
}

impl<B: Backend> Faulty<B> {
    /// Wrap the backend of `inner`, recording from now on, with no fault
    /// armed. [`Fault::Cut`] only marks connections lost.
    pub fn new(inner: Database<B>) -> Self {
        Faulty { inner, faults: Faults::default(), kill: None }
    }

    /// Kill the server session with `kill` at a [`Fault::Cut`].
    pub fn with_kill(mut self, kill: KillFn<B>) -> Self {
        self.kill = Some(kill);
        self
    }

    /// The recording and the armed faults.
    pub fn faults(&self) -> &Faults {
        &self.faults
    }

    /// The inner database, whose backend this one drives.
    pub fn inner(&self) -> &Database<B> {
        &self.inner
    }

    fn wrap(&self, pooled: B::Pooled, cut: bool) -> FaultyPooled<B> {
        let id = self.faults.next_conn();
        FaultyPooled { conn: FaultyConn { pooled, faults: self.faults.clone(), id, cut, kill: self.kill } }
    }
}

/// Open a fresh database of `T` with `config`, behind a [`Faulty`]
/// wrapper that kills sessions with [`TestDb::kill_raw_connection`].
pub async fn open<T: TestDb>(config: Config) -> Database<Faulty<T::Backend>> {
    Database::from_backend(Faulty::new(T::open(config).await).with_kill(kill_with::<T>))
}

fn kill_with<T: TestDb>(
    conn: &mut <T::Backend as Backend>::Connection,
) -> Pin<Box<dyn Future<Output = bool> + Send + '_>> {
    Box::pin(T::kill_raw_connection(conn))
}

impl<B: Backend> Backend for Faulty<B> {
    /// The wrapper itself: [`Database::from_backend`] with
    /// [`Faulty::new`] is the usual way in.
    type Options = Faulty<B>;
    type Connection = FaultyConn<B>;
    type Pooled = FaultyPooled<B>;
    type Stream = FaultyStream<B>;

    async fn connect(options: Faulty<B>) -> Result<Self> {
        Ok(options)
    }

    fn dialect(&self) -> &dyn Dialect {
        self.inner.backend().dialect()
    }

    async fn acquire(&self) -> Result<FaultyPooled<B>> {
        let mut cut = false;
        match self.faults.enter(None, OpKind::Acquire, None, false) {
            Plan::Pass | Plan::OnCut(_) => {}
            // A connection handed out lost, as one the server closed while
            // it was idle in the pool.
            Plan::Fault(Fault::Cut, op) => {
                cut = true;
                self.faults.signal(op);
            }
            Plan::Fault(fault, op) => {
                let inner = self.inner.backend().acquire();
                return self.faults.apply(fault, op, inner).await.map(|pooled| self.wrap(pooled, false));
            }
        }
        let pooled = self.inner.backend().acquire().await?;
        Ok(self.wrap(pooled, cut))
    }

    async fn acquire_shared(&self) -> Result<Option<FaultyPooled<B>>> {
        let shared = match self.faults.enter(None, OpKind::AcquireShared, None, false) {
            Plan::Pass | Plan::OnCut(_) => self.inner.backend().acquire_shared().await?,
            // Nothing to cut yet: a fault on the connection's statement can.
            Plan::Fault(Fault::Cut, op) => {
                self.faults.signal(op);
                self.inner.backend().acquire_shared().await?
            }
            Plan::Fault(fault, op) => {
                let inner = self.inner.backend().acquire_shared();
                self.faults.apply(fault, op, inner).await?
            }
        };
        Ok(shared.map(|pooled| self.wrap(pooled, false)))
    }

    async fn stream(
        conn: FaultyPooled<B>,
        statement: Statement,
    ) -> std::result::Result<FaultyStream<B>, (Error, FaultyPooled<B>)> {
        let FaultyConn { pooled, faults, id, cut, kill } = conn.conn;
        let sql = statement.sql.clone();
        let started = match faults.enter(Some(id), OpKind::Stream, Some(&*sql), cut) {
            Plan::Pass => B::stream(pooled, statement).await,
            Plan::OnCut(index) => Err((cut_error(index), pooled)),
            Plan::Fault(Fault::Cut, op) => {
                let mut conn = FaultyConn { pooled, faults, id, cut, kill };
                let error = conn.cut(op).await;
                return Err((error, FaultyPooled { conn }));
            }
            Plan::Fault(fault, op) => {
                // The stream's future owns the connection: a stalled start
                // drops it with the future, and a failed one gives it back.
                let mut pooled = Some(pooled);
                let inner = async {
                    let pooled = pooled.take().expect("taken once");
                    B::stream(pooled, statement).await.map_err(|(error, _)| error)
                };
                match faults.apply(fault, op, inner).await {
                    Ok(_) => unreachable!("a fault never lets the operation complete"),
                    Err(error) => {
                        let pooled = pooled.take().expect("a failed start never ran the inner one");
                        let conn = FaultyConn { pooled, faults, id, cut, kill };
                        return Err((error, FaultyPooled { conn }));
                    }
                }
            }
        };
        match started {
            Ok(inner) => Ok(FaultyStream { inner, faults, id, cut, kill, sql: sql.to_string() }),
            Err((error, pooled)) => Err((error, FaultyPooled { conn: FaultyConn { pooled, faults, id, cut, kill } })),
        }
    }

    async fn close(&self) {
        self.inner.backend().close().await;
    }

    fn pool_status(&self) -> PoolStatus {
        self.inner.backend().pool_status()
    }
}

/// A connection of [`Faulty`]: owns the inner backend's pooled connection
/// and records and injects faults into what runs on it.
pub struct FaultyConn<B: Backend> {
    pooled: B::Pooled,
    faults: Faults,
    id: usize,
    cut: bool,
    kill: Option<KillFn<B>>,
}

impl<B: Backend> FaultyConn<B> {
    /// The inner backend's connection, bypassing recording and faults.
    pub fn inner(&mut self) -> &mut B::Connection {
        &mut self.pooled
    }

    /// This connection's number in the log ([`Op::conn`]).
    pub fn id(&self) -> usize {
        self.id
    }

    /// Whether [`Fault::Cut`] cut this connection.
    pub fn is_cut(&self) -> bool {
        self.cut
    }

    /// Cut the connection at `op`: lost from now on, and killed on the
    /// server where the test database can. The error `op` fails with.
    async fn cut(&mut self, op: Op) -> Error {
        self.cut = true;
        if let Some(kill) = self.kill {
            kill(&mut self.pooled).await;
        }
        let error = cut_error(op.index);
        self.faults.signal(op);
        error
    }
}

/// Record an async operation on a [`FaultyConn`] and run it under its fault:
/// `faulted!(self, kind, sql, inner_future)`. The inner future is built
/// only where it is to run.
macro_rules! faulted {
    ($conn:ident, $kind:expr, $sql:expr, $inner:expr) => {
        match $conn.faults.enter(Some($conn.id), $kind, $sql, $conn.cut) {
            Plan::Pass => $inner.await,
            Plan::OnCut(index) => Err(cut_error(index)),
            Plan::Fault(Fault::Cut, op) => Err($conn.cut(op).await),
            Plan::Fault(fault, op) => {
                let faults = $conn.faults.clone();
                faults.apply(fault, op, $inner).await
            }
        }
    };
}

impl<B: Backend> RawConnection for FaultyConn<B> {
    async fn execute(&mut self, statement: &Statement) -> Result<ExecResult> {
        faulted!(self, OpKind::Execute, Some(&*statement.sql), self.pooled.execute(statement))
    }

    async fn fetch(&mut self, statement: &Statement, on_row: &mut OnRow<'_>) -> Result<ExecResult> {
        faulted!(self, OpKind::Fetch, Some(&*statement.sql), self.pooled.fetch(statement, on_row))
    }

    async fn columns(&mut self, statement: &Statement) -> Result<Vec<String>> {
        faulted!(self, OpKind::Columns, Some(&*statement.sql), self.pooled.columns(statement))
    }

    async fn execute_many(
        &mut self,
        sql: &str,
        next_params: &mut NextParams<'_>,
        on_result: &mut OnResult<'_>,
    ) -> Result<()> {
        faulted!(self, OpKind::ExecuteMany, Some(sql), self.pooled.execute_many(sql, next_params, on_result))
    }

    async fn insert_rows(
        &mut self,
        dialect: &dyn ormcore::sql::Dialect,
        rows: &InsertRows<'_>,
        next_row: &mut NextParams<'_>,
        on_key: &mut OnKey<'_>,
    ) -> Result<()> {
        // The backend compiles its statements itself: no SQL to record.
        faulted!(self, OpKind::InsertRows, None, self.pooled.insert_rows(dialect, rows, next_row, on_key))
    }

    async fn transaction(&mut self, op: TxOp<'_>) -> Result<()> {
        faulted!(self, OpKind::Transaction(TxRecord::of(op)), None, self.pooled.transaction(op))
    }

    fn in_transaction(&self) -> bool {
        self.pooled.in_transaction()
    }

    async fn transaction_status(&mut self) -> Result<bool> {
        faulted!(self, OpKind::TransactionStatus, None, self.pooled.transaction_status())
    }

    fn is_lost(&self) -> bool {
        self.cut || self.pooled.is_lost()
    }

    /// Synchronous: it cannot stall. Under [`Fault::Stall`],
    /// [`StallAfter`](Fault::StallAfter) or [`Interrupt`](Fault::Interrupt)
    /// it answers `None` (the backend cannot run it without I/O) without
    /// running it; under [`Fault::Cut`] the connection is marked lost but
    /// not killed (that needs I/O).
    fn transaction_now(&mut self, op: TxOp<'_>) -> Option<Result<()>> {
        match self.faults.enter(Some(self.id), OpKind::TransactionNow(TxRecord::of(op)), None, self.cut) {
            Plan::Pass => {
                let answer = self.pooled.transaction_now(op);
                if answer.is_none() {
                    self.faults.decline(self.id);
                }
                answer
            }
            Plan::OnCut(index) => Some(Err(cut_error(index))),
            Plan::Fault(Fault::Fail, op) => {
                let error = injected(op.index);
                self.faults.signal(op);
                Some(Err(error))
            }
            Plan::Fault(Fault::Cut, op) => {
                self.cut = true;
                let error = cut_error(op.index);
                self.faults.signal(op);
                Some(Err(error))
            }
            Plan::Fault(Fault::Stall | Fault::StallAfter | Fault::Interrupt, op) => {
                self.faults.signal(op);
                None
            }
        }
    }
}

/// The pooled connection of [`Faulty`]: a thin owner of a [`FaultyConn`];
/// dropping it drops the inner pooled connection, which goes back to the
/// inner pool.
pub struct FaultyPooled<B: Backend> {
    conn: FaultyConn<B>,
}

impl<B: Backend> Deref for FaultyPooled<B> {
    type Target = FaultyConn<B>;

    fn deref(&self) -> &FaultyConn<B> {
        &self.conn
    }
}

impl<B: Backend> DerefMut for FaultyPooled<B> {
    fn deref_mut(&mut self) -> &mut FaultyConn<B> {
        &mut self.conn
    }
}

/// A stream of [`Faulty`]: the inner backend's stream, each batch recorded.
pub struct FaultyStream<B: Backend> {
    inner: B::Stream,
    faults: Faults,
    id: usize,
    cut: bool,
    kill: Option<KillFn<B>>,
    sql: String,
}

impl<B: Backend> RawStream for FaultyStream<B> {
    type Pooled = FaultyPooled<B>;

    /// Under [`Fault::Cut`] the stream's connection is marked lost (not
    /// killed: the stream holds it).
    async fn next_batch(&mut self, max: usize, on_row: &mut OnRow<'_>) -> Result<bool> {
        match self.faults.enter(Some(self.id), OpKind::NextBatch, Some(self.sql.as_str()), self.cut) {
            Plan::Pass => self.inner.next_batch(max, on_row).await,
            Plan::OnCut(index) => Err(cut_error(index)),
            Plan::Fault(Fault::Cut, op) => {
                self.cut = true;
                let error = cut_error(op.index);
                self.faults.signal(op);
                Err(error)
            }
            Plan::Fault(fault, op) => {
                let faults = self.faults.clone();
                faults.apply(fault, op, self.inner.next_batch(max, on_row)).await
            }
        }
    }

    fn into_pooled(self) -> FaultyPooled<B> {
        let FaultyStream { inner, faults, id, cut, kill, .. } = self;
        FaultyPooled { conn: FaultyConn { pooled: inner.into_pooled(), faults, id, cut, kill } }
    }
}

/// Whether the database has a transaction open on `conn`, asked in SQL
/// rather than taken from the backend's bookkeeping: on SQLite a `BEGIN`
/// fails inside a transaction (and is rolled back at once outside one); on
/// PostgreSQL a `SAVEPOINT` fails outside a transaction block (an aborted
/// transaction refuses it too, and counts as open); MariaDB says so in
/// `@@in_transaction`. A transaction found
/// open is rolled back, so that one leak does not spill into the next
/// check. Other dialects get the backend's
/// [`transaction_status`](RawConnection::transaction_status).
pub async fn server_transaction_open<C: RawConnection>(conn: &mut C, dialect: &dyn Dialect) -> Result<bool> {
    let raw = |sql: &str| Statement::new(sql, Vec::new());
    let open = match dialect.name() {
        "SQLite" => match conn.execute(&raw("BEGIN")).await {
            Ok(_) => {
                conn.execute(&raw("ROLLBACK")).await?;
                return Ok(false);
            }
            Err(error) if error.to_string().contains("within a transaction") => true,
            Err(error) => return Err(error),
        },
        "PostgreSQL" => match conn.execute(&raw("SAVEPOINT ormcore_probe")).await {
            Ok(_) => true,
            Err(error) if error.to_string().contains("current transaction is aborted") => true,
            Err(error) if error.to_string().contains("can only be used in transaction blocks") => return Ok(false),
            Err(error) => return Err(error),
        },
        "MariaDB" => {
            let mut open = false;
            conn.fetch(&raw("SELECT @@in_transaction"), &mut |row| {
                open = ormcore::decode_column::<i64>(row, 0, "probe")? == 1;
                Ok(())
            })
            .await?;
            open
        }
        _ => conn.transaction_status().await?,
    };
    if open {
        conn.execute(&raw("ROLLBACK")).await?;
    }
    Ok(open)
}
