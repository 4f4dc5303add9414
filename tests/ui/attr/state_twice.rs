use ormcore::{Model, ModelState};

#[derive(Model)]
struct User {
    id: i64,
    #[orm(state)]
    state: ModelState,
    #[orm(state)]
    other: ModelState,
}

fn main() {}
