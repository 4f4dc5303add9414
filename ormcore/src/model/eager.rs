//! Relations filled without a query per row: joins that select a related
//! model ([`Select::join_related`]) and eager loads ([`Load`], run by
//! [`Select::with_related`] and `aprefetch`) that fetch a relation for
//! every row of a result with one more select.

use std::any::Any;
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;

use super::relations::HasRelations;
use super::{ForeignKeyField, Model, PrimaryKey};
use crate::error::{Error, Result};
use crate::query::node::{BinaryOp, ExprNode, Ident, Join, JoinKind, SelectItem, SelectNode, TableRef};
use crate::query::related::{Collect, Preload};
use crate::query::{Column, IntoExpr, IntoOrderBy, Select};
use crate::row::{FromRow, Row};
use crate::schema::Record;
use crate::types::Bool;
use crate::value::{Value, ValueRef};

impl<M: Model> Select<M> {
    /// `INNER JOIN` the model that foreign key `fk` references and select
    /// its columns too: each row's `fk` field then holds the related object
    /// (`tweet.user.get()` is `Some`, `afetch` sends nothing). The reference's
    /// `Tweet.select(Tweet, User).join(User)`. Rows whose key matches no
    /// row are left out, as an inner join does; see
    /// [`left_join_related`](Select::left_join_related).
    ///
    /// The joined table keeps its name (so `User::NAME.eq(..)` filters on
    /// it), unless it is already in the query (a model referencing its own
    /// table): it is then aliased by the field's name.
    ///
    /// ```
    /// use ormcore::prelude::*;
    /// # #[derive(Model, Debug, Default)] struct User { id: i64, name: String }
    /// #[derive(Model, Debug)]
    /// struct Tweet { id: i64, user: ForeignKey<User>, content: String }
    ///
    /// let huey_tweets = Tweet::select().join_related(Tweet::USER).where_(User::NAME.eq("huey"));
    /// # let _ = huey_tweets;
    /// ```
    pub fn join_related<F: ForeignKeyField>(self, fk: Column<M, F>) -> Self {
        self.push_related_join(JoinKind::Inner, fk)
    }

    /// `LEFT JOIN` the model that `fk` references, as
    /// [`join_related`](Select::join_related) does, keeping every row: a
    /// row whose key is NULL or matches no row has nothing loaded
    /// (`get()` is `None`).
    pub fn left_join_related<F: ForeignKeyField>(self, fk: Column<M, F>) -> Self {
        self.push_related_join(JoinKind::Left, fk)
    }

    fn push_related_join<F: ForeignKeyField>(mut self, kind: JoinKind, fk: Column<M, F>) -> Self {
        let target = F::Target::META;
        let node = self.node_mut();
        let taken = |name: &str| {
            let from = node.from.as_ref().is_some_and(|t| table_ref_name(t) == name);
            from || node.joins.iter().any(|j| table_ref_name(&j.table) == name)
        };
        let field = M::META.columns[fk.index()].field;
        let (table, alias) = if taken(target.name) {
            let mut alias = field.to_owned();
            while taken(&alias) {
                alias.push('_');
            }
            (alias.clone(), Some(Ident::from(alias)))
        } else {
            (target.name.to_owned(), None)
        };
        let key = target.columns[target.primary_key[0]].name;
        let on = ExprNode::Binary {
            left: Box::new(fk.node()),
            op: BinaryOp::Eq,
            right: Box::new(ExprNode::Column { table: Some(table.clone().into()), name: key.into() }),
        };
        node.joins.push(Join { kind, table: TableRef::Table { name: target.name.into(), alias }, on });
        // Aliased by the table's name in the query, unique there, so that
        // the select stays valid as a derived table (a count) where the
        // tables share column names.
        node.columns.extend(target.columns.iter().map(|c| SelectItem {
            expr: ExprNode::Column { table: Some(table.clone().into()), name: c.name.into() },
            alias: Some(format!("{table}__{}", c.name).into()),
        }));
        self.push_fill(Arc::new(move |model: &mut M, row: &dyn Row, next: &mut usize| {
            fill_joined::<M, F>(model, fk.index(), row, next)
        }));
        self
    }

