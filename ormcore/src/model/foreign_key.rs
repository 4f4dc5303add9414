//! [`ForeignKey`]: a field holding another model's key, with the related
//! object loaded lazily and cached.

use std::marker::PhantomData;
use std::sync::{Arc, OnceLock};

use super::{Model, PrimaryKey};
use crate::error::Result;
use crate::executor::Executor;
use crate::row::{FromRow, Row};
use crate::schema::ColumnType;
use crate::schema::TableMeta;
use crate::types::SqlField;
use crate::value::DecodeError;
use crate::value::{FromValue, ToValue, Value, ValueRef};

/// A foreign key to model `M`: the key value, plus the related object once
/// loaded (by [`afetch`](ForeignKey::afetch) or [`set`](ForeignKey::set)).
///
/// The column is declared with `M`'s key type and a `REFERENCES` constraint
/// on `M`'s table. Use `Option<ForeignKey<M>>` for a nullable key.
///
/// ```
/// use ormcore::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// struct User { id: i64, name: String }
///
/// #[derive(Model, Debug)]
/// struct Tweet { id: i64, user: ForeignKey<User>, content: String }
///
/// let tweet = Tweet { id: 0, user: ForeignKey::new(7), content: "hi".into() };
/// assert_eq!(*tweet.user.key(), 7);
/// assert!(tweet.user.get().is_none()); // not loaded yet
/// ```
pub struct ForeignKey<M: PrimaryKey> {
    key: M::Key,
    /// Behind a pointer so that a model may reference its own type (a
    /// category's parent category) without being infinitely large; shared,
    /// so that the rows an eager load gives the same related row point at
    /// one copy of it.
    related: OnceLock<Arc<M>>,
}

impl<M: PrimaryKey> ForeignKey<M> {
    /// A key, with nothing loaded.
    pub fn new(key: M::Key) -> Self {
        ForeignKey { key, related: OnceLock::new() }
    }

    /// A key to `related`, with `related` already loaded.
    pub fn to(related: M) -> Self {
        ForeignKey::shared(Arc::new(related))
    }

    /// A key to a related object that other rows may share.
    pub(crate) fn shared(related: Arc<M>) -> Self {
        ForeignKey { key: related.key(), related: OnceLock::from(related) }
    }

    /// The key value.
    pub fn key(&self) -> &M::Key {
        &self.key
    }

    /// The related object, if loaded.
    pub fn get(&self) -> Option<&M> {
        self.related.get().map(Arc::as_ref)
    }

    /// Point at `related` (changing the key) and cache it.
    pub fn set(&mut self, related: M) {
        *self = ForeignKey::to(related);
    }

    /// The related object: returned at once if loaded, otherwise fetched by
    /// key on `executor` and cached, so later calls and [`get`](Self::get)
    /// are free. The reference's `await obj.afetch(Model.field)`.
    pub async fn afetch<E: Executor>(&self, executor: &E) -> Result<&M> {
        if let Some(related) = self.get() {
            return Ok(related);
        }
        let related = Arc::new(M::aget_by_id(executor, self.key.clone()).await?);
        Ok(self.related.get_or_init(|| related))
    }
}

/// A clone keeps the key and shares the related object, if loaded.
impl<M: PrimaryKey> Clone for ForeignKey<M> {
    fn clone(&self) -> Self {
        ForeignKey { key: self.key.clone(), related: self.related.clone() }
    }
}

impl<M: PrimaryKey> std::fmt::Debug for ForeignKey<M>
where
    M::Key: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForeignKey")
            .field("model", &M::META.model)
            .field("key", &self.key)
            .field("loaded", &self.related.get().is_some())
            .finish()
    }
}

/// What a foreign-key field is as a column, the same for [`ForeignKey`]
/// and [`ForeignKeyId`]: its key, compared, converted and declared (a
/// `REFERENCES` constraint on `M`'s table), whatever is loaded.
macro_rules! key_column {
    ($ty:ident) => {
        /// Keys compare equal whether or not the related object is loaded.
        impl<M: PrimaryKey> PartialEq for $ty<M>
        where
            M::Key: PartialEq,
        {
            fn eq(&self, other: &Self) -> bool {
                self.key == other.key
            }
        }

        impl<M: PrimaryKey> Default for $ty<M>
        where
            M::Key: Default,
        {
            fn default() -> Self {
                $ty::new(M::Key::default())
            }
        }

        impl<M: PrimaryKey> From<&M> for $ty<M> {
            fn from(related: &M) -> Self {
                $ty::new(related.key())
            }
        }

        impl<M: PrimaryKey> ToValue for $ty<M> {
            fn to_value(&self) -> Value {
                self.key.to_value()
            }
        }

        impl<M: PrimaryKey> FromValue for $ty<M> {
            fn from_value(value: ValueRef<'_>) -> Result<Self, DecodeError> {
                M::Key::from_value(value).map($ty::new)
            }
        }

        impl<M: PrimaryKey> FromRow for $ty<M> {
            fn from_row(row: &dyn Row, next: &mut usize) -> Result<Self> {
                let index = *next;
                *next += 1;
                crate::row::decode_column(row, index, M::META.model)
            }
        }

        impl<M: PrimaryKey> SqlField for $ty<M> {
            type Sql = <M::Key as SqlField>::Sql;
            const COLUMN_TYPE: ColumnType = <M::Key as SqlField>::COLUMN_TYPE;
            const REFERENCES: Option<fn() -> &'static TableMeta> = Some(meta_of::<M>);
        }
    };
}

