use ormcore::Model;

#[derive(Model)]
struct Event {
    id: i64,
    #[orm(default = "2024-01-01", default_now)]
    at: String,
}

fn main() {}
