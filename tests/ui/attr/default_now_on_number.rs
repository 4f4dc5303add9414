use ormcore::Model;

#[derive(Model)]
struct Event {
    id: i64,
    #[orm(default_now)]
    at: i64,
}

fn main() {}
