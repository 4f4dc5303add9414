//! `INSERT`, `UPDATE` and `DELETE`, and [`Returning`] for each of them.

use std::marker::PhantomData;

use super::column::Columns;
use super::expr::IntoExpr;
use super::node::{
    ConflictAction, DeleteNode, ExprNode, Ident, InsertNode, InsertSource, OnConflict, QueryNode, StatementNode,
    UpdateNode,
};
use super::projection::{All, Projection};
use crate::query::Column;
use crate::schema::Record;
use crate::types::{Bool, SqlField};

/// An `INSERT` into model `M`'s table. Executing it returns the key of the
/// row it inserted (see [`Query::Output`](crate::Query)).
///
/// `R` says what rows it inserts: [`SingleRow`] (from [`Insert::new`], whose
/// columns [`set`](Insert::set) gives) or [`MultiRow`] (from model
/// instances or a select, which take no `set`: that is a compile error).
#[must_use = "a query does nothing until it is executed"]
pub struct Insert<M, R = SingleRow> {
    node: InsertNode,
    _model: PhantomData<fn() -> (M, R)>,
}

/// The rows of an [`Insert`] of one row whose columns are set one by one.
#[derive(Debug, Clone, Copy)]
pub enum SingleRow {}

/// The rows of an [`Insert`] of model instances or of a select's rows.
#[derive(Debug, Clone, Copy)]
pub enum MultiRow {}

impl<M, R> Clone for Insert<M, R> {
    fn clone(&self) -> Self {
        Insert { node: self.node.clone(), _model: PhantomData }
    }
}

impl<M, R> std::fmt::Debug for Insert<M, R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<M: Record> Insert<M> {
    /// An insert of one row whose columns are given by [`set`](Insert::set);
    /// the columns not given take the table's defaults.
    pub fn new() -> Self {
        Insert::wrap(InsertNode {
            table: M::META.name.into(),
            meta: Some(M::META),
            columns: Vec::new(),
            source: InsertSource::DefaultValues,
            on_conflict: None,
            returning: Vec::new(),
        })
    }

    /// An insert of model instances, one row each, every column given except
    /// an auto-increment key that is still unassigned (`0` or `None`) on all
    /// of them.
    pub fn models<'a>(models: impl IntoIterator<Item = &'a M>) -> Insert<M, MultiRow> {
        let meta = M::META;
        let models: Vec<&M> = models.into_iter().collect();
        let skip_key = meta.auto_increment && models.iter().all(|m| m.primary_key_values().is_none());
        let included: Vec<usize> =
            (0..meta.columns.len()).filter(|i| !(skip_key && meta.primary_key.contains(i))).collect();
        let rows =
            models.iter().map(|m| included.iter().map(|&i| ExprNode::Value(m.column_value(i))).collect()).collect();
        Insert::wrap(InsertNode {
            table: meta.name.into(),
            meta: Some(meta),
            columns: included.iter().map(|&i| Ident::from(meta.columns[i].name)).collect(),
            source: InsertSource::Values(rows),
            on_conflict: None,
            returning: Vec::new(),
        })
    }

    /// An insert of rows of values for `columns`, the other columns taking
    /// their defaults (the reference's `insert_many(rows, fields=[..])`).
    /// Each row is a value for a single column, an array for an array of
    /// columns, or a tuple for a tuple of columns, each value of its
    /// column's type:
    ///
    /// ```
    /// # use ormcore::prelude::*;
    /// # #[derive(Model, Debug, Default)] struct User { id: i64, name: String, email: Option<String> }
    /// let insert = User::insert_rows((User::NAME, User::EMAIL), [("ann", Some("a@x")), ("bob", None)]);
    /// # let _ = insert;
    /// ```
    pub fn rows<C, Row>(columns: C, rows: impl IntoIterator<Item = Row>) -> Insert<M, MultiRow>
    where
        C: Columns<M>,
        Row: RowOf<C>,
    {
        let rows = rows
            .into_iter()
            .map(|row| {
                let mut values = Vec::new();
                row.push_values(&mut values);
                values
            })
            .collect();
        Insert::wrap(InsertNode {
            table: M::META.name.into(),
            meta: Some(M::META),
            columns: columns.names(),
            source: InsertSource::Values(rows),
            on_conflict: None,
            returning: Vec::new(),
        })
    }

    /// `INSERT INTO table (columns) SELECT ...`.
    pub fn from_select(columns: &[&'static str], query: impl Into<QueryNode>) -> Insert<M, MultiRow> {
        Insert::wrap(InsertNode {
            table: M::META.name.into(),
            meta: Some(M::META),
            columns: columns.iter().map(|c| Ident::from(*c)).collect(),
            source: InsertSource::Select(Box::new(query.into())),
            on_conflict: None,
            returning: Vec::new(),
        })
    }
}

