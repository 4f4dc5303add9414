//! Attacks on the per-database statement cache of the model layer
//! (`database/statements.rs`, `model/cached.rs`): `aget_by_id`, foreign
//! keys, `acreate`, `asave` of a new model and `aget_or_create` bind their
//! values into SQL each database compiles once per model. Every case
//! compares the cached path with what the query builder (compiled each
//! time) does for the same thing, or pins what the docs promise.

#![allow(missing_docs)]

use std::sync::{Arc, Mutex};

use ormcore::prelude::*;
use ormcore::query::Insert;
use ormcore::trace::StatementKind;
use ormcore::{Error, Value};

use crate::capture::Capture;
use crate::harness::{Config, TestDb, open, users_db};
use crate::models::{Measure, Moment, Setting, Tweet, User, user};

/// Only a key: its insert is `DEFAULT VALUES`.
#[derive(Model, Debug, Clone, Default, PartialEq)]
pub struct Ticket {
    pub id: i64,
}

/// A renamed table, a renamed auto-increment key and a renamed column.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[orm(table = "things")]
pub struct Thing {
    #[orm(column = "thing_id")]
    pub id: i64,
    #[orm(column = "label_text")]
    pub label: String,
}

/// A renamed text key the application assigns.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[orm(table = "people")]
pub struct Person {
    #[orm(primary_key, column = "handle")]
    pub key: String,
    #[orm(column = "full_name", unique)]
    pub name: String,
}

/// An optional auto-increment key: `None` until saved.
#[derive(Model, Debug, Clone, Default, PartialEq)]
pub struct Maybe {
    pub id: Option<i64>,
    pub note: String,
}

/// A time as the key.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Slot {
    #[orm(primary_key)]
    pub at: chrono::NaiveDateTime,
    pub what: String,
}

/// A model over a table the application created itself: its columns in
/// another order, its key an `INTEGER` (on PostgreSQL a 32-bit `serial`,
/// the commonest legacy key there is), read into an `i64` field.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[orm(table = "legacy")]
pub struct Legacy {
    pub id: i64,
    pub title: String,
    pub hits: i64,
}

/// The SQL of every statement a hook sees, with its kind and parameter
/// count.
type Seen = Arc<Mutex<Vec<(StatementKind, String, usize)>>>;

fn watch<B: ormcore::backend::Backend>(db: &Database<B>) -> (Seen, ormcore::trace::QueryHookId) {
    let seen: Seen = Arc::default();
    let hook = {
        let seen = seen.clone();
        db.on_query(move |event| {
            seen.lock().unwrap().push((event.kind(), event.sql().to_owned(), event.param_count()));
        })
    };
    (seen, hook)
}

fn taken(seen: &Seen) -> Vec<(StatementKind, String, usize)> {
    std::mem::take(&mut *seen.lock().unwrap())
}

/// A model with only its key: `acreate`, `asave` of a new one and
/// `aget_or_create` insert `DEFAULT VALUES` and read the new key back; the
/// cached lookup finds each.
pub async fn key_only_model<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Ticket::META]).await?;
    let a = Ticket::acreate(&db, Ticket::default()).await?;
    let b = Ticket::acreate(&db, Ticket::default()).await?;
    let mut c = Ticket::default();
    c.asave(&db).await?;
    assert!(a.id > 0 && b.id > a.id && c.id > b.id, "{a:?} {b:?} {c:?}");
    let chosen = Ticket::acreate(&db, Ticket { id: 100 }).await?;
    assert_eq!(chosen.id, 100);
    let after = Ticket::acreate(&db, Ticket::default()).await?;
    assert!(after.id > 0 && after.id != 100 && after.id != c.id, "{after:?}");
    for ticket in [&a, &b, &c, &chosen, &after] {
        assert_eq!(&Ticket::aget_by_id(&db, ticket.id).await?, ticket);
    }
    assert_eq!(db.count(&Ticket::select()).await?, 5);
    Ok(())
}

