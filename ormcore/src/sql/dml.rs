//! Compiling `INSERT`, `UPDATE` and `DELETE`: the data-manipulation
//! statements, beside `ddl`'s `CREATE` and `DROP`.

use super::SqlWriter;
use super::dialect::unsupported;
use super::expr::{write_bound, write_expr};
use super::select::{write_items, write_query};
use super::writer::Written;
use crate::error::{Error, Result};
use crate::query::node::{
    ConflictAction, DeleteNode, ExprNode, Ident, InsertNode, InsertSource, OnConflict, SelectItem, UpdateNode,
};

/// The one-row-of-defaults source, used for an insert of one row with no
/// columns however it was built.
static DEFAULT_VALUES: InsertSource = InsertSource::DefaultValues;

pub(crate) fn write_insert(w: &mut SqlWriter<'_>, node: &InsertNode) -> Result<()> {
    write_insert_reporting(w, node, KeyReport::None)
}

/// How an insert reports the new value of its auto-increment column.
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeyReport<'k> {
    /// It does not: nobody asked.
    None,
    /// As a row of `RETURNING key`, after the node's own returning items.
    Returning(&'k str),
    /// As the driver's last insert id.
    InsertId(&'k str),
}

/// Whether an insert's new auto-increment key comes back as a row of
/// `RETURNING` rather than as the driver's last insert id: where the driver
/// reports none (PostgreSQL), and for an upsert, whose insert may have
/// updated a row instead (SQLite's `last_insert_rowid()` then still names
/// an earlier insert's row), where the dialect has `RETURNING`.
pub(crate) fn key_by_returning(dialect: &dyn super::Dialect, upsert: bool) -> bool {
    dialect.insert_id_by_returning() || (upsert && dialect.supports_insert_returning())
}

/// An insert that reports its key as `key` says.
pub(crate) fn write_insert_reporting(w: &mut SqlWriter<'_>, node: &InsertNode, key: KeyReport<'_>) -> Result<()> {
    let dialect = w.dialect();
    if !node.returning.is_empty() && !dialect.supports_insert_returning() {
        return Err(unsupported("INSERT ... RETURNING", dialect));
    }
    if matches!(&node.on_conflict, Some(OnConflict { action: ConflictAction::DoUpdate(set), .. }) if set.is_empty()) {
        return Err(Error::interface("an upsert (on_conflict(..).do_update) needs at least one column to update"));
    }
    let source = checked_source(node)?;
    if let Some(twice) = node.columns.iter().enumerate().find_map(|(i, c)| node.columns[..i].contains(c).then_some(c)) {
        return Err(Error::interface(format!("an insert names the column {:?} twice", twice.as_ref())));
    }
    w.set_written(Written::new(&node.table, node.meta, &node.columns));
    let on_conflict = node.on_conflict.as_ref();
    dialect.write_insert_into(w, on_conflict);
    w.push_ident(&node.table);
    if !node.columns.is_empty() {
        w.push(" (");
        write_idents(w, &node.columns);
        w.push(")");
    }
    dialect.write_insert_source(w, source, on_conflict)?;
    if let Some(on_conflict) = on_conflict {
        dialect.write_on_conflict(w, on_conflict)?;
        if let (KeyReport::InsertId(key), ConflictAction::DoUpdate(_)) = (key, &on_conflict.action) {
            dialect.write_upsert_reports_key(w, node.table.as_ref(), key);
        }
    }
    write_returning(w, &node.table, &node.returning)?;
    if let KeyReport::Returning(key) = key {
        if !dialect.supports_insert_returning() {
            return Err(unsupported("INSERT ... RETURNING", dialect));
        }
        w.push(if node.returning.is_empty() { " RETURNING " } else { ", " });
        w.push_ident(key);
    }
    Ok(())
}

/// The insert's source after checking it against the column list. A
/// `VALUES` list of one empty row is a row of defaults.
fn checked_source(node: &InsertNode) -> Result<&InsertSource> {
    match &node.source {
        InsertSource::Values(rows) if node.columns.is_empty() => match rows.as_slice() {
            [row] if row.is_empty() => Ok(&DEFAULT_VALUES),
            _ => Err(Error::interface(
                "an insert of VALUES needs at least one column (several rows of defaults cannot be inserted at once)",
            )),
        },
        InsertSource::Values(rows) => {
            if rows.is_empty() {
                return Err(Error::interface("an insert of VALUES needs at least one row"));
            }
            if let Some((i, row)) = rows.iter().enumerate().find(|(_, row)| row.len() != node.columns.len()) {
                return Err(Error::interface(format!(
                    "insert row {i} has {} values for {} columns",
                    row.len(),
                    node.columns.len()
                )));
            }
            Ok(&node.source)
        }
        InsertSource::DefaultValues if !node.columns.is_empty() => {
            Err(Error::interface("an insert of DEFAULT VALUES cannot name columns"))
        }
        InsertSource::DefaultValues | InsertSource::Select(_) => Ok(&node.source),
    }
}

/// ` SELECT * FROM (query) AS _sN`: an insert's select as a derived table
/// of its own, for dialects whose upsert clause would otherwise be
/// ambiguous after it (see the SQLite and MySQL dialects).
pub(crate) fn write_select_source_derived(w: &mut SqlWriter<'_>, query: &crate::query::node::QueryNode) -> Result<()> {
    w.push(" SELECT * FROM ");
    super::select::write_member_parenthesized(w, query)?;
    w.push(" AS ");
    let alias = w.generate_alias("_s");
    w.push_ident(&alias);
    Ok(())
}

/// ` VALUES (..), (..)`, ` SELECT ..` or ` DEFAULT VALUES`.
pub(crate) fn write_insert_source_common(w: &mut SqlWriter<'_>, source: &InsertSource) -> Result<()> {
    match source {
        InsertSource::Values(rows) => {
            // Taken out of the writer so that each value can name its
            // column while the writer writes it.
            let written = w.take_written().unwrap_or_default();
            w.push(" VALUES ");
            for (i, row) in rows.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.push("(");
                for (position, value) in row.iter().enumerate() {
                    if position > 0 {
                        w.push(", ");
                    }
                    write_bound(w, value, written.listed(position))?;
                }
                w.push(")");
            }
            w.set_written(written);
            Ok(())
        }
        InsertSource::Select(query) => {
            w.push(" ");
            write_query(w, query)
        }
        InsertSource::DefaultValues => {
            w.push(" DEFAULT VALUES");
            Ok(())
        }
    }
}

