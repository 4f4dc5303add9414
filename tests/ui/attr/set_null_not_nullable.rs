use ormcore::{ForeignKey, Model};

#[derive(Model)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Tweet {
    id: i64,
    #[orm(on_delete = "set null")]
    user: ForeignKey<User>,
}

fn main() {}
