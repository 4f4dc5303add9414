//! Code generation, from a model that `internals` has built and checked.
//! Nothing here validates: every error was reported before.
//!
//! Everything but the back-reference traits (which must be nameable: see
//! `backref`) is emitted inside `const _: () = { .. };` with the runtime
//! imported as `__orm` (from `::ormcore`, or the `#[orm(crate = "..")]`
//! path), and every runtime or std item named through
//! `__orm::__private`, so that user items of the same names are never
//! picked up.

mod backref;
mod columns;
mod default;
mod meta;
mod model;
mod row;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::DeriveInput;

use crate::internals::ast::Container;
use crate::internals::check;
use crate::internals::ctxt::Ctxt;

/// Parse, check and expand `#[derive(Model)]` on `input`.
pub fn derive(input: &DeriveInput) -> syn::Result<TokenStream> {
    let cx = Ctxt::new();
    let cont = Container::from_ast(&cx, input);
    if let Some(cont) = &cont {
        check::check(&cx, cont);
    }
    cx.check()?;
    // `from_ast` returns `None` only after reporting an error, which
    // `check` above has returned.
    let Some(cont) = cont else {
        return Err(syn::Error::new_spanned(&input.ident, "ormcore-derive: model rejected without an error"));
    };
    Ok(expand(&cont))
}

fn expand(cont: &Container<'_>) -> TokenStream {
    let krate = cont.crate_path();
    let meta = meta::expand(cont);
    let from_row = row::expand(cont);
    let model = model::expand(cont);
    let primary_key = model::expand_primary_key(cont);
    let columns = columns::expand(cont);
    let backrefs = backref::expand(cont);
    let default = default::expand(cont);
    quote! {
        const _: () = {
            use #krate as __orm;
            #meta
            #from_row
            #model
            #primary_key
            #columns
            #default
        };
        #backrefs
    }
}

/// The path generated code names runtime items through.
fn private() -> TokenStream {
    quote!(__orm::__private)
}

/// `n` as an unsuffixed literal (`3`, not `3usize`).
fn index(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}
