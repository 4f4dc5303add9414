//! Attributes on a field: `#[orm(column = "..", primary_key,
//! auto_increment, unique, index, default = .., default_now, max_length = N,
//! max_digits = P, decimal_places = S, on_delete = "..", backref = "..",
//! state, skip)]`.

use proc_macro2::Span;
use syn::Ident;

use super::value::{self, Literal};
use super::{Attr, key_span, parse_orm_attrs, skip_rest, unknown_key};
use crate::internals::ctxt::Ctxt;
use crate::internals::symbol::{
    AUTO_INCREMENT, BACKREF, COLUMN, DECIMAL_PLACES, DEFAULT, DEFAULT_NOW, INDEX, MAX_DIGITS, MAX_LENGTH, ON_DELETE,
    PRIMARY_KEY, RELATIONS, SKIP, STATE, Symbol, UNIQUE,
};

/// The keys a field accepts, for the unknown-key message.
pub const KEYS: &[Symbol] = &[
    COLUMN,
    PRIMARY_KEY,
    AUTO_INCREMENT,
    UNIQUE,
    INDEX,
    DEFAULT,
    DEFAULT_NOW,
    MAX_LENGTH,
    MAX_DIGITS,
    DECIMAL_PLACES,
    ON_DELETE,
    BACKREF,
    STATE,
    RELATIONS,
    SKIP,
];

/// A field's attributes, as given.
pub struct Field {
    /// `column = ".."`: the SQL column name.
    pub column: Option<String>,
    /// `primary_key`.
    pub primary_key: bool,
    /// `auto_increment`.
    pub auto_increment: bool,
    /// `unique`.
    pub unique: bool,
    /// `index` (`Some(true)`), `index = false`, or nothing: foreign keys
    /// are indexed by default.
    pub index: Option<bool>,
    /// `default = <literal>`.
    pub default: Option<Literal>,
    /// `default_now`.
    pub default_now: bool,
    /// `max_length = N`.
    pub max_length: Option<u32>,
    /// `max_digits = P`: a decimal's precision.
    pub max_digits: Option<u8>,
    /// `decimal_places = S`: a decimal's scale.
    pub decimal_places: Option<u8>,
    /// `on_delete = ".."`.
    pub on_delete: Option<OnDelete>,
    /// `backref = ".."`: the method generated on the referenced model.
    pub backref: Option<Ident>,
    /// `state`: the `ModelState` field, not a column.
    pub state: bool,
    /// `relations`: the `Relations` field, not a column.
    pub relations: bool,
    /// `skip`: not a column, filled with `Default::default()`.
    pub skip: bool,
    /// Every key given, in order, with its span.
    keys: Vec<(Symbol, Span)>,
}

/// `on_delete = ".."`: what the referencing row does when the referenced
/// one is deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnDelete {
    NoAction,
    Cascade,
    SetNull,
    Restrict,
}

impl OnDelete {
    const EXPECTED: &'static str = "expected \"cascade\", \"set null\", \"restrict\" or \"no action\"";

    fn parse(text: &str) -> Option<Self> {
        match text.to_ascii_lowercase().as_str() {
            "no action" => Some(OnDelete::NoAction),
            "cascade" => Some(OnDelete::Cascade),
            "set null" => Some(OnDelete::SetNull),
            "restrict" => Some(OnDelete::Restrict),
            _ => None,
        }
    }
}

