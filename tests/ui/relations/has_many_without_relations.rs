// A one-to-many load needs somewhere to keep the rows it finds: the
// referenced model's `#[orm(relations)]` field.
use ormcore::prelude::*;

#[derive(Model, Debug, Default)]
struct User {
    id: i64,
    name: String,
}

#[derive(Model, Debug)]
struct Tweet {
    id: i64,
    user: ForeignKey<User>,
}

fn main() {
    let _ = User::select().with_related(Load::has_many(Tweet::USER));
}
