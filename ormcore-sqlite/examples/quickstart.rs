//! The reference documentation's first example, in Rust: create a table,
//! create a user in a transaction, get it, update it, select ordered, list,
//! and stream.
//!
//! Run it with `cargo run -p ormcore-sqlite --example quickstart`.

use ormcore::prelude::*;
use ormcore_sqlite::SqliteDatabase;

#[derive(Model, Debug, Default)]
struct User {
    id: i64,
    name: String,
}

#[tokio::main]
async fn main() -> ormcore::Result<()> {
    let path = std::env::temp_dir().join("ormcore-quickstart.db");
    let _ = std::fs::remove_file(&path);
    let db = SqliteDatabase::connect(path.to_string_lossy().as_ref()).await?;

    // `async with db:` acquires a connection for this task until `aclose`.
    let conn = db.aconnect().await?;
    db.acreate_tables(&[User::META]).await?;

    // Create a new user in a transaction.
    let tx = db.atomic().await?;
    let user = User::acreate(&db, User { name: "Charlie".into(), ..User::default() }).await?;
    tx.commit().await?;
    User::acreate(&db, User { name: "Alice".into(), ..User::default() }).await?;

    // Fetch a single row from the database.
    let mut charlie = User::aget(&db, User::NAME.eq("Charlie")).await?;
    assert_eq!(charlie.id, user.id);

    // Update the row.
    charlie.name = "Charles".into();
    charlie.asave(&db).await?;

    // Execute a query and iterate the buffered results.
    for user in User::select().order_by(User::NAME).aexecute(&db).await? {
        println!("{}", user.name);
    }

    // Or fetch the rows as a plain list:
    let users = db.list(&User::select().order_by(User::NAME)).await?;
    println!("{} users", users.len());

    // Stream the rows, a batch at a time.
    let mut stream = db.iterate(&User::select().order_by(User::NAME));
    while let Some(user) = stream.next().await {
        println!("streamed {}", user?.name);
    }
    drop(stream);

    conn.aclose().await?;
    db.close_pool().await;
    Ok(())
}