impl Field {
    /// Parse the `#[orm(...)]` attributes of `field`.
    pub fn from_ast(cx: &Ctxt, field: &syn::Field) -> Self {
        let mut column = Attr::none(cx, COLUMN);
        let mut primary_key = Attr::none(cx, PRIMARY_KEY);
        let mut auto_increment = Attr::none(cx, AUTO_INCREMENT);
        let mut unique = Attr::none(cx, UNIQUE);
        let mut index = Attr::none(cx, INDEX);
        let mut default = Attr::none(cx, DEFAULT);
        let mut default_now = Attr::none(cx, DEFAULT_NOW);
        let mut max_length = Attr::none(cx, MAX_LENGTH);
        let mut max_digits = Attr::none(cx, MAX_DIGITS);
        let mut decimal_places = Attr::none(cx, DECIMAL_PLACES);
        let mut on_delete = Attr::none(cx, ON_DELETE);
        let mut backref = Attr::none(cx, BACKREF);
        let mut state = Attr::none(cx, STATE);
        let mut relations = Attr::none(cx, RELATIONS);
        let mut skip = Attr::none(cx, SKIP);
        let mut keys = Vec::new();

        parse_orm_attrs(cx, &field.attrs, |meta| {
            let key = key_span(meta);
            let flags = [
                (PRIMARY_KEY, &mut primary_key),
                (AUTO_INCREMENT, &mut auto_increment),
                (UNIQUE, &mut unique),
                (DEFAULT_NOW, &mut default_now),
                (STATE, &mut state),
                (RELATIONS, &mut relations),
                (SKIP, &mut skip),
            ];
            for (name, attr) in flags {
                if meta.path == name {
                    keys.push((name, key));
                    value::flag(cx, meta, name)?;
                    attr.set(key, ());
                    return Ok(());
                }
            }
            if meta.path == INDEX {
                keys.push((INDEX, key));
                if let Some(on) = value::flag_or_bool(cx, meta, INDEX)? {
                    index.set(key, on);
                }
            } else if meta.path == COLUMN {
                keys.push((COLUMN, key));
                if let Some(name) = value::non_empty_string(cx, meta, COLUMN, "\"column_name\"")? {
                    column.set(key, name.value());
                }
            } else if meta.path == DEFAULT {
                keys.push((DEFAULT, key));
                if let Some(literal) = value::literal(cx, meta, DEFAULT, "0")? {
                    default.set(key, literal);
                }
            } else if meta.path == MAX_LENGTH {
                keys.push((MAX_LENGTH, key));
                if let Some(n) = value::positive_u32(cx, meta, MAX_LENGTH, "255")? {
                    max_length.set(key, n);
                }
            } else if meta.path == MAX_DIGITS {
                keys.push((MAX_DIGITS, key));
                if let Some(n) = value::u8_from(cx, meta, MAX_DIGITS, 1, "10")? {
                    max_digits.set(key, n);
                }
            } else if meta.path == DECIMAL_PLACES {
                keys.push((DECIMAL_PLACES, key));
                if let Some(n) = value::u8_from(cx, meta, DECIMAL_PLACES, 0, "2")? {
                    decimal_places.set(key, n);
                }
            } else if meta.path == ON_DELETE {
                keys.push((ON_DELETE, key));
                if let Some(lit) = value::string(cx, meta, ON_DELETE, "\"cascade\"")? {
                    match OnDelete::parse(&lit.value()) {
                        Some(action) => on_delete.set(key, action),
                        None => cx.error_spanned_by(
                            &lit,
                            format!("unknown `on_delete` action {:?}; {}", lit.value(), OnDelete::EXPECTED),
                        ),
                    }
                }
            } else if meta.path == BACKREF {
                keys.push((BACKREF, key));
                if let Some(name) = value::ident(cx, meta, BACKREF, "\"tweets\"")? {
                    backref.set(key, name);
                }
            } else {
                unknown_key(cx, meta, KEYS, super::container::KEYS, "a field", "the struct");
                skip_rest(meta)?;
            }
            Ok(())
        });

        Field {
            column: column.get(),
            primary_key: primary_key.get().is_some(),
            auto_increment: auto_increment.get().is_some(),
            unique: unique.get().is_some(),
            index: index.get(),
            default: default.get(),
            default_now: default_now.get().is_some(),
            max_length: max_length.get(),
            max_digits: max_digits.get(),
            decimal_places: decimal_places.get(),
            on_delete: on_delete.get(),
            backref: backref.get(),
            state: state.get().is_some(),
            relations: relations.get().is_some(),
            skip: skip.get().is_some(),
            keys,
        }
    }

    /// `(precision, scale)` when both `max_digits` and `decimal_places`
    /// are given.
    pub fn decimal(&self) -> Option<(u8, u8)> {
        self.max_digits.zip(self.decimal_places)
    }

    /// Where key `name` was first given, if it was.
    pub fn key(&self, name: Symbol) -> Option<Span> {
        self.keys.iter().find(|(given, _)| *given == name).map(|(_, span)| *span)
    }

    /// Every key given, in order, with its span (a key given twice is
    /// listed twice).
    pub fn keys(&self) -> &[(Symbol, Span)] {
        &self.keys
    }
}
