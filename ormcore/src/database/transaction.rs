//! Transaction blocks: [`Begin`] opens one, [`Transaction`] guards it.
//!
//! Semantics follow the reference: `atomic()` nests as savepoints,
//! `transaction()` nested joins the outer transaction, `savepoint()` is
//! always a savepoint; `acommit`/`arollback` inside a block end the current
//! transaction (or savepoint) and start a new one, so the block goes on.
//! A guard dropped without [`commit`](Transaction::commit) or
//! [`rollback`](Transaction::rollback) rolls back.

use std::future::{Future, IntoFuture};
use std::pin::Pin;
use std::sync::Arc;

use super::Connection;
use super::Target;
use super::slot::{AfterCommit, Cleanup, Fate, Frame, FrameKind, Slot};
use crate::backend::{Backend, RawConnection};
use crate::error::{Error, Result};
use crate::sql::{IsolationLevel, TxOp, TxOptions};

/// Run committed callbacks, in the order they were registered.
fn run_all(callbacks: Vec<AfterCommit>) {
    for callback in callbacks {
        callback();
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BeginKind {
    Atomic,
    Transaction,
    Savepoint,
}

/// A transaction block about to open. `.await` it for a [`Transaction`]
/// guard, or [`run`](Begin::run) a closure inside it.
#[must_use = "a transaction block opens only when awaited or run"]
pub struct Begin<'db, B: Backend> {
    target: Target<'db, B>,
    kind: BeginKind,
    options: TxOptions,
}

impl<'db, B: Backend> Begin<'db, B> {
    pub(crate) fn new(target: Target<'db, B>, kind: BeginKind) -> Self {
        Begin { target, kind, options: TxOptions::default() }
    }

    /// Run the transaction at this isolation level.
    pub fn isolation(mut self, level: IsolationLevel) -> Self {
        self.options.isolation = Some(level);
        self
    }

    /// Make the transaction read-only.
    pub fn read_only(mut self) -> Self {
        self.options.read_only = true;
        self
    }

    /// Make the transaction deferrable.
    pub fn deferrable(mut self) -> Self {
        self.options.deferrable = true;
        self
    }

    /// Start the transaction with these options.
    pub fn with_options(mut self, options: TxOptions) -> Self {
        self.options = options;
        self
    }

    async fn open(self) -> Result<Transaction<B>> {
        let slot = self.target.slot_or_bind().await?;
        let mut lease = self.target.lease_bound(&slot).await?;
        // The frame and its guard exist before the BEGIN is sent: if this
        // future is dropped while the BEGIN is in flight, the guard's drop
        // undoes whatever reached the database.
        let (tx, kind) = {
            let mut state = slot.state();
            let id = state.next_id();
            let kind = match (self.kind, state.frames.is_empty()) {
                (BeginKind::Atomic | BeginKind::Transaction, true) => FrameKind::Transaction(self.options),
                (BeginKind::Transaction, false) => FrameKind::Joined,
                (BeginKind::Atomic | BeginKind::Savepoint, _) => FrameKind::Savepoint(format!("ormcore_sp{id}")),
            };
            if self.options != TxOptions::default() && !matches!(kind, FrameKind::Transaction(_)) {
                return Err(Error::interface(
                    "transaction options apply to the outermost transaction block only; this block is nested",
                ));
            }
            if state.frames.iter().any(|frame| frame.dead) {
                return Err(Error::Operational {
                    message: "cannot open a block inside one whose transaction was rolled back; end that block first"
                        .into(),
                    source: None,
                });
            }
            state.frames.push(Frame::new(id, kind.clone()));
            (Transaction { slot: Arc::clone(&slot), id, finished: false }, kind)
        };
        let begun = match &kind {
            FrameKind::Transaction(options) => lease.conn().transaction(TxOp::Begin(*options)).await,
            FrameKind::Savepoint(name) => lease.conn().transaction(TxOp::Savepoint(name)).await,
            FrameKind::Joined => Ok(()),
        };
        drop(lease);
        match begun {
            Ok(()) => Ok(tx),
            Err(error) => {
                tx.forget();
                Err(error)
            }
        }
    }

    /// Run `work` inside the block: commit when it returns `Ok`, roll back
    /// when it returns `Err` (and when it panics or is cancelled). `work`
    /// gets a handle to the block's connection; queries through the database
    /// in this task use it as well.
    ///
    /// The closure may fail with any error type that an [`Error`] converts
    /// into, such as the application's own: the block rolls back and the
    /// error comes back unchanged.
    ///
    /// A nested `transaction()` block joins the outer transaction, so its
    /// `Err` leaves the decision to the outer block, as in the reference.
    pub async fn run<F, Fut, T, E>(self, work: F) -> std::result::Result<T, E>
    where
        F: FnOnce(Connection<B>) -> Fut,
        Fut: Future<Output = std::result::Result<T, E>>,
        E: From<Error>,
    {
        let tx = self.open().await?;
        let conn = Connection { slot: Arc::clone(&tx.slot) };
        match work(conn).await {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(error) if tx.kind() == Some(FrameKind::Joined) => {
                // Its work stands or falls with the outer block's.
                tx.end(Fate::Merge);
                Err(error)
            }
            Err(error) => {
                // The work's error is what the caller needs; a failed rollback
                // escalates to rolling back the whole transaction.
                let _ = tx.rollback().await;
                Err(error)
            }
        }
    }
}

impl<B: Backend> Begin<'_, B> {
    /// [`run`](Begin::run) `work` in a transaction, and run it again, in a
    /// new transaction, while it fails with a retryable error
    /// ([`Error::is_retryable`]: a serialization failure, a deadlock, a
    /// lock not granted in time), up to `attempts` runs in all, with a
    /// short pause between them that doubles each time (1 ms to 64 ms). For
    /// serializable isolation and the databases that rely on retrying
    /// transactions. The last error is returned as it is.
    ///
    /// Only where the block is the outermost one: inside another block a
    /// conflict has failed the whole transaction, which only the outermost
    /// block can run again ([`Error::Interface`]).
    pub async fn run_with_retry<F, Fut, T>(self, attempts: u32, mut work: F) -> Result<T>
    where
        F: FnMut(Connection<B>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        if self.target.slot().is_some_and(|slot| !slot.state().frames.is_empty()) {
            return Err(Error::interface(
                "run_with_retry needs the outermost transaction: a block is already open on this connection",
            ));
        }
        let mut attempt = 1;
        loop {
            let begin = Begin { target: self.target.clone(), kind: self.kind, options: self.options };
            match begin.run(&mut work).await {
                Err(error) if error.is_retryable() && attempt < attempts => {
                    tokio::time::sleep(std::time::Duration::from_millis(1 << (attempt - 1).min(6))).await;
                    attempt += 1;
                }
                outcome => return outcome,
            }
        }
    }
}

