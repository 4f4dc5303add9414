//! Builder-shaped writes: `create` from the columns set, rows of values
//! for chosen columns, typed upserts, and the options of `asave`,
//! `abulk_create` and `abulk_update` as methods.

use ormcore::prelude::*;
use ormcore::query::ColumnOf;
use ormcore::types::Json;
use ormcore::{ConstraintKind, Error, Value};

use crate::harness::{TestDb, open, user_names};
use crate::models::{Doc, Document, Prefs, Setting, User, user};

async fn setup<T: TestDb>() -> Result<Database<T::Backend>> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Prefs::META]).await?;
    Ok(db)
}

/// `User::create(&db).set(..)`: the columns set, the rest their defaults
/// (declared ones and NULL), read back as stored; a NOT NULL column left
/// unset is an integrity error naming the model. `create` reads the row
/// back with `INSERT .. RETURNING`, or where the dialect has none (MySQL)
/// by its key in the same transaction: the same model either way.
pub async fn create_from_the_columns_set<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let ann = User::create(&db).set(User::NAME, "ann").await?;
    assert!(ann.id > 0);
    assert_eq!((ann.name.as_str(), ann.is_active, ann.email.as_deref()), ("ann", true, None));
    assert_eq!(User::aget_by_id(&db, ann.id).await?, ann);
    let bob = User::create(&db).set(User::NAME, "bob").set(User::IS_ACTIVE, false).set(User::EMAIL, "b@x").await?;
    assert_eq!((bob.is_active, bob.email.as_deref()), (false, Some("b@x")));

    let unnamed = User::create(&db).set(User::EMAIL, "nobody@x").await.expect_err("name is NOT NULL");
    assert_eq!(unnamed.constraint_kind(), Some(ConstraintKind::NotNull), "{unnamed}");
    assert!(matches!(&unnamed, Error::Integrity { model: Some("User"), .. }), "{unnamed:?}");
    let twin = User::create(&db).set(User::NAME, "ann").await.expect_err("name is unique");
    assert_eq!(twin.constraint_kind(), Some(ConstraintKind::Unique));
    assert_eq!(user_names(&db).await?, ["ann", "bob"]);
    Ok(())
}

/// `insert_rows(columns, rows)`: a tuple of columns takes tuples of
/// values, one column takes values, an array of columns arrays; the other
/// columns take their defaults; no rows at all is a misuse, as for
/// `insert_many` of no models.
pub async fn insert_rows_of_values<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    User::insert_rows((User::NAME, User::EMAIL), [("ann", Some("a@x")), ("bob", None)]).aexecute(&db).await?;
    User::insert_rows(User::NAME, ["cy", "di"]).aexecute(&db).await?;
    User::insert_rows([User::NAME], [["ed"]]).aexecute(&db).await?;
    let none = User::insert_rows(User::NAME, Vec::<&str>::new()).aexecute(&db).await.expect_err("no rows");
    assert!(matches!(none, Error::Interface(_)), "{none}");
    let users = db.list(&User::select().order_by(User::NAME)).await?;
    let seen: Vec<(&str, Option<&str>, bool)> =
        users.iter().map(|u| (u.name.as_str(), u.email.as_deref(), u.is_active)).collect();
    assert_eq!(
        seen,
        [("ann", Some("a@x"), true), ("bob", None, true), ("cy", None, true), ("di", None, true), ("ed", None, true)]
    );
    // A refused row refuses the statement: nothing of it is inserted.
    let clash = User::insert_rows(User::NAME, ["fay", "ann"]).aexecute(&db).await.expect_err("ann exists");
    assert_eq!(clash.constraint_kind(), Some(ConstraintKind::Unique));
    assert_eq!(db.count(&User::select()).await?, 5);
    Ok(())
}

