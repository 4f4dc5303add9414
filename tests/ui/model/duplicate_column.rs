use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    name: String,
    #[orm(column = "name")]
    display_name: String,
}

fn main() {}
