use ormcore::prelude::*;

#[derive(Model)]
struct User {
    id: i64,
}

#[derive(Model)]
struct Tweet {
    id: i64,
    user: ForeignKey<User>,
}

fn main() {
    let _ = Tweet::USER.eq("ann");
}
