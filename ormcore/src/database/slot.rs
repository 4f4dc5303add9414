//! A slot: one pooled connection bound to a scope (a task's `aconnect`, a
//! `run` closure, a transaction), with its stack of open transaction blocks.
//!
//! Every handle to the slot ([`Connection`](super::Connection),
//! [`Transaction`](super::Transaction), an open stream) holds an `Arc` to it;
//! the task registry holds only a `Weak`. So the connection goes back to the
//! pool exactly when the last handle is dropped, whether by a normal return,
//! an early `?`, a panic or an aborted task, and the backend's clean-release
//! rule rolls back whatever transaction was left open.
//!
//! A transaction guard dropped without finishing undoes its block at once
//! where the backend can do that without I/O (SQLite), and otherwise owes a
//! cleanup that a task of its own runs as soon as the connection is idle
//! here (and that the next statement runs first if it comes sooner). A
//! cleanup that fails leaves the transaction state unknown, so it escalates
//! to rolling back the whole transaction and marks the blocks still open
//! dead: when in doubt, nothing is kept, and nothing autocommits in their
//! name.
//!
//! A connection the backend knows is lost ([`RawConnection::is_lost`]: the
//! server closed it, the driver gave up on it) is dropped when the next
//! lease finds it, never used again, not even for a rollback: its
//! transaction went down with it. With no block open the lease takes a
//! fresh connection from the pool in its place, transparently; with blocks
//! open it fails with [`Error::ConnectionLost`], marks the blocks dead, and
//! every lease fails so until they have ended (their guards report the
//! loss). The next lease after that takes the fresh connection.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};
use tracing::Instrument as _;
use tracing::instrument::WithSubscriber as _;

use super::DatabaseInner;
use super::registry::TaskKey;
use super::traced::Traced;
use crate::backend::{Backend, RawConnection};
use crate::error::{Error, Result};
use crate::sql::{TxOp, TxOptions};

/// One open transaction block on a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Frame {
    /// Unique on the slot: a guard finds its own frame by it, never by
    /// position, so a guard outliving its place in the stack cannot act on
    /// a newer block.
    pub(crate) id: u64,
    pub(crate) kind: FrameKind,
    /// The transaction under this block was rolled back because undoing
    /// another block failed: statements inside it are refused until its
    /// guard ends it.
    pub(crate) dead: bool,
}

impl Frame {
    pub(crate) fn new(id: u64, kind: FrameKind) -> Self {
        Frame { id, kind, dead: false }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FrameKind {
    /// A real transaction (`BEGIN`), with the options it began with.
    Transaction(TxOptions),
    /// A savepoint with this name.
    Savepoint(String),
    /// A `transaction()` nested in another: joins it, no SQL of its own.
    Joined,
}

/// What a guard dropped without finishing owes the connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cleanup {
    /// Roll back the transaction, if one is open.
    Rollback,
    /// Roll back to this savepoint and release it.
    RollbackTo(String),
}

impl Cleanup {
    /// The cleanup owed for abandoning `frames` (a block and everything
    /// nested in it): undo the outermost of them that has SQL of its own.
    pub(crate) fn for_abandoned(frames: &[Frame]) -> Option<Cleanup> {
        // Dead frames were rolled back with their whole transaction.
        frames.iter().filter(|frame| !frame.dead).find_map(|frame| match &frame.kind {
            FrameKind::Transaction(_) => Some(Cleanup::Rollback),
            FrameKind::Savepoint(name) => Some(Cleanup::RollbackTo(name.clone())),
            FrameKind::Joined => None,
        })
    }

    /// Run the cleanup synchronously if the backend can; `None` if it would
    /// need I/O.
    fn apply_now<C: RawConnection>(&self, conn: &mut C) -> Option<Result<()>> {
        match self {
            Cleanup::Rollback if !conn.in_transaction() => Some(Ok(())),
            Cleanup::Rollback => conn.transaction_now(TxOp::Rollback),
            Cleanup::RollbackTo(name) => match conn.transaction_now(TxOp::RollbackTo(name))? {
                Ok(()) => conn.transaction_now(TxOp::Release(name)),
                Err(error) => Some(Err(error)),
            },
        }
    }

