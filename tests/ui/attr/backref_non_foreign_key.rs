use ormcore::Model;

#[derive(Model)]
struct Tweet {
    id: i64,
    #[orm(backref = "tweets")]
    user_id: i64,
}

fn main() {}
