use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(default = "eighteen")]
    age: i32,
}

fn main() {}
