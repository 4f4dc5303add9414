//! Typed expressions: [`Expr<T>`], the operand conversions ([`IntoExpr`])
//! and the operators every expression has ([`ExprOps`]).

use std::borrow::Cow;
use std::marker::PhantomData;
use std::ops;

use super::node::{BinaryOp, CastType, ExprNode, Ident, OrderBy, QueryNode, SelectItem, UnaryOp};
use crate::types::{Bool, Bytes, Float, Integer, Numeric, SqlField, SqlType, Text};
use crate::value::{ToValue, Value};

/// An expression whose SQL type class is `T`.
///
/// Built from columns (`User::NAME`), values, functions and operators;
/// compiled into SQL with every value bound as a parameter.
pub struct Expr<T> {
    node: ExprNode,
    _type: PhantomData<fn() -> T>,
}

impl<T> Clone for Expr<T> {
    fn clone(&self) -> Self {
        Expr::from_node(self.node.clone())
    }
}

impl<T> std::fmt::Debug for Expr<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.node.fmt(f)
    }
}

impl<T> Expr<T> {
    /// Wrap an AST node, asserting its type class.
    pub fn from_node(node: ExprNode) -> Self {
        Expr { node, _type: PhantomData }
    }

    /// The AST node.
    pub fn node(&self) -> &ExprNode {
        &self.node
    }

    /// Unwrap into the AST node.
    pub fn into_node(self) -> ExprNode {
        self.node
    }

    /// A raw SQL fragment typed as `T`, with `?` placeholders for `params`.
    /// The text is trusted: never build it from user input; pass values as
    /// parameters.
    pub fn raw(sql: impl Into<Cow<'static, str>>, params: Vec<Value>) -> Self {
        Expr::from_node(ExprNode::Raw { sql: sql.into(), params })
    }

    /// Reinterpret as another type class without changing the SQL (for
    /// values whose type the database converts implicitly).
    pub fn retype<U>(self) -> Expr<U> {
        Expr::from_node(self.node)
    }

    /// This aggregate over a window (`SUM(x) OVER (PARTITION BY ..)`): a
    /// running or per-partition total on every row instead of one row per
    /// group. It is meant for the aggregates (`func::count`, `sum`, `avg`,
    /// `min`, `max`; the window functions have their own `over`). Anything
    /// but a function call, or a `DISTINCT` aggregate, is an
    /// [`Error::Interface`](crate::Error::Interface) when compiled; a
    /// scalar function (`LOWER(x) OVER ()`) is the database's error.
    pub fn over(self, window: super::func::Window) -> Expr<T> {
        window.apply(self.into_node())
    }
}

impl<T: SqlType> Expr<T> {
    /// A bound value as an expression.
    pub fn value(value: impl IntoExpr<T>) -> Self {
        value.into_expr()
    }

    /// A column of a table or alias, typed by the caller. Model columns are
    /// better reached through the generated constants (`User::NAME`).
    pub fn column(table: impl Into<Ident>, name: impl Into<Ident>) -> Self {
        Expr::from_node(ExprNode::Column { table: Some(table.into()), name: name.into() })
    }

    /// A scalar subquery.
    pub fn subquery(query: impl Into<QueryNode>) -> Self {
        Expr::from_node(ExprNode::Subquery(Box::new(query.into())))
    }
}

/// A value or expression usable where an expression of type class `T` is
/// expected. Comparing a text column with an integer fails to compile because
/// integers implement `IntoExpr<Integer>` and `IntoExpr<Float>` only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be used as a SQL expression of type `{T}`",
    label = "expected an operand of type `{T}`"
)]
pub trait IntoExpr<T> {
    /// Convert into a typed expression.
    fn into_expr(self) -> Expr<T>;
}

impl<T> IntoExpr<T> for Expr<T> {
    fn into_expr(self) -> Expr<T> {
        self
    }
}

impl<T> IntoExpr<T> for &Expr<T> {
    fn into_expr(self) -> Expr<T> {
        self.clone()
    }
}

