//! `#[orm(...)]` attributes parsed into typed structs: [`Container`] for the
//! struct, [`Field`] for each field. Parsing reports malformed attributes
//! (unknown key, wrong value type, duplicate) and goes on; rules that
//! involve several attributes or fields live in `check`.

mod container;
mod field;
mod value;

pub use container::Container;
pub use field::{Field, OnDelete};
pub use value::Literal;

use proc_macro2::{Span, TokenTree};
use syn::Token;
use syn::meta::ParseNestedMeta;

use super::ctxt::Ctxt;
use super::symbol::Symbol;

/// An attribute that may be given once: remembers the first value and
/// reports any later one as a duplicate, at its key.
struct Attr<'c, T> {
    cx: &'c Ctxt,
    name: Symbol,
    value: Option<T>,
}

impl<'c, T> Attr<'c, T> {
    fn none(cx: &'c Ctxt, name: Symbol) -> Self {
        Attr { cx, name, value: None }
    }

    /// Set the value given at `key`; report a duplicate if already set.
    fn set(&mut self, key: Span, value: T) {
        if self.value.is_some() {
            self.cx.error_at(key, format!("duplicate orm attribute `{}`", self.name));
        } else {
            self.value = Some(value);
        }
    }

    fn get(self) -> Option<T> {
        self.value
    }
}

/// Skip whatever follows a key we reported as an error (`= value` or a
/// parenthesized list), so that parsing goes on with the next key.
fn skip_rest(meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(Token![=]) {
        let _: Token![=] = meta.input.parse()?;
        let _: syn::Expr = meta.input.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        let _: TokenTree = meta.input.parse()?;
    }
    Ok(())
}

/// The span of `meta`'s key.
fn key_span(meta: &ParseNestedMeta<'_>) -> Span {
    meta.path.segments.first().map_or_else(Span::call_site, |s| s.ident.span())
}

/// Parse every `#[orm(...)]` of `attrs` with `each`, reporting syntax errors
/// (each one ends the parsing of its own attribute only).
fn parse_orm_attrs(cx: &Ctxt, attrs: &[syn::Attribute], mut each: impl FnMut(&ParseNestedMeta<'_>) -> syn::Result<()>) {
    for attr in attrs {
        if attr.path() != super::symbol::ORM {
            continue;
        }
        if let Err(error) = attr.parse_nested_meta(|meta| each(&meta)) {
            cx.syn_error(error);
        }
    }
}

/// Report a key that `here` (a struct or a field) does not accept: point
/// to where it belongs if it is one of `elsewhere`'s keys, otherwise list
/// the accepted ones.
fn unknown_key(
    cx: &Ctxt,
    meta: &ParseNestedMeta<'_>,
    accepted: &[Symbol],
    elsewhere: &[Symbol],
    here: &str,
    there: &str,
) {
    let name = quote::ToTokens::to_token_stream(&meta.path).to_string().replace(' ', "");
    let span = key_span(meta);
    if elsewhere.iter().any(|key| meta.path == *key) {
        cx.error_at(span, format!("`{name}` applies to {there}, not to {here}"));
    } else {
        let names: Vec<String> = accepted.iter().map(ToString::to_string).collect();
        let hint = match super::suggest::closest(&name, names.iter().map(String::as_str)) {
            Some(close) => format!("did you mean `{close}`?"),
            None => {
                format!("expected one of {}", names.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", "))
            }
        };
        cx.error_at(span, format!("unknown orm attribute `{name}` on {here}; {hint}"));
    }
}
