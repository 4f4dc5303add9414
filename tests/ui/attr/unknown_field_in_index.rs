use ormcore::Model;

#[derive(Model)]
#[orm(index(name, emial))]
struct User {
    id: i64,
    name: String,
    email: String,
}

fn main() {}
