//! Raw SQL: portable `?` placeholders renumbered for the dialect, or the
//! database's own placeholder style passed through as written.
//!
//! The scanner knows just enough SQL lexis to find the placeholders that are
//! real: a `?` inside a `'string'`, a `"quoted"`, `` `quoted` `` or (on
//! SQLite) `[quoted]` name, a `-- line comment`, a `/* block comment */` or
//! (on PostgreSQL) a `$tag$ dollar-quoted $tag$` string is text, and block
//! comments nest where the dialect nests them (PostgreSQL). `??` writes a literal `?`
//! (PostgreSQL's JSON operators). Where the dialect escapes with
//! backslashes (MySQL), `\'` does not end a string. Not recognized:
//! PostgreSQL `E'\''` escapes and MySQL `#` comments; write `??` for a `?`
//! inside those.
//!
//! A whole raw statement may instead use the dialect's
//! [`NativePlaceholders`] (PostgreSQL's `$1`, SQLite's `?1`, `:name`,
//! `@name`, `$name`): then the text goes to the database as written, and
//! `?` means whatever it means there (an operator on PostgreSQL). So the
//! SQL that `Query::compile` produced runs as raw SQL too.

use super::SqlWriter;
use super::dialect::{Dialect, NativePlaceholders};
use crate::error::{Error, Result};
use crate::value::Value;

/// Where raw SQL is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RawUse {
    /// The whole statement (`aexecute_sql`, `Raw`): native placeholders
    /// are accepted.
    Statement,
    /// A fragment inside a compiled statement (`Expr::raw`), whose
    /// placeholders the statement numbers: `?` only.
    Fragment,
}

