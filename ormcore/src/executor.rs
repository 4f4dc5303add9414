//! Running queries: the [`Query`] trait every query type implements, and the
//! [`Executor`] trait with the reference's database helpers (`list`, `get`,
//! `first`, `scalar`, `count`, `exists`, `iterate`, `aexecute`,
//! `aexecute_sql`, `acreate_tables`, `adrop_tables`), implemented by
//! [`Database`], [`Connection`] and [`Transaction`].

use std::collections::HashSet;
use std::future::Future;

use crate::backend::{Backend, RawConnection};
use crate::database::{Begin, BeginKind, Connection, Database, RowStream, Target, Transaction};
use crate::error::{Error, Result};
use crate::model::{IntoLoad, Model};
use crate::query::node::{ExprNode, SelectItem, StatementNode};
use crate::query::related::{Preload, Related};
use crate::query::{Compound, Delete, Insert, Raw, Returning, Select, func};
use crate::row::{FromRow, SqlRow};
use crate::schema::Record;
use crate::schema::TableMeta;
use crate::sql::{self, Dialect, Statement};
use crate::value::{FromValue, Value};

/// A query that can be executed: a select, compound, insert, update,
/// delete, raw SQL, or a write with `RETURNING`.
pub trait Query: Sync {
    /// What executing it returns: rows for selects and `RETURNING`, the new
    /// key for inserts, the affected-row count for updates and deletes.
    type Output: Send;

    /// Compile for `dialect`.
    fn compile(&self, dialect: &dyn Dialect) -> Result<Statement>;

    /// Compile for the database `target` runs on: the model layer's
    /// statements for single instances bind their values into a statement
    /// the database compiled once. The default is [`compile`](Query::compile).
    #[doc(hidden)]
    fn compile_for<B: Backend>(&self, target: &Target<'_, B>) -> Result<Statement> {
        self.compile(target.dialect())
    }

    /// Run the compiled statement on a connection and shape the result.
    /// `dialect` is the one `statement` was compiled for, for the further
    /// statements a query may run (a select's eager loads).
    #[doc(hidden)]
    fn execute_on<C: RawConnection>(
        &self,
        conn: &mut C,
        statement: &Statement,
        dialect: &dyn Dialect,
    ) -> impl Future<Output = Result<Self::Output>> + Send;

    /// The model table the statement writes to, so that an integrity error
    /// can name the model and column.
    #[doc(hidden)]
    fn written_table(&self) -> Option<&'static TableMeta> {
        None
    }

    /// Execute on `executor` (a database, connection or transaction): the
    /// reference's `query.aexecute()`.
    fn aexecute<E: Executor>(&self, executor: &E) -> impl Future<Output = Result<Self::Output>> + Send
    where
        Self: Sized,
    {
        executor.aexecute(self)
    }
}

/// A query that returns rows of type [`Row`](Fetch::Row).
pub trait Fetch: Query<Output = Vec<<Self as Fetch>::Row>> {
    /// The type each row decodes into.
    type Row: FromRow + 'static;

    /// How a stream of its rows decodes them and what it runs for each
    /// batch: a select's joined relations and eager loads.
    #[doc(hidden)]
    fn related(&self) -> Related<Self::Row> {
        Related::default()
    }
}

pub(crate) async fn fetch_all<R: FromRow, C: RawConnection>(conn: &mut C, statement: &Statement) -> Result<Vec<R>> {
    let mut rows = Vec::new();
    conn.fetch(statement, &mut |row| {
        rows.push(R::from_row(row, &mut 0)?);
        Ok(())
    })
    .await?;
    Ok(rows)
}

/// The first row of a statement that returns at most one (a lookup by
/// key), with no vector around it.
pub(crate) async fn fetch_first<R: FromRow, C: RawConnection>(
    conn: &mut C,
    statement: &Statement,
) -> Result<Option<R>> {
    let mut first = None;
    conn.fetch(statement, &mut |row| {
        if first.is_none() {
            first = Some(R::from_row(row, &mut 0)?);
        }
        Ok(())
    })
    .await?;
    Ok(first)
}