    async fn apply<C: RawConnection>(&self, conn: &mut C) -> Result<()> {
        match self {
            Cleanup::Rollback if !conn.transaction_status().await? => Ok(()),
            Cleanup::Rollback => conn.transaction(TxOp::Rollback).await,
            Cleanup::RollbackTo(name) => {
                conn.transaction(TxOp::RollbackTo(name)).await?;
                conn.transaction(TxOp::Release(name)).await
            }
        }
    }
}

/// A callback to run once the transaction it was registered in commits.
pub(crate) type AfterCommit = Box<dyn FnOnce() + Send>;

/// What becomes of a block's `after_commit` callbacks when it ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fate {
    /// The outermost transaction committed: run them.
    Run,
    /// Its work is the outer block's now (a savepoint released, a joined
    /// block ended): they wait for that block.
    Merge,
    /// Its work was undone: drop them.
    Discard,
}

pub(crate) struct SlotState<B: Backend> {
    /// The connection; `None` while a lease or a stream has it out, or once
    /// closed.
    pub(crate) conn: Option<Traced<B>>,
    /// A stream holds the connection.
    pub(crate) streaming: bool,
    /// `aclose` or `close_pool` released the connection; the slot is
    /// unusable.
    pub(crate) closed: bool,
    /// It was `close_pool`.
    pool_closed: bool,
    /// The connection was lost and dropped: the next lease takes a fresh one
    /// from the pool, once no transaction block is open.
    replace: bool,
    /// Open transaction blocks, outermost first.
    pub(crate) frames: Vec<Frame>,
    /// Owed by dropped guards, in the order they were dropped.
    cleanups: Vec<Cleanup>,
    /// `after_commit` callbacks in the order they were registered, each
    /// with the id of the frame whose work it follows: it moves to the
    /// frame around when its frame commits (a savepoint released, a joined
    /// block ended), runs when the outermost transaction commits, and is
    /// dropped when its frame's work is undone. Callbacks of dead frames
    /// never run; they go with their frames.
    after_commit: Vec<(u64, AfterCommit)>,
    next_id: u64,
}

impl<B: Backend> SlotState<B> {
    /// A fresh id for a frame or savepoint name.
    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    /// The position of the frame with this id.
    pub(crate) fn position(&self, id: u64) -> Option<usize> {
        self.frames.iter().position(|f| f.id == id)
    }

    /// Register `callback` to run when the transaction commits, following
    /// the work of frame `frame` (the innermost open one for `None`).
    /// Returns it when there is no transaction to wait for, for the caller
    /// to run now; drops it (returned in the second place, for the caller
    /// to drop outside the lock) when the frame's transaction was rolled
    /// back under it or the frame has ended.
    pub(crate) fn defer(
        &mut self,
        frame: Option<u64>,
        callback: AfterCommit,
    ) -> (Option<AfterCommit>, Option<AfterCommit>) {
        let found = match frame {
            None if self.frames.is_empty() => return (Some(callback), None),
            None => self.frames.last(),
            Some(id) => self.frames.iter().find(|f| f.id == id),
        };
        match found {
            Some(frame) if !frame.dead => {
                self.after_commit.push((frame.id, callback));
                (None, None)
            }
            _ => (None, Some(callback)),
        }
    }

    /// Hand the callbacks of the frames in `from` over to frame `into`
    /// (their work is now its work), or drop them when there is none.
    pub(crate) fn merge_after_commit(&mut self, from: &[u64], into: Option<u64>) -> Vec<AfterCommit> {
        match into {
            Some(into) => {
                for (frame, _) in &mut self.after_commit {
                    if from.contains(frame) {
                        *frame = into;
                    }
                }
                Vec::new()
            }
            None => self.discard_after_commit(from),
        }
    }

