//! `CREATE TABLE`, `CREATE INDEX` and `DROP TABLE` from [`TableMeta`].
//!
//! DDL cannot bind parameters, so column defaults are written as literals;
//! they come from the model's source (`#[orm(default = ..)]`), never from
//! input, and text is escaped all the same.

use std::borrow::Cow;
use std::fmt::Write as _;

use super::Dialect;
use super::writer::quote_ident;
use crate::error::{Error, Result};
use crate::schema::ColumnType;
use crate::schema::{ColumnMeta, DefaultValue, OnDelete, TableMeta};

/// The statements that create `meta`'s table and its indexes.
pub(crate) fn create_table(meta: &TableMeta, dialect: &dyn Dialect, safe: bool) -> Result<Vec<String>> {
    create_table_deferring(meta, dialect, safe, &[])
}

/// [`create_table`] without the foreign keys of the columns in `deferred`
/// (named by column), which [`add_foreign_key`] adds once the tables they
/// reference exist.
pub(crate) fn create_table_deferring(
    meta: &TableMeta,
    dialect: &dyn Dialect,
    safe: bool,
    deferred: &[&str],
) -> Result<Vec<String>> {
    if meta.columns.is_empty() {
        return Err(Error::interface(format!("table {:?} has no columns", meta.name)));
    }
    let quote = dialect.identifier_quote();
    let primary_key = primary_key_columns(meta)?;
    let table_level = dialect.table_level_constraints();

    let mut sql = String::with_capacity(64 + 48 * meta.columns.len());
    sql.push_str(if safe { "CREATE TABLE IF NOT EXISTS " } else { "CREATE TABLE " });
    quote_ident(&mut sql, quote, meta.name);
    sql.push_str(" (");
    for (i, column) in meta.columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        // A deferred key is written as if table-level, then not at all.
        let table_level = table_level || deferred.contains(&column.name);
        write_column(&mut sql, dialect, meta, column, &primary_key, table_level)?;
    }
    if primary_key.len() > 1 {
        sql.push_str(", PRIMARY KEY (");
        write_names(&mut sql, quote, primary_key.iter().map(|c| c.name));
        sql.push(')');
    }
    let mut indexes = Vec::new();
    for column in meta.columns.iter().filter(|c| c.index) {
        indexes.push((Cow::Owned(format!("{}_{}", meta.name, column.name)), vec![column.name], false));
    }
    for index in meta.indexes {
        if index.columns.is_empty() {
            return Err(Error::interface(format!("index {:?} of table {:?} has no columns", index.name, meta.name)));
        }
        indexes.push((Cow::Borrowed(index.name), index.columns.to_vec(), index.unique));
    }
    if table_level {
        for column in meta.columns.iter().filter(|c| c.references.is_some() && !deferred.contains(&c.name)) {
            sql.push_str(", FOREIGN KEY (");
            quote_ident(&mut sql, quote, column.name);
            sql.push(')');
            write_references(&mut sql, quote, meta, column)?;
        }
        for (name, columns, unique) in &indexes {
            sql.push_str(if *unique { ", UNIQUE INDEX " } else { ", INDEX " });
            quote_ident(&mut sql, quote, name);
            sql.push_str(" (");
            write_names(&mut sql, quote, columns.iter().copied());
            sql.push(')');
        }
    }
    sql.push(')');
    sql.push_str(dialect.create_table_options());

    let mut statements = vec![sql];
    if !table_level {
        for (name, columns, unique) in &indexes {
            let mut sql = String::from("CREATE ");
            if *unique {
                sql.push_str("UNIQUE ");
            }
            sql.push_str(if safe { "INDEX IF NOT EXISTS " } else { "INDEX " });
            quote_ident(&mut sql, quote, name);
            sql.push_str(" ON ");
            quote_ident(&mut sql, quote, meta.name);
            sql.push_str(" (");
            write_names(&mut sql, quote, columns.iter().copied());
            sql.push(')');
            statements.push(sql);
        }
    }
    Ok(statements)
}

