//! Queries on JSON documents: extract by key and path, test for keys and
//! containment, and edit in place, with one meaning on every backend.
//!
//! ```
//! use ormcore::prelude::*;
//! use ormcore::query::JsonOps;
//! use ormcore::sql::{self, PostgresDialect};
//! use ormcore::types::JsonDoc;
//! use ormcore::Value;
//!
//! let settings: Expr<JsonDoc> = Expr::column("user", "settings");
//! let dark = settings.clone().key("theme").as_text().eq("dark");
//! let query = Select::from(ormcore::query::TableRef::Table { name: "user".into(), alias: None })
//!     .where_(dark.and(settings.key("font").key("size").as_integer().gt(12)));
//! // Paths are bound, their keys quoted: no key can change the path.
//! let pg = sql::compile_select(query.node(), &PostgresDialect)?;
//! assert_eq!(pg.params, [
//!     Value::Text(r#"strict $."theme""#.into()),
//!     Value::Text("dark".into()),
//!     Value::Text(r#"strict $."font"."size""#.into()),
//!     Value::Int(12),
//! ]);
//! # Ok::<(), ormcore::Error>(())
//! ```

use super::expr::{Expr, ExprOps, IntoExpr};
use super::node::{ExprNode, JsonNode, JsonRead, JsonStep};
use crate::types::{Bool, Float, Integer, JsonDoc, Text};
use crate::value::Value;

impl From<&str> for JsonStep {
    fn from(key: &str) -> Self {
        JsonStep::Key(key.to_owned())
    }
}

impl From<String> for JsonStep {
    fn from(key: String) -> Self {
        JsonStep::Key(key)
    }
}

impl From<&String> for JsonStep {
    fn from(key: &String) -> Self {
        JsonStep::Key(key.clone())
    }
}

impl From<usize> for JsonStep {
    fn from(index: usize) -> Self {
        JsonStep::Index(index)
    }
}

/// A place in a JSON document: read it with one of the `as_*` methods,
/// which fix the SQL type it compares as (`.as_integer().gt(3)`; comparing
/// `.as_integer()` with text fails to compile), or test it with
/// [`exists`](Self::exists).
#[derive(Debug, Clone)]
#[must_use = "a JSON path does nothing until it is read with `as_text`, `as_integer`, .."]
pub struct JsonPath {
    doc: ExprNode,
    path: Vec<JsonStep>,
}

impl JsonPath {
    /// One step further, to the member `key` of an object.
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.path.push(JsonStep::Key(key.into()));
        self
    }

    /// One step further, to the element `index` (from 0) of an array.
    pub fn index(mut self, index: usize) -> Self {
        self.path.push(JsonStep::Index(index));
        self
    }

    fn read<T>(self, read: JsonRead) -> Expr<T> {
        json(JsonNode::Extract { doc: self.doc, path: self.path, read })
    }

    /// The value as text: a string unquoted, a number, `true`, `false`, an
    /// array or an object as its JSON text (whose spacing differs between
    /// backends); NULL for JSON `null` or no value.
    pub fn as_text(self) -> Expr<Text> {
        self.read(JsonRead::Text)
    }

    /// The value as an integer. A value that is not one is converted as the
    /// database converts text (PostgreSQL refuses `1.5`, MySQL and SQLite
    /// truncate it).
    pub fn as_integer(self) -> Expr<Integer> {
        self.read(JsonRead::Integer)
    }

    /// The value as a float.
    pub fn as_float(self) -> Expr<Float> {
        self.read(JsonRead::Float)
    }

    /// `true` or `false`; NULL for any other value (PostgreSQL refuses a
    /// non-boolean value instead).
    pub fn as_bool(self) -> Expr<Bool> {
        self.read(JsonRead::Bool)
    }

    /// The value as a JSON document, on which every [`JsonOps`] method works.
    pub fn as_json(self) -> Expr<JsonDoc> {
        self.read(JsonRead::Json)
    }

    /// Whether the path leads to a value, JSON `null` included.
    pub fn exists(self) -> Expr<Bool> {
        json(JsonNode::HasPath { doc: self.doc, path: self.path })
    }
}

fn json<T>(node: JsonNode) -> Expr<T> {
    Expr::from_node(ExprNode::Json(Box::new(node)))
}

fn steps<I>(path: I) -> Vec<JsonStep>
where
    I: IntoIterator,
    I::Item: Into<JsonStep>,
{
    path.into_iter().map(Into::into).collect()
}

