use ormcore::Model;

#[derive(Model)]
#[orm(column = "users")]
struct User {
    id: i64,
}

fn main() {}
