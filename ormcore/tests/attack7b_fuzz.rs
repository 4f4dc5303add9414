//! attack7b: the raw SQL scanner never panics, whatever the text.

mod golden_common;

use golden_common::*;
use ormcore::Value;
use ormcore::prelude::*;
use ormcore::sql::{Dialect, PostgresDialect, SqliteDialect, compile_raw};

const TOKENS: &[&str] = &[
    "?",
    "??",
    "$",
    "$1",
    "$12",
    "$a$",
    "$$",
    "$é$",
    "'",
    "\"",
    "`",
    "--",
    "\n",
    "\r",
    "/*",
    "*/",
    "/",
    "*",
    "\\",
    "é",
    "€",
    "\u{10348}",
    ":",
    ":a",
    "@a",
    "?1",
    "?0",
    "?99999999999999999999999",
    "$99999999999999999999999",
    "a",
    " ",
    "0",
    "\u{0}",
    "(",
    "[",
    "]",
    "E'",
    "#",
    ";",
    "SELECT",
    "BEGIN",
];

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

#[test]
fn attack7b_raw_scanner_never_panics() {
    let dialects: [&dyn Dialect; 4] = [&SqliteDialect::new(), &PostgresDialect, &MYSQL, &MARIADB];
    let mut rng = Rng(0x9e3779b97f4a7c15);
    let mut panics = Vec::new();
    for _ in 0..20000 {
        let len = rng.next() % 12;
        let sql: String = (0..len).map(|_| TOKENS[(rng.next() % TOKENS.len() as u64) as usize]).collect();
        let nparams = (rng.next() % 4) as usize;
        let params: Vec<Value> = (0..nparams).map(|i| Value::Int(i as i64)).collect();
        for dialect in dialects {
            let sql2 = sql.clone();
            let p2 = params.clone();
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let _ = compile_raw(&sql2, &p2, dialect);
                let query = User::select().where_(Expr::<ormcore::types::Bool>::raw(sql2.clone(), p2.clone()));
                let _ = query.compile(dialect);
            }));
            if outcome.is_err() && panics.len() < 10 {
                panics.push(format!("{}: {sql:?} with {nparams} params", dialect.name()));
            }
        }
    }
    assert!(panics.is_empty(), "the scanner panicked on: {panics:#?}");
}
