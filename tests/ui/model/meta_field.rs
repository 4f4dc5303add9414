use ormcore::Model;

#[derive(Model)]
struct Page {
    id: i64,
    meta: String,
}

fn main() {}