/// `ALTER TABLE "t" ADD CONSTRAINT "<name>" FOREIGN KEY ("c") REFERENCES
/// ..`: a key [`create_table_deferring`] left out, named by
/// [`deferred_key_name`].
pub(crate) fn add_foreign_key(meta: &TableMeta, column: &ColumnMeta, dialect: &dyn Dialect) -> Result<String> {
    let quote = dialect.identifier_quote();
    let mut sql = String::from("ALTER TABLE ");
    quote_ident(&mut sql, quote, meta.name);
    sql.push_str(" ADD CONSTRAINT ");
    quote_ident(&mut sql, quote, &deferred_key_name(meta.name, column.name));
    sql.push_str(" FOREIGN KEY (");
    quote_ident(&mut sql, quote, column.name);
    sql.push(')');
    write_references(&mut sql, quote, meta, column)?;
    Ok(sql)
}

/// The name of a deferred foreign key: `<table>_<column>` cut to 40 bytes,
/// then a hash of the table and column apart, so that it fits every
/// backend's identifiers (63 bytes, 64 characters) and two keys never
/// share it (MySQL wants a key's name unique in the database, and
/// `a_b` + `c` reads like `a` + `b_c`).
fn deferred_key_name(table: &str, column: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in table.bytes().chain([0]).chain(column.bytes()) {
        hash = (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut prefix = String::new();
    for c in format!("{table}_{column}").chars() {
        if prefix.len() + c.len_utf8() > 40 {
            break;
        }
        prefix.push(c);
    }
    format!("{prefix}_{hash:016x}_fk")
}

/// `DROP TABLE [IF EXISTS] "a", "b", ..`: tables dropped in one statement,
/// which PostgreSQL allows whatever keys they hold to each other.
pub(crate) fn drop_tables(metas: &[&TableMeta], dialect: &dyn Dialect, safe: bool) -> String {
    let mut sql = String::from(if safe { "DROP TABLE IF EXISTS " } else { "DROP TABLE " });
    write_names(&mut sql, dialect.identifier_quote(), metas.iter().map(|m| m.name));
    sql
}

/// `ALTER TABLE "t" DROP FOREIGN KEY "name"` (MySQL and MariaDB).
pub(crate) fn drop_foreign_key(table: &str, constraint: &str, dialect: &dyn Dialect) -> String {
    let quote = dialect.identifier_quote();
    let mut sql = String::from("ALTER TABLE ");
    quote_ident(&mut sql, quote, table);
    sql.push_str(" DROP FOREIGN KEY ");
    quote_ident(&mut sql, quote, constraint);
    sql
}

/// `DROP TABLE`; its indexes go with it.
pub(crate) fn drop_table(meta: &TableMeta, dialect: &dyn Dialect, safe: bool) -> Result<Vec<String>> {
    let mut sql = String::from(if safe { "DROP TABLE IF EXISTS " } else { "DROP TABLE " });
    quote_ident(&mut sql, dialect.identifier_quote(), meta.name);
    Ok(vec![sql])
}

/// The primary key's columns, checked against the column list (the metadata
/// is plain data: a bad index is an error, not a panic).
fn primary_key_columns(meta: &TableMeta) -> Result<Vec<&ColumnMeta>> {
    let columns = meta
        .primary_key
        .iter()
        .map(|&i| {
            meta.columns.get(i).ok_or_else(|| {
                Error::interface(format!(
                    "primary key of table {:?} names column #{i}, which does not exist",
                    meta.name
                ))
            })
        })
        .collect::<Result<Vec<_>>>()?;
    if meta.auto_increment && columns.len() != 1 {
        return Err(Error::interface(format!(
            "table {:?} is auto-increment but its primary key has {} columns",
            meta.name,
            columns.len()
        )));
    }
    Ok(columns)
}

/// `"name" TYPE [NOT NULL] [PRIMARY KEY] [UNIQUE] [DEFAULT ..] [REFERENCES ..]`.
fn write_column(
    sql: &mut String,
    dialect: &dyn Dialect,
    meta: &TableMeta,
    column: &ColumnMeta,
    primary_key: &[&ColumnMeta],
    table_level: bool,
) -> Result<()> {
    let quote = dialect.identifier_quote();
    let in_key = primary_key.iter().any(|c| std::ptr::eq(*c, column));
    quote_ident(sql, quote, column.name);
    sql.push(' ');
    if in_key && meta.auto_increment {
        sql.push_str(&dialect.auto_increment_column(column.name, column.ty)?);
    } else {
        let indexed = in_key
            || column.unique
            || column.index
            || column.references.is_some()
            || meta.indexes.iter().any(|index| index.columns.contains(&column.name));
        sql.push_str(&dialect.column_type(column.ty, indexed));
        if !column.nullable {
            sql.push_str(" NOT NULL");
        }
        if in_key && primary_key.len() == 1 {
            sql.push_str(" PRIMARY KEY");
        }
        if column.unique && !(in_key && primary_key.len() == 1) {
            sql.push_str(" UNIQUE");
        }
        if let Some(default) = &column.default {
            dialect.write_default(sql, default, column.ty, indexed)?;
        }
    }
    if column.references.is_some() && !table_level {
        write_references(sql, quote, meta, column)?;
    }
    Ok(())
}

/// ` REFERENCES "other" ("pk") [ON DELETE ..]`.
fn write_references(sql: &mut String, quote: char, meta: &TableMeta, column: &ColumnMeta) -> Result<()> {
    let Some(references) = column.references else { return Ok(()) };
    let target = references();
    let key = match target.primary_key {
        [index] => target.columns.get(*index),
        _ => None,
    };
    let Some(key) = key else {
        return Err(Error::interface(format!(
            "foreign key {}.{} references table {:?}, which has no single-column primary key",
            meta.name, column.name, target.name
        )));
    };
    sql.push_str(" REFERENCES ");
    quote_ident(sql, quote, target.name);
    sql.push_str(" (");
    quote_ident(sql, quote, key.name);
    sql.push(')');
    sql.push_str(match column.on_delete {
        OnDelete::NoAction => "",
        OnDelete::Cascade => " ON DELETE CASCADE",
        OnDelete::SetNull => " ON DELETE SET NULL",
        OnDelete::Restrict => " ON DELETE RESTRICT",
    });
    Ok(())
}

fn write_names<'n>(sql: &mut String, quote: char, names: impl Iterator<Item = &'n str>) {
    for (i, name) in names.enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        quote_ident(sql, quote, name);
    }
}

