//! Attacks on relations without a query per row: joins that fill
//! foreign keys, eager loads (`with_related`, `aprefetch`) and eager loads
//! on streams.

#![allow(missing_docs)]

use std::time::Duration;

use ormcore::backend::Backend;
use ormcore::prelude::*;

use crate::TestDb;
use crate::faults::{self, Fault, OpKind};
use crate::harness::{Config, open, settled_pool_status};
use crate::models::{Comment, Tweet, User, tweet, user};

/// A tag keyed by its (application-assigned) text.
#[derive(Model, Debug, Clone)]
pub struct AtkTag {
    #[orm(primary_key)]
    pub name: String,
    #[orm(relations)]
    pub related: Relations,
}

/// A row referencing a tag by its text key.
#[derive(Model, Debug, Clone)]
pub struct AtkTagged {
    pub id: i64,
    pub tag: ForeignKey<AtkTag>,
    pub label: String,
}

/// A tree referencing its own table, with a 32-bit key.
#[derive(Model, Debug, Clone)]
pub struct AtkNode {
    pub id: i32,
    pub parent: Option<ForeignKey<AtkNode>>,
    pub name: String,
    #[orm(relations)]
    pub related: Relations,
}

/// A model keyed by a UUID.
#[derive(Model, Debug, Clone)]
pub struct AtkThing {
    #[orm(primary_key)]
    pub id: uuid::Uuid,
    pub name: String,
    #[orm(relations)]
    pub related: Relations,
}

/// A row referencing a UUID-keyed model.
#[derive(Model, Debug, Clone)]
pub struct AtkPart {
    pub id: i64,
    pub thing: Option<ForeignKey<AtkThing>>,
    pub name: String,
}

/// huey (meow, purr), mickey (woof), zaizee (nothing).
async fn seed<B: Backend>(db: &Database<B>) -> Result<()> {
    db.acreate_tables(&[User::META, Tweet::META, Comment::META]).await?;
    let huey = User::acreate(db, user("huey")).await?;
    let mickey = User::acreate(db, user("mickey")).await?;
    User::acreate(db, user("zaizee")).await?;
    Tweet::acreate(db, tweet(&huey, "meow")).await?;
    Tweet::acreate(db, tweet(&huey, "purr")).await?;
    Tweet::acreate(db, tweet(&mickey, "woof")).await?;
    Ok(())
}

fn tweets_by_user(users: &[User]) -> Vec<(String, Vec<String>)> {
    users
        .iter()
        .map(|u| {
            let tweets = u.related.get(Tweet::USER).map(|t| t.iter().map(|t| t.content.clone()).collect());
            (u.name.clone(), tweets.unwrap_or_else(|| vec!["<not loaded>".to_owned()]))
        })
        .collect()
}

fn expected_tweets() -> Vec<(String, Vec<String>)> {
    [("huey", vec!["meow", "purr"]), ("mickey", vec!["woof"]), ("zaizee", vec![])]
        .into_iter()
        .map(|(u, t)| (u.to_owned(), t.into_iter().map(str::to_owned).collect()))
        .collect()
}

fn users_query() -> Select<User> {
    User::select().order_by(User::NAME).with_related(Load::has_many(Tweet::USER).order_by(Tweet::ID))
}

/// Was a bug, fixed: a load's own conditions may bind more than the 256 parameters
/// `PRELOAD_PARAM_MARGIN` leaves them, and the key chunks are sized as if
/// they did not: the load's select goes past the dialect's parameter
/// limit and fails (SQLite: "too many SQL variables").
pub async fn load_conditions_count_against_the_parameter_limit<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Tweet::META]).await?;
    let count = db.dialect().max_params() - 256;
    let mut users: Vec<User> = (0..count).map(|i| user(&format!("u{i:06}"))).collect();
    User::abulk_create(&db, &mut users).await?;
    Tweet::acreate(&db, tweet(&users[5], "x5")).await?;
    let wanted: Vec<String> = (0..1000).map(|i| format!("x{i}")).collect();
    let load = Load::has_many(Tweet::USER).where_(Tweet::CONTENT.in_(wanted.iter().map(String::as_str)));
    let loaded = db.list(&User::select().with_related(load)).await?;
    assert_eq!(loaded.len(), count);
    let found: usize = loaded.iter().map(|u| u.related.get(Tweet::USER).map_or(0, <[Tweet]>::len)).sum();
    assert_eq!(found, 1);
    Ok(())
}

