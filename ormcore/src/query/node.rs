//! The query AST: plain data, no dialect in it.
//!
//! The typed builders ([`Select`](super::Select), [`Expr`](super::Expr), ...)
//! produce these nodes; the compiler in [`crate::sql`] walks them once per
//! dialect. Every value sits in a [`ExprNode::Value`] and becomes a bound
//! parameter; every name is an identifier the dialect quotes.

use std::borrow::Cow;

use crate::schema::TableMeta;
use crate::value::Value;

/// A SQL identifier (table, column, alias): always quoted when compiled.
pub type Ident = Cow<'static, str>;

/// An expression.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ExprNode {
    /// A column, optionally qualified by a table name or alias.
    Column {
        /// The table or alias qualifying the column.
        table: Option<Ident>,
        /// The column.
        name: Ident,
    },
    /// A value, bound as a parameter.
    Value(Value),
    /// `*`, or `table.*`.
    Star(Option<Ident>),
    /// A prefix operator.
    Unary {
        /// The operator.
        op: UnaryOp,
        /// Its operand.
        expr: Box<ExprNode>,
    },
    /// An infix operator.
    Binary {
        /// Left operand.
        left: Box<ExprNode>,
        /// The operator.
        op: BinaryOp,
        /// Right operand.
        right: Box<ExprNode>,
    },
    /// `expr IS [NOT] NULL`.
    IsNull {
        /// The tested expression.
        expr: Box<ExprNode>,
        /// `IS NOT NULL` when true.
        negated: bool,
    },
    /// `expr [NOT] IN (a, b, ...)`. An empty list compiles to a constant
    /// false (or true when negated), since `IN ()` is not valid everywhere.
    InList {
        /// The tested expression.
        expr: Box<ExprNode>,
        /// The candidates.
        list: Vec<ExprNode>,
        /// `NOT IN` when true.
        negated: bool,
    },
    /// `expr [NOT] IN (subquery)`.
    InSubquery {
        /// The tested expression.
        expr: Box<ExprNode>,
        /// A query returning one column.
        query: Box<QueryNode>,
        /// `NOT IN` when true.
        negated: bool,
    },
    /// `[NOT] EXISTS (subquery)`.
    Exists {
        /// The subquery.
        query: Box<QueryNode>,
        /// `NOT EXISTS` when true.
        negated: bool,
    },
    /// `expr [NOT] BETWEEN low AND high`.
    Between {
        /// The tested expression.
        expr: Box<ExprNode>,
        /// Lower bound, inclusive.
        low: Box<ExprNode>,
        /// Upper bound, inclusive.
        high: Box<ExprNode>,
        /// `NOT BETWEEN` when true.
        negated: bool,
    },
    /// `expr [NOT] LIKE pattern [ESCAPE '!']`, case-insensitive when asked.
    ///
    /// Case-insensitive matching is `ILIKE` on PostgreSQL and `LIKE` on SQLite
    /// and MySQL, whose `LIKE` is already case-insensitive (for ASCII on
    /// SQLite, under the default collations on MySQL). Case-sensitive `LIKE`
    /// is `LIKE BINARY` on MySQL and plain `LIKE` elsewhere, which SQLite
    /// still matches case-insensitively for ASCII.
    Like {
        /// The tested expression.
        expr: Box<ExprNode>,
        /// The pattern (`%` and `_` wildcards).
        pattern: Box<ExprNode>,
        /// ILIKE semantics when true.
        case_insensitive: bool,
        /// `NOT LIKE` when true.
        negated: bool,
        /// Whether the pattern escapes wildcards with `!` (the helpers
        /// `contains`, `startswith` and `endswith` do).
        escaped: bool,
    },
    /// A function call: `name([DISTINCT] args...)`. The name is checked to be
    /// a plain identifier (letters, digits, `_`, `.`) when compiled, and
    /// written unquoted so that built-ins resolve on every backend.
    Function {
        /// The function name.
        name: Ident,
        /// Its arguments.
        args: Vec<ExprNode>,
        /// `DISTINCT` before the arguments (for aggregates).
        distinct: bool,
    },
    /// `function OVER (PARTITION BY .. ORDER BY ..)`: an aggregate or a
    /// window function over a window of rows.
    Over {
        /// The function call (an [`ExprNode::Function`]).
        function: Box<ExprNode>,
        /// `PARTITION BY` terms; empty for one window of every row.
        partition_by: Vec<ExprNode>,
        /// `ORDER BY` within each partition.
        order_by: Vec<OrderBy>,
    },
    /// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`.
    Case {
        /// The operand compared with each `WHEN`, if any.
        operand: Option<Box<ExprNode>>,
        /// `(when, then)` pairs.
        whens: Vec<(ExprNode, ExprNode)>,
        /// The `ELSE` branch.
        else_: Option<Box<ExprNode>>,
    },
    /// `CAST(expr AS type)`.
    Cast {
        /// The converted expression.
        expr: Box<ExprNode>,
        /// The target type.
        to: CastType,
    },
    /// A subquery used as a scalar value.
    Subquery(Box<QueryNode>),
    /// The value proposed for insertion, inside an upsert's update list:
    /// `excluded.col` (SQLite, PostgreSQL) or `VALUES(col)` (MySQL).
    Excluded(Ident),
    /// An operation on a JSON document: extraction, tests and edits.
    Json(Box<JsonNode>),
    /// A raw SQL fragment with `?` placeholders for `params`, in order.
    /// The compiler renumbers the placeholders for the dialect; `??` writes a
    /// literal `?`. The text is trusted: never build it from user input.
    Raw {
        /// SQL text.
        sql: Cow<'static, str>,
        /// Parameters for its `?` placeholders.
        params: Vec<Value>,
    },
}