    /// Load relation `load` for the rows of this select, with one more
    /// select per relation (and per nested relation) whatever the number
    /// of rows, when it runs (`list`, `get`, `first`, `aexecute`, ...).
    /// Pass a foreign-key column (`Tweet::USER`: each tweet's user) or a
    /// [`Load`].
    pub fn with_related(mut self, load: impl IntoLoad<M>) -> Self {
        self.push_preload(load.into_preload().0);
        self
    }
}

fn table_ref_name(table: &TableRef) -> &str {
    match table {
        TableRef::Table { alias: Some(alias), .. } | TableRef::Subquery { alias, .. } => alias,
        TableRef::Table { name, .. } => name,
    }
}

/// Decode the joined columns of `fk`'s model into `model`'s field: nothing
/// loaded when its key column is NULL (a left join that found no row).
fn fill_joined<M: Record, F: ForeignKeyField>(
    model: &mut M,
    column: usize,
    row: &dyn Row,
    next: &mut usize,
) -> Result<()> {
    let target = F::Target::META;
    let start = *next;
    if matches!(row.value(start + target.primary_key[0])?, ValueRef::Null) {
        *next = start + target.columns.len();
        return Ok(());
    }
    let related = F::Target::from_row(row, next)?;
    field_mut::<M, F>(model, column)?.fill(Arc::new(related));
    Ok(())
}

/// The foreign-key field of column `column`, of type `F`.
fn field_mut<M: Record, F: ForeignKeyField>(model: &mut M, column: usize) -> Result<&mut F> {
    model.column_field_mut(column).and_then(|field| field.downcast_mut::<F>()).ok_or_else(|| {
        Error::interface(format!("column {column} of `{}` is not the foreign key it was declared as", M::META.model))
    })
}

/// A relation to load eagerly for the rows of `Of`, with the rows of
/// `Loaded` it finds: made by [`Load::belongs_to`] (each tweet's user) or
/// [`Load::has_many`] (each user's tweets), narrowed by
/// [`where_`](Load::where_), ordered by [`order_by`](Load::order_by) and
/// nested by [`with_related`](Load::with_related). Each load runs one
/// select for all the rows it loads for (split only past the dialect's
/// parameter limit).
///
/// ```
/// use ormcore::prelude::*;
/// use ormcore::{Load, Relations};
///
/// #[derive(Model, Debug, Default)]
/// struct User { id: i64, name: String, #[orm(relations)] related: Relations }
/// #[derive(Model, Debug)]
/// struct Tweet { id: i64, user: ForeignKey<User>, content: String, #[orm(relations)] related: Relations }
/// #[derive(Model, Debug)]
/// struct Comment { id: i64, tweet: ForeignKey<Tweet>, body: String }
///
/// // Users, their tweets newest first, and each tweet's comments: three
/// // selects however many rows.
/// let users = User::select().with_related(
///     Load::has_many(Tweet::USER)
///         .order_by(Tweet::ID.desc())
///         .with_related(Load::has_many(Comment::TWEET)),
/// );
/// # let _ = users;
/// ```
pub struct Load<Of, Loaded> {
    select: Select<Loaded>,
    /// The foreign-key column: of `Of` for `belongs_to`, of `Loaded` for
    /// `has_many`.
    column: usize,
    nested: Vec<Arc<dyn Preload>>,
    erase: fn(Self) -> Arc<dyn Preload>,
    _of: PhantomData<fn() -> Of>,
}

impl<M: Model, T: PrimaryKey> Load<M, T> {
    /// For each row of `M`, the row its foreign key `fk` references
    /// (many-to-one), cached in the field as a join would: `tweet.user`.
    /// A row with a NULL key has nothing to load; one whose key matches no
    /// row (or none the filter keeps) stays unloaded.
    pub fn belongs_to<F: ForeignKeyField<Target = T>>(fk: Column<M, F>) -> Self {
        Load {
            select: F::Target::select(),
            column: fk.index(),
            nested: Vec::new(),
            erase: |load| Loading::<BelongsTo<M, F>>::erased(load.into_parts()),
            _of: PhantomData,
        }
    }
}

