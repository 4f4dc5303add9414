use ormcore::Model;

#[derive(Model)]
#[orm(primary_key(a, a))]
struct Pair {
    a: i64,
    b: i64,
}

fn main() {}
