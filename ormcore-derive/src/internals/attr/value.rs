//! Reading the value of one `key = value` or `key` or `key(list)` item.
//!
//! Each reader reports a value of the wrong kind at the value itself and
//! returns `Ok(None)`, so that parsing goes on; `Err` is kept for input
//! that cannot be parsed at all.

use proc_macro2::TokenTree;
use syn::meta::ParseNestedMeta;
use syn::{Expr, ExprLit, ExprUnary, Ident, Lit, LitStr, Token, UnOp};

use super::{key_span, skip_rest};
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::{NAME, Symbol};

/// A flag (`unique`): reports a value given to it.
pub fn flag(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: Symbol) -> syn::Result<()> {
    if meta.input.peek(Token![=]) || meta.input.peek(syn::token::Paren) {
        cx.error_at(key_span(meta), format!("`{name}` takes no value: write `#[orm({name})]`"));
        skip_rest(meta)?;
    }
    Ok(())
}

/// A flag that may be turned off: `index` is `true`, `index = false` is
/// `false`.
pub fn flag_or_bool(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: Symbol) -> syn::Result<Option<bool>> {
    if !meta.input.peek(Token![=]) {
        flag(cx, meta, name)?;
        return Ok(Some(true));
    }
    match expr(cx, meta, name, "false")? {
        Some(Expr::Lit(ExprLit { lit: Lit::Bool(lit), .. })) => Ok(Some(lit.value)),
        Some(other) => {
            cx.error_spanned_by(other, format!("expected `true` or `false`: `{name} = false`"));
            Ok(None)
        }
        None => Ok(None),
    }
}

/// The expression after `=`; reports a missing `=` at the key.
fn expr(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: Symbol, example: &str) -> syn::Result<Option<Expr>> {
    if !meta.input.peek(Token![=]) {
        cx.error_at(key_span(meta), format!("`{name}` needs a value: `{name} = {example}`"));
        skip_rest(meta)?;
        return Ok(None);
    }
    let mut expr: Expr = meta.value()?.parse()?;
    // Values passed through `macro_rules!` arrive wrapped in invisible groups.
    while let Expr::Group(group) = expr {
        expr = *group.expr;
    }
    Ok(Some(expr))
}

/// `key = "text"`.
pub fn string(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: Symbol, example: &str) -> syn::Result<Option<LitStr>> {
    let Some(expr) = expr(cx, meta, name, example)? else {
        return Ok(None);
    };
    match expr {
        Expr::Lit(ExprLit { lit: Lit::Str(lit), .. }) => Ok(Some(lit)),
        other => {
            cx.error_spanned_by(other, format!("expected a string literal: `{name} = {example}`"));
            Ok(None)
        }
    }
}

/// `key = "text"` where the text must not be empty.
pub fn non_empty_string(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: Symbol,
    example: &str,
) -> syn::Result<Option<LitStr>> {
    let lit = string(cx, meta, name, example)?;
    match lit {
        Some(lit) if lit.value().is_empty() => {
            cx.error_spanned_by(&lit, format!("`{name}` cannot be empty"));
            Ok(None)
        }
        other => Ok(other),
    }
}

/// `key = N`, a positive integer that fits in `u32`.
pub fn positive_u32(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: Symbol, example: &str) -> syn::Result<Option<u32>> {
    let Some(expr) = expr(cx, meta, name, example)? else {
        return Ok(None);
    };
    let parsed = match &expr {
        Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => lit.base10_parse::<u32>().ok().filter(|n| *n > 0),
        _ => None,
    };
    if parsed.is_some() {
        return Ok(parsed);
    }
    cx.error_spanned_by(expr, format!("expected an integer from 1 to {}: `{name} = {example}`", u32::MAX));
    Ok(None)
}

/// `key = N`, an integer from `min` to 255.
pub fn u8_from(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: Symbol, min: u8, example: &str) -> syn::Result<Option<u8>> {
    let Some(expr) = expr(cx, meta, name, example)? else {
        return Ok(None);
    };
    let parsed = match &expr {
        Expr::Lit(ExprLit { lit: Lit::Int(lit), .. }) => lit.base10_parse::<u8>().ok().filter(|n| *n >= min),
        _ => None,
    };
    if parsed.is_none() {
        cx.error_spanned_by(expr, format!("expected an integer from {min} to {}: `{name} = {example}`", u8::MAX));
    }
    Ok(parsed)
}

