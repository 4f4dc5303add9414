use ormcore::Model;

#[derive(Model)]
enum Status {
    Active,
    Banned,
}

fn main() {}
