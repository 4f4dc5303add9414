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

/// PostgreSQL (and the standard default): `#>`, `#>>`, `@>`, `jsonb_set`.
pub(crate) fn write_postgres(w: &mut SqlWriter<'_>, node: &JsonNode) -> Result<()> {
    match node {
        JsonNode::Extract { doc, path, read } => {
            match read {
                JsonRead::Text => return pg_extract(w, doc, path, "#>>"),
                JsonRead::Json => return pg_extract(w, doc, path, "#>"),
                JsonRead::Integer | JsonRead::Float | JsonRead::Bool => {}
            }
            w.push("CAST(");
            match read {
                JsonRead::Bool => pg_extract(w, doc, path, "#>")?,
                _ => pg_extract(w, doc, path, "#>>")?,
            }
            w.push(match read {
                JsonRead::Integer => " AS BIGINT)",
                JsonRead::Float => " AS DOUBLE PRECISION)",
                _ => " AS BOOLEAN)",
            });
            Ok(())
        }
        JsonNode::HasPath { doc, path } => {
            w.push("(");
            pg_extract(w, doc, path, "#>")?;
            w.push(" IS NOT NULL)");
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
            w.push("jsonb_set(");
            w.push_expr(doc)?;
            w.push(", ");
            pg_path(w, path, None)?;
            w.push(", ");
            pg_value(w, value)?;
            w.push(", true)");
            Ok(())
        }
        JsonNode::Append { doc, path, value } => {
            // `jsonb_insert` after the element `-1` appends to an array; on
            // an object it would add a key "-1", hence the guard.
            w.push("CASE WHEN jsonb_typeof(");
            pg_extract(w, doc, path, "#>")?;
            w.push(") = 'array' THEN jsonb_insert(");
            w.push_expr(doc)?;
            w.push(", ");
            pg_path(w, path, Some("-1"))?;
            w.push(", ");
            pg_value(w, value)?;
            w.push(", true) ELSE ");
            w.push_expr(doc)?;
            w.push(" END");
            Ok(())
        }
        JsonNode::Remove { doc, path } => {
            non_empty(path, "remove")?;
            w.push("(");
            w.push_operand(doc)?;
            w.push(" #- ");
            pg_path(w, path, None)?;
            w.push(")");
            Ok(())
        }
        JsonNode::Merge { doc, members } => {
            w.push("(");
            w.push_operand(doc)?;
            w.push(" || jsonb_build_object(");
            for (i, (key, value)) in members.iter().enumerate() {
                if i > 0 {
                    w.push(", ");
                }
                w.push_param(Value::Text(key.clone()))?;
                w.push(", ");
                pg_value(w, value)?;
            }
            w.push("))");
            Ok(())
        }
    }
}

/// `(doc <op> ARRAY[..]::text[])`.
fn pg_extract(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep], op: &str) -> Result<()> {
    w.push("(");
    w.push_operand(doc)?;
    w.push(" ");
    w.push(op);
    w.push(" ");
    pg_path(w, path, None)?;
    w.push(")");
    Ok(())
}

/// `ARRAY[$1, $2]::text[]`, each step a bound text (an index as its
/// digits, which `#>` reads as a position in an array), then `last`.
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

/// A JSON value to store; SQL NULL stores JSON `null` (a NULL argument
/// would make `jsonb_set` return NULL: the whole document lost).
fn pg_value(w: &mut SqlWriter<'_>, value: &ExprNode) -> Result<()> {
    w.push("COALESCE(");
    w.push_expr(value)?;
    w.push(", 'null'::jsonb)");
    Ok(())
}

