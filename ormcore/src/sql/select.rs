//! Compiling selects and compound selects.

use super::SqlWriter;
use super::dialect::unsupported;
use super::expr::{write_expr, write_list};
use crate::error::{Error, Result};
use crate::query::node::{
    CompoundNode, CompoundOp, ExprNode, Join, JoinKind, LockStrength, LockWait, OrderBy, QueryNode, RowLock,
    SelectItem, SelectNode, TableRef,
};

/// A select or compound select, without surrounding parentheses.
pub(crate) fn write_query(w: &mut SqlWriter<'_>, node: &QueryNode) -> Result<()> {
    match node {
        QueryNode::Select(select) => write_select(w, select),
        QueryNode::Compound(compound) => write_compound(w, compound),
    }
}

/// `SELECT ... FROM ... WHERE ... GROUP BY ... HAVING ... ORDER BY ... LIMIT`.
pub(crate) fn write_select(w: &mut SqlWriter<'_>, node: &SelectNode) -> Result<()> {
    write_select_limited(w, node, None)
}

/// A select with at most `at_most` rows (`LIMIT` the smaller of its own
/// and this), written from the node as it is rather than from a copy.
pub(crate) fn write_select_limited(w: &mut SqlWriter<'_>, node: &SelectNode, at_most: Option<u64>) -> Result<()> {
    if node.columns.is_empty() {
        return Err(Error::interface("a SELECT needs at least one column"));
    }
    write_ctes(w, &node.ctes)?;
    w.push(if node.distinct { "SELECT DISTINCT " } else { "SELECT " });
    write_items(w, &node.columns)?;
    match &node.from {
        Some(from) => {
            w.push(" FROM ");
            write_table_ref(w, from)?;
        }
        None if !node.joins.is_empty() => return Err(Error::interface("a join needs a FROM table")),
        None => {}
    }
    for join in &node.joins {
        write_join(w, join)?;
    }
    if let Some(condition) = &node.where_ {
        w.push(" WHERE ");
        write_expr(w, condition)?;
    }
    if !node.group_by.is_empty() {
        w.push(" GROUP BY ");
        write_list(w, &node.group_by)?;
    }
    if let Some(condition) = &node.having {
        w.push(" HAVING ");
        write_expr(w, condition)?;
    }
    write_order_by(w, &node.order_by, false)?;
    let dialect = w.dialect();
    let limit = match (node.limit, at_most) {
        (Some(own), Some(at_most)) => Some(own.min(at_most)),
        (own, at_most) => own.or(at_most),
    };
    check_row_counts(limit, node.offset)?;
    dialect.write_limit_offset(w, limit, node.offset);
    if let Some(lock) = &node.lock {
        dialect.write_row_lock(w, lock)?;
        w.locks_rows();
    }
    Ok(())
}

/// `WITH [RECURSIVE] name [(columns)] AS (query), .. `, before a select.
fn write_ctes(w: &mut SqlWriter<'_>, ctes: &[crate::query::node::CteNode]) -> Result<()> {
    if ctes.is_empty() {
        return Ok(());
    }
    let dialect = w.dialect();
    if let Some(cte) = ctes.iter().find(|cte| matches!(&cte.query, QueryNode::Select(s) if s.columns.is_empty())) {
        return Err(Error::interface(format!(
            "the CTE {:?} has no query: give a recursive one its query with Cte::query",
            cte.name.as_ref()
        )));
    }
    if !dialect.supports_ctes() {
        return Err(unsupported("common table expressions (WITH; MySQL 8.0.1, MariaDB 10.2.2 and later)", dialect));
    }
    w.push(if ctes.iter().any(|cte| cte.recursive) { "WITH RECURSIVE " } else { "WITH " });
    for (i, cte) in ctes.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.push_ident(&cte.name);
        if !cte.columns.is_empty() {
            w.push(" (");
            for (j, column) in cte.columns.iter().enumerate() {
                if j > 0 {
                    w.push(", ");
                }
                w.push_ident(column);
            }
            w.push(")");
        }
        w.push(" AS (");
        write_query(w, &cte.query)?;
        w.push(")");
    }
    w.push(" ");
    Ok(())
}

