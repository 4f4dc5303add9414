// Only a foreign-key column names a relation to join.
use ormcore::prelude::*;

#[derive(Model, Debug)]
struct Tweet {
    id: i64,
    user_id: i64,
}

fn main() {
    let _ = Tweet::select().join_related(Tweet::USER_ID);
}
