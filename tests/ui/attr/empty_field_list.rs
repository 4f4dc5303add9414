use ormcore::Model;

#[derive(Model)]
#[orm(index())]
struct User {
    id: i64,
}

fn main() {}
