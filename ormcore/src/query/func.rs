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
use super::node::{ExprNode, Ident, OrderBy};
use super::select::IntoOrderBy;
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

/// `ROW_NUMBER()`: the row's position in its window, from 1.
pub fn row_number() -> WindowCall<Integer> {
    WindowCall::new("ROW_NUMBER", Vec::new())
}

/// `RANK()`: the row's rank in its window's order, with gaps after ties.
pub fn rank() -> WindowCall<Integer> {
    WindowCall::new("RANK", Vec::new())
}

/// `DENSE_RANK()`: the row's rank in its window's order, without gaps.
pub fn dense_rank() -> WindowCall<Integer> {
    WindowCall::new("DENSE_RANK", Vec::new())
}

/// `LAG(expr)`: `expr` of the row before in the window; NULL for the
/// first row, so decode it as an `Option` (`select(..).decode_as::<..>()`).
pub fn lag<T: SqlType>(expr: impl IntoExpr<T>) -> WindowCall<T> {
    WindowCall::new("LAG", vec![expr.into_expr().into_node()])
}

/// `LEAD(expr)`: `expr` of the row after in the window; NULL for the last
/// row, so decode it as an `Option`.
pub fn lead<T: SqlType>(expr: impl IntoExpr<T>) -> WindowCall<T> {
    WindowCall::new("LEAD", vec![expr.into_expr().into_node()])
}

/// A window function, which means something only over a window: its one
/// method is [`over`](WindowCall::over). (Aggregates are expressions of
/// their own, and take a window through [`Expr::over`].)
#[derive(Debug, Clone)]
#[must_use = "a window function needs .over(window)"]
pub struct WindowCall<T> {
    function: ExprNode,
    _type: PhantomData<fn() -> T>,
}

impl<T> WindowCall<T> {
    fn new(name: &'static str, args: Vec<ExprNode>) -> Self {
        WindowCall { function: ExprNode::Function { name: name.into(), args, distinct: false }, _type: PhantomData }
    }

    /// The function over `window`.
    pub fn over(self, window: Window) -> Expr<T> {
        window.apply(self.function)
    }
}

/// The rows a window function or an aggregate with
/// [`over`](Expr::over) sees for each row: those of its partition, in the
/// window's order (`OVER (PARTITION BY .. ORDER BY ..)`).
///
/// ```
/// use ormcore::query::{Expr, ExprOps, Window, func};
/// use ormcore::types::Integer;
/// let user = Expr::<Integer>::column("tweet", "user_id");
/// let id = Expr::<Integer>::column("tweet", "id");
/// let nth = func::row_number().over(Window::new().partition_by(user.clone()).order_by(id.clone().desc()));
/// let running = func::count(id).over(Window::new().partition_by(user));
/// # let _ = (nth, running);
/// ```
#[derive(Debug, Clone, Default)]
pub struct Window {
    partition_by: Vec<ExprNode>,
    order_by: Vec<OrderBy>,
}

impl Window {
    /// One window of every row, in no order.
    pub fn new() -> Self {
        Window::default()
    }

    /// Add a `PARTITION BY` term: rows with equal values share a window.
    pub fn partition_by<T: SqlType>(mut self, expr: impl IntoExpr<T>) -> Self {
        self.partition_by.push(expr.into_expr().into_node());
        self
    }

    /// Add an `ORDER BY` term within each partition.
    pub fn order_by(mut self, order: impl IntoOrderBy) -> Self {
        self.order_by.push(order.into_order_by());
        self
    }

    pub(crate) fn apply<T>(self, function: ExprNode) -> Expr<T> {
        Expr::from_node(ExprNode::Over {
            function: Box::new(function),
            partition_by: self.partition_by,
            order_by: self.order_by,
        })
    }
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
