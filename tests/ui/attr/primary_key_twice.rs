use ormcore::Model;

#[derive(Model)]
struct Like {
    #[orm(primary_key)]
    user: i64,
    #[orm(primary_key)]
    tweet: i64,
}

fn main() {}
