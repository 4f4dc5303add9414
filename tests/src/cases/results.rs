//! Correct results: what a new user gets right by following the docs, with
//! nothing wrong left unreported (declared defaults, NULL comparisons, the
//! keys inserts report, `run` bindings, cursors, dirty tracking, closures
//! that fail with the application's own error).

use chrono::{DateTime, Duration, Utc};
use ormcore::prelude::*;
use ormcore::query::assign;

use crate::harness::{Config, TestDb, open, sql_for, users_db};
use crate::models::{Draft, Note, Setting, Tiny, User, user};

fn now() -> DateTime<Utc> {
    std::time::SystemTime::now().into()
}

/// Declared defaults (`default = ..`, `default_now`) reach every create
/// path: `acreate` and `asave` of a model built with `..Default::default()`
/// (the pattern the docs show), `abulk_create`, and the insert builder with
/// the columns left out.
pub async fn declared_defaults_apply_on_every_create_path<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Draft::META]).await?;
    let before = now() - Duration::seconds(2);

    let created = Draft::acreate(&db, Draft { title: "created".into(), ..Draft::default() }).await?;
    let mut saved = Draft { title: "saved".into(), ..Draft::default() };
    assert_eq!(saved.asave(&db).await?, Saved::Inserted);
    let mut bulk: Vec<Draft> =
        ["bulk 1", "bulk 2"].iter().map(|title| Draft { title: (*title).into(), ..Draft::default() }).collect();
    Draft::abulk_create(&db, &mut bulk).await?;
    let key = Draft::insert().set(Draft::TITLE, "built").aexecute(&db).await?;
    assert!(key.is_some(), "the builder's insert reports its key");

    let after = now() + Duration::seconds(2);
    let stored = db.list(&Draft::select().order_by(Draft::ID)).await?;
    assert_eq!(stored.len(), 5);
    for draft in &stored {
        assert!(draft.visible, "{}: `default = true` applies", draft.title);
        assert_eq!(draft.stars, 3, "{}", draft.title);
        assert_eq!(draft.status, "draft", "{}", draft.title);
        assert_eq!(draft.weight, 1.5, "{}", draft.title);
        assert_eq!(draft.priority, Some(7), "{}", draft.title);
        assert!(
            draft.created > before && draft.created < after,
            "{}: `default_now` applies, got {}",
            draft.title,
            draft.created
        );
    }
    assert_eq!(created.stars, 3, "the returned model carries its defaults");

    // The guide's own model: `is_active` is declared `default = true`.
    let charlie = User::acreate(&db, User { name: "Charlie".into(), ..User::default() }).await?;
    assert!(User::aget_by_id(&db, charlie.id).await?.is_active);
    Ok(())
}

/// Comparing with `None` is `IS NULL` / `IS NOT NULL`, as in the
/// reference (`User.email == None`), not `= NULL`, which never matches.
pub async fn comparisons_with_none_are_null_tests<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    User::acreate(&db, user("no email")).await?;
    User::acreate(&db, User { email: Some("a@example.com".into()), ..user("has email") }).await?;

    let nobody: Option<&str> = None;
    let without = db.list(&User::select().where_(User::EMAIL.eq(nobody))).await?;
    assert_eq!(without.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["no email"]);
    assert_eq!(db.count(&User::select().where_(User::EMAIL.eq(None::<String>))).await?, 1);
    let with = db.list(&User::select().where_(User::EMAIL.ne(None::<String>))).await?;
    assert_eq!(with.iter().map(|u| u.name.as_str()).collect::<Vec<_>>(), ["has email"]);
    assert_eq!(db.count(&User::select().where_(User::EMAIL.is_not_null())).await?, 1);
    assert_eq!(db.count(&User::select().where_(User::EMAIL.eq(Some("a@example.com")))).await?, 1);
    Ok(())
}

