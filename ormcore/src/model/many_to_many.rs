//! Many-to-many relations through a junction model: Peewee's
//! `ManyToManyField`, with the through model spelled out.
//!
//! The junction is an ordinary model with a foreign key to each side (and
//! any fields of its own, which take their defaults when a link is added);
//! a [`ManyToMany`] names its two keys, one per direction:
//!
//! ```
//! use ormcore::prelude::*;
//! use ormcore::ManyToMany;
//! # #[derive(Model, Debug, Default)] struct Course { id: i64, title: String }
//! #[derive(Model, Debug, Default)]
//! struct Student { id: i64, name: String, #[orm(relations)] related: Relations }
//!
//! #[derive(Model, Debug)]
//! #[orm(primary_key(student, course))]
//! struct Enrollment { student: ForeignKey<Student>, course: ForeignKey<Course> }
//!
//! impl Student {
//!     const COURSES: ManyToMany<Enrollment, Student, Course> =
//!         ManyToMany::through(Enrollment::STUDENT, Enrollment::COURSE);
//! }
//! ```

use std::collections::HashSet;
use std::marker::PhantomData;

use super::eager::Load;
use super::relations::HasRelations;
use super::{ForeignKey, Model, PrimaryKey};
use crate::error::Result;
use crate::executor::{Executor, Query};
use crate::query::node::{BinaryOp, ExprNode, InsertNode, InsertSource, Join, JoinKind, TableRef};
use crate::query::{Column, Delete, Expr, Insert, Select};
use crate::types::Bool;
use crate::value::{ToValue, Value};

/// A many-to-many relation from `From` to `To` through the junction model
/// `J`, whose foreign keys `from` and `to` point at each side. The reverse
/// direction is `ManyToMany::through(to, from)`.
pub struct ManyToMany<J, From: PrimaryKey, To: PrimaryKey> {
    from: Column<J, ForeignKey<From>>,
    to: Column<J, ForeignKey<To>>,
    _models: PhantomData<fn() -> (From, To)>,
}

impl<J, From: PrimaryKey, To: PrimaryKey> Clone for ManyToMany<J, From, To> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<J, From: PrimaryKey, To: PrimaryKey> Copy for ManyToMany<J, From, To> {}

impl<J, From: PrimaryKey, To: PrimaryKey> std::fmt::Debug for ManyToMany<J, From, To> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ManyToMany({}.{} -> {}.{})", self.from.table(), self.from.name(), self.to.table(), self.to.name())
    }
}

impl<J: Model, From: PrimaryKey, To: PrimaryKey> ManyToMany<J, From, To> {
    /// The relation through `J`: its foreign key `from` to this side, `to`
    /// to the other.
    pub const fn through(from: Column<J, ForeignKey<From>>, to: Column<J, ForeignKey<To>>) -> Self {
        ManyToMany { from, to, _models: PhantomData }
    }

    /// The rows of `To` linked to `owner`: a select to narrow, order or
    /// run (`db.list(&Student::COURSES.of(&ann).order_by(Course::TITLE))`).
    /// A row linked twice appears twice.
    pub fn of(&self, owner: &From) -> Select<To> {
        let to_key = To::KEY;
        let on = ExprNode::Binary { left: Box::new(self.to.node()), op: BinaryOp::Eq, right: Box::new(to_key.node()) };
        let mut select = To::select();
        select.node_mut().joins.push(Join {
            kind: JoinKind::Inner,
            table: TableRef::Table { name: J::META.name.into(), alias: None },
            on,
        });
        select.where_(self.links_of(&owner.key().to_value()))
    }

