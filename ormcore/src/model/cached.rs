//! The statements the model layer sends for one instance at a time: the
//! lookup by key behind `aget_by_id` (and foreign keys), and the one-row
//! insert behind `acreate` and `asave`. Their SQL depends only on the
//! model, the dialect and the kinds of their values (a dialect may type a
//! placeholder by its value's kind: PostgreSQL's `$1::int8`, and a NULL
//! untyped), so each database compiles it once per kinds, exactly as the
//! query would compile, and binds each call's values into it (the
//! [`Query::compile_for`] hook); the values are checked as the compiler
//! would check them.

use std::any::TypeId;
use std::future::Future;
use std::marker::PhantomData;

use super::{Model, PrimaryKey};
use crate::backend::{Backend, RawConnection};
use crate::database::Target;
use crate::error::Result;
use crate::executor::{Query, fetch_first, inserted_key};
use crate::query::node::ExprNode;
use crate::query::{Expr, ExprOps, Insert, Select};
use crate::schema::TableMeta;
use crate::sql::{self, Dialect, Statement};
use crate::types::SqlField;
use crate::value::{ToValue, Value};

/// The kinds of cached statement, per model.
const LOOKUP_BY_KEY: u8 = 0;
const INSERT_ALL_COLUMNS: u8 = 1;
const INSERT_WITHOUT_KEY: u8 = 2;

/// The row whose single-column key is `key`, at most one.
pub(crate) struct KeyLookup<M> {
    key: Value,
    model: PhantomData<fn() -> M>,
}

impl<M: PrimaryKey> KeyLookup<M> {
    pub(crate) fn new(key: &M::Key) -> Self {
        KeyLookup { key: key.to_value(), model: PhantomData }
    }

    /// The select it runs for `key`: with a NULL key, `key IS NULL`, as
    /// `eq` builds it.
    fn select(key: Value) -> Select<M> {
        Select::<M>::model().where_(M::KEY.eq(Expr::<<M::Key as SqlField>::Sql>::from_node(ExprNode::Value(key))))
    }

    fn key_index() -> usize {
        M::META.primary_key[0]
    }
}

/// The kinds of `values`, four bits each; `None` for more than 32 values
/// (such statements are compiled every time).
fn kinds(values: &[Value]) -> Option<u128> {
    if values.len() > 32 {
        return None;
    }
    Some(values.iter().fold(0, |kinds, value| kinds << 4 | u128::from(value.kind_number())))
}

impl<M: PrimaryKey> Query for KeyLookup<M> {
    /// The row, if there is one.
    type Output = Option<M>;

    fn compile(&self, dialect: &dyn Dialect) -> Result<Statement> {
        sql::compile_select_limited(Self::select(self.key.clone()).node(), 1, dialect)
    }

    fn compile_for<B: Backend>(&self, target: &Target<'_, B>) -> Result<Statement> {
        if matches!(self.key, Value::Null) {
            return self.compile(target.dialect());
        }
        sql::check_compared(target.dialect(), M::META, Self::key_index(), &self.key)?;
        let key = (TypeId::of::<M>(), LOOKUP_BY_KEY, u128::from(self.key.kind_number()));
        target.cached_statement(key, vec![self.key.clone()], |dialect| self.compile(dialect))
    }

    fn execute_on<C: RawConnection>(
        &self,
        conn: &mut C,
        statement: &Statement,
        _dialect: &dyn Dialect,
    ) -> impl Future<Output = Result<Option<M>>> + Send {
        fetch_first(conn, statement)
    }
}

/// One model instance inserted with every column, or every column but its
/// auto-increment key while that is unassigned: the new key comes back.
pub(crate) struct InstanceInsert<'m, M> {
    model: &'m M,
    /// Whether the key column is left out, for the database to assign.
    without_key: bool,
}

impl<'m, M: Model> InstanceInsert<'m, M> {
    pub(crate) fn new(model: &'m M) -> Self {
        let without_key = M::META.auto_increment && model.primary_key_values().is_none();
        InstanceInsert { model, without_key }
    }

    /// The columns inserted, by position.
    fn columns(&self) -> impl Iterator<Item = usize> + '_ {
        let meta = M::META;
        (0..meta.columns.len()).filter(move |i| !(self.without_key && meta.primary_key.contains(i)))
    }
}

impl<M: Model> Query for InstanceInsert<'_, M> {
    /// The auto-increment key of the row, as [`Insert`]'s.
    type Output = Option<i64>;

    fn written_table(&self) -> Option<&'static TableMeta> {
        Some(M::META)
    }

    fn compile(&self, dialect: &dyn Dialect) -> Result<Statement> {
        Insert::models([self.model]).compile(dialect)
    }

    fn compile_for<B: Backend>(&self, target: &Target<'_, B>) -> Result<Statement> {
        let meta = M::META;
        let dialect = target.dialect();
        let mut params = Vec::with_capacity(meta.columns.len());
        for index in self.columns() {
            let value = self.model.column_value(index);
            sql::check_stored(dialect, meta, index, &value)?;
            params.push(value);
        }
        let kind = if self.without_key { INSERT_WITHOUT_KEY } else { INSERT_ALL_COLUMNS };
        match kinds(&params) {
            Some(kinds) => {
                target.cached_statement((TypeId::of::<M>(), kind, kinds), params, |dialect| self.compile(dialect))
            }
            None => self.compile(dialect),
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
