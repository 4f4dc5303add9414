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
    snapshot: Option<Vec<Value>>,
}

impl ModelState {
    /// Record `values` as the stored state.
    pub fn remember(&mut self, values: Vec<Value>) {
        self.snapshot = Some(values);
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
            Some(stored) => {
                current.iter().zip(stored).enumerate().filter(|(_, (now, then))| now != then).map(|(i, _)| i).collect()
            }
        }
    }
}
