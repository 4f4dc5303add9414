//! JSON operations ([`JsonNode`]) for each dialect.
//!
//! One meaning, three spellings. PostgreSQL takes a path as a text array
//! whose steps are bound one by one; SQLite and MySQL take a path string
//! (`$."key"[0]`), bound as one parameter, whose keys are JSON string
//! literals, so no key (quotes, dots, backslashes) can change the path.
//! Where a database's own function means something else at the edges
//! (MySQL's `JSON_ARRAY_APPEND` wraps a scalar into an array, SQLite's
//! `json_set` creates missing parents, PostgreSQL's `jsonb_insert` adds an
//! object key named `-1`), a guard keeps the document unchanged instead,
//! so an edit whose path leads nowhere is a no-op everywhere.
//!
//! Every form written here is delimited (a call, a `CASE`, or
//! parenthesized), so it can be an operand without more parentheses.

use super::SqlWriter;
use crate::error::{Error, Result};
use crate::query::node::{ExprNode, JsonNode, JsonRead, JsonStep};
use crate::value::Value;

/// The name under which the SQLite backend registers containment, which
/// SQLite has no function for: `ormcore_json_contains(container, contained)`.
pub const SQLITE_CONTAINS_FUNCTION: &str = "ormcore_json_contains";

/// An argument of a function call written by [`call`].
enum Arg<'a> {
    /// An expression.
    Expr(&'a ExprNode),
    /// A path as SQLite and MySQL take it: `$."key"[0]` then a tail, bound.
    Path(&'a [JsonStep], &'a str),
    /// A path as PostgreSQL's `jsonb_set` takes it, then a last step.
    TextArray(&'a [JsonStep], Option<&'a str>),
    /// A strict SQL/JSON path: `CAST('strict $..' AS jsonpath)`.
    JsonPath(&'a [JsonStep]),
    /// A JSON value to store, written between the two texts.
    Json(&'a ExprNode, (&'a str, &'a str)),
    /// A text, bound.
    Text(&'a str),
    /// SQL text of this module (literals only, never input).
    Sql(&'static str),
}

/// `function(arg, arg, ..)`.
fn call(w: &mut SqlWriter<'_>, function: &str, args: &[Arg<'_>]) -> Result<()> {
    w.push(function);
    w.push("(");
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            w.push(", ");
        }
        match arg {
            Arg::Expr(expr) => w.push_expr(expr)?,
            Arg::Path(path, tail) => w.push_param(Value::Text(path_string(path, tail)))?,
            Arg::TextArray(path, last) => pg_path(w, path, *last)?,
            Arg::JsonPath(path) => {
                w.push("CAST(");
                w.push_param(Value::Text(format!("strict {}", path_string(path, ""))))?;
                w.push(" AS jsonpath)");
            }
            Arg::Json(value, (open, close)) => {
                w.push(open);
                w.push_expr(value)?;
                w.push(close);
            }
            Arg::Text(text) => w.push_param(Value::Text((*text).to_owned()))?,
            Arg::Sql(sql) => w.push(sql),
        }
    }
    w.push(")");
    Ok(())
}

/// How PostgreSQL takes a value to store: SQL NULL as JSON `null` (a NULL
/// argument would make `jsonb_set` return NULL: the whole document lost).
const PG_JSON: (&str, &str) = ("COALESCE(", ", 'null'::jsonb)");

/// `CASE WHEN <guard> THEN <edit> ELSE doc END`: an edit made only where
/// its path leads somewhere, the document as it was everywhere else.
fn guarded(
    w: &mut SqlWriter<'_>,
    doc: &ExprNode,
    guard: impl FnOnce(&mut SqlWriter<'_>) -> Result<()>,
    edit: impl FnOnce(&mut SqlWriter<'_>) -> Result<()>,
) -> Result<()> {
    w.push("CASE WHEN ");
    guard(w)?;
    w.push(" THEN ");
    edit(w)?;
    w.push(" ELSE ");
    w.push_expr(doc)?;
    w.push(" END");
    Ok(())
}

/// `pieces[0] value pieces[1] value .. pieces[n]`: SQL that names one
/// value several times.
fn interleave(w: &mut SqlWriter<'_>, pieces: &[&str], value: impl Fn(&mut SqlWriter<'_>) -> Result<()>) -> Result<()> {
    for (i, piece) in pieces.iter().enumerate() {
        if i > 0 {
            value(w)?;
        }
        w.push(piece);
    }
    Ok(())
}

/// The path of a node that has one; empty for the others.
fn path_of(node: &JsonNode) -> &[JsonStep] {
    match node {
        JsonNode::Extract { path, .. }
        | JsonNode::HasPath { path, .. }
        | JsonNode::Set { path, .. }
        | JsonNode::Append { path, .. }
        | JsonNode::Remove { path, .. } => path,
        JsonNode::Contains { .. } | JsonNode::Merge { .. } => &[],
    }
}

/// Every key a node names in a path: its path's keys, a merge's members.
fn keys_named(node: &JsonNode) -> impl Iterator<Item = &str> {
    let merged = match node {
        JsonNode::Merge { members, .. } => members.as_slice(),
        _ => &[],
    };
    let path = path_of(node).iter().filter_map(|step| match step {
        JsonStep::Key(key) => Some(key.as_str()),
        JsonStep::Index(_) => None,
    });
    path.chain(merged.iter().map(|(key, _)| key.as_str()))
}

/// Whether `path` can lead anywhere: no JSON array any backend stores has
/// 2^31 elements, and MySQL would read a larger index modulo 2^32 (the
/// element it names would be another). Such a path leads nowhere: a read
/// is NULL, a test false, an edit changes nothing.
fn reachable(path: &[JsonStep]) -> bool {
    path.iter().all(|step| !matches!(step, JsonStep::Index(i) if *i > i32::MAX as usize))
}

/// What a node is when its path leads nowhere, if it has one that does not.
fn write_unreachable(w: &mut SqlWriter<'_>, node: &JsonNode) -> Result<bool> {
    if reachable(path_of(node)) {
        return Ok(false);
    }
    match node {
        JsonNode::HasPath { .. } => w.push("(1 = 0)"),
        JsonNode::Set { doc, .. } | JsonNode::Append { doc, .. } | JsonNode::Remove { doc, .. } => {
            w.push("(");
            w.push_expr(doc)?;
            w.push(")");
        }
        _ => w.push("NULL"),
    }
    Ok(true)
}

/// PostgreSQL (and the standard default; PostgreSQL 12 and later). Reads
/// go through strict SQL/JSON paths ([`pg_steps`]). Edits use the text
/// paths of `jsonb_set` and `#-`, guarded by the same read, so they reach
/// only what it reaches.
pub(crate) fn write_postgres(w: &mut SqlWriter<'_>, node: &JsonNode) -> Result<()> {
    if write_unreachable(w, node)? {
        return Ok(());
    }
    match node {
        JsonNode::Extract { doc, path, read } => {
            let (text, cast) = match read {
                JsonRead::Text => (true, None),
                JsonRead::Json => (false, None),
                JsonRead::Integer => (true, Some(" AS BIGINT)")),
                JsonRead::Float => (true, Some(" AS DOUBLE PRECISION)")),
                JsonRead::Bool => (false, Some(" AS BOOLEAN)")),
            };
            if cast.is_some() {
                w.push("CAST(");
            }
            pg_steps(w, doc, path, text)?;
            if let Some(cast) = cast {
                w.push(cast);
            }
            Ok(())
        }
        JsonNode::HasPath { doc, path } if path.is_empty() => {
            w.push("(");
            w.push_operand(doc)?;
            w.push(" IS NOT NULL)");
            Ok(())
        }
        JsonNode::HasPath { doc, path } => {
            w.push("COALESCE(");
            call(w, "jsonb_path_exists", &pg_path_arguments(doc, path))?;
            w.push(", FALSE)");
            Ok(())
        }
        JsonNode::Contains { container, contained } => {
            w.push("(");
            w.push_operand(container)?;
            w.push(" @> ");
            w.push_operand(contained)?;
            w.push(")");
            Ok(())
        }
        JsonNode::Set { doc, path, value } => {
            non_empty(path, "set")?;
            let args = [Arg::Expr(doc), Arg::TextArray(path, None), Arg::Json(value, PG_JSON), Arg::Sql("true")];
            let set = |w: &mut SqlWriter<'_>| call(w, "jsonb_set", &args);
            guarded(w, doc, |w| pg_settable(w, doc, path), set)
        }
        JsonNode::Append { doc, path, value } => {
            // `jsonb_insert` after the element `-1` appends to an array; on
            // an object it would add a key "-1", hence the guard.
            let is_array = |w: &mut SqlWriter<'_>| pg_type_is(w, "array", |w| pg_steps(w, doc, path, false));
            let args = [Arg::Expr(doc), Arg::TextArray(path, Some("-1")), Arg::Json(value, PG_JSON), Arg::Sql("true")];
            let append = |w: &mut SqlWriter<'_>| call(w, "jsonb_insert", &args);
            guarded(w, doc, is_array, append)
        }
        JsonNode::Remove { doc, path } => {
            non_empty(path, "remove")?;
            let present = |w: &mut SqlWriter<'_>| {
                pg_steps(w, doc, path, false)?;
                w.push(" IS NOT NULL");
                Ok(())
            };
            let remove = |w: &mut SqlWriter<'_>| {
                w.push("(");
                w.push_operand(doc)?;
                w.push(" #- ");
                pg_path(w, path, None)?;
                w.push(")");
                Ok(())
            };
            guarded(w, doc, present, remove)
        }
        JsonNode::Merge { doc, members } => {
            // `||` would append to an array, or wrap a scalar into one.
            let members: Vec<Arg<'_>> =
                members.iter().flat_map(|(key, value)| [Arg::Text(key), Arg::Json(value, PG_JSON)]).collect();
            let merge = |w: &mut SqlWriter<'_>| {
                w.push("(");
                w.push_operand(doc)?;
                w.push(" || ");
                call(w, "jsonb_build_object", &members)?;
                w.push(")");
                Ok(())
            };
            guarded(w, doc, |w| pg_type_is(w, "object", |w| w.push_expr(doc)), merge)
        }
    }
}

