use ormcore::Model;

#[derive(Model)]
struct Price {
    id: i64,
    #[orm(max_digits = 4, decimal_places = 6)]
    amount: rust_decimal::Decimal,
}

fn main() {}
