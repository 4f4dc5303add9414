//! `adelete_instance`, and its recursive form: the reference's
//! `delete_instance(recursive=True, delete_nullable=..)`, driven by the
//! foreign keys every model in the program declares.
//!
//! A recursive delete first finds every row it will delete, then writes:
//! the rows that only point at a deleted row through a nullable key (when
//! `delete_nullable` is off) get NULL, and the rows to delete go in order
//! of height, a row's height being one more than the highest row that
//! references it. So no statement deletes a row that another still points
//! at, on a database that checks each row as it goes (MySQL's InnoDB) as on
//! one that checks each statement, and a chain of replies to replies of
//! any depth goes leaf first.

use std::collections::{HashMap, HashSet};
use std::future::IntoFuture;
use std::pin::Pin;

use super::Model;
use super::ops::key_filter;
use crate::error::{Error, Result};
use crate::executor::{Executor, Query};
use crate::query::node::{DeleteNode, ExprNode, Ident, TableRef, UpdateNode};
use crate::query::{Delete, Expr, Select, Update};
use crate::schema::{ColumnMeta, TableMeta};
use crate::value::Value;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T>> + Send + 'a>>;

/// [`Model::adelete_instance`]: delete this instance's row; `.await` it
/// for the number of rows deleted (the instance's own, 0 or 1).
/// [`recursive`](Self::recursive) deletes what references it first.
#[must_use = "a delete does nothing until awaited"]
pub struct DeleteInstance<'a, M, E: ?Sized> {
    model: &'a M,
    executor: &'a E,
    recursive: bool,
    delete_nullable: bool,
}

impl<'a, M: Model, E: Executor> DeleteInstance<'a, M, E> {
    pub(crate) fn new(model: &'a M, executor: &'a E) -> Self {
        DeleteInstance { model, executor, recursive: false, delete_nullable: false }
    }

    /// Delete the rows that reference this one, and theirs, to any depth,
    /// in the same transaction; a row that references a deleted row
    /// through a nullable foreign key gets NULL there instead, unless
    /// [`delete_nullable`](Self::delete_nullable). The foreign keys are
    /// those the models of the program declare ([`TableMeta::all`]); the
    /// referencing rows are deleted by key, without their hooks.
    pub fn recursive(mut self) -> Self {
        self.recursive = true;
        self
    }

    /// Recursive, and delete the rows that reference a deleted row through
    /// a nullable foreign key too.
    pub fn delete_nullable(mut self) -> Self {
        self.recursive = true;
        self.delete_nullable = true;
        self
    }
}

impl<'a, M: Model, E: Executor> IntoFuture for DeleteInstance<'a, M, E> {
    type Output = Result<u64>;
    type IntoFuture = BoxFuture<'a, u64>;

    fn into_future(self) -> Self::IntoFuture {
        Box::pin(delete_instance(self))
    }
}

async fn delete_instance<M: Model, E: Executor>(options: DeleteInstance<'_, M, E>) -> Result<u64> {
    let DeleteInstance { model, executor, recursive, delete_nullable } = options;
    let key = model
        .primary_key_values()
        .ok_or_else(|| Error::interface(format!("cannot delete a {} that was never saved", M::META.model)))?;
    let delete = Delete::<M>::new().where_(key_filter::<M>(&key)?);
    if !M::ENABLED && !recursive {
        return delete.aexecute(executor).await;
    }
    let tx = executor.atomic().await?;
    model.before_delete(&tx).await?;
    if let (true, [key]) = (recursive, key.as_slice()) {
        // Only a one-column key can be referenced by a foreign key.
        delete_dependents(&tx, M::META, key.clone(), delete_nullable).await?;
    }
    let deleted = delete.aexecute(&tx).await?;
    model.after_delete(&tx).await?;
    tx.commit().await?;
    Ok(deleted)
}

/// One row found for deletion: a key of a table with a one-column key.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
struct RowId(usize);

