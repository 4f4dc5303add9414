//! The reference documentation's examples, one case each, asserting the
//! documented results.

use ormcore::prelude::*;
use ormcore::query::{All, Table};

use crate::harness::{TestDb, assert_unsupported, open};
use crate::models::{Account, Profile, Setting, Tweet, User, UserTweets, user};

async fn setup<T: TestDb>() -> Result<Database<T::Backend>> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Tweet::META, Account::META, Setting::META]).await?;
    Ok(db)
}

/// "Example": create tables, create in a transaction, get, update, select
/// ordered, list, stream, close the pool.
pub async fn quickstart<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let conn = db.aconnect().await?;
    db.acreate_tables(&[User::META]).await?;

    let tx = db.atomic().await?;
    let user = User::acreate(&db, user("Charlie")).await?;
    tx.commit().await?;

    let mut charlie = User::aget(&db, User::NAME.eq("Charlie")).await?;
    assert_eq!(charlie.id, user.id);

    charlie.name = "Charles".into();
    assert_eq!(charlie.asave(&db).await?, Saved::Updated(1));
    User::acreate(&db, crate::models::user("Alice")).await?;

    let buffered = User::select().order_by(User::NAME).aexecute(&db).await?;
    let names: Vec<_> = buffered.iter().map(|u| u.name.as_str()).collect();
    assert_eq!(names, ["Alice", "Charles"]);

    let listed = db.list(&User::select().order_by(User::NAME)).await?;
    assert_eq!(listed, buffered);

    let mut streamed = Vec::new();
    let mut stream = db.iterate(&User::select().order_by(User::NAME));
    while let Some(user) = stream.next().await {
        streamed.push(user?.name);
    }
    drop(stream);
    assert_eq!(streamed, ["Alice", "Charles"]);

    conn.aclose().await?;
    db.close_pool().await;
    assert_eq!(db.pool_status().open, 0);
    // The next query opens a new pool (on `:memory:`, a new and empty
    // database: it lived in the connection the close ended).
    if !T::SINGLE_CONNECTION {
        assert_eq!(db.count(&User::select()).await?, 2);
    }
    Ok(())
}

/// "Async Model Methods": acreate, asave, aget, aget_or_create,
/// adelete_instance.
pub async fn model_methods<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let mut user = User::acreate(&db, user("Huey")).await?;
    assert!(user.id > 0);
    user.name = "Huey-zai".into();
    user.asave(&db).await?;
    let huey = User::aget(&db, User::NAME.eq("Huey-zai")).await?;
    assert_eq!(huey.id, user.id);

    let (mickey, created) = User::aget_or_create(&db, User::NAME.eq("Mickey"), || user_named("Mickey")).await?;
    assert!(created);
    let (again, created) = User::aget_or_create(&db, User::NAME.eq("Mickey"), || user_named("Mickey")).await?;
    assert!(!created);
    assert_eq!(again.id, mickey.id);

    assert_eq!(huey.adelete_instance(&db).await?, 1);
    assert!(User::aget_or_none(&db, User::NAME.eq("Huey-zai")).await?.is_none());
    assert_eq!(User::aget_by_id(&db, mickey.id).await?.name, "Mickey");
    assert_eq!(User::adelete_by_id(&db, mickey.id).await?, 1);
    let missing = User::aget_by_id(&db, mickey.id).await;
    assert!(matches!(missing, Err(Error::DoesNotExist { model: "User", .. })), "{missing:?}");
    Ok(())
}

fn user_named(name: &str) -> User {
    user(name)
}

