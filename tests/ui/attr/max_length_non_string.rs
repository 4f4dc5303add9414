use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(max_length = 3)]
    age: i32,
}

fn main() {}
