use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(table = "users")]
    name: String,
}

fn main() {}