/// The value at `path`, read with a strict SQL/JSON path
/// (`jsonb_path_query_first(doc, 'strict $."k"[0]', '{}', true)`): a key
/// reads only an object's member and an index only an array's element,
/// where `->` would read a scalar as an array of itself and `#>` an
/// array's element for the key `"0"`; the path, one bound parameter, is
/// the one SQLite and MySQL get. As text (`#>> '{}'`) when `text`.
fn pg_steps(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep], text: bool) -> Result<()> {
    if text {
        w.push("(");
    }
    if path.is_empty() {
        w.push_operand(doc)?;
    } else {
        call(w, "jsonb_path_query_first", &pg_path_arguments(doc, path))?;
    }
    if text {
        w.push(" #>> ARRAY[]::text[])");
    }
    Ok(())
}

/// `doc, CAST('strict $..' AS jsonpath), '{}', true`: errors of structure
/// (a key of an array) silenced into no value.
fn pg_path_arguments<'a>(doc: &'a ExprNode, path: &'a [JsonStep]) -> [Arg<'a>; 4] {
    [Arg::Expr(doc), Arg::JsonPath(path), Arg::Sql("'{}'"), Arg::Sql("true")]
}

/// `jsonb_typeof(<value>) = '<ty>'`.
fn pg_type_is(w: &mut SqlWriter<'_>, ty: &str, value: impl FnOnce(&mut SqlWriter<'_>) -> Result<()>) -> Result<()> {
    w.push("jsonb_typeof(");
    value(w)?;
    w.push(") = '");
    w.push(ty);
    w.push("'");
    Ok(())
}