/// ` FOR UPDATE` / ` FOR SHARE`, then ` NOWAIT` / ` SKIP LOCKED`: standard
/// SQL's row locks, as PostgreSQL and MySQL 8 write them.
pub(crate) fn write_row_lock_common(w: &mut SqlWriter<'_>, lock: &RowLock) {
    w.push(match lock.strength {
        LockStrength::Update => " FOR UPDATE",
        LockStrength::Share => " FOR SHARE",
    });
    write_lock_wait(w, lock.wait);
}

/// ` NOWAIT`, ` SKIP LOCKED`, or nothing.
pub(crate) fn write_lock_wait(w: &mut SqlWriter<'_>, wait: LockWait) {
    match wait {
        LockWait::Wait => {}
        LockWait::NoWait => w.push(" NOWAIT"),
        LockWait::SkipLocked => w.push(" SKIP LOCKED"),
    }
}

/// Projected items: `expr [AS "alias"], ...`. Also the items of `RETURNING`.
pub(crate) fn write_items(w: &mut SqlWriter<'_>, items: &[SelectItem]) -> Result<()> {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        write_expr(w, &item.expr)?;
        if let Some(alias) = &item.alias {
            w.push(" AS ");
            w.push_ident(alias);
        }
    }
    Ok(())
}

/// `"table" [AS "alias"]` or `(subquery) AS "alias"`.
fn write_table_ref(w: &mut SqlWriter<'_>, table: &TableRef) -> Result<()> {
    match table {
        TableRef::Table { name, alias } => {
            w.push_ident(name);
            if let Some(alias) = alias {
                w.push(" AS ");
                w.push_ident(alias);
            }
        }
        TableRef::Subquery { query, alias } => {
            w.push("(");
            write_query(w, query)?;
            w.push(") AS ");
            w.push_ident(alias);
        }
    }
    Ok(())
}

fn write_join(w: &mut SqlWriter<'_>, join: &Join) -> Result<()> {
    w.push(match join.kind {
        JoinKind::Inner => " INNER JOIN ",
        JoinKind::Left => " LEFT OUTER JOIN ",
    });
    write_table_ref(w, &join.table)?;
    w.push(" ON ");
    write_expr(w, &join.on)
}

/// ` ORDER BY a, b DESC`. Over a compound (`output_columns`), terms name
/// the combined output columns, so a column is written without its table.
fn write_order_by(w: &mut SqlWriter<'_>, order_by: &[OrderBy], output_columns: bool) -> Result<()> {
    if order_by.is_empty() {
        return Ok(());
    }
    w.push(" ORDER BY ");
    for (i, term) in order_by.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        match &term.expr {
            ExprNode::Column { name, .. } if output_columns => w.push_ident(name),
            expr => write_expr(w, expr)?,
        }
        if term.desc {
            w.push(" DESC");
        }
    }
    Ok(())
}

/// `left OP right [ORDER BY ..] [LIMIT ..]`, members written by the
/// dialect's [`write_compound_member`](super::Dialect::write_compound_member).
pub(crate) fn write_compound(w: &mut SqlWriter<'_>, node: &CompoundNode) -> Result<()> {
    let dialect = w.dialect();
    if !dialect.supports_compound(node.op) {
        return Err(unsupported(compound_keyword(node.op), dialect));
    }
    // PostgreSQL refuses it, and a lock on one member of a union means
    // little: lock in a subquery instead, the same on every dialect.
    if [&node.left, &node.right].iter().any(|member| matches!(member, QueryNode::Select(s) if s.lock.is_some())) {
        return Err(Error::interface(format!(
            "a row lock cannot apply to a member of {}: lock the rows in a select of its own",
            compound_keyword(node.op)
        )));
    }
    dialect.write_compound_member(w, &node.left, true)?;
    w.push(" ");
    w.push(compound_keyword(node.op));
    w.push(" ");
    dialect.write_compound_member(w, &node.right, false)?;
    write_order_by(w, &node.order_by, true)?;
    check_row_counts(node.limit, node.offset)?;
    dialect.write_limit_offset(w, node.limit, node.offset);
    Ok(())
}

