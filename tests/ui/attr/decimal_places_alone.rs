use ormcore::Model;

#[derive(Model)]
struct Price {
    id: i64,
    #[orm(decimal_places = 2)]
    amount: rust_decimal::Decimal,
}

fn main() {}
