//! PostgreSQL: the trait's defaults are standard SQL as PostgreSQL speaks
//! it, so this dialect only numbers its placeholders and spells
//! case-insensitive matching `ILIKE`.

use std::fmt::Write as _;

use super::Dialect;

/// The PostgreSQL dialect: `$1, $2, ...` placeholders, `"quoted"` names,
/// `ILIKE`, `RETURNING`, `ON CONFLICT`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostgresDialect;

impl Dialect for PostgresDialect {
    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    fn write_placeholder(&self, sql: &mut String, index: usize) {
        // Writing into a String cannot fail.
        let _ = write!(sql, "${index}");
    }

    fn like_operator(&self, case_insensitive: bool) -> &'static str {
        if case_insensitive { "ILIKE" } else { "LIKE" }
    }
}
