//! [`Hooks`]: code a model runs around its own saves and deletes (the
//! reference's `pre_save` / `post_save` / `pre_delete` / `post_delete`
//! signals).

use std::future::Future;

use crate::backend::Backend;
use crate::database::Transaction;
use crate::error::Result;

/// Code run before and after a model instance is saved or deleted, inside
/// the write's transaction: `before_save`, the write, `after_save` (or
/// `before_delete`, the delete, `after_delete`), then the commit. A hook's
/// error aborts the write and rolls the transaction back (a savepoint,
/// inside another transaction); the instance's columns and
/// [`ModelState`](crate::ModelState) are put back as they were when the
/// save began (no key from a rolled-back insert, no change `before_save`
/// made), also when the save's future is dropped part-way.
///
/// Mark the model `#[orm(hooks)]` and implement the methods it needs; the
/// others do nothing. Without the attribute, `#[derive(Model)]` implements
/// `Hooks` with no hook, and writes open no transaction for them.
///
/// Hooks run on the instance paths: `acreate`, `asave` (`created` says
/// whether it inserts), `aget_or_create` when it creates, and
/// `adelete_instance`. As in the reference, whose signals fire from
/// `save()` and `delete_instance()` only, writes of columns rather than
/// instances run none: `create()`, `insert`/`update`/`delete` queries,
/// `aset_by_id`, `adelete_by_id`, `abulk_create` and `abulk_update`.
///
/// ```
/// use ormcore::backend::Backend;
/// use ormcore::prelude::*;
/// use ormcore::{Hooks, Transaction};
///
/// #[derive(Model, Debug, Default)]
/// #[orm(hooks)]
/// struct Post {
///     id: i64,
///     title: String,
///     slug: String,
/// }
///
/// impl Hooks for Post {
///     async fn before_save<B: Backend>(&mut self, _tx: &Transaction<B>, created: bool) -> ormcore::Result<()> {
///         if self.title.is_empty() {
///             return Err(Error::interface("a post needs a title"));
///         }
///         if created {
///             self.slug = self.title.to_lowercase().replace(' ', "-");
///         }
///         Ok(())
///     }
/// }
/// ```
pub trait Hooks: Sized {
    /// Whether the model has hooks: false for the implementation
    /// `#[derive(Model)]` writes when the model is not `#[orm(hooks)]`.
    #[doc(hidden)]
    const ENABLED: bool = true;

    /// Before the row is written; `created` when it is inserted. Changes
    /// made here are saved.
    fn before_save<B: Backend>(
        &mut self,
        tx: &Transaction<B>,
        created: bool,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (tx, created);
        std::future::ready(Ok(()))
    }

    /// After the row is written (an inserted row's key is set), before the
    /// commit.
    fn after_save<B: Backend>(
        &mut self,
        tx: &Transaction<B>,
        created: bool,
    ) -> impl Future<Output = Result<()>> + Send {
        let _ = (tx, created);
        std::future::ready(Ok(()))
    }

    /// Before the row is deleted.
    fn before_delete<B: Backend>(&self, tx: &Transaction<B>) -> impl Future<Output = Result<()>> + Send {
        let _ = tx;
        std::future::ready(Ok(()))
    }

    /// After the row is deleted, before the commit.
    fn after_delete<B: Backend>(&self, tx: &Transaction<B>) -> impl Future<Output = Result<()>> + Send {
        let _ = tx;
        std::future::ready(Ok(()))
    }
}
