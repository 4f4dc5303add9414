use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(skip, index)]
    cache: Vec<String>,
}

fn main() {}
