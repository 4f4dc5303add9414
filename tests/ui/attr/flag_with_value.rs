use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(unique = true)]
    name: String,
}

fn main() {}
