// Every error is reported at once, each at its own span.
use ormcore::Model;

#[derive(Model)]
#[orm(table = 1, index(nope))]
struct User {
    #[orm(auto_increment)]
    id: String,
    #[orm(uniqe, max_length = 10)]
    age: i32,
}

fn main() {}