impl<P: PrimaryKey + HasRelations, C: Model> Load<P, C> {
    /// For each row of the model that `fk` references, the rows of `C`
    /// that reference it (one-to-many), kept in its
    /// [`Relations`](crate::Relations) field: `user.related.get(Tweet::USER)`.
    /// Every row loaded for gets its list, empty when nothing references it.
    pub fn has_many<F: ForeignKeyField<Target = P>>(fk: Column<C, F>) -> Self {
        Load {
            select: C::select(),
            column: fk.index(),
            nested: Vec::new(),
            erase: |load| Loading::<HasMany<C, F>>::erased(load.into_parts()),
            _of: PhantomData,
        }
    }
}

impl<Of, Loaded: Model> Load<Of, Loaded> {
    /// Load only the rows matching `condition`; several calls are joined
    /// with `AND`.
    pub fn where_(mut self, condition: impl IntoExpr<Bool>) -> Self {
        self.select = self.select.where_(condition);
        self
    }

    /// Order the rows loaded for each row (one-to-many).
    pub fn order_by(mut self, order: impl IntoOrderBy) -> Self {
        self.select = self.select.order_by(order);
        self
    }

    /// Also load `load` for the rows this loads, one more select for all of
    /// them.
    pub fn with_related(mut self, load: impl IntoLoad<Loaded>) -> Self {
        self.nested.push(load.into_preload().0);
        self
    }

    fn into_parts(self) -> Parts<Loaded> {
        Parts { select: self.select, column: self.column, nested: self.nested }
    }
}

impl<Of, Loaded> fmt::Debug for Load<Of, Loaded> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Load").field("select", &self.select).field("nested", &self.nested).finish()
    }
}

/// What [`Select::with_related`] and [`Load::with_related`] take: a
/// [`Load`] for the rows of `M`, or one of `M`'s foreign-key columns
/// (short for [`Load::belongs_to`]).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a relation to load for the rows of `{M}`",
    label = "a foreign-key column of `{M}`, or a `Load` for `{M}`",
    note = "to load the rows that reference `{M}` (a back-reference), use `Load::has_many(Model::FOREIGN_KEY)`"
)]
pub trait IntoLoad<M> {
    /// The load, ready to run.
    #[doc(hidden)]
    fn into_preload(self) -> Built;
}

/// A load ready to run, its types erased.
#[doc(hidden)]
pub struct Built(Arc<dyn Preload>);

impl<M, Loaded> IntoLoad<M> for Load<M, Loaded> {
    fn into_preload(self) -> Built {
        Built((self.erase)(self))
    }
}

impl<M: Model, F: ForeignKeyField> IntoLoad<M> for Column<M, F> {
    fn into_preload(self) -> Built {
        Load::belongs_to(self).into_preload()
    }
}

/// A load, built.
struct Parts<Loaded> {
    select: Select<Loaded>,
    column: usize,
    nested: Vec<Arc<dyn Preload>>,
}

/// The selects of a load: its select, narrowed to rows whose `column`
/// is one of `keys`, in chunks of at most `max_keys` keys.
fn keyed_selects<Loaded>(
    select: &Select<Loaded>,
    column: ExprNode,
    keys: Vec<Value>,
    max_keys: usize,
) -> Vec<SelectNode> {
    keys.chunks(max_keys.max(1))
        .map(|chunk| {
            let list = chunk.iter().cloned().map(ExprNode::Value).collect();
            let matches = ExprNode::InList { expr: Box::new(column.clone()), list, negated: false };
            let mut node = select.node().clone();
            node.where_ = Some(ExprNode::and_all(node.where_.take(), matches));
            node
        })
        .collect()
}

/// The distinct non-NULL values of column `column` of `rows`, in order.
fn distinct_keys<M: Record>(rows: &[M], column: usize) -> Vec<Value> {
    let mut seen = std::collections::HashSet::new();
    rows.iter()
        .map(|row| row.column_value(column))
        .filter(|key| !matches!(key, Value::Null) && seen.insert(KeyOf::new(key)))
        .collect()
}

