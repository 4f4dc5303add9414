//! Attacks on issue 8: streams dropped at every point, the builder-shaped
//! writes (`create`, `insert_rows`, typed upserts, `abulk_create` and
//! `abulk_update` with their options) at their edges, the one bulk insert
//! path, and `first_n`'s limit. Each case names the hole it probes; the
//! ones that found a bug are ignored in the case list, the bug in one line.

#![allow(missing_docs)]

use std::time::Duration;

use ormcore::Error;
use ormcore::prelude::*;
use ormcore::query::{Column, ColumnOf, Raw};
use rust_decimal::Decimal;

use crate::harness::{
    Config, TestDb, assert_unsupported, open, quoted_column, settled_pool_status, sql_for, user_names, users_db,
};
use crate::models::{Counter, Measure, Membership, Price, Setting, User, user};

/// A fresh database with `User` and `Counter`, `rows` counters valued 0...
async fn seeded<T: TestDb>(config: Config, rows: i64) -> Result<Database<T::Backend>> {
    let db = users_db::<T>(config).await?;
    db.acreate_tables(&[Counter::META]).await?;
    let mut counters: Vec<Counter> =
        (0..rows).map(|i| Counter { name: format!("c{i:03}"), value: i, ..Counter::default() }).collect();
    Counter::abulk_create(&db, &mut counters).await?;
    Ok(db)
}

fn decimal(text: &str) -> Decimal {
    text.parse().expect("a decimal")
}

/// Whether `result` is a write refused naming `column`; panics on any
/// other error.
fn refused<T: std::fmt::Debug>(result: &Result<T>, column: &str) -> bool {
    match result {
        Ok(_) => false,
        Err(Error::Interface(message)) if message.contains(column) => true,
        Err(other) => panic!("expected a write refused for {column}, got {other:?}"),
    }
}

/// A stream inside a transaction block dropped at every point: never
/// polled, after one row, half-way, after its last row but before the end
/// was read, after the end; with batches smaller and larger than the
/// result. The block's writes before and after each stream survive, and
/// its commit keeps them all.
pub async fn streams_dropped_at_every_point_keep_the_block<T: TestDb>() -> Result<()> {
    let db = seeded::<T>(Config::default().pool_size(1), 20).await?;
    let query = Counter::select().order_by(Counter::VALUE);
    let mut expected = Vec::new();
    for reads in [0usize, 1, 7, 20, 21] {
        for buffer in [1usize, 5, 100] {
            let name = format!("r{reads:02}b{buffer:03}");
            let tx = db.atomic().await?;
            User::acreate(&db, user(&format!("{name} before"))).await?;
            {
                let mut stream = db.iterate(&query).buffer_size(buffer);
                for i in 0..reads {
                    let row = stream.next().await;
                    if i < 20 {
                        assert_eq!(row.expect("a row")?.value, i as i64, "{name}");
                    } else {
                        assert!(row.is_none(), "{name}: twenty rows");
                    }
                }
            }
            User::acreate(&db, user(&format!("{name} after"))).await?;
            tx.commit().await?;
            expected.push(format!("{name} after"));
            expected.push(format!("{name} before"));
        }
    }
    expected.sort();
    assert_eq!(user_names(&db).await?, expected);
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "every connection is back: {status:?}");
    Ok(())
}

/// A stream in a savepoint, dropped half-way; another in the enclosing
/// block: the inner block commits into the outer, and the outer commits
/// everything.
pub async fn streams_dropped_in_nested_blocks_keep_both<T: TestDb>() -> Result<()> {
    let db = seeded::<T>(Config::default().pool_size(1), 30).await?;
    let query = Counter::select().order_by(Counter::VALUE);
    let outer = db.atomic().await?;
    User::acreate(&db, user("outer")).await?;
    let inner = db.atomic().await?;
    User::acreate(&db, user("inner")).await?;
    let mut stream = db.iterate(&query).buffer_size(4);
    assert_eq!(stream.next().await.expect("a row")?.value, 0);
    drop(stream);
    User::acreate(&db, user("inner after")).await?;
    inner.commit().await?;
    let mut stream = db.iterate(&query).buffer_size(4);
    assert_eq!(stream.next().await.expect("a row")?.value, 0);
    drop(stream);
    User::acreate(&db, user("outer after")).await?;
    outer.commit().await?;
    assert_eq!(user_names(&db).await?, ["inner", "inner after", "outer", "outer after"]);
    Ok(())
}

