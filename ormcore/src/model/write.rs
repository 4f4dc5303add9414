//! The builders the writing model methods return: options are methods,
//! and `.await` runs the write (as [`Begin`](crate::Begin) does for a
//! transaction).
//!
//! ```no_run
//! # use ormcore::prelude::*;
//! # #[derive(Model, Debug, Default)] struct User { id: i64, name: String, email: Option<String> }
//! # async fn demo(db: &impl Executor, mut user: User, mut users: Vec<User>) -> ormcore::Result<()> {
//! user.asave(db).only(User::NAME).await?;
//! User::abulk_create(db, &mut users).batch_size(500).await?;
//! let ann = User::create(db).set(User::NAME, "ann").await?;
//! # let _ = ann; Ok(()) }
//! ```

use std::future::{Future, IntoFuture};
use std::pin::Pin;

use super::{Model, Saved, ops};
use crate::error::Result;
use crate::executor::{Executor, Query};
use crate::query::{Column, Columns, Insert, IntoExpr};
use crate::types::SqlField;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// [`Model::asave`]: `.await` it to save.
#[must_use = "a save does nothing until awaited"]
pub struct Save<'a, M, E: ?Sized> {
    model: &'a mut M,
    executor: &'a E,
    only: Option<Vec<usize>>,
    force_insert: bool,
}

impl<'a, M: Model, E: Executor> Save<'a, M, E> {
    pub(crate) fn new(model: &'a mut M, executor: &'a E) -> Self {
        Save { model, executor, only: None, force_insert: false }
    }

    /// Update only these columns (the reference's `save(only=[..])`):
    /// `User::NAME`, `[User::NAME]` or `(User::NAME, User::EMAIL)`. Whatever
    /// else changed is left unwritten.
    pub fn only(mut self, columns: impl Columns<M>) -> Self {
        self.only = Some(columns.indices());
        self
    }

    /// Insert even though the primary key is set (the reference's
    /// `force_insert=True`), for models whose key the application assigns.
    pub fn force_insert(mut self) -> Self {
        self.force_insert = true;
        self
    }
}

impl<'a, M: Model, E: Executor> IntoFuture for Save<'a, M, E> {
    type Output = Result<Saved>;
    type IntoFuture = BoxFuture<'a, Saved>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(ops::save(self.executor, self.model, self.only, self.force_insert))
    }
}

/// [`Model::abulk_create`]: `.await` it to insert.
#[must_use = "a bulk create does nothing until awaited"]
pub struct BulkCreate<'a, M, E: ?Sized> {
    models: &'a mut [M],
    executor: &'a E,
    batch_size: Option<usize>,
}

impl<'a, M: Model, E: Executor> BulkCreate<'a, M, E> {
    pub(crate) fn new(executor: &'a E, models: &'a mut [M]) -> Self {
        BulkCreate { models, executor, batch_size: None }
    }

    /// Insert `size` rows per statement (default 100, and never more than
    /// the backend's parameter limit allows). SQLite inserts row by row
    /// through one cached statement, which is faster there, and ignores it.
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = Some(size);
        self
    }
}

impl<'a, M: Model, E: Executor> IntoFuture for BulkCreate<'a, M, E> {
    type Output = Result<()>;
    type IntoFuture = BoxFuture<'a, ()>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(ops::bulk_create(self.executor, self.models, self.batch_size))
    }
}

/// [`Model::abulk_update`]: `.await` it to update.
#[must_use = "a bulk update does nothing until awaited"]
pub struct BulkUpdate<'a, M, E: ?Sized> {
    models: &'a [M],
    executor: &'a E,
    fields: Vec<usize>,
    batch_size: Option<usize>,
}

impl<'a, M: Model, E: Executor> BulkUpdate<'a, M, E> {
    pub(crate) fn new(executor: &'a E, models: &'a [M], fields: Vec<usize>) -> Self {
        BulkUpdate { models, executor, fields, batch_size: None }
    }

    /// Update `size` rows per statement (default 100, and never more than
    /// the backend's parameter limit allows).
    pub fn batch_size(mut self, size: usize) -> Self {
        self.batch_size = Some(size);
        self
    }
}

impl<'a, M: Model, E: Executor> IntoFuture for BulkUpdate<'a, M, E> {
    type Output = Result<u64>;
    type IntoFuture = BoxFuture<'a, u64>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(ops::bulk_update(self.executor, self.models, self.fields, self.batch_size))
    }
}

/// [`Model::create`]: a row made of the columns [`set`](Create::set), the
/// others taking their defaults; `.await` it for the inserted model.
#[must_use = "a create does nothing until awaited"]
pub struct Create<'a, M, E: ?Sized> {
    insert: Insert<M>,
    executor: &'a E,
}

impl<'a, M: Model, E: Executor> Create<'a, M, E> {
    pub(crate) fn new(executor: &'a E) -> Self {
        Create { insert: Insert::new(), executor }
    }

    /// Set `column` to `value` in the new row.
    pub fn set<F: SqlField>(mut self, column: Column<M, F>, value: impl IntoExpr<F::Sql>) -> Self {
        self.insert = self.insert.set(column, value);
        self
    }
}

impl<'a, M: Model, E: Executor> IntoFuture for Create<'a, M, E> {
    type Output = Result<M>;
    type IntoFuture = BoxFuture<'a, M>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if !self.executor.target().dialect().supports_insert_returning() {
                return ops::create_then_read(self.executor, self.insert).await;
            }
            let mut rows = self.insert.returning_all().aexecute(self.executor).await?;
            rows.pop().ok_or_else(|| crate::Error::interface("the database returned no row for the inserted one"))
        })
    }
}

/// [`PrimaryKey::aset_by_id`](super::PrimaryKey::aset_by_id): the columns
/// [`set`](SetById::set) written to the row whose key is given; `.await`
/// it for the number of rows changed (0 when no row has the key).
#[must_use = "a set_by_id does nothing until awaited"]
pub struct SetById<'a, M, E: ?Sized> {
    update: crate::query::Update<M>,
    executor: &'a E,
    set: usize,
}

impl<'a, M: super::PrimaryKey, E: Executor> SetById<'a, M, E> {
    pub(crate) fn new(executor: &'a E, key: M::Key) -> Self {
        SetById { update: crate::query::Update::new().where_(ops::by_key::<M>(key)), executor, set: 0 }
    }

    /// Set `column` to `value` in the row.
    pub fn set<F: SqlField>(mut self, column: Column<M, F>, value: impl IntoExpr<F::Sql>) -> Self {
        self.update = self.update.set(column, value);
        self.set += 1;
        self
    }
}

impl<'a, M: super::PrimaryKey, E: Executor> IntoFuture for SetById<'a, M, E> {
    type Output = Result<u64>;
    type IntoFuture = BoxFuture<'a, u64>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(async move {
            if self.set == 0 {
                return Err(crate::Error::interface(format!(
                    "{}::aset_by_id sets nothing: name the columns with .set(column, value)",
                    M::META.model
                )));
            }
            self.update.aexecute(self.executor).await
        })
    }
}