    /// Link `owner` to each of `targets` that it is not linked to already,
    /// in one transaction; returns the links added. The junction's other
    /// columns take their SQL defaults.
    pub async fn add<'t, E: Executor>(
        &self,
        executor: &E,
        owner: &From,
        targets: impl IntoIterator<Item = &'t To>,
    ) -> Result<u64>
    where
        To: 't,
    {
        let (owner, wanted) = keys_of(owner, targets);
        if wanted.is_empty() {
            return Ok(0);
        }
        let tx = executor.atomic().await?;
        let chunk = self.chunk(&tx, 1);
        let mut linked = HashSet::new();
        for batch in wanted.chunks(chunk) {
            // Read as the field's own type, so that a key the database
            // returns in another form (a UUID as text) compares as written.
            let query = J::select().columns(self.to).where_(self.links_of(&owner).and(self.linked_to_any(batch)));
            linked.extend(tx.list(&query).await?.into_iter().map(|to| format!("{:?}", to.key().to_value())));
        }
        let rows: Vec<Vec<ExprNode>> = wanted
            .into_iter()
            .filter(|key| !linked.contains(&format!("{key:?}")))
            .map(|key| vec![ExprNode::Value(owner.clone()), ExprNode::Value(key)])
            .collect();
        let mut added = 0;
        for batch in rows.chunks(self.chunk(&tx, 0) / 2) {
            let insert = InsertNode {
                table: J::META.name.into(),
                meta: Some(J::META),
                columns: vec![self.from.name().into(), self.to.name().into()],
                source: InsertSource::Values(batch.to_vec()),
                on_conflict: None,
                returning: Vec::new(),
            };
            Insert::<J, crate::query::MultiRow>::from_node(insert).aexecute(&tx).await?;
            added += batch.len() as u64;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Unlink `owner` from each of `targets`; returns the links removed.
    pub async fn remove<'t, E: Executor>(
        &self,
        executor: &E,
        owner: &From,
        targets: impl IntoIterator<Item = &'t To>,
    ) -> Result<u64>
    where
        To: 't,
    {
        let (owner, keys) = keys_of(owner, targets);
        if keys.is_empty() {
            return Ok(0);
        }
        let tx = executor.atomic().await?;
        let mut removed = 0;
        for batch in keys.chunks(self.chunk(&tx, 1)) {
            let delete = Delete::<J>::new().where_(self.links_of(&owner).and(self.linked_to_any(batch)));
            removed += delete.aexecute(&tx).await?;
        }
        tx.commit().await?;
        Ok(removed)
    }

    /// Unlink `owner` from everything; returns the links removed.
    pub async fn clear<E: Executor>(&self, executor: &E, owner: &From) -> Result<u64> {
        Delete::<J>::new().where_(self.links_of(&owner.key().to_value())).aexecute(executor).await
    }

    /// An eager load of the relation, for `with_related` and `aprefetch`:
    /// the junction rows of each owner (one select) with their targets
    /// (one more). Read it with [`loaded`](Self::loaded).
    pub fn load(&self) -> Load<From, J>
    where
        From: HasRelations,
    {
        Load::has_many(self.from).with_related(self.to)
    }

    /// The targets an eager [`load`](Self::load) found for `owner`, in
    /// the junction's order; `None` when the relation was not loaded.
    pub fn loaded<'a>(&self, owner: &'a From) -> Option<Vec<&'a To>>
    where
        From: HasRelations,
    {
        let links = owner.relations().get(self.from)?;
        let to = self.to.index();
        let target = |link: &'a J| link.column_field(to)?.downcast_ref::<ForeignKey<To>>()?.get();
        Some(links.iter().filter_map(target).collect())
    }

    /// `J.from = owner`.
    fn links_of(&self, owner: &Value) -> Expr<Bool> {
        Expr::from_node(ExprNode::Binary {
            left: Box::new(self.from.node()),
            op: BinaryOp::Eq,
            right: Box::new(ExprNode::Value(owner.clone())),
        })
    }

    /// `J.to IN (keys)`.
    fn linked_to_any(&self, keys: &[Value]) -> Expr<Bool> {
        Expr::from_node(ExprNode::InList {
            expr: Box::new(self.to.node()),
            list: keys.iter().cloned().map(ExprNode::Value).collect(),
            negated: false,
        })
    }

    /// Keys per statement: within the dialect's parameter limit, less
    /// `own` parameters.
    fn chunk<E: Executor>(&self, executor: &E, own: usize) -> usize {
        executor.target().dialect().max_params().saturating_sub(own).clamp(2, 1000)
    }
}

/// The owner's key, and the targets' keys without repeats (a target given
/// twice is one link).
fn keys_of<'t, From: PrimaryKey, To: PrimaryKey + 't>(
    owner: &From,
    targets: impl IntoIterator<Item = &'t To>,
) -> (Value, Vec<Value>) {
    let mut seen = HashSet::new();
    let keys = targets.into_iter().map(|target| target.key().to_value()).filter(|key| seen.insert(format!("{key:?}")));
    (owner.key().to_value(), keys.collect())
}