impl<'db, B: Backend> IntoFuture for Begin<'db, B> {
    type Output = Result<Transaction<B>>;
    type IntoFuture = Pin<Box<dyn Future<Output = Result<Transaction<B>>> + Send + 'db>>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(self.open())
    }
}

/// An open transaction block. An [`Executor`](crate::Executor): queries
/// through it (or through the database, in the same task) run inside it.
///
/// End it with [`commit`](Transaction::commit) or
/// [`rollback`](Transaction::rollback); dropped without either, it rolls
/// back.
#[must_use = "a transaction rolls back when dropped; call commit() to keep its work"]
pub struct Transaction<B: Backend> {
    pub(crate) slot: Arc<Slot<B>>,
    /// This block's frame on the slot.
    id: u64,
    finished: bool,
}

impl<B: Backend> std::fmt::Debug for Transaction<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").field("kind", &self.kind()).finish()
    }
}

impl<B: Backend> Transaction<B> {
    fn kind(&self) -> Option<FrameKind> {
        let state = self.slot.state();
        state.position(self.id).map(|i| state.frames[i].kind.clone())
    }

    /// The options the outermost transaction began with, for the new
    /// transaction `acommit`/`arollback` start in its place.
    fn outer_options(&self) -> TxOptions {
        match self.slot.state().frames.first().map(|f| &f.kind) {
            Some(FrameKind::Transaction(options)) => *options,
            _ => TxOptions::default(),
        }
    }