/// SQLite: `json_extract`, `->`, `json_type`, `json_set`, and the
/// backend's containment function.
pub(crate) fn write_sqlite(w: &mut SqlWriter<'_>, node: &JsonNode) -> Result<()> {
    match node {
        JsonNode::Extract { doc, path, read } => match read {
            // `->>` gives 1 for `true` and a number for a number; the text
            // of anything but a string is its JSON, as on the other backends.
            JsonRead::Text => {
                w.push("CASE ");
                sqlite_call(w, "json_type", doc, path, "")?;
                w.push(" WHEN 'text' THEN ");
                sqlite_call(w, "json_extract", doc, path, "")?;
                w.push(" WHEN 'null' THEN NULL ELSE ");
                sqlite_arrow(w, doc, path)?;
                w.push(" END");
                Ok(())
            }
            JsonRead::Json => sqlite_arrow(w, doc, path),
            JsonRead::Integer | JsonRead::Float => {
                w.push("CAST(");
                sqlite_call(w, "json_extract", doc, path, "")?;
                w.push(if *read == JsonRead::Integer { " AS INTEGER)" } else { " AS REAL)" });
                Ok(())
            }
            JsonRead::Bool => {
                w.push("CASE ");
                sqlite_call(w, "json_type", doc, path, "")?;
                w.push(" WHEN 'true' THEN 1 WHEN 'false' THEN 0 END");
                Ok(())
            }
        },
        JsonNode::HasPath { doc, path } => {
            w.push("(");
            sqlite_call(w, "json_type", doc, path, "")?;
            w.push(" IS NOT NULL)");
            Ok(())
        }
        JsonNode::Contains { container, contained } => {
            w.push(SQLITE_CONTAINS_FUNCTION);
            w.push("(");
            w.push_expr(container)?;
            w.push(", ");
            w.push_expr(contained)?;
            w.push(")");
            Ok(())
        }
        JsonNode::Set { doc, path, value } => {
            non_empty(path, "set")?;
            // `json_set` would create missing parents; the others do not.
            w.push("CASE WHEN ");
            sqlite_call(w, "json_type", doc, &path[..path.len() - 1], "")?;
            w.push(" IN ('object', 'array') THEN json_set(");
            w.push_expr(doc)?;
            w.push(", ");
            w.push_param(Value::Text(path_string(path, "")))?;
            w.push(", json(");
            w.push_expr(value)?;
            w.push(")) ELSE ");
            w.push_expr(doc)?;
            w.push(" END");
            Ok(())
        }
        JsonNode::Append { doc, path, value } => {
            w.push("CASE ");
            sqlite_call(w, "json_type", doc, path, "")?;
            w.push(" WHEN 'array' THEN json_insert(");
            w.push_expr(doc)?;
            w.push(", ");
            w.push_param(Value::Text(path_string(path, "[#]")))?;
            w.push(", json(");
            w.push_expr(value)?;
            w.push(")) ELSE ");
            w.push_expr(doc)?;
            w.push(" END");
            Ok(())
        }
        JsonNode::Remove { doc, path } => {
            non_empty(path, "remove")?;
            sqlite_call(w, "json_remove", doc, path, "")
        }
        JsonNode::Merge { doc, members } => write_member_sets(w, doc, members, "json_set", ("json(", ")")),
    }
}