/// "Executing queries": aexecute returns rows, the new key, affected
/// counts, RETURNING rows; back-references are queries.
pub async fn executing_queries<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let pk = User::insert().set(User::NAME, "huey").aexecute(&db).await?.expect("the new row's key");
    let huey = User::aget_by_id(&db, pk).await?;
    assert_eq!(huey.name, "huey");
    User::acreate(&db, user("billing-bot")).await?;
    User::acreate(&db, user("mickey")).await?;

    let active = User::select().where_(User::IS_ACTIVE.eq(true)).aexecute(&db).await?;
    assert_eq!(active.len(), 3);

    let n = User::update().set(User::IS_ACTIVE, false).where_(User::NAME.ne("huey")).aexecute(&db).await?;
    assert_eq!(n, 2);

    // `DELETE .. RETURNING` where the dialect has it (not MySQL): there it
    // is refused before anything is sent, and the plain delete counts.
    let billing = || User::delete().where_(User::NAME.contains("billing"));
    let deleted = billing().returning(User::NAME).aexecute(&db).await;
    let dialect = db.dialect();
    if dialect.supports_delete_returning() {
        assert_eq!(deleted?, ["billing-bot"]);
    } else {
        assert_unsupported(deleted, dialect, "DELETE ... RETURNING");
        assert_eq!(billing().aexecute(&db).await?, 1);
    }

    for content in ["first", "second"] {
        Tweet::acreate(
            &db,
            Tweet {
                id: 0,
                user: ForeignKey::new(huey.id),
                content: content.into(),
                is_published: true,
                related: Relations::default(),
            },
        )
        .await?;
    }
    assert_eq!(db.count(&Tweet::select().where_(Tweet::IS_PUBLISHED.eq(true))).await?, 2);
    let tweets = huey.tweets().order_by(Tweet::ID).aexecute(&db).await?;
    let contents: Vec<_> = tweets.iter().map(|t| t.content.as_str()).collect();
    assert_eq!(contents, ["first", "second"]);

    // aexecute() and list() are interchangeable for selects.
    let query = User::select().order_by(User::NAME);
    assert_eq!(query.aexecute(&db).await?, db.list(&query).await?);
    assert_eq!(db.aexecute(&query).await?, db.list(&query).await?);
    Ok(())
}

/// "Async Helper Methods": get, list, iterate, scalar, count, exists,
/// first, aexecute_sql.
pub async fn helper_methods<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    for name in ["Alice", "Bob", "Carol"] {
        User::acreate(&db, user(name)).await?;
    }
    let alice = db.get(&User::select().where_(User::NAME.eq("Alice"))).await?;
    assert_eq!(alice.name, "Alice");
    let nobody = db.get(&User::select().where_(User::NAME.eq("Nobody"))).await;
    assert!(matches!(nobody, Err(Error::DoesNotExist { model: "User", .. })), "{nobody:?}");

    let users = db.list(&User::select().order_by(User::NAME)).await?;
    assert_eq!(users.len(), 3);
    let streamed = db.iterate(&User::select()).try_collect().await?;
    assert_eq!(streamed.len(), 3);

    let count: i64 = db.scalar(&User::select().columns(func::count(User::ID))).await?;
    assert_eq!(count, 3);
    assert_eq!(db.count(&User::select()).await?, 3);
    assert_eq!(db.count(&User::select().where_(User::NAME.startswith("a"))).await?, 1);
    let max_id: Option<i64> = db.scalar(&User::select().columns(func::max(User::ID))).await?;
    assert_eq!(max_id, Some(users.iter().map(|u| u.id).max().unwrap_or_default()));
    let no_max: Option<i64> = db.scalar(&User::select().columns(func::max(User::ID)).where_(User::ID.lt(0))).await?;
    assert_eq!(no_max, None);

    assert!(db.exists(&User::select().where_(User::NAME.eq("Bob"))).await?);
    assert!(!db.exists(&User::select().where_(User::NAME.eq("Zed"))).await?);

    let first = db.first(&User::select().order_by(User::NAME.desc())).await?;
    assert_eq!(first.map(|u| u.name).as_deref(), Some("Carol"));
    let first_two = db.first_n(&User::select().order_by(User::NAME), 2).await?;
    assert_eq!(first_two.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["Alice", "Bob"]);
    assert!(db.first(&User::select().where_(User::ID.lt(0))).await?.is_none());

    let cursor = db.aexecute_sql("SELECT 1", vec![]).await?;
    let rows: Vec<Vec<Value>> = cursor.fetchall().iter().map(|r| r.values().to_vec()).collect();
    assert_eq!(rows, vec![vec![Value::Int(1)]]);
    Ok(())
}

/// "Transactions": nested atomic blocks with an explicit rollback of the
/// inner one; Alice and Bob both remain. Both the guard form and the
/// closure form (the reference's `db.run(create_users)`).
pub async fn transactions<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    {
        let tx = db.atomic().await?;
        User::acreate(&db, user("Alice")).await?;
        User::acreate(&db, user("Bob")).await?;
        let mut nested = db.atomic().await?;
        db.aexecute(&User::delete().where_(User::NAME.eq("Bob"))).await?;
        nested.arollback().await?; // Un-delete Bob.
        nested.commit().await?;
        tx.commit().await?;
    }
    assert_eq!(db.count(&User::select()).await?, 2);

    db.aexecute(&User::delete()).await?;
    db.run(|conn| async move {
        conn.atomic()
            .run(|conn| async move {
                User::acreate(&conn, user("Alice")).await?;
                User::acreate(&conn, user("Bob")).await?;
                let mut nested = conn.atomic().await?;
                User::delete().where_(User::NAME.eq("Bob")).aexecute(&conn).await?;
                nested.arollback().await?;
                nested.commit().await
            })
            .await
    })
    .await?;
    let names: Vec<String> = db.list(&User::select().columns(User::NAME).order_by(User::NAME)).await?;
    assert_eq!(names, ["Alice", "Bob"]);
    Ok(())
}

