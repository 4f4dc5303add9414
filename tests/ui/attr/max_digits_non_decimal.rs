use ormcore::Model;

#[derive(Model)]
struct Price {
    id: i64,
    #[orm(max_digits = 10, decimal_places = 2)]
    amount: f64,
}

fn main() {}
