//! The order in which tables are created and dropped so that every foreign
//! key points at a table that exists.

use super::{ColumnMeta, TableMeta};

/// `tables` ordered so that each comes after the tables it references
/// (among those given). Self-references are ignored; a cycle keeps the
/// given order for its members.
pub fn create_order(tables: &[&'static TableMeta]) -> Vec<&'static TableMeta> {
    let mut ordered: Vec<&'static TableMeta> = Vec::with_capacity(tables.len());
    let mut visiting: Vec<&'static TableMeta> = Vec::new();
    for table in tables {
        visit(table, tables, &mut ordered, &mut visiting);
    }
    ordered
}

/// `tables` ordered so that each comes before the tables it references: the
/// reverse of [`create_order`].
pub fn drop_order(tables: &[&'static TableMeta]) -> Vec<&'static TableMeta> {
    let mut ordered = create_order(tables);
    ordered.reverse();
    ordered
}

/// The foreign keys of `order` (a [`create_order`]) that reference a table
/// coming after their own: the keys of tables that reference each other,
/// which cannot all be declared when their tables are created.
pub fn forward_references(order: &[&'static TableMeta]) -> Vec<(&'static TableMeta, &'static ColumnMeta)> {
    let position = |name: &str| order.iter().position(|t| t.name == name);
    let mut forward = Vec::new();
    for (i, table) in order.iter().enumerate() {
        for column in table.columns {
            let Some(target) = column.references.map(|r| r()) else { continue };
            if target.name != table.name && position(target.name).is_some_and(|j| j > i) {
                forward.push((*table, column));
            }
        }
    }
    forward
}

/// Tables are the same when their names are: two models of one table are
/// one table to the database.
fn contains(list: &[&'static TableMeta], table: &'static TableMeta) -> bool {
    list.iter().any(|t| t.name == table.name)
}

fn visit(
    table: &'static TableMeta,
    all: &[&'static TableMeta],
    ordered: &mut Vec<&'static TableMeta>,
    visiting: &mut Vec<&'static TableMeta>,
) {
    if contains(ordered, table) || contains(visiting, table) {
        return;
    }
    visiting.push(table);
    for referenced in table.references() {
        // The model given for that table, not the one the key names: two
        // models of one table may have different columns, and the caller
        // chose which to create.
        let given = all.iter().find(|t| t.name == referenced.name);
        if let Some(given) = given.filter(|_| referenced.name != table.name) {
            visit(given, all, ordered, visiting);
        }
    }
    visiting.pop();
    ordered.push(table);
}
