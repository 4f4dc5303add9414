// A value extracted from a JSON document compares as the type it was read
// as: an integer read is not compared with text, nor a text read with a
// number.
use ormcore::prelude::*;

#[derive(Model, Debug)]
struct User {
    id: i64,
    settings: serde_json::Value,
}

fn main() {
    let _ = User::SETTINGS.key("age").as_integer().eq("thirty");
    let _ = User::SETTINGS.key("theme").as_text().gt(3);
}
