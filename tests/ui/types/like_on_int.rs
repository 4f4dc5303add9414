use ormcore::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    name: String,
}

fn main() {
    let _ = User::ID.like("x%");
}