/// Append `sql` to `w`, binding `params` to its placeholders in order.
pub(crate) fn write_raw(w: &mut SqlWriter<'_>, sql: &str, params: &[Value], raw_use: RawUse) -> Result<()> {
    let dialect = w.dialect();
    let style = dialect.native_placeholders();
    if style != NativePlaceholders::None
        && let Some(numbers) = native_placeholders(sql, style, dialect)
    {
        return match raw_use {
            RawUse::Statement => write_native(w, sql, params, style, &numbers),
            // The statement numbers its own placeholders: a native one in
            // a fragment would bind whatever value the statement has there.
            RawUse::Fragment => Err(Error::interface(format!(
                "a raw SQL fragment takes `?` placeholders only, not the database's own (found in {sql:?}): \
                 its placeholders are numbered with the statement's"
            ))),
        };
    }
    let bytes = sql.as_bytes();
    let mut placeholders = 0;
    // Text is copied in slices between the bytes we act on; all of those are
    // ASCII, so every slice boundary is a char boundary.
    let mut copied = 0;
    let mut code = Code::new(bytes, dialect);
    while let Some(i) = code.next() {
        if bytes[i] != b'?' {
            continue;
        }
        w.push(&sql[copied..i]);
        if bytes.get(i + 1) == Some(&b'?') {
            w.push("?");
            code.skip_to(i + 2);
            copied = i + 2;
        } else {
            if let Some(value) = params.get(placeholders) {
                w.push_raw_param(value.clone())?;
            }
            placeholders += 1;
            copied = i + 1;
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

/// `sql` as written, its `params` bound in order to the native
/// placeholders. Numbered placeholders must be exactly `1..=params.len()`;
/// named ones the driver counts.
fn write_native(
    w: &mut SqlWriter<'_>,
    sql: &str,
    params: &[Value],
    style: NativePlaceholders,
    numbers: &[usize],
) -> Result<()> {
    if style == NativePlaceholders::Dollar {
        let mut used: Vec<usize> = numbers.to_vec();
        used.sort_unstable();
        used.dedup();
        if used.iter().copied().ne(1..=params.len()) {
            let used = used.iter().map(|n| format!("${n}")).collect::<Vec<_>>().join(", ");
            return Err(Error::interface(format!(
                "raw SQL uses the placeholders {used} but {} parameter{} given: number them $1 to ${}",
                params.len(),
                if params.len() == 1 { " was" } else { "s were" },
                params.len(),
            )));
        }
    }
    w.push(sql);
    for value in params {
        w.push_native_param(value.clone())?;
    }
    Ok(())
}

/// The numbers of `sql`'s native placeholders (0 for named ones), or
/// `None` if it has none.
fn native_placeholders(sql: &str, style: NativePlaceholders, dialect: &dyn Dialect) -> Option<Vec<usize>> {
    let bytes = sql.as_bytes();
    let mut found = Vec::new();
    let mut code = Code::new(bytes, dialect);
    while let Some(i) = code.next() {
        let after_word = i > 0 && is_ident_byte(bytes[i - 1]);
        let digits = bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        let named = bytes.get(i + 1).is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_');
        let number = || sql[i + 1..i + 1 + digits].parse().unwrap_or(usize::MAX);
        match (style, bytes[i]) {
            (NativePlaceholders::Dollar, b'$') if digits > 0 && !after_word => found.push(number()),
            (NativePlaceholders::Sqlite, b'?') if digits > 0 => found.push(number()),
            (NativePlaceholders::Sqlite, b':' | b'@' | b'$') if named && !after_word => found.push(0),
            _ => continue,
        }
        code.skip_to(i + 1 + digits);
    }
    (!found.is_empty()).then_some(found)
}

/// Whether `b` may be part of an identifier (`$` is, on PostgreSQL).
pub(super) fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'$' || b >= 0x80
}

/// The positions of the bytes of SQL text that are code: outside string
/// literals, quoted names, comments and (where the dialect has them)
/// dollar-quoted strings, as the dialect reads them.
pub(super) struct Code<'a> {
    bytes: &'a [u8],
    i: usize,
    backslash: bool,
    dollar_quotes: bool,
    bracket_quotes: bool,
    nested_comments: bool,
}

impl<'a> Code<'a> {
    pub(super) fn new(bytes: &'a [u8], dialect: &dyn Dialect) -> Self {
        Code {
            bytes,
            i: 0,
            backslash: dialect.backslash_escapes(),
            dollar_quotes: dialect.dollar_quotes(),
            bracket_quotes: dialect.bracket_quotes(),
            nested_comments: dialect.nests_block_comments(),
        }
    }

    /// Go on from `i`: the bytes before it were consumed.
    pub(super) fn skip_to(&mut self, i: usize) {
        self.i = self.i.max(i);
    }
}

impl Iterator for Code<'_> {
    type Item = usize;

    fn next(&mut self) -> Option<usize> {
        let bytes = self.bytes;
        loop {
            let i = self.i;
            let b = *bytes.get(i)?;
            match b {
                b'\'' | b'"' | b'`' => self.i = skip_quoted(bytes, i, b, self.backslash && b != b'`'),
                b'-' if bytes.get(i + 1) == Some(&b'-') => {
                    self.i = bytes[i..].iter().position(|&b| b == b'\n').map_or(bytes.len(), |n| i + n + 1);
                }
                b'/' if bytes.get(i + 1) == Some(&b'*') => self.i = comment_end(bytes, i, self.nested_comments),
                // `[name]` has no escape: it ends at the first `]`.
                b'[' if self.bracket_quotes => {
                    self.i = bytes[i..].iter().position(|&b| b == b']').map_or(bytes.len(), |n| i + n + 1);
                }
                b'$' if self.dollar_quotes && !(i > 0 && is_ident_byte(bytes[i - 1])) => match dollar_tag(bytes, i) {
                    Some(tag) => {
                        self.i = find(bytes, i + tag.len(), tag).map_or(bytes.len(), |n| n + tag.len());
                    }
                    None => {
                        self.i = i + 1;
                        return Some(i);
                    }
                },
                _ => {
                    self.i = i + 1;
                    return Some(i);
                }
            }
        }
    }
}

/// The index just past the block comment opening at `start` (the end of
/// the text if it never closes); with `nested`, inner `/* */` pairs nest.
fn comment_end(bytes: &[u8], start: usize, nested: bool) -> usize {
    let mut depth = 0usize;
    let mut i = start;
    while i + 1 < bytes.len() {
        match (bytes[i], bytes[i + 1]) {
            (b'/', b'*') if nested || depth == 0 => {
                depth += 1;
                i += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                i += 2;
                if depth == 0 {
                    return i;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

/// The opening `$tag$` (or `$$`) of a dollar-quoted string at `start`, if
/// there is one: a tag is an identifier that does not start with a digit.
fn dollar_tag(bytes: &[u8], start: usize) -> Option<&[u8]> {
    let rest = &bytes[start + 1..];
    if rest.first().is_some_and(u8::is_ascii_digit) {
        return None;
    }
    let len = rest.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80).count();
    (rest.get(len) == Some(&b'$')).then(|| &bytes[start..start + len + 2])
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