/// Typed upserts: `on_conflict(target)` then `do_nothing`, `do_update`
/// (the proposed values) or `do_update_set` (any expression, with
/// `excluded`); a `Json<T>` field takes its own type.
pub async fn typed_upserts<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    User::acreate(&db, user("ann")).await?;
    let propose = |email: &'static str| User::insert().set(User::NAME, "ann").set(User::EMAIL, email);

    propose("first@x").on_conflict(User::NAME).do_nothing().aexecute(&db).await?;
    assert_eq!(User::aget(&db, User::NAME.eq("ann")).await?.email, None);

    propose("second@x").on_conflict(User::NAME).do_update(User::EMAIL).aexecute(&db).await?;
    assert_eq!(User::aget(&db, User::NAME.eq("ann")).await?.email.as_deref(), Some("second@x"));

    propose("third@x")
        .on_conflict(User::NAME)
        .do_update_set([assign(User::EMAIL, func::upper(excluded(User::EMAIL))), assign(User::IS_ACTIVE, false)])
        .aexecute(&db)
        .await?;
    let ann = User::aget(&db, User::NAME.eq("ann")).await?;
    assert_eq!((ann.email.as_deref(), ann.is_active), (Some("THIRD@X"), false));
    propose("fourth@x").on_conflict_ignore().aexecute(&db).await?;
    assert_eq!(db.count(&User::select()).await?, 1);

    let document = |title: &str| Json(Document { title: title.into(), tags: vec!["a".into()] });
    for title in ["one", "two"] {
        Prefs::insert()
            .set(Prefs::OWNER, "ann")
            .set(Prefs::DOCUMENT, document(title))
            .on_conflict(Prefs::OWNER)
            .do_update(Prefs::DOCUMENT)
            .aexecute(&db)
            .await?;
    }
    let prefs = Prefs::aget(&db, Prefs::OWNER.eq("ann")).await?;
    assert_eq!(prefs.document, document("two"));
    Ok(())
}

/// `asave(..).only(..)` with a tuple, an array or a list built at run
/// time; `abulk_update` with a tuple of fields and a batch size.
pub async fn save_and_bulk_options<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let mut ann = User::acreate(&db, user("ann")).await?;
    ann.name = "anne".into();
    ann.email = Some("a@x".into());
    ann.is_active = false;
    assert_eq!(ann.asave(&db).only((User::NAME, User::EMAIL)).await?, Saved::Updated(1));
    let stored = User::aget_by_id(&db, ann.id).await?;
    assert_eq!((stored.name.as_str(), stored.email.as_deref(), stored.is_active), ("anne", Some("a@x"), true));
    let chosen: Vec<&dyn ColumnOf<User>> = vec![&User::IS_ACTIVE];
    assert_eq!(ann.asave(&db).only(chosen).await?, Saved::Updated(1));
    assert!(!User::aget_by_id(&db, ann.id).await?.is_active);

    let mut many: Vec<User> = (0..5).map(|i| user(&format!("u{i}"))).collect();
    User::abulk_create(&db, &mut many).batch_size(2).await?;
    assert!(many.iter().all(|u| u.id > 0));
    for u in &mut many {
        u.email = Some(format!("{}@x", u.name));
        u.name = u.name.to_uppercase();
    }
    assert_eq!(User::abulk_update(&db, &many, (User::NAME, User::EMAIL)).batch_size(2).await?, 5);
    let stored = User::aget_by_id(&db, many[3].id).await?;
    assert_eq!((stored.name.as_str(), stored.email.as_deref()), ("U3", Some("u3@x")));
    Ok(())
}

/// A small key: an `INTEGER` column on every backend, bound from an `i64`.
#[derive(Model, Debug, Clone, Default, PartialEq)]
struct Tally {
    id: i32,
    count: i32,
}

