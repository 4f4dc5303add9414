use ormcore::{Model, ModelState};

#[derive(Model)]
struct Empty {
    #[orm(state)]
    state: ModelState,
}

fn main() {}