fn rows_of<'a, M: 'static>(rows: &'a dyn Any, load: &str) -> Result<&'a Vec<M>> {
    rows.downcast_ref::<Vec<M>>().ok_or_else(|| wrong_rows::<M>(load))
}

fn rows_of_mut<'a, M: 'static>(rows: &'a mut (dyn Any + Send), load: &str) -> Result<&'a mut Vec<M>> {
    rows.downcast_mut::<Vec<M>>().ok_or_else(|| wrong_rows::<M>(load))
}

#[cold]
fn wrong_rows<M>(load: &str) -> Error {
    Error::interface(format!("an eager load of {load} ran for rows that are not `{}`", std::any::type_name::<M>()))
}

/// A row the database found for a key that equals no key loaded for
/// exactly: giving it to none would be a silent wrong result.
#[cold]
fn inexact_match(model: &str, key: &Value) -> Error {
    Error::interface(format!(
        "an eager load found a `{model}` row for the key {key:?}, which equals none of the keys it loaded for \
         exactly: the database compares these keys loosely (a case- or accent-insensitive collation, or trailing \
         spaces ignored). Compare key columns exactly (on MySQL, a binary collation such as utf8mb4_bin), or \
         load the relation with `join_related`, which the database matches itself"
    ))
}

/// A key as a map key: the values a key column holds compare by content.
#[derive(Clone, PartialEq, Eq, Hash)]
enum KeyOf {
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
    /// Other kinds (UUIDs, dates, ...), by their debug form, which is
    /// exact for them.
    Other(String),
}

impl KeyOf {
    fn new(value: &Value) -> Self {
        match value {
            Value::Int(i) => KeyOf::Int(*i),
            Value::Text(s) => KeyOf::Text(s.clone()),
            Value::Bytes(b) => KeyOf::Bytes(b.clone()),
            other => KeyOf::Other(format!("{other:?}")),
        }
    }
}

/// The direction of a load: which rows it loads for (`Of`), which it
/// loads (`Loaded`), the keys it looks up and how it gives the rows found
/// to the rows it loads for. [`Loading`] and [`Found`] do the rest for
/// both directions.
trait Link: Send + Sync + 'static {
    type Of: Model;
    type Loaded: Model;
    /// `has_many` or `belongs_to`, for messages.
    const NAME: &'static str;

    /// The model whose foreign-key column the load's `column` is.
    fn fk_model() -> &'static crate::schema::TableMeta;

    /// The loaded rows' column compared with the keys.
    fn matched(column: usize) -> ExprNode;

    /// The keys the rows loaded for look up.
    fn keys(parents: &[Self::Of], column: usize) -> Vec<Value>;

    /// Give each parent its rows.
    fn attach(column: usize, rows: Vec<Self::Loaded>, parents: &mut [Self::Of]) -> Result<()>;
}

/// Many-to-one: the rows `M`'s foreign key `F` references.
struct BelongsTo<M, F>(PhantomData<fn() -> (M, F)>);

impl<M: Model, F: ForeignKeyField> Link for BelongsTo<M, F> {
    type Of = M;
    type Loaded = F::Target;
    const NAME: &'static str = "belongs_to";

    fn fk_model() -> &'static crate::schema::TableMeta {
        M::META
    }

    fn matched(_: usize) -> ExprNode {
        F::Target::KEY.node()
    }

    fn keys(parents: &[M], column: usize) -> Vec<Value> {
        distinct_keys(parents, column)
    }

    fn attach(column: usize, rows: Vec<F::Target>, parents: &mut [M]) -> Result<()> {
        let key = F::Target::META.primary_key[0];
        let mut by_key: HashMap<KeyOf, (Arc<F::Target>, bool)> =
            rows.into_iter().map(|row| (KeyOf::new(&row.column_value(key)), (Arc::new(row), false))).collect();
        for parent in parents.iter_mut() {
            let field = field_mut::<M, F>(parent, column)?;
            if let Some((related, used)) = field.key_value().and_then(|key| by_key.get_mut(&KeyOf::new(&key))) {
                field.fill(Arc::clone(related));
                *used = true;
            }
        }
        match by_key.values().find(|(_, used)| !used) {
            Some((row, _)) => Err(inexact_match(F::Target::META.model, &row.column_value(key))),
            None => Ok(()),
        }
    }
}

