use ormcore::Model;

#[derive(Model)]
struct Country {
    #[orm(auto_increment)]
    code: String,
}

fn main() {}
