use ormcore::prelude::*;

#[derive(Model)]
struct Reading {
    id: i64,
    #[orm(default = 300)]
    level: i8,
}

fn main() {}
