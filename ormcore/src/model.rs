//! Models: the [`Model`] trait that `#[derive(Model)]` implements (over the
//! [`Record`] the query builders see), [`ForeignKey`] fields and the
//! [`ModelState`] that tracks dirty fields.

mod cached;
mod default_now;
mod delete;
mod dict;
mod eager;
mod foreign_key;
mod hooks;
mod many_to_many;
mod ops;
mod relations;
#[cfg(feature = "serde")]
pub(crate) mod serde_impls;
mod state;
mod write;

pub use default_now::DefaultNow;
pub use delete::DeleteInstance;
pub use dict::{Dict, dict_to_model, model_to_dict};
pub use eager::{IntoLoad, Load};
pub use foreign_key::{ForeignKey, ForeignKeyField, ForeignKeyId};
pub use hooks::Hooks;
pub use many_to_many::ManyToMany;
pub use ops::Saved;
pub use relations::{HasRelations, Relations};
pub use state::ModelState;
pub use write::{BulkCreate, BulkUpdate, Create, Save, SetById};

use std::future::Future;

use crate::error::Result;
use crate::executor::{Executor, Query};
use crate::query::{Column, Columns, Delete, Expr, Insert, MultiRow, RowOf, Select, Update};
use crate::schema::Record;
use crate::types::Bool;

/// A struct mapped to a table. Implement it with `#[derive(Model)]`, which
/// also implements its [`Record`] (the metadata and conversions); the
/// provided `a*` methods (`acreate`, `aget`, `asave`, ...) read and write
/// rows.
///
/// ```
/// use ormcore::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// struct User {
///     id: i64,
///     #[orm(unique)]
///     name: String,
///     email: Option<String>,
/// }
///
/// assert_eq!(User::META.name, "user");
/// assert_eq!(User::META.columns.len(), 3);
/// let adults = User::select().where_(User::NAME.ne("root"));
/// # let _ = adults;
/// ```
pub trait Model: Record + Hooks {
    /// The dirty-tracking state, for models that have a [`ModelState`] field.
    fn state(&self) -> Option<&ModelState> {
        None
    }

    /// Mutable access to the dirty-tracking state.
    fn state_mut(&mut self) -> Option<&mut ModelState> {
        None
    }

    /// `SELECT` every column of this model's table.
    fn select() -> Select<Self> {
        Select::model()
    }

    /// An `INSERT` of one row, columns given with [`Insert::set`].
    fn insert() -> Insert<Self> {
        Insert::new()
    }

