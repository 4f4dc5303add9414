// A load runs for the rows of the model it loads for.
use ormcore::prelude::*;

#[derive(Model, Debug, Default)]
struct User {
    id: i64,
    #[orm(relations)]
    related: Relations,
}

#[derive(Model, Debug)]
struct Tweet {
    id: i64,
    user: ForeignKey<User>,
}

fn main() {
    // Each tweet's user, asked of a select of users.
    let _ = User::select().with_related(Tweet::USER);
}
