// A foreign key declared not lazily loadable (the reference's
// `lazy_load=False`): reading or filling the relation does not compile.
use ormcore::prelude::*;
use ormcore::ForeignKeyId;

#[derive(Model, Debug, Default)]
struct User {
    id: i64,
}

#[derive(Model, Debug)]
struct Event {
    id: i64,
    user: ForeignKeyId<User>,
}

async fn read<E: Executor>(db: &E, event: &Event) -> ormcore::Result<()> {
    let _ = event.user.get();
    let _ = event.user.afetch(db).await?;
    let _ = Event::select().join_related(Event::USER);
    Ok(())
}

fn main() {}