/// `function(doc, '$..')`.
fn sqlite_call(w: &mut SqlWriter<'_>, function: &str, doc: &ExprNode, path: &[JsonStep], tail: &str) -> Result<()> {
    w.push(function);
    w.push("(");
    w.push_expr(doc)?;
    w.push(", ");
    w.push_param(Value::Text(path_string(path, tail)))?;
    w.push(")");
    Ok(())
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

/// MySQL and MariaDB: `JSON_EXTRACT`, `JSON_UNQUOTE`, `JSON_CONTAINS`,
/// `JSON_SET`. MariaDB keeps JSON as text, so a value to store goes through
/// `JSON_EXTRACT(value, '$')`, which makes it JSON on both servers (a plain
/// string argument would be stored as a JSON string).
pub(crate) fn write_mysql(w: &mut SqlWriter<'_>, node: &JsonNode) -> Result<()> {
    match node {
        JsonNode::Extract { doc, path, read } => match read {
            JsonRead::Json => mysql_extract(w, doc, path),
            JsonRead::Text => mysql_text(w, doc, path),
            JsonRead::Integer | JsonRead::Float => {
                w.push("CAST(");
                mysql_text(w, doc, path)?;
                w.push(if *read == JsonRead::Integer { " AS SIGNED)" } else { " AS DOUBLE)" });
                Ok(())
            }
            JsonRead::Bool => {
                w.push("CASE JSON_TYPE(");
                mysql_extract(w, doc, path)?;
                w.push(") WHEN 'BOOLEAN' THEN JSON_UNQUOTE(");
                mysql_extract(w, doc, path)?;
                w.push(") = 'true' END");
                Ok(())
            }
        },
        JsonNode::HasPath { doc, path } => {
            w.push("JSON_CONTAINS_PATH(");
            w.push_expr(doc)?;
            w.push(", 'one', ");
            w.push_param(Value::Text(path_string(path, "")))?;
            w.push(")");
            Ok(())
        }
        JsonNode::Contains { container, contained } => {
            w.push("JSON_CONTAINS(");
            w.push_expr(container)?;
            w.push(", ");
            w.push_expr(contained)?;
            w.push(")");
            Ok(())
        }
        JsonNode::Set { doc, path, value } => {
            non_empty(path, "set")?;
            w.push("JSON_SET(");
            w.push_expr(doc)?;
            w.push(", ");
            w.push_param(Value::Text(path_string(path, "")))?;
            w.push(", ");
            mysql_value(w, value)?;
            w.push(")");
            Ok(())
        }
        JsonNode::Append { doc, path, value } => {
            // `JSON_ARRAY_APPEND` would wrap a scalar into an array.
            w.push("CASE JSON_TYPE(");
            mysql_extract(w, doc, path)?;
            w.push(") WHEN 'ARRAY' THEN JSON_ARRAY_APPEND(");
            w.push_expr(doc)?;
            w.push(", ");
            w.push_param(Value::Text(path_string(path, "")))?;
            w.push(", ");
            mysql_value(w, value)?;
            w.push(") ELSE ");
            w.push_expr(doc)?;
            w.push(" END");
            Ok(())
        }
        JsonNode::Remove { doc, path } => {
            non_empty(path, "remove")?;
            w.push("JSON_REMOVE(");
            w.push_expr(doc)?;
            w.push(", ");
            w.push_param(Value::Text(path_string(path, "")))?;
            w.push(")");
            Ok(())
        }
        JsonNode::Merge { doc, members } => write_member_sets(w, doc, members, "JSON_SET", ("JSON_EXTRACT(", ", '$')")),
    }
}

/// `JSON_EXTRACT(doc, '$..')`.
fn mysql_extract(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep]) -> Result<()> {
    w.push("JSON_EXTRACT(");
    w.push_expr(doc)?;
    w.push(", ");
    w.push_param(Value::Text(path_string(path, "")))?;
    w.push(")");
    Ok(())
}

/// The value as text: `JSON_UNQUOTE` would turn JSON `null` into the text
/// `null`; it is SQL NULL, as on the other backends.
fn mysql_text(w: &mut SqlWriter<'_>, doc: &ExprNode, path: &[JsonStep]) -> Result<()> {
    w.push("CASE JSON_TYPE(");
    mysql_extract(w, doc, path)?;
    w.push(") WHEN 'NULL' THEN NULL ELSE JSON_UNQUOTE(");
    mysql_extract(w, doc, path)?;
    w.push(") END");
    Ok(())
}

/// A JSON value to store, made JSON on MariaDB too.
fn mysql_value(w: &mut SqlWriter<'_>, value: &ExprNode) -> Result<()> {
    w.push("JSON_EXTRACT(");
    w.push_expr(value)?;
    w.push(", '$')");
    Ok(())
}

/// A shallow merge as one call setting each member: `function(doc, '$."k"',
/// wrap(v), ..)`, or the document itself when there is nothing to set.
fn write_member_sets(
    w: &mut SqlWriter<'_>,
    doc: &ExprNode,
    members: &[(String, ExprNode)],
    function: &str,
    (open, close): (&str, &str),
) -> Result<()> {
    if members.is_empty() {
        w.push("(");
        w.push_expr(doc)?;
        w.push(")");
        return Ok(());
    }
    w.push(function);
    w.push("(");
    w.push_expr(doc)?;
    for (key, value) in members {
        w.push(", ");
        w.push_param(Value::Text(path_string(&[JsonStep::Key(key.clone())], "")))?;
        w.push(", ");
        w.push(open);
        w.push_expr(value)?;
        w.push(close);
    }
    w.push(")");
    Ok(())
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
