//! `SELECT` and compound selects, typed by the row they decode into.

use std::marker::PhantomData;

use super::expr::{Expr, IntoExpr};
use super::node::{
    CompoundNode, CompoundOp, ExprNode, Ident, Join, JoinKind, OrderBy, QueryNode, RowLock, SelectItem, SelectNode,
    TableRef,
};
use super::projection::{Projection, push_model_columns};
use super::related::{Fill, Preload, Related};
use crate::error::Result;
use crate::row::{FromRow, Row, SqlRow};
use crate::schema::Record;
use crate::types::{Bool, SqlType};

/// The methods selects and compound selects share: combining with another
/// query, and aliasing as a `FROM` source.
macro_rules! combinators {
    () => {
        /// This query as a `FROM`/`JOIN` source named `alias`.
        pub fn alias(self, alias: impl Into<Ident>) -> TableRef {
            TableRef::Subquery { query: Box::new(self.into()), alias: alias.into() }
        }

        /// `self UNION other` (duplicates removed). The rows decode, fill
        /// their joined relations and run their eager loads as `self`'s
        /// do.
        pub fn union(self, other: impl Into<QueryNode>) -> Compound<R> {
            self.compound(CompoundOp::Union, other.into())
        }

        /// `self UNION ALL other`.
        pub fn union_all(self, other: impl Into<QueryNode>) -> Compound<R> {
            self.compound(CompoundOp::UnionAll, other.into())
        }

        /// `self INTERSECT other`.
        pub fn intersect(self, other: impl Into<QueryNode>) -> Compound<R> {
            self.compound(CompoundOp::Intersect, other.into())
        }

        /// `self EXCEPT other`.
        pub fn except(self, other: impl Into<QueryNode>) -> Compound<R> {
            self.compound(CompoundOp::Except, other.into())
        }

        fn compound(self, op: CompoundOp, other: QueryNode) -> Compound<R> {
            let related = self.related.clone();
            Compound::new(op, self.into(), other, related)
        }
    };
}

/// A `SELECT` whose rows decode into `R`.
///
/// Start from a model (`User::select()`, which projects every column of
/// `User`) and narrow it with [`columns`](Select::columns). Building a query
/// does no I/O; execute it with `aexecute` or the database helpers (`list`,
/// `get`, `iterate`, ...).
#[must_use = "a query does nothing until it is executed"]
pub struct Select<R> {
    node: SelectNode,
    /// The relations its joins fill and the eager loads it runs: kept
    /// while the rows stay `R`, dropped when the projection changes.
    related: Related<R>,
    _row: PhantomData<fn() -> R>,
}

impl<R> Clone for Select<R> {
    fn clone(&self) -> Self {
        Select { node: self.node.clone(), related: self.related.clone(), _row: PhantomData }
    }
}

impl<R> std::fmt::Debug for Select<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

/// Something a select can read from or join: a table, an aliased table, or
/// an aliased subquery.
pub trait IntoTableRef {
    /// The `FROM`/`JOIN` source.
    fn into_table_ref(self) -> TableRef;
}

impl IntoTableRef for TableRef {
    fn into_table_ref(self) -> TableRef {
        self
    }
}

/// Model `M`'s table as a `FROM`/`JOIN` source, optionally aliased.
#[derive(Debug)]
pub struct Table<M> {
    alias: Option<Ident>,
    _model: PhantomData<fn() -> M>,
}

impl<M: Record> Table<M> {
    /// The table under its own name.
    pub fn new() -> Self {
        Table { alias: None, _model: PhantomData }
    }

    /// The table under `alias` (columns then read `Model::COL.of(alias)`).
    pub fn alias(alias: impl Into<Ident>) -> Self {
        Table { alias: Some(alias.into()), _model: PhantomData }
    }
}

impl<M: Record> Default for Table<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Record> IntoTableRef for Table<M> {
    fn into_table_ref(self) -> TableRef {
        TableRef::Table { name: M::META.name.into(), alias: self.alias }
    }
}

impl<M: Record> Select<M> {
    /// `SELECT <every column of M> FROM <M's table>`.
    pub fn model() -> Self {
        let mut columns = Vec::with_capacity(M::META.columns.len());
        push_model_columns(M::META, &mut columns);
        Select::from_node(SelectNode {
            columns,
            from: Some(TableRef::Table { name: M::META.name.into(), alias: None }),
            ..SelectNode::default()
        })
    }
}

impl Select<SqlRow> {
    /// `SELECT <projection>` with no `FROM`: constants and expressions of
    /// no table, such as a recursive CTE's first row (`SELECT 1`).
    pub fn constant<P: Projection>(projection: P) -> Select<P::Row> {
        Select::<SqlRow>::from_node(SelectNode::default()).columns(projection)
    }

