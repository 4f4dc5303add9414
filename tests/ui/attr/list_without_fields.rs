use ormcore::Model;

#[derive(Model)]
#[orm(primary_key)]
struct User {
    id: i64,
}

fn main() {}