/// The operations of JSON documents: every expression of type
/// [`JsonDoc`] (a `serde_json::Value` or [`Json<T>`](crate::types::Json)
/// column, or [`JsonPath::as_json`]). In the [prelude](crate::prelude).
///
/// Keys and values are always bound parameters, and a key holding quotes,
/// dots or brackets names that key: no input can change the path. The
/// editing methods build a new document for `.set(column, ..)`; an edit
/// whose path leads nowhere (a missing parent, a scalar where an array is
/// expected) leaves the document as it was on every backend.
pub trait JsonOps: ExprOps<JsonDoc> {
    /// The member `key` of an object; chain [`JsonPath::key`] and
    /// [`JsonPath::index`] to go deeper.
    fn key(self, key: impl Into<String>) -> JsonPath {
        JsonPath { doc: self.into_expr().into_node(), path: vec![JsonStep::Key(key.into())] }
    }

    /// The element `index` (from 0) of an array.
    fn index(self, index: usize) -> JsonPath {
        JsonPath { doc: self.into_expr().into_node(), path: vec![JsonStep::Index(index)] }
    }

    /// The value at `path`, a list of steps (`["font", "size"]`, or
    /// [`JsonStep`] values to mix keys and indexes).
    fn path<I>(self, path: I) -> JsonPath
    where
        I: IntoIterator,
        I::Item: Into<JsonStep>,
    {
        JsonPath { doc: self.into_expr().into_node(), path: steps(path) }
    }

    /// Whether the document is an object with member `key` (JSON `null`
    /// included).
    fn has_key(self, key: &str) -> Expr<Bool> {
        self.key(key).exists()
    }

    /// Whether it has every one of `keys` (true for none).
    fn has_keys<I>(self, keys: I) -> Expr<Bool>
    where
        I: IntoIterator,
        I::Item: Into<JsonStep>,
    {
        each_key(self.into_expr(), keys, true)
    }

    /// Whether it has any of `keys` (false for none).
    fn has_any_keys<I>(self, keys: I) -> Expr<Bool>
    where
        I: IntoIterator,
        I::Item: Into<JsonStep>,
    {
        each_key(self.into_expr(), keys, false)
    }

    /// Whether this document contains `other`, as PostgreSQL's `@>`
    /// defines it: an object contains an object whose every member it has
    /// with a containing value; an array contains an array whose every
    /// element is contained in one of its own (order and repeats aside);
    /// scalars contain equal scalars, and a top-level array contains a
    /// scalar it holds. MySQL and MariaDB's `JSON_CONTAINS`, used there,
    /// also lets an array at any depth contain a scalar or object that one
    /// of its elements contains.
    fn contains(self, other: impl IntoExpr<JsonDoc>) -> Expr<Bool> {
        json(JsonNode::Contains { container: self.into_expr().into_node(), contained: other.into_expr().into_node() })
    }

    /// Whether `other` contains this document: [`contains`](Self::contains)
    /// the other way round.
    fn contained_by(self, other: impl IntoExpr<JsonDoc>) -> Expr<Bool> {
        json(JsonNode::Contains { container: other.into_expr().into_node(), contained: self.into_expr().into_node() })
    }

    /// The document with `value` at `path`: replaced, or added as the last
    /// step when its parent exists. An empty path is an
    /// [`Error::Interface`](crate::Error::Interface) when compiled: assign
    /// the column instead.
    fn set_path<I>(self, path: I, value: impl IntoExpr<JsonDoc>) -> Expr<JsonDoc>
    where
        I: IntoIterator,
        I::Item: Into<JsonStep>,
    {
        json(JsonNode::Set { doc: self.into_expr().into_node(), path: steps(path), value: json_value(value) })
    }

    /// The document with `value` appended to the array at `path` (empty
    /// for the document itself).
    fn append<I>(self, path: I, value: impl IntoExpr<JsonDoc>) -> Expr<JsonDoc>
    where
        I: IntoIterator,
        I::Item: Into<JsonStep>,
    {
        json(JsonNode::Append { doc: self.into_expr().into_node(), path: steps(path), value: json_value(value) })
    }

    /// The document without the value at `path`.
    fn remove<I>(self, path: I) -> Expr<JsonDoc>
    where
        I: IntoIterator,
        I::Item: Into<JsonStep>,
    {
        json(JsonNode::Remove { doc: self.into_expr().into_node(), path: steps(path) })
    }

    /// The object with every member of `members` set, the others kept: a
    /// shallow merge, where a `null` member is stored as `null`.
    fn merge(self, members: serde_json::Map<String, serde_json::Value>) -> Expr<JsonDoc> {
        let members = members.into_iter().map(|(key, value)| (key, ExprNode::Value(Value::Json(value)))).collect();
        json(JsonNode::Merge { doc: self.into_expr().into_node(), members })
    }
}