    /// Take out the callbacks of the frames in `frames` (their work was
    /// undone), for the caller to drop outside the lock.
    pub(crate) fn discard_after_commit(&mut self, frames: &[u64]) -> Vec<AfterCommit> {
        let (discarded, kept) =
            std::mem::take(&mut self.after_commit).into_iter().partition(|(f, _)| frames.contains(f));
        self.after_commit = kept;
        discarded.into_iter().map(|(_, callback)| callback).collect()
    }

    /// The block `id` ended (`remove`: its frame and any left above it by
    /// guards that outlived it are removed), or its work so far did (a
    /// savepoint's `acommit`/`arollback`): its callbacks meet `fate`.
    /// Returns the callbacks to run ([`Fate::Run`]) or to drop, for the
    /// caller to do so outside the lock.
    pub(crate) fn end_frames(&mut self, id: u64, remove: bool, fate: Fate) -> Vec<AfterCommit> {
        let Some(position) = self.position(id) else { return Vec::new() };
        let ended: Vec<u64> =
            if remove { self.frames.split_off(position).iter().map(|frame| frame.id).collect() } else { vec![id] };
        let parent = position.checked_sub(1).map(|p| self.frames[p].id);
        let mut callbacks = match fate {
            // The outermost transaction: everything registered in it.
            Fate::Run if position == 0 => return self.take_after_commit(),
            Fate::Run | Fate::Merge => self.merge_after_commit(&ended, parent),
            Fate::Discard => self.discard_after_commit(&ended),
        };
        if self.frames.is_empty() {
            callbacks.extend(self.take_after_commit());
        }
        callbacks
    }

    /// Take out every callback: the whole transaction committed (for the
    /// caller to run, in order, outside the lock) or was rolled back (to
    /// drop).
    pub(crate) fn take_after_commit(&mut self) -> Vec<AfterCommit> {
        std::mem::take(&mut self.after_commit).into_iter().map(|(_, callback)| callback).collect()
    }

    /// The whole transaction is being rolled back under the open blocks:
    /// mark them dead, so that no statement runs in them (it would
    /// autocommit) and their guards report the rollback.
    fn kill_frames(&mut self) {
        for frame in &mut self.frames {
            frame.dead = true;
        }
        self.cleanups.clear();
    }

    /// The connection is lost: what its transaction owed went down with
    /// it, the blocks still open are dead, and the next lease once they
    /// have ended takes a fresh connection.
    fn lose(&mut self) {
        self.replace = true;
        self.kill_frames();
    }

    /// Run owed cleanups now, as far as the connection is idle here and
    /// the backend can without I/O. True if some are left that need I/O.
    /// A lost connection runs nothing more: it comes back in `lost`, for the
    /// caller to drop outside the lock, and what it owed went down with it.
    fn settle_now(&mut self, lost: &mut Option<Traced<B>>) -> bool {
        loop {
            let Some(cleanup) = self.cleanups.first().cloned() else { return false };
            // Out with a statement or a stream: settled when it comes back.
            let Some(conn) = self.conn.as_mut() else { return false };
            if conn.is_lost() {
                *lost = self.conn.take();
                self.lose();
                return false;
            }
            match cleanup.apply_now(conn) {
                Some(Ok(())) => {
                    self.cleanups.remove(0);
                }
                // A failed rollback is left to the next lease, which
                // escalates (see `Lease::apply_cleanups`).
                Some(Err(_)) if cleanup == Cleanup::Rollback => return true,
                Some(Err(_)) => {
                    // The state is unknown: roll back everything.
                    self.kill_frames();
                    self.cleanups.push(Cleanup::Rollback);
                }
                None => return true,
            }
        }
    }
}

pub(crate) struct Slot<B: Backend> {
    pub(crate) inner: Arc<DatabaseInner<B>>,
    /// The task this slot is registered for, if any.
    pub(crate) task: Option<TaskKey>,
    /// Serializes the users of the connection (futures joined within one
    /// task share its slot).
    turn: Arc<Semaphore>,
    state: Mutex<SlotState<B>>,
    /// Signalled when a stream gives the connection back.
    returned: Notify,
}

