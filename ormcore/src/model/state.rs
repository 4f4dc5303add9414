//! Dirty tracking for models that opt in with a [`ModelState`] field.

use crate::value::Value;

/// Remembers the column values a model instance was last loaded or saved
/// with, so that `asave` writes only the columns that changed and reports a
/// save with nothing changed as [`Saved::Unchanged`](crate::Saved).
///
/// Add it as a field marked `#[orm(state)]`; it is not a column, starts
/// empty (every column dirty) and is filled on every load and save.
///
/// ```
/// use ormcore::prelude::*;
///
/// #[derive(Model, Default)]
/// struct Note {
///     id: i64,
///     body: String,
///     #[orm(state)]
///     state: ModelState,
/// }
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelState {
    /// The stored value of each column, `None` where it is not known (a
    /// column a partial save left out).
    snapshot: Option<Vec<Option<Value>>>,
}

impl ModelState {
    /// Record `values` as the stored state.
    pub fn remember(&mut self, values: Vec<Value>) {
        self.snapshot = Some(values.into_iter().map(Some).collect());
    }

    /// Record the values of `columns` only (from a save of those columns):
    /// the others stay as they were known, dirty if they were.
    pub fn remember_columns(&mut self, values: Vec<Value>, columns: &[usize]) {
        let len = values.len();
        let snapshot = self.snapshot.get_or_insert_with(|| vec![None; len]);
        snapshot.resize(len, None);
        for (i, value) in values.into_iter().enumerate() {
            if columns.contains(&i) {
                snapshot[i] = Some(value);
            }
        }
    }

    /// Forget the stored state: every column counts as dirty.
    pub fn forget(&mut self) {
        self.snapshot = None;
    }

    /// Whether a stored state is known.
    pub fn is_loaded(&self) -> bool {
        self.snapshot.is_some()
    }

    /// Indexes of the columns whose `current` value differs from the stored
    /// state; all of them when none is stored.
    pub fn dirty_columns(&self, current: &[Value]) -> Vec<usize> {
        match &self.snapshot {
            None => (0..current.len()).collect(),
            Some(stored) => current
                .iter()
                .enumerate()
                .filter(|&(i, now)| stored.get(i).and_then(Option::as_ref) != Some(now))
                .map(|(i, _)| i)
                .collect(),
        }
    }
}