async fn register<E: Executor>(executor: &E, username: &str, bio: &str) -> Result<User> {
    let tx = executor.atomic().await?;
    let user = User::acreate(&tx, user(username)).await?;
    Profile::acreate(&tx, Profile { id: 0, user: ForeignKey::new(user.id), bio: bio.into() }).await?;
    tx.commit().await?;
    Ok(user)
}

/// "General purpose wrapper": a single operation and a multi-step function
/// run on one connection; a failing step undoes the whole registration.
pub async fn run_register<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Profile::META]).await?;
    let alice = db.run(|conn| async move { User::acreate(&conn, user("Alice")).await }).await?;
    assert!(alice.id > 0);
    let bob = db.run(|conn| async move { register(&conn, "bob", "Rust developer").await }).await?;
    let profile = Profile::aget(&db, Profile::USER.eq(bob.id)).await?;
    assert_eq!(profile.bio, "Rust developer");
    // The name is taken: the user insert fails and nothing is left behind.
    let again = db.run(|conn| async move { register(&conn, "bob", "twice").await }).await;
    assert_eq!(again.expect_err("duplicate").constraint_kind(), Some(ormcore::ConstraintKind::Unique));
    assert_eq!(db.count(&Profile::select()).await?, 1);
    Ok(())
}

/// `run()`'s example: set up the schema and an admin user, ignoring the
/// integrity error when the admin already exists; then fetch it.
pub async fn run_setup_app<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    for _ in 0..2 {
        db.run(|conn| async move {
            conn.acreate_tables(&[User::META]).await?;
            let created = conn.atomic().run(|conn| async move { User::acreate(&conn, user("admin")).await }).await;
            match created {
                Ok(_) | Err(Error::Integrity { .. }) => Ok(()),
                Err(other) => Err(other),
            }
        })
        .await?;
    }
    let admin = User::aget(&db, User::NAME.eq("admin")).await?;
    assert_eq!(admin.name, "admin");
    assert_eq!(db.count(&User::select()).await?, 1);
    Ok(())
}

async fn transfer_funds<B: ormcore::backend::Backend>(
    db: &Database<B>,
    src: &Account,
    dest: &Account,
    amount: f64,
) -> Result<()> {
    let tx = db.atomic().await?;
    db.aexecute(&Account::update().set(Account::BALANCE, Account::BALANCE - amount).where_(Account::ID.eq(src.id)))
        .await?;
    db.aexecute(&Account::update().set(Account::BALANCE, Account::BALANCE + amount).where_(Account::ID.eq(dest.id)))
        .await?;
    tx.commit().await
}

/// `atomic()`'s example: transfer funds with expression updates.
pub async fn atomic_transfer_funds<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let a = Account::acreate(&db, Account { owner: "a".into(), balance: 200.0, ..Account::default() }).await?;
    let b = Account::acreate(&db, Account { owner: "b".into(), balance: 50.0, ..Account::default() }).await?;
    transfer_funds(&db, &a, &b, 100.0).await?;
    assert_eq!(Account::aget_by_id(&db, a.id).await?.balance, 100.0);
    assert_eq!(Account::aget_by_id(&db, b.id).await?.balance, 150.0);
    Ok(())
}

/// `get()`'s second example: a model and its relation in one query.
pub async fn get_with_join<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let huey = User::acreate(&db, user("huey")).await?;
    let tweet = Tweet::acreate(
        &db,
        Tweet {
            id: 0,
            user: ForeignKey::new(huey.id),
            content: "meow".into(),
            is_published: true,
            related: Relations::default(),
        },
    )
    .await?;
    let query = Tweet::select()
        .columns((All::<Tweet>::new(), All::<User>::new()))
        .join(Table::<User>::new(), Tweet::USER.eq(User::ID))
        .where_(Tweet::ID.eq(tweet.id));
    let (tweet, author) = db.get(&query).await?;
    assert_eq!((author.name.as_str(), tweet.content.as_str()), ("huey", "meow"));
    Ok(())
}