impl<B: Backend> Slot<B> {
    pub(crate) fn new(inner: Arc<DatabaseInner<B>>, conn: B::Pooled, task: Option<TaskKey>) -> Self {
        let traced = Traced::new(conn, Arc::clone(&inner));
        Slot {
            inner,
            task,
            turn: Arc::new(Semaphore::new(1)),
            state: Mutex::new(SlotState {
                conn: Some(traced),
                streaming: false,
                closed: false,
                pool_closed: false,
                replace: false,
                frames: Vec::new(),
                cleanups: Vec::new(),
                after_commit: Vec::new(),
                next_id: 0,
            }),
            returned: Notify::new(),
        }
    }

    /// The slot's state. A panic while it was locked cannot leave it
    /// inconsistent (every critical section is a few field writes, or a
    /// synchronous rollback that leaves the connection to its clean-release
    /// rule), so a poisoned lock is used as is.
    pub(crate) fn state(&self) -> MutexGuard<'_, SlotState<B>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Take the connection for one operation: wait for this slot's other
    /// users, wait a grace period for an open stream to give it back, then
    /// run the cleanups dropped guards left behind. A lost connection is
    /// dropped here, and replaced (see the module docs).
    pub(crate) async fn lease(self: &Arc<Self>) -> Result<Lease<B>> {
        self.take(true).await
    }

    /// [`lease`](Self::lease) to release the slot (`aclose`): a lost
    /// connection is not replaced, only dropped, and the lease may hold no
    /// connection.
    pub(crate) async fn lease_to_close(self: &Arc<Self>) -> Result<Lease<B>> {
        self.take(false).await
    }

    async fn take(self: &Arc<Self>, replace: bool) -> Result<Lease<B>> {
        let permit =
            Arc::clone(&self.turn).acquire_owned().await.map_err(|_| Error::interface("connection slot is gone"))?;
        loop {
            let taken: Taken<Traced<B>, _> = {
                let mut state = self.state();
                if state.closed {
                    if state.pool_closed {
                        return Err(Error::PoolClosed);
                    }
                    return Err(Error::interface("this connection was closed with aclose()"));
                }
                if state.replace {
                    if !state.frames.is_empty() {
                        return Err(Error::ConnectionLost {
                            message: "the connection was lost with a transaction block open on it, and the \
                                      transaction with it; end the block (drop or roll back its guard) before \
                                      running more statements"
                                .into(),
                            source: None,
                        });
                    }
                    Taken::Replace
                } else {
                    match state.conn.take() {
                        Some(conn) if conn.is_lost() => {
                            state.lose();
                            Taken::Lost(conn)
                        }
                        Some(conn) => Taken::Conn(conn),
                        None => {
                            debug_assert!(state.streaming, "a slot's connection is out only while streaming");
                            Taken::Wait(self.returned.notified())
                        }
                    }
                }
            };
            match taken {
                Taken::Conn(conn) => {
                    let mut lease = Lease { slot: Arc::clone(self), conn: Some(conn), _permit: permit };
                    lease.apply_cleanups().await?;
                    return Ok(lease);
                }
                // Dropped outside the lock: the backend discards it.
                Taken::Lost(conn) => drop(conn),
                Taken::Replace if !replace => {
                    return Ok(Lease { slot: Arc::clone(self), conn: None, _permit: permit });
                }
                Taken::Replace => {
                    // This lease holds the slot's turn: nobody opens a block
                    // meanwhile. If the pool has no connection to give, the
                    // next lease tries again.
                    let fresh = self.inner.backend.acquire().await?;
                    let mut state = self.state();
                    if !state.closed {
                        state.replace = false;
                        state.conn = Some(Traced::new(fresh, Arc::clone(&self.inner)));
                    }
                }
                Taken::Wait(returned) => {
                    let grace = self.inner.streaming_timeout();
                    if tokio::time::timeout(grace, returned).await.is_err() {
                        return Err(Error::interface(format!(
                            "the connection is held by an open stream (iterate) and was not released within \
                             {grace:?}; finish or drop the stream before running another query on this \
                             connection. To read each streamed row's relations, ask the streamed select for them \
                             (`join_related`, or `with_related`: one more select per relation per batch) instead \
                             of fetching them row by row"
                        )));
                    }
                }
            }
        }
    }

