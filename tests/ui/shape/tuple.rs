use ormcore::Model;

#[derive(Model)]
struct Point(i64, i64);

fn main() {}
