//! `#[derive(Model)]` for ormcore. Use it through `ormcore::Model`; see
//! [`derive_model`] for the attributes.
//!
//! Built like serde_derive: `internals` parses the `#[orm(...)]` attributes
//! into typed structs, builds the model and checks it, collecting every
//! error at its span; `expand` then generates code and never validates.

#![forbid(unsafe_code)]

mod expand;
mod internals;

use proc_macro::TokenStream;
use syn::{DeriveInput, parse_macro_input};

/// Implement `ormcore::Model` for a struct with named fields: one column per
/// field, a table named after the struct in snake case.
///
/// ```
/// use ormcore::prelude::*;
///
/// #[derive(Model, Debug)] // `Default` too, with `karma` at 0 (see below)
/// #[orm(table = "users", index(city, name))]
/// struct User {
///     id: i64, // an integer `id` is the auto-increment key
///     #[orm(unique, max_length = 64)]
///     name: String,
///     city: Option<String>,
///     #[orm(default = 0)]
///     karma: i32,
///     #[orm(state)]
///     state: ModelState,
/// }
///
/// #[derive(Model, Debug)]
/// struct Tweet {
///     id: i64,
///     #[orm(backref = "tweets", on_delete = "cascade")]
///     user: ForeignKey<User>,
///     content: String,
/// }
///
/// assert_eq!(User::META.name, "users");
/// assert_eq!(User::NAME.name(), "name");
/// let user = User { id: 7, ..User::default() };
/// let tweets = user.tweets(); // SELECT .. FROM tweet WHERE tweet.user = 7
/// # let _ = (tweets, User::NAME.eq("x"), Tweet::CONTENT.contains("hi"));
/// ```
///
/// # What it generates
///
/// - `impl Model`: `META` (a `static` [`TableMeta`]), `column_values`,
///   `column_value` (which panics on an index out of range: indexes come
///   from `META` and column constants, so that is a caller bug, and `NULL`
///   would be silently written), `primary_key_values` (`None` while an
///   auto-increment key is `0` or `None`; `Some(vec![])` for a table
///   without a key), `set_auto_id` (a `Decode` error if the database
///   assigned a key the field cannot hold; the DDL keeps assigned keys
///   within the key's type, so only a table made otherwise can) and, with
///   a `state` field, `state`/`state_mut`.
/// - `impl FromRow`, decoding the columns in field order and remembering
///   them in the `state` field, if there is one.
/// - `impl Default` when some field declares `default` or `default_now`:
///   those fields start at their declared default, the others at their
///   type's `Default` (so `User { name, ..User::default() }` is a new row
///   with its defaults). Deriving `Default` as well is then a compile error.
/// - `impl PrimaryKey` when the key is one column.
/// - A column constant per column, `User::NAME: Column<User, String>`, the
///   field name in upper snake case. A field named `meta` is refused: its
///   constant would hide `Record::META`.
/// - For each `backref`, a method on the referenced model returning a
///   `Select` of this one, with the visibility of this struct. Both models
///   must be in the same crate: the method is an inherent impl on the
///   referenced model. Names of `Model` methods (`select`, `aget`, ...)
///   are refused, as the method would hide them.
///
/// # Struct attributes
///
/// | attribute | meaning |
/// |---|---|
/// | `table = "name"` | the table name (default: the struct name in snake case, `TweetLike` → `tweet_like`) |
/// | `primary_key(a, b)` | the primary key, over these fields (never auto-increment) |
/// | `index(a, b)`, `index(a, b, name = "idx")` | an index over these fields, named `<table>_<col_a>_<col_b>` unless named; repeatable |
/// | `unique(a, b)`, `unique(a, b, name = "..")` | a unique constraint, likewise |
/// | `crate = "path"` | where the runtime is (default `::ormcore`), for re-exports |
///
/// # Field attributes
///
/// | attribute | meaning |
/// |---|---|
/// | `column = "name"` | the SQL column name (default: the field name; for a foreign key, the field name and `_id`, `user` → `user_id`, as in Peewee, unless it ends with `_id` already) |
/// | `primary_key` | this field is the key (not auto-increment unless also `auto_increment`) |
/// | `auto_increment` | this field is the key, assigned by the database; `i16`, `i32`, `i64` or an `Option` of one |
/// | `unique` | a UNIQUE constraint on this column |
/// | `index`, `index = false` | an index on this column, or none; foreign keys have one by default (unless `unique` or the primary key covers them) |
/// | `default = 0` | the field's value in `Default::default()`, and its SQL `DEFAULT`: an integer, float, bool or string literal that fits the field |
/// | `default_now` | the current time in `Default::default()` (UTC, to the microsecond; see `ormcore::model::DefaultNow`), and SQL `DEFAULT CURRENT_TIMESTAMP` (`CURRENT_DATE`, `CURRENT_TIME` for date and time columns) |
/// | `max_length = 255` | `VARCHAR(255)`; `String` and `Option<String>` fields only |
/// | `max_digits = 10, decimal_places = 2` | `NUMERIC(10, 2)`: at most 10 digits, 2 of them after the point; a value beyond is refused when written. Together, on `Decimal` and `Option<Decimal>` fields only (without them, as exact as the backend stores decimals: unbounded `NUMERIC` on PostgreSQL) |
/// | `on_delete = "cascade"` | `"cascade"`, `"set null"` (needs `Option<ForeignKey<M>>`), `"restrict"` or `"no action"` (the default); foreign keys only |
/// | `backref = "tweets"` | generate `M::tweets(&self) -> Select<Self>` on the referenced model `M`; foreign keys only |
/// | `state` | the `ModelState` field for dirty tracking; not a column, takes no other attribute |
/// | `skip` | not a column; filled with `Default::default()` when read |
///
/// Without `primary_key`/`auto_increment` anywhere, a field named `id` of
/// type `i16`, `i32` or `i64` (or an `Option` of one) is the auto-increment
/// key, like Peewee's implicit `AutoField`; otherwise the table has no key.
/// Nullable columns are the `Option` fields.
///
/// [`TableMeta`]: https://docs.rs/ormcore/latest/ormcore/model/struct.TableMeta.html
#[proc_macro_derive(Model, attributes(orm))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = parse_macro_input!(input as DeriveInput);
    expand::derive(&input).unwrap_or_else(syn::Error::into_compile_error).into()
}
