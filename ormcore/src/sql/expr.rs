//! Expressions: the walk over [`ExprNode`].
//!
//! Parenthesization rule: an operand that is itself built from operators is
//! wrapped in parentheses, so that no precedence table (which differs
//! between databases, for `NOT`, `||` and `LIKE` especially) can change what
//! it means. The one exception is a chain of `AND` (or of `OR`), written flat
//! because both are associative: `(a = ?) AND (b = ?) AND (c = ?)`.

use super::SqlWriter;
use super::check::Bound;
use super::raw::{RawUse, write_raw};
use crate::error::{Error, Result};
use crate::query::node::{BinaryOp, ExprNode, UnaryOp};

/// Write `node` where no operator binds to it (a select item, a `WHERE`
/// condition, a function argument).
pub(crate) fn write_expr(w: &mut SqlWriter<'_>, node: &ExprNode) -> Result<()> {
    w.nested(|w| write_node(w, node))
}

fn write_node(w: &mut SqlWriter<'_>, node: &ExprNode) -> Result<()> {
    match node {
        ExprNode::Column { table, name } => {
            if let Some(table) = table.as_deref().filter(|t| !w.strips(t)) {
                w.push_ident(table);
                w.push(".");
            }
            w.push_ident(name);
            Ok(())
        }
        ExprNode::Value(value) => w.push_param(value.clone()),
        ExprNode::Star(table) => {
            if let Some(table) = table.as_deref().filter(|t| !w.strips(t)) {
                w.push_ident(table);
                w.push(".");
            }
            w.push("*");
            Ok(())
        }
        ExprNode::Unary { op, expr } => {
            w.push(match op {
                UnaryOp::Not => "NOT ",
                UnaryOp::Neg => "-",
            });
            write_operand(w, expr)
        }
        ExprNode::Binary { left, op, right } => write_binary(w, node, left, *op, right),
        ExprNode::IsNull { expr, negated } => {
            write_operand(w, expr)?;
            w.push(if *negated { " IS NOT NULL" } else { " IS NULL" });
            Ok(())
        }
        ExprNode::InList { expr, list, negated } => {
            if list.is_empty() {
                // `IN ()` is a syntax error on most backends; an empty list
                // matches nothing (and `NOT IN ()` everything).
                w.push(if *negated { "(1 = 1)" } else { "(1 = 0)" });
                return Ok(());
            }
            write_operand(w, expr)?;
            w.push(if *negated { " NOT IN (" } else { " IN (" });
            let bound = compared_with(expr);
            for (i, item) in list.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                write_bound(w, item, bound)?;
            }
            w.push(")");
            Ok(())
        }
        ExprNode::InSubquery { expr, query, negated } => {
            write_operand(w, expr)?;
            w.push(if *negated { " NOT IN (" } else { " IN (" });
            w.push_query(query)?;
            w.push(")");
            Ok(())
        }
        ExprNode::Exists { query, negated } => {
            w.push(if *negated { "NOT EXISTS (" } else { "EXISTS (" });
            w.push_query(query)?;
            w.push(")");
            Ok(())
        }
        ExprNode::Between { expr, low, high, negated } => {
            write_operand(w, expr)?;
            w.push(if *negated { " NOT BETWEEN " } else { " BETWEEN " });
            let bound = compared_with(expr);
            write_bound_operand(w, low, bound)?;
            w.push(" AND ");
            write_bound_operand(w, high, bound)
        }
        ExprNode::Like { expr, pattern, case_insensitive, negated, escaped } => {
            write_operand(w, expr)?;
            w.push(" ");
            if *negated {
                w.push("NOT ");
            }
            w.push(w.dialect().like_operator(*case_insensitive));
            w.push(" ");
            write_operand(w, pattern)?;
            if *escaped {
                // The escape character of `TextOps::contains` and friends.
                w.push(" ESCAPE '!'");
            }
            Ok(())
        }
        ExprNode::Function { name, args, distinct } => {
            check_function_name(name)?;
            if !is_session_free_function(name) {
                w.depends_on_session();
            }
            let dialect = w.dialect();
            w.push(dialect.function_name(name));
            w.push("(");
            if *distinct {
                w.push("DISTINCT ");
            }
            write_list(w, args)?;
            w.push(")");
            Ok(())
        }
        ExprNode::Over { function, partition_by, order_by } => write_over(w, function, partition_by, order_by),
        ExprNode::Case { operand, whens, else_ } => {
            write_case(w, operand.as_deref(), whens, else_.as_deref(), Bound::OTHER)
        }
        ExprNode::Cast { expr, to } => {
            w.push("CAST(");
            write_expr(w, expr)?;
            w.push(" AS ");
            let name = w.dialect().cast_type(*to);
            w.push(&name);
            w.push(")");
            Ok(())
        }
        ExprNode::Subquery(query) => {
            w.push("(");
            w.push_query(query)?;
            w.push(")");
            Ok(())
        }
        ExprNode::Excluded(column) => {
            if !w.in_upsert() {
                return Err(Error::interface(format!(
                    "excluded({column:?}) is only meaningful in the update list of an upsert (on_conflict(..).do_update)"
                )));
            }
            let dialect = w.dialect();
            dialect.write_excluded(w, column);
            Ok(())
        }
        ExprNode::Json(json) => {
            let dialect = w.dialect();
            dialect.write_json(w, json)
        }
        ExprNode::Raw { sql, params } => {
            w.depends_on_session();
            write_raw(w, sql, params, RawUse::Fragment)
        }
    }
}