    /// Whether the connection is known lost: dropped and owed a
    /// replacement, or lost as the backend knows without I/O. False while a
    /// statement or a stream has it out.
    pub(crate) fn is_lost(&self) -> bool {
        let state = self.state();
        state.replace || state.conn.as_ref().is_some_and(RawConnection::is_lost)
    }

    /// `close_pool` releases the slot: the connection goes back to (the
    /// closing) pool now, rolled back by the backend's clean release, or as
    /// soon as a statement or a stream that has it out lets go. Every
    /// handle to the slot then fails with [`Error::PoolClosed`]. The blocks
    /// still open are dead, not gone: until their guards end them, the
    /// task's statements through the database stay on this slot and are
    /// refused, as after a lost connection, so that no statement of a block
    /// autocommits on the new pool. After that the task's next statement
    /// runs outside any scope.
    pub(crate) fn close_for_pool(&self) {
        let (conn, blocks_open) = {
            let mut state = self.state();
            state.closed = true;
            state.pool_closed = true;
            state.kill_frames();
            (state.conn.take(), !state.frames.is_empty())
        };
        if !blocks_open && let Some(task) = self.task {
            self.inner.registry.remove(task, self);
        }
        drop(conn);
    }

    /// Whether `close_pool` released the slot and no block is left open on
    /// it: the task is done with it.
    pub(crate) fn released_by_close_pool(&self) -> bool {
        let state = self.state();
        state.pool_closed && state.frames.is_empty()
    }

    /// Undo an abandoned block (its guard was dropped without finishing).
    pub(crate) fn abandon(self: &Arc<Self>, cleanup: Cleanup) {
        self.state().cleanups.push(cleanup);
        self.settle_owed();
    }

    /// Run what dropped guards owe as soon as the connection is idle here:
    /// at once where the backend can undo without I/O (SQLite), otherwise
    /// on a task of its own that takes the connection's turn. So a dropped
    /// guard's locks never wait for the task's next statement, which may
    /// never come. While a statement or a stream has the connection out,
    /// this runs again when it comes back.
    fn settle_owed(self: &Arc<Self>) {
        let mut lost = None;
        let owed = self.state().settle_now(&mut lost);
        // Dropped outside the lock: the backend discards it.
        drop(lost);
        if !owed {
            return;
        }
        // Outside a runtime the cleanup waits for the next statement, or
        // for the backend's clean release when the slot is dropped.
        if let Ok(runtime) = tokio::runtime::Handle::try_current() {
            // Only while somebody still holds the slot: once its last handle
            // is gone, the connection's clean release undoes everything, and
            // this task must not keep the scope alive for the task it
            // belonged to.
            // Its statements are traced where the guard was dropped: in
            // that span, to that subscriber.
            let slot = Arc::downgrade(self);
            let cleanup = async move {
                if let Some(slot) = slot.upgrade() {
                    // Taking a lease runs the cleanups; a failure is handled
                    // there (everything is rolled back).
                    let _ = slot.lease().await;
                }
            };
            runtime.spawn(cleanup.in_current_span().with_current_subscriber());
        }
    }

    /// The connection a stream took will not come back: it went down with
    /// the stream, and its backend's clean release undoes whatever was
    /// open. Lost, as a connection the server closed.
    pub(crate) fn lose_connection(&self) {
        let mut state = self.state();
        state.streaming = false;
        state.lose();
        drop(state);
        self.returned.notify_one();
    }

    /// Give back a connection a stream held.
    pub(crate) fn give_back(self: &Arc<Self>, conn: B::Pooled) {
        let mut state = self.state();
        state.streaming = false;
        if !state.closed {
            state.conn = Some(Traced::new(conn, Arc::clone(&self.inner)));
        }
        drop(state);
        self.returned.notify_one();
        self.settle_owed();
    }
}

impl<B: Backend> Drop for Slot<B> {
    fn drop(&mut self) {
        if let Some(task) = self.task {
            self.inner.registry.remove(task, self);
        }
        // The connection (if not out with a stream, which returns it to the
        // pool itself) drops here; the backend rolls back an open transaction.
    }
}