/// ` ON CONFLICT [(target)] DO NOTHING | DO UPDATE SET ..` (SQLite,
/// PostgreSQL).
pub(crate) fn write_on_conflict_common(w: &mut SqlWriter<'_>, on_conflict: &OnConflict) -> Result<()> {
    w.push(" ON CONFLICT");
    if !on_conflict.target.is_empty() {
        w.push(" (");
        write_idents(w, &on_conflict.target);
        w.push(")");
    }
    match &on_conflict.action {
        ConflictAction::DoNothing => {
            w.push(" DO NOTHING");
            Ok(())
        }
        ConflictAction::DoUpdate(set) => {
            check_conflict_target(w, on_conflict)?;
            w.push(" DO UPDATE SET ");
            w.push_upsert_assignments(set)
        }
    }
}

/// An upsert names the unique columns whose conflict it resolves, on
/// every dialect: SQLite and PostgreSQL need them, and MySQL, whose
/// `ON DUPLICATE KEY UPDATE` fires on a conflict in any unique key, would
/// otherwise run a program that means something else elsewhere.
pub(crate) fn check_conflict_target(w: &SqlWriter<'_>, on_conflict: &OnConflict) -> Result<()> {
    if on_conflict.target.is_empty() {
        let dialect = w.dialect().name();
        return Err(Error::interface(format!(
            "an upsert on {dialect} needs its conflict target: the unique columns that conflict"
        )));
    }
    Ok(())
}

pub(crate) fn write_update(w: &mut SqlWriter<'_>, node: &UpdateNode) -> Result<()> {
    let dialect = w.dialect();
    if !node.returning.is_empty() && !dialect.supports_update_returning() {
        return Err(unsupported("UPDATE ... RETURNING", dialect));
    }
    w.set_written(Written::new(&node.table, node.meta, &[]));
    w.push("UPDATE ");
    w.push_ident(&node.table);
    w.push(" SET ");
    write_assignments(w, &node.set)?;
    write_where(w, node.where_.as_ref())?;
    write_returning(w, &node.table, &node.returning)
}

pub(crate) fn write_delete(w: &mut SqlWriter<'_>, node: &DeleteNode) -> Result<()> {
    let dialect = w.dialect();
    if !node.returning.is_empty() && !dialect.supports_delete_returning() {
        return Err(unsupported("DELETE ... RETURNING", dialect));
    }
    w.push("DELETE FROM ");
    w.push_ident(&node.table);
    write_where(w, node.where_.as_ref())?;
    write_returning(w, &node.table, &node.returning)
}

/// `"a" = expr, "b" = expr`: targets are plain column names.
pub(crate) fn write_assignments(w: &mut SqlWriter<'_>, set: &[(Ident, ExprNode)]) -> Result<()> {
    if set.is_empty() {
        return Err(Error::interface("an UPDATE needs at least one column to set"));
    }
    let written = w.take_written().unwrap_or_default();
    for (i, (column, value)) in set.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.push_ident(column);
        w.push(" = ");
        write_bound(w, value, written.assigned(column))?;
    }
    w.set_written(written);
    Ok(())
}

fn write_where(w: &mut SqlWriter<'_>, condition: Option<&ExprNode>) -> Result<()> {
    if let Some(condition) = condition {
        w.push(" WHERE ");
        write_expr(w, condition)?;
    }
    Ok(())
}

/// ` RETURNING items`, with the target table's columns unqualified: the
/// form every backend accepts there.
fn write_returning(w: &mut SqlWriter<'_>, table: &Ident, items: &[SelectItem]) -> Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    w.push(" RETURNING ");
    w.with_table_stripped(table, |w| write_items(w, items))
}

fn write_idents(w: &mut SqlWriter<'_>, idents: &[Ident]) {
    for (i, ident) in idents.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.push_ident(ident);
    }
}