impl ExprNode {
    /// `existing AND condition`, or `condition` alone: how repeated `where_`
    /// calls combine.
    pub fn and_all(existing: Option<ExprNode>, condition: ExprNode) -> ExprNode {
        match existing {
            None => condition,
            Some(left) => ExprNode::Binary { left: Box::new(left), op: BinaryOp::And, right: Box::new(condition) },
        }
    }
}

/// A prefix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum UnaryOp {
    /// `NOT`.
    Not,
    /// `-`.
    Neg,
}

/// An infix operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum BinaryOp {
    /// `=`.
    Eq,
    /// `<>`.
    Ne,
    /// `<`.
    Lt,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `>=`.
    Ge,
    /// `AND`.
    And,
    /// `OR`.
    Or,
    /// `+`.
    Add,
    /// `-`.
    Sub,
    /// `*`.
    Mul,
    /// `/`.
    Div,
    /// `%` (`MOD` semantics).
    Mod,
    /// Text concatenation: `||`, or `CONCAT(a, b)` on MySQL.
    Concat,
}

/// A target type of `CAST`; each dialect names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CastType {
    /// A 64-bit integer.
    Integer,
    /// A double-precision float.
    Float,
    /// Text.
    Text,
    /// Binary data.
    Bytes,
    /// A decimal with this precision and scale.
    Decimal(u8, u8),
    /// A date.
    Date,
    /// A timestamp.
    DateTime,
}

/// One step of a path into a JSON document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonStep {
    /// An object's member by key.
    Key(String),
    /// An array's element by position, from 0.
    Index(usize),
}

/// What a value extracted from a JSON document is read as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JsonRead {
    /// A string's contents unquoted; another value's JSON text.
    Text,
    /// A 64-bit integer.
    Integer,
    /// A double-precision float.
    Float,
    /// `true` or `false`; NULL for any other value.
    Bool,
    /// The value as a JSON document of its own.
    Json,
}

