//! Typed columns: the constants `#[derive(Model)]` generates per field.

use std::marker::PhantomData;

use crate::query::expr::arithmetic;
use crate::query::{Expr, ExprNode, ExprOps, IntoExpr};
use crate::types::SqlField;

/// Column `name` of model `M`, holding Rust values of type `F`.
///
/// `#[derive(Model)]` generates one per field as an associated constant in
/// upper case (`User::NAME` for the field `name`). A column is an expression
/// of type class `F::Sql`: it compares only with operands of that class.
pub struct Column<M, F> {
    table: &'static str,
    name: &'static str,
    index: usize,
    _types: PhantomData<fn() -> (M, F)>,
}

impl<M, F> Column<M, F> {
    /// Column number `index` of `table`, named `name`.
    #[doc(hidden)]
    pub const fn new(table: &'static str, name: &'static str, index: usize) -> Self {
        Column { table, name, index, _types: PhantomData }
    }

    /// The SQL column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The table name.
    pub const fn table(&self) -> &'static str {
        self.table
    }

    /// The column's position in [`TableMeta::columns`](crate::TableMeta).
    pub const fn index(&self) -> usize {
        self.index
    }

    /// The qualified column as an AST node.
    pub fn node(&self) -> ExprNode {
        ExprNode::Column { table: Some(self.table.into()), name: self.name.into() }
    }

    /// The same column under a table alias (for self-joins).
    pub fn of<T: crate::types::SqlType>(&self, alias: &'static str) -> Expr<T>
    where
        F: SqlField<Sql = T>,
    {
        Expr::from_node(ExprNode::Column { table: Some(alias.into()), name: self.name.into() })
    }
}

impl<M, F> Clone for Column<M, F> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<M, F> Copy for Column<M, F> {}

impl<M, F> std::fmt::Debug for Column<M, F> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Column({}.{})", self.table, self.name)
    }
}

impl<M, F: SqlField> IntoExpr<F::Sql> for Column<M, F> {
    fn into_expr(self) -> Expr<F::Sql> {
        Expr::from_node(self.node())
    }
}

impl<M, F: SqlField> ExprOps<F::Sql> for Column<M, F> {}

arithmetic!([M, F: SqlField] Column<M, F>, F::Sql);
