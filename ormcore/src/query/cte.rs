//! [`Cte`]: a common table expression, a named query that a select reads
//! as a table (`WITH name AS (..) SELECT .. FROM name`), recursive or not.

use super::expr::Expr;
use super::node::{CteNode, Ident, QueryNode, TableRef};
use crate::types::SqlType;

/// A common table expression for [`Select::with`](super::Select::with):
/// a named query that the select and its subqueries read as a table.
///
/// ```
/// use ormcore::query::{Cte, Expr, ExprOps, Select};
/// use ormcore::types::Integer;
///
/// // WITH RECURSIVE n (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5)
/// let counter = Cte::recursive("n").columns(["x"]);
/// let x = counter.column::<Integer>("x");
/// let first = Select::constant(Expr::<Integer>::value(1));
/// let next = Select::from(counter.table()).columns(x.clone() + 1).where_(x.clone().lt(5));
/// let counter = counter.query(first.union_all(next));
/// let numbers = Select::from(counter.table()).columns(x.clone()).order_by(x).with(counter);
/// # let _ = numbers;
/// ```
#[derive(Debug, Clone)]
#[must_use = "a CTE does nothing until a select has it (Select::with)"]
pub struct Cte {
    node: CteNode,
}

impl Cte {
    /// The CTE `name`, its rows those of `query`.
    pub fn new(name: impl Into<Ident>, query: impl Into<QueryNode>) -> Self {
        Cte { node: CteNode { name: name.into(), columns: Vec::new(), query: query.into(), recursive: false } }
    }

    /// A recursive CTE `name` (`WITH RECURSIVE`): its query, given with
    /// [`query`](Cte::query) once it is built, reads the CTE itself through
    /// [`table`](Cte::table) and [`column`](Cte::column), usually as
    /// `first.union_all(next)`.
    pub fn recursive(name: impl Into<Ident>) -> Self {
        let mut cte = Cte::new(name, QueryNode::Select(Box::default()));
        cte.node.recursive = true;
        cte
    }

    /// Name its columns (`name (a, b) AS (..)`), in the order of its
    /// query's projection.
    pub fn columns<I: Into<Ident>>(mut self, columns: impl IntoIterator<Item = I>) -> Self {
        self.node.columns = columns.into_iter().map(Into::into).collect();
        self
    }

    /// Its rows: those of `query`.
    pub fn query(mut self, query: impl Into<QueryNode>) -> Self {
        self.node.query = query.into();
        self
    }

    /// The CTE as a `FROM` or `JOIN` source.
    pub fn table(&self) -> TableRef {
        TableRef::Table { name: self.node.name.clone(), alias: None }
    }

    /// Its column `name`, typed as `T`.
    pub fn column<T: SqlType>(&self, name: impl Into<Ident>) -> Expr<T> {
        Expr::column(self.node.name.clone(), name)
    }

    pub(crate) fn into_node(self) -> CteNode {
        self.node
    }
}
