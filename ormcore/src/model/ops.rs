//! The row-level model methods (`acreate`, `aget`, `asave`, ...), written
//! once here as generic functions; the [`Model`] and [`PrimaryKey`] traits
//! expose them as provided methods.

use super::cached::{InstanceInsert, KeyLookup};
use super::{Model, PrimaryKey};
use crate::error::{Error, Result};
use crate::executor::{Executor, Query};
use crate::query::ExprOps;
use crate::query::node::ExprNode;
use crate::query::{Expr, Insert, Select, Update};
use crate::schema::TableMeta;
use crate::types::{Bool, SqlField};
use crate::value::Value;

/// What [`Model::asave`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Saved {
    /// The instance was inserted as a new row.
    Inserted,
    /// The row was updated; this many rows changed (0 if it no longer
    /// exists).
    Updated(u64),
    /// Nothing to write: the model tracks dirty fields and none changed (the
    /// reference returns `False` here).
    Unchanged,
}

/// `columns` refused if one is out of range (a `Column` made by hand with a
/// wrong index: the generated ones are right).
fn check_columns(meta: &TableMeta, columns: &[usize]) -> Result<()> {
    match columns.iter().find(|&&index| index >= meta.columns.len()) {
        Some(index) => Err(Error::interface(format!("{} has no column number {index}", meta.model))),
        None => Ok(()),
    }
}

/// `pk = value` (or `pk1 = v1 AND pk2 = v2` for composite keys).
pub(crate) fn key_filter<M: Model>(values: &[Value]) -> Result<Expr<Bool>> {
    let meta = M::META;
    if meta.primary_key.is_empty() {
        return Err(Error::interface(format!("{} has no primary key", meta.model)));
    }
    let mut filter: Option<ExprNode> = None;
    for (&index, value) in meta.primary_key.iter().zip(values) {
        let column = ExprNode::Column { table: Some(meta.name.into()), name: meta.columns[index].name.into() };
        let test = ExprNode::Binary {
            left: Box::new(column),
            op: crate::query::BinaryOp::Eq,
            right: Box::new(ExprNode::Value(value.clone())),
        };
        filter = Some(ExprNode::and_all(filter, test));
    }
    filter
        .map(Expr::from_node)
        .ok_or_else(|| Error::interface(format!("{} reported no value for its primary key", meta.model)))
}

/// Record a saved model's values in its state, if it tracks one. (Loaded
/// models are filled by their `FromRow`.)
fn remember<M: Model>(model: &mut M) {
    if model.state().is_none() {
        return;
    }
    let values = model.column_values();
    if let Some(state) = model.state_mut() {
        state.remember(values);
    }
}

/// Record the saved `columns` of a model in its state, if it tracks one:
/// the columns a partial save left out stay as dirty as they were.
fn remember_columns<M: Model>(model: &mut M, columns: &[usize]) {
    if model.state().is_none() {
        return;
    }
    let values = model.column_values();
    if let Some(state) = model.state_mut() {
        state.remember_columns(values, columns);
    }
}

pub(crate) async fn first_where<M: Model, E: Executor>(executor: &E, filter: Expr<Bool>) -> Result<Option<M>> {
    executor.first(&Select::<M>::model().where_(filter)).await
}

pub(crate) async fn get<M: Model, E: Executor>(executor: &E, filter: Expr<Bool>) -> Result<M> {
    let query = Select::<M>::model().where_(filter);
    match executor.first(&query).await? {
        Some(model) => Ok(model),
        None => Err(crate::executor::not_found(
            M::META.model,
            crate::sql::compile_select_limited(query.node(), 1, executor.target().dialect()),
        )),
    }
}

/// The row whose key is `key` (`aget_by_id`), through the database's
/// cached lookup statement.
pub(crate) async fn get_by_key<M: PrimaryKey, E: Executor>(executor: &E, key: M::Key) -> Result<M> {
    let lookup = KeyLookup::<M>::new(&key);
    match executor.aexecute(&lookup).await? {
        Some(model) => Ok(model),
        None => Err(crate::executor::not_found(M::META.model, lookup.compile_for(&executor.target()))),
    }
}

/// Insert `model` (`acreate`), with its hooks.
pub(crate) async fn create_instance<M: Model, E: Executor>(executor: &E, model: &mut M) -> Result<()> {
    if !M::ENABLED {
        return insert(executor, model).await;
    }
    let guard = Restore::new(model);
    let tx = executor.atomic().await?;
    guard.model.before_save(&tx, true).await?;
    insert(&tx, guard.model).await?;
    guard.model.after_save(&tx, true).await?;
    tx.commit().await?;
    guard.keep();
    Ok(())
}