/// An insert reports the key of the row it inserted, and `None` when it
/// inserted none (a conflict ignored) or the table has no auto-increment
/// key: never a key left over from an earlier insert on the connection.
pub async fn inserts_report_only_their_own_key<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Setting::META]).await?;
    // One connection throughout, so that a key left over from the
    // previous insert on it would show.
    let conn = db.aconnect().await?;
    let first = User::insert().set(User::NAME, "taken").set(User::IS_ACTIVE, true).aexecute(&conn).await?;
    let first = first.expect("a new row's key");
    assert_eq!(User::aget_by_id(&conn, first).await?.name, "taken");

    let ignored =
        User::insert().set(User::NAME, "taken").set(User::IS_ACTIVE, true).on_conflict_ignore().aexecute(&conn).await?;
    assert_eq!(ignored, None, "an ignored insert inserted nothing");

    let upserted = User::insert()
        .set(User::NAME, "taken")
        .set(User::IS_ACTIVE, false)
        .on_conflict(User::NAME)
        .do_update_set([assign(User::IS_ACTIVE, false)])
        .aexecute(&conn)
        .await?;
    assert_eq!(upserted, Some(first), "an upsert that updated reports the row it updated");

    let second = User::insert().set(User::NAME, "other").set(User::IS_ACTIVE, true).aexecute(&conn).await?;
    assert!(second.is_some_and(|key| key != first));
    let keyless = Setting::insert().set(Setting::KEY, "k").set(Setting::VALUE, "v").aexecute(&conn).await?;
    assert_eq!(keyless, None, "a table without an auto-increment key has no new key to report");
    Ok(())
}

/// `db.run(..)` binds the task's connection until the closure's future
/// completes, even when the closure drops its handle at once: statements
/// through the database inside see each other's session state (a
/// temporary table). On `:memory:` there is one connection anyway.
pub async fn run_binds_until_the_work_completes<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let inner = db.clone();
    let count: i64 = db
        .run(|_conn| async move {
            assert!(!inner.is_closed(), "the task has its connection inside run");
            inner.aexecute_sql("CREATE TEMPORARY TABLE run_probe (x INTEGER)", vec![]).await?;
            inner.aexecute_sql("INSERT INTO run_probe VALUES (1)", vec![]).await?;
            inner.aexecute_sql("SELECT count(*) FROM run_probe", vec![]).await?.fetchall()[0].get::<i64>(0)
        })
        .await?;
    assert_eq!(count, 1);
    assert!(db.is_closed(), "run released the connection when the work completed");
    Ok(())
}

/// The raw-SQL cursor: `fetchone` returns each row once, then `None`;
/// `description` names the columns even of an empty result; the
/// database's `is_closed` says whether the running task holds a
/// connection.
pub async fn cursor_reads_each_row_once<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    assert!(db.is_closed(), "a task that never connected");
    let conn = db.aconnect().await?;
    assert!(!db.is_closed());

    let mut cursor = db.aexecute_sql("SELECT 1 AS a, 'x' AS b UNION ALL SELECT 2, 'y' ORDER BY 1", vec![]).await?;
    assert_eq!(cursor.description(), ["a", "b"]);
    let one = cursor.fetchone().map(|row| row.get::<i64>(0)).transpose()?;
    let two = cursor.fetchone().map(|row| row.get::<i64>(0)).transpose()?;
    assert_eq!((one, two), (Some(1), Some(2)));
    assert!(cursor.fetchone().is_none());
    assert!(cursor.fetchone().is_none(), "and stays exhausted");
    assert_eq!(cursor.fetchall().len(), 2, "fetchall still has every row");

    let empty = db.aexecute_sql("SELECT 1 AS a, 2 AS b WHERE 1 = 0", vec![]).await?;
    assert_eq!(empty.description(), ["a", "b"]);
    assert!(empty.fetchall().is_empty());

    conn.aclose().await?;
    assert!(db.is_closed(), "after aclose");
    Ok(())
}

/// Every path that decodes a model fills its `ModelState`, so a save of
/// an unchanged row is `Unchanged` and a save writes only what changed
/// (here: a concurrent change to another column survives).
pub async fn every_loaded_model_tracks_its_state<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Note::META]).await?;
    let note = Note::acreate(&db, Note { title: "t".into(), body: "b".into(), ..Note::default() }).await?;
    let by_id = Note::select().where_(Note::ID.eq(note.id));

    let mut loaded: Vec<(&str, Note)> = vec![
        ("list", db.list(&by_id).await?.remove(0)),
        ("get", db.get(&by_id).await?),
        ("first", db.first(&by_id).await?.expect("the note")),
        ("aexecute", by_id.aexecute(&db).await?.remove(0)),
    ];
    let mut stream = db.iterate(&by_id);
    loaded.push(("iterate", stream.next().await.expect("the note")?));
    drop(stream);

    for (path, mut note) in loaded {
        assert!(note.state.is_loaded(), "{path}: the state is filled");
        assert_eq!(note.asave(&db).await?, Saved::Unchanged, "{path}");
        // Another writer changes the title; this save changes only the body.
        Note::update().set(Note::TITLE, format!("title by {path}")).where_(Note::ID.eq(note.id)).aexecute(&db).await?;
        note.body = format!("body by {path}");
        assert_eq!(note.asave(&db).await?, Saved::Updated(1), "{path}");
        let stored = Note::aget_by_id(&db, note.id).await?;
        assert_eq!((stored.title.as_str(), stored.body.as_str()), (&*format!("title by {path}"), &*note.body));
    }
    Ok(())
}