/// An operation on a JSON document (`doc`), compiled by each dialect.
///
/// An edit whose path leads nowhere (a missing parent, an array where a
/// key is expected) leaves the document as it was, on every backend.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum JsonNode {
    /// The value at `path`, read as `read`; NULL when there is none.
    Extract {
        /// The document.
        doc: ExprNode,
        /// Where the value is.
        path: Vec<JsonStep>,
        /// How it is read.
        read: JsonRead,
    },
    /// Whether `path` leads to a value (JSON `null` included).
    HasPath {
        /// The document.
        doc: ExprNode,
        /// The path tested.
        path: Vec<JsonStep>,
    },
    /// Whether `container` contains `contained`, as PostgreSQL's `@>`
    /// defines it.
    Contains {
        /// The containing document.
        container: ExprNode,
        /// The contained document.
        contained: ExprNode,
    },
    /// The document with `value` at `path`, replaced or added as the last
    /// step.
    Set {
        /// The document.
        doc: ExprNode,
        /// Where the value goes; never empty.
        path: Vec<JsonStep>,
        /// A JSON value.
        value: ExprNode,
    },
    /// The document with `value` appended to the array at `path`.
    Append {
        /// The document.
        doc: ExprNode,
        /// Where the array is.
        path: Vec<JsonStep>,
        /// A JSON value.
        value: ExprNode,
    },
    /// The document without the value at `path`.
    Remove {
        /// The document.
        doc: ExprNode,
        /// The value removed; never empty.
        path: Vec<JsonStep>,
    },
    /// The object with each member of `members` set: a shallow merge.
    Merge {
        /// The document.
        doc: ExprNode,
        /// Keys and their JSON values.
        members: Vec<(String, ExprNode)>,
    },
}

/// A query that produces rows: a select or a compound of selects.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum QueryNode {
    /// A plain `SELECT`.
    Select(Box<SelectNode>),
    /// `a UNION b` and friends.
    Compound(Box<CompoundNode>),
}

/// A `SELECT`.
#[derive(Debug, Clone, Default, PartialEq)]
#[non_exhaustive]
pub struct SelectNode {
    /// `SELECT DISTINCT`.
    pub distinct: bool,
    /// The projection. Never empty once built by [`Select`](super::Select).
    pub columns: Vec<SelectItem>,
    /// The `FROM` source.
    pub from: Option<TableRef>,
    /// Joins, in order.
    pub joins: Vec<Join>,
    /// `WHERE`.
    pub where_: Option<ExprNode>,
    /// `GROUP BY`.
    pub group_by: Vec<ExprNode>,
    /// `HAVING`.
    pub having: Option<ExprNode>,
    /// `ORDER BY`.
    pub order_by: Vec<OrderBy>,
    /// `LIMIT`.
    pub limit: Option<u64>,
    /// `OFFSET`.
    pub offset: Option<u64>,
    /// `FOR UPDATE` / `FOR SHARE`: the rows returned stay locked until the
    /// transaction ends.
    pub lock: Option<RowLock>,
    /// `WITH [RECURSIVE] name AS (..), ..`: common table expressions the
    /// select (and its subqueries) may read as tables.
    pub ctes: Vec<CteNode>,
}

/// One common table expression: `name [(columns)] AS (query)`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CteNode {
    /// The name the query reads it by.
    pub name: Ident,
    /// Its column names; empty for the query's own.
    pub columns: Vec<Ident>,
    /// Its rows.
    pub query: QueryNode,
    /// Whether the query reads the CTE itself (`WITH RECURSIVE`).
    pub recursive: bool,
}

/// A lock on the rows a select returns, held until the transaction ends:
/// `FOR UPDATE` (no other transaction may lock, change or delete them) or
/// `FOR SHARE` (others may share the lock, not change the rows), waiting
/// for rows another transaction holds, failing at once (`NOWAIT`), or
/// passing over them (`SKIP LOCKED`, the job-queue read).
///
/// ```
/// use ormcore::query::{LockStrength, LockWait, RowLock};
///
/// let lock = RowLock::update().skip_locked();
/// assert_eq!((lock.strength, lock.wait), (LockStrength::Update, LockWait::SkipLocked));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct RowLock {
    /// Exclusive or shared.
    pub strength: LockStrength,
    /// What happens at a row another transaction has locked.
    pub wait: LockWait,
}