/// Write `node`, the whole of a value that is stored into or compared with
/// a column as `bound` says: a value is checked for that use, and so are
/// the results of a `CASE` (`abulk_update` stores `CASE .. THEN value`).
pub(crate) fn write_bound(w: &mut SqlWriter<'_>, node: &ExprNode, bound: Bound<'_>) -> Result<()> {
    match node {
        ExprNode::Value(value) => w.push_bound(value.clone(), bound),
        ExprNode::Case { operand, whens, else_ } => write_case(w, operand.as_deref(), whens, else_.as_deref(), bound),
        _ => write_expr(w, node),
    }
}

/// [`write_bound`] for the operand of an operator.
fn write_bound_operand(w: &mut SqlWriter<'_>, node: &ExprNode, bound: Bound<'_>) -> Result<()> {
    if is_compound(node) { write_operand(w, node) } else { write_bound(w, node, bound) }
}

/// How a value compared with `other` is bound: compared with a column when
/// `other` is one.
fn compared_with(other: &ExprNode) -> Bound<'_> {
    match other {
        ExprNode::Column { table, name } => Bound::compared(table.as_deref(), name),
        _ => Bound::OTHER,
    }
}

/// `CASE [operand] WHEN .. THEN .. [ELSE ..] END`, its results bound as
/// `bound` says and its `WHEN` values compared with the operand.
fn write_case(
    w: &mut SqlWriter<'_>,
    operand: Option<&ExprNode>,
    whens: &[(ExprNode, ExprNode)],
    else_: Option<&ExprNode>,
    bound: Bound<'_>,
) -> Result<()> {
    if whens.is_empty() {
        return Err(Error::interface("CASE needs at least one WHEN branch"));
    }
    w.push("CASE");
    if let Some(operand) = operand {
        w.push(" ");
        write_expr(w, operand)?;
    }
    let when_bound = operand.map_or(Bound::OTHER, compared_with);
    for (when, then) in whens {
        w.push(" WHEN ");
        write_bound(w, when, when_bound)?;
        w.push(" THEN ");
        write_bound(w, then, bound)?;
    }
    if let Some(else_) = else_ {
        w.push(" ELSE ");
        write_bound(w, else_, bound)?;
    }
    w.push(" END");
    Ok(())
}

/// Write `node` as the operand of an operator; see the module doc.
pub(crate) fn write_operand(w: &mut SqlWriter<'_>, node: &ExprNode) -> Result<()> {
    if is_compound(node) {
        w.push("(");
        write_expr(w, node)?;
        w.push(")");
        Ok(())
    } else {
        write_expr(w, node)
    }
}