/// Was a bug (MySQL/MariaDB), fixed: text keys compare as the column's collation has
/// it in the database (case- and trailing-space-insensitive on MySQL), but
/// eager loads match the rows they fetched to their parents by exact Rust
/// equality. A child whose key differs from its parent's only in case is
/// referenced (the foreign key accepts it, a join finds it), fetched by
/// the `IN (..)` select, then dropped: `has_many` says the parent has no
/// such child and `belongs_to` leaves it unloaded. Where the database
/// compares exactly (PostgreSQL, SQLite) the odd key is refused or joins
/// nothing, and the case checks that loads agree with joins.
pub async fn text_keys_match_as_the_database_compares<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[AtkTag::META, AtkTagged::META]).await?;
    let tag = AtkTag::acreate(&db, AtkTag { name: "o'brien \\ \"x\"".into(), related: Relations::default() }).await?;
    AtkTagged::acreate(&db, AtkTagged { id: 0, tag: ForeignKey::new(tag.name.clone()), label: "exact".into() }).await?;
    let odd = AtkTagged { id: 0, tag: ForeignKey::new("O'BRIEN \\ \"X\"".to_owned()), label: "case".into() };
    let odd_accepted = AtkTagged::acreate(&db, odd).await.is_ok();

    // What the database joins.
    let joined = db.list(&AtkTagged::select().join_related(AtkTagged::TAG).order_by(AtkTagged::ID)).await?;
    let mut by_join: Vec<String> = joined.iter().map(|t| t.label.clone()).collect();
    by_join.sort();
    // What the eager loads give: the same rows, or (where the database
    // matched a key only loosely) an error saying so, never fewer rows.
    let query = AtkTag::select().with_related(Load::has_many(AtkTagged::TAG).order_by(AtkTagged::ID));
    let loose = by_join.len() == 2;
    match db.list(&query).await {
        Err(Error::Interface(message)) if loose => assert!(message.contains("loosely"), "{message}"),
        Err(error) => return Err(error),
        Ok(tags) => {
            assert!(!loose, "a loose match is reported, not dropped");
            let mut by_load: Vec<String> =
                tags[0].related.get(AtkTagged::TAG).expect("loaded").iter().map(|t| t.label.clone()).collect();
            by_load.sort();
            assert_eq!(by_load, by_join, "has_many agrees with the join (odd key accepted: {odd_accepted})");
        }
    }
    // Many-to-one: a key that matches its row only loosely is left
    // unloaded (not a wrong answer: `afetch` then looks it up, and the
    // database finds it), never given another row.
    let rows = db.list(&AtkTagged::select().with_related(AtkTagged::TAG).order_by(AtkTagged::ID)).await?;
    for row in &rows {
        match row.tag.get() {
            Some(tag) => assert_eq!(&tag.name, row.tag.key(), "loaded rows match exactly"),
            None => assert!(loose && row.label == "case", "only the loose key stays unloaded"),
        }
        assert_eq!(row.tag.afetch(&db).await?.name.to_lowercase(), tag.name.to_lowercase());
    }
    Ok(())
}

/// Was a bug, fixed: a compound of joined selects (or of selects with eager loads)
/// decodes as the model but silently drops the relations: the joined
/// columns are fetched and ignored, the loads never run, and each
/// `get()` is `None` (so `afetch` sends a query per row, which is what
/// the join was for).
pub async fn compound_of_joined_selects_keeps_relations<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    seed(&db).await?;
    let huey = Tweet::select().join_related(Tweet::USER).where_(User::NAME.eq("huey"));
    let mickey = Tweet::select().join_related(Tweet::USER).where_(User::NAME.eq("mickey"));
    let mut rows = db.list(&huey.union_all(mickey)).await?;
    rows.sort_by_key(|t| t.id);
    let authors: Vec<Option<String>> = rows.iter().map(|t| t.user.get().map(|u| u.name.clone())).collect();
    assert_eq!(authors, [Some("huey".to_owned()), Some("huey".to_owned()), Some("mickey".to_owned())]);
    Ok(())
}

