use ormcore::Model;

#[derive(Model)]
#[orm(table = 5)]
struct User {
    id: i64,
}

fn main() {}
