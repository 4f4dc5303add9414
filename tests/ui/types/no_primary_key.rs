use ormcore::prelude::*;

#[derive(Model)]
struct LogLine {
    message: String,
}

fn main() {
    let _ = LogLine::KEY;
}