/// An instance being saved with its hooks, as it was before: unless the
/// save commits ([`keep`](Restore::keep)), dropping the guard (an error
/// returned with `?`, or the future dropped at any await) gives it back
/// its columns (no key from a rolled-back insert, no change a hook made
/// that was not stored) and its dirty-tracking state.
struct Restore<'m, M: Model> {
    model: &'m mut M,
    saved: Option<(Vec<Value>, Option<super::ModelState>)>,
}

impl<'m, M: Model> Restore<'m, M> {
    fn new(model: &'m mut M) -> Self {
        let saved = Some((model.column_values(), model.state().cloned()));
        Restore { model, saved }
    }

    /// The save committed: the instance stays as it is now.
    fn keep(mut self) {
        self.saved = None;
    }
}

impl<M: Model> Drop for Restore<'_, M> {
    fn drop(&mut self) {
        if let Some((values, state)) = self.saved.take() {
            self.model.restore_column_values(&values);
            if let (Some(state), Some(slot)) = (state, self.model.state_mut()) {
                *slot = state;
            }
        }
    }
}

pub(crate) async fn insert<M: Model, E: Executor>(executor: &E, model: &mut M) -> Result<()> {
    let id = executor.aexecute(&InstanceInsert::new(&*model)).await?;
    if M::META.auto_increment && model.primary_key_values().is_none() {
        let id = id.ok_or_else(|| Error::interface("the database reported no key for the inserted row"))?;
        model.set_auto_id(id)?;
    }
    remember(model);
    Ok(())
}

/// Insert `model` with `columns` only (and its key, if assigned), the
/// others taking their defaults in the database: a new model's
/// `asave().only(..)`, as the reference's `save(only=)` inserts.
async fn insert_columns<M: Model, E: Executor>(executor: &E, model: &mut M, mut columns: Vec<usize>) -> Result<()> {
    let meta = M::META;
    let assigned = model.primary_key_values().is_some();
    if assigned {
        let missing: Vec<usize> = meta.primary_key.iter().copied().filter(|i| !columns.contains(i)).collect();
        columns.extend(missing);
    }
    let mut values = model.column_values();
    let insert = columns.iter().fold(Insert::<M>::new(), |insert, &i| {
        insert.set_node(meta.columns[i].name, ExprNode::Value(std::mem::replace(&mut values[i], Value::Null)))
    });
    let id = insert.aexecute(executor).await?;
    if meta.auto_increment && !assigned {
        let id = id.ok_or_else(|| Error::interface("the database reported no key for the inserted row"))?;
        model.set_auto_id(id)?;
        columns.extend(meta.primary_key.iter().copied());
    }
    remember_columns(model, &columns);
    Ok(())
}

/// [`Model::create`](super::Model::create) where the dialect has no
/// `INSERT .. RETURNING` (MySQL): insert, then read the row back by its
/// key, in one transaction so that what is read is the row as inserted,
/// the database's defaults and triggers included: the insert's row lock
/// keeps everyone else from changing it before the commit. The key is the
/// insert id for an auto-increment key (the server reports the key it
/// stored, whether it made it or was given it: given 0 or NULL, it makes
/// one), else the one the insert sets.
pub(crate) async fn create_then_read<M: Model, E: Executor>(executor: &E, insert: Insert<M>) -> Result<M> {
    let meta = M::META;
    let set_key = key_set_by(meta, insert.node());
    if set_key.is_none() && meta.auto_key().is_none() {
        return Err(Error::Unsupported {
            feature: "creating a row whose key the database assigns other than by auto-increment \
                      (INSERT .. RETURNING); set the key, or insert and read it back yourself",
            dialect: executor.target().dialect().name(),
        });
    }
    let tx = executor.atomic().await?;
    let id = insert.aexecute(executor).await?;
    let key = match (meta.auto_key(), id, set_key) {
        (Some(_), Some(id), _) => vec![Value::Int(id)],
        (_, _, Some(key)) => key,
        _ => return Err(Error::interface("the database reported no key for the inserted row")),
    };
    let row = first_where::<M, E>(executor, key_filter::<M>(&key)?).await?;
    let row = row.ok_or_else(|| Error::interface(format!("the inserted {} row could not be read back", meta.model)))?;
    tx.commit().await?;
    Ok(row)
}

/// The primary key an insert of one row sets, as values, when it sets
/// every key column to a value.
fn key_set_by(meta: &TableMeta, node: &crate::query::node::InsertNode) -> Option<Vec<Value>> {
    let crate::query::node::InsertSource::Values(rows) = &node.source else { return None };
    let [row] = rows.as_slice() else { return None };
    if meta.primary_key.is_empty() {
        return None;
    }
    meta.primary_key
        .iter()
        .map(|&index| {
            let name = meta.columns[index].name;
            let position = node.columns.iter().position(|c| c.as_ref() == name)?;
            match row.get(position)? {
                ExprNode::Value(value) => Some(value.clone()),
                _ => None,
            }
        })
        .collect()
}