/// Whether `node` is built from operators (or is raw SQL, which may be), so
/// that it needs parentheses as an operand. Calls, `CASE`, `CAST`,
/// `EXISTS (..)` and subqueries are delimited already.
fn is_compound(node: &ExprNode) -> bool {
    match node {
        // An empty list is written as a parenthesized constant already.
        ExprNode::InList { list, .. } => !list.is_empty(),
        ExprNode::Unary { .. }
        | ExprNode::Binary { .. }
        | ExprNode::IsNull { .. }
        | ExprNode::InSubquery { .. }
        | ExprNode::Between { .. }
        | ExprNode::Like { .. }
        | ExprNode::Raw { .. } => true,
        ExprNode::Column { .. }
        | ExprNode::Value(_)
        | ExprNode::Star(_)
        | ExprNode::Exists { .. }
        | ExprNode::Function { .. }
        | ExprNode::Over { .. }
        | ExprNode::Case { .. }
        | ExprNode::Cast { .. }
        | ExprNode::Subquery(_)
        | ExprNode::Json(_)
        | ExprNode::Excluded(_) => false,
    }
}

/// `function OVER ([PARTITION BY ..] [ORDER BY ..])`, where the dialect
/// has window functions.
fn write_over(
    w: &mut SqlWriter<'_>,
    function: &ExprNode,
    partition_by: &[ExprNode],
    order_by: &[crate::query::node::OrderBy],
) -> Result<()> {
    match function {
        ExprNode::Function { distinct: false, .. } => {}
        ExprNode::Function { distinct: true, .. } => {
            return Err(Error::interface("a DISTINCT aggregate cannot take a window (OVER): no database has it"));
        }
        _ => return Err(Error::interface("OVER (..) applies to a function call: an aggregate or a window function")),
    }
    if !w.dialect().supports_window_functions() {
        return Err(super::dialect::unsupported(
            "window functions (OVER; MySQL 8.0.2, MariaDB 10.2 and later)",
            w.dialect(),
        ));
    }
    write_expr(w, function)?;
    w.push(" OVER (");
    if !partition_by.is_empty() {
        w.push("PARTITION BY ");
        write_list(w, partition_by)?;
    }
    if !order_by.is_empty() {
        if !partition_by.is_empty() {
            w.push(" ");
        }
        w.push("ORDER BY ");
        for (i, term) in order_by.iter().enumerate() {
            if i > 0 {
                w.push(", ");
            }
            write_expr(w, &term.expr)?;
            if term.desc {
                w.push(" DESC");
            }
        }
    }
    w.push(")");
    Ok(())
}

/// `left op right`; `node` is the whole, for a chain of `AND` or `OR`.
fn write_binary(w: &mut SqlWriter<'_>, node: &ExprNode, left: &ExprNode, op: BinaryOp, right: &ExprNode) -> Result<()> {
    let symbol = match op {
        BinaryOp::Eq => "=",
        BinaryOp::Ne => "<>",
        BinaryOp::Lt => "<",
        BinaryOp::Le => "<=",
        BinaryOp::Gt => ">",
        BinaryOp::Ge => ">=",
        BinaryOp::And | BinaryOp::Or => return write_chain(w, node, op),
        BinaryOp::Add => "+",
        BinaryOp::Sub => "-",
        BinaryOp::Mul => "*",
        BinaryOp::Div => "/",
        BinaryOp::Mod => "%",
        BinaryOp::Concat => {
            let dialect = w.dialect();
            return dialect.write_concat(w, left, right);
        }
    };
    if matches!(op, BinaryOp::Eq | BinaryOp::Ne | BinaryOp::Lt | BinaryOp::Le | BinaryOp::Gt | BinaryOp::Ge) {
        write_bound_operand(w, left, compared_with(right))?;
        w.push(" ");
        w.push(symbol);
        w.push(" ");
        return write_bound_operand(w, right, compared_with(left));
    }
    write_operand(w, left)?;
    w.push(" ");
    w.push(symbol);
    w.push(" ");
    write_operand(w, right)
}