/// A stream whose rows stop decoding half-way (a NULL read as a `String`)
/// inside a block: the error names the problem, and the block goes on and
/// commits its writes, before and after.
pub async fn stream_failing_to_decode_keeps_the_block<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default().pool_size(1)).await?;
    for i in 0..30 {
        let email = (i != 17).then(|| format!("u{i}@x"));
        User::acreate(&db, User { email, ..user(&format!("u{i:02}")) }).await?;
    }
    let tx = db.atomic().await?;
    User::acreate(&db, User { email: Some("in@x".into()), ..user("in block") }).await?;
    let emails = Raw::<String>::new(sql_for(db.dialect(), "SELECT email FROM {user} ORDER BY name"), vec![]);
    let mut stream = db.iterate(&emails).buffer_size(5);
    let mut read = 0;
    let error = loop {
        match stream.next().await {
            Some(Ok(_)) => read += 1,
            Some(Err(error)) => break error,
            None => panic!("the NULL email cannot be read as a String"),
        }
    };
    drop(stream);
    assert!(matches!(error, Error::Decode { .. }), "{error:?}");
    // Batches of five: the one with the NULL fails whole.
    assert_eq!(read, 15);
    User::acreate(&db, user("after")).await?;
    tx.commit().await?;
    let names = user_names(&db).await?;
    assert!(names.contains(&"in block".to_owned()) && names.contains(&"after".to_owned()), "{names:?}");
    assert_eq!(names.len(), 32);
    Ok(())
}

/// A task aborted while it holds a stream, in a block or out of one: the
/// next user of the one pooled connection gets it clean (the block's write
/// rolled back, the autocommit one kept), and can commit its own block.
pub async fn aborted_task_holding_a_stream_leaves_nothing<T: TestDb>() -> Result<()> {
    let db = seeded::<T>(Config::default().pool_size(1), 50).await?;
    for in_block in [false, true] {
        let other = db.clone();
        let (ready_tx, ready) = tokio::sync::oneshot::channel();
        let task = tokio::spawn(async move {
            let tx = if in_block { Some(other.atomic().await?) } else { None };
            User::acreate(&other, user(if in_block { "aborted in" } else { "aborted out" })).await?;
            let query = Counter::select().order_by(Counter::VALUE);
            let mut stream = other.iterate(&query).buffer_size(1);
            stream.next().await.expect("a row")?;
            let _ = ready_tx.send(());
            tokio::time::sleep(Duration::from_secs(60)).await;
            drop(stream);
            drop(tx);
            Ok::<_, Error>(())
        });
        ready.await.expect("the task streams");
        task.abort();
        let _ = task.await;
        let limit = Duration::from_secs(10);
        let names = tokio::time::timeout(limit, user_names(&db)).await.expect("the connection comes back")?;
        assert_eq!(names, ["aborted out"], "in_block={in_block}");
    }
    let tx = db.atomic().await?;
    User::acreate(&db, user("after")).await?;
    tx.commit().await?;
    assert_eq!(user_names(&db).await?, ["aborted out", "after"]);
    Ok(())
}

/// A stream inside a block dropped while it is still opening (polled once,
/// then dropped, as a timeout around the first read does): the block's
/// writes before it survive, the block goes on and commits. (A stream
/// dropped after its first row leaves the block alone; one dropped a
/// moment earlier must not cost the whole transaction.)
pub async fn stream_dropped_while_opening_keeps_the_block<T: TestDb>() -> Result<()> {
    let db = seeded::<T>(Config::default().pool_size(2), 20).await?;
    let tx = db.atomic().await?;
    User::acreate(&db, user("before")).await?;
    {
        let query = Counter::select().order_by(Counter::VALUE);
        let mut stream = db.iterate(&query);
        // Polled once: the stream starts opening (or has its first row).
        let _ = tokio::time::timeout(Duration::ZERO, stream.next()).await;
    }
    User::acreate(&db, user("after")).await?;
    tx.commit().await?;
    assert_eq!(user_names(&db).await?, ["after", "before"]);
    Ok(())
}