/// `Query` and `Fetch` for a query type that returns rows of `R`: how it
/// compiles, the table it writes (for a `RETURNING` write), and, for
/// selects and compounds, the relations it fills and loads.
macro_rules! fetch_query {
    ($ty:ident, $compile:expr) => {
        fetch_query!($ty, $compile, |_: &$ty<R>| None);
    };
    ($ty:ident, $compile:expr, $written:expr) => {
        fetch_query!(@impl $ty, $compile, $written, |q, conn, statement, _d| fetch_all(conn, statement));
        impl<R: FromRow + 'static> Fetch for $ty<R> {
            type Row = R;
        }
    };
    (related $ty:ident, $compile:expr) => {
        fetch_query!(@impl $ty, $compile, |_: &$ty<R>| None, |q, conn, statement, dialect| {
            fetch_related(q.related(), conn, statement, dialect)
        });
        impl<R: FromRow + 'static> Fetch for $ty<R> {
            type Row = R;

            fn related(&self) -> Related<R> {
                $ty::related(self).clone()
            }
        }
    };
    (@impl $ty:ident, $compile:expr, $written:expr, |$q:ident, $conn:ident, $statement:ident, $dialect:ident| $execute:expr) => {
        impl<R: FromRow + 'static> Query for $ty<R> {
            type Output = Vec<R>;

            fn compile(&self, dialect: &dyn Dialect) -> Result<Statement> {
                $compile(self, dialect)
            }

            fn written_table(&self) -> Option<&'static TableMeta> {
                $written(self)
            }

            #[allow(unused_variables)]
            fn execute_on<C: RawConnection>(
                &self,
                $conn: &mut C,
                $statement: &Statement,
                $dialect: &dyn Dialect,
            ) -> impl Future<Output = Result<Vec<R>>> + Send {
                let $q = self;
                $execute
            }
        }
    };
}

fetch_query!(related Select, |q: &Select<R>, d| sql::compile_select(q.node(), d));
fetch_query!(related Compound, |q: &Compound<R>, d| sql::compile_compound(q.node(), d));

/// The rows of a compiled select (or compound), with the relations its
/// joins selected filled and its eager loads run, on the same connection.
async fn fetch_related<R: FromRow + 'static, C: RawConnection>(
    related: &Related<R>,
    conn: &mut C,
    statement: &Statement,
    dialect: &dyn Dialect,
) -> Result<Vec<R>> {
    if related.is_empty() {
        return fetch_all(conn, statement).await;
    }
    let mut rows = Vec::new();
    conn.fetch(statement, &mut |row| {
        rows.push(related.decode(row)?);
        Ok(())
    })
    .await?;
    preload(conn, dialect, &related.preloads, &mut rows).await?;
    Ok(rows)
}

type BoxFuture<'a, T> = std::pin::Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Run eager loads for `parents` (a `Vec` of the model they load for):
/// each load's selects, then the loads nested in it for the rows it found,
/// then its rows given to the parents.
pub(crate) fn preload<'a, C: RawConnection>(
    conn: &'a mut C,
    dialect: &'a dyn Dialect,
    loads: &'a [std::sync::Arc<dyn Preload>],
    parents: &'a mut (dyn std::any::Any + Send),
) -> BoxFuture<'a, Result<()>> {
    Box::pin(async move {
        for load in loads {
            // The keys share the statement's parameters with the load's own
            // conditions.
            let own = sql::compile_select(load.select(), dialect)?.params.len();
            let max_keys = match dialect.max_params().checked_sub(own) {
                Some(room) if room > 0 => room,
                _ => {
                    return Err(Error::interface(format!(
                        "the eager load {load:?} binds {own} parameters of its own, leaving none of the {} a \
                         statement may bind for the keys it loads for",
                        dialect.max_params()
                    )));
                }
            };
            let mut rows = load.collect();
            for node in load.selects(&*parents, max_keys)? {
                let statement = sql::compile_select(&node, dialect)?;
                conn.fetch(&statement, &mut |row| rows.push(row)).await?;
            }
            if !load.nested().is_empty() {
                preload(&mut *conn, dialect, load.nested(), rows.rows()).await?;
            }
            rows.attach(parents)?;
        }
        Ok(())
    })
}
fetch_query!(Returning, |q: &Returning<R>, d| sql::compile_statement(q.node(), d), |q: &Returning<R>| match q.node() {
    StatementNode::Insert(node) => node.meta,
    StatementNode::Update(node) => node.meta,
    _ => None,
});
fetch_query!(Raw, |q: &Raw<R>, d| sql::compile_statement(q.node(), d));