/// A chain of `AND` (or of `OR`), written flat as `a AND b AND c`: both
/// are associative. Walked with a stack, not recursion, so a chain of any
/// length (`has_any_keys` of thousands of keys) is one level deep.
fn write_chain(w: &mut SqlWriter<'_>, node: &ExprNode, op: BinaryOp) -> Result<()> {
    let symbol = if op == BinaryOp::And { " AND " } else { " OR " };
    let mut pending = vec![node];
    let mut first = true;
    while let Some(next) = pending.pop() {
        match next {
            ExprNode::Binary { left, op: inner, right } if *inner == op => {
                pending.push(right);
                pending.push(left);
            }
            operand => {
                if !first {
                    w.push(symbol);
                }
                first = false;
                write_operand(w, operand)?;
            }
        }
    }
    Ok(())
}

/// `a, b, c`.
pub(crate) fn write_list(w: &mut SqlWriter<'_>, items: &[ExprNode]) -> Result<()> {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        write_expr(w, item)?;
    }
    Ok(())
}

/// Function names are written unquoted (so that built-ins resolve on every
/// backend), hence checked: ASCII letters, digits, `_` and `.` only.
fn check_function_name(name: &str) -> Result<()> {
    let valid = !name.is_empty()
        && !name.starts_with('.')
        && !name.ends_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.');
    if valid {
        Ok(())
    } else {
        Err(Error::interface(format!(
            "invalid SQL function name {name:?}: only ASCII letters, digits, `_` and `.` are allowed"
        )))
    }
}

/// The functions of [`crate::query::func`]'s portable helpers: pure
/// computations over their arguments, which touch no session state.
fn is_session_free_function(name: &str) -> bool {
    const PURE: [&str; 16] = [
        "COUNT",
        "SUM",
        "AVG",
        "MIN",
        "MAX",
        "LOWER",
        "UPPER",
        "LENGTH",
        "CHAR_LENGTH",
        "ABS",
        "COALESCE",
        "ROW_NUMBER",
        "RANK",
        "DENSE_RANK",
        "LAG",
        "LEAD",
    ];
    PURE.iter().any(|pure| pure.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use crate::query::node::{BinaryOp, ExprNode, UnaryOp};
    use crate::sql::{PostgresDialect, SqlWriter};
    use crate::value::Value;

    fn written(node: &ExprNode) -> crate::Result<String> {
        let mut w = SqlWriter::new(&PostgresDialect);
        super::write_expr(&mut w, node)?;
        Ok(w.sql().to_owned())
    }

    #[test]
    fn long_chains_are_flat_and_deep_nesting_is_refused() {
        let term = |i: i64| ExprNode::Binary {
            left: Box::new(ExprNode::Column { table: None, name: "a".into() }),
            op: BinaryOp::Eq,
            right: Box::new(ExprNode::Value(Value::Int(i))),
        };
        // A left-deep chain of 10 000 terms: written without recursing per term.
        let mut chain = term(0);
        for i in 1..10_000 {
            chain = ExprNode::Binary { left: Box::new(chain), op: BinaryOp::Or, right: Box::new(term(i)) };
        }
        let sql = written(&chain).unwrap();
        assert!(sql.starts_with(r#"("a" = $1::int8) OR ("a" = $2::int8) OR"#), "{sql}");
        // Drop it iteratively, as the test would overflow otherwise.
        while let ExprNode::Binary { left, .. } = chain {
            chain = *left;
        }

        let mut deep = term(0);
        for _ in 0..super::super::writer::MAX_NESTING + 1 {
            deep = ExprNode::Unary { op: UnaryOp::Not, expr: Box::new(deep) };
        }
        let refused = written(&deep).unwrap_err();
        assert!(refused.to_string().contains("nested"), "{refused}");
    }
}