/// An all-defaults model for `create()` with nothing set.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Defaults {
    pub id: i64,
    #[orm(default = "x")]
    pub name: String,
    #[orm(default = 4)]
    pub size: i32,
    pub note: Option<String>,
}

/// `create()` at its edges: nothing set (every column its default), a
/// composite key and an application key, and a value beyond its column
/// refused as `acreate` refuses it.
pub async fn create_at_its_edges<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Defaults::META, Membership::META, Setting::META, Price::META]).await?;
    let dialect = db.dialect();
    let made = Defaults::create(&db).await?;
    assert_eq!((made.name.as_str(), made.size, made.note.as_deref()), ("x", 4, None));
    assert_eq!(Defaults::aget_by_id(&db, made.id).await?, made);

    let member = Membership::create(&db)
        .set(Membership::GROUP_NAME, "g")
        .set(Membership::MEMBER, "m")
        .set(Membership::SINCE, 2020)
        .await?;
    assert_eq!(member, Membership { group_name: "g".into(), member: "m".into(), since: 2020 });
    let setting = Setting::create(&db).set(Setting::KEY, "k").set(Setting::VALUE, "v").await?;
    assert_eq!(setting, Setting { key: "k".into(), value: "v".into() });
    let clash = Setting::create(&db).set(Setting::KEY, "k").set(Setting::VALUE, "w").await;
    assert!(matches!(&clash, Err(Error::Integrity { model: Some("Setting"), .. })), "{clash:?}");
    if !dialect.supports_insert_returning() {
        // Without `RETURNING` the row is found again by its key: one the
        // database assigns other than by auto-increment cannot be.
        let keyless = Setting::create(&db).set(Setting::VALUE, "v").await;
        assert_unsupported(keyless, dialect, "auto-increment");
        assert_eq!(db.count(&Setting::select()).await?, 1, "nothing was sent");
    }

    let too_precise = Price::create(&db).set(Price::AMOUNT, decimal("1")).set(Price::TOTAL, decimal("1.234")).await;
    assert!(refused(&too_precise, &quoted_column(dialect, "price", "total")), "{too_precise:?}");
    assert_eq!(db.count(&Price::select()).await?, 0);
    Ok(())
}

/// `insert_rows` checks every value as the other writes do: one beyond
/// its declared precision refuses the statement, naming the column, and
/// nothing of it is written.
pub async fn insert_rows_check_every_value<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Price::META]).await?;
    let total = quoted_column(db.dialect(), "price", "total");
    let one = Price::insert_rows(Price::TOTAL, [decimal("1.00"), decimal("1.001")]).aexecute(&db).await;
    assert!(refused(&one, &total), "{one:?}");
    let tuple = Price::insert_rows(
        (Price::AMOUNT, Price::TOTAL),
        [(decimal("1"), decimal("9999.99")), (decimal("2"), decimal("10000"))],
    )
    .aexecute(&db)
    .await;
    assert!(refused(&tuple, &total), "{tuple:?}");
    assert_eq!(db.count(&Price::select()).await?, 0);
    let fine = Price::insert_rows((Price::AMOUNT, Price::TOTAL), [(decimal("1.5"), decimal("-9999.99"))])
        .aexecute(&db)
        .await?;
    let stored = Price::aget_by_id(&db, fine.expect("a key")).await?;
    assert_eq!((stored.amount, stored.total), (decimal("1.5"), Some(decimal("-9999.99"))));
    Ok(())
}

