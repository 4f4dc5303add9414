use ormcore::Model;

#[derive(Model)]
#[orm(tabel = "users")]
struct User {
    id: i64,
}

fn main() {}
