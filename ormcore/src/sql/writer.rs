//! [`SqlWriter`]: the one output of a compilation, SQL text and the values
//! bound to its placeholders, written side by side so that they cannot drift
//! apart.

use std::fmt::Write as _;

use super::check::{self, Bound};
use super::{Dialect, Statement, expr, select};
use crate::error::{Error, Result};
use crate::query::node::{ExprNode, Ident, QueryNode};
use crate::schema::ColumnType;
use crate::schema::TableMeta;
use crate::value::Value;

/// SQL text and its parameters as a statement is compiled for one dialect.
///
/// The compiler creates one per statement and hands it to the
/// [`Dialect`] hooks, which write their part through its methods: text with
/// [`push`](SqlWriter::push), identifiers with
/// [`push_ident`](SqlWriter::push_ident) (always quoted), values with
/// [`push_param`](SqlWriter::push_param) (always bound, never inlined, and
/// checked: see [`Dialect::value_limit`]), and
/// sub-expressions or subqueries with [`push_expr`](SqlWriter::push_expr) and
/// [`push_query`](SqlWriter::push_query). Placeholders are numbered in the
/// order they are written, across the whole statement.
pub struct SqlWriter<'a> {
    sql: String,
    params: Vec<Value>,
    dialect: &'a dyn Dialect,
    /// Set while writing an upsert's update list, the only place where
    /// [`ExprNode::Excluded`] means something.
    in_upsert: bool,
    /// Columns qualified by this table are written unqualified (the target
    /// table inside `RETURNING`).
    strip_table: Option<Ident>,
    /// Counter for the aliases the compiler generates (`_u1`, `_u2`, ...).
    generated_aliases: usize,
    session_free: bool,
    /// A row lock was written: the statement is no plain read.
    locks_rows: bool,
    /// The table the insert or update being written stores into.
    written: Option<Written>,
    /// How deeply the expression being written nests, against
    /// [`MAX_NESTING`].
    depth: usize,
}

/// How deeply expressions and subqueries may nest: deeper input is refused
/// before the recursive walk could overflow the stack (a chain of `AND`
/// or `OR`, however long, is written flat and counts once).
pub const MAX_NESTING: usize = 128;

/// The table of an insert or update and the columns an insert lists, with
/// their declared types where the statement was built for a model: what a
/// value bound for one of them is checked against.
#[derive(Debug, Default)]
pub(crate) struct Written {
    table: Ident,
    meta: Option<&'static TableMeta>,
    columns: Vec<(Ident, Option<ColumnType>)>,
}

impl Written {
    /// An update of `table`, or an insert into it listing `columns`.
    pub(crate) fn new(table: &Ident, meta: Option<&'static TableMeta>, columns: &[Ident]) -> Self {
        let declared = |name: &str| meta.and_then(|m| m.column_named(name)).map(|c| c.ty);
        Written {
            table: table.clone(),
            meta,
            columns: columns.iter().map(|name| (name.clone(), declared(name))).collect(),
        }
    }

    /// The use of the value at `position` in a row of the insert.
    pub(crate) fn listed(&self, position: usize) -> Bound<'_> {
        match self.columns.get(position) {
            Some((name, ty)) => Bound::stored(&self.table, name, *ty),
            None => Bound::OTHER,
        }
    }

    /// The use of a value assigned to `column`.
    pub(crate) fn assigned<'n>(&'n self, column: &'n str) -> Bound<'n> {
        let ty = self.meta.and_then(|m| m.column_named(column)).map(|c| c.ty);
        Bound::stored(&self.table, column, ty)
    }
}