/// NaN, -0.0 and the infinities through every write path that changed:
/// `insert_rows`, `create` (its RETURNING read too), `abulk_create`,
/// `abulk_update` and an upsert's `do_update_set`. Each keeps the value's
/// bits or refuses it naming the column, as `acreate` does.
pub async fn special_floats_on_the_new_write_paths<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Measure::META]).await?;
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    let dialect = db.dialect();
    let column = &quoted_column(dialect, "measure", "value");
    for x in [f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, 5e-324] {
        let rows = Measure::insert_rows(Measure::VALUE, [x]).aexecute(&db).await;
        if !refused(&rows, column) {
            let read = Measure::aget_by_id(&db, rows?.expect("a key")).await?;
            assert!(same(read.value, x), "insert_rows: {x:?} read back as {:?}", read.value);
        }

        let made = Measure::create(&db).set(Measure::VALUE, x).await;
        if !refused(&made, column) {
            let made = made?;
            assert!(same(made.value, x), "create: {x:?} returned as {:?}", made.value);
            let read = Measure::aget_by_id(&db, made.id).await?;
            assert!(same(read.value, x), "create: {x:?} read back as {:?}", read.value);
        }

        let mut bulk = vec![Measure { value: x, ..Measure::default() }, Measure { value: 1.0, ..Measure::default() }];
        let created = Measure::abulk_create(&db, &mut bulk).await;
        if !refused(&created, column) {
            let read = Measure::aget_by_id(&db, bulk[0].id).await?;
            assert!(same(read.value, x), "abulk_create: {x:?} read back as {:?}", read.value);
        }

        let mut base = Measure::acreate(&db, Measure { value: 1.0, ..Measure::default() }).await?;
        base.value = x;
        let updated = Measure::abulk_update(&db, std::slice::from_ref(&base), Measure::VALUE).await;
        if !refused(&updated, column) {
            assert_eq!(updated?, 1);
            let read = Measure::aget_by_id(&db, base.id).await?;
            assert!(same(read.value, x), "abulk_update: {x:?} read back as {:?}", read.value);
        }

        let upsert = Measure::insert()
            .set(Measure::ID, base.id)
            .set(Measure::VALUE, 2.0)
            .on_conflict(Measure::ID)
            .do_update_set([assign(Measure::VALUE, x)])
            .aexecute(&db)
            .await;
        if !refused(&upsert, column) {
            assert_eq!(upsert?, Some(base.id), "the upsert reports the row it updated");
            let read = Measure::aget_by_id(&db, base.id).await?;
            assert!(same(read.value, x), "do_update_set: {x:?} read back as {:?}", read.value);
        }
    }
    Ok(())
}

/// Typed upserts at their edges: an empty update list, a missing conflict
/// target and `excluded` outside an upsert are clear misuse errors before
/// anything runs; the key reported is the row updated, none when the
/// conflict was skipped, and the last inserted for several rows.
pub async fn upserts_at_their_edges<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let ann = User::acreate(&db, user("ann")).await?;
    let propose = |email: &'static str| User::insert().set(User::NAME, "ann").set(User::EMAIL, email);

    let empty = propose("a@x").on_conflict(User::NAME).do_update(()).aexecute(&db).await;
    assert!(matches!(&empty, Err(Error::Interface(_))), "{empty:?}");
    let untargeted = propose("a@x").on_conflict(()).do_update(User::EMAIL).aexecute(&db).await;
    assert!(matches!(&untargeted, Err(Error::Interface(_))), "{untargeted:?}");
    let outside = User::update().set(User::EMAIL, excluded(User::EMAIL)).aexecute(&db).await;
    assert!(matches!(&outside, Err(Error::Interface(_))), "{outside:?}");
    let in_a_filter = db.count(&User::select().where_(User::NAME.eq(excluded(User::NAME)))).await;
    assert!(matches!(&in_a_filter, Err(Error::Interface(_))), "{in_a_filter:?}");
    assert_eq!(User::aget_by_id(&db, ann.id).await?.email, None, "nothing ran");

    let skipped = propose("b@x").on_conflict(User::NAME).do_nothing().aexecute(&db).await?;
    assert_eq!(skipped, None, "a skipped conflict reports no key");
    let updated = propose("c@x").on_conflict(User::NAME).do_update(User::EMAIL).aexecute(&db).await?;
    assert_eq!(updated, Some(ann.id), "the row updated");
    let ignored = propose("d@x").on_conflict_ignore().aexecute(&db).await?;
    assert_eq!(ignored, None);

    let rows = User::insert_rows(User::NAME, ["ann", "bob"]).on_conflict(User::NAME).do_nothing().aexecute(&db).await?;
    let bob = User::aget(&db, User::NAME.eq("bob")).await?;
    assert_eq!(rows, Some(bob.id), "the one row inserted");
    let both = User::insert_rows((User::NAME, User::EMAIL), [("ann", "e@x"), ("bob", "f@x")])
        .on_conflict(User::NAME)
        .do_update(User::EMAIL)
        .aexecute(&db)
        .await?;
    assert_eq!(both, Some(bob.id), "the last row written");
    let emails: Vec<Option<String>> = db.list(&User::select().columns(User::EMAIL).order_by(User::NAME)).await?;
    assert_eq!(emails, [Some("e@x".to_owned()), Some("f@x".to_owned())]);
    Ok(())
}

