use ormcore::{Model, ModelState};

#[derive(Model)]
struct User {
    id: i64,
    #[orm(state, column = "state")]
    state: ModelState,
}

fn main() {}
