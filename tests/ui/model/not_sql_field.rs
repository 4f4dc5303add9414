use ormcore::Model;

struct Money(i64);

#[derive(Model)]
struct Account {
    id: i64,
    balance: Money,
}

fn main() {}
