use ormcore::prelude::*;

#[derive(Model, Default)]
struct User {
    id: i64,
    name: String,
}

fn main() {
    let users = [User::default(), User::default()];
    // Several rows: `set` would not say which one. A compile error, not a panic.
    let _ = User::insert_many(&users).set(User::NAME, "x");
}