/// `abulk_update` at its edges: the key among the fields, no fields, no
/// models, batch sizes of 0 and `usize::MAX`, a hand-made column out of
/// range (refused, as `asave().only(..)` refuses it), and a column twice
/// (its last value, or a clear error naming it).
pub async fn bulk_update_at_its_edges<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let mut many: Vec<User> = (0..5).map(|i| user(&format!("u{i}"))).collect();
    User::abulk_create(&db, &mut many).await?;
    for u in &mut many {
        u.name = u.name.to_uppercase();
    }
    assert_eq!(User::abulk_update(&db, &many, (User::ID, User::NAME)).await?, 5);
    assert_eq!(user_names(&db).await?, ["U0", "U1", "U2", "U3", "U4"]);
    let none: Vec<&dyn ColumnOf<User>> = Vec::new();
    assert_eq!(User::abulk_update(&db, &many, none).await?, 0);
    assert_eq!(User::abulk_update(&db, &[], User::NAME).await?, 0);
    for u in &mut many {
        u.email = Some(format!("{}@x", u.name));
    }
    assert_eq!(User::abulk_update(&db, &many, User::EMAIL).batch_size(0).await?, 5);
    assert_eq!(User::abulk_update(&db, &many, User::EMAIL).batch_size(usize::MAX).await?, 5);

    let out_of_range = Column::<User, String>::new("user", "name", 99);
    let bulk = User::abulk_update(&db, &many, out_of_range).await;
    assert!(matches!(&bulk, Err(Error::Interface(m)) if m.contains("99")), "{bulk:?}");
    let mut first = many[0].clone();
    first.name = "changed".into();
    let save = first.asave(&db).only(out_of_range).await;
    assert!(matches!(&save, Err(Error::Interface(m)) if m.contains("99")), "{save:?}");

    for u in &mut many {
        u.name = u.name.to_lowercase();
    }
    let twice = User::abulk_update(&db, &many, (User::NAME, User::NAME)).await;
    match &twice {
        Ok(changed) => assert_eq!(*changed, 5),
        Err(error) => assert!(error.to_string().contains("name"), "a clear error naming the column: {error:?}"),
    }
    let names = user_names(&db).await?;
    assert!(names == ["U0", "U1", "U2", "U3", "U4"] || names == ["u0", "u1", "u2", "u3", "u4"], "{names:?}");
    Ok(())
}