/// Was a bug (MySQL/MariaDB), fixed: a relation joined twice selects its columns twice
/// under the same `field__column` aliases (only the table alias gets a
/// `_`), so the select is no longer valid as a derived table: `count`
/// fails with "Duplicate column name 'user__id'".
pub async fn relation_joined_twice_still_counts<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    seed(&db).await?;
    let twice = Tweet::select().join_related(Tweet::USER).join_related(Tweet::USER);
    let rows = db.list(&twice.clone().order_by(Tweet::ID)).await?;
    assert!(rows.iter().all(|t| t.user.get().is_some()));
    assert_eq!(db.count(&twice).await?, 3);
    Ok(())
}

/// Was a bug, fixed: eager loads on a stream hold the stream's connection while they
/// wait for a second one. Two streams at once on a pool of two (N streams
/// on a pool of N) each hold one and wait for the other's: neither moves
/// until the acquire timeout, then both fail.
pub async fn concurrent_streams_with_loads_do_not_deadlock<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return Ok(());
    }
    let config = Config::default().pool_size(2).acquire_timeout(Duration::from_secs(3));
    let db = T::open(config).await;
    seed(&db).await?;
    let query = users_query();
    let both = async {
        let a = db.iterate(&query).buffer_size(1).try_collect();
        let b = db.iterate(&query).buffer_size(1).try_collect();
        tokio::join!(a, b)
    };
    let (a, b) = tokio::time::timeout(Duration::from_secs(20), both).await.expect("no hang");
    assert_eq!(tweets_by_user(&a?), expected_tweets());
    assert_eq!(tweets_by_user(&b?), expected_tweets());
    Ok(())
}

/// Was a bug, fixed: a stream with eager loads is refused in a transaction only if the
/// transaction is open when `iterate` is called. Made before `atomic()`
/// and polled inside it, the stream reads the transaction's rows on the
/// task's connection and loads their relations on another connection,
/// which does not see the transaction's writes: wrong rows, no error.
pub async fn stream_made_before_a_transaction_sees_its_writes<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return Ok(());
    }
    let db = open::<T>().await;
    seed(&db).await?;
    let query = users_query();
    let stream = db.iterate(&query);
    let tx = db.atomic().await?;
    let zaizee = User::aget(&db, User::NAME.eq("zaizee")).await?;
    Tweet::acreate(&db, tweet(&zaizee, "late")).await?;
    let result = stream.try_collect().await;
    tx.rollback().await?;
    match result {
        // Refused, as `iterate` inside the transaction is: fine.
        Err(Error::Interface(message)) => assert!(message.contains("transaction"), "{message}"),
        Err(other) => return Err(other),
        Ok(users) => {
            let mut expected = expected_tweets();
            expected[2].1.push("late".into());
            assert_eq!(tweets_by_user(&users), expected, "the loads see the transaction's writes");
        }
    }
    Ok(())
}

