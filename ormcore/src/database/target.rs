//! Where a statement runs: [`Target`] names the database, connection or
//! transaction block an executor stands for, and leases a connection from
//! it for one statement ([`ConnLease`]).

use std::sync::Arc;

use super::slot::{AfterCommit, Lease, Slot};
use super::traced::Traced;
use super::{Database, DatabaseInner, StatementKey};
use crate::backend::Backend;
use crate::error::Result;
use crate::sql::{Dialect, Statement};
use crate::value::Value;

/// Where an executor runs its statements. Opaque outside ormcore.
#[doc(hidden)]
pub struct Target<'a, B: Backend>(TargetKind<'a, B>);

impl<B: Backend> Clone for Target<'_, B> {
    fn clone(&self) -> Self {
        Target(match self.0 {
            TargetKind::Database(db) => TargetKind::Database(db),
            TargetKind::Slot(slot) => TargetKind::Slot(slot),
            TargetKind::Block(slot, id) => TargetKind::Block(slot, id),
        })
    }
}

enum TargetKind<'a, B: Backend> {
    /// Through the database: the running task's connection if it has one,
    /// else a connection from the pool for the one statement.
    Database(&'a Database<B>),
    /// A bound connection (a `Connection` handle): its innermost open
    /// block, if any.
    Slot(&'a Arc<Slot<B>>),
    /// A transaction block (a `Transaction` handle): its connection and its
    /// frame. Statements run only while it is the innermost open block.
    Block(&'a Arc<Slot<B>>, u64),
}

/// A connection checked out for one statement.
pub(crate) enum ConnLease<B: Backend> {
    Slot(Lease<B>),
    Pooled(Traced<B>),
}

impl<B: Backend> ConnLease<B> {
    pub(crate) fn conn(&mut self) -> &mut Traced<B> {
        match self {
            ConnLease::Slot(lease) => lease.conn(),
            ConnLease::Pooled(conn) => conn,
        }
    }
}

impl<'a, B: Backend> Target<'a, B> {
    /// Through `db`: the task's connection, else a pooled one.
    pub(crate) fn database(db: &'a Database<B>) -> Self {
        Target(TargetKind::Database(db))
    }

    /// On the connection of a `Connection` handle.
    pub(crate) fn connection(slot: &'a Arc<Slot<B>>) -> Self {
        Target(TargetKind::Slot(slot))
    }

    /// In the transaction block `id` on `slot`.
    pub(crate) fn block(slot: &'a Arc<Slot<B>>, id: u64) -> Self {
        Target(TargetKind::Block(slot, id))
    }

    /// What every handle on the database shares.
    pub(crate) fn inner(&self) -> &'a Arc<DatabaseInner<B>> {
        match self.0 {
            TargetKind::Database(db) => &db.inner,
            TargetKind::Slot(slot) | TargetKind::Block(slot, _) => &slot.inner,
        }
    }

    pub(crate) fn backend(&self) -> &'a B {
        &self.inner().backend
    }

    /// Run `callback` once the transaction this target's statements run in
    /// commits (see [`Executor::after_commit`](crate::Executor::after_commit)),
    /// or now if there is none.
    pub(crate) fn after_commit(&self, callback: AfterCommit) {
        let (slot, frame) = match self.0 {
            TargetKind::Database(db) => (db.task_slot(), None),
            TargetKind::Slot(slot) => (Some(Arc::clone(slot)), None),
            TargetKind::Block(slot, id) => (Some(Arc::clone(slot)), Some(id)),
        };
        let (now, dropped) = match &slot {
            Some(slot) => slot.state().defer(frame, callback),
            None => (Some(callback), None),
        };
        // Outside the slot's lock: either may do anything.
        drop(dropped);
        if let Some(callback) = now {
            callback();
        }
    }

    pub(crate) fn dialect(&self) -> &'a dyn Dialect {
        self.backend().dialect()
    }

    /// The statement for `key` with `params` bound: compiled by `compile`
    /// the first time the database runs it, with no parameters, and kept
    /// (see [`StatementCache`](super::statements::StatementCache)).
    pub(crate) fn cached_statement(
        &self,
        key: StatementKey,
        params: Vec<Value>,
        compile: impl FnOnce(&dyn Dialect) -> Result<Statement>,
    ) -> Result<Statement> {
        self.inner().statements.bind(key, params, || compile(self.dialect()))
    }

    /// The bound connection's slot, if the statement runs on one.
    pub(crate) fn slot(&self) -> Option<Arc<Slot<B>>> {
        match self.0 {
            TargetKind::Database(db) => db.task_slot(),
            TargetKind::Slot(slot) | TargetKind::Block(slot, _) => Some(Arc::clone(slot)),
        }
    }

    /// The bound connection's slot, binding a pooled connection to the
    /// running task first when going through the database outside a scope.
    pub(crate) async fn slot_or_bind(&self) -> Result<Arc<Slot<B>>> {
        match self.0 {
            TargetKind::Database(db) => db.task_slot_or_bind().await,
            TargetKind::Slot(slot) | TargetKind::Block(slot, _) => Ok(Arc::clone(slot)),
        }
    }

    /// A connection for `statement`: like [`lease`](Self::lease), except
    /// that outside any scope a session-free statement may run on a
    /// connection the backend shares among tasks.
    pub(crate) async fn lease_for(&self, statement: &Statement) -> Result<ConnLease<B>> {
        self.lease_sharing(statement.shareable()).await
    }

    /// A connection for a statement: the bound one (refusing statements in
    /// a block whose transaction the database ended), or one from the pool.
    pub(crate) async fn lease(&self) -> Result<ConnLease<B>> {
        self.lease_sharing(false).await
    }

    /// The connection of `slot` (this target's), for a statement: refused
    /// when this target is a transaction block that is not the innermost
    /// open one, or when the transaction of the open blocks is gone.
    pub(crate) async fn lease_bound(&self, slot: &Arc<Slot<B>>) -> Result<Lease<B>> {
        let mut lease = slot.lease().await?;
        if let TargetKind::Block(_, id) = self.0 {
            lease.check_block(id)?;
        }
        lease.check_transaction().await?;
        Ok(lease)
    }

    /// A connection from the pool whatever the scope, traced: for the
    /// eager loads of a stream, which holds the bound one.
    pub(crate) async fn pooled(&self) -> Result<Traced<B>> {
        let conn = self.backend().acquire().await?;
        Ok(Traced::new(conn, Arc::clone(self.inner())))
    }

    /// Whether a transaction block is open on this target's connection.
    pub(crate) fn in_block(&self) -> bool {
        self.slot().is_some_and(|slot| !slot.state().frames.is_empty())
    }

    /// Whether a stream's eager loads can run on a second connection: not
    /// inside a transaction block, whose writes another connection would
    /// not see, nor on a database of one connection.
    pub(crate) fn check_second_connection(&self) -> Result<()> {
        if self.slot().is_some_and(|slot| !slot.state().frames.is_empty()) {
            return Err(crate::Error::interface(
                "eager loads (`with_related`) on a stream run on a second connection, which would not see this \
                 transaction's writes: inside a transaction, read the rows with `list` (in pages if there are \
                 many), or stream outside it",
            ));
        }
        if self.backend().pool_status().max_size < 2 {
            return Err(crate::Error::interface(
                "eager loads (`with_related`) on a stream run on a second connection, and this database has one \
                 (an in-memory SQLite database): read the rows with `list`, in pages if there are many",
            ));
        }
        Ok(())
    }

    async fn lease_sharing(&self, shareable: bool) -> Result<ConnLease<B>> {
        if let Some(slot) = self.slot() {
            return Ok(ConnLease::Slot(self.lease_bound(&slot).await?));
        }
        let shared = if shareable { self.backend().acquire_shared().await? } else { None };
        let conn = match shared {
            Some(conn) => conn,
            None => self.backend().acquire().await?,
        };
        Ok(ConnLease::Pooled(Traced::new(conn, Arc::clone(self.inner()))))
    }
}
