use ormcore::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
    name: String,
    age: i32,
}

fn main() {
    let _ = User::update().set(User::AGE, "x");
}