/// One-to-many: the rows of `C` whose foreign key `F` references the
/// parents.
struct HasMany<C, F>(PhantomData<fn() -> (C, F)>);

impl<C: Model, F: ForeignKeyField> Link for HasMany<C, F>
where
    F::Target: HasRelations,
{
    type Of = F::Target;
    type Loaded = C;
    const NAME: &'static str = "has_many";

    fn fk_model() -> &'static crate::schema::TableMeta {
        C::META
    }

    fn matched(column: usize) -> ExprNode {
        ExprNode::Column { table: Some(C::META.name.into()), name: C::META.columns[column].name.into() }
    }

    fn keys(parents: &[F::Target], _: usize) -> Vec<Value> {
        distinct_keys(parents, F::Target::META.primary_key[0])
    }

    fn attach(column: usize, rows: Vec<C>, parents: &mut [F::Target]) -> Result<()> {
        let mut groups: HashMap<KeyOf, Vec<C>> = HashMap::new();
        for row in rows {
            groups.entry(KeyOf::new(&row.column_value(column))).or_default().push(row);
        }
        // A parent listed twice (a join can repeat it) shares its rows.
        let mut shared: HashMap<KeyOf, Arc<Vec<C>>> = HashMap::new();
        let key = F::Target::META.primary_key[0];
        for parent in parents.iter_mut() {
            let key = KeyOf::new(&parent.column_value(key));
            let rows = match shared.get(&key) {
                Some(rows) => Arc::clone(rows),
                None => {
                    let rows = Arc::new(groups.remove(&key).unwrap_or_default());
                    shared.insert(key, Arc::clone(&rows));
                    rows
                }
            };
            parent.relations_mut().set(column, rows);
        }
        match groups.into_values().flatten().next() {
            Some(row) => Err(inexact_match(C::META.model, &row.column_value(column))),
            None => Ok(()),
        }
    }
}

/// A load, built, in direction `L`.
struct Loading<L: Link> {
    load: Arc<Parts<L::Loaded>>,
    _link: PhantomData<fn() -> L>,
}

impl<L: Link> Loading<L> {
    fn erased(load: Parts<L::Loaded>) -> Arc<dyn Preload> {
        Arc::new(Loading::<L> { load: Arc::new(load), _link: PhantomData })
    }
}

impl<L: Link> fmt::Debug for Loading<L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let meta = L::fk_model();
        write!(f, "{}({}.{})", L::NAME, meta.model, meta.columns[self.load.column].field)
    }
}

impl<L: Link> Preload for Loading<L> {
    fn selects(&self, parents: &dyn Any, max_keys: usize) -> Result<Vec<SelectNode>> {
        let parents = rows_of::<L::Of>(parents, &format!("{self:?}"))?;
        let keys = L::keys(parents, self.load.column);
        Ok(keyed_selects(&self.load.select, L::matched(self.load.column), keys, max_keys))
    }

    fn select(&self) -> &SelectNode {
        self.load.select.node()
    }

    fn collect(&self) -> Box<dyn Collect> {
        Box::new(Found::<L> { load: Arc::clone(&self.load), rows: Vec::new(), _link: PhantomData })
    }

    fn nested(&self) -> &[Arc<dyn Preload>] {
        &self.load.nested
    }
}

/// The rows a load's selects found, as they arrive.
struct Found<L: Link> {
    load: Arc<Parts<L::Loaded>>,
    rows: Vec<L::Loaded>,
    _link: PhantomData<fn() -> L>,
}

impl<L: Link> Collect for Found<L> {
    fn push(&mut self, row: &dyn Row) -> Result<()> {
        self.rows.push(self.load.select.decode(row)?);
        Ok(())
    }

    fn rows(&mut self) -> &mut (dyn Any + Send) {
        &mut self.rows
    }

    fn attach(self: Box<Self>, parents: &mut (dyn Any + Send)) -> Result<()> {
        let parents = rows_of_mut::<L::Of>(parents, L::NAME)?;
        L::attach(self.load.column, self.rows, parents)
    }
}