/// An application's own error type, as a web handler would have.
#[derive(Debug)]
enum AppError {
    Db(Error),
    Rejected(&'static str),
}

impl From<Error> for AppError {
    fn from(error: Error) -> Self {
        AppError::Db(error)
    }
}

/// Closures of `run` and `atomic().run` may fail with the application's
/// own error type: the block rolls back and the error comes back as it
/// was.
pub async fn closures_fail_with_the_applications_error<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;

    let outcome: std::result::Result<(), AppError> = db
        .atomic()
        .run(|conn| async move {
            User::acreate(&conn, user("rolled back")).await?;
            Err(AppError::Rejected("over quota"))
        })
        .await;
    assert!(matches!(outcome, Err(AppError::Rejected("over quota"))), "{outcome:?}");
    assert_eq!(db.count(&User::select()).await?, 0, "the block rolled back");

    let outcome: std::result::Result<i64, AppError> = db
        .run(|conn| async move {
            let kept = User::acreate(&conn, user("kept")).await?;
            if kept.name == "kept" { Err(AppError::Rejected("after the write")) } else { Ok(kept.id) }
        })
        .await;
    assert!(matches!(outcome, Err(AppError::Rejected("after the write"))), "{outcome:?}");
    assert_eq!(db.count(&User::select()).await?, 1, "run is no transaction: the write stands");

    // An ormcore error inside converts into the application's.
    let outcome: std::result::Result<(), AppError> = db
        .atomic()
        .run(|conn| async move {
            User::acreate(&conn, user("kept")).await?;
            Ok(())
        })
        .await;
    assert!(matches!(&outcome, Err(AppError::Db(error)) if error.constraint_kind().is_some()), "{outcome:?}");
    Ok(())
}

/// Raw SQL takes the SQL that `Query::compile` produced for the same
/// database (the dialect's own placeholders), as well as portable `?`.
pub async fn raw_sql_takes_compiled_sql<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    User::acreate(&db, user("huey")).await?;
    User::acreate(&db, user("mickey")).await?;

    let query = User::select().where_(User::NAME.eq("mickey").and(User::IS_ACTIVE.eq(true)));
    let statement = query.compile(db.dialect())?;
    let cursor = db.aexecute_sql(&statement.sql, statement.params.clone()).await?;
    assert_eq!(cursor.fetchall().len(), 1, "{}", statement.sql);
    assert_eq!(cursor.fetchall()[0].get_by_name::<String>("name")?, "mickey");

    let portable = sql_for(db.dialect(), "SELECT name FROM {user} WHERE name = ?");
    let portable = db.aexecute_sql(&portable, vec!["huey".into()]).await?;
    assert_eq!(portable.fetchall()[0].get::<String>(0)?, "huey");
    Ok(())
}

/// A key the database assigns always fits the key's Rust type: past
/// `i16::MAX` the insert is refused and nothing is stored, rather than a
/// row stored and then reported as failed (or, before, a panic). SQLite
/// checks the rowid; PostgreSQL's sequence has the column's width (its
/// sequence starts at 1 here; the PostgreSQL tests exhaust it).
pub async fn assigned_keys_fit_their_type<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Tiny::META]).await?;
    Tiny::insert().set(Tiny::ID, i16::MAX).set(Tiny::NAME, "last").aexecute(&db).await?;
    match Tiny::acreate(&db, Tiny { name: "next".into(), ..Tiny::default() }).await {
        Ok(tiny) => assert!(tiny.id > 0 && tiny.id < i16::MAX, "{tiny:?}"),
        Err(error) => {
            assert!(!matches!(error, Error::Decode { .. }), "the row must be refused, not stored: {error}");
            assert_eq!(db.count(&Tiny::select()).await?, 1, "nothing stored");
        }
    }
    Ok(())
}
