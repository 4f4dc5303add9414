//! The names of the `#[orm(...)]` attributes, as constants, so that the
//! parser, the checks and the error messages spell them one way.

use std::fmt::{self, Display};

use syn::{Ident, Path};

/// An attribute name.
#[derive(Copy, Clone, PartialEq, Eq)]
pub struct Symbol(&'static str);

/// The attribute itself: `#[orm(...)]`.
pub const ORM: Symbol = Symbol("orm");

// Container attributes.
/// `#[orm(table = "name")]`.
pub const TABLE: Symbol = Symbol("table");
/// `#[orm(primary_key(a, b))]` on the struct, `#[orm(primary_key)]` on a field.
pub const PRIMARY_KEY: Symbol = Symbol("primary_key");
/// `#[orm(index(a, b))]` on the struct, `#[orm(index)]` on a field.
pub const INDEX: Symbol = Symbol("index");
/// `#[orm(unique(a, b))]` on the struct, `#[orm(unique)]` on a field.
pub const UNIQUE: Symbol = Symbol("unique");
/// `#[orm(crate = "path")]`.
pub const CRATE: Symbol = Symbol("crate");
/// `name = "..."` inside `index(...)` / `unique(...)`.
pub const NAME: Symbol = Symbol("name");

// Field attributes.
/// `#[orm(column = "name")]`.
pub const COLUMN: Symbol = Symbol("column");
/// `#[orm(auto_increment)]`.
pub const AUTO_INCREMENT: Symbol = Symbol("auto_increment");
/// `#[orm(default = literal)]`.
pub const DEFAULT: Symbol = Symbol("default");
/// `#[orm(default_now)]`.
pub const DEFAULT_NOW: Symbol = Symbol("default_now");
/// `#[orm(max_length = N)]`.
pub const MAX_LENGTH: Symbol = Symbol("max_length");
/// `#[orm(max_digits = N)]`.
pub const MAX_DIGITS: Symbol = Symbol("max_digits");
/// `#[orm(decimal_places = N)]`.
pub const DECIMAL_PLACES: Symbol = Symbol("decimal_places");
/// `#[orm(on_delete = "cascade")]`.
pub const ON_DELETE: Symbol = Symbol("on_delete");
/// `#[orm(backref = "name")]`.
pub const BACKREF: Symbol = Symbol("backref");
/// `#[orm(state)]`.
pub const STATE: Symbol = Symbol("state");
pub const RELATIONS: Symbol = Symbol("relations");
pub const HOOKS: Symbol = Symbol("hooks");
/// `#[orm(skip)]`.
pub const SKIP: Symbol = Symbol("skip");

impl PartialEq<Symbol> for Ident {
    fn eq(&self, word: &Symbol) -> bool {
        self == word.0
    }
}

impl PartialEq<Symbol> for &Ident {
    fn eq(&self, word: &Symbol) -> bool {
        *self == word.0
    }
}

impl PartialEq<Symbol> for Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl PartialEq<Symbol> for &Path {
    fn eq(&self, word: &Symbol) -> bool {
        self.is_ident(word.0)
    }
}

impl Display for Symbol {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.0)
    }
}