/// `aget_by_id` and `acreate` run statements each database compiles once
/// per model and binds each call's values into: keys of several types
/// (a small integer, text with SQL in it), a model inserted with and
/// without its key in turn (two statements, never mixed up), a missing key
/// reported with the SQL and the key it was looked up with, and values
/// still checked as the compiler checks them.
pub async fn cached_model_statements<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    db.acreate_tables(&[Tally::META, Setting::META]).await?;

    let first = Tally::acreate(&db, Tally { id: 0, count: 1 }).await?;
    let chosen = Tally::acreate(&db, Tally { id: 1000, count: 2 }).await?;
    let next = Tally::acreate(&db, Tally { id: 0, count: 3 }).await?;
    assert_eq!(chosen.id, 1000);
    assert!(first.id > 0 && next.id > 0 && next.id != first.id && next.id != 1000, "{first:?} {next:?}");
    for tally in [&first, &chosen, &next] {
        assert_eq!(&Tally::aget_by_id(&db, tally.id).await?, tally);
    }
    let missing = Tally::aget_by_id(&db, 77).await.expect_err("no row 77");
    match &missing {
        Error::DoesNotExist { model: "Tally", sql, params } => {
            assert!(sql.contains("tally") && sql.contains("LIMIT 1"), "{sql}");
            assert_eq!(params, &[Value::Int(77)]);
        }
        other => panic!("expected DoesNotExist, got {other:?}"),
    }

    let hostile = "k'); DROP TABLE \"setting\"; --";
    let setting = Setting::acreate(&db, Setting { key: hostile.into(), value: "v".into() }).await?;
    assert_eq!(Setting::aget_by_id(&db, hostile.to_owned()).await?, setting);
    let other = Setting::aget_by_id(&db, "k".to_owned()).await.expect_err("no key k");
    assert!(matches!(&other, Error::DoesNotExist { params, .. } if params == &[Value::from("k")]), "{other:?}");
    let twin = Setting::acreate(&db, setting.clone()).await.expect_err("the key exists");
    assert_eq!(twin.constraint_kind(), Some(ConstraintKind::Unique), "{twin}");
    assert!(matches!(&twin, Error::Integrity { model: Some("Setting"), .. }), "{twin:?}");
    assert_eq!(db.count(&Setting::select()).await?, 1);

    // A value the database would not keep is refused before anything is
    // sent, on the cached path as on the compiled one.
    db.acreate_tables(&[Doc::META]).await?;
    let deep = (0..200).fold(serde_json::Value::from(1), |inner, _| serde_json::Value::Array(vec![inner]));
    let refused = Doc::acreate(&db, Doc { id: 0, body: deep }).await.expect_err("too deep to read back");
    assert!(matches!(&refused, Error::Interface(m) if m.contains("body")), "{refused:?}");
    assert_eq!(db.count(&Doc::select()).await?, 0);
    Ok(())
}

/// `abulk_create` while other tasks insert into the same table, in bulk
/// and row by row: every model gets the key of its own row. (MySQL reports
/// only a multi-row insert's first key: the others are derived only where
/// the server assigns them consecutively.)
pub async fn bulk_keys_under_concurrent_inserts<T: TestDb>() -> Result<()> {
    let db = crate::harness::users_db::<T>(crate::harness::Config::default().pool_size(4)).await?;
    const ROWS: usize = 300;
    let single = {
        let db = db.clone();
        tokio::spawn(async move {
            let mut made = Vec::new();
            for i in 0..ROWS / 10 {
                made.push(User::acreate(&db, user(&format!("single-{i}"))).await?);
            }
            Ok::<_, Error>(made)
        })
    };
    let mut everyone = crate::harness::bulk_create_in_tasks(&db, 4, ROWS).await?;
    everyone.extend(single.await.expect("the single inserts")?);
    let stored: std::collections::HashMap<i64, String> =
        db.list(&User::select()).await?.into_iter().map(|u| (u.id, u.name)).collect();
    assert_eq!(stored.len(), everyone.len());
    for model in &everyone {
        assert_eq!(stored.get(&model.id), Some(&model.name), "the key given to {}", model.name);
    }
    Ok(())
}

/// `aset_by_id(key).set(..)`: the columns set written to that row only,
/// the count of rows changed (0 for a key no row has); setting nothing is
/// a misuse error, and nothing is written.
pub async fn set_by_id<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let ann = User::acreate(&db, user("ann")).await?;
    let bob = User::acreate(&db, user("bob")).await?;
    let changed = User::aset_by_id(&db, ann.id).set(User::EMAIL, "a@x").set(User::IS_ACTIVE, false).await?;
    assert_eq!(changed, 1);
    let read = User::aget_by_id(&db, ann.id).await?;
    assert_eq!((read.email.as_deref(), read.is_active, read.name.as_str()), (Some("a@x"), false, "ann"));
    assert_eq!(User::aget_by_id(&db, bob.id).await?.email, None, "the other row is untouched");
    assert_eq!(User::aset_by_id(&db, ann.id + bob.id + 100).set(User::EMAIL, "nobody").await?, 0);
    let nothing = User::aset_by_id(&db, bob.id).await;
    assert!(matches!(&nothing, Err(Error::Interface(m)) if m.contains("aset_by_id")), "{nothing:?}");
    Ok(())
}
