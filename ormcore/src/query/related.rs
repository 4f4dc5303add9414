//! What a select does with its rows beyond decoding them: fill the
//! relations its joins selected (`Fill`) and load the relations it asks
//! for eagerly with one more select per relation (`Preload`). Both are
//! plain data and decoding here; the model layer builds them, the executor
//! runs the selects.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use super::node::SelectNode;
use crate::error::Result;
use crate::row::{FromRow, Row};

/// Decode the columns of a joined relation (from `*next` on) into a
/// decoded row `R`.
pub(crate) type Fill<R> = Arc<dyn Fn(&mut R, &dyn Row, &mut usize) -> Result<()> + Send + Sync>;

/// An eager load of one relation for a list of rows of one model: the
/// select it runs for those rows, the rows it decodes from that select's
/// result, and where it puts them. Rows travel as `Vec<Model>` behind
/// `Any`, so that loads nested to any depth, each over another model, are
/// run by one function.
pub(crate) trait Preload: Send + Sync + fmt::Debug {
    /// The selects that load the relation for `parents` (a `Vec` of the
    /// model it loads for), each binding at most `max_keys` keys; none
    /// when no parent has a key to look up.
    fn selects(&self, parents: &dyn Any, max_keys: usize) -> Result<Vec<SelectNode>>;

    /// The select the load narrows to its keys: its own conditions bind
    /// parameters too.
    fn select(&self) -> &SelectNode;

    /// A collector for the rows of those selects.
    fn collect(&self) -> Box<dyn Collect>;

    /// The loads to run, in turn, for the rows loaded.
    fn nested(&self) -> &[Arc<dyn Preload>];
}

/// The rows of a [`Preload`]'s selects, as they arrive.
pub(crate) trait Collect: Send {
    /// Decode one row.
    fn push(&mut self, row: &dyn Row) -> Result<()>;

    /// The rows decoded so far (a `Vec` of the loaded model), for the
    /// nested loads to load for.
    fn rows(&mut self) -> &mut (dyn Any + Send);

    /// Give each parent its rows.
    fn attach(self: Box<Self>, parents: &mut (dyn Any + Send)) -> Result<()>;
}

/// The relations a select fills or loads, beside its SQL: how its rows
/// decode, and what runs for them once decoded. Opaque outside ormcore.
#[doc(hidden)]
pub struct Related<R> {
    pub(crate) fills: Vec<Fill<R>>,
    pub(crate) preloads: Vec<Arc<dyn Preload>>,
}

impl<R> Related<R> {
    pub(crate) fn is_empty(&self) -> bool {
        self.fills.is_empty() && self.preloads.is_empty()
    }

    /// Decode one row, filling the relations its joins selected.
    #[inline]
    pub(crate) fn decode(&self, row: &dyn Row) -> Result<R>
    where
        R: FromRow,
    {
        let mut next = 0;
        let mut decoded = R::from_row(row, &mut next)?;
        for fill in &self.fills {
            fill(&mut decoded, row, &mut next)?;
        }
        Ok(decoded)
    }
}

impl<R> Default for Related<R> {
    fn default() -> Self {
        Related { fills: Vec::new(), preloads: Vec::new() }
    }
}

impl<R> Clone for Related<R> {
    fn clone(&self) -> Self {
        Related { fills: self.fills.clone(), preloads: self.preloads.clone() }
    }
}
