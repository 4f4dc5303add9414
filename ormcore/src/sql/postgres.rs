//! PostgreSQL: the trait's defaults are standard SQL as PostgreSQL speaks
//! it, so this dialect only numbers and types its placeholders, spells
//! case-insensitive matching `ILIKE`, and refuses the values PostgreSQL
//! would change.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::{Dialect, NativePlaceholders, ValueUse};
use crate::value::Value;

/// The PostgreSQL type a value of each kind is bound as; NULL stays
/// untyped, taking its type from the context.
fn pg_type(value: &Value) -> Option<&'static str> {
    Some(match value {
        Value::Null | Value::Unencodable(_) => return None,
        Value::Bool(_) => "bool",
        Value::Int(_) => "int8",
        Value::Float(_) => "float8",
        Value::Text(_) => "text",
        Value::Bytes(_) => "bytea",
        #[cfg(feature = "chrono")]
        Value::Date(_) => "date",
        #[cfg(feature = "chrono")]
        Value::Time(_) => "time",
        #[cfg(feature = "chrono")]
        Value::DateTime(_) => "timestamp",
        #[cfg(feature = "chrono")]
        Value::DateTimeUtc(_) => "timestamptz",
        #[cfg(feature = "uuid")]
        Value::Uuid(_) => "uuid",
        #[cfg(feature = "json")]
        Value::Json(_) => "jsonb",
        #[cfg(feature = "decimal")]
        Value::Decimal(_) => "numeric",
    })
}

/// Why PostgreSQL would not keep a time of day with these nanoseconds:
/// its times and timestamps count microseconds, and have no leap seconds
/// (chrono's `23:59:60.5` would become the next day's `00:00:00.5`).
#[cfg(feature = "chrono")]
fn time_limit(nanoseconds: u32) -> Option<Cow<'static, str>> {
    if nanoseconds >= 1_000_000_000 {
        Some("PostgreSQL has no leap seconds".into())
    } else if !nanoseconds.is_multiple_of(1_000) {
        Some("PostgreSQL keeps time to the microsecond".into())
    } else {
        None
    }
}

/// Whether `document` holds a `-0.0`, which `jsonb` (whose numbers are
/// NUMERIC) keeps as `0.0`. Looks no deeper than the JSON ormcore reads,
/// which the compiler has checked first.
#[cfg(feature = "json")]
fn json_has_negative_zero(document: &serde_json::Value, levels: usize) -> bool {
    use serde_json::Value as Json;
    match document {
        Json::Number(n) => n.as_f64().is_some_and(|x| x == 0.0 && x.is_sign_negative()),
        Json::Array(_) | Json::Object(_) if levels == 0 => false,
        Json::Array(items) => items.iter().any(|item| json_has_negative_zero(item, levels - 1)),
        Json::Object(members) => members.values().any(|member| json_has_negative_zero(member, levels - 1)),
        _ => false,
    }
}

/// The PostgreSQL dialect: `$1, $2, ...` placeholders, `"quoted"` names,
/// `ILIKE`, `RETURNING`, `ON CONFLICT`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PostgresDialect;

/// The statements ormcore-pg sends for its own bookkeeping: resetting a
/// session, asking whether a transaction is open. Rendered here, like every other statement, so that the backend
/// writes no SQL.
impl PostgresDialect {
    /// Resets a connection's session to what a fresh connection has, keeping
    /// the driver's prepared statements: the parts of `DISCARD ALL` other
    /// than `DEALLOCATE ALL`, and a `DEALLOCATE` of each statement prepared
    /// with SQL `PREPARE`. `RESET ALL` goes back to the values the
    /// connection started with (its startup options: time zone, isolation
    /// level, search path). One simple query: a single round trip, run as
    /// one implicit transaction.
    ///
    /// Functions and views are named with their schema: the session being
    /// reset may have put objects of its own with those names first on its
    /// `search_path`. It ends by counting the session's protocol-level
    /// prepared statements, so that a raw `DEALLOCATE ALL` (or `DISCARD
    /// ALL`), which drops the driver's statements behind its cache's back,
    /// is noticed.
    pub const RESET_SESSION: &'static str = "SET SESSION AUTHORIZATION DEFAULT; RESET ALL; CLOSE ALL; UNLISTEN *; \
         SELECT pg_catalog.pg_advisory_unlock_all(); DISCARD TEMP; DISCARD SEQUENCES; \
         DO $ormcore$DECLARE s text; BEGIN \
         FOR s IN SELECT name FROM pg_catalog.pg_prepared_statements WHERE from_sql LOOP \
         EXECUTE pg_catalog.format('DEALLOCATE %I', s); END LOOP; END$ormcore$; \
         SELECT pg_catalog.count(*) FROM pg_catalog.pg_prepared_statements";

