use ormcore::Model;

#[derive(Model)]
#[orm(crate = "not a path")]
struct User {
    id: i64,
}

fn main() {}