/// Whether `jsonb_set` may write `path`: a key into an object that is
/// there, an index only over an element that is there (past the end it
/// would append, where the other backends change nothing).
fn pg_settable(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep]) -> Result<()> {
    let Some((last, parent)) = path.split_last() else { return non_empty(path, "set") };
    match last {
        JsonStep::Key(_) => pg_type_is(w, "object", |w| pg_steps(w, doc, parent, false))?,
        JsonStep::Index(_) => {
            pg_steps(w, doc, path, false)?;
            w.push(" IS NOT NULL");
        }
    }
    Ok(())
}

/// `ARRAY[$1, $2]::text[]`, each step a bound text (an index as its
/// digits), then `last`: the paths of `jsonb_set`, `jsonb_insert`, `#-`.
fn pg_path(w: &mut SqlWriter<'_>, path: &[JsonStep], last: Option<&str>) -> Result<()> {
    w.push("ARRAY[");
    let steps = path.iter().map(|step| match step {
        JsonStep::Key(key) => key.clone(),
        JsonStep::Index(index) => index.to_string(),
    });
    for (i, step) in steps.chain(last.map(str::to_owned)).enumerate() {
        if i > 0 {
            w.push(", ");
        }
        w.push_param(Value::Text(step))?;
    }
    w.push("]::text[]");
    Ok(())
}