    /// Tells whether the session is inside a transaction block: there
    /// `now()` is the block's start, earlier than the statement's own
    /// timestamp; in autocommit the two are the same instant; in a failed
    /// block the query is refused (25P02). A simple query, so that it is
    /// one protocol message; the functions and the operator named with
    /// their schema, so that a session's own `now()` first on its
    /// `search_path` cannot answer instead.
    pub const TRANSACTION_PROBE: &'static str =
        "SELECT pg_catalog.now() OPERATOR(pg_catalog.=) pg_catalog.statement_timestamp()";
}

impl Dialect for PostgresDialect {
    fn native_placeholders(&self) -> NativePlaceholders {
        NativePlaceholders::Dollar
    }

    fn dollar_quotes(&self) -> bool {
        true
    }

    fn nests_block_comments(&self) -> bool {
        true
    }

    fn name(&self) -> &'static str {
        "PostgreSQL"
    }

    /// Text with control characters as an escape string (`E'a\nb'`),
    /// binary data as `'\x0a0b'`.
    fn write_literal(&self, out: &mut String, value: &Value) {
        super::render::write_literal_styled(
            self,
            out,
            value,
            super::render::Style { text: super::render::TextStyle::Escape, hex_escape_bytes: true },
        );
    }

    fn system(&self) -> &'static str {
        "postgresql"
    }

    fn write_placeholder(&self, sql: &mut String, index: usize) {
        // Writing into a String cannot fail.
        let _ = write!(sql, "${index}");
    }

    /// `$n::type` from the value's kind: PostgreSQL infers an untyped
    /// parameter from its context, and in some contexts cannot (a select
    /// list, `CASE .. THEN`, `INSERT .. SELECT`, `||`, `COALESCE`), or picks
    /// `text` where the column is not. The types are the widest of each
    /// kind, which compare with and assign to the narrower ones.
    fn write_typed_placeholder(&self, sql: &mut String, index: usize, value: &Value) {
        self.write_placeholder(sql, index);
        if let Some(ty) = pg_type(value) {
            sql.push_str("::");
            sql.push_str(ty);
        }
    }

    fn insert_id_by_returning(&self) -> bool {
        true
    }

    /// Times with sub-microsecond digits and leap seconds, wherever they
    /// are bound: the binary protocol would cut or move them. A JSON
    /// `-0.0` where it may be stored (compared, `-0.0 == 0.0`).
    fn value_limit(&self, value: &Value, usage: ValueUse) -> Option<Cow<'static, str>> {
        #[cfg(feature = "json")]
        if let Value::Json(document) = value
            && usage != ValueUse::Compared
            && json_has_negative_zero(document, super::check::JSON_DEPTH)
        {
            return Some("PostgreSQL's jsonb stores -0.0 as 0".into());
        }
        #[cfg(feature = "chrono")]
        {
            use chrono::Timelike;
            match value {
                Value::Time(v) => return time_limit(v.nanosecond()),
                Value::DateTime(v) => return time_limit(v.nanosecond()),
                Value::DateTimeUtc(v) => return time_limit(v.nanosecond()),
                _ => {}
            }
        }
        let _ = (value, usage);
        None
    }

    fn like_operator(&self, case_insensitive: bool) -> &'static str {
        if case_insensitive { "ILIKE" } else { "LIKE" }
    }

    /// PostgreSQL's DDL and utility statements are transactional and never
    /// commit implicitly: only transaction control, `CALL`, `DO` and
    /// `PREPARE TRANSACTION` may begin or end one.
    fn keeps_transaction_status(&self, keyword: &str) -> bool {
        matches!(
            keyword,
            "SELECT"
                | "INSERT"
                | "UPDATE"
                | "DELETE"
                | "MERGE"
                | "WITH"
                | "VALUES"
                | "TABLE"
                | "SHOW"
                | "EXPLAIN"
                | "SET"
                | "RESET"
                | "CREATE"
                | "ALTER"
                | "DROP"
                | "TRUNCATE"
                | "GRANT"
                | "REVOKE"
                | "COMMENT"
                | "LOCK"
                | "LISTEN"
                | "UNLISTEN"
                | "NOTIFY"
                | "ANALYZE"
                | "COPY"
                | "DEALLOCATE"
                | "DISCARD"
                | "DECLARE"
                | "FETCH"
                | "MOVE"
                | "CLOSE"
                | "EXECUTE"
                | "REFRESH"
                | "CLUSTER"
                | "REINDEX"
                | "SECURITY"
        )
    }
}