/// Edge: self-referencing keys of type `i32`, nullable, loaded
/// three levels deep with `has_many`; a filter that keeps nothing gives
/// empty lists (loaded) and leaves `belongs_to` unloaded; the self-join
/// is aliased and counts; keys with quotes and UUID keys load.
pub async fn key_shapes_and_deep_loads<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[AtkNode::META, AtkThing::META, AtkPart::META]).await?;
    let node = |parent: Option<&AtkNode>, name: &str| AtkNode {
        id: 0,
        parent: parent.map(|p| ForeignKey::new(p.id)),
        name: name.into(),
        related: Relations::default(),
    };
    let root = AtkNode::acreate(&db, node(None, "root")).await?;
    let a = AtkNode::acreate(&db, node(Some(&root), "a")).await?;
    let b = AtkNode::acreate(&db, node(Some(&root), "b")).await?;
    let a1 = AtkNode::acreate(&db, node(Some(&a), "a1")).await?;
    AtkNode::acreate(&db, node(Some(&a1), "a1x")).await?;
    AtkNode::acreate(&db, node(Some(&b), "b1")).await?;

    let children = || Load::has_many(AtkNode::PARENT).order_by(AtkNode::ID);
    let query = AtkNode::select()
        .where_(AtkNode::PARENT.is_null())
        .with_related(children().with_related(children().with_related(children())));
    let roots = db.list(&query).await?;
    let names = |nodes: &[AtkNode]| nodes.iter().map(|n| n.name.clone()).collect::<Vec<_>>();
    let level1 = roots[0].related.get(AtkNode::PARENT).expect("level 1");
    assert_eq!(names(level1), ["a", "b"]);
    let level2 = level1[0].related.get(AtkNode::PARENT).expect("level 2");
    assert_eq!(names(level2), ["a1"]);
    let level3 = level2[0].related.get(AtkNode::PARENT).expect("level 3");
    assert_eq!(names(level3), ["a1x"]);

    // A filter that keeps nothing.
    let none = AtkNode::select()
        .order_by(AtkNode::ID)
        .with_related(children().where_(AtkNode::NAME.eq("nobody")))
        .with_related(Load::belongs_to(AtkNode::PARENT).where_(AtkNode::NAME.eq("nobody")));
    let rows = db.list(&none).await?;
    assert!(rows.iter().all(|n| n.related.get(AtkNode::PARENT).is_some_and(<[AtkNode]>::is_empty)));
    assert!(rows.iter().all(|n| n.parent.as_ref().is_none_or(|p| p.get().is_none())));

    // The self-join, aliased, and a count and `exists` of it.
    let joined = AtkNode::select().left_join_related(AtkNode::PARENT).order_by(AtkNode::ID);
    let rows = db.list(&joined).await?;
    let parents: Vec<Option<String>> =
        rows.iter().map(|n| n.parent.as_ref().and_then(|p| p.get()).map(|p| p.name.clone())).collect();
    let expected = [None, Some("root"), Some("root"), Some("a"), Some("a1"), Some("b")];
    assert_eq!(parents, expected.map(|p| p.map(str::to_owned)));
    assert_eq!(db.count(&joined).await?, 6);
    assert!(db.exists(&joined).await?);
    let page = db.list(&joined.clone().paginate(2, 2)).await?;
    assert_eq!(
        page.iter().map(|n| n.parent.as_ref().and_then(|p| p.get()).is_some()).collect::<Vec<_>>(),
        [true, true]
    );

    // Parents a join repeats share their children.
    let repeated = AtkNode::select()
        .join(Table::<AtkNode>::alias("kid"), AtkNode::PARENT.of("kid").eq(AtkNode::ID))
        .where_(AtkNode::NAME.eq("root"))
        .with_related(children());
    let rows = db.list(&repeated).await?;
    assert_eq!(rows.len(), 2);
    assert!(rows.iter().all(|n| n.related.get(AtkNode::PARENT).map(names) == Some(vec!["a".into(), "b".into()])));

    // UUID keys, nullable references.
    let thing = AtkThing::acreate(
        &db,
        AtkThing {
            id: uuid::Uuid::from_u128(0x1234_5678_9abc_def0_1122_3344_5566_7788),
            name: "t".into(),
            related: Relations::default(),
        },
    )
    .await?;
    AtkPart::acreate(&db, AtkPart { id: 0, thing: Some(ForeignKey::new(thing.id)), name: "p1".into() }).await?;
    AtkPart::acreate(&db, AtkPart { id: 0, thing: None, name: "p2".into() }).await?;
    let things = db.list(&AtkThing::select().with_related(Load::has_many(AtkPart::THING))).await?;
    assert_eq!(things[0].related.get(AtkPart::THING).map(<[AtkPart]>::len), Some(1));
    let parts = db.list(&AtkPart::select().order_by(AtkPart::ID).with_related(AtkPart::THING)).await?;
    assert_eq!(
        parts.iter().map(|p| p.thing.as_ref().and_then(|t| t.get()).is_some()).collect::<Vec<_>>(),
        [true, false]
    );
    Ok(())
}