    /// `SELECT * FROM source` with untyped rows; narrow it with
    /// [`columns`](Select::columns). Use it to select from a subquery:
    /// `Select::from(inner.alias("t"))`.
    pub fn from(source: impl IntoTableRef) -> Self {
        Select::from_node(SelectNode {
            columns: vec![SelectItem { expr: ExprNode::Star(None), alias: None }],
            from: Some(source.into_table_ref()),
            ..SelectNode::default()
        })
    }
}

impl<R> Select<R> {
    /// Wrap an AST node, asserting that its rows decode into `R`.
    pub fn from_node(node: SelectNode) -> Self {
        Select { node, related: Related::default(), _row: PhantomData }
    }

    /// The AST node.
    pub fn node(&self) -> &SelectNode {
        &self.node
    }

    pub(crate) fn node_mut(&mut self) -> &mut SelectNode {
        &mut self.node
    }

    pub(crate) fn push_fill(&mut self, fill: Fill<R>) {
        self.related.fills.push(fill);
    }

    pub(crate) fn push_preload(&mut self, preload: std::sync::Arc<dyn Preload>) {
        self.related.preloads.push(preload);
    }

    /// Decode one row of its result, filling the relations its joins
    /// selected.
    #[inline]
    pub(crate) fn decode(&self, row: &dyn Row) -> Result<R>
    where
        R: FromRow,
    {
        self.related.decode(row)
    }

    /// How its rows decode and what runs for them.
    pub(crate) fn related(&self) -> &Related<R> {
        &self.related
    }

    /// Unwrap into the AST node.
    pub fn into_node(self) -> SelectNode {
        self.node
    }

    /// Replace the projection; the rows now decode into the projection's row
    /// type: `User::select().columns((User::ID, User::NAME))` yields
    /// `(i64, String)` rows.
    pub fn columns<P: Projection>(mut self, projection: P) -> Select<P::Row> {
        let mut items = Vec::new();
        projection.push_items(&mut items);
        self.node.columns = items;
        Select::from_node(self.node)
    }

