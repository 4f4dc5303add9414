use ormcore::Model;

#[derive(Model)]
struct User {
    id: i64,
    #[orm(column = "login")]
    #[orm(unique, column = "user_name")]
    name: String,
}

fn main() {}
