use ormcore::prelude::*;

// The standard `Default` would ignore `default = true`; `Model` provides one
// that honours it, so deriving both is refused.
#[derive(Model, Default)]
struct User {
    id: i64,
    name: String,
    #[orm(default = true)]
    active: bool,
}

fn main() {}