impl<M> Insert<M, MultiRow> {
    /// Wrap an AST node (of any shape: it takes no [`set`](Insert::set)).
    pub fn from_node(node: InsertNode) -> Self {
        Insert::wrap(node)
    }
}

impl<M> Insert<M> {
    /// Set `column` to `value` in the row being inserted; set again, the
    /// last value counts.
    pub fn set<F: SqlField>(self, column: Column<M, F>, value: impl IntoExpr<F::Sql>) -> Self {
        self.set_node(column.name(), value.into_expr().into_node())
    }

    /// [`set`](Insert::set) for a column known by name only, with a value
    /// already of its type: how the model layer writes a model's values.
    pub(crate) fn set_node(mut self, column: &'static str, value: ExprNode) -> Self {
        if let Some(at) = self.node.columns.iter().position(|c| c.as_ref() == column)
            && let InsertSource::Values(rows) = &mut self.node.source
        {
            rows.iter_mut().for_each(|row| row[at] = value.clone());
            return self;
        }
        // A single-row insert is built by `new` and `set` alone: its source
        // is `DefaultValues` until the first `set`, one row after.
        match &mut self.node.source {
            InsertSource::Values(rows) => rows.iter_mut().for_each(|row| row.push(value.clone())),
            source => *source = InsertSource::Values(vec![vec![value]]),
        }
        self.node.columns.push(column.into());
        self
    }
}

impl<M, R> Insert<M, R> {
    fn wrap(node: InsertNode) -> Self {
        Insert { node, _model: PhantomData }
    }

    /// The AST node.
    pub fn node(&self) -> &InsertNode {
        &self.node
    }

    /// `ON CONFLICT DO NOTHING` (`INSERT IGNORE` on MySQL): rows that would
    /// violate any unique constraint are skipped. The reference's
    /// `on_conflict_ignore()`; `on_conflict(target).do_nothing()` names the
    /// constraint's columns.
    pub fn on_conflict_ignore(self) -> Self {
        self.on_conflict(()).do_nothing()
    }

    /// An upsert: what to do when a row conflicts with an existing one over
    /// the unique `target` columns (`User::EMAIL`, or a tuple of columns for
    /// a multi-column constraint). Finish it with
    /// [`do_nothing`](Upsert::do_nothing), [`do_update`](Upsert::do_update)
    /// or [`do_update_set`](Upsert::do_update_set). MySQL ignores the
    /// target: any unique key conflicts there.
    pub fn on_conflict(self, target: impl Columns<M>) -> Upsert<M, R> {
        Upsert { insert: self, target: target.names() }
    }

    /// Return the projected values of each inserted row.
    pub fn returning<P: Projection>(mut self, projection: P) -> Returning<P::Row> {
        projection.push_items(&mut self.node.returning);
        Returning::new(StatementNode::Insert(self.node))
    }
}

impl<M: Record, R> Insert<M, R> {
    /// Return every inserted row as a model.
    pub fn returning_all(self) -> Returning<M> {
        self.returning(All::<M>::new())
    }
}

impl<M: Record> Default for Insert<M> {
    fn default() -> Self {
        Self::new()
    }
}

/// An insert's conflict handling being built: see [`Insert::on_conflict`].
#[must_use = "an upsert needs do_nothing, do_update or do_update_set"]
pub struct Upsert<M, R> {
    insert: Insert<M, R>,
    target: Vec<Ident>,
}

impl<M, R> Upsert<M, R> {
    fn then(mut self, action: ConflictAction) -> Insert<M, R> {
        self.insert.node.on_conflict = Some(OnConflict::new(self.target, action));
        self.insert
    }

    /// Skip the conflicting row (`ON CONFLICT (..) DO NOTHING`).
    pub fn do_nothing(self) -> Insert<M, R> {
        self.then(ConflictAction::DoNothing)
    }

    /// Update the existing row's `columns` to the values the insert proposed
    /// (`SET col = excluded.col` for each).
    pub fn do_update(self, columns: impl Columns<M>) -> Insert<M, R> {
        let set = columns.names().into_iter().map(|name| (name.clone(), ExprNode::Excluded(name))).collect();
        self.then(ConflictAction::DoUpdate(set))
    }