impl<M: Record, R> Query for Insert<M, R> {
    /// The auto-increment key of the row inserted (of the row updated, for
    /// an upsert that updated one). For several rows, the last row's where
    /// the database returns keys (SQLite, PostgreSQL, MariaDB 10.5+). MySQL,
    /// which has no `RETURNING`, reports what its insert id says: the
    /// first key it made when it inserted any row, else (an upsert that
    /// only updated) the last row updated.
    /// [`abulk_create`](crate::Model::abulk_create) sets every model's key
    /// on every backend.
    /// `None` when no row was inserted (a conflict ignored) or the table has
    /// no auto-increment key: never a key left from an earlier insert.
    type Output = Option<i64>;

    fn written_table(&self) -> Option<&'static TableMeta> {
        self.node().meta
    }

    fn compile(&self, dialect: &dyn Dialect) -> Result<Statement> {
        match M::META.auto_key() {
            Some(key) => sql::compile_insert_reporting_key(self.node(), key.name, dialect),
            None => sql::compile_insert(self.node(), dialect),
        }
    }

    fn execute_on<C: RawConnection>(
        &self,
        conn: &mut C,
        statement: &Statement,
        _dialect: &dyn Dialect,
    ) -> impl Future<Output = Result<Option<i64>>> + Send {
        inserted_key(conn, statement, M::META)
    }
}

/// Run an insert into `table` and read the new auto-increment key, when
/// the table has one: the first column of the returned row
/// where the statement returns it, else the driver's last insert id.
/// `None` when no row was inserted (a conflict ignored): never a key left
/// from an earlier insert.
pub(crate) async fn inserted_key<C: RawConnection>(
    conn: &mut C,
    statement: &Statement,
    table: &'static TableMeta,
) -> Result<Option<i64>> {
    let mut returned = None;
    let result = conn
        .fetch(statement, &mut |row| {
            returned = Some(crate::row::decode_column::<i64>(row, 0, table.model)?);
            Ok(())
        })
        .await?;
    if table.auto_key().is_none() || result.rows_affected == 0 && returned.is_none() {
        return Ok(None);
    }
    Ok(returned.or(result.last_insert_id))
}

impl<M: Sync> Query for crate::query::Update<M> {
    /// The number of rows changed.
    type Output = u64;

    fn written_table(&self) -> Option<&'static TableMeta> {
        self.node().meta
    }

    fn compile(&self, dialect: &dyn Dialect) -> Result<Statement> {
        sql::compile_update(self.node(), dialect)
    }

    async fn execute_on<C: RawConnection>(&self, conn: &mut C, statement: &Statement, _: &dyn Dialect) -> Result<u64> {
        Ok(conn.execute(statement).await?.rows_affected)
    }
}

impl<M: Sync> Query for Delete<M> {
    /// The number of rows deleted.
    type Output = u64;

    fn compile(&self, dialect: &dyn Dialect) -> Result<Statement> {
        sql::compile_delete(self.node(), dialect)
    }

    async fn execute_on<C: RawConnection>(&self, conn: &mut C, statement: &Statement, _: &dyn Dialect) -> Result<u64> {
        Ok(conn.execute(statement).await?.rows_affected)
    }
}