/// `abulk_create` at its edges: `batch_size(0)`, models with and without
/// their keys in one call (each keeps or gets its own key, the row under
/// it its own values), a batch as large as the parameter limit allows,
/// and a failure in a later batch (nothing written, no model claims a
/// key).
pub async fn bulk_create_at_its_edges<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let mut zero: Vec<User> = (0..3).map(|i| user(&format!("zero {i}"))).collect();
    User::abulk_create(&db, &mut zero).batch_size(0).await?;
    assert!(zero.iter().all(|u| u.id > 0));

    let keyed = |id: i64, name: &str| User { id, ..user(name) };
    // Far above what the database will assign (PostgreSQL's sequence
    // does not skip keys the application chose).
    let (k0, k1) = (1_000_000_000, 1_000_000_001);
    let mut mixed = vec![keyed(k0, "k0"), user("f1"), keyed(k1, "k1"), user("f2"), user("f3")];
    User::abulk_create(&db, &mut mixed).batch_size(2).await?;
    assert_eq!((mixed[0].id, mixed[2].id), (k0, k1), "keys set by the application are kept");
    for model in &mixed {
        assert_eq!(User::aget_by_id(&db, model.id).await?.name, model.name, "the row under {}'s key", model.name);
    }

    let mut wide: Vec<User> = (0..30_000).map(|i| user(&format!("w{i:05}"))).collect();
    User::abulk_create(&db, &mut wide).batch_size(usize::MAX).await?;
    let stored: Vec<(i64, String)> =
        db.list(&User::select().columns((User::ID, User::NAME)).where_(User::NAME.like("w%"))).await?;
    let stored: std::collections::HashMap<i64, String> = stored.into_iter().collect();
    assert_eq!(stored.len(), 30_000);
    assert!(wide.iter().all(|u| stored.get(&u.id) == Some(&u.name)), "every model holds its own row's key");

    let before = db.count(&User::select()).await?;
    let mut failing: Vec<User> = (0..7).map(|i| user(&format!("late {i}"))).collect();
    failing[5].name = "f1".into();
    let error = User::abulk_create(&db, &mut failing).batch_size(2).await.expect_err("f1 exists");
    assert_eq!(error.constraint_kind(), Some(ormcore::ConstraintKind::Unique), "{error:?}");
    assert_eq!(db.count(&User::select()).await?, before, "nothing of the call was written");
    assert!(failing.iter().all(|u| u.id == 0), "no model claims a rolled-back row");
    Ok(())
}

/// A model that is its key alone.
#[derive(Model, Debug, Clone, Default, PartialEq)]
pub struct Bare {
    pub id: i64,
}

/// `abulk_create` of models that have no column but their auto key (every
/// row all defaults): as `acreate` inserts each, the call inserts them all
/// and gives each its key.
pub async fn bulk_create_of_key_only_models<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Bare::META]).await?;
    let one = Bare::acreate(&db, Bare::default()).await?;
    assert!(one.id > 0);
    let mut bare = vec![Bare::default(); 3];
    Bare::abulk_create(&db, &mut bare).await?;
    assert_eq!(db.count(&Bare::select()).await?, 4);
    let mut ids: Vec<i64> = bare.iter().map(|b| b.id).collect();
    ids.dedup();
    assert_eq!(ids.len(), 3, "each its own key: {bare:?}");
    Ok(())
}

/// `first`/`first_n` take the smaller of the select's own limit and the
/// one asked for, keep its offset, and a limit of 0 finds nothing.
pub async fn first_n_respects_the_selects_own_limit<T: TestDb>() -> Result<()> {
    let db = seeded::<T>(Config::default(), 10).await?;
    let ordered = || Counter::select().order_by(Counter::VALUE);
    let values = |rows: Vec<Counter>| rows.into_iter().map(|c| c.value).collect::<Vec<_>>();
    assert_eq!(values(db.first_n(&ordered().limit(3), 10).await?), [0, 1, 2]);
    assert_eq!(values(db.first_n(&ordered().limit(10), 2).await?), [0, 1]);
    assert_eq!(values(db.first_n(&ordered().offset(5).limit(3), 10).await?), [5, 6, 7]);
    assert_eq!(values(db.first_n(&ordered().offset(5), 2).await?), [5, 6]);
    assert_eq!(values(db.first_n(&ordered().offset(8), 5).await?), [8, 9]);
    assert!(db.first_n(&ordered(), 0).await?.is_empty());
    assert!(db.first(&ordered().limit(0)).await?.is_none());
    let none = db.get(&ordered().limit(0)).await.expect_err("limit 0 finds nothing");
    assert!(matches!(none, Error::DoesNotExist { .. }), "{none:?}");
    assert_eq!(db.first(&ordered().offset(9)).await?.map(|c| c.value), Some(9));
    match db.first_n(&ordered(), u64::MAX).await {
        Ok(rows) => assert_eq!(rows.len(), 10),
        Err(error) => assert!(matches!(error, Error::Interface(_)), "{error:?}"),
    }
    assert_eq!(db.first(&ordered().limit(u64::MAX)).await?.map(|c| c.value), Some(0));
    Ok(())
}

