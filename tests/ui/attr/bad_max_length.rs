use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(max_length = 0)]
    name: String,
}

fn main() {}
