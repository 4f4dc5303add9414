use ormcore::Model;

#[derive(Model)]
struct Price {
    id: i64,
    #[orm(max_digits = 0, decimal_places = 0)]
    amount: rust_decimal::Decimal,
}

fn main() {}
