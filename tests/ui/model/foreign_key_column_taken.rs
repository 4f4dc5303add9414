// A foreign key `user` is stored in `user_id`: a field of that name too
// would be a second column of one name.
use ormcore::prelude::*;

#[derive(Model, Debug, Default)]
struct User {
    id: i64,
}

#[derive(Model, Debug)]
struct Tweet {
    id: i64,
    user: ForeignKey<User>,
    user_id: i64,
}

fn main() {}
