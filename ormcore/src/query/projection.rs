//! What a select or a `RETURNING` clause projects, and the Rust type each
//! projected row decodes into.

use super::expr::{Aliased, Expr};
use super::node::SelectItem;
use crate::query::Column;
use crate::row::FromRow;
use crate::schema::Record;
use crate::types::{SqlField, SqlType};

/// A list of projected expressions and the row type they decode into: a
/// column or expression alone (`User::NAME` decodes into `String`), a whole
/// model (`Table::<User>::all()`), or a tuple of these (`(User::ID,
/// func::count_star())` decodes into `(i64, i64)`).
pub trait Projection {
    /// The Rust type one projected row decodes into.
    type Row: FromRow;
    /// Append the projected items.
    fn push_items(self, items: &mut Vec<SelectItem>);
}

impl<M, F> Projection for Column<M, F>
where
    F: SqlField + FromRow,
{
    type Row = F;
    fn push_items(self, items: &mut Vec<SelectItem>) {
        items.push(SelectItem { expr: self.node(), alias: None });
    }
}

impl<T: SqlType> Projection for Expr<T>
where
    T::Output: FromRow,
{
    type Row = T::Output;
    fn push_items(self, items: &mut Vec<SelectItem>) {
        items.push(SelectItem { expr: self.into_node(), alias: None });
    }
}

impl<T: SqlType> Projection for Aliased<T>
where
    T::Output: FromRow,
{
    type Row = T::Output;
    fn push_items(self, items: &mut Vec<SelectItem>) {
        items.push(self.into_item());
    }
}

/// All columns of model `M`, qualified by its table: projects a whole model.
#[derive(Debug)]
pub struct All<M>(std::marker::PhantomData<fn() -> M>);

impl<M: Record> All<M> {
    /// Every column of `M`.
    pub fn new() -> Self {
        All(std::marker::PhantomData)
    }
}

impl<M: Record> Default for All<M> {
    fn default() -> Self {
        Self::new()
    }
}

impl<M: Record> Projection for All<M> {
    type Row = M;
    fn push_items(self, items: &mut Vec<SelectItem>) {
        push_model_columns(M::META, items);
    }
}

/// Append every column of a table, qualified by its name.
pub(crate) fn push_model_columns(meta: &'static crate::schema::TableMeta, items: &mut Vec<SelectItem>) {
    items.extend(meta.columns.iter().map(|c| SelectItem {
        expr: super::node::ExprNode::Column { table: Some(meta.name.into()), name: c.name.into() },
        alias: None,
    }));
}

macro_rules! tuple_projection {
    ($($name:ident)+) => {
        impl<$($name: Projection),+> Projection for ($($name,)+) {
            type Row = ($($name::Row,)+);
            #[allow(non_snake_case)]
            fn push_items(self, items: &mut Vec<SelectItem>) {
                let ($($name,)+) = self;
                $($name.push_items(items);)+
            }
        }
    };
}

tuple_projection!(A);
tuple_projection!(A B);
tuple_projection!(A B C);
tuple_projection!(A B C D);
tuple_projection!(A B C D E);
tuple_projection!(A B C D E F);
tuple_projection!(A B C D E F G);
tuple_projection!(A B C D E F G H);