/// What [`Slot::take`] found.
enum Taken<P, N> {
    Conn(P),
    Lost(P),
    Replace,
    Wait(N),
}

/// The connection of a slot, checked out for one operation; put back on drop.
pub(crate) struct Lease<B: Backend> {
    slot: Arc<Slot<B>>,
    conn: Option<Traced<B>>,
    _permit: OwnedSemaphorePermit,
}

impl<B: Backend> Lease<B> {
    pub(crate) fn conn(&mut self) -> &mut Traced<B> {
        // Present from construction until `detach` or drop, except in a
        // lease to close a slot whose connection was lost, which runs
        // nothing.
        self.conn.as_mut().expect("lease holds its connection")
    }

    /// Run what dropped guards owe, removing each only once it has run, so
    /// that an interrupted cleanup is tried again. A cleanup that fails
    /// leaves the transaction state unknown: the whole transaction is rolled
    /// back and the blocks still open are marked dead (their statements are
    /// refused, their guards report it), while statements outside any
    /// block go on.
    async fn apply_cleanups(&mut self) -> Result<()> {
        loop {
            let Some(cleanup) = self.slot.state().cleanups.first().cloned() else {
                return Ok(());
            };
            let result = cleanup.apply(self.conn()).await;
            {
                let mut state = self.slot.state();
                state.cleanups.remove(0);
                if result.is_err() {
                    state.kill_frames();
                }
            }
            if result.is_err() && self.conn().transaction_status().await? {
                self.conn().transaction(TxOp::Rollback).await?;
            }
        }
    }

    /// Refuse a statement through the handle of transaction block `id`
    /// unless that block is the innermost open one. A block nested in it
    /// would hold the statement (and could roll it back after it was
    /// acknowledged), and a block whose enclosing block ended has no
    /// transaction left (the statement would autocommit).
    pub(crate) fn check_block(&self, id: u64) -> Result<()> {
        let state = self.slot.state();
        match state.position(id) {
            None => Err(Error::Operational {
                message: "this transaction block has ended: the block around it was rolled back while it was open"
                    .into(),
                source: None,
            }),
            Some(position) if position + 1 < state.frames.len() => Err(Error::interface(
                "a block nested in this transaction block is still open: run statements through the innermost \
                 block (or the database) until it ends",
            )),
            Some(_) => Ok(()),
        }
    }

    /// Refuse statements inside transaction blocks whose transaction is
    /// gone: the database ended it behind their back (SQLite's `INSERT OR
    /// ROLLBACK`, an interrupted `acommit`, raw `COMMIT`), or undoing
    /// another block rolled it back. They would silently autocommit.
    pub(crate) async fn check_transaction(&mut self) -> Result<()> {
        let (open_blocks, dead) = {
            let state = self.slot.state();
            (!state.frames.is_empty(), state.frames.iter().any(|f| f.dead))
        };
        if dead {
            return Err(Error::Operational {
                message: "the transaction of the open transaction block was rolled back when undoing an abandoned \
                          block failed; end the block (drop or roll back its guard) before running more statements"
                    .into(),
                source: None,
            });
        }
        if open_blocks && !self.conn().transaction_status().await? {
            return Err(Error::Operational {
                message: "the transaction of the open transaction block was ended by the database; \
                          end the block (drop or roll back its guard) before running more statements"
                    .into(),
                source: None,
            });
        }
        Ok(())
    }

    /// Hand the connection to a stream: the slot counts as streaming until
    /// [`Slot::give_back`].
    pub(crate) fn detach(mut self) -> B::Pooled {
        let conn = self.conn.take().expect("lease holds its connection");
        self.slot.state().streaming = true;
        conn.into_pooled()
    }
}

impl<B: Backend> Drop for Lease<B> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let owed = {
                let mut state = self.slot.state();
                if !state.closed {
                    state.conn = Some(conn);
                }
                !state.cleanups.is_empty()
            };
            // A guard joined with this statement was dropped meanwhile.
            if owed {
                self.slot.settle_owed();
            }
        }
    }
}