fn bound<T>(value: Value) -> Expr<T> {
    Expr::from_node(ExprNode::Value(value))
}

macro_rules! operands {
    ($sql:ty: $($rust:ty),*) => {$(
        impl IntoExpr<$sql> for $rust {
            fn into_expr(self) -> Expr<$sql> {
                bound(self.to_value())
            }
        }
    )*};
}

operands!(Text: &str, String, &String, Cow<'_, str>);
operands!(Integer: i8, i16, i32, i64, u8, u16, u32);
operands!(Float: f32, f64, i8, i16, i32, i64, u8, u16, u32);
operands!(Bool: bool);
operands!(Bytes: &[u8], Vec<u8>, &Vec<u8>);

#[cfg(feature = "chrono")]
operands!(crate::types::Date: chrono::NaiveDate);
#[cfg(feature = "chrono")]
operands!(crate::types::Time: chrono::NaiveTime);
#[cfg(feature = "chrono")]
operands!(crate::types::DateTime: chrono::NaiveDateTime);
#[cfg(feature = "chrono")]
operands!(crate::types::DateTimeUtc: chrono::DateTime<chrono::Utc>);
#[cfg(feature = "uuid")]
operands!(crate::types::Uuid: uuid::Uuid);
#[cfg(feature = "json")]
operands!(crate::types::JsonDoc: serde_json::Value, &serde_json::Value);

/// A `Json<T>` field's own type is an operand of its column: `.set(User::SETTINGS, Json(settings))`.
#[cfg(feature = "json")]
impl<T: serde::Serialize> IntoExpr<crate::types::JsonDoc> for crate::types::Json<T> {
    fn into_expr(self) -> Expr<crate::types::JsonDoc> {
        bound(self.to_value())
    }
}

#[cfg(feature = "json")]
impl<T: serde::Serialize> IntoExpr<crate::types::JsonDoc> for &crate::types::Json<T> {
    fn into_expr(self) -> Expr<crate::types::JsonDoc> {
        bound(self.to_value())
    }
}
#[cfg(feature = "decimal")]
operands!(crate::types::Decimal: rust_decimal::Decimal, i64, i32);

/// `None` binds NULL.
impl<T, V: IntoExpr<T>> IntoExpr<T> for Option<V> {
    fn into_expr(self) -> Expr<T> {
        match self {
            Some(v) => v.into_expr(),
            None => bound(Value::Null),
        }
    }
}

/// Escape `%`, `_` and the escape character `!` in a LIKE pattern.
fn escape_like(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    for c in text.chars() {
        if matches!(c, '%' | '_' | '!') {
            out.push('!');
        }
        out.push(c);
    }
    out
}

/// `left = right` / `left <> right`, or `IS [NOT] NULL` when either side is
/// a bound NULL.
fn null_test(left: ExprNode, op: BinaryOp, right: ExprNode) -> Expr<Bool> {
    let negated = op == BinaryOp::Ne;
    match (left, right) {
        (ExprNode::Value(Value::Null), expr) | (expr, ExprNode::Value(Value::Null)) => {
            Expr::from_node(ExprNode::IsNull { expr: Box::new(expr), negated })
        }
        (left, right) => binary(left, op, right),
    }
}

fn binary<T>(left: ExprNode, op: BinaryOp, right: ExprNode) -> Expr<T> {
    Expr::from_node(ExprNode::Binary { left: Box::new(left), op, right: Box::new(right) })
}

/// The operators of every expression of type class `T`: comparisons,
/// `IN`, `BETWEEN`, `IS NULL`, pattern matching on text, ordering and
/// aliasing. Implemented by [`Expr`] and by model columns; in the
/// [prelude](crate::prelude).
///
/// The names are SQL's (`is_null` builds `IS NULL`; it is not a Rust
/// predicate), hence the allowed naming lint.
#[allow(clippy::wrong_self_convention)]
pub trait ExprOps<T: SqlType>: IntoExpr<T> + Sized {
    /// `self = rhs`; with `None` (a NULL value), `self IS NULL`, as in the
    /// reference (`User.email == None`): `= NULL` never matches.
    fn eq(self, rhs: impl IntoExpr<T>) -> Expr<Bool> {
        null_test(self.into_expr().node, BinaryOp::Eq, rhs.into_expr().node)
    }
    /// `self <> rhs`; with `None` (a NULL value), `self IS NOT NULL`.
    fn ne(self, rhs: impl IntoExpr<T>) -> Expr<Bool> {
        null_test(self.into_expr().node, BinaryOp::Ne, rhs.into_expr().node)
    }
    /// `self < rhs`.
    fn lt(self, rhs: impl IntoExpr<T>) -> Expr<Bool> {
        binary(self.into_expr().node, BinaryOp::Lt, rhs.into_expr().node)
    }
    /// `self <= rhs`.
    fn le(self, rhs: impl IntoExpr<T>) -> Expr<Bool> {
        binary(self.into_expr().node, BinaryOp::Le, rhs.into_expr().node)
    }
    /// `self > rhs`.
    fn gt(self, rhs: impl IntoExpr<T>) -> Expr<Bool> {
        binary(self.into_expr().node, BinaryOp::Gt, rhs.into_expr().node)
    }
    /// `self >= rhs`.
    fn ge(self, rhs: impl IntoExpr<T>) -> Expr<Bool> {
        binary(self.into_expr().node, BinaryOp::Ge, rhs.into_expr().node)
    }
    /// `self IS NULL`.
    fn is_null(self) -> Expr<Bool> {
        Expr::from_node(ExprNode::IsNull { expr: Box::new(self.into_expr().node), negated: false })
    }
    /// `self IS NOT NULL`.
    fn is_not_null(self) -> Expr<Bool> {
        Expr::from_node(ExprNode::IsNull { expr: Box::new(self.into_expr().node), negated: true })
    }
    /// `self IN (items...)`; an empty list matches nothing.
    fn in_<I>(self, items: I) -> Expr<Bool>
    where
        I: IntoIterator,
        I::Item: IntoExpr<T>,
    {
        let list = items.into_iter().map(|i| i.into_expr().node).collect();
        Expr::from_node(ExprNode::InList { expr: Box::new(self.into_expr().node), list, negated: false })
    }
    /// `self NOT IN (items...)`; an empty list matches everything.
    fn not_in<I>(self, items: I) -> Expr<Bool>
    where
        I: IntoIterator,
        I::Item: IntoExpr<T>,
    {
        let list = items.into_iter().map(|i| i.into_expr().node).collect();
        Expr::from_node(ExprNode::InList { expr: Box::new(self.into_expr().node), list, negated: true })
    }
    /// `self IN (subquery)`.
    fn in_query(self, query: impl Into<QueryNode>) -> Expr<Bool> {
        Expr::from_node(ExprNode::InSubquery {
            expr: Box::new(self.into_expr().node),
            query: Box::new(query.into()),
            negated: false,
        })
    }
    /// `self NOT IN (subquery)`.
    fn not_in_query(self, query: impl Into<QueryNode>) -> Expr<Bool> {
        Expr::from_node(ExprNode::InSubquery {
            expr: Box::new(self.into_expr().node),
            query: Box::new(query.into()),
            negated: true,
        })
    }
    /// `self BETWEEN low AND high`.
    fn between(self, low: impl IntoExpr<T>, high: impl IntoExpr<T>) -> Expr<Bool> {
        Expr::from_node(ExprNode::Between {
            expr: Box::new(self.into_expr().node),
            low: Box::new(low.into_expr().node),
            high: Box::new(high.into_expr().node),
            negated: false,
        })
    }
    /// `self NOT BETWEEN low AND high`.
    fn not_between(self, low: impl IntoExpr<T>, high: impl IntoExpr<T>) -> Expr<Bool> {
        Expr::from_node(ExprNode::Between {
            expr: Box::new(self.into_expr().node),
            low: Box::new(low.into_expr().node),
            high: Box::new(high.into_expr().node),
            negated: true,
        })
    }
    /// Ascending sort key.
    fn asc(self) -> OrderBy {
        OrderBy { expr: self.into_expr().node, desc: false }
    }
    /// Descending sort key.
    fn desc(self) -> OrderBy {
        OrderBy { expr: self.into_expr().node, desc: true }
    }
    /// `self AS alias`, as a projected column.
    fn alias(self, alias: impl Into<Ident>) -> Aliased<T> {
        Aliased { expr: self.into_expr(), alias: alias.into() }
    }
    /// `CAST(self AS to)`, retyped as `U`.
    fn cast<U: SqlType>(self, to: CastType) -> Expr<U> {
        Expr::from_node(ExprNode::Cast { expr: Box::new(self.into_expr().node), to })
    }
}

impl<T: SqlType> ExprOps<T> for Expr<T> {}

/// Pattern matching, for text expressions only.
pub trait TextOps: ExprOps<Text> {
    /// `self LIKE pattern` (`%` and `_` wildcards). See
    /// [`ExprNode::Like`] for case sensitivity per backend.
    fn like(self, pattern: impl IntoExpr<Text>) -> Expr<Bool> {
        like(self.into_expr(), pattern.into_expr(), false, false, false)
    }
    /// `self NOT LIKE pattern`.
    fn not_like(self, pattern: impl IntoExpr<Text>) -> Expr<Bool> {
        like(self.into_expr(), pattern.into_expr(), false, true, false)
    }
    /// Case-insensitive `LIKE`.
    fn ilike(self, pattern: impl IntoExpr<Text>) -> Expr<Bool> {
        like(self.into_expr(), pattern.into_expr(), true, false, false)
    }
    /// Case-insensitive substring test; wildcards in `needle` match literally.
    fn contains(self, needle: &str) -> Expr<Bool> {
        let pattern = format!("%{}%", escape_like(needle));
        like(self.into_expr(), pattern.into_expr(), true, false, true)
    }
    /// Case-insensitive prefix test; wildcards in `prefix` match literally.
    fn startswith(self, prefix: &str) -> Expr<Bool> {
        let pattern = format!("{}%", escape_like(prefix));
        like(self.into_expr(), pattern.into_expr(), true, false, true)
    }
    /// Case-insensitive suffix test; wildcards in `suffix` match literally.
    fn endswith(self, suffix: &str) -> Expr<Bool> {
        let pattern = format!("%{}", escape_like(suffix));
        like(self.into_expr(), pattern.into_expr(), true, false, true)
    }
    /// Text concatenation (`||`, or `CONCAT` on MySQL).
    fn concat(self, rhs: impl IntoExpr<Text>) -> Expr<Text> {
        binary(self.into_expr().node, BinaryOp::Concat, rhs.into_expr().node)
    }
}

impl<E: ExprOps<Text>> TextOps for E {}

fn like(expr: Expr<Text>, pattern: Expr<Text>, case_insensitive: bool, negated: bool, escaped: bool) -> Expr<Bool> {
    Expr::from_node(ExprNode::Like {
        expr: Box::new(expr.node),
        pattern: Box::new(pattern.node),
        case_insensitive,
        negated,
        escaped,
    })
}

impl Expr<Bool> {
    /// `self AND rhs`.
    pub fn and(self, rhs: impl IntoExpr<Bool>) -> Expr<Bool> {
        binary(self.node, BinaryOp::And, rhs.into_expr().node)
    }
    /// `self OR rhs`.
    pub fn or(self, rhs: impl IntoExpr<Bool>) -> Expr<Bool> {
        binary(self.node, BinaryOp::Or, rhs.into_expr().node)
    }
    /// `NOT self` (also `!self`).
    #[allow(clippy::should_implement_trait)] // it is implemented too: `ops::Not` calls this
    pub fn not(self) -> Expr<Bool> {
        Expr::from_node(ExprNode::Unary { op: UnaryOp::Not, expr: Box::new(self.node) })
    }
}

impl<R: IntoExpr<Bool>> ops::BitAnd<R> for Expr<Bool> {
    type Output = Expr<Bool>;
    fn bitand(self, rhs: R) -> Expr<Bool> {
        self.and(rhs)
    }
}

impl<R: IntoExpr<Bool>> ops::BitOr<R> for Expr<Bool> {
    type Output = Expr<Bool>;
    fn bitor(self, rhs: R) -> Expr<Bool> {
        self.or(rhs)
    }
}

impl ops::Not for Expr<Bool> {
    type Output = Expr<Bool>;
    fn not(self) -> Expr<Bool> {
        Expr::not(self)
    }
}

/// Implement the arithmetic operators for an expression-like type whose
/// type class is numeric. Used for [`Expr`] and for model columns.
macro_rules! arithmetic {
    ([$($generics:tt)*] $target:ty, $sql:ty) => {
        impl<$($generics)*, Rhs: $crate::query::IntoExpr<$sql>> ::std::ops::Add<Rhs> for $target
        where $sql: $crate::types::Numeric {
            type Output = $crate::query::Expr<$sql>;
            fn add(self, rhs: Rhs) -> Self::Output {
                $crate::query::expr::arith(self, $crate::query::BinaryOp::Add, rhs)
            }
        }
        impl<$($generics)*, Rhs: $crate::query::IntoExpr<$sql>> ::std::ops::Sub<Rhs> for $target
        where $sql: $crate::types::Numeric {
            type Output = $crate::query::Expr<$sql>;
            fn sub(self, rhs: Rhs) -> Self::Output {
                $crate::query::expr::arith(self, $crate::query::BinaryOp::Sub, rhs)
            }
        }
        impl<$($generics)*, Rhs: $crate::query::IntoExpr<$sql>> ::std::ops::Mul<Rhs> for $target
        where $sql: $crate::types::Numeric {
            type Output = $crate::query::Expr<$sql>;
            fn mul(self, rhs: Rhs) -> Self::Output {
                $crate::query::expr::arith(self, $crate::query::BinaryOp::Mul, rhs)
            }
        }
        impl<$($generics)*, Rhs: $crate::query::IntoExpr<$sql>> ::std::ops::Div<Rhs> for $target
        where $sql: $crate::types::Numeric {
            type Output = $crate::query::Expr<$sql>;
            fn div(self, rhs: Rhs) -> Self::Output {
                $crate::query::expr::arith(self, $crate::query::BinaryOp::Div, rhs)
            }
        }
        impl<$($generics)*, Rhs: $crate::query::IntoExpr<$sql>> ::std::ops::Rem<Rhs> for $target
        where $sql: $crate::types::Numeric {
            type Output = $crate::query::Expr<$sql>;
            fn rem(self, rhs: Rhs) -> Self::Output {
                $crate::query::expr::arith(self, $crate::query::BinaryOp::Mod, rhs)
            }
        }
        impl<$($generics)*> ::std::ops::Neg for $target
        where $sql: $crate::types::Numeric {
            type Output = $crate::query::Expr<$sql>;
            fn neg(self) -> Self::Output {
                $crate::query::Expr::from_node($crate::query::ExprNode::Unary {
                    op: $crate::query::UnaryOp::Neg,
                    expr: Box::new($crate::query::IntoExpr::<$sql>::into_expr(self).into_node()),
                })
            }
        }
    };
}
pub(crate) use arithmetic;

arithmetic!([T: SqlType] Expr<T>, T);

#[doc(hidden)]
pub fn arith<T: Numeric>(left: impl IntoExpr<T>, op: BinaryOp, right: impl IntoExpr<T>) -> Expr<T> {
    binary(left.into_expr().node, op, right.into_expr().node)
}

/// An expression with an alias, as a projected column.
#[derive(Debug, Clone)]
pub struct Aliased<T> {
    pub(crate) expr: Expr<T>,
    pub(crate) alias: Ident,
}

impl<T> Aliased<T> {
    /// The projected item.
    pub fn into_item(self) -> SelectItem {
        SelectItem { expr: self.expr.node, alias: Some(self.alias) }
    }
}

/// A searched `CASE WHEN cond THEN value ... ELSE value END` of type `T`.
///
/// ```
/// use ormcore::prelude::*;
/// use ormcore::query::{Case, Expr};
/// use ormcore::types::{Integer, Text};
/// let size: Expr<Integer> = Expr::column("t", "n");
/// let label: Expr<Text> = Case::new().when(size.clone().lt(10), "small").otherwise("large");
/// # let _ = label;
/// ```
#[derive(Debug, Clone)]
pub struct Case<T> {
    operand: Option<Box<ExprNode>>,
    whens: Vec<(ExprNode, ExprNode)>,
    _type: PhantomData<fn() -> T>,
}

impl<T: SqlType> Default for Case<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T: SqlType> Case<T> {
    /// A searched CASE: each `when` takes a condition.
    pub fn new() -> Self {
        Case { operand: None, whens: Vec::new(), _type: PhantomData }
    }

    /// A simple CASE over `operand`: each `when` takes a value compared with
    /// it. Use [`CaseOn::when_value`] to add branches.
    pub fn on<O: SqlType>(operand: impl IntoExpr<O>) -> CaseOn<O, T> {
        CaseOn {
            case: Case { operand: Some(Box::new(operand.into_expr().node)), whens: Vec::new(), _type: PhantomData },
            _operand: PhantomData,
        }
    }

    /// `WHEN condition THEN value`.
    pub fn when(mut self, condition: impl IntoExpr<Bool>, value: impl IntoExpr<T>) -> Self {
        self.whens.push((condition.into_expr().node, value.into_expr().node));
        self
    }

    /// `ELSE value END`.
    pub fn otherwise(self, value: impl IntoExpr<T>) -> Expr<T> {
        self.build(Some(value.into_expr().node))
    }

    /// `END` without `ELSE` (NULL when no branch matches).
    pub fn end(self) -> Expr<T> {
        self.build(None)
    }

    fn build(self, else_: Option<ExprNode>) -> Expr<T> {
        Expr::from_node(ExprNode::Case { operand: self.operand, whens: self.whens, else_: else_.map(Box::new) })
    }
}

/// A simple `CASE operand WHEN value THEN result ... END`; see [`Case::on`].
#[derive(Debug, Clone)]
pub struct CaseOn<O, T> {
    case: Case<T>,
    _operand: PhantomData<fn() -> O>,
}

impl<O: SqlType, T: SqlType> CaseOn<O, T> {
    /// `WHEN value THEN result`.
    pub fn when_value(mut self, value: impl IntoExpr<O>, result: impl IntoExpr<T>) -> Self {
        self.case.whens.push((value.into_expr().node, result.into_expr().node));
        self
    }
    /// `ELSE value END`.
    pub fn otherwise(self, value: impl IntoExpr<T>) -> Expr<T> {
        self.case.otherwise(value)
    }
    /// `END` without `ELSE`.
    pub fn end(self) -> Expr<T> {
        self.case.end()
    }
}

/// `EXISTS (query)`.
pub fn exists(query: impl Into<QueryNode>) -> Expr<Bool> {
    Expr::from_node(ExprNode::Exists { query: Box::new(query.into()), negated: false })
}

/// `NOT EXISTS (query)`.
pub fn not_exists(query: impl Into<QueryNode>) -> Expr<Bool> {
    Expr::from_node(ExprNode::Exists { query: Box::new(query.into()), negated: true })
}

/// In an upsert's update list, the value proposed for `column` by the
/// conflicting insert (`excluded.column`, or `VALUES(column)` on MySQL).
pub fn excluded<M, F: SqlField>(column: super::Column<M, F>) -> Expr<F::Sql> {
    Expr::from_node(ExprNode::Excluded(column.name().into()))
}
