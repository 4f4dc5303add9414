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
use super::slot::{Cleanup, Frame, Slot};
use crate::backend::{Backend, RawConnection, TxOp};
use crate::error::{Error, Result};
use crate::executor::Target;

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
}

impl<'db, B: Backend> Begin<'db, B> {
    pub(crate) fn new(target: Target<'db, B>, kind: BeginKind) -> Self {
        Begin { target, kind }
    }

    async fn open(self) -> Result<Transaction<B>> {
        let slot = self.target.slot_or_bind().await?;
        let mut lease = slot.lease().await?;
        let frame = {
            let depth = slot.state().frames.len();
            match (self.kind, depth) {
                (BeginKind::Atomic | BeginKind::Transaction, 0) => Frame::Transaction,
                (BeginKind::Transaction, _) => Frame::Joined,
                (BeginKind::Atomic | BeginKind::Savepoint, _) => Frame::Savepoint(slot.savepoint_name()),
            }
        };
        match &frame {
            Frame::Transaction => lease.conn().transaction(TxOp::Begin).await?,
            Frame::Savepoint(name) => lease.conn().transaction(TxOp::Savepoint(name)).await?,
            Frame::Joined => {}
        }
        let level = {
            let mut state = slot.state();
            state.frames.push(frame);
            state.frames.len()
        };
        drop(lease);
        Ok(Transaction { slot, level, finished: false })
    }

    /// Run `work` inside the block: commit when it returns `Ok`, roll back
    /// when it returns `Err` (and when it panics or is cancelled). `work`
    /// gets a handle to the block's connection; queries through the database
    /// in this task use it as well.
    pub async fn run<F, Fut, T>(self, work: F) -> Result<T>
    where
        F: FnOnce(Connection<B>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let tx = self.open().await?;
        let conn = Connection { slot: Arc::clone(&tx.slot) };
        match work(conn).await {
            Ok(value) => {
                tx.commit().await?;
                Ok(value)
            }
            Err(error) => {
                // The work's error is what the caller needs; a failed rollback
                // leaves the connection to the clean-release rule.
                let _ = tx.rollback().await;
                Err(error)
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
    /// This block's position in the slot's frame stack, from 1.
    level: usize,
    finished: bool,
}

impl<B: Backend> std::fmt::Debug for Transaction<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Transaction").field("level", &self.level).finish()
    }
}

impl<B: Backend> Transaction<B> {
    /// This block's frame, checking that it is the innermost open one.
    fn innermost(&self, action: &str) -> Result<Frame> {
        let state = self.slot.state();
        if state.frames.len() != self.level {
            return Err(Error::interface(format!(
                "cannot {action} transaction level {}: level {} is still open inside it",
                self.level,
                state.frames.len()
            )));
        }
        Ok(state.frames[self.level - 1].clone())
    }

    /// Commit the work so far and start a new transaction (or savepoint)
    /// in its place: the block goes on (the reference's `acommit()`).
    pub async fn acommit(&mut self) -> Result<()> {
        let frame = self.innermost("commit")?;
        let mut lease = self.slot.lease().await?;
        let conn = lease.conn();
        match &frame {
            Frame::Transaction | Frame::Joined => {
                conn.transaction(TxOp::Commit).await?;
                conn.transaction(TxOp::Begin).await
            }
            Frame::Savepoint(name) => {
                conn.transaction(TxOp::Release(name)).await?;
                conn.transaction(TxOp::Savepoint(name)).await
            }
        }
    }

    /// Roll back the work so far and start a new transaction (or go back to
    /// the savepoint): the block goes on (the reference's `arollback()`).
    pub async fn arollback(&mut self) -> Result<()> {
        let frame = self.innermost("roll back")?;
        let mut lease = self.slot.lease().await?;
        let conn = lease.conn();
        match &frame {
            Frame::Transaction | Frame::Joined => {
                conn.transaction(TxOp::Rollback).await?;
                conn.transaction(TxOp::Begin).await
            }
            Frame::Savepoint(name) => conn.transaction(TxOp::RollbackTo(name)).await,
        }
    }

    /// End the block, keeping its work. A nested `transaction()` block that
    /// joined an outer one leaves the commit to it. If the commit fails, the
    /// transaction is rolled back and the error returned.
    pub async fn commit(mut self) -> Result<()> {
        let frame = self.innermost("commit")?;
        let mut lease = self.slot.lease().await?;
        let result = match &frame {
            Frame::Transaction => match lease.conn().transaction(TxOp::Commit).await {
                Ok(()) => Ok(()),
                Err(error) => {
                    if lease.conn().in_transaction() {
                        let _ = lease.conn().transaction(TxOp::Rollback).await;
                    }
                    Err(error)
                }
            },
            Frame::Savepoint(name) => lease.conn().transaction(TxOp::Release(name)).await,
            Frame::Joined => Ok(()),
        };
        self.pop();
        result
    }

    /// End the block, undoing its work. For a nested `transaction()` block
    /// that joined an outer one this rolls back the whole transaction and
    /// starts a new one, as in the reference.
    pub async fn rollback(mut self) -> Result<()> {
        let frame = self.innermost("roll back")?;
        let mut lease = self.slot.lease().await?;
        let conn = lease.conn();
        let result = match &frame {
            Frame::Transaction => conn.transaction(TxOp::Rollback).await,
            Frame::Savepoint(name) => match conn.transaction(TxOp::RollbackTo(name)).await {
                Ok(()) => conn.transaction(TxOp::Release(name)).await,
                Err(error) => Err(error),
            },
            Frame::Joined => match conn.transaction(TxOp::Rollback).await {
                Ok(()) => conn.transaction(TxOp::Begin).await,
                Err(error) => Err(error),
            },
        };
        self.pop();
        result
    }

    /// Remove this block's frame (and any left above it by guards that
    /// outlived it).
    fn pop(&mut self) {
        self.finished = true;
        self.slot.state().frames.truncate(self.level - 1);
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
        let mut state = self.slot.state();
        if state.frames.len() < self.level {
            return;
        }
        let abandoned = state.frames.split_off(self.level - 1);
        // Undo the outermost abandoned level; what is nested in it goes too.
        let cleanup = match abandoned.iter().find(|f| **f != Frame::Joined) {
            Some(Frame::Transaction) => Some(Cleanup::Rollback),
            Some(Frame::Savepoint(name)) => Some(Cleanup::RollbackTo(name.clone())),
            _ => None,
        };
        // Joined blocks leave the decision to the block they joined, which
        // is still open below.
        if let Some(cleanup) = cleanup {
            state.cleanups.push(cleanup);
        }
        // If this was the last handle, the slot drops right after and the
        // backend rolls back the open transaction as the connection returns
        // to the pool; otherwise the cleanup runs before the next statement.
    }
}
