use ormcore::Model;

#[derive(Model)]
struct Marker;

fn main() {}
