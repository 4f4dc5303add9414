use ormcore::Model;

#[derive(Model)]
#[orm(primary_key(user, tweet))]
struct Like {
    #[orm(primary_key)]
    user: i64,
    tweet: i64,
}

fn main() {}
