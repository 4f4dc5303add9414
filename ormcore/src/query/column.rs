//! Typed columns: the constants `#[derive(Model)]` generates per field.

use std::marker::PhantomData;

use crate::query::expr::arithmetic;
use crate::query::{Expr, ExprNode, ExprOps, Ident, IntoExpr};
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

/// A column of model `M`, whatever its Rust type: the element of a column
/// list built at run time (`Vec<&dyn ColumnOf<User>>`).
pub trait ColumnOf<M>: Sync {
    /// The column's position in [`TableMeta::columns`](crate::TableMeta).
    fn index(&self) -> usize;
    /// The SQL column name.
    fn name(&self) -> &'static str;
}

impl<M, F> ColumnOf<M> for Column<M, F> {
    fn index(&self) -> usize {
        Column::index(self)
    }

    fn name(&self) -> &'static str {
        Column::name(self)
    }
}

/// One column or several of model `M`, of any types: what `only`,
/// `on_conflict`, `do_update` and `Insert::rows` take. A column
/// (`User::NAME`), an array of columns of one type (`[User::NAME]`), a
/// tuple of columns of different types (`(User::NAME, User::EMAIL)`), or a
/// slice or vector of `&dyn ColumnOf<M>` built at run time.
pub trait Columns<M> {
    /// Call `visit` with each column's position in
    /// [`TableMeta::columns`](crate::TableMeta) and its name, in order.
    fn visit(&self, visit: &mut dyn FnMut(usize, &'static str));

    /// The columns' positions, in order.
    fn indices(&self) -> Vec<usize> {
        let mut indices = Vec::new();
        self.visit(&mut |index, _| indices.push(index));
        indices
    }

    /// The columns' names, in order.
    fn names(&self) -> Vec<Ident> {
        let mut names = Vec::new();
        self.visit(&mut |_, name| names.push(Ident::from(name)));
        names
    }
}

impl<M, F> Columns<M> for Column<M, F> {
    fn visit(&self, visit: &mut dyn FnMut(usize, &'static str)) {
        visit(self.index, self.name);
    }
}

impl<M, F, const N: usize> Columns<M> for [Column<M, F>; N] {
    fn visit(&self, visit: &mut dyn FnMut(usize, &'static str)) {
        self.iter().for_each(|column| column.visit(visit));
    }
}

impl<M> Columns<M> for [&dyn ColumnOf<M>] {
    fn visit(&self, visit: &mut dyn FnMut(usize, &'static str)) {
        self.iter().for_each(|column| visit(column.index(), column.name()));
    }
}

impl<M, const N: usize> Columns<M> for [&dyn ColumnOf<M>; N] {
    fn visit(&self, visit: &mut dyn FnMut(usize, &'static str)) {
        self.as_slice().visit(visit);
    }
}

impl<M> Columns<M> for Vec<&dyn ColumnOf<M>> {
    fn visit(&self, visit: &mut dyn FnMut(usize, &'static str)) {
        self.as_slice().visit(visit);
    }
}

impl<M, C: Columns<M> + ?Sized> Columns<M> for &C {
    fn visit(&self, visit: &mut dyn FnMut(usize, &'static str)) {
        (**self).visit(visit);
    }
}

/// No columns: an `on_conflict(())` with no target.
impl<M> Columns<M> for () {
    fn visit(&self, _: &mut dyn FnMut(usize, &'static str)) {}
}

macro_rules! column_tuples {
    ($($name:ident)+) => {
        impl<M, $($name: Columns<M>),+> Columns<M> for ($($name,)+) {
            #[allow(non_snake_case)]
            fn visit(&self, visit: &mut dyn FnMut(usize, &'static str)) {
                let ($($name,)+) = self;
                $($name.visit(visit);)+
            }
        }
    };
}

column_tuples!(A);
column_tuples!(A B);
column_tuples!(A B C);
column_tuples!(A B C D);
column_tuples!(A B C D E);
column_tuples!(A B C D E G);
column_tuples!(A B C D E G H);
column_tuples!(A B C D E G H I);
