//! A slot: one pooled connection bound to a scope (a task's `aconnect`, a
//! `run` closure, a transaction), with its transaction stack.
//!
//! Every handle to the slot ([`Connection`](super::Connection),
//! [`Transaction`](super::Transaction), an open stream) holds an `Arc` to it;
//! the task registry holds only a `Weak`. So the connection goes back to the
//! pool exactly when the last handle is dropped, whether by a normal return,
//! an early `?`, a panic or an aborted task, and the backend's clean-release
//! rule rolls back whatever transaction was left open.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::Shared;
use super::registry::TaskKey;
use crate::backend::{Backend, RawConnection, TxOp};
use crate::error::{Error, Result};

/// One open transaction level on a slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A real transaction (`BEGIN`).
    Transaction,
    /// A savepoint with this name.
    Savepoint(String),
    /// A `transaction()` nested in another: joins it, no SQL of its own.
    Joined,
}

/// Cleanup owed by a transaction guard dropped without finishing; run before
/// the connection's next statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Cleanup {
    Rollback,
    RollbackTo(String),
}

pub(crate) struct SlotState<B: Backend> {
    /// The connection; `None` while a lease or a stream has it out, or once
    /// closed.
    pub(crate) conn: Option<B::Pooled>,
    /// A stream holds the connection.
    pub(crate) streaming: bool,
    /// `aclose` released the connection; the slot is unusable.
    pub(crate) closed: bool,
    /// Open transaction levels, outermost first.
    pub(crate) frames: Vec<Frame>,
    pub(crate) cleanups: Vec<Cleanup>,
    next_savepoint: u32,
}

pub(crate) struct Slot<B: Backend> {
    pub(crate) shared: Arc<Shared<B>>,
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
    pub(crate) fn new(shared: Arc<Shared<B>>, conn: B::Pooled, task: Option<TaskKey>) -> Self {
        Slot {
            shared,
            task,
            turn: Arc::new(Semaphore::new(1)),
            state: Mutex::new(SlotState {
                conn: Some(conn),
                streaming: false,
                closed: false,
                frames: Vec::new(),
                cleanups: Vec::new(),
                next_savepoint: 0,
            }),
            returned: Notify::new(),
        }
    }

    /// The slot's state. A panic while it was locked cannot leave it
    /// inconsistent (every critical section is a few field writes), so a
    /// poisoned lock is used as is.
    pub(crate) fn state(&self) -> MutexGuard<'_, SlotState<B>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Take the connection for one operation: wait for this slot's other
    /// users, wait a grace period for an open stream to give it back, then
    /// run the cleanups dropped guards left behind.
    pub(crate) async fn lease(self: &Arc<Self>) -> Result<Lease<B>> {
        let permit =
            Arc::clone(&self.turn).acquire_owned().await.map_err(|_| Error::interface("connection slot is gone"))?;
        loop {
            let taken = {
                let mut state = self.state();
                if state.closed {
                    return Err(Error::interface("this connection was closed with aclose()"));
                }
                match state.conn.take() {
                    Some(conn) => Ok((conn, std::mem::take(&mut state.cleanups))),
                    None => {
                        debug_assert!(state.streaming, "a slot's connection is out only while streaming");
                        Err(self.returned.notified())
                    }
                }
            };
            match taken {
                Ok((conn, cleanups)) => {
                    let mut lease = Lease { slot: Arc::clone(self), conn: Some(conn), _permit: permit };
                    lease.run_cleanups(cleanups).await?;
                    return Ok(lease);
                }
                Err(returned) => {
                    let grace = self.shared.streaming_timeout();
                    if tokio::time::timeout(grace, returned).await.is_err() {
                        return Err(Error::interface(format!(
                            "the connection is held by an open stream (iterate) and was not released within \
                             {grace:?}; finish or drop the stream before running another query on this connection"
                        )));
                    }
                }
            }
        }
    }

    /// Give back a connection a stream held.
    pub(crate) fn give_back(&self, conn: B::Pooled) {
        let mut state = self.state();
        state.streaming = false;
        if !state.closed {
            state.conn = Some(conn);
        }
        drop(state);
        self.returned.notify_one();
    }

    /// A fresh savepoint name, unique on this connection.
    pub(crate) fn savepoint_name(&self) -> String {
        let mut state = self.state();
        state.next_savepoint += 1;
        format!("ormcore_sp{}", state.next_savepoint)
    }
}

impl<B: Backend> Drop for Slot<B> {
    fn drop(&mut self) {
        if let Some(task) = self.task {
            self.shared.registry.remove(task, self);
        }
        // The connection (if not out with a stream, which returns it to the
        // pool itself) drops here; the backend rolls back an open transaction.
    }
}

/// The connection of a slot, checked out for one operation; put back on drop.
pub(crate) struct Lease<B: Backend> {
    slot: Arc<Slot<B>>,
    conn: Option<B::Pooled>,
    _permit: OwnedSemaphorePermit,
}

impl<B: Backend> Lease<B> {
    pub(crate) fn conn(&mut self) -> &mut B::Connection {
        // Present from construction until `detach` or drop.
        self.conn.as_deref_mut().expect("lease holds its connection")
    }

    async fn run_cleanups(&mut self, cleanups: Vec<Cleanup>) -> Result<()> {
        for cleanup in cleanups {
            match cleanup {
                Cleanup::Rollback => self.conn().transaction(TxOp::Rollback).await?,
                Cleanup::RollbackTo(name) => {
                    self.conn().transaction(TxOp::RollbackTo(&name)).await?;
                    self.conn().transaction(TxOp::Release(&name)).await?;
                }
            }
        }
        Ok(())
    }

    /// Hand the connection to a stream: the slot counts as streaming until
    /// [`Slot::give_back`].
    pub(crate) fn detach(mut self) -> B::Pooled {
        let conn = self.conn.take().expect("lease holds its connection");
        self.slot.state().streaming = true;
        conn
    }
}

impl<B: Backend> Drop for Lease<B> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let mut state = self.slot.state();
            if !state.closed {
                state.conn = Some(conn);
            }
        }
    }
}