/// SQLite: `json_extract`, `->`, `json_type`, `json_set`, and the
/// backend's containment function.
pub(crate) fn write_sqlite(w: &mut SqlWriter<'_>, node: &JsonNode) -> Result<()> {
    if write_unreachable(w, node)? {
        return Ok(());
    }
    if keys_named(node).any(|key| key.contains('\0')) {
        // SQLite reads a path up to its first NUL: the key would be cut.
        return Err(Error::interface("a JSON key holding a NUL character: SQLite's JSON paths end at one"));
    }
    match node {
        JsonNode::Extract { doc, path, read } => match read {
            // `->>` gives 1 for `true` and a number for a number; the text
            // of anything but a string is its JSON, as on the other backends.
            JsonRead::Text => {
                w.push("CASE ");
                path_call(w, "json_type", doc, path)?;
                w.push(" WHEN 'text' THEN ");
                path_call(w, "json_extract", doc, path)?;
                w.push(" WHEN 'null' THEN NULL ELSE ");
                sqlite_arrow(w, doc, path)?;
                w.push(" END");
                Ok(())
            }
            JsonRead::Json => sqlite_arrow(w, doc, path),
            JsonRead::Integer => {
                // A number beyond 64 bits is a float here, which CAST would
                // saturate: NULL instead, never another number.
                let pieces = [
                    "CASE typeof(",
                    ") WHEN 'integer' THEN ",
                    " WHEN 'real' THEN CASE WHEN ",
                    " >= -9223372036854775808.0 AND ",
                    " < 9223372036854775808.0 THEN CAST(",
                    " AS INTEGER) END ELSE CAST(",
                    " AS INTEGER) END",
                ];
                interleave(w, &pieces, |w| path_call(w, "json_extract", doc, path))
            }
            JsonRead::Float => {
                w.push("CAST(");
                path_call(w, "json_extract", doc, path)?;
                w.push(" AS REAL)");
                Ok(())
            }
            JsonRead::Bool => {
                w.push("CASE ");
                path_call(w, "json_type", doc, path)?;
                w.push(" WHEN 'true' THEN 1 WHEN 'false' THEN 0 END");
                Ok(())
            }
        },
        JsonNode::HasPath { doc, path } => {
            w.push("(");
            path_call(w, "json_type", doc, path)?;
            w.push(" IS NOT NULL)");
            Ok(())
        }
        JsonNode::Contains { container, contained } => {
            call(w, SQLITE_CONTAINS_FUNCTION, &[Arg::Expr(container), Arg::Expr(contained)])
        }
        JsonNode::Set { doc, path, value } => {
            non_empty(path, "set")?;
            // `json_set` would create missing parents; the others do not.
            let Some((last, parent)) = path.split_last() else { return non_empty(path, "set") };
            let settable = |w: &mut SqlWriter<'_>| {
                match last {
                    JsonStep::Key(_) => {
                        path_call(w, "json_type", doc, parent)?;
                        w.push(" = 'object'");
                    }
                    JsonStep::Index(_) => {
                        path_call(w, "json_type", doc, path)?;
                        w.push(" IS NOT NULL");
                    }
                }
                Ok(())
            };
            let set = |w: &mut SqlWriter<'_>| edit_call(w, "json_set", (doc, path, ""), value, SQLITE_JSON);
            guarded(w, doc, settable, set)
        }
        JsonNode::Append { doc, path, value } => {
            let is_array = |w: &mut SqlWriter<'_>| {
                path_call(w, "json_type", doc, path)?;
                w.push(" = 'array'");
                Ok(())
            };
            let append = |w: &mut SqlWriter<'_>| edit_call(w, "json_insert", (doc, path, "[#]"), value, SQLITE_JSON);
            guarded(w, doc, is_array, append)
        }
        JsonNode::Remove { doc, path } => {
            non_empty(path, "remove")?;
            path_call(w, "json_remove", doc, path)
        }
        JsonNode::Merge { doc, members } => write_member_sets(w, doc, members, "json_set", SQLITE_JSON),
    }
}