/// `afetch()`: a lazy foreign key is fetched once, then cached.
pub async fn afetch_caches<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let huey = User::acreate(&db, user("huey")).await?;
    let created = Tweet::acreate(
        &db,
        Tweet {
            id: 0,
            user: ForeignKey::new(huey.id),
            content: "meow".into(),
            is_published: false,
            related: Relations::default(),
        },
    )
    .await?;
    let tweet = Tweet::aget_by_id(&db, created.id).await?;
    assert!(tweet.user.get().is_none());
    assert_eq!(tweet.user.afetch(&db).await?.name, "huey");
    assert!(tweet.user.get().is_some());
    // Cached: no query runs, so it works even with the pool closed.
    db.close_pool().await;
    assert_eq!(tweet.user.afetch(&db).await?.name, "huey");
    Ok(())
}

/// `acreate_tables`/`adrop_tables` order tables by their foreign keys; as
/// in the reference they are safe by default (existing/missing tables are
/// skipped), and the strict forms fail on them.
pub async fn create_and_drop_tables<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables_strict(&[Tweet::META, User::META]).await?;
    assert!(db.acreate_tables_strict(&[User::META]).await.is_err());
    db.acreate_tables(&[User::META, Tweet::META]).await?;
    let huey = User::acreate(&db, user("huey")).await?;
    Tweet::acreate(
        &db,
        Tweet {
            id: 0,
            user: ForeignKey::new(huey.id),
            content: "x".into(),
            is_published: true,
            related: Relations::default(),
        },
    )
    .await?;
    db.adrop_tables_strict(&[User::META, Tweet::META]).await?;
    assert!(db.adrop_tables_strict(&[User::META]).await.is_err());
    db.adrop_tables(&[User::META, Tweet::META]).await?;
    db.acreate_tables(&[User::META]).await?;
    assert_eq!(db.count(&User::select()).await?, 0);
    Ok(())
}

/// Tables whose foreign keys reference each other (an author's pinned
/// post, a post's author) are created and dropped together, safe and
/// strict, and their keys hold: each constraint refuses a dangling key.
pub async fn tables_that_reference_each_other<T: TestDb>() -> Result<()> {
    use crate::models::{Author, Story};
    let db = open::<T>().await;
    let tables = [Author::META, Story::META];
    db.acreate_tables_strict(&tables).await?;
    db.acreate_tables(&tables).await?;
    let mut ann = Author::acreate(&db, Author { id: 0, name: "ann".into(), pinned: None }).await?;
    let story = Story::acreate(&db, Story { id: 0, author: ForeignKey::new(ann.id), title: "one".into() }).await?;
    ann.pinned = Some(ForeignKey::new(story.id));
    ann.asave(&db).await?;
    let dangling = Story::acreate(&db, Story { id: 0, author: ForeignKey::new(999), title: "x".into() }).await;
    assert_eq!(dangling.map(|_| ()).unwrap_err().constraint_kind(), Some(ConstraintKind::ForeignKey));
    let pinned = Author::aset_by_id(&db, ann.id).set(Author::PINNED, Some(999)).await;
    assert_eq!(pinned.unwrap_err().constraint_kind(), Some(ConstraintKind::ForeignKey));

    db.adrop_tables_strict(&tables).await?;
    assert!(db.adrop_tables_strict(&[Author::META]).await.is_err());
    db.adrop_tables(&tables).await?;
    db.acreate_tables(&[Story::META, Author::META]).await?;
    db.adrop_tables(&[Story::META, Author::META]).await?;
    Ok(())
}

/// A `acreate_tables_strict` that fails part-way (its last table exists)
/// leaves none of its tables behind on PostgreSQL, whose DDL runs in one
/// transaction, and on every backend but MySQL inside an open one; MySQL
/// commits each statement, and SQLite outside a transaction runs each
/// alone (so that concurrent creates wait their turn): both keep those
/// before.
pub async fn failed_create_tables_leave_nothing<T: TestDb>() -> Result<()> {
    use crate::models::{Doc, Measure};
    let db = open::<T>().await;
    db.acreate_tables(&[Measure::META]).await?;
    // Neither references the other: Doc is created first, then Measure
    // fails, as it exists.
    let failed = db.acreate_tables_strict(&[Doc::META, Measure::META]).await;
    assert!(failed.is_err(), "Measure exists");
    let left = crate::harness::table_names(&db).await?;
    let transactional = db.dialect().name() == "PostgreSQL";
    assert_eq!(left.iter().any(|t| t == "doc"), !transactional, "{left:?}");
    // The connection, and the next call, are fine.
    db.acreate_tables(&[Doc::META, Measure::META]).await?;
    assert_eq!(db.count(&Doc::select()).await?, 0);

    // Inside a transaction, all or nothing on SQLite too.
    db.adrop_tables(&[Doc::META]).await?;
    if db.dialect().name() == "SQLite" {
        let tx = db.atomic().await?;
        assert!(db.acreate_tables_strict(&[Doc::META, Measure::META]).await.is_err());
        let left = crate::harness::table_names(&db).await?;
        assert!(!left.iter().any(|t| t == "doc"), "{left:?}");
        tx.commit().await?;
    }
    Ok(())
}