/// The rows and counts of raw SQL run with
/// [`aexecute_sql`](Executor::aexecute_sql): already fetched, so reading
/// them does no I/O (the reference's `CursorAdapter`). Like a DB-API
/// cursor, [`fetchone`](Cursor::fetchone) and
/// [`fetchmany`](Cursor::fetchmany) read on from where the last call
/// stopped; [`fetchall`](Cursor::fetchall) is every row.
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    columns: Vec<String>,
    rows: Vec<SqlRow>,
    /// How many rows `fetchone`/`fetchmany` have handed out.
    read: usize,
    rows_affected: u64,
    last_insert_id: Option<i64>,
}

impl Cursor {
    /// The names of the result's columns (the reference's `description`),
    /// also for a result with no rows; empty for a statement that returns
    /// none.
    pub fn description(&self) -> &[String] {
        &self.columns
    }

    /// All rows.
    pub fn fetchall(&self) -> &[SqlRow] {
        &self.rows
    }

    /// The next row, or `None` once every row was read.
    pub fn fetchone(&mut self) -> Option<&SqlRow> {
        let row = self.rows.get(self.read)?;
        self.read += 1;
        Some(row)
    }

    /// The next `n` rows (fewer at the end).
    pub fn fetchmany(&mut self, n: usize) -> &[SqlRow] {
        let start = self.read;
        self.read = start.saturating_add(n).min(self.rows.len());
        &self.rows[start..self.read]
    }

    /// Unwrap into the rows.
    pub fn into_rows(self) -> Vec<SqlRow> {
        self.rows
    }

    /// Rows changed by a write.
    pub fn rows_affected(&self) -> u64 {
        self.rows_affected
    }

    /// The auto-increment key of the last inserted row, where reported.
    pub fn last_insert_id(&self) -> Option<i64> {
        self.last_insert_id
    }
}

/// The first `n` rows of a select, compiled with the limit from the select
/// as it is: no copy of its tree per call.
struct FirstN<'q, R> {
    query: &'q Select<R>,
    n: u64,
}

impl<R: FromRow + 'static> Query for FirstN<'_, R> {
    type Output = Vec<R>;

    fn compile(&self, dialect: &dyn Dialect) -> Result<Statement> {
        sql::compile_select_limited(self.query.node(), self.n, dialect)
    }

    fn execute_on<C: RawConnection>(
        &self,
        conn: &mut C,
        statement: &Statement,
        dialect: &dyn Dialect,
    ) -> impl Future<Output = Result<Vec<R>>> + Send {
        fetch_related(self.query.related(), conn, statement, dialect)
    }
}

/// [`Error::DoesNotExist`] naming `model`, with the SQL and parameters of
/// the statement that found nothing (compiled once more, only then).
#[cold]
pub(crate) fn not_found(model: &'static str, statement: Result<Statement>) -> Error {
    let (sql, params) = match statement {
        Ok(statement) => (statement.sql.to_string(), statement.params),
        Err(error) => (format!("(the query no longer compiles: {error})"), Vec::new()),
    };
    Error::DoesNotExist { model, sql, params }
}

/// The last path segment of a type's name: `User` for `app::models::User`.
fn short_type_name<T>() -> &'static str {
    let full = std::any::type_name::<T>();
    let base = full.split('<').next().unwrap_or(full);
    base.rsplit("::").next().unwrap_or(base)
}

/// Something queries run on: a [`Database`], a [`Connection`] or a
/// [`Transaction`]. Carries the reference's database helpers.
///
/// Implemented by ormcore for those three types only; the one required
/// method is hidden and not meant to be implemented elsewhere.
pub trait Executor: Sync {
    /// The backend.
    type Backend: Backend;

    /// Where statements run.
    #[doc(hidden)]
    fn target(&self) -> Target<'_, Self::Backend>;