    /// Update the existing row with these assignments, which may use the
    /// existing row's columns and the proposed values
    /// ([`excluded`](super::excluded)): `[assign(Counter::HITS, Counter::HITS
    /// + excluded(Counter::HITS))]`.
    pub fn do_update_set(self, assignments: impl IntoIterator<Item = Assignment<M>>) -> Insert<M, R> {
        let set = assignments.into_iter().map(|a| (a.column, a.value)).collect();
        self.then(ConflictAction::DoUpdate(set))
    }
}

/// `column = value`, for an upsert's [`do_update_set`](Upsert::do_update_set):
/// made by [`assign`].
pub struct Assignment<M> {
    column: Ident,
    value: ExprNode,
    _model: PhantomData<fn() -> M>,
}

/// `column = value`: the value has the column's type, and may be an
/// expression over the row or the proposed values.
pub fn assign<M, F: SqlField>(column: Column<M, F>, value: impl IntoExpr<F::Sql>) -> Assignment<M> {
    Assignment { column: column.name().into(), value: value.into_expr().into_node(), _model: PhantomData }
}

/// An `UPDATE` of model `M`'s table. Executing it returns the number of rows
/// changed.
#[must_use = "a query does nothing until it is executed"]
pub struct Update<M> {
    node: UpdateNode,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Update<M> {
    fn clone(&self) -> Self {
        Update { node: self.node.clone(), _model: PhantomData }
    }
}

impl<M> std::fmt::Debug for Update<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<M: Record> Update<M> {
    /// An update of every row; narrow it with [`where_`](Update::where_).
    pub fn new() -> Self {
        Update::from_node(UpdateNode {
            table: M::META.name.into(),
            meta: Some(M::META),
            set: Vec::new(),
            where_: None,
            returning: Vec::new(),
        })
    }

    /// Return every updated row as a model.
    pub fn returning_all(self) -> Returning<M> {
        self.returning(All::<M>::new())
    }
}

impl<M: Record> Default for Update<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M> Update<M> {
    /// Wrap an AST node.
    pub fn from_node(node: UpdateNode) -> Self {
        Update { node, _model: PhantomData }
    }

    /// The AST node.
    pub fn node(&self) -> &UpdateNode {
        &self.node
    }

    /// `SET column = value`; the value may be an expression over the row,
    /// such as `Counter::VALUE + 1`. Set again, the last value counts.
    pub fn set<F: SqlField>(self, column: Column<M, F>, value: impl IntoExpr<F::Sql>) -> Self {
        self.set_node(column.name(), value.into_expr().into_node())
    }

    /// `SET column = value` for a column known by name only: the model
    /// layer writes a model's values through it, each already of its
    /// column's type.
    pub(crate) fn set_node(mut self, column: &'static str, value: ExprNode) -> Self {
        match self.node.set.iter_mut().find(|(name, _)| name.as_ref() == column) {
            Some((_, existing)) => *existing = value,
            None => self.node.set.push((column.into(), value)),
        }
        self
    }

    /// Add an untyped `WHERE` condition, as [`where_`](Update::where_).
    pub(crate) fn where_node(mut self, condition: ExprNode) -> Self {
        self.node.where_ = Some(ExprNode::and_all(self.node.where_.take(), condition));
        self
    }

    /// Add a `WHERE` condition; several calls are joined with `AND`.
    pub fn where_(mut self, condition: impl IntoExpr<Bool>) -> Self {
        self.node.where_ = Some(ExprNode::and_all(self.node.where_.take(), condition.into_expr().into_node()));
        self
    }

    /// Return the projected values of each updated row.
    pub fn returning<P: Projection>(mut self, projection: P) -> Returning<P::Row> {
        projection.push_items(&mut self.node.returning);
        Returning::new(StatementNode::Update(self.node))
    }
}

/// A `DELETE` from model `M`'s table. Executing it returns the number of
/// rows deleted.
#[must_use = "a query does nothing until it is executed"]
pub struct Delete<M> {
    node: DeleteNode,
    _model: PhantomData<fn() -> M>,
}

impl<M> Clone for Delete<M> {
    fn clone(&self) -> Self {
        Delete { node: self.node.clone(), _model: PhantomData }
    }
}

impl<M> std::fmt::Debug for Delete<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<M: Record> Delete<M> {
    /// A delete of every row; narrow it with [`where_`](Delete::where_).
    pub fn new() -> Self {
        Delete::from_node(DeleteNode { table: M::META.name.into(), where_: None, returning: Vec::new() })
    }

    /// Return every deleted row as a model.
    pub fn returning_all(self) -> Returning<M> {
        self.returning(All::<M>::new())
    }
}

impl<M: Record> Default for Delete<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M> Delete<M> {
    /// Wrap an AST node.
    pub fn from_node(node: DeleteNode) -> Self {
        Delete { node, _model: PhantomData }
    }

