use ormcore::{ForeignKey, Model};

#[derive(Model)]
struct LogLine {
    message: String,
}

#[derive(Model)]
struct Note {
    id: i64,
    line: ForeignKey<LogLine>,
}

fn main() {}