/// The SQL keyword of a compound operator.
pub(crate) fn compound_keyword(op: CompoundOp) -> &'static str {
    match op {
        CompoundOp::Union => "UNION",
        CompoundOp::UnionAll => "UNION ALL",
        CompoundOp::Intersect => "INTERSECT",
        CompoundOp::Except => "EXCEPT",
    }
}

/// `(member)`: the default for compound members, which keeps nested
/// compounds grouped as built and lets members carry their own `ORDER BY`
/// and `LIMIT`.
pub(crate) fn write_member_parenthesized(w: &mut SqlWriter<'_>, member: &QueryNode) -> Result<()> {
    w.push("(");
    write_query(w, member)?;
    w.push(")");
    Ok(())
}

/// `SELECT * FROM (member) AS "_uN"`: a compound member as a derived
/// table, which keeps its meaning where the member itself cannot stand
/// (SQLite's ordered members; a member with CTEs of its own, which
/// MariaDB refuses in parentheses).
pub(crate) fn write_member_derived(w: &mut SqlWriter<'_>, member: &QueryNode) -> Result<()> {
    w.push("SELECT * FROM ");
    write_member_parenthesized(w, member)?;
    w.push(" AS ");
    let alias = w.generate_alias("_u");
    w.push_ident(&alias);
    Ok(())
}

/// Whether `member` is a select with CTEs of its own.
pub(crate) fn has_ctes(member: &QueryNode) -> bool {
    matches!(member, QueryNode::Select(s) if !s.ctes.is_empty())
}

/// Whether a query ends with no `ORDER BY`, `LIMIT` or `OFFSET` of its own.
pub(crate) fn is_unordered(member: &QueryNode) -> bool {
    match member {
        QueryNode::Select(s) => s.order_by.is_empty() && s.limit.is_none() && s.offset.is_none(),
        QueryNode::Compound(c) => c.order_by.is_empty() && c.limit.is_none() && c.offset.is_none(),
    }
}

/// Refuse a limit or offset beyond what every database takes (a signed
/// 64-bit count): the database would refuse it with a less clear error, or
/// (MySQL, SQLite) read it as something else.
fn check_row_counts(limit: Option<u64>, offset: Option<u64>) -> Result<()> {
    for (clause, count) in [("LIMIT", limit), ("OFFSET", offset)] {
        if let Some(count) = count.filter(|&count| i64::try_from(count).is_err()) {
            return Err(Error::interface(format!(
                "{clause} {count} is out of range: at most {} rows (a page past the end of what `paginate` \
                 can address also ends here)",
                i64::MAX
            )));
        }
    }
    Ok(())
}

/// ` LIMIT n`, ` OFFSET m` or both; an offset alone is valid standard SQL.
pub(crate) fn write_limit_offset_common(w: &mut SqlWriter<'_>, limit: Option<u64>, offset: Option<u64>) {
    if let Some(limit) = limit {
        w.push(" LIMIT ");
        w.push_u64(limit);
    }
    if let Some(offset) = offset {
        w.push(" OFFSET ");
        w.push_u64(offset);
    }
}

/// ` LIMIT n [OFFSET m]`, with `no_limit` standing for "all rows" when only
/// an offset is given (for dialects that require a limit before an offset).
pub(crate) fn write_limit_offset_required(
    w: &mut SqlWriter<'_>,
    limit: Option<u64>,
    offset: Option<u64>,
    no_limit: &str,
) {
    match (limit, offset) {
        (None, Some(_)) => {
            w.push(" LIMIT ");
            w.push(no_limit);
            write_limit_offset_common(w, None, offset);
        }
        _ => write_limit_offset_common(w, limit, offset),
    }
}