/// Renamed tables and columns: the cached statements name the table and
/// the columns by their SQL names, a missing key's error shows them, and
/// the integrity error of a duplicate names the model and the column.
pub async fn renamed_tables_and_columns<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Thing::META, Person::META]).await?;
    let one = Thing::acreate(&db, Thing { label: "one".into(), ..Thing::default() }).await?;
    let two = Thing::acreate(&db, Thing { label: "two".into(), ..Thing::default() }).await?;
    assert!(one.id > 0 && two.id > one.id);
    assert_eq!(Thing::aget_by_id(&db, two.id).await?, two);
    match Thing::aget_by_id(&db, 999).await {
        Err(Error::DoesNotExist { model: "Thing", sql, params }) => {
            assert!(sql.contains("things") && sql.contains("thing_id") && sql.contains("label_text"), "{sql}");
            assert_eq!(params, [Value::Int(999)]);
        }
        other => panic!("expected DoesNotExist, got {other:?}"),
    }

    let ann = Person::acreate(&db, Person { key: "ann".into(), name: "Ann".into() }).await?;
    assert_eq!(Person::aget_by_id(&db, "ann".to_owned()).await?, ann);
    let cached = Person::acreate(&db, Person { key: "ann2".into(), name: "Ann".into() }).await.expect_err("dup name");
    let built = Insert::models([&Person { key: "ann3".into(), name: "Ann".into() }])
        .aexecute(&db)
        .await
        .expect_err("dup name, through the builder");
    match (&cached, &built) {
        (
            Error::Integrity { kind, model, column, .. },
            Error::Integrity { kind: built_kind, model: built_model, column: built_column, .. },
        ) => {
            assert_eq!((kind, model, column), (built_kind, built_model, built_column), "{cached:?} / {built:?}");
            assert_eq!(model.clone(), Some("Person"), "{cached:?}");
        }
        _ => panic!("expected integrity errors: {cached:?} / {built:?}"),
    }
    Ok(())
}

/// An `Option` key: `None` is unsaved, the insert leaves it out and the
/// key comes back; a lookup of `Some(k)` runs the cached statement, a
/// lookup of `None` the compiled `IS NULL` one, which finds nothing.
pub async fn optional_key<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Maybe::META]).await?;
    let saved = Maybe::acreate(&db, Maybe { id: None, note: "a".into() }).await?;
    let key = saved.id.expect("a key once saved");
    assert_eq!(Maybe::aget_by_id(&db, Some(key)).await?, saved);
    let chosen = Maybe::acreate(&db, Maybe { id: Some(key + 10), note: "b".into() }).await?;
    assert_eq!(chosen.id, Some(key + 10));
    assert_eq!(Maybe::aget_by_id(&db, Some(key + 10)).await?, chosen);
    match Maybe::aget_by_id(&db, None).await {
        Err(Error::DoesNotExist { sql, params, .. }) => {
            assert!(sql.contains("IS NULL"), "{sql}");
            assert!(params.is_empty(), "{params:?}");
        }
        other => panic!("expected DoesNotExist, got {other:?}"),
    }
    match Maybe::aget_by_id(&db, Some(key + 1)).await {
        Err(Error::DoesNotExist { params, .. }) => assert_eq!(params, [Value::Int(key + 1)]),
        other => panic!("expected DoesNotExist, got {other:?}"),
    }
    Ok(())
}

