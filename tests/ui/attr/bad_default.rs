use ormcore::Model;

const DEFAULT_AGE: i32 = 18;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(default = DEFAULT_AGE)]
    age: i32,
}

fn main() {}
