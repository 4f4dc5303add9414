//! Parsing and checking, before any code is generated: attributes into
//! typed structs (`attr`), the struct into a model (`ast`), cross-field rules
//! (`check`), errors collected in a [`Ctxt`](ctxt::Ctxt).

pub mod ast;
pub mod attr;
pub mod case;
pub mod check;
pub mod ctxt;
pub mod suggest;
pub mod symbol;
pub mod ty;