impl RowLock {
    /// `FOR UPDATE`, waiting for locked rows.
    pub fn update() -> Self {
        RowLock { strength: LockStrength::Update, wait: LockWait::Wait }
    }

    /// `FOR SHARE` (MySQL before 8.0 and MariaDB: `LOCK IN SHARE MODE`),
    /// waiting for locked rows.
    pub fn share() -> Self {
        RowLock { strength: LockStrength::Share, wait: LockWait::Wait }
    }

    /// Fail at once at a row another transaction has locked
    /// ([`Error::Conflict`](crate::Error::Conflict) of kind
    /// [`LockTimeout`](crate::ConflictKind::LockTimeout)) instead of
    /// waiting for it.
    pub fn nowait(self) -> Self {
        RowLock { wait: LockWait::NoWait, ..self }
    }

    /// Leave out the rows another transaction has locked.
    pub fn skip_locked(self) -> Self {
        RowLock { wait: LockWait::SkipLocked, ..self }
    }
}

/// How strong a [`RowLock`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockStrength {
    /// `FOR UPDATE`: exclusive.
    Update,
    /// `FOR SHARE`: shared with other share locks.
    Share,
}

/// What a [`RowLock`] does at a row another transaction has locked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum LockWait {
    /// Wait for it (the databases' lock timeouts apply).
    Wait,
    /// `NOWAIT`: fail at once.
    NoWait,
    /// `SKIP LOCKED`: leave it out.
    SkipLocked,
}

/// One projected expression, with an optional alias.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct SelectItem {
    /// The expression.
    pub expr: ExprNode,
    /// `AS alias`.
    pub alias: Option<Ident>,
}

/// A source in `FROM` or a join.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum TableRef {
    /// A table, optionally aliased.
    Table {
        /// The table name.
        name: Ident,
        /// `AS alias`.
        alias: Option<Ident>,
    },
    /// A subquery; SQL requires the alias.
    Subquery {
        /// The subquery.
        query: Box<QueryNode>,
        /// `AS alias`.
        alias: Ident,
    },
}

/// A join clause.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Join {
    /// INNER or LEFT.
    pub kind: JoinKind,
    /// The joined source.
    pub table: TableRef,
    /// `ON` condition.
    pub on: ExprNode,
}

/// The kind of a join.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum JoinKind {
    /// `INNER JOIN`.
    Inner,
    /// `LEFT OUTER JOIN`.
    Left,
}

/// One `ORDER BY` term.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OrderBy {
    /// The sort key.
    pub expr: ExprNode,
    /// Descending when true.
    pub desc: bool,
}

/// A compound select: `left op right`, with ordering and limits applying to
/// the whole.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct CompoundNode {
    /// The operator.
    pub op: CompoundOp,
    /// Left side.
    pub left: QueryNode,
    /// Right side.
    pub right: QueryNode,
    /// `ORDER BY` over the combined rows (by output column).
    pub order_by: Vec<OrderBy>,
    /// `LIMIT` over the combined rows.
    pub limit: Option<u64>,
    /// `OFFSET` over the combined rows.
    pub offset: Option<u64>,
}

/// A compound operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CompoundOp {
    /// `UNION`.
    Union,
    /// `UNION ALL`.
    UnionAll,
    /// `INTERSECT`.
    Intersect,
    /// `EXCEPT`.
    Except,
}

/// An `INSERT`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct InsertNode {
    /// Target table.
    pub table: Ident,
    /// The model the insert was built for, if any: each value is checked
    /// against its column's declared type (a decimal's precision and
    /// scale) when compiled.
    pub meta: Option<&'static TableMeta>,
    /// Target columns; empty with [`InsertSource::DefaultValues`].
    pub columns: Vec<Ident>,
    /// Where the rows come from.
    pub source: InsertSource,
    /// Conflict handling.
    pub on_conflict: Option<OnConflict>,
    /// `RETURNING` items; empty for none.
    pub returning: Vec<SelectItem>,
}

