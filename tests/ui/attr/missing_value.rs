use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(column)]
    name: String,
}

fn main() {}