    /// Keep the projection but decode rows into another type `T`, for
    /// example `Option<i64>` for a `MAX` that may be NULL.
    pub fn decode_as<T>(self) -> Select<T> {
        Select::from_node(self.node)
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(mut self) -> Self {
        self.node.distinct = true;
        self
    }

    /// Add a `WHERE` condition; several calls are joined with `AND`.
    pub fn where_(mut self, condition: impl IntoExpr<Bool>) -> Self {
        self.node.where_ = Some(ExprNode::and_all(self.node.where_.take(), condition.into_expr().into_node()));
        self
    }

    /// `INNER JOIN table ON on`.
    pub fn join(self, table: impl IntoTableRef, on: impl IntoExpr<Bool>) -> Self {
        self.push_join(JoinKind::Inner, table, on)
    }

    /// `LEFT OUTER JOIN table ON on`.
    pub fn left_join(self, table: impl IntoTableRef, on: impl IntoExpr<Bool>) -> Self {
        self.push_join(JoinKind::Left, table, on)
    }

    fn push_join(mut self, kind: JoinKind, table: impl IntoTableRef, on: impl IntoExpr<Bool>) -> Self {
        self.node.joins.push(Join { kind, table: table.into_table_ref(), on: on.into_expr().into_node() });
        self
    }

    /// Append a `GROUP BY` term.
    pub fn group_by<T: SqlType>(mut self, expr: impl IntoExpr<T>) -> Self {
        self.node.group_by.push(expr.into_expr().into_node());
        self
    }

    /// Add a `HAVING` condition; several calls are joined with `AND`.
    pub fn having(mut self, condition: impl IntoExpr<Bool>) -> Self {
        self.node.having = Some(ExprNode::and_all(self.node.having.take(), condition.into_expr().into_node()));
        self
    }

    /// Append an `ORDER BY` term: a column or expression (ascending), or
    /// `.asc()` / `.desc()` of one.
    pub fn order_by(mut self, order: impl IntoOrderBy) -> Self {
        self.node.order_by.push(order.into_order_by());
        self
    }

    /// `LIMIT n`.
    pub fn limit(mut self, n: u64) -> Self {
        self.node.limit = Some(n);
        self
    }

    /// `OFFSET n`.
    pub fn offset(mut self, n: u64) -> Self {
        self.node.offset = Some(n);
        self
    }

    /// Lock the rows this select returns until the transaction ends, as
    /// `lock` says ([`RowLock::update`], [`RowLock::share`], with
    /// `.nowait()` or `.skip_locked()`). Outside a transaction the lock
    /// ends with the statement. SQLite, which locks the whole database
    /// instead, refuses it with [`Error::Unsupported`](crate::Error::Unsupported),
    /// as do the MySQL and MariaDB versions that lack a part of it. The lock
    /// reaches the rows of this select's own tables, not those a CTE reads
    /// (lock inside the CTE's query), and a member of a compound select
    /// cannot take one.
    ///
    /// ```no_run
    /// # use ormcore::prelude::*;
    /// # use ormcore::query::RowLock;
    /// # #[derive(Model, Debug, Default)] struct Job { id: i64, done: bool }
    /// # async fn demo(db: &impl Executor) -> ormcore::Result<()> {
    /// // A job queue: each worker takes the first job nobody else holds.
    /// let tx = db.atomic().await?;
    /// let job = db.first(&Job::select().where_(Job::DONE.eq(false)).order_by(Job::ID).lock(RowLock::update().skip_locked())).await?;
    /// # let _ = job; tx.commit().await?; Ok(()) }
    /// ```
    pub fn lock(mut self, lock: RowLock) -> Self {
        self.node.lock = Some(lock);
        self
    }

    /// Read `cte` as a table in this select (`WITH name AS (..) SELECT ..`;
    /// `WITH RECURSIVE` for a recursive one). Several calls add several
    /// CTEs, each able to read the ones before. MySQL before 8.0.1 and
    /// MariaDB before 10.2.2 refuse them with
    /// [`Error::Unsupported`](crate::Error::Unsupported).
    ///
    /// A CTE named like a table hides that table in this select and its
    /// subqueries; and once one CTE is recursive, `RECURSIVE` applies to
    /// all, so a CTE that reads a table of its own name reads itself
    /// instead. Give CTEs names of their own. The CTEs belong to this
    /// select: for a compound, put it in a derived table
    /// (`Select::from(compound.alias("u")).with(cte)`).
    pub fn with(mut self, cte: super::Cte) -> Self {
        self.node.ctes.push(cte.into_node());
        self
    }

    /// `FOR UPDATE`: [`lock`](Select::lock) with [`RowLock::update`].
    pub fn for_update(self) -> Self {
        self.lock(RowLock::update())
    }

    /// `FOR SHARE`: [`lock`](Select::lock) with [`RowLock::share`].
    pub fn for_share(self) -> Self {
        self.lock(RowLock::share())
    }

    /// Page `page` (from 1; 0 counts as 1) of `per_page` rows. A page whose
    /// offset does not fit a signed 64-bit count is an
    /// [`Error::Interface`](crate::Error::Interface) when the query runs.
    pub fn paginate(self, page: u64, per_page: u64) -> Self {
        // An overflow saturates to an offset out of range, which the
        // compiler refuses: never a wrapped, wrong page.
        let offset = page.saturating_sub(1).saturating_mul(per_page);
        self.limit(per_page).offset(offset)
    }

    combinators!();
}

impl<R> From<Select<R>> for QueryNode {
    fn from(select: Select<R>) -> Self {
        QueryNode::Select(Box::new(select.node))
    }
}

/// An `ORDER BY` term: columns and expressions sort ascending.
pub trait IntoOrderBy {
    /// The term.
    fn into_order_by(self) -> OrderBy;
}

impl IntoOrderBy for OrderBy {
    fn into_order_by(self) -> OrderBy {
        self
    }
}

impl<T> IntoOrderBy for Expr<T> {
    fn into_order_by(self) -> OrderBy {
        OrderBy { expr: self.into_node(), desc: false }
    }
}

impl<M, F> IntoOrderBy for crate::query::Column<M, F> {
    fn into_order_by(self) -> OrderBy {
        OrderBy { expr: self.node(), desc: false }
    }
}

/// A compound select (`UNION`, `UNION ALL`, `INTERSECT`, `EXCEPT`) whose rows
/// decode into `R`. Ordering and limits apply to the combined rows and name
/// output columns: order by a plain column (`User::NAME`), which compiles to
/// the unqualified column name.
#[must_use = "a query does nothing until it is executed"]
pub struct Compound<R> {
    node: CompoundNode,
    /// Its first member's relations.
    related: Related<R>,
    _row: PhantomData<fn() -> R>,
}

impl<R> Clone for Compound<R> {
    fn clone(&self) -> Self {
        Compound { node: self.node.clone(), related: self.related.clone(), _row: PhantomData }
    }
}

impl<R> std::fmt::Debug for Compound<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<R> Compound<R> {
    fn new(op: CompoundOp, left: QueryNode, right: QueryNode, related: Related<R>) -> Self {
        Compound {
            node: CompoundNode { op, left, right, order_by: Vec::new(), limit: None, offset: None },
            related,
            _row: PhantomData,
        }
    }

    /// The AST node.
    pub fn node(&self) -> &CompoundNode {
        &self.node
    }

    /// How its rows decode and what runs for them: its first member's.
    pub(crate) fn related(&self) -> &Related<R> {
        &self.related
    }

    /// Append an `ORDER BY` term over the combined rows.
    pub fn order_by(mut self, order: impl IntoOrderBy) -> Self {
        self.node.order_by.push(order.into_order_by());
        self
    }

    /// `LIMIT n` over the combined rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.node.limit = Some(n);
        self
    }

    /// `OFFSET n` over the combined rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.node.offset = Some(n);
        self
    }

    combinators!();
}

impl<R> From<Compound<R>> for QueryNode {
    fn from(compound: Compound<R>) -> Self {
        QueryNode::Compound(Box::new(compound.node))
    }
}