/// The standard (PostgreSQL) column types.
pub(crate) fn column_type_common(ty: ColumnType) -> Cow<'static, str> {
    match ty {
        ColumnType::SmallInt => "SMALLINT".into(),
        ColumnType::Integer => "INTEGER".into(),
        ColumnType::BigInt => "BIGINT".into(),
        ColumnType::Real => "REAL".into(),
        ColumnType::Double => "DOUBLE PRECISION".into(),
        ColumnType::Boolean => "BOOLEAN".into(),
        ColumnType::Text => "TEXT".into(),
        ColumnType::VarChar(n) => format!("VARCHAR({n})").into(),
        ColumnType::Blob => "BYTEA".into(),
        ColumnType::Date => "DATE".into(),
        ColumnType::Time => "TIME".into(),
        ColumnType::DateTime => "TIMESTAMP".into(),
        ColumnType::DateTimeUtc => "TIMESTAMPTZ".into(),
        ColumnType::Uuid => "UUID".into(),
        ColumnType::Json => "JSONB".into(),
        ColumnType::Decimal(Some((p, s))) => format!("NUMERIC({p}, {s})").into(),
        ColumnType::Decimal(None) => "NUMERIC".into(),
    }
}

/// A default as a SQL literal. Floats must be finite (SQL has no literal
/// for NaN or infinity); text is quoted with `'` doubled, and `\` doubled
/// too where the dialect treats it as an escape.
pub(crate) fn write_default_literal<D: Dialect + ?Sized>(
    dialect: &D,
    out: &mut String,
    default: &DefaultValue,
    ty: ColumnType,
) -> Result<()> {
    match default {
        // Writing into a String cannot fail.
        DefaultValue::Int(n) => {
            let _ = write!(out, "{n}");
        }
        DefaultValue::Float(x) if x.is_finite() => {
            // `{:?}` keeps a decimal point or exponent (`1.0`, `1e-7`),
            // both valid numeric literals everywhere.
            let _ = write!(out, "{x:?}");
        }
        DefaultValue::Float(x) => {
            return Err(Error::interface(format!("default value {x} has no SQL literal")));
        }
        DefaultValue::Bool(b) => out.push_str(dialect.bool_literal(*b)),
        DefaultValue::Text(text) => write_string_literal(out, text, dialect.backslash_escapes()),
        DefaultValue::CurrentTimestamp => out.push_str(dialect.current_timestamp(ty)),
    }
    Ok(())
}

/// `'text'` with `'` doubled (and `\` doubled when `backslash` escapes).
pub(crate) fn write_string_literal(out: &mut String, text: &str, backslash: bool) {
    out.reserve(text.len() + 2);
    out.push('\'');
    for c in text.chars() {
        if c == '\'' || (backslash && c == '\\') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
}