    /// An `INSERT` of these instances, one row each.
    fn insert_many<'a>(models: impl IntoIterator<Item = &'a Self>) -> Insert<Self, MultiRow> {
        Insert::models(models)
    }

    /// An `INSERT` of rows of values for `columns`, the other columns taking
    /// their defaults (the reference's `insert_many(rows, fields=[..])`):
    /// see [`Insert::rows`].
    fn insert_rows<C: Columns<Self>, Row: RowOf<C>>(
        columns: C,
        rows: impl IntoIterator<Item = Row>,
    ) -> Insert<Self, MultiRow> {
        Insert::rows(columns, rows)
    }

    /// An `UPDATE` of this model's table.
    fn update() -> Update<Self> {
        Update::new()
    }

    /// A `DELETE` from this model's table.
    fn delete() -> Delete<Self> {
        Delete::new()
    }

    /// Insert `model` and return it with its new key set (the reference's
    /// `Model.create()`).
    fn acreate<E: Executor>(executor: &E, mut model: Self) -> impl Future<Output = Result<Self>> + Send {
        async move {
            ops::create_instance(executor, &mut model).await?;
            Ok(model)
        }
    }

    /// The one row matching `filter`; [`Error::DoesNotExist`](crate::Error)
    /// naming the model when none does.
    fn aget<E: Executor>(executor: &E, filter: Expr<Bool>) -> impl Future<Output = Result<Self>> + Send {
        ops::get(executor, filter)
    }

    /// The first row matching `filter`, or `None`.
    fn aget_or_none<E: Executor>(
        executor: &E,
        filter: Expr<Bool>,
    ) -> impl Future<Output = Result<Option<Self>>> + Send {
        ops::first_where(executor, filter)
    }

    /// The row matching `filter`, or a new one made by `make` and inserted.
    /// Returns whether it was created. A concurrent insert of the same row
    /// (an integrity error) is recovered by reading the row it inserted.
    fn aget_or_create<E: Executor>(
        executor: &E,
        filter: Expr<Bool>,
        make: impl FnOnce() -> Self + Send,
    ) -> impl Future<Output = Result<(Self, bool)>> + Send {
        ops::get_or_create(executor, filter, make)
    }

    /// A row made of the columns [`set`](Create::set) on the builder, the
    /// others taking their defaults; `.await` it for the inserted model, as
    /// the database stored it (the reference's `User.acreate(name='x')`):
    /// `User::create(&db).set(User::NAME, "ann").await?`. One `INSERT ..
    /// RETURNING` where the database has it (SQLite, PostgreSQL, MariaDB
    /// 10.5+); on MySQL, the insert and a read of the row by its key, in
    /// one transaction, which needs an auto-increment key or one the
    /// builder sets ([`Error::Unsupported`](crate::Error::Unsupported)
    /// otherwise).
    fn create<E: Executor>(executor: &E) -> Create<'_, Self, E> {
        Create::new(executor)
    }

    /// Insert the instances inside one transaction and set their
    /// auto-increment keys; `.await` the builder, after
    /// [`batch_size`](BulkCreate::batch_size) if need be. Backends with a
    /// round trip per statement insert 100 rows per statement (within the
    /// parameter limit) with `RETURNING`; SQLite inserts row by row through
    /// one cached statement, which is faster there.
    fn abulk_create<'a, E: Executor>(executor: &'a E, models: &'a mut [Self]) -> BulkCreate<'a, Self, E> {
        BulkCreate::new(executor, models)
    }

    /// Write `fields` (`User::NAME`, or a tuple of columns) of each instance
    /// to its row, in batches of one `UPDATE ... SET col = CASE key WHEN ..
    /// THEN .. END` each, inside one transaction; `.await` the builder for
    /// the number of rows changed.
    fn abulk_update<'a, E: Executor>(
        executor: &'a E,
        models: &'a [Self],
        fields: impl Columns<Self>,
    ) -> BulkUpdate<'a, Self, E> {
        BulkUpdate::new(executor, models, fields.indices())
    }

    /// Save this instance: update its row if it has a key, insert it
    /// otherwise; `.await` the builder, after
    /// [`only`](Save::only) or [`force_insert`](Save::force_insert) if need
    /// be. With a [`ModelState`] field only changed columns are written, and
    /// a save with nothing changed is [`Saved::Unchanged`].
    fn asave<'a, E: Executor>(&'a mut self, executor: &'a E) -> Save<'a, Self, E> {
        Save::new(self, executor)
    }

    /// Delete this instance's row; `.await` the builder for the number of
    /// rows deleted, after [`recursive`](DeleteInstance::recursive) or
    /// [`delete_nullable`](DeleteInstance::delete_nullable) to delete what
    /// references it too (the reference's `recursive=True`).
    fn adelete_instance<'a, E: Executor>(&'a self, executor: &'a E) -> DeleteInstance<'a, Self, E> {
        DeleteInstance::new(self, executor)
    }
}

/// A model whose primary key is a single column: what
/// [`ForeignKey`] fields point at and what `aget_by_id` looks up.
/// `#[derive(Model)]` implements it for such models.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a model with a single-column primary key",
    label = "a foreign key or `aget_by_id` needs a `#[derive(Model)]` struct with a one-column key",
    note = "derive `Model` for `{Self}`, with an integer `id` field or one field marked `#[orm(primary_key)]`"
)]
pub trait PrimaryKey: Model {
    /// The key's Rust type.
    type Key: crate::types::SqlField + Clone + Send + Sync + 'static;

    /// The key column.
    const KEY: Column<Self, Self::Key>;

    /// This instance's key value (possibly unassigned: `0` or `None`).
    fn key(&self) -> Self::Key;

    /// The row whose key is `key`; [`Error::DoesNotExist`](crate::Error)
    /// when there is none.
    fn aget_by_id<E: Executor>(executor: &E, key: Self::Key) -> impl Future<Output = Result<Self>> + Send {
        ops::get_by_key(executor, key)
    }

    /// Delete the row whose key is `key`; returns the number of rows deleted.
    fn adelete_by_id<E: Executor>(executor: &E, key: Self::Key) -> impl Future<Output = Result<u64>> + Send {
        async move { Self::delete().where_(ops::by_key::<Self>(key)).aexecute(executor).await }
    }

    /// Write the columns [`set`](SetById::set) on the builder to the row
    /// whose key is `key` (the reference's `set_by_id(key, {..})`); `.await`
    /// it for the number of rows changed, 0 when no row has the key:
    /// `User::aset_by_id(&db, id).set(User::NAME, "ann").await?`. Setting
    /// nothing is an [`Error::Interface`](crate::Error::Interface).
    fn aset_by_id<E: Executor>(executor: &E, key: Self::Key) -> SetById<'_, Self, E> {
        SetById::new(executor, key)
    }
}