/// A column set twice on `create()`, `Insert::set` or named twice in
/// `insert_rows`: the last value set wins, or the write is refused with a
/// clear error naming the column; never the first value kept silently.
pub async fn a_column_set_twice_keeps_the_last_or_is_refused<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let made = User::create(&db).set(User::NAME, "first").set(User::NAME, "second").await.err();
    let built = User::insert().set(User::NAME, "third").set(User::NAME, "fourth").aexecute(&db).await;
    let rows = User::insert_rows([User::NAME, User::NAME], [["fifth", "sixth"]]).aexecute(&db).await;
    let mut outcomes = Vec::new();
    for (what, error) in [("create", made), ("insert().set", built.err()), ("insert_rows", rows.err())] {
        if let Some(error) = error {
            assert!(error.to_string().contains("name"), "{what}: a clear error naming the column: {error:?}");
            outcomes.push(what);
        }
    }
    let stored = user_names(&db).await?;
    for kept_first in ["first", "third", "fifth"] {
        assert!(!stored.iter().any(|n| n == kept_first), "the first value was kept, the last ignored: {stored:?}");
    }
    let _ = outcomes;
    Ok(())
}

/// `asave().only(..)` on a model that tracks its state writes only those
/// columns; the other changes are still unsaved afterwards, so a later
/// plain `asave()` writes them. (Recording every field as saved loses the
/// ones `only` left out: the next `asave()` finds nothing to do.)
pub async fn save_only_keeps_the_other_changes_dirty<T: TestDb>() -> Result<()> {
    use crate::models::Note;
    let db = open::<T>().await;
    db.acreate_tables(&[Note::META]).await?;
    let mut note = Note::acreate(&db, Note { title: "t1".into(), body: "b1".into(), ..Note::default() }).await?;
    note.title = "t2".into();
    note.body = "b2".into();
    assert_eq!(note.asave(&db).only(Note::TITLE).await?, Saved::Updated(1));
    let stored = Note::aget_by_id(&db, note.id).await?;
    assert_eq!((stored.title.as_str(), stored.body.as_str()), ("t2", "b1"), "only the title was written");
    let later = note.asave(&db).await?;
    let stored = Note::aget_by_id(&db, note.id).await?;
    assert_eq!(stored.body, "b2", "the body change was never written (the later save said {later:?})");
    Ok(())
}

/// `asave().only(..)` on a new model inserts the listed columns, the
/// others taking their declared defaults, as the reference's
/// `save(only=[..])` does for an insert.
pub async fn save_only_on_a_new_model_inserts_only_those<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let mut fresh = User { is_active: false, email: Some("left out".into()), ..user("only name") };
    assert_eq!(fresh.asave(&db).only(User::NAME).await?, Saved::Inserted);
    let stored = User::aget_by_id(&db, fresh.id).await?;
    assert_eq!((stored.is_active, stored.email.as_deref()), (true, None), "{stored:?}");
    Ok(())
}

/// `abulk_update` with its default batch size: as many rows a statement
/// as the parameter limit allows, each statement a `CASE` of one `WHEN`
/// per row evaluated for each row. Ten thousand rows must not take the
/// time of a hundred million comparisons.
pub async fn bulk_update_of_many_rows_is_not_quadratic<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let mut users: Vec<User> = (0..10_000).map(|i| user(&format!("u{i:05}"))).collect();
    User::abulk_create(&db, &mut users).await?;
    for u in &mut users {
        u.email = Some(format!("{}@x", u.name));
    }
    let begun = std::time::Instant::now();
    assert_eq!(User::abulk_update(&db, &users, User::EMAIL).await?, 10_000);
    let default_batch = begun.elapsed();
    let begun = std::time::Instant::now();
    assert_eq!(User::abulk_update(&db, &users, User::EMAIL).batch_size(100).await?, 10_000);
    let small_batches = begun.elapsed();
    assert!(
        default_batch < Duration::from_secs(5) && default_batch < small_batches * 10,
        "the default batch took {default_batch:?}, batches of 100 {small_batches:?}"
    );
    Ok(())
}