    /// This block's frame, checking that it is the innermost open one. Call
    /// it holding the lease, so joined futures cannot change the stack
    /// between the check and the statement.
    fn innermost(&self, action: &str) -> Result<FrameKind> {
        let state = self.slot.state();
        match state.frames.last() {
            Some(top) if top.id == self.id && !top.dead => Ok(top.kind.clone()),
            Some(top) if top.id == self.id => Err(Error::Operational {
                message: format!(
                    "cannot {action} this transaction block: its transaction was rolled back when undoing an \
                     abandoned block failed"
                ),
                source: None,
            }),
            _ if state.position(self.id).is_some() => Err(Error::interface(format!(
                "cannot {action} this transaction block: a block nested in it is still open"
            ))),
            _ => Err(Error::Operational {
                message: format!(
                    "cannot {action} this transaction block: its transaction was already rolled back \
                     (a nested block failed to clean up, or the database ended it)"
                ),
                source: None,
            }),
        }
    }

    /// Commit the work so far and start a new transaction (or savepoint)
    /// in its place: the block goes on (the reference's `acommit()`).
    pub async fn acommit(&mut self) -> Result<()> {
        let mut lease = self.slot.lease().await?;
        let kind = self.innermost("commit")?;
        let conn = lease.conn();
        match &kind {
            FrameKind::Transaction(_) | FrameKind::Joined => {
                conn.transaction(TxOp::Commit).await?;
                let committed = self.slot.state().take_after_commit();
                let begun = conn.transaction(TxOp::Begin(self.outer_options())).await;
                drop(lease);
                run_all(committed);
                begun
            }
            FrameKind::Savepoint(name) => {
                conn.transaction(TxOp::Release(name)).await?;
                // The released work is the outer block's now.
                let dropped = self.slot.state().end_frames(self.id, false, Fate::Merge);
                drop(dropped);
                conn.transaction(TxOp::Savepoint(name)).await
            }
        }
    }

    /// Roll back the work so far and start a new transaction (or go back to
    /// the savepoint): the block goes on (the reference's `arollback()`).
    pub async fn arollback(&mut self) -> Result<()> {
        let mut lease = self.slot.lease().await?;
        let kind = self.innermost("roll back")?;
        let conn = lease.conn();
        match &kind {
            FrameKind::Transaction(_) | FrameKind::Joined => {
                let rolled_back = conn.transaction(TxOp::Rollback).await;
                // Undone, or in doubt: nothing of it is kept.
                let dropped = self.slot.state().take_after_commit();
                drop(dropped);
                rolled_back?;
                conn.transaction(TxOp::Begin(self.outer_options())).await
            }
            FrameKind::Savepoint(name) => {
                let rolled_back = conn.transaction(TxOp::RollbackTo(name)).await;
                let dropped = self.slot.state().end_frames(self.id, false, Fate::Discard);
                drop(dropped);
                rolled_back
            }
        }
    }

    /// End the block, keeping its work. A nested `transaction()` block that
    /// joined an outer one leaves the commit to it. If the commit fails, the
    /// block's work is rolled back and the error returned.
    pub async fn commit(self) -> Result<()> {
        let mut lease = self.slot.lease().await?;
        let kind = self.innermost("commit")?;
        let result = match &kind {
            FrameKind::Transaction(_) if !lease.conn().transaction_status().await? => Err(Error::Operational {
                message: "cannot commit: the database already ended this transaction".into(),
                source: None,
            }),
            FrameKind::Transaction(_) => lease.conn().transaction(TxOp::Commit).await,
            FrameKind::Savepoint(name) => {
                // Once RELEASE is on its way the block may already be merged
                // into the one around it, and a ROLLBACK TO its savepoint
                // could fail: if this future is dropped now, the block owes
                // nothing, like a joined one (its work stands or falls with
                // the outer block).
                self.set_kind(FrameKind::Joined);
                let released = lease.conn().transaction(TxOp::Release(name)).await;
                if released.is_err() {
                    self.set_kind(kind.clone());
                }
                released
            }
            FrameKind::Joined => Ok(()),
        };
        drop(lease);
        // On error, `self` drops unfinished, which undoes the block (or
        // escalates to rolling back the transaction).
        result?;
        self.end(match kind {
            FrameKind::Transaction(_) => Fate::Run,
            FrameKind::Savepoint(_) | FrameKind::Joined => Fate::Merge,
        });
        Ok(())
    }

