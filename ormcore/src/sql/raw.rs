//! Raw SQL: `?` placeholders renumbered for the dialect.
//!
//! The scanner knows just enough SQL lexis to find the placeholders that are
//! real: a `?` inside a `'string'`, a `"quoted"` or `` `quoted` `` name, a
//! `-- line comment` or a `/* block comment */` is text. `??` writes a
//! literal `?` (PostgreSQL's JSON operators). Where the dialect escapes with
//! backslashes (MySQL), `\'` does not end a string. Not recognized:
//! PostgreSQL `$tag$` dollar quoting and `E'\''` escapes, and MySQL `#`
//! comments; write `??` for a `?` inside those.

use super::SqlWriter;
use crate::error::{Error, Result};
use crate::value::Value;

/// Append `sql` to `w`, binding `params` to its placeholders in order.
pub(crate) fn write_raw(w: &mut SqlWriter<'_>, sql: &str, params: &[Value]) -> Result<()> {
    let backslash = w.dialect().backslash_escapes();
    let bytes = sql.as_bytes();
    let mut placeholders = 0;
    // Text is copied in slices between the bytes we act on; all of those are
    // ASCII, so every slice boundary is a char boundary.
    let mut copied = 0;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            quote @ (b'\'' | b'"' | b'`') => i = skip_quoted(bytes, i, quote, backslash && quote != b'`'),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |n| n + 2);
            }
            b'?' => {
                w.push(&sql[copied..i]);
                if bytes.get(i + 1) == Some(&b'?') {
                    w.push("?");
                    i += 2;
                } else {
                    if let Some(value) = params.get(placeholders) {
                        w.push_raw_param(value.clone())?;
                    }
                    placeholders += 1;
                    i += 1;
                }
                copied = i;
            }
            _ => i += 1,
        }
    }
    w.push(&sql[copied..]);
    if placeholders != params.len() {
        return Err(Error::interface(format!(
            "raw SQL has {placeholders} `?` placeholder{} but {} parameter{} given (write `??` for a literal `?`)",
            if placeholders == 1 { "" } else { "s" },
            params.len(),
            if params.len() == 1 { " was" } else { "s were" },
        )));
    }
    Ok(())
}

/// The index just past the quoted run opening at `start`. A doubled quote
/// is an escaped quote and stays inside; an unterminated run ends the text.
fn skip_quoted(bytes: &[u8], start: usize, quote: u8, backslash: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        let b = bytes[i];
        if backslash && b == b'\\' {
            i += 2;
        } else if b == quote {
            // A doubled quote re-enters the run on the next iteration.
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The position of `needle` in `bytes` at or after `from`.
fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes.get(from..)?.windows(needle.len()).position(|window| window == needle).map(|n| from + n)
}

/// The first keyword of `sql`, upper-cased, after whitespace, comments and
/// opening parentheses; empty where it does not start with one, or where
/// this scanner could read it differently from the database: it errs
/// towards "unknown", which every caller treats as "may do anything".
///
/// Line comments end at `\n` or `\r` (PostgreSQL ends them at either). A
/// block comment that contains `/*` yields nothing: PostgreSQL nests block
/// comments and SQLite does not, so the keyword after it is not certain.
pub(crate) fn leading_keyword(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut i = 0;
    loop {
        match bytes.get(i) {
            Some(b' ' | b'\t' | b'\n' | b'\r' | b'\x0c' | b'(') => i += 1,
            Some(b'-') if bytes.get(i + 1) == Some(&b'-') => {
                i = bytes[i..].iter().position(|&b| b == b'\n' || b == b'\r').map_or(bytes.len(), |n| i + n + 1);
            }
            Some(b'/') if bytes.get(i + 1) == Some(&b'*') => {
                let Some(end) = find(bytes, i + 2, b"*/") else { return String::new() };
                if find(&bytes[..end], i + 2, b"/*").is_some() {
                    return String::new();
                }
                i = end + 2;
            }
            _ => break,
        }
    }
    let len = bytes[i..].iter().take_while(|b| b.is_ascii_alphabetic()).count();
    // A keyword is a whole word: `SELECTX` or `SELECT1` is not `SELECT`.
    if bytes.get(i + len).is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b >= 0x80) {
        return String::new();
    }
    sql[i..i + len].to_ascii_uppercase()
}

#[cfg(test)]
mod tests {
    use super::leading_keyword;

    #[test]
    fn leading_keywords() {
        assert_eq!(leading_keyword("  (select 1)"), "SELECT");
        assert_eq!(leading_keyword("-- note\nBEGIN"), "BEGIN");
        assert_eq!(leading_keyword("/* a */ WITH x AS (SELECT 1) SELECT * FROM x"), "WITH");
        // PostgreSQL ends a line comment at a carriage return too.
        assert_eq!(leading_keyword("--\rBEGIN /*\nSELECT */"), "BEGIN");
        // Nested or unterminated block comments: not certain.
        assert_eq!(leading_keyword("/* /* */ SELECT */ BEGIN"), "");
        assert_eq!(leading_keyword("/* never ends SELECT"), "");
        // Not a whole keyword, or not a keyword at all.
        assert_eq!(leading_keyword("SELECTé 1"), "");
        assert_eq!(leading_keyword("select_x()"), "");
        assert_eq!(leading_keyword("\u{0b}BEGIN"), "");
        assert_eq!(leading_keyword(""), "");
    }
}
