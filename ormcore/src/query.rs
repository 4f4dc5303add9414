//! Building queries: typed builders over a plain-data AST.
//!
//! Builders do no I/O. [`node`] holds the AST the SQL compiler walks;
//! [`Select`], [`Insert`], [`Update`], [`Delete`], [`Raw`] and
//! [`Returning`] wrap it with the Rust type their rows decode into; [`Expr`]
//! types expressions so that mismatched comparisons fail to compile.

mod column;
mod cte;
pub mod expr;
pub mod func;
#[cfg(feature = "json")]
mod json;
pub mod node;
mod projection;
#[doc(hidden)]
pub mod related;
mod select;
mod write;

pub use column::{Column, ColumnOf, Columns};
pub use cte::Cte;
pub use expr::{Aliased, Case, CaseOn, Expr, ExprOps, IntoExpr, TextOps, excluded, exists, not_exists};
pub use func::{Window, WindowCall};
#[cfg(feature = "json")]
pub use json::{JsonOps, JsonPath, json_contains};
pub use node::{
    BinaryOp, CastType, CompoundOp, ConflictAction, CteNode, ExprNode, Ident, JoinKind, JsonNode, JsonRead, JsonStep,
    LockStrength, LockWait, OrderBy, QueryNode, RowLock, SelectItem, StatementNode, TableRef, UnaryOp,
};
pub use projection::{All, Projection};
pub use select::{Compound, IntoOrderBy, IntoTableRef, Select, Table};
pub use write::{Assignment, Delete, Insert, MultiRow, Raw, Returning, RowOf, SingleRow, Update, Upsert, assign};