/// The same statement through the database, a `Connection` and a
/// `Transaction`: one SQL text per kind of statement, seen by the hooks
/// and the spans each time, its values bound.
pub async fn one_statement_through_every_executor<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let (seen, hook) = watch(&db);
    let capture = Capture::new();
    capture
        .run(async {
            let a = User::acreate(&db, user("a")).await?;
            assert_eq!(User::aget_by_id(&db, a.id).await?, a);
            {
                let conn = db.aconnect().await?;
                let b = User::acreate(&conn, user("b")).await?;
                assert_eq!(User::aget_by_id(&conn, b.id).await?, b);
                conn.aclose().await?;
            }
            let tx = db.atomic().await?;
            let c = User::acreate(&tx, user("c")).await?;
            assert_eq!(User::aget_by_id(&tx, c.id).await?, c);
            tx.commit().await?;
            Ok::<_, Error>(())
        })
        .await?;
    db.remove_query_hook(hook);
    let events: Vec<_> = taken(&seen).into_iter().filter(|(kind, _, _)| *kind != StatementKind::Transaction).collect();
    assert_eq!(events.len(), 6, "{events:#?}");
    let inserts: Vec<_> = events.iter().step_by(2).collect();
    let lookups: Vec<_> = events.iter().skip(1).step_by(2).collect();
    for insert in &inserts {
        assert_eq!(insert, &inserts[0], "{events:#?}");
        assert!(insert.1.starts_with("INSERT INTO"), "{insert:?}");
        assert_eq!(insert.2, 3);
    }
    for lookup in &lookups {
        assert_eq!(lookup, &lookups[0], "{events:#?}");
        assert!(lookup.1.starts_with("SELECT"), "{lookup:?}");
        assert_eq!(lookup.2, 1);
    }
    let spans: Vec<_> = capture
        .statements()
        .into_iter()
        .filter(|span| span.field("kind") != Some("transaction"))
        .map(|span| span.field("db.statement").unwrap_or_default().to_owned())
        .collect();
    let sqls: Vec<_> = events.iter().map(|(_, sql, _)| sql.clone()).collect();
    assert_eq!(spans, sqls, "spans and hooks agree:\n{}", capture.render());
    Ok(())
}

/// Values the database would not keep are refused before anything is
/// sent, on the cached path as on the compiled one, with the same error:
/// SQLite's and MySQL's NaN and `-0.0`, PostgreSQL's and MySQL's
/// nanoseconds, whether stored by `acreate` or compared by `aget_by_id`.
pub async fn refused_values_match_the_compiled_path<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Measure::META, Moment::META, Slot::META]).await?;
    let (seen, hook) = watch(&db);
    let nanos = chrono::NaiveDate::from_ymd_opt(2024, 1, 2).unwrap().and_hms_nano_opt(3, 4, 5, 123_456_789).unwrap();
    let system = db.dialect().system();
    let sqlite = system == "sqlite";
    let pg = system == "postgresql";
    let mysql = matches!(system, "mysql" | "mariadb");

    for value in [f64::NAN, -0.0] {
        let model = Measure { value, ..Measure::default() };
        let cached = Measure::acreate(&db, model.clone()).await.map(|_| ());
        let built = Insert::models([&model]).aexecute(&db).await.map(|_| ());
        match (&cached, &built) {
            (Err(Error::Interface(a)), Err(Error::Interface(b))) => {
                assert!(sqlite || mysql, "{a}");
                assert_eq!(a, b);
                assert!(a.contains("value"), "{a}");
            }
            (Ok(()), Ok(())) => assert!(!sqlite && !mysql, "{system} would not keep {value:?}"),
            _ => panic!("{value:?}: cached {cached:?}, compiled {built:?}"),
        }
    }
    let moment = Moment { datetime: Some(nanos), ..Moment::default() };
    let cached = Moment::acreate(&db, moment.clone()).await.map(|_| ());
    let built = Insert::models([&moment]).aexecute(&db).await.map(|_| ());
    match (&cached, &built) {
        (Err(Error::Interface(a)), Err(Error::Interface(b))) => {
            assert!(pg || mysql, "{a}");
            assert_eq!(a, b);
        }
        (Ok(()), Ok(())) => assert!(!pg && !mysql, "{} would cut the nanoseconds", db.dialect().name()),
        _ => panic!("cached {cached:?}, compiled {built:?}"),
    }
    // Compared by key.
    let by_key = Slot::aget_by_id(&db, nanos).await;
    let by_filter = Slot::aget(&db, Slot::AT.eq(nanos)).await;
    match (&by_key, &by_filter) {
        (Err(Error::Interface(a)), Err(Error::Interface(b))) => assert_eq!(a, b),
        (Err(Error::DoesNotExist { params: a, .. }), Err(Error::DoesNotExist { params: b, .. })) => {
            assert!(!pg && !mysql);
            assert_eq!(a, b);
        }
        _ => panic!("by key {by_key:?}, by filter {by_filter:?}"),
    }
    db.remove_query_hook(hook);
    if sqlite {
        // Only the two lookups went out (SQLite keeps nanoseconds as text,
        // and nothing it refused was sent), plus the moment's inserts.
        let sent: Vec<_> = taken(&seen).into_iter().filter(|(_, sql, _)| sql.contains("measure")).collect();
        assert!(sent.is_empty(), "refused values were sent: {sent:#?}");
    }
    Ok(())
}

