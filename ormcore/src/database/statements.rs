//! [`StatementCache`]: the statements the model layer sends for single
//! instances (a lookup by key, a one-row insert), compiled once per
//! database. Their SQL depends only on the model and the database's
//! dialect, so rendering it on every call would be the same work each
//! time; only the values change, and they are bound, never rendered.

use std::any::TypeId;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::sync::RwLock;

use crate::error::Result;
use crate::sql::Statement;
use crate::value::Value;

/// Which statement of which model: the model's type, the statement's
/// kind (the model layer's own numbering) and the kinds of the values it
/// was compiled for (see `model/cached.rs`): a dialect may write a
/// placeholder by its value's kind (PostgreSQL's `$1::int8`), and a NULL
/// differently again.
pub(crate) type StatementKey = (TypeId, u8, u128);

/// Compiled statements by [`StatementKey`], each with no parameters bound.
/// There are at most a few per model, so it only grows and needs no
/// eviction.
#[derive(Default)]
pub(crate) struct StatementCache {
    entries: RwLock<HashMap<StatementKey, Statement, BuildHasherDefault<KeyHasher>>>,
}

impl StatementCache {
    /// The statement for `key` with `params` bound, compiled by `compile`
    /// (with no parameters) the first time it is asked for.
    pub(crate) fn bind(
        &self,
        key: StatementKey,
        params: Vec<Value>,
        compile: impl FnOnce() -> Result<Statement>,
    ) -> Result<Statement> {
        // A poisoned lock only means that a thread panicked while holding
        // it; every entry is still whole (it is inserted in one step).
        if let Some(template) = self.entries.read().unwrap_or_else(|p| p.into_inner()).get(&key) {
            return Ok(with_params(template, params));
        }
        let template = compile()?;
        let statement = with_params(&template, params);
        self.entries.write().unwrap_or_else(|p| p.into_inner()).entry(key).or_insert(template);
        Ok(statement)
    }
}

fn with_params(template: &Statement, params: Vec<Value>) -> Statement {
    Statement { sql: template.sql.clone(), params, ..*template }
}

/// Hashes a [`StatementKey`]: a `TypeId` is already a hash of the type, so
/// folding its bits is enough, and far cheaper than SipHash on the path of
/// every point select.
#[derive(Default)]
struct KeyHasher(u64);

impl Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u8(byte);
        }
    }

    fn write_u8(&mut self, n: u8) {
        self.write_u64(u64::from(n));
    }

    fn write_u64(&mut self, n: u64) {
        self.0 = (self.0.rotate_left(5) ^ n).wrapping_mul(0x517c_c1b7_2722_0a95);
    }

    fn write_u32(&mut self, n: u32) {
        self.write_u64(u64::from(n));
    }

    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64);
        self.write_u64((n >> 64) as u64);
    }
}