/// How SQLite takes a value as JSON: `json(value)`.
const SQLITE_JSON: (&str, &str) = ("json(", ")");

/// How MySQL and MariaDB take a value as JSON, MariaDB keeping JSON as
/// text: `JSON_EXTRACT(value, '$')` (a plain string argument would be
/// stored as a JSON string).
const MYSQL_JSON: (&str, &str) = ("JSON_EXTRACT(", ", '$')");

/// `function(doc, '$..<tail>', <open>value<close>)`: an edit at a path.
fn edit_call(
    w: &mut SqlWriter<'_>,
    function: &str,
    (doc, path, tail): (&ExprNode, &[JsonStep], &str),
    value: &ExprNode,
    wrap: (&str, &str),
) -> Result<()> {
    call(w, function, &[Arg::Expr(doc), Arg::Path(path, tail), Arg::Json(value, wrap)])
}

/// `function(doc, '$..')`.
fn path_call(w: &mut SqlWriter<'_>, function: &str, doc: &ExprNode, path: &[JsonStep]) -> Result<()> {
    call(w, function, &[Arg::Expr(doc), Arg::Path(path, "")])
}

/// `(doc -> '$..')`: the value's JSON text.
fn sqlite_arrow(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep]) -> Result<()> {
    w.push("(");
    w.push_operand(doc)?;
    w.push(" -> ");
    w.push_param(Value::Text(path_string(path, "")))?;
    w.push(")");
    Ok(())
}

/// The most steps a MySQL or MariaDB JSON path may have (MariaDB's limit;
/// a document nests at most 100 levels on MySQL anyway).
const MYSQL_PATH_STEPS: usize = 32;