impl std::fmt::Debug for SqlWriter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlWriter")
            .field("dialect", &self.dialect.name())
            .field("sql", &self.sql)
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl<'a> SqlWriter<'a> {
    /// An empty writer for `dialect`.
    pub fn new(dialect: &'a dyn Dialect) -> Self {
        SqlWriter {
            sql: String::with_capacity(256),
            params: Vec::new(),
            dialect,
            in_upsert: false,
            strip_table: None,
            generated_aliases: 0,
            session_free: true,
            locks_rows: false,
            written: None,
            depth: 0,
        }
    }

    /// The dialect being written.
    pub fn dialect(&self) -> &'a dyn Dialect {
        self.dialect
    }

    /// The SQL written so far.
    pub fn sql(&self) -> &str {
        &self.sql
    }

    /// Append SQL text verbatim. Only for keywords and punctuation: names go
    /// through [`push_ident`](Self::push_ident), values through
    /// [`push_param`](Self::push_param).
    pub fn push(&mut self, text: &str) {
        self.sql.push_str(text);
    }

    /// Append an unsigned integer literal (limits, offsets).
    pub fn push_u64(&mut self, n: u64) {
        // Writing into a String cannot fail.
        let _ = write!(self.sql, "{n}");
    }

    /// Append an identifier, quoted for the dialect.
    pub fn push_ident(&mut self, ident: &str) {
        quote_ident(&mut self.sql, self.dialect.identifier_quote(), ident);
    }

    /// Bind a value of the query builder: writes the next placeholder (typed
    /// where the dialect types them) and records the value. A value the
    /// database would not keep exactly ([`Dialect::value_limit`]) is an
    /// [`Error::Interface`].
    pub fn push_param(&mut self, value: Value) -> Result<()> {
        self.push_bound(value, Bound::OTHER)
    }

    /// [`push_param`](Self::push_param) for a value whose use the compiler
    /// knows.
    pub(crate) fn push_bound(&mut self, value: Value, bound: Bound<'_>) -> Result<()> {
        check::check(self.dialect, &value, bound)?;
        self.dialect.write_typed_placeholder(&mut self.sql, self.params.len() + 1, &value);
        self.params.push(value);
        Ok(())
    }

    /// Bind a parameter of raw SQL: an untyped placeholder, as its author
    /// wrote it. Checked like [`push_param`](Self::push_param).
    pub fn push_raw_param(&mut self, value: Value) -> Result<()> {
        check::check(self.dialect, &value, Bound::OTHER)?;
        self.params.push(value);
        self.dialect.write_placeholder(&mut self.sql, self.params.len());
        Ok(())
    }

    /// Bind a parameter to a placeholder that raw SQL wrote in the
    /// database's native style: checked, with no placeholder written.
    pub(crate) fn push_native_param(&mut self, value: Value) -> Result<()> {
        check::check(self.dialect, &value, Bound::OTHER)?;
        self.params.push(value);
        Ok(())
    }

    /// Write an expression.
    pub fn push_expr(&mut self, node: &ExprNode) -> Result<()> {
        expr::write_expr(self, node)
    }

    /// Run `write` one level deeper; refused past [`MAX_NESTING`].
    pub(crate) fn nested(&mut self, write: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        if self.depth >= MAX_NESTING {
            return Err(crate::Error::interface(format!(
                "an expression or subquery nested more than {MAX_NESTING} levels deep"
            )));
        }
        self.depth += 1;
        let written = write(self);
        self.depth -= 1;
        written
    }

    /// Write an expression as the operand of an operator: parenthesized when
    /// it is itself built from operators, so precedence never changes its
    /// meaning.
    pub fn push_operand(&mut self, node: &ExprNode) -> Result<()> {
        expr::write_operand(self, node)
    }

    /// Write a select or compound select, without surrounding parentheses.
    pub fn push_query(&mut self, node: &QueryNode) -> Result<()> {
        select::write_query(self, node)
    }

    /// Write an upsert's `column = value` list. [`ExprNode::Excluded`] is
    /// only accepted inside it.
    pub fn push_upsert_assignments(&mut self, set: &[(Ident, ExprNode)]) -> Result<()> {
        let outer = std::mem::replace(&mut self.in_upsert, true);
        let result = super::dml::write_assignments(self, set);
        self.in_upsert = outer;
        result
    }

    /// A fresh alias for a derived table the compiler introduces: `_u1`,
    /// `_u2`, ... (with `prefix` `"_u"`).
    pub fn generate_alias(&mut self, prefix: &str) -> String {
        self.generated_aliases += 1;
        format!("{prefix}{}", self.generated_aliases)
    }

    /// Set the table the insert or update being written stores into.
    pub(crate) fn set_written(&mut self, written: Written) {
        self.written = Some(written);
    }

    /// Take the table being written (to look columns up while writing),
    /// to be put back with [`set_written`](Self::set_written).
    pub(crate) fn take_written(&mut self) -> Option<Written> {
        self.written.take()
    }

    pub(crate) fn in_upsert(&self) -> bool {
        self.in_upsert
    }

    /// Run `f` with columns of `table` written unqualified.
    pub(crate) fn with_table_stripped(&mut self, table: &Ident, f: impl FnOnce(&mut Self) -> Result<()>) -> Result<()> {
        let outer = self.strip_table.replace(table.clone());
        let result = f(self);
        self.strip_table = outer;
        result
    }

    /// Whether a column qualified by `table` is written unqualified here.
    pub(crate) fn strips(&self, table: &str) -> bool {
        self.strip_table.as_deref() == Some(table)
    }

    /// Record that the statement may act on session state (raw SQL, a
    /// function ormcore does not know), so it must not run on a connection
    /// shared with other tasks.
    pub fn depends_on_session(&mut self) {
        self.session_free = false;
    }

    /// Record that the statement locks the rows it reads (`FOR UPDATE`):
    /// it needs a connection that may write, never a read-only one shared
    /// with other tasks.
    pub(crate) fn locks_rows(&mut self) {
        self.locks_rows = true;
    }

    /// The number of parameters bound so far.
    pub fn param_count(&self) -> usize {
        self.params.len()
    }

    /// The finished statement; an [`Error::Interface`] when it binds more
    /// parameters than the dialect allows, rather than a driver error later.
    pub fn finish(self) -> Result<Statement> {
        self.finish_as(false)
    }

    /// [`finish`](Self::finish), marked read-only when `read` and no row
    /// lock was written.
    pub(crate) fn finish_as(self, read: bool) -> Result<Statement> {
        let max = self.dialect.max_params();
        if self.params.len() > max {
            return Err(Error::interface(format!(
                "statement binds {} parameters but {} allows at most {max}; split it into smaller batches",
                self.params.len(),
                self.dialect.name(),
            )));
        }
        Ok(Statement {
            sql: self.sql.into(),
            params: self.params,
            session_free: self.session_free,
            read_only: read && !self.locks_rows,
            controls_transaction: false,
        })
    }
}

/// Append `ident` to `out` between `quote` characters, doubling any
/// embedded quote character: the standard escape in every dialect, so no
/// name can end the quoted identifier early.
pub(crate) fn quote_ident(out: &mut String, quote: char, ident: &str) {
    out.reserve(ident.len() + 2);
    out.push(quote);
    if ident.contains(quote) {
        for c in ident.chars() {
            if c == quote {
                out.push(quote);
            }
            out.push(c);
        }
    } else {
        out.push_str(ident);
    }
    out.push(quote);
}