/// What a recursive delete found.
#[derive(Default)]
struct Plan {
    /// Each row, by table name (two models of one table find the same
    /// rows) and the text of its key, as the database returned it.
    index: HashMap<(&'static str, String), RowId>,
    rows: Vec<(&'static TableMeta, Value)>,
    /// For each row, the rows that reference it and are deleted.
    referenced_by: Vec<Vec<RowId>>,
    /// Rows cleared: `UPDATE table SET column = NULL WHERE column IN keys`.
    clear: Vec<(&'static TableMeta, &'static ColumnMeta, Vec<Value>)>,
    /// Rows of tables no foreign key references, deleted by the key they
    /// hold: `DELETE FROM table WHERE column IN keys`, before the rest.
    leaves: Vec<(&'static TableMeta, &'static ColumnMeta, Vec<Value>)>,
}

impl Plan {
    /// The row of `table` with `key`, and whether it is new.
    fn row(&mut self, table: &'static TableMeta, key: Value) -> (RowId, bool) {
        let entry = (table.name, format!("{key:?}"));
        if let Some(&id) = self.index.get(&entry) {
            return (id, false);
        }
        let id = RowId(self.rows.len());
        self.index.insert(entry, id);
        self.rows.push((table, key));
        self.referenced_by.push(Vec::new());
        (id, true)
    }

    /// Each row's height: 0 when nothing deleted references it, else one
    /// more than the highest row that does. A cycle (rows that reference
    /// each other through keys being deleted) cannot be ordered.
    fn heights(&self) -> Result<Vec<usize>> {
        const UNSEEN: usize = usize::MAX;
        const IN_PROGRESS: usize = usize::MAX - 1;
        let mut height = vec![UNSEEN; self.rows.len()];
        for start in 0..self.rows.len() {
            if height[start] != UNSEEN {
                continue;
            }
            // An explicit stack: reply chains can be deep.
            let mut stack = vec![(start, 0)];
            height[start] = IN_PROGRESS;
            while let Some(&mut (row, ref mut next)) = stack.last_mut() {
                match self.referenced_by[row].get(*next) {
                    Some(&RowId(child)) => {
                        *next += 1;
                        match height[child] {
                            UNSEEN => {
                                height[child] = IN_PROGRESS;
                                stack.push((child, 0));
                            }
                            IN_PROGRESS => {
                                let (table, _) = self.rows[child];
                                return Err(Error::interface(format!(
                                    "a recursive delete found rows of {:?} that reference each other in a cycle; \
                                     clear one of their keys first",
                                    table.name
                                )));
                            }
                            _ => {}
                        }
                    }
                    None => {
                        let own = self.referenced_by[row].iter().map(|&RowId(c)| height[c] + 1).max().unwrap_or(0);
                        height[row] = own;
                        stack.pop();
                    }
                }
            }
        }
        Ok(height)
    }
}

/// Delete or clear everything that references the row of `meta` keyed
/// `key`, leaving that row for the caller to delete.
async fn delete_dependents<E: Executor>(
    executor: &E,
    meta: &'static TableMeta,
    key: Value,
    delete_nullable: bool,
) -> Result<()> {
    let chunk = executor.target().dialect().max_params().clamp(1, 1000);
    let Some(key_column) = meta.primary_key_column() else { return Ok(()) };
    // The key as the database returns it, as the keys found below are, so
    // that one row is one entry whatever Rust type wrote it.
    let query = Select::from(TableRef::Table { name: meta.name.into(), alias: None })
        .columns(column_expr(meta, key_column))
        .where_(in_list(meta, key_column, std::slice::from_ref(&key)))
        .decode_as::<Value>();
    let Some(key) = executor.first(&query).await? else { return Ok(()) };
    // Models of the program whose tables this database lacks (they belong
    // to another database) hold no rows here.
    let present = crate::executor::table_names(executor).await?;
    let mut plan = Plan::default();
    let (root, _) = plan.row(meta, key);

    // Breadth first: each table's new rows, looked up in batches.
    let mut frontier = vec![(meta, vec![root])];
    while let Some((parent, parents)) = frontier.pop() {
        let keys: Vec<Value> = parents.iter().map(|&RowId(i)| plan.rows[i].1.clone()).collect();
        for (table, column) in references_to(parent.name, &present) {
            if column.nullable && !delete_nullable {
                plan.clear.push((table, column, keys.clone()));
                continue;
            }
            let child_key = match table.primary_key_column() {
                Some(child_key) if references_to(table.name, &present).next().is_some() => child_key,
                _ => {
                    plan.leaves.push((table, column, keys.clone()));
                    continue;
                }
            };
            let mut found = Vec::new();
            for batch in keys.chunks(chunk) {
                found.extend(executor.list(&referencing_rows(table, child_key, column, parent, batch)).await?);
            }
            let mut new = Vec::new();
            for (child, holds) in found {
                let (child, is_new) = plan.row(table, child);
                let (parent_row, _) = plan.row(parent, holds);
                if child != parent_row {
                    plan.referenced_by[parent_row.0].push(child);
                } else if column.nullable {
                    // A row that references itself: its key cleared first,
                    // as MySQL's InnoDB refuses to delete it otherwise.
                    plan.clear.push((table, column, vec![plan.rows[child.0].1.clone()]));
                }
                if is_new {
                    new.push(child);
                }
            }
            if !new.is_empty() {
                frontier.push((table, new));
            }
        }
    }

    for (table, column, keys) in &plan.clear {
        for batch in keys.chunks(chunk) {
            let clear = UpdateNode {
                table: table.name.into(),
                meta: Some(table),
                set: vec![(Ident::from(column.name), ExprNode::Value(Value::Null))],
                where_: Some(in_list(table, column, batch).into_node()),
                returning: Vec::new(),
            };
            Update::<()>::from_node(clear).aexecute(executor).await?;
        }
    }
    for (table, column, keys) in &plan.leaves {
        for batch in keys.chunks(chunk) {
            delete_where(executor, table, in_list(table, column, batch)).await?;
        }
    }
    let heights = plan.heights()?;
    // Everything found references the root, which is the highest and is
    // left out: the caller deletes it, and counts it.
    let mut by_height: Vec<(usize, usize)> =
        heights.iter().copied().zip(0..).filter(|&(_, row)| row != root.0).collect();
    by_height.sort_unstable();
    for group in by_height.chunk_by(|a, b| a.0 == b.0) {
        let mut per_table: Vec<(&'static TableMeta, Vec<Value>)> = Vec::new();
        for &(_, row) in group {
            let (table, ref key) = plan.rows[row];
            match per_table.iter_mut().find(|(t, _)| *t == table) {
                Some((_, keys)) => keys.push(key.clone()),
                None => per_table.push((table, vec![key.clone()])),
            }
        }
        for (table, keys) in per_table {
            let Some(key_column) = table.primary_key_column() else { continue };
            for batch in keys.chunks(chunk) {
                delete_where(executor, table, in_list(table, key_column, batch)).await?;
            }
        }
    }
    Ok(())
}

/// The foreign-key columns that reference the table named `name`, of
/// every model whose table the database has, once per table and column
/// (two models of one table are one table: their rows are the same).
fn references_to<'p>(
    name: &'p str,
    present: &'p HashSet<String>,
) -> impl Iterator<Item = (&'static TableMeta, &'static ColumnMeta)> + 'p {
    let mut seen = HashSet::new();
    TableMeta::all()
        .filter(|table| present.contains(table.name))
        .flat_map(move |table| {
            let refers = move |c: &&'static ColumnMeta| c.references.is_some_and(|r| r().name == name);
            table.columns.iter().filter(refers).map(move |c| (table, c))
        })
        .filter(move |(table, column)| seen.insert((table.name, column.name)))
}

/// `SELECT child.key, parent.key FROM child JOIN parent ON child.fk =
/// parent.key WHERE parent.key IN (batch)`: each referencing row with the
/// key of the row it references as the parent table holds it, so that a
/// key the database compares loosely (MySQL's collations, `'ABC'` holding
/// `'abc'`) finds its parent's entry.
fn referencing_rows(
    table: &'static TableMeta,
    child_key: &'static ColumnMeta,
    column: &'static ColumnMeta,
    parent: &'static TableMeta,
    batch: &[Value],
) -> Select<(Value, Value)> {
    const PARENT: &str = "ormcore_parent";
    let parent_key = parent.primary_key_column().map_or("", |c| c.name);
    let referenced: Expr<crate::types::Integer> = Expr::column(PARENT, parent_key);
    let mut query = Select::from(TableRef::Table { name: table.name.into(), alias: None })
        .columns((column_expr(table, child_key), referenced.clone()))
        .where_(Expr::<crate::types::Bool>::from_node(ExprNode::InList {
            expr: Box::new(referenced.clone().into_node()),
            list: batch.iter().cloned().map(ExprNode::Value).collect(),
            negated: false,
        }));
    let on = ExprNode::Binary {
        left: Box::new(column_expr(table, column).into_node()),
        op: crate::query::node::BinaryOp::Eq,
        right: Box::new(referenced.into_node()),
    };
    query.node_mut().joins.push(crate::query::node::Join {
        kind: crate::query::node::JoinKind::Inner,
        table: TableRef::Table { name: parent.name.into(), alias: Some(PARENT.into()) },
        on,
    });
    query.decode_as()
}

fn column_expr(table: &'static TableMeta, column: &'static ColumnMeta) -> Expr<crate::types::Integer> {
    Expr::column(table.name, column.name)
}

fn in_list(table: &'static TableMeta, column: &'static ColumnMeta, keys: &[Value]) -> Expr<crate::types::Bool> {
    Expr::from_node(ExprNode::InList {
        expr: Box::new(column_expr(table, column).into_node()),
        list: keys.iter().cloned().map(ExprNode::Value).collect(),
        negated: false,
    })
}

async fn delete_where<E: Executor>(
    executor: &E,
    table: &'static TableMeta,
    condition: Expr<crate::types::Bool>,
) -> Result<u64> {
    let node = DeleteNode { table: table.name.into(), where_: Some(condition.into_node()), returning: Vec::new() };
    Delete::<()>::from_node(node).aexecute(executor).await
}