/// MySQL and MariaDB: `JSON_EXTRACT`, `JSON_UNQUOTE`, `JSON_CONTAINS`,
/// `JSON_SET`. MariaDB keeps JSON as text, so a value to store goes through
/// `JSON_EXTRACT(value, '$')`, which makes it JSON on both servers (a plain
/// string argument would be stored as a JSON string). Both read `[0]` of
/// a scalar or object as the value itself: each index step is guarded by
/// the type of what it indexes.
pub(crate) fn write_mysql(w: &mut SqlWriter<'_>, node: &JsonNode, mariadb: bool) -> Result<()> {
    if write_unreachable(w, node)? {
        return Ok(());
    }
    if path_of(node).len() > MYSQL_PATH_STEPS {
        return Err(super::dialect::unsupported("JSON paths of more than 32 steps", w.dialect()));
    }
    if mariadb && keys_named(node).any(|key| key.starts_with('-')) {
        return Err(super::dialect::unsupported(
            "JSON keys starting with `-` (MariaDB's paths cannot name them, quoted or not)",
            w.dialect(),
        ));
    }
    match node {
        JsonNode::Extract { doc, path, read } => {
            let guarded = mysql_open_guard(w, doc, path)?;
            match read {
                JsonRead::Json => mysql_extract(w, doc, path)?,
                JsonRead::Text => mysql_text(w, doc, path)?,
                JsonRead::Integer => {
                    // CAST(.. AS SIGNED) would wrap a number past 64 bits.
                    let pieces = [
                        "CASE WHEN CAST(",
                        " AS DECIMAL(65, 0)) BETWEEN -9223372036854775808 AND 9223372036854775807 THEN CAST(",
                        " AS SIGNED) END",
                    ];
                    interleave(w, &pieces, |w| mysql_text(w, doc, path))?;
                }
                JsonRead::Float => {
                    w.push("CAST(");
                    mysql_text(w, doc, path)?;
                    w.push(" AS DOUBLE)");
                }
                JsonRead::Bool => {
                    let pieces = ["CASE JSON_TYPE(", ") WHEN 'BOOLEAN' THEN JSON_UNQUOTE(", ") = 'true' END"];
                    interleave(w, &pieces, |w| mysql_extract(w, doc, path))?;
                }
            }
            if guarded {
                w.push(" END");
            }
            Ok(())
        }
        JsonNode::HasPath { doc, path } => {
            w.push("COALESCE(");
            mysql_guards(w, doc, path, true)?;
            mysql_contains_path(w, doc, path)?;
            w.push(", FALSE)");
            Ok(())
        }
        JsonNode::Contains { container, contained } => {
            call(w, "JSON_CONTAINS", &[Arg::Expr(container), Arg::Expr(contained)])
        }
        JsonNode::Set { doc, path, value } => {
            non_empty(path, "set")?;
            let Some((last, parent)) = path.split_last() else { return non_empty(path, "set") };
            let settable = |w: &mut SqlWriter<'_>| {
                mysql_guards(w, doc, path, true)?;
                match last {
                    JsonStep::Key(_) => mysql_type_is(w, doc, parent, "OBJECT"),
                    JsonStep::Index(_) => mysql_contains_path(w, doc, path),
                }
            };
            let set = |w: &mut SqlWriter<'_>| edit_call(w, "JSON_SET", (doc, path, ""), value, MYSQL_JSON);
            guarded(w, doc, settable, set)
        }
        JsonNode::Append { doc, path, value } => {
            // `JSON_ARRAY_APPEND` would wrap a scalar into an array.
            let is_array = |w: &mut SqlWriter<'_>| {
                mysql_guards(w, doc, path, true)?;
                mysql_type_is(w, doc, path, "ARRAY")
            };
            let append = |w: &mut SqlWriter<'_>| edit_call(w, "JSON_ARRAY_APPEND", (doc, path, ""), value, MYSQL_JSON);
            guarded(w, doc, is_array, append)
        }
        JsonNode::Remove { doc, path } => {
            non_empty(path, "remove")?;
            let present = |w: &mut SqlWriter<'_>| {
                mysql_guards(w, doc, path, true)?;
                mysql_contains_path(w, doc, path)
            };
            let remove = |w: &mut SqlWriter<'_>| path_call(w, "JSON_REMOVE", doc, path);
            guarded(w, doc, present, remove)
        }
        JsonNode::Merge { doc, members } => write_member_sets(w, doc, members, "JSON_SET", MYSQL_JSON),
    }
}

/// For each index step, `JSON_TYPE(JSON_EXTRACT(doc, '<path before it>'))
/// = 'ARRAY'`, each followed by ` AND ` when `and` (to go before another
/// condition), else joined by it.
fn mysql_guards(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep], and: bool) -> Result<usize> {
    let mut written = 0;
    for (i, step) in path.iter().enumerate() {
        if matches!(step, JsonStep::Index(_)) {
            if written > 0 && !and {
                w.push(" AND ");
            }
            mysql_type_is(w, doc, &path[..i], "ARRAY")?;
            if and {
                w.push(" AND ");
            }
            written += 1;
        }
    }
    Ok(written)
}

