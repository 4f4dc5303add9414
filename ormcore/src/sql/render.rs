//! A compiled statement with its values written in, for people to read:
//! [`Statement::render`].
//!
//! Statements always go to the database with their values bound as
//! parameters; this rendering exists for logs and debuggers only. Each
//! value is written as the dialect's literal for it, quoted so that a
//! reader sees exactly which text is a value: quotes doubled, control
//! characters (which could forge a log line or drive a terminal) written as
//! escapes, never raw.

use std::fmt::Write as _;

use super::Dialect;
use super::Statement;
use super::dialect::NativePlaceholders;
use super::raw::{Code, is_ident_byte};
use crate::value::Value;

/// How a dialect writes text that holds control characters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TextStyle {
    /// Standard SQL: `U&'a\000Ab'`.
    Unicode,
    /// PostgreSQL's escape strings: `E'a\nb'`.
    Escape,
    /// SQLite has no escapes: `('a' || char(10) || 'b')`.
    Concat,
    /// MySQL's backslash escapes (`'a\nb'`), and `CONCAT('a', CHAR(27
    /// USING utf8mb4), 'b')` for the characters it has none for.
    Backslash,
}

/// How a dialect writes literals, where it differs from standard SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Style {
    pub(crate) text: TextStyle,
    /// Binary data as PostgreSQL's `'\x0a0b'` rather than `X'0A0B'`.
    pub(crate) hex_escape_bytes: bool,
}

impl Style {
    pub(crate) const STANDARD: Style = Style { text: TextStyle::Unicode, hex_escape_bytes: false };
}

/// The text of `statement` with each placeholder replaced by its value's
/// literal; see [`Statement::render`].
pub(crate) fn render(statement: &Statement, dialect: &dyn Dialect) -> String {
    let sql: &str = &statement.sql;
    let params = &statement.params;
    let bytes = sql.as_bytes();
    let style = dialect.native_placeholders();
    let mut out = String::with_capacity(sql.len() + 8 * params.len());
    // SQLite numbers placeholders as it meets them: `?NNN` is number NNN,
    // a bare `?` the largest number so far plus one, a name the number it
    // got when first seen (or that plus one, when new).
    let mut largest = 0;
    let mut names: Vec<(&str, usize)> = Vec::new();
    // Text is copied in slices between placeholders, which start and end
    // at ASCII bytes: every slice boundary is a char boundary.
    let mut copied = 0;
    let mut code = Code::new(bytes, dialect);
    while let Some(i) = code.next() {
        let after_word = i > 0 && is_ident_byte(bytes[i - 1]);
        let digits = bytes[i + 1..].iter().take_while(|b| b.is_ascii_digit()).count();
        let number = || sql[i + 1..i + 1 + digits].parse::<usize>().unwrap_or(usize::MAX);
        let (index, end) = match (style, bytes[i]) {
            (NativePlaceholders::Dollar, b'$') if digits > 0 && !after_word => (number(), i + 1 + digits),
            // `?` is an operator where placeholders are `$n`.
            (NativePlaceholders::Dollar, _) => continue,
            (NativePlaceholders::Sqlite, b'?') if digits > 0 => {
                let n = number();
                largest = largest.max(n);
                (n, i + 1 + digits)
            }
            (_, b'?') => {
                largest += 1;
                (largest, i + 1)
            }
            (NativePlaceholders::Sqlite, b':' | b'@' | b'$')
                if !after_word && bytes.get(i + 1).is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_') =>
            {
                let len = bytes[i + 1..].iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_').count();
                let name = &sql[i..i + 1 + len];
                let n = match names.iter().find(|(known, _)| *known == name) {
                    Some(&(_, n)) => n,
                    None => {
                        largest += 1;
                        names.push((name, largest));
                        largest
                    }
                };
                (n, i + 1 + len)
            }
            _ => continue,
        };
        code.skip_to(end);
        // A placeholder with no value (raw SQL that does not match its
        // parameters never ran) stays as it is.
        if let Some(value) = index.checked_sub(1).and_then(|i| params.get(i)) {
            out.push_str(&sql[copied..i]);
            dialect.write_literal(&mut out, value);
            copied = end;
        }
    }
    out.push_str(&sql[copied..]);
    out
}

/// Append `value` as a standard SQL literal, the default of
/// [`Dialect::write_literal`]: `NULL`; the dialect's
/// [`bool_literal`](Dialect::bool_literal); numbers as they are (`1.0`,
/// `1e-7`; a float that is not finite as `'NaN'`, `'Infinity'` or
/// `'-Infinity'`); text in single quotes with `'` doubled (and `\`
/// doubled where the dialect treats it as an escape), as a Unicode escape
/// string (`U&'a\000Ab'`) when it holds control characters; binary data as
/// `X'0A0B'`; dates, times, UUIDs and JSON as quoted text in their
/// canonical formats; decimals as numbers.
pub fn write_standard_literal<D: Dialect + ?Sized>(dialect: &D, out: &mut String, value: &Value) {
    write_literal_styled(dialect, out, value, Style::STANDARD);
}

