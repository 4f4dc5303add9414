//! What a table is, below everything that reads or writes one: the
//! metadata `#[derive(Model)]` builds ([`TableMeta`]), the [`Record`] trait
//! through which the query builders see a model's rows, and the order in
//! which tables are created and dropped.

mod meta;
mod order;
mod record;

#[doc(hidden)]
pub use meta::RegisteredTable;
pub use meta::{ColumnMeta, ColumnType, DefaultValue, IndexMeta, OnDelete, TableMeta};
pub use order::{create_order, drop_order, forward_references};
pub use record::Record;