/// `abulk_create` sets keys; `abulk_update` writes the chosen fields.
pub async fn bulk_create_and_update<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let mut users: Vec<User> = (0..250).map(|i| user(&format!("user{i:03}"))).collect();
    User::abulk_create(&db, &mut users).batch_size(100).await?;
    assert!(users.iter().all(|u| u.id > 0));
    let fetched = db.list(&User::select().order_by(User::ID)).await?;
    assert_eq!(fetched, users);

    for user in &mut users {
        user.name = user.name.to_uppercase();
        user.is_active = false;
    }
    let changed = User::abulk_update(&db, &users, User::NAME).batch_size(60).await?;
    assert_eq!(changed, 250);
    let fetched = db.list(&User::select().order_by(User::ID)).await?;
    assert!(fetched.iter().all(|u| u.name.starts_with("USER") && u.is_active));

    // Keys given by the application are kept; the others are assigned.
    let mut mixed = vec![User { id: 10_000, ..user("chosen") }, user("assigned")];
    User::abulk_create(&db, &mut mixed).await?;
    assert_eq!(mixed[0].id, 10_000);
    assert!(mixed[1].id > 0 && mixed[1].id != 10_000);
    assert_eq!(User::aget_by_id(&db, mixed[1].id).await?.name, "assigned");
    let mut settings =
        vec![Setting { key: "a".into(), value: "1".into() }, Setting { key: "b".into(), value: "2".into() }];
    Setting::abulk_create(&db, &mut settings).await?;
    assert_eq!(Setting::aget_by_id(&db, "b".to_owned()).await?.value, "2");
    // A failing batch leaves nothing behind.
    let mut clash = vec![user("fresh"), user("assigned")];
    assert!(User::abulk_create(&db, &mut clash).await.is_err());
    assert_eq!(clash[0].id, 0, "no key for a row that was rolled back");
    assert!(User::aget_or_none(&db, User::NAME.eq("fresh")).await?.is_none());
    Ok(())
}

/// `asave`: insert then update; `force_insert` for assigned keys; `only`.
pub async fn save_options<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let mut setting = Setting { key: "theme".into(), value: "dark".into() };
    assert_eq!(setting.asave(&db).await?, Saved::Updated(0));
    assert_eq!(setting.asave(&db).force_insert().await?, Saved::Inserted);
    setting.value = "light".into();
    assert_eq!(setting.asave(&db).await?, Saved::Updated(1));
    assert_eq!(Setting::aget_by_id(&db, "theme".to_owned()).await?.value, "light");

    let mut huey = User::acreate(&db, user("huey")).await?;
    huey.name = "not saved".into();
    huey.email = Some("huey@example.com".into());
    assert_eq!(huey.asave(&db).only(User::EMAIL).await?, Saved::Updated(1));
    let stored = User::aget_by_id(&db, huey.id).await?;
    assert_eq!((stored.name.as_str(), stored.email.as_deref()), ("huey", Some("huey@example.com")));
    Ok(())
}

/// Dirty tracking: only changed columns are written; nothing changed is a
/// no-op that says so.
pub async fn only_dirty_save<T: TestDb>() -> Result<()> {
    use crate::models::Note;
    let db = open::<T>().await;
    db.acreate_tables(&[Note::META]).await?;
    let mut note = Note::acreate(&db, Note { title: "t".into(), body: "b".into(), ..Note::default() }).await?;
    assert_eq!(note.asave(&db).await?, Saved::Unchanged);

    // Someone else changes the body; our save of the title leaves it alone.
    db.aexecute(&Note::update().set(Note::BODY, "theirs").where_(Note::ID.eq(note.id))).await?;
    note.title = "mine".into();
    assert_eq!(note.asave(&db).await?, Saved::Updated(1));
    let stored = Note::aget_by_id(&db, note.id).await?;
    assert_eq!((stored.title.as_str(), stored.body.as_str()), ("mine", "theirs"));
    assert_eq!(note.asave(&db).await?, Saved::Unchanged);

    let mut loaded = Note::aget_by_id(&db, note.id).await?;
    assert_eq!(loaded.asave(&db).await?, Saved::Unchanged);
    loaded.body = "edited".into();
    assert_eq!(loaded.asave(&db).await?, Saved::Updated(1));
    Ok(())
}