    /// The AST node.
    pub fn node(&self) -> &DeleteNode {
        &self.node
    }

    /// Add a `WHERE` condition; several calls are joined with `AND`.
    pub fn where_(mut self, condition: impl IntoExpr<Bool>) -> Self {
        self.node.where_ = Some(ExprNode::and_all(self.node.where_.take(), condition.into_expr().into_node()));
        self
    }

    /// Return the projected values of each deleted row.
    pub fn returning<P: Projection>(mut self, projection: P) -> Returning<P::Row> {
        projection.push_items(&mut self.node.returning);
        Returning::new(StatementNode::Delete(self.node))
    }
}

/// A write with `RETURNING`: executing it returns the projected rows,
/// decoded into `R`, like a select.
#[must_use = "a query does nothing until it is executed"]
#[derive(Clone)]
pub struct Returning<R> {
    node: StatementNode,
    _row: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Returning<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<R> Returning<R> {
    fn new(node: StatementNode) -> Self {
        Returning { node, _row: PhantomData }
    }

    /// The AST node.
    pub fn node(&self) -> &StatementNode {
        &self.node
    }
}

/// Raw SQL whose rows decode into `R`, with `?` placeholders for `params`
/// (renumbered for the dialect; `??` is a literal `?`).
#[must_use = "a query does nothing until it is executed"]
#[derive(Clone)]
pub struct Raw<R> {
    node: StatementNode,
    _row: PhantomData<fn() -> R>,
}

impl<R> std::fmt::Debug for Raw<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<R> Raw<R> {
    /// Raw SQL with parameters. The text is trusted: pass every value through
    /// `params`, never into `sql`.
    pub fn new(sql: impl Into<std::borrow::Cow<'static, str>>, params: Vec<crate::value::Value>) -> Self {
        Raw { node: StatementNode::Raw { sql: sql.into(), params }, _row: PhantomData }
    }

    /// The AST node.
    pub fn node(&self) -> &StatementNode {
        &self.node
    }
}

/// One row of values for the columns `C` of an [`Insert::rows`]: a value
/// for a column, an array of values for an array of columns, a tuple for a
/// tuple, each of its column's type.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a row of values for the columns `{C}`",
    label = "each value must have its column's type, one value per column"
)]
pub trait RowOf<C> {
    /// Append the row's values, in column order.
    fn push_values(self, values: &mut Vec<ExprNode>);
}

impl<M, F: SqlField, V: IntoExpr<F::Sql>> RowOf<Column<M, F>> for V {
    fn push_values(self, values: &mut Vec<ExprNode>) {
        values.push(self.into_expr().into_node());
    }
}

impl<M, F: SqlField, V: IntoExpr<F::Sql>, const N: usize> RowOf<[Column<M, F>; N]> for [V; N] {
    fn push_values(self, values: &mut Vec<ExprNode>) {
        values.extend(self.into_iter().map(|v| v.into_expr().into_node()));
    }
}

macro_rules! row_tuples {
    ($(($field:ident, $value:ident, $index:tt))+) => {
        impl<M, $($field: SqlField, $value: IntoExpr<$field::Sql>),+> RowOf<($(Column<M, $field>,)+)> for ($($value,)+) {
            fn push_values(self, values: &mut Vec<ExprNode>) {
                $(values.push(self.$index.into_expr().into_node());)+
            }
        }
    };
}

row_tuples!((F0, V0, 0));
row_tuples!((F0, V0, 0)(F1, V1, 1));
row_tuples!((F0, V0, 0)(F1, V1, 1)(F2, V2, 2));
row_tuples!((F0, V0, 0)(F1, V1, 1)(F2, V2, 2)(F3, V3, 3));
row_tuples!((F0, V0, 0)(F1, V1, 1)(F2, V2, 2)(F3, V3, 3)(F4, V4, 4));
row_tuples!((F0, V0, 0)(F1, V1, 1)(F2, V2, 2)(F3, V3, 3)(F4, V4, 4)(F5, V5, 5));
row_tuples!((F0, V0, 0)(F1, V1, 1)(F2, V2, 2)(F3, V3, 3)(F4, V4, 4)(F5, V5, 5)(F6, V6, 6));
row_tuples!((F0, V0, 0)(F1, V1, 1)(F2, V2, 2)(F3, V3, 3)(F4, V4, 4)(F5, V5, 5)(F6, V6, 6)(F7, V7, 7));