/// Many tasks using a model for the first time at once: whichever
/// compiles the statement first, every task's values are its own.
pub async fn concurrent_first_use<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Setting::META, Thing::META]).await?;
    let mut tasks = Vec::new();
    for i in 0..32 {
        let db = db.clone();
        tasks.push(tokio::spawn(async move {
            let setting = Setting::acreate(&db, Setting { key: format!("k{i}"), value: format!("v{i}") }).await?;
            let thing = Thing::acreate(&db, Thing { label: format!("t{i}"), ..Thing::default() }).await?;
            assert_eq!(Setting::aget_by_id(&db, format!("k{i}")).await?, setting);
            assert_eq!(Thing::aget_by_id(&db, thing.id).await?.label, format!("t{i}"));
            Ok::<_, Error>(thing.id)
        }));
    }
    let mut ids = Vec::new();
    for task in tasks {
        ids.push(task.await.expect("task")?);
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 32);
    assert_eq!(db.count(&Setting::select()).await?, 32);
    Ok(())
}

/// One model on two databases of the same backend in one process: each
/// has its own statements and its own rows.
pub async fn one_model_two_databases<T: TestDb>() -> Result<()> {
    let first = open::<T>().await;
    let second = open::<T>().await;
    for db in [&first, &second] {
        db.acreate_tables(&[User::META, Tweet::META]).await?;
    }
    let a = User::acreate(&first, user("first")).await?;
    assert!(matches!(User::aget_by_id(&second, a.id).await, Err(Error::DoesNotExist { .. })));
    let b = User::acreate(&second, user("second")).await?;
    assert_eq!(User::aget_by_id(&first, a.id).await?.name, "first");
    assert_eq!(User::aget_by_id(&second, b.id).await?.name, "second");
    // A foreign key's lookup runs the cached statement of the database it
    // is given.
    let tweet = Tweet::acreate(
        &second,
        Tweet {
            id: 0,
            user: ForeignKey::new(b.id),
            content: "hi".into(),
            is_published: true,
            related: Relations::default(),
        },
    )
    .await?;
    let loaded = Tweet::aget_by_id(&second, tweet.id).await?;
    assert_eq!(loaded.user.afetch(&second).await?.name, "second");
    Ok(())
}

/// A table the application created with raw SQL, its columns in another
/// order and its key an `INTEGER`: the model's statements name every
/// column, so they work as on a table ormcore created, and a key the
/// table cannot hold finds nothing, as it does through the query builder
/// (`aget`), rather than failing.
pub async fn legacy_table<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let dialect = db.dialect();
    let key = match dialect.system() {
        "postgresql" => "id SERIAL PRIMARY KEY",
        "mysql" | "mariadb" => "id INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY",
        _ => "id INTEGER PRIMARY KEY AUTOINCREMENT",
    };
    // The table options too: MariaDB's default character set is latin1.
    let ddl = format!(
        "CREATE TABLE legacy (hits BIGINT NOT NULL DEFAULT 0, title TEXT NOT NULL, {key}){}",
        dialect.create_table_options()
    );
    db.aexecute_sql(&ddl, vec![]).await?;
    let a = Legacy::acreate(&db, Legacy { title: "a".into(), hits: 3, ..Legacy::default() }).await?;
    let b = Legacy::acreate(&db, Legacy { id: 50, title: "b".into(), hits: 4 }).await?;
    assert_eq!(Legacy::aget_by_id(&db, a.id).await?, a);
    assert_eq!(Legacy::aget_by_id(&db, b.id).await?, b);
    // A key from outside (a URL, say) past what the column holds.
    let big = 5_000_000_000_i64;
    let built = Legacy::aget(&db, Legacy::ID.eq(big)).await;
    assert!(matches!(built, Err(Error::DoesNotExist { .. })), "through the builder: {built:?}");
    let cached = Legacy::aget_by_id(&db, big).await;
    assert!(matches!(cached, Err(Error::DoesNotExist { .. })), "by key: {cached:?}");
    Ok(())
}