/// Edge: a `with_related` list dropped at each of its operations
/// (stalled, or interrupted in flight), inside a transaction and outside:
/// the transaction goes on, the connection is clean for the next user.
pub async fn eager_list_dropped_at_every_operation<T: TestDb>() -> Result<()> {
    let db = faults::open::<T>(Config::default().pool_size(1).acquire_timeout(Duration::from_secs(3))).await;
    seed(&db).await?;
    let query = users_query();
    let faults = db.backend().faults();
    faults.clear();
    db.list(&query).await?;
    let ops = faults.count();
    assert!(ops >= 2, "{}", faults.render());
    for in_tx in [false, true] {
        for at in 0..ops + 2 {
            for fault in [Fault::Stall, Fault::Interrupt, Fault::StallAfter] {
                let tx = if in_tx { Some(db.atomic().await?) } else { None };
                faults.clear();
                faults.arm(at, fault);
                tokio::select! {
                    result = db.list(&query) => { result?; }
                    _ = faults.reached() => {}
                }
                faults.disarm();
                let again = tokio::time::timeout(Duration::from_secs(10), db.list(&query)).await.expect("no hang");
                assert_eq!(tweets_by_user(&again?), expected_tweets(), "at {at} {fault:?} in_tx {in_tx}");
                if let Some(tx) = tx {
                    tx.commit().await?;
                }
                let status = settled_pool_status(&db).await;
                assert_eq!(status.idle, status.open, "at {at} {fault:?}: {status:?}");
            }
        }
    }
    Ok(())
}

/// Edge: a stream dropped while its eager loads are in flight
/// (stalled or interrupted on the second connection), or whose load fails:
/// both connections come back and the next stream reads everything.
pub async fn stream_dropped_mid_load_gives_both_connections_back<T: TestDb>() -> Result<()> {
    if T::SINGLE_CONNECTION {
        return Ok(());
    }
    let db = faults::open::<T>(Config::default().pool_size(2).acquire_timeout(Duration::from_secs(3))).await;
    seed(&db).await?;
    let query = users_query();
    let faults = db.backend().faults();
    faults.clear();
    let users = db.iterate(&query).buffer_size(1).try_collect().await?;
    assert_eq!(tweets_by_user(&users), expected_tweets());
    let log = faults.log();
    let stream_conn = log.iter().find(|op| op.kind == OpKind::Stream).and_then(|op| op.conn);
    let loads: Vec<usize> =
        log.iter().filter(|op| op.kind == OpKind::Fetch && op.conn != stream_conn).map(|op| op.index).collect();
    assert!(!loads.is_empty(), "{}", faults.render());
    for &at in &loads {
        for fault in [Fault::Stall, Fault::Interrupt, Fault::Fail] {
            faults.clear();
            faults.arm(at, fault);
            let stream = db.iterate(&query).buffer_size(1).try_collect();
            if fault == Fault::Fail {
                assert!(stream.await.is_err(), "a failed load fails the stream");
            } else {
                tokio::select! {
                    result = stream => { result?; }
                    _ = faults.reached() => {}
                }
            }
            faults.disarm();
            let status = settled_pool_status(&db).await;
            assert_eq!(status.idle, status.open, "at {at} {fault:?}: {status:?}");
            let again =
                tokio::time::timeout(Duration::from_secs(10), db.iterate(&query).try_collect()).await.expect("no hang");
            assert_eq!(tweets_by_user(&again?), expected_tweets(), "at {at} {fault:?}");
        }
    }
    Ok(())
}

/// Was a bug (PostgreSQL; older than this feature, found through it), fixed: `exists`
/// replaces the projection with `1` but keeps `ORDER BY`, so an ordered
/// `DISTINCT` select (a joined one, to drop the rows a join repeats) fails:
/// "for SELECT DISTINCT, ORDER BY expressions must appear in select list".
pub async fn exists_of_an_ordered_distinct_select<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    seed(&db).await?;
    let query = Tweet::select().join_related(Tweet::USER).distinct().order_by(Tweet::ID);
    assert_eq!(db.list(&query).await?.len(), 3);
    assert!(db.exists(&query).await?);
    Ok(())
}