/// The literal of `default = ...`: an integer, a float (either possibly
/// negated), a bool or a string.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Int(i64),
    Float(f64),
    Bool(bool),
    Text(String),
}

/// `key = <literal>`.
pub fn literal(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: Symbol, example: &str) -> syn::Result<Option<Literal>> {
    let Some(expr) = expr(cx, meta, name, example)? else {
        return Ok(None);
    };
    let parsed = parse_literal(&expr);
    if parsed.is_none() {
        cx.error_spanned_by(expr, format!("expected an integer, float, bool or string literal: `{name} = {example}`"));
    }
    Ok(parsed)
}

fn parse_literal(expr: &Expr) -> Option<Literal> {
    let float = |text: String| text.parse::<f64>().ok().filter(|f| f.is_finite()).map(Literal::Float);
    match expr {
        Expr::Lit(ExprLit { lit, .. }) => match lit {
            Lit::Int(int) => int.base10_parse().ok().map(Literal::Int),
            Lit::Float(f) => float(f.base10_digits().to_owned()),
            Lit::Bool(b) => Some(Literal::Bool(b.value)),
            Lit::Str(text) => Some(Literal::Text(text.value())),
            _ => None,
        },
        Expr::Unary(ExprUnary { op: UnOp::Neg(_), expr, .. }) => match &**expr {
            // Parsed with the sign so that `i64::MIN` fits.
            Expr::Lit(ExprLit { lit: Lit::Int(int), .. }) => {
                format!("-{}", int.base10_digits()).parse().ok().map(Literal::Int)
            }
            Expr::Lit(ExprLit { lit: Lit::Float(f), .. }) => float(format!("-{}", f.base10_digits())),
            _ => None,
        },
        _ => None,
    }
}

/// `key = "ident"`: a string holding a Rust identifier.
pub fn ident(cx: &Ctxt, meta: &ParseNestedMeta<'_>, name: Symbol, example: &str) -> syn::Result<Option<Ident>> {
    let Some(lit) = string(cx, meta, name, example)? else {
        return Ok(None);
    };
    match lit.parse::<Ident>() {
        Ok(ident) => Ok(Some(ident)),
        Err(_) => {
            cx.error_spanned_by(&lit, format!("`{name}` must be a Rust identifier, as in `{name} = {example}`"));
            Ok(None)
        }
    }
}

/// `key(a, b, ...)`: field names, plus `name = "..."` when `allow_name`.
/// Returns the fields and the name.
pub fn field_list(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    name: Symbol,
    allow_name: bool,
) -> syn::Result<Option<(Vec<Ident>, Option<LitStr>)>> {
    if !meta.input.peek(syn::token::Paren) {
        cx.error_at(key_span(meta), format!("`{name}` on the struct lists fields: `{name}(field, ...)`"));
        skip_rest(meta)?;
        return Ok(None);
    }
    match meta.input.fork().parse::<TokenTree>()? {
        TokenTree::Group(group) if group.stream().is_empty() => {
            cx.error_spanned_by(group, format!("`{name}(...)` needs at least one field"));
            skip_rest(meta)?;
            return Ok(None);
        }
        _ => {}
    }
    let mut fields = Vec::new();
    let mut index_name = None;
    meta.parse_nested_meta(|item| {
        if allow_name && item.path == NAME && item.input.peek(Token![=]) {
            let key = key_span(&item);
            if let Some(given) = non_empty_string(cx, &item, NAME, "\"index_name\"")? {
                if index_name.is_some() {
                    cx.error_at(key, format!("duplicate `{NAME}` in `{name}(...)`"));
                } else {
                    index_name = Some(given);
                }
            }
            return Ok(());
        }
        match item.path.get_ident() {
            Some(field) if item.input.is_empty() || item.input.peek(Token![,]) => fields.push(field.clone()),
            _ => {
                let expected = if allow_name { "a field name or `name = \"...\"`" } else { "a field name" };
                cx.error_spanned_by(&item.path, format!("expected {expected} in `{name}(...)`"));
                skip_rest(&item)?;
            }
        }
        Ok(())
    })?;
    if fields.is_empty() {
        cx.error_at(key_span(meta), format!("`{name}(...)` needs at least one field"));
        return Ok(None);
    }
    Ok(Some((fields, index_name)))
}
