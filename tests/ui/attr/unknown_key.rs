use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(uniqe)]
    name: String,
}

fn main() {}