    /// Execute any query and return its natural result: rows for selects and
    /// `RETURNING`, the new key for inserts, the affected-row count for
    /// updates and deletes.
    fn aexecute<Q: Query>(&self, query: &Q) -> impl Future<Output = Result<Q::Output>> + Send {
        async move {
            let target = self.target();
            let statement = query.compile_for(&target)?;
            let mut lease = target.lease_for(&statement).await?;
            query.execute_on(lease.conn(), &statement, target.dialect()).await.map_err(|error| {
                match query.written_table() {
                    Some(table) => error.on_table(table),
                    None => error,
                }
            })
        }
    }

    /// Execute a select (or a write with `RETURNING`) and return its rows.
    fn list<Q: Fetch>(&self, query: &Q) -> impl Future<Output = Result<Vec<Q::Row>>> + Send {
        self.aexecute(query)
    }

    /// The first row of a select; [`Error::DoesNotExist`] when there is none.
    fn get<R: FromRow + 'static>(&self, query: &Select<R>) -> impl Future<Output = Result<R>> + Send {
        async move {
            match self.first(query).await? {
                Some(row) => Ok(row),
                None => Err(not_found(
                    short_type_name::<R>(),
                    sql::compile_select_limited(query.node(), 1, self.target().dialect()),
                )),
            }
        }
    }

    /// The first row of a select (with `LIMIT 1` applied), or `None`.
    fn first<R: FromRow + 'static>(&self, query: &Select<R>) -> impl Future<Output = Result<Option<R>>> + Send {
        async move { Ok(self.first_n(query, 1).await?.into_iter().next()) }
    }

    /// Up to the first `n` rows of a select (`LIMIT n`, or the select's own
    /// limit where it is smaller).
    fn first_n<R: FromRow + 'static>(&self, query: &Select<R>, n: u64) -> impl Future<Output = Result<Vec<R>>> + Send {
        async move { self.aexecute(&FirstN { query, n }).await }
    }

    /// The rows of `query` with `load` loaded for them: the reference's
    /// `aprefetch(query, *subqueries)`, written as
    /// `db.list(&query.with_related(load))`. Nest loads with
    /// [`Load::with_related`](crate::Load::with_related) to prefetch
    /// several levels: one select per level.
    fn aprefetch<M: Model>(
        &self,
        query: &Select<M>,
        load: impl IntoLoad<M>,
    ) -> impl Future<Output = Result<Vec<M>>> + Send {
        let query = query.clone().with_related(load);
        async move { self.aexecute(&query).await }
    }

    /// The first column of the first row, decoded into `T`; a query with no
    /// rows reads as NULL (so ask for an `Option` when that can happen).
    fn scalar<T, R>(&self, query: &Select<R>) -> impl Future<Output = Result<T>> + Send
    where
        T: FromValue + Send + 'static,
        R: 'static,
    {
        async move {
            let query = query.clone().limit(1).decode_as::<Option<Value>>();
            let rows = self.aexecute(&query).await?;
            let value = rows.into_iter().next().flatten().unwrap_or(Value::Null);
            T::from_value(value.as_ref()).map_err(|e| e.at("scalar", "0"))
        }
    }

    /// The number of rows a select returns: `SELECT COUNT(*) FROM (query)`.
    fn count<R: 'static>(&self, query: &Select<R>) -> impl Future<Output = Result<i64>> + Send {
        async move {
            let wrapped = Select::from(query.clone().alias("_wrapped")).columns(func::count_star());
            Ok(self.aexecute(&wrapped).await?.into_iter().next().unwrap_or(0))
        }
    }

    /// Whether a select returns any row.
    fn exists<R: 'static>(&self, query: &Select<R>) -> impl Future<Output = Result<bool>> + Send {
        async move {
            let one = || vec![SelectItem { expr: ExprNode::Raw { sql: "1".into(), params: Vec::new() }, alias: None }];
            let mut node = query.node().clone();
            if node.distinct {
                // Which rows are distinct depends on the projection: ask of
                // the select as it is, as a derived table.
                node = Select::from(query.clone().alias("_exists")).into_node();
            }
            node.columns = one();
            // Whether a row exists does not depend on the order (an ORDER BY
            // of columns no longer selected is refused under DISTINCT).
            node.order_by.clear();
            node.limit = Some(node.limit.map_or(1, |limit| limit.min(1)));
            let probe = Select::<Value>::from_node(node);
            Ok(!self.aexecute(&probe).await?.is_empty())
        }
    }

    /// A transaction block that nests: a transaction at the outermost level,
    /// a savepoint inside another block. Await it for a guard, or call
    /// [`Begin::run`] with a closure that commits on `Ok`. Through a
    /// database, it runs on the task's connection (binding one for the
    /// block if the task has none).
    fn atomic(&self) -> Begin<'_, Self::Backend> {
        Begin::new(self.target(), BeginKind::Atomic)
    }

    /// A transaction block; nested inside another it joins the outer
    /// transaction (no savepoint), as in the reference.
    fn transaction(&self) -> Begin<'_, Self::Backend> {
        Begin::new(self.target(), BeginKind::Transaction)
    }

    /// A savepoint block, always a savepoint.
    fn savepoint(&self) -> Begin<'_, Self::Backend> {
        Begin::new(self.target(), BeginKind::Savepoint)
    }

    /// Run `callback` once the transaction this executor's statements run
    /// in commits: the reference's `after_commit`, for work that must only
    /// happen if the data it follows was kept (sending the email, clearing
    /// a cache, notifying another service). Registered in the block of a
    /// [`Transaction`] guard, in the innermost block open on a
    /// [`Connection`], or through a [`Database`] in the innermost block of
    /// the running task; with no block open, it runs now, before this
    /// returns.
    ///
    /// Callbacks run once the outermost transaction has committed, in the
    /// order they were registered, in the task that commits, before
    /// [`commit`](Transaction::commit) (or [`acommit`](Transaction::acommit),
    /// or [`Begin::run`]) returns. A savepoint that is released hands its
    /// callbacks to the block around it, and so does a joined
    /// [`transaction`](Executor::transaction) block that ends. They are
    /// dropped, never run, when the work they follow is undone: their block
    /// or one around it rolls back (explicitly, by a dropped guard, by a
    /// closure's `Err`), its commit fails, or the connection is lost with
    /// the transaction. A callback that panics does so out of `commit`,
    /// whose transaction stays committed; the callbacks after it do not run.
    ///
    /// ```no_run
    /// # async fn demo<B: ormcore::backend::Backend>(db: ormcore::Database<B>) -> ormcore::Result<()> {
    /// use ormcore::prelude::*;
    /// let tx = db.atomic().await?;
    /// tx.aexecute_sql("UPDATE account SET balance = balance - 10 WHERE id = ?", vec![1.into()]).await?;
    /// tx.after_commit(|| println!("debited"));
    /// tx.commit().await?; // prints "debited"
    /// # Ok(()) }
    /// ```
    fn after_commit(&self, callback: impl FnOnce() + Send + 'static) {
        self.target().after_commit(Box::new(callback));
    }

    /// Stream the rows of a query in batches (default 100; see
    /// [`RowStream::buffer_size`]) with constant memory.
    fn iterate<Q: Fetch>(&self, query: &Q) -> RowStream<'_, Self::Backend, Q::Row> {
        let target = self.target();
        let statement = query.compile(target.dialect());
        RowStream::new(target, statement, query.related())
    }

    /// Run raw SQL with `?` placeholders and return its rows and counts.
    fn aexecute_sql(&self, sql: &str, params: Vec<Value>) -> impl Future<Output = Result<Cursor>> + Send {
        async move {
            let target = self.target();
            let statement = sql::compile_raw(sql, &params, target.dialect())?;
            let mut lease = target.lease().await?;
            let mut rows: Vec<SqlRow> = Vec::new();
            let result = lease
                .conn()
                .fetch(&statement, &mut |row| {
                    rows.push(SqlRow::from_row(row, &mut 0)?);
                    Ok(())
                })
                .await?;
            let columns = match rows.first() {
                Some(row) => row.columns().to_vec(),
                None => lease.conn().columns(&statement).await?,
            };
            Ok(Cursor {
                columns,
                rows,
                read: 0,
                rows_affected: result.rows_affected,
                last_insert_id: result.last_insert_id,
            })
        }
    }

    /// Create the tables that do not exist yet (`IF NOT EXISTS`), with their
    /// indexes and constraints, referenced tables first: the reference's
    /// default (`safe=True`). See
    /// [`acreate_tables_strict`](Executor::acreate_tables_strict) for the
    /// form that fails on an existing table.
    ///
    /// Tables whose foreign keys reference each other are created first and
    /// given those keys after (`ALTER TABLE .. ADD CONSTRAINT`), where the
    /// database refuses a key to a table that is not there yet; a table
    /// that existed already is left as it is.
    fn acreate_tables(&self, tables: &[&'static TableMeta]) -> impl Future<Output = Result<()>> + Send {
        create_tables(self, tables, true)
    }

    /// Create the tables, referenced tables first, failing if one exists
    /// (the reference's `safe=False`).
    fn acreate_tables_strict(&self, tables: &[&'static TableMeta]) -> impl Future<Output = Result<()>> + Send {
        create_tables(self, tables, false)
    }

    /// Drop the tables that exist (`IF EXISTS`), referencing tables first:
    /// the reference's default (`safe=True`). See
    /// [`adrop_tables_strict`](Executor::adrop_tables_strict) for the form
    /// that fails on a missing table.
    ///
    /// Tables whose foreign keys reference each other are dropped in one
    /// statement on PostgreSQL; on MySQL and MariaDB those keys are dropped
    /// first.
    fn adrop_tables(&self, tables: &[&'static TableMeta]) -> impl Future<Output = Result<()>> + Send {
        drop_tables(self, tables, true)
    }

    /// Drop the tables, referencing tables first, failing if one is missing
    /// (the reference's `safe=False`).
    fn adrop_tables_strict(&self, tables: &[&'static TableMeta]) -> impl Future<Output = Result<()>> + Send {
        drop_tables(self, tables, false)
    }
}

/// `CREATE TABLE` each table, referenced tables first; the keys of tables
/// that reference each other after, where the dialect needs it.
async fn create_tables<E: Executor + ?Sized>(executor: &E, tables: &[&'static TableMeta], safe: bool) -> Result<()> {
    let dialect = executor.target().dialect();
    let order = crate::schema::create_order(tables);
    let deferred = match dialect.foreign_keys_need_their_table() {
        true => crate::schema::forward_references(&order),
        false => Vec::new(),
    };
    let existing = match safe && !deferred.is_empty() {
        true => table_names(executor).await?,
        false => HashSet::new(),
    };
    let mut statements = Vec::new();
    for table in &order {
        let later: Vec<&str> = deferred.iter().filter(|(t, _)| t.name == table.name).map(|(_, c)| c.name).collect();
        statements.extend(sql::ddl::create_table_deferring(table, dialect, safe, &later)?);
    }
    for (table, column) in deferred.iter().filter(|(t, _)| !existing.contains(t.name)) {
        statements.push(sql::ddl::add_foreign_key(table, column, dialect)?);
    }
    execute_ddl(executor, statements).await
}

/// `DROP TABLE` each table, referencing tables first; tables that
/// reference each other together, or after dropping those keys.
async fn drop_tables<E: Executor + ?Sized>(executor: &E, tables: &[&'static TableMeta], safe: bool) -> Result<()> {
    let dialect = executor.target().dialect();
    let order = crate::schema::drop_order(tables);
    let cycles = crate::schema::forward_references(&crate::schema::create_order(tables));
    let mut statements = Vec::new();
    if let (false, Some(defer)) = (cycles.is_empty(), dialect.defer_foreign_keys()) {
        // Each DROP deletes its rows first, which the other table's keys
        // may still reference: checked at the commit, when both are gone.
        statements.push(defer.to_owned());
        for table in order {
            statements.extend(sql::drop_table(table, dialect, safe)?);
        }
        let tx = executor.atomic().await?;
        run_ddl(&tx, statements).await?;
        return tx.commit().await;
    }
    if !cycles.is_empty() && dialect.foreign_keys_need_their_table() {
        if dialect.drops_tables_together() {
            return execute_ddl(executor, vec![sql::ddl::drop_tables(&order, dialect, safe)]).await;
        }
        if let Some(query) = dialect.foreign_keys_query() {
            // Each DROP commits on its own there: check first that they can
            // all succeed, so that a refused drop never leaves the tables
            // without the keys dropped before it.
            let existing = table_names(executor).await?;
            if let Some(missing) = order.iter().find(|t| !existing.contains(t.name)).filter(|_| !safe) {
                return Err(Error::interface(format!("cannot drop table {:?}: it does not exist", missing.name)));
            }
            let dropped = |name: &str| order.iter().any(|t| t.name == name);
            for row in executor.aexecute_sql(query, Vec::new()).await?.fetchall() {
                let (table, column, constraint, referenced) =
                    (row.get::<String>(0)?, row.get::<String>(1)?, row.get::<String>(2)?, row.get::<String>(3)?);
                if dropped(&referenced) && !dropped(&table) {
                    return Err(Error::interface(format!(
                        "cannot drop table {referenced:?}: {table}.{column} references it; drop {table:?} too"
                    )));
                }
                if cycles.iter().any(|(t, c)| t.name == table && c.name == column) {
                    statements.push(sql::ddl::drop_foreign_key(&table, &constraint, dialect));
                }
            }
        }
    }
    for table in order {
        statements.extend(sql::drop_table(table, dialect, safe)?);
    }
    execute_ddl(executor, statements).await
}

/// The names of the tables the executor's database has: those a query
/// without a schema finds.
pub(crate) async fn table_names<E: Executor + ?Sized>(executor: &E) -> Result<HashSet<String>> {
    let dialect = executor.target().dialect();
    let cursor = executor.aexecute_sql(dialect.table_names_query(), Vec::new()).await?;
    cursor.fetchall().iter().map(|row| row.get::<String>(0)).collect()
}

/// Run DDL statements in order; in one transaction where DDL is
/// transactional, so that a failure part-way (a table that exists, to a
/// strict create) leaves nothing of the call behind: always inside an
/// open transaction (a savepoint), outside one where a transaction can
/// wait for another writer.
async fn execute_ddl<E: Executor + ?Sized>(executor: &E, statements: Vec<String>) -> Result<()> {
    let target = executor.target();
    let dialect = target.dialect();
    let atomic = dialect.transactional_ddl() && (target.in_block() || dialect.transactions_wait_for_writers());
    if statements.len() > 1 && atomic {
        let tx = executor.atomic().await?;
        run_ddl(&tx, statements).await?;
        return tx.commit().await;
    }
    run_ddl(executor, statements).await
}

async fn run_ddl<E: Executor + ?Sized>(executor: &E, statements: Vec<String>) -> Result<()> {
    let target = executor.target();
    let mut lease = target.lease().await?;
    for sql in statements {
        lease.conn().execute(&Statement::compiled_write(sql, Vec::new())).await?;
    }
    Ok(())
}

impl<B: Backend> Executor for Database<B> {
    type Backend = B;
    fn target(&self) -> Target<'_, B> {
        Target::database(self)
    }
}

impl<B: Backend> Executor for Connection<B> {
    type Backend = B;
    fn target(&self) -> Target<'_, B> {
        Target::connection(&self.slot)
    }
}

impl<B: Backend> Executor for Transaction<B> {
    type Backend = B;
    fn target(&self) -> Target<'_, B> {
        Target::block(&self.slot, self.id())
    }
}

impl<E: Executor + ?Sized> Executor for &E {
    type Backend = E::Backend;
    fn target(&self) -> Target<'_, E::Backend> {
        (**self).target()
    }
}
