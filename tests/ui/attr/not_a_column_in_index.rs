use ormcore::Model;

#[derive(Model)]
#[orm(unique(name, cache))]
struct User {
    id: i64,
    name: String,
    #[orm(skip)]
    cache: Vec<String>,
}

fn main() {}