/// The rows of an insert.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum InsertSource {
    /// `VALUES (..), (..)`: one inner vector per row, in column order.
    Values(Vec<Vec<ExprNode>>),
    /// `INSERT .. SELECT`.
    Select(Box<QueryNode>),
    /// One row of defaults only.
    DefaultValues,
}

/// `ON CONFLICT` (`INSERT IGNORE` / `ON DUPLICATE KEY UPDATE` on MySQL).
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct OnConflict {
    /// The conflict target columns. SQLite and PostgreSQL require them for
    /// `DO UPDATE`; MySQL ignores them (any unique key conflicts).
    pub target: Vec<Ident>,
    /// What to do.
    pub action: ConflictAction,
}

/// What an upsert does on conflict.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ConflictAction {
    /// Skip the row.
    DoNothing,
    /// Update these columns; use [`ExprNode::Excluded`] for proposed values.
    DoUpdate(Vec<(Ident, ExprNode)>),
}

/// An `UPDATE`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct UpdateNode {
    /// Target table.
    pub table: Ident,
    /// The model the update was built for, if any, as in
    /// [`InsertNode::meta`].
    pub meta: Option<&'static TableMeta>,
    /// `SET column = expr` pairs.
    pub set: Vec<(Ident, ExprNode)>,
    /// `WHERE`.
    pub where_: Option<ExprNode>,
    /// `RETURNING` items; empty for none.
    pub returning: Vec<SelectItem>,
}

/// A `DELETE`.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DeleteNode {
    /// Target table.
    pub table: Ident,
    /// `WHERE`.
    pub where_: Option<ExprNode>,
    /// `RETURNING` items; empty for none.
    pub returning: Vec<SelectItem>,
}

/// Any statement the compiler accepts.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum StatementNode {
    /// A select or compound select.
    Query(QueryNode),
    /// An insert.
    Insert(InsertNode),
    /// An update.
    Update(UpdateNode),
    /// A delete.
    Delete(DeleteNode),
    /// Raw SQL with `?` placeholders.
    Raw {
        /// SQL text.
        sql: Cow<'static, str>,
        /// Its parameters.
        params: Vec<Value>,
    },
}

impl SelectItem {
    /// `expr [AS alias]`.
    pub fn new(expr: ExprNode, alias: Option<Ident>) -> Self {
        SelectItem { expr, alias }
    }
}

impl Join {
    /// `kind JOIN table ON on`.
    pub fn new(kind: JoinKind, table: TableRef, on: ExprNode) -> Self {
        Join { kind, table, on }
    }
}

impl OrderBy {
    /// `expr [DESC]`.
    pub fn new(expr: ExprNode, desc: bool) -> Self {
        OrderBy { expr, desc }
    }
}

impl CompoundNode {
    /// `left op right`, unordered and unlimited.
    pub fn new(op: CompoundOp, left: QueryNode, right: QueryNode) -> Self {
        CompoundNode { op, left, right, order_by: Vec::new(), limit: None, offset: None }
    }
}

impl InsertNode {
    /// `INSERT INTO table DEFAULT VALUES`, with no model: set the columns
    /// and the source to insert rows.
    pub fn new(table: impl Into<Ident>) -> Self {
        InsertNode {
            table: table.into(),
            meta: None,
            columns: Vec::new(),
            source: InsertSource::DefaultValues,
            on_conflict: None,
            returning: Vec::new(),
        }
    }
}

impl OnConflict {
    /// On a conflict over `target`, do `action`.
    pub fn new(target: Vec<Ident>, action: ConflictAction) -> Self {
        OnConflict { target, action }
    }
}

impl UpdateNode {
    /// `UPDATE table` of every row, with no model and nothing set yet.
    pub fn new(table: impl Into<Ident>) -> Self {
        UpdateNode { table: table.into(), meta: None, set: Vec::new(), where_: None, returning: Vec::new() }
    }
}

impl DeleteNode {
    /// `DELETE FROM table` of every row.
    pub fn new(table: impl Into<Ident>) -> Self {
        DeleteNode { table: table.into(), where_: None, returning: Vec::new() }
    }
}
