//! [`Relations`]: the rows an eager load found on the other side of a
//! one-to-many relation, kept on the model they belong to.

use std::any::{Any, TypeId};
use std::fmt;
use std::sync::Arc;

use super::ForeignKeyField;
use crate::query::Column;
use crate::schema::Record;

/// The back-references loaded for one model instance by
/// [`Load::has_many`](crate::Load::has_many): a user's tweets, a tweet's
/// comments. Add it to a model as a field marked `#[orm(relations)]`; it is
/// not a column and starts empty. Because it is keyed by the foreign key
/// that points here, the model it belongs to need not know the models
/// that reference it, which may live in other crates.
///
/// ```
/// use ormcore::prelude::*;
///
/// #[derive(Model, Debug, Default)]
/// struct User {
///     id: i64,
///     name: String,
///     #[orm(relations)]
///     related: Relations,
/// }
///
/// #[derive(Model, Debug)]
/// struct Tweet { id: i64, user: ForeignKey<User>, content: String }
///
/// let user = User::default();
/// assert!(user.related.get(Tweet::USER).is_none()); // not loaded
/// ```
#[derive(Default)]
pub struct Relations {
    loaded: Vec<Loaded>,
}

struct Loaded {
    /// The referencing model and its foreign-key column.
    model: TypeId,
    column: usize,
    name: &'static str,
    rows: Arc<dyn Any + Send + Sync>,
}

impl Relations {
    /// The rows of `C` whose foreign key `fk` references this instance, in
    /// the order the load asked for; `None` when they were not loaded (an
    /// empty slice when they were and there are none).
    pub fn get<C: Record, F: ForeignKeyField>(&self, fk: Column<C, F>) -> Option<&[C]> {
        let found = self.loaded.iter().find(|l| l.model == TypeId::of::<C>() && l.column == fk.index())?;
        found.rows.downcast_ref::<Vec<C>>().map(Vec::as_slice)
    }

    /// Whether the rows of `fk` were loaded.
    pub fn is_loaded<C: Record, F: ForeignKeyField>(&self, fk: Column<C, F>) -> bool {
        self.get(fk).is_some()
    }

    /// Keep `rows` as the loaded rows of `C`'s foreign-key column `column`.
    pub(crate) fn set<C: Record + Send>(&mut self, column: usize, rows: Arc<Vec<C>>) {
        let name = C::META.columns.get(column).map_or("?", |c| c.field);
        let entry = Loaded { model: TypeId::of::<C>(), column, name, rows };
        match self.loaded.iter_mut().find(|l| l.model == entry.model && l.column == column) {
            Some(slot) => *slot = entry,
            None => self.loaded.push(entry),
        }
    }
}

/// A clone shares the loaded rows (as a [`ForeignKey`](crate::ForeignKey)
/// clone shares its related object).
impl Clone for Relations {
    fn clone(&self) -> Self {
        let loaded = self.loaded.iter().map(|l| Loaded { rows: Arc::clone(&l.rows), ..*l }).collect();
        Relations { loaded }
    }
}

/// Loaded rows are not data of the row itself: two instances compare
/// equal whatever was loaded for them.
impl PartialEq for Relations {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Relations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.loaded.iter().map(|l| l.name)).finish()
    }
}

/// A model with a [`Relations`] field, which one-to-many eager loads fill.
/// `#[derive(Model)]` implements it for a model with a field marked
/// `#[orm(relations)]`.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field to keep the rows of a one-to-many relation in",
    label = "`Load::has_many` fills the `Relations` field of the model referenced",
    note = "add `#[orm(relations)] related: ormcore::Relations` to `{Self}`"
)]
pub trait HasRelations {
    /// The field.
    fn relations(&self) -> &Relations;

    /// The field, to fill.
    fn relations_mut(&mut self) -> &mut Relations;
}