fn meta_of<M: Model>() -> &'static TableMeta {
    M::META
}

key_column!(ForeignKey);
key_column!(ForeignKeyId);

/// A model field that is a foreign key: [`ForeignKey<M>`], or
/// `Option<ForeignKey<M>>` for a nullable one. Joins
/// ([`Select::join_related`](crate::query::Select::join_related)) and eager
/// loads ([`Load`](crate::Load)) fill the related object through it.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a foreign key field",
    label = "a relation is a column of type `ForeignKey<M>` or `Option<ForeignKey<M>>`"
)]
pub trait ForeignKeyField: Send + Sync + 'static {
    /// The referenced model.
    type Target: PrimaryKey;

    /// The key value, `None` when a nullable key is NULL.
    fn key_value(&self) -> Option<Value>;

    /// Cache `related` as the referenced object (for a NULL key, nothing
    /// is cached).
    #[doc(hidden)]
    fn fill(&mut self, related: Arc<Self::Target>);
}

impl<M: PrimaryKey> ForeignKeyField for ForeignKey<M> {
    type Target = M;

    fn key_value(&self) -> Option<Value> {
        Some(self.key.to_value())
    }

    fn fill(&mut self, related: Arc<M>) {
        self.related = OnceLock::from(related);
    }
}

impl<M: PrimaryKey> ForeignKeyField for Option<ForeignKey<M>> {
    type Target = M;

    fn key_value(&self) -> Option<Value> {
        self.as_ref().map(|fk| fk.key.to_value())
    }

    fn fill(&mut self, related: Arc<M>) {
        if let Some(fk) = self {
            fk.fill(related);
        }
    }
}

/// A foreign key that is only the key: no related object is loaded or
/// kept, so reading the relation (`get`, `afetch`) or filling it
/// (`join_related`, `with_related`) does not compile. The reference's
/// `ForeignKeyField(lazy_load=False)`, whose attribute gives the id, for a
/// column read in bulk where an accidental query per row must not happen:
/// load the row explicitly with `M::aget_by_id(&db, *fk.key())`.
///
/// The column is the same as a [`ForeignKey`]'s: `M`'s key type, with a
/// `REFERENCES` constraint on `M`'s table. Use `Option<ForeignKeyId<M>>`
/// for a nullable key.
///
/// ```
/// use ormcore::prelude::*;
/// use ormcore::ForeignKeyId;
///
/// #[derive(Model, Debug, Default)]
/// struct User { id: i64, name: String }
///
/// #[derive(Model, Debug)]
/// struct Event { id: i64, user: ForeignKeyId<User>, kind: String }
///
/// let event = Event { id: 0, user: ForeignKeyId::new(7), kind: "login".into() };
/// assert_eq!(*event.user.key(), 7);
/// assert_eq!(Event::META.columns[1].references.map(|t| t().name), Some("user"));
/// ```
pub struct ForeignKeyId<M: PrimaryKey> {
    key: M::Key,
    model: PhantomData<fn() -> M>,
}

impl<M: PrimaryKey> ForeignKeyId<M> {
    /// A key.
    pub fn new(key: M::Key) -> Self {
        ForeignKeyId { key, model: PhantomData }
    }

    /// The key value.
    pub fn key(&self) -> &M::Key {
        &self.key
    }
}

impl<M: PrimaryKey> Clone for ForeignKeyId<M> {
    fn clone(&self) -> Self {
        ForeignKeyId::new(self.key.clone())
    }
}

impl<M: PrimaryKey> std::fmt::Debug for ForeignKeyId<M>
where
    M::Key: std::fmt::Debug,
{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ForeignKeyId").field("model", &M::META.model).field("key", &self.key).finish()
    }
}
