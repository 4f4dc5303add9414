use ormcore::{ForeignKey, Model};

// Not a model: the foreign key says so, rather than naming a trait the user
// never wrote.
struct Account {
    id: i64,
}

#[derive(Model)]
struct Payment {
    id: i64,
    account: ForeignKey<Account>,
}

fn main() {}