pub(crate) async fn save<M: Model, E: Executor>(
    executor: &E,
    model: &mut M,
    only: Option<Vec<usize>>,
    force_insert: bool,
) -> Result<Saved> {
    if !M::ENABLED {
        return save_row(executor, model, only, force_insert).await;
    }
    let created = model.primary_key_values().is_none() || force_insert || M::META.primary_key.is_empty();
    let guard = Restore::new(model);
    let tx = executor.atomic().await?;
    guard.model.before_save(&tx, created).await?;
    let saved = save_row(&tx, guard.model, only, force_insert).await?;
    guard.model.after_save(&tx, created).await?;
    tx.commit().await?;
    guard.keep();
    Ok(saved)
}

async fn save_row<M: Model, E: Executor>(
    executor: &E,
    model: &mut M,
    only: Option<Vec<usize>>,
    force_insert: bool,
) -> Result<Saved> {
    let meta = M::META;
    if let Some(only) = &only {
        check_columns(meta, only)?;
    }
    let key = match model.primary_key_values() {
        Some(key) if !force_insert && !meta.primary_key.is_empty() => key,
        _ => {
            match only {
                Some(only) => insert_columns(executor, model, only).await?,
                None => insert(executor, model).await?,
            }
            return Ok(Saved::Inserted);
        }
    };
    let values = model.column_values();
    let partial = only.is_some();
    let mut columns: Vec<usize> = match only {
        Some(only) => only,
        None => match model.state() {
            Some(state) => state.dirty_columns(&values),
            None => (0..values.len()).collect(),
        },
    };
    columns.retain(|i| !meta.primary_key.contains(i));
    if columns.is_empty() {
        return Ok(Saved::Unchanged);
    }
    let mut values = values;
    let update = columns.iter().fold(Update::<M>::new().where_(key_filter::<M>(&key)?), |update, &i| {
        update.set_node(meta.columns[i].name, ExprNode::Value(std::mem::replace(&mut values[i], Value::Null)))
    });
    let changed = update.aexecute(executor).await?;
    if partial {
        remember_columns(model, &columns);
    } else {
        remember(model);
    }
    Ok(Saved::Updated(changed))
}

/// Rows per `INSERT` in `abulk_create` by default, on backends that insert
/// many rows per statement: large enough that the per-statement cost
/// vanishes, small enough that one cached statement serves every full batch.
const DEFAULT_INSERT_BATCH: usize = 100;

/// Rows per `UPDATE` in `abulk_update` by default.
const DEFAULT_UPDATE_BATCH: usize = 100;

pub(crate) async fn bulk_create<M: Model, E: Executor>(
    executor: &E,
    models: &mut [M],
    batch_size: Option<usize>,
) -> Result<()> {
    insert_all(executor, models, batch_size).await.map_err(|error| error.on_table(M::META))
}

async fn insert_all<M: Model, E: Executor>(executor: &E, models: &mut [M], batch_size: Option<usize>) -> Result<()> {
    if models.is_empty() {
        return Ok(());
    }
    let meta = M::META;
    let tx = executor.atomic().await?;
    let target = tx.target();
    let dialect = target.dialect();
    // Models whose auto-increment key is still unassigned are inserted
    // without it and get the keys the database assigns; the others are
    // inserted as they are.
    let auto_key = meta.auto_key();
    let (fresh, keyed): (Vec<usize>, Vec<usize>) =
        (0..models.len()).partition(|&i| auto_key.is_some() && models[i].primary_key_values().is_none());
    let all_columns: Vec<usize> = (0..meta.columns.len()).collect();
    let without_key: Vec<usize> = all_columns.iter().copied().filter(|i| !meta.primary_key.contains(i)).collect();
    let batch_size = batch_size.unwrap_or(DEFAULT_INSERT_BATCH);

    // Keys are stored on the models only once the transaction commits: a
    // failed batch must not leave models claiming rows that were rolled back.
    let mut assigned: Vec<(usize, i64)> = Vec::with_capacity(fresh.len());
    let mut lease = target.lease().await?;
    // The models with their keys first: a database that assigns the next
    // key after the largest (SQLite's rowid) must not hand a fresh row a
    // key that a model further on brings.
    for (indices, columns, key) in [(keyed, &all_columns, None), (fresh, &without_key, auto_key.map(|c| c.name))] {
        if indices.is_empty() {
            continue;
        }
        let rows = crate::backend::InsertRows::new(meta, columns, key, batch_size);
        let models_ref = &*models;
        let mut next = indices.iter();
        // A refused value ends the rows before its own is sent; the
        // transaction then rolls back the ones before it.
        let mut refused = None;
        let mut keys = Vec::with_capacity(if key.is_some() { indices.len() } else { 0 });
        crate::backend::RawConnection::insert_rows(
            lease.conn(),
            dialect,
            &rows,
            &mut |params| match next.next() {
                Some(&m) => {
                    for &c in columns {
                        let value = models_ref[m].column_value(c);
                        if let Err(error) = crate::sql::check_stored(dialect, meta, c, &value) {
                            refused = Some(error);
                            return false;
                        }
                        params.push(value);
                    }
                    true
                }
                None => false,
            },
            &mut |id| keys.push(id),
        )
        .await?;
        if let Some(error) = refused {
            return Err(error);
        }
        if key.is_some() {
            if keys.len() != indices.len() {
                return Err(Error::interface(format!(
                    "the backend reported {} keys for {} inserted rows",
                    keys.len(),
                    indices.len()
                )));
            }
            assigned.extend(indices.iter().copied().zip(keys));
        }
    }
    drop(lease);
    tx.commit().await?;
    for (m, id) in assigned {
        models[m].set_auto_id(id)?;
    }
    models.iter_mut().for_each(remember);
    Ok(())
}

