//! SQL functions: the aggregates, a few portable scalar functions, and
//! [`call`] for any other function by name (Peewee's `fn.NAME(...)`).
//!
//! ```
//! use ormcore::query::func;
//! use ormcore::query::Expr;
//! use ormcore::types::{Integer, Text};
//! let n: Expr<Integer> = func::count_star();
//! let name: Expr<Text> = func::call("lower").arg(Expr::<Text>::column("user", "name")).build();
//! # let _ = (n, name);
//! ```

use std::marker::PhantomData;

use super::expr::{Expr, IntoExpr};
use super::node::{ExprNode, Ident};
use crate::types::{Float, Integer, Numeric, Ordered, SqlType, Text};

fn function<T>(name: &'static str, args: Vec<ExprNode>, distinct: bool) -> Expr<T> {
    Expr::from_node(ExprNode::Function { name: name.into(), args, distinct })
}

/// `COUNT(*)`.
pub fn count_star() -> Expr<Integer> {
    function("COUNT", vec![ExprNode::Star(None)], false)
}

/// `COUNT(expr)`: the number of non-NULL values.
pub fn count<T: SqlType>(expr: impl IntoExpr<T>) -> Expr<Integer> {
    function("COUNT", vec![expr.into_expr().into_node()], false)
}

/// `COUNT(DISTINCT expr)`.
pub fn count_distinct<T: SqlType>(expr: impl IntoExpr<T>) -> Expr<Integer> {
    function("COUNT", vec![expr.into_expr().into_node()], true)
}

/// `SUM(expr)`; NULL over no rows.
pub fn sum<T: Numeric>(expr: impl IntoExpr<T>) -> Expr<T> {
    function("SUM", vec![expr.into_expr().into_node()], false)
}

/// `AVG(expr)`; NULL over no rows.
pub fn avg<T: Numeric>(expr: impl IntoExpr<T>) -> Expr<Float> {
    function("AVG", vec![expr.into_expr().into_node()], false)
}

/// `MIN(expr)`; NULL over no rows.
pub fn min<T: Ordered>(expr: impl IntoExpr<T>) -> Expr<T> {
    function("MIN", vec![expr.into_expr().into_node()], false)
}

/// `MAX(expr)`; NULL over no rows.
pub fn max<T: Ordered>(expr: impl IntoExpr<T>) -> Expr<T> {
    function("MAX", vec![expr.into_expr().into_node()], false)
}

/// `LOWER(expr)`.
pub fn lower(expr: impl IntoExpr<Text>) -> Expr<Text> {
    function("LOWER", vec![expr.into_expr().into_node()], false)
}

/// `UPPER(expr)`.
pub fn upper(expr: impl IntoExpr<Text>) -> Expr<Text> {
    function("UPPER", vec![expr.into_expr().into_node()], false)
}

/// `LENGTH(expr)` in characters (`CHAR_LENGTH` on MySQL).
pub fn length(expr: impl IntoExpr<Text>) -> Expr<Integer> {
    function("LENGTH", vec![expr.into_expr().into_node()], false)
}

/// `ABS(expr)`.
pub fn abs<T: Numeric>(expr: impl IntoExpr<T>) -> Expr<T> {
    function("ABS", vec![expr.into_expr().into_node()], false)
}

/// `COALESCE(expr, fallback)`.
pub fn coalesce<T: SqlType>(expr: impl IntoExpr<T>, fallback: impl IntoExpr<T>) -> Expr<T> {
    function("COALESCE", vec![expr.into_expr().into_node(), fallback.into_expr().into_node()], false)
}

/// Any function by name, typed by the caller through [`FuncCall::build`].
/// The name must be a plain identifier (letters, digits, `_`, `.`); the
/// compiler rejects anything else.
pub fn call(name: impl Into<Ident>) -> FuncCall<()> {
    FuncCall { name: name.into(), args: Vec::new(), distinct: false, _type: PhantomData }
}

/// A function call being built; see [`call`].
#[derive(Debug, Clone)]
pub struct FuncCall<T> {
    name: Ident,
    args: Vec<ExprNode>,
    distinct: bool,
    _type: PhantomData<fn() -> T>,
}

impl<T> FuncCall<T> {
    /// Append an argument of any type class.
    pub fn arg<A: SqlType>(mut self, arg: impl IntoExpr<A>) -> Self {
        self.args.push(arg.into_expr().into_node());
        self
    }

    /// Write `DISTINCT` before the arguments.
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }

    /// Finish as an expression of type class `R`.
    pub fn build<R: SqlType>(self) -> Expr<R> {
        Expr::from_node(ExprNode::Function { name: self.name, args: self.args, distinct: self.distinct })
    }
}