/// [`write_standard_literal`] in a dialect's own style.
pub(crate) fn write_literal_styled<D: Dialect + ?Sized>(dialect: &D, out: &mut String, value: &Value, style: Style) {
    let backslash = dialect.backslash_escapes();
    let text = |out: &mut String, text: &str| write_text(out, text, style.text, backslash);
    // Writing into a String cannot fail.
    match value {
        Value::Null => out.push_str("NULL"),
        Value::Bool(b) => out.push_str(dialect.bool_literal(*b)),
        Value::Int(n) => {
            let _ = write!(out, "{n}");
        }
        Value::Float(x) if x.is_nan() => out.push_str("'NaN'"),
        Value::Float(x) if x.is_infinite() => out.push_str(if *x > 0.0 { "'Infinity'" } else { "'-Infinity'" }),
        Value::Float(x) => {
            // `{:?}` keeps a decimal point or exponent: `1.0`, `1e-7`.
            let _ = write!(out, "{x:?}");
        }
        Value::Text(t) => text(out, t),
        Value::Bytes(b) if style.hex_escape_bytes => {
            out.push_str("'\\x");
            b.iter().for_each(|byte| {
                let _ = write!(out, "{byte:02x}");
            });
            out.push('\'');
        }
        Value::Bytes(b) => {
            out.push_str("X'");
            b.iter().for_each(|byte| {
                let _ = write!(out, "{byte:02X}");
            });
            out.push('\'');
        }
        #[cfg(feature = "chrono")]
        Value::Date(d) => text(out, &d.format(crate::value::formats::DATE).to_string()),
        #[cfg(feature = "chrono")]
        Value::Time(t) => text(out, &t.format(crate::value::formats::TIME).to_string()),
        #[cfg(feature = "chrono")]
        Value::DateTime(t) => text(out, &t.format(crate::value::formats::DATETIME).to_string()),
        #[cfg(feature = "chrono")]
        Value::DateTimeUtc(t) => text(out, &format!("{}+00:00", t.format(crate::value::formats::DATETIME))),
        #[cfg(feature = "uuid")]
        Value::Uuid(u) => text(out, &u.hyphenated().to_string()),
        #[cfg(feature = "json")]
        Value::Json(j) => text(out, &j.to_string()),
        #[cfg(feature = "decimal")]
        Value::Decimal(d) => {
            let _ = write!(out, "{d}");
        }
        // Rendering is for reading; the statement is never run with it.
        Value::Unencodable(why) => {
            out.push_str("NULL /* ");
            out.push_str(&why.replace("*/", "* /"));
            out.push_str(" */");
        }
    }
}

/// Text as a quoted literal in `style`; `backslash`: the dialect reads `\`
/// in plain quotes as an escape.
fn write_text(out: &mut String, text: &str, style: TextStyle, backslash: bool) {
    if !text.chars().any(char::is_control) {
        return write_quoted(out, text, backslash);
    }
    match style {
        TextStyle::Unicode => {
            out.push_str("U&'");
            for c in text.chars() {
                match c {
                    '\'' => out.push_str("''"),
                    '\\' => out.push_str("\\\\"),
                    // Control characters are all below U+00A0.
                    c if c.is_control() => {
                        let _ = write!(out, "\\{:04X}", u32::from(c));
                    }
                    c => out.push(c),
                }
            }
            out.push('\'');
        }
        TextStyle::Escape => {
            out.push_str("E'");
            for c in text.chars() {
                match c {
                    '\'' => out.push_str("''"),
                    '\\' => out.push_str("\\\\"),
                    '\n' => out.push_str("\\n"),
                    '\r' => out.push_str("\\r"),
                    '\t' => out.push_str("\\t"),
                    '\u{8}' => out.push_str("\\b"),
                    '\u{c}' => out.push_str("\\f"),
                    c if c.is_control() => {
                        let _ = write!(out, "\\u{:04X}", u32::from(c));
                    }
                    c => out.push(c),
                }
            }
            out.push('\'');
        }
        TextStyle::Concat => {
            out.push('(');
            write_pieces(out, text, " || ", false, |out, c| {
                let _ = write!(out, "char({})", u32::from(c));
            });
            out.push(')');
        }
        TextStyle::Backslash => {
            let escape = |c: char| match c {
                '\0' => Some("\\0"),
                '\n' => Some("\\n"),
                '\r' => Some("\\r"),
                '\t' => Some("\\t"),
                '\u{8}' => Some("\\b"),
                '\u{1a}' => Some("\\Z"),
                _ => None,
            };
            if text.chars().all(|c| !c.is_control() || escape(c).is_some()) {
                out.push('\'');
                for c in text.chars() {
                    match c {
                        '\'' => out.push_str("''"),
                        '\\' => out.push_str("\\\\"),
                        c => match escape(c) {
                            Some(escaped) => out.push_str(escaped),
                            None => out.push(c),
                        },
                    }
                }
                out.push('\'');
                return;
            }
            out.push_str("CONCAT(");
            write_pieces(out, text, ", ", true, |out, c| {
                let _ = write!(out, "CHAR({} USING utf8mb4)", u32::from(c));
            });
            out.push(')');
        }
    }
}

/// `text` as a list of quoted runs and control characters (written by
/// `control`), separated by `separator`.
fn write_pieces(out: &mut String, text: &str, separator: &str, backslash: bool, control: impl Fn(&mut String, char)) {
    let mut first = true;
    let mut separate = |out: &mut String| {
        if !std::mem::replace(&mut first, false) {
            out.push_str(separator);
        }
    };
    let mut run = String::new();
    for c in text.chars() {
        if c.is_control() {
            if !run.is_empty() {
                separate(out);
                write_quoted(out, &run, backslash);
                run.clear();
            }
            separate(out);
            control(out, c);
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() {
        separate(out);
        write_quoted(out, &run, backslash);
    }
}

/// `'text'`, `'` doubled (and `\` doubled with `backslash`).
fn write_quoted(out: &mut String, text: &str, backslash: bool) {
    super::ddl::write_string_literal(out, text, backslash);
}