    /// End the block, undoing its work. For a nested `transaction()` block
    /// that joined an outer one this rolls back the whole transaction and
    /// starts a new one, as in the reference.
    pub async fn rollback(self) -> Result<()> {
        let mut lease = self.slot.lease().await?;
        if self.is_dead() {
            // Already rolled back, with its whole transaction.
            drop(lease);
            self.forget();
            return Ok(());
        }
        let kind = self.innermost("roll back")?;
        let conn = lease.conn();
        let result = match &kind {
            FrameKind::Transaction(_) if !conn.transaction_status().await? => Ok(()),
            FrameKind::Transaction(_) => conn.transaction(TxOp::Rollback).await,
            FrameKind::Savepoint(name) => match conn.transaction(TxOp::RollbackTo(name)).await {
                Ok(()) => conn.transaction(TxOp::Release(name)).await,
                Err(error) => Err(error),
            },
            FrameKind::Joined => {
                let rolled_back = conn.transaction(TxOp::Rollback).await;
                // The whole transaction's work is undone (or in doubt),
                // the outer blocks' included.
                let dropped = self.slot.state().take_after_commit();
                drop(dropped);
                match rolled_back {
                    Ok(()) => conn.transaction(TxOp::Begin(self.outer_options())).await,
                    Err(error) => Err(error),
                }
            }
        };
        drop(lease);
        // On error, `self` drops unfinished, which undoes the block (or
        // escalates to rolling back the transaction).
        result?;
        self.forget();
        Ok(())
    }

    /// Whether this block's transaction was rolled back under it.
    fn is_dead(&self) -> bool {
        let state = self.slot.state();
        state.position(self.id).is_some_and(|i| state.frames[i].dead)
    }

    /// Change this block's frame kind (while holding the lease).
    fn set_kind(&self, kind: FrameKind) {
        let mut state = self.slot.state();
        if let Some(position) = state.position(self.id) {
            state.frames[position].kind = kind;
        }
    }

    /// Remove this block's frame (and any left above it by guards that
    /// outlived it) without owing anything, its `after_commit` callbacks
    /// dropped: the block ended without keeping work of its own.
    fn forget(self) {
        self.end(Fate::Discard);
    }

    /// Remove this block's frame (and any left above it by guards that
    /// outlived it) without owing anything: the block ended cleanly, and
    /// its `after_commit` callbacks meet `fate`.
    fn end(mut self, fate: Fate) {
        self.finished = true;
        let callbacks = self.slot.state().end_frames(self.id, true, fate);
        // Outside the slot's lock.
        match fate {
            Fate::Run => run_all(callbacks),
            Fate::Merge | Fate::Discard => drop(callbacks),
        }
    }

    /// This block's frame id on its slot.
    pub(crate) fn id(&self) -> u64 {
        self.id
    }

    /// A handle to this block's connection.
    pub fn connection(&self) -> Connection<B> {
        Connection { slot: Arc::clone(&self.slot) }
    }
}

impl<B: Backend> Drop for Transaction<B> {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let (cleanup, dropped) = {
            let mut state = self.slot.state();
            let Some(position) = state.position(self.id) else {
                return;
            };
            // This block and everything still nested in it.
            let abandoned = state.frames.split_off(position);
            // Joined blocks leave the decision to the block they joined,
            // which is still open below: the cleanup undoes the work from
            // the first block with SQL of its own on, and the callbacks
            // follow the work.
            let undone_from = abandoned
                .iter()
                .position(|frame| !frame.dead && !matches!(frame.kind, FrameKind::Joined))
                .unwrap_or(abandoned.len());
            let ids = |frames: &[Frame]| frames.iter().map(|frame| frame.id).collect::<Vec<_>>();
            let parent = state.frames.last().map(|frame| frame.id);
            let mut dropped = state.merge_after_commit(&ids(&abandoned[..undone_from]), parent);
            dropped.extend(state.discard_after_commit(&ids(&abandoned[undone_from..])));
            (Cleanup::for_abandoned(&abandoned), dropped)
        };
        // Outside the slot's lock: dropping a callback may do anything.
        drop(dropped);
        if let Some(cleanup) = cleanup {
            self.slot.abandon(cleanup);
        }
        // If this was the last handle, the slot drops right after and the
        // backend rolls back whatever is open as the connection returns to
        // the pool.
    }
}