impl<E: ExprOps<JsonDoc>> JsonOps for E {}

/// A value to store: `None` stores JSON `null`, never SQL NULL.
fn json_value(value: impl IntoExpr<JsonDoc>) -> ExprNode {
    match value.into_expr().into_node() {
        ExprNode::Value(Value::Null) => ExprNode::Value(Value::Json(serde_json::Value::Null)),
        node => node,
    }
}

/// `has(k1) AND has(k2) ..` (or `OR`), a constant for no keys.
fn each_key<I>(doc: Expr<JsonDoc>, keys: I, all: bool) -> Expr<Bool>
where
    I: IntoIterator,
    I::Item: Into<JsonStep>,
{
    let tests: Vec<_> =
        keys.into_iter().map(|key| JsonPath { doc: doc.node().clone(), path: vec![key.into()] }.exists()).collect();
    if tests.is_empty() {
        // An empty `IN` list is the compiler's constant false (or true).
        return Expr::from_node(ExprNode::InList {
            expr: Box::new(ExprNode::Value(Value::Null)),
            list: vec![],
            negated: all,
        });
    }
    balanced(tests, all)
}

/// The tests joined as a balanced tree, so that thousands of keys nest
/// only as deep as their logarithm (dropping a long left-deep chain would
/// recurse once per key); the compiler writes it flat.
fn balanced(mut tests: Vec<Expr<Bool>>, all: bool) -> Expr<Bool> {
    if tests.len() == 1 {
        return tests.remove(0);
    }
    let right = tests.split_off(tests.len() / 2);
    let (left, right) = (balanced(tests, all), balanced(right, all));
    if all { left.and(right) } else { left.or(right) }
}

/// Whether `container` contains `contained`, as [`JsonOps::contains`]
/// defines it (PostgreSQL's `@>`). The SQLite backend, whose database has
/// no such function, registers this one.
///
/// ```
/// use ormcore::query::json_contains;
/// use serde_json::json;
/// assert!(json_contains(&json!({"a": [1, 2], "b": 1}), &json!({"a": [2.0]})));
/// assert!(json_contains(&json!(["x", 1]), &json!("x")));
/// assert!(!json_contains(&json!({"a": [[1, 2]]}), &json!({"a": [1]})));
/// assert!(!json_contains(&json!(9007199254740993_u64), &json!(9007199254740992.0)));
/// ```
pub fn json_contains(container: &serde_json::Value, contained: &serde_json::Value) -> bool {
    use serde_json::Value as Json;
    match (container, contained) {
        // Only at the top level does an array contain a scalar it holds.
        (Json::Array(items), scalar) if !matches!(scalar, Json::Array(_) | Json::Object(_)) => {
            items.iter().any(|item| contains_at(item, scalar))
        }
        _ => contains_at(container, contained),
    }
}

/// Numeric equality, exact (as PostgreSQL's `numeric`): an integer equals
/// a float only when the float is that very integer, never by rounding the
/// integer to a float (9007199254740993 is not 9007199254740992.0).
fn numbers_equal(a: &serde_json::Number, b: &serde_json::Number) -> bool {
    let integer = |n: &serde_json::Number| n.as_i64().map(i128::from).or_else(|| n.as_u64().map(i128::from));
    match (integer(a), integer(b)) {
        (Some(a), Some(b)) => a == b,
        (Some(i), None) => b.as_f64().is_some_and(|f| float_is_integer(f, i)),
        (None, Some(i)) => a.as_f64().is_some_and(|f| float_is_integer(f, i)),
        (None, None) => a.as_f64() == b.as_f64(),
    }
}

/// Whether `float` is exactly `integer`.
fn float_is_integer(float: f64, integer: i128) -> bool {
    // Every integer of magnitude below 2^64 converts to i128 exactly.
    float.fract() == 0.0 && float.abs() < 18_446_744_073_709_551_616.0 && float as i128 == integer
}

fn contains_at(container: &serde_json::Value, contained: &serde_json::Value) -> bool {
    use serde_json::Value as Json;
    match (container, contained) {
        (Json::Object(have), Json::Object(want)) => {
            want.iter().all(|(key, value)| have.get(key).is_some_and(|own| contains_at(own, value)))
        }
        (Json::Array(have), Json::Array(want)) => {
            want.iter().all(|value| have.iter().any(|own| contains_at(own, value)))
        }
        (Json::Number(a), Json::Number(b)) => numbers_equal(a, b),
        (a, b) => a == b,
    }
}
