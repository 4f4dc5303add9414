use ormcore::Model;

#[derive(Model)]
struct Tweet {
    id: i64,
    #[orm(on_delete = "cascade")]
    user_id: i64,
}

fn main() {}