/// `CASE WHEN <guards> THEN ` before a read whose path has index steps
/// (then closed with ` END`); nothing otherwise.
fn mysql_open_guard(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep]) -> Result<bool> {
    if !path.iter().any(|step| matches!(step, JsonStep::Index(_))) {
        return Ok(false);
    }
    w.push("CASE WHEN ");
    mysql_guards(w, doc, path, false)?;
    w.push(" THEN ");
    Ok(true)
}

/// `JSON_CONTAINS_PATH(doc, 'one', '$..')`.
fn mysql_contains_path(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep]) -> Result<()> {
    call(w, "JSON_CONTAINS_PATH", &[Arg::Expr(doc), Arg::Sql("'one'"), Arg::Path(path, "")])
}

/// `JSON_EXTRACT(doc, '$..')`.
fn mysql_extract(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep]) -> Result<()> {
    path_call(w, "JSON_EXTRACT", doc, path)
}

/// The value as text: `JSON_UNQUOTE` would turn JSON `null` into the text
/// `null`; it is SQL NULL, as on the other backends.
fn mysql_text(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep]) -> Result<()> {
    let pieces = ["CASE JSON_TYPE(", ") WHEN 'NULL' THEN NULL ELSE JSON_UNQUOTE(", ") END"];
    interleave(w, &pieces, |w| mysql_extract(w, doc, path))
}

/// `JSON_TYPE(JSON_EXTRACT(doc, '$..')) = '<ty>'`.
fn mysql_type_is(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep], ty: &str) -> Result<()> {
    w.push("JSON_TYPE(");
    mysql_extract(w, doc, path)?;
    w.push(") = '");
    w.push(ty);
    w.push("'");
    Ok(())
}

/// A shallow merge as one call setting each member: `function(doc, '$."k"',
/// wrap(v), ..)`, or the document itself when there is nothing to set.
fn write_member_sets(
    w: &mut SqlWriter<'_>,
    doc: &ExprNode,
    members: &[(String, ExprNode)],
    function: &str,
    wrap: (&str, &str),
) -> Result<()> {
    if members.is_empty() {
        w.push("(");
        w.push_expr(doc)?;
        w.push(")");
        return Ok(());
    }
    let paths: Vec<[JsonStep; 1]> = members.iter().map(|(key, _)| [JsonStep::Key(key.clone())]).collect();
    let mut args = vec![Arg::Expr(doc)];
    for (path, (_, value)) in paths.iter().zip(members) {
        args.extend([Arg::Path(path, ""), Arg::Json(value, wrap)]);
    }
    call(w, function, &args)
}

/// `$."key"[0]` then `tail`: each key a JSON string literal, which both
/// SQLite and MySQL read with its escapes, so a key holding `"`, `.`, `[`
/// or `\` names that key and nothing else.
fn path_string(path: &[JsonStep], tail: &str) -> String {
    let mut out = String::from("$");
    for step in path {
        match step {
            JsonStep::Key(key) => {
                out.push('.');
                out.push_str(&json_string_literal(key));
            }
            JsonStep::Index(index) => {
                out.push('[');
                out.push_str(&index.to_string());
                out.push(']');
            }
        }
    }
    out.push_str(tail);
    out
}

/// `key` as a JSON string literal: quoted, with `"`, `\` and control
/// characters escaped.
fn json_string_literal(key: &str) -> String {
    let mut out = String::with_capacity(key.len() + 2);
    out.push('"');
    for c in key.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            // As serde_json writes them, since MariaDB compares a key's
            // escapes as text.
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn non_empty(path: &[JsonStep], operation: &str) -> Result<()> {
    match path.is_empty() {
        true => Err(Error::interface(format!(
            "a JSON {operation} needs a path of at least one step; to replace the whole document, assign the column"
        ))),
        false => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_quote_every_key() {
        let path = [JsonStep::Key("a.b".into()), JsonStep::Index(2), JsonStep::Key("say \"hi\" \\ \u{1}".into())];
        assert_eq!(path_string(&path, "[#]"), r#"$."a.b"[2]."say \"hi\" \\ \u0001"[#]"#);
        assert_eq!(path_string(&[], ""), "$");
    }
}