pub(crate) async fn bulk_update<M: Model, E: Executor>(
    executor: &E,
    models: &[M],
    fields: Vec<usize>,
    batch_size: Option<usize>,
) -> Result<u64> {
    let meta = M::META;
    let key = meta
        .primary_key_column()
        .ok_or_else(|| Error::interface(format!("abulk_update needs a single-column primary key on {}", meta.model)))?;
    if models.is_empty() || fields.is_empty() {
        return Ok(0);
    }
    let key_index = meta.primary_key[0];
    check_columns(meta, &fields)?;
    let key_expr = || ExprNode::Column { table: Some(meta.name.into()), name: key.name.into() };
    // Each row binds its key twice (WHEN and IN) and one value per field.
    // A CASE is matched row by row: past a hundred WHENs, each more costs
    // more than another statement would.
    let per_statement = executor.target().dialect().max_params() / (2 * fields.len() + 1);
    let batch = batch_size.unwrap_or(DEFAULT_UPDATE_BATCH).clamp(1, per_statement.max(1));
    let tx = executor.atomic().await?;
    let mut changed = 0;
    for chunk in models.chunks(batch) {
        let keys: Vec<Value> = chunk.iter().map(|m| m.column_value(key_index)).collect();
        let mut update = Update::<M>::new();
        for &index in &fields {
            let whens = chunk
                .iter()
                .zip(&keys)
                .map(|(model, id)| (ExprNode::Value(id.clone()), ExprNode::Value(model.column_value(index))))
                .collect();
            let case = ExprNode::Case { operand: Some(Box::new(key_expr())), whens, else_: None };
            update = update.set_node(meta.columns[index].name, case);
        }
        let in_keys = ExprNode::InList {
            expr: Box::new(key_expr()),
            list: keys.into_iter().map(ExprNode::Value).collect(),
            negated: false,
        };
        changed += update.where_node(in_keys).aexecute(&tx).await?;
    }
    tx.commit().await?;
    Ok(changed)
}

pub(crate) async fn get_or_create<M: Model, E: Executor>(
    executor: &E,
    filter: Expr<Bool>,
    make: impl FnOnce() -> M + Send,
) -> Result<(M, bool)> {
    if let Some(found) = first_where::<M, E>(executor, filter.clone()).await? {
        return Ok((found, false));
    }
    let mut model = make();
    // Inside a savepoint, so that losing a race to a concurrent insert (an
    // integrity error) leaves an enclosing transaction usable.
    let tx = executor.atomic().await?;
    match create_instance(&tx, &mut model).await {
        Ok(()) => {
            tx.commit().await?;
            Ok((model, true))
        }
        Err(error @ Error::Integrity { .. }) => {
            tx.rollback().await?;
            match first_where::<M, E>(executor, filter).await? {
                Some(found) => Ok((found, false)),
                None => Err(error),
            }
        }
        Err(error) => Err(error),
    }
}

pub(crate) fn by_key<M: PrimaryKey>(key: M::Key) -> Expr<Bool>
where
    M::Key: SqlField,
{
    M::KEY.eq(Expr::<<M::Key as SqlField>::Sql>::from_node(ExprNode::Value(crate::value::ToValue::to_value(&key))))
}
