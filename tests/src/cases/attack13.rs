//! Attacks on recursive deletes (`adelete_instance(..).recursive()`,
//! `.delete_nullable()`), many-to-many relations (`ManyToMany`) and the
//! `<field>_id` foreign-key columns.

#![allow(missing_docs)]

use std::future::IntoFuture;

use ormcore::backend::Backend;
use ormcore::prelude::*;
use ormcore::{ManyToMany, Transaction};

use crate::TestDb;
use crate::harness::{open, sql_for};

async fn raw<B: Backend>(db: &Database<B>, template: &str) -> Result<()> {
    db.aexecute_sql(&sql_for(db.dialect(), template), vec![]).await?;
    Ok(())
}

async fn scalar<B: Backend>(db: &Database<B>, template: &str) -> Result<i64> {
    let mut rows = db.aexecute_sql(&sql_for(db.dialect(), template), vec![]).await?;
    rows.fetchone().expect("a row").get::<i64>(0)
}

// ---------------------------------------------------------------- models

/// A tree: a nullable self reference.
#[derive(Model, Debug, Clone)]
pub struct Atk13Node {
    pub id: i64,
    pub name: String,
    pub parent: Option<ForeignKey<Atk13Node>>,
}

/// A non-nullable self reference with an application-assigned key.
#[derive(Model, Debug, Clone)]
pub struct Atk13Loop {
    #[orm(primary_key)]
    pub code: i64,
    pub parent: ForeignKey<Atk13Loop>,
}

/// Two tables that reference each other through nullable keys.
#[derive(Model, Debug, Clone)]
pub struct Atk13Ping {
    pub id: i64,
    pub pong: Option<ForeignKey<Atk13Pong>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13Pong {
    pub id: i64,
    pub ping: Option<ForeignKey<Atk13Ping>>,
}

/// A parent with a wide fan-out of children that are themselves
/// referenced (so they are looked up, not deleted as leaves), and of
/// nullable references.
#[derive(Model, Debug, Clone, Default)]
pub struct Atk13Root {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13Kid {
    pub id: i64,
    pub root: ForeignKey<Atk13Root>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13Grandkid {
    pub id: i64,
    pub kid: ForeignKey<Atk13Kid>,
    pub watcher: Option<ForeignKey<Atk13Root>>,
}

/// A text key, referenced by a table that is itself referenced.
#[derive(Model, Debug, Clone)]
pub struct Atk13Tag {
    #[orm(primary_key, max_length = 20)]
    pub code: String,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13Tagged {
    pub id: i64,
    pub tag: ForeignKey<Atk13Tag>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13TaggedNote {
    pub id: i64,
    pub tagged: ForeignKey<Atk13Tagged>,
}

/// A uuid key, referenced by a referenced table.
#[derive(Model, Debug, Clone)]
pub struct Atk13Doc {
    #[orm(primary_key)]
    pub id: uuid::Uuid,
    pub title: String,
    #[orm(relations)]
    pub related: Relations,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13Page {
    pub id: i64,
    pub doc: ForeignKey<Atk13Doc>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13Line {
    pub id: i64,
    pub page: ForeignKey<Atk13Page>,
}

/// Two models of one table.
#[derive(Model, Debug, Clone)]
#[orm(table = "atk13_shared")]
pub struct Atk13SharedA {
    pub id: i64,
    pub root: ForeignKey<Atk13Root>,
}

#[derive(Model, Debug, Clone)]
#[orm(table = "atk13_shared")]
pub struct Atk13SharedB {
    pub id: i64,
    #[orm(column = "root_id")]
    pub owner: ForeignKey<Atk13Root>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13SharedChild {
    pub id: i64,
    pub shared: ForeignKey<Atk13SharedA>,
}

/// A model whose table is never created, referencing the root.
#[derive(Model, Debug, Clone)]
pub struct Atk13Ghost {
    pub id: i64,
    pub root: ForeignKey<Atk13Root>,
}

/// Keys with database actions.
#[derive(Model, Debug, Clone)]
pub struct Atk13Cascading {
    pub id: i64,
    #[orm(on_delete = "cascade")]
    pub root: ForeignKey<Atk13Root>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13Restricting {
    pub id: i64,
    #[orm(on_delete = "restrict")]
    pub cascading: ForeignKey<Atk13Cascading>,
    #[orm(on_delete = "set null")]
    pub root: Option<ForeignKey<Atk13Root>>,
}

/// A hooked root.
#[derive(Model, Debug, Clone, Default)]
#[orm(hooks)]
pub struct Atk13Hooked {
    pub id: i64,
    pub title: String,
}

#[derive(Model, Debug, Clone, Default)]
pub struct Atk13Log {
    pub id: i64,
    pub event: String,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13HookedKid {
    pub id: i64,
    pub hooked: ForeignKey<Atk13Hooked>,
}

impl Hooks for Atk13Hooked {
    async fn before_delete<B: Backend>(&self, tx: &Transaction<B>) -> Result<()> {
        let kids = tx.count(&Atk13HookedKid::select()).await?;
        Atk13Log::acreate(tx, Atk13Log { id: 0, event: format!("before {} kids={kids}", self.title) }).await?;
        Ok(())
    }

    async fn after_delete<B: Backend>(&self, tx: &Transaction<B>) -> Result<()> {
        let kids = tx.count(&Atk13HookedKid::select()).await?;
        Atk13Log::acreate(tx, Atk13Log { id: 0, event: format!("after {} kids={kids}", self.title) }).await?;
        if self.title == "fail after" {
            return Err(Error::interface("refused by after_delete"));
        }
        Ok(())
    }
}

/// Self many-to-many.
#[derive(Model, Debug, Clone, Default)]
pub struct Atk13Person {
    pub id: i64,
    pub name: String,
    #[orm(relations)]
    pub related: Relations,
}

#[derive(Model, Debug, Clone)]
#[orm(primary_key(from, to))]
pub struct Atk13Friendship {
    pub from: ForeignKey<Atk13Person>,
    pub to: ForeignKey<Atk13Person>,
}

impl Atk13Person {
    pub const FRIENDS: ManyToMany<Atk13Friendship, Atk13Person, Atk13Person> =
        ManyToMany::through(Atk13Friendship::FROM, Atk13Friendship::TO);
    pub const FRIENDED_BY: ManyToMany<Atk13Friendship, Atk13Person, Atk13Person> =
        ManyToMany::through(Atk13Friendship::TO, Atk13Friendship::FROM);
}

/// A junction with its own key and a column named like the target's.
#[derive(Model, Debug, Clone, Default)]
pub struct Atk13Book {
    pub id: i64,
    pub title: String,
    #[orm(relations)]
    pub related: Relations,
}

#[derive(Model, Debug, Clone, Default)]
pub struct Atk13Shelf {
    pub id: i64,
    pub title: String,
    #[orm(relations)]
    pub related: Relations,
}

#[derive(Model, Debug, Clone)]
pub struct Atk13Placement {
    pub id: i64,
    pub shelf: ForeignKey<Atk13Shelf>,
    pub book: ForeignKey<Atk13Book>,
    #[orm(default = "junction")]
    pub title: String,
}

impl Atk13Shelf {
    pub const BOOKS: ManyToMany<Atk13Placement, Atk13Shelf, Atk13Book> =
        ManyToMany::through(Atk13Placement::SHELF, Atk13Placement::BOOK);
}

/// A many-to-many to uuid-keyed rows.
#[derive(Model, Debug, Clone)]
#[orm(primary_key(shelf, doc))]
pub struct Atk13ShelfDoc {
    pub shelf: ForeignKey<Atk13Shelf>,
    pub doc: ForeignKey<Atk13Doc>,
}

impl Atk13Shelf {
    pub const DOCS: ManyToMany<Atk13ShelfDoc, Atk13Shelf, Atk13Doc> =
        ManyToMany::through(Atk13ShelfDoc::SHELF, Atk13ShelfDoc::DOC);
}

impl Atk13Doc {
    pub const SHELVES: ManyToMany<Atk13ShelfDoc, Atk13Doc, Atk13Shelf> =
        ManyToMany::through(Atk13ShelfDoc::DOC, Atk13ShelfDoc::SHELF);
}

/// Foreign-key column naming and indexes.
#[derive(Model, Debug, Clone)]
pub struct Atk13Naming {
    pub id: i64,
    #[orm(index = false)]
    pub root: ForeignKey<Atk13Root>,
    pub owner_id: ForeignKey<Atk13Root>,
    #[orm(column = "custom_col")]
    pub other: Option<ForeignKey<Atk13Root>>,
    #[orm(unique)]
    pub only: Option<ForeignKey<Atk13Root>>,
}

fn fresh_uuid() -> uuid::Uuid {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    uuid::Uuid::from_u128(0xabcdef01_2345_4678_9abc_000000000000u128 | u128::from(n))
}

fn node(name: &str, parent: Option<i64>) -> Atk13Node {
    Atk13Node { id: 0, name: name.into(), parent: parent.map(ForeignKey::new) }
}

// --------------------------------------------------------- recursive delete

/// A row whose nullable parent is itself: `.recursive()` clears it,
/// `.delete_nullable()` deletes it (a plain DELETE does too).
pub async fn delete_attack_self_loop_nullable<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Node::META]).await?;
    let a = Atk13Node::acreate(&db, node("a", None)).await?;
    raw(&db, &format!("UPDATE {{atk13_node}} SET parent_id = {} WHERE id = {}", a.id, a.id)).await?;
    assert_eq!(a.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(db.count(&Atk13Node::select()).await?, 0);

    let b = Atk13Node::acreate(&db, node("b", None)).await?;
    raw(&db, &format!("UPDATE {{atk13_node}} SET parent_id = {} WHERE id = {}", b.id, b.id)).await?;
    let child = Atk13Node::acreate(&db, node("child", Some(b.id))).await?;
    let _ = child;
    let result = b.adelete_instance(&db).delete_nullable().await;
    assert_eq!(result?, 1, "a row pointing at itself is not a cycle between rows to order");
    assert_eq!(db.count(&Atk13Node::select()).await?, 0);
    Ok(())
}

/// A non-nullable self loop: a plain DELETE removes it; the recursive one
/// does too, except on InnoDB, which refuses to delete a row referencing
/// itself through a key it cannot clear.
pub async fn delete_attack_self_loop_not_null<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Loop::META]).await?;
    let one = Atk13Loop::acreate(&db, Atk13Loop { code: 1, parent: ForeignKey::new(1) }).await?;
    Atk13Loop::acreate(&db, Atk13Loop { code: 2, parent: ForeignKey::new(1) }).await?;
    Atk13Loop::acreate(&db, Atk13Loop { code: 3, parent: ForeignKey::new(2) }).await?;
    let result = one.adelete_instance(&db).recursive().await;
    if matches!(db.dialect().name(), "MySQL" | "MariaDB") {
        // InnoDB refuses to delete a row that references itself through a
        // key that cannot be cleared (disclosed): all or nothing.
        let refused = result.expect_err("InnoDB keeps a row that references itself");
        assert_eq!(refused.constraint_kind(), Some(ConstraintKind::ForeignKey), "{refused:?}");
        assert_eq!(db.count(&Atk13Loop::select()).await?, 3);
        return Ok(());
    }
    assert_eq!(result?, 1, "rows 3, 2 then 1");
    assert_eq!(db.count(&Atk13Loop::select()).await?, 0);
    Ok(())
}

/// A deep tree through a nullable self key with delete_nullable, and
/// `.recursive()` only clearing the direct children.
pub async fn delete_attack_tree_nullable<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Node::META]).await?;
    let root = Atk13Node::acreate(&db, node("root", None)).await?;
    let other = Atk13Node::acreate(&db, node("other", None)).await?;
    let mut frontier = vec![root.id];
    for depth in 0..6 {
        let mut next = Vec::new();
        for parent in &frontier {
            for n in 0..2 {
                let n = Atk13Node::acreate(&db, node(&format!("d{depth}n{n}"), Some(*parent))).await?;
                next.push(n.id);
            }
        }
        frontier = next;
    }
    Atk13Node::acreate(&db, node("other's", Some(other.id))).await?;
    let total = db.count(&Atk13Node::select()).await?;
    assert_eq!(total, 2 + 126 + 1);

    // recursive only: the two children are cleared, nothing else goes.
    let copy = root.clone();
    assert_eq!(copy.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(db.count(&Atk13Node::select()).await?, total - 1);
    assert_eq!(db.count(&Atk13Node::select().where_(Atk13Node::PARENT.is_null())).await?, 3);

    // delete_nullable from one of the now-orphaned children: its 62 descendants and itself.
    let orphan = Atk13Node::aget(&db, Atk13Node::NAME.eq("d0n0")).await?;
    assert_eq!(orphan.adelete_instance(&db).delete_nullable().await?, 1);
    assert_eq!(db.count(&Atk13Node::select()).await?, total - 1 - 63);
    Ok(())
}

/// Mutual nullable keys between two tables: `.recursive()` clears;
/// `.delete_nullable()` is refused (documented) and leaves everything,
/// also inside an outer transaction that then commits.
pub async fn delete_attack_mutual_cycle<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    // acreate_tables cannot create two tables that reference each other on
    // PostgreSQL and MySQL (not the point here): their tables without the
    // constraints there.
    match db.dialect().name() {
        "SQLite" => db.acreate_tables(&[Atk13Ping::META, Atk13Pong::META]).await?,
        "PostgreSQL" => {
            raw(&db, "CREATE TABLE {atk13_ping} (id BIGSERIAL PRIMARY KEY, pong_id BIGINT NULL)").await?;
            raw(&db, "CREATE TABLE {atk13_pong} (id BIGSERIAL PRIMARY KEY, ping_id BIGINT NULL)").await?;
        }
        _ => {
            raw(&db, "CREATE TABLE {atk13_ping} (id BIGINT AUTO_INCREMENT PRIMARY KEY, pong_id BIGINT NULL)").await?;
            raw(&db, "CREATE TABLE {atk13_pong} (id BIGINT AUTO_INCREMENT PRIMARY KEY, ping_id BIGINT NULL)").await?;
        }
    }
    let ping = Atk13Ping::acreate(&db, Atk13Ping { id: 0, pong: None }).await?;
    let pong = Atk13Pong::acreate(&db, Atk13Pong { id: 0, ping: Some(ForeignKey::new(ping.id)) }).await?;
    raw(&db, &format!("UPDATE {{atk13_ping}} SET pong_id = {} WHERE id = {}", pong.id, ping.id)).await?;
    // An unrelated ping pointing at pong (through the nullable key).
    let bystander = Atk13Ping::acreate(&db, Atk13Ping { id: 0, pong: Some(ForeignKey::new(pong.id)) }).await?;

    let tx = db.atomic().await?;
    let refused = ping.adelete_instance(&tx).delete_nullable().await;
    assert!(matches!(refused, Err(Error::Interface { .. })), "{refused:?}");
    // The outer transaction goes on and commits: the refused delete left nothing.
    tx.commit().await?;
    assert_eq!(db.count(&Atk13Ping::select()).await?, 2);
    assert_eq!(db.count(&Atk13Pong::select().where_(Atk13Pong::PING.is_not_null())).await?, 1);
    assert_eq!(db.count(&Atk13Ping::select().where_(Atk13Ping::PONG.is_not_null())).await?, 2);

    assert_eq!(ping.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(db.count(&Atk13Pong::select().where_(Atk13Pong::PING.is_null())).await?, 1);
    assert!(Atk13Ping::aget_or_none(&db, Atk13Ping::ID.eq(bystander.id)).await?.is_some());
    // The pong now: its delete_nullable takes the bystander ping too.
    let pong = Atk13Pong::aget(&db, Atk13Pong::ID.eq(pong.id)).await?;
    assert_eq!(pong.adelete_instance(&db).delete_nullable().await?, 1);
    assert_eq!((db.count(&Atk13Ping::select()).await?, db.count(&Atk13Pong::select()).await?), (0, 0));
    Ok(())
}

async fn wide<T: TestDb>(kids: usize) -> Result<(Database<T::Backend>, Atk13Root)> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Root::META, Atk13Kid::META, Atk13Grandkid::META]).await?;
    let root = Atk13Root::acreate(&db, Atk13Root { id: 0, name: "root".into() }).await?;
    let other = Atk13Root::acreate(&db, Atk13Root { id: 0, name: "other".into() }).await?;
    let mut rows: Vec<Atk13Kid> = (0..kids).map(|_| Atk13Kid { id: 0, root: ForeignKey::new(root.id) }).collect();
    Atk13Kid::abulk_create(&db, &mut rows).await?;
    let mut other_kids: Vec<Atk13Kid> = (0..3).map(|_| Atk13Kid { id: 0, root: ForeignKey::new(other.id) }).collect();
    Atk13Kid::abulk_create(&db, &mut other_kids).await?;
    // Every kid has a grandkid; half of those are watched by the root
    // (nullable), and the other kids' grandkids are watched by the root.
    let mut grand: Vec<Atk13Grandkid> = rows
        .iter()
        .enumerate()
        .map(|(n, kid)| Atk13Grandkid {
            id: 0,
            kid: ForeignKey::new(kid.id),
            watcher: (n % 2 == 0).then(|| ForeignKey::new(root.id)),
        })
        .chain(other_kids.iter().map(|kid| Atk13Grandkid {
            id: 0,
            kid: ForeignKey::new(kid.id),
            watcher: Some(ForeignKey::new(root.id)),
        }))
        .collect();
    Atk13Grandkid::abulk_create(&db, &mut grand).await?;
    Ok((db, root))
}

/// Thousands of dependents: past SQLite's 999 and in batches below
/// PostgreSQL's 65535 parameters.
pub async fn delete_attack_wide_fanout<T: TestDb>() -> Result<()> {
    let (db, root) = wide::<T>(4500).await?;
    assert_eq!(root.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(db.count(&Atk13Kid::select()).await?, 3, "the other root's kids stay");
    assert_eq!(db.count(&Atk13Grandkid::select()).await?, 3, "their grandkids stay, unwatched");
    assert_eq!(db.count(&Atk13Grandkid::select().where_(Atk13Grandkid::WATCHER.is_null())).await?, 3);
    assert_eq!(db.count(&Atk13Root::select()).await?, 1);
    Ok(())
}

/// Wide and delete_nullable, cut at every await: all or nothing.
pub async fn delete_attack_wide_fanout_cancelled<T: TestDb>() -> Result<()> {
    let (db, root) = wide::<T>(1500).await?;
    for polls in 1.. {
        let done =
            crate::cases::hooks::poll_then_drop(root.adelete_instance(&db).delete_nullable().into_future(), polls)
                .await;
        let kids = Expr::<ormcore::types::Integer>::subquery(Atk13Kid::select().columns(func::count_star()));
        let grand = Expr::<ormcore::types::Integer>::subquery(Atk13Grandkid::select().columns(func::count_star()));
        let snapshot = Atk13Root::select().columns((func::count_star(), kids, grand));
        let counts: (i64, i64, i64) = db.get(&snapshot).await?;
        if let Some(result) = done {
            assert!(result? <= 1);
            assert_eq!(counts, (1, 3, 0), "the other's grandkids were watched by root");
            break;
        }
        assert!(matches!(counts, (2, 1503, 1503) | (1, 3, 0)), "after {polls} polls: {counts:?}");
        if counts.0 == 1 {
            break;
        }
        assert!(polls < 500, "never completed");
    }
    Ok(())
}

/// A text key referenced through a key that the database compares equal
/// but spells differently (MySQL's case-insensitive, pad-space collation).
pub async fn delete_attack_text_key_spelled_differently<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Tag::META, Atk13Tagged::META, Atk13TaggedNote::META]).await?;
    let tag = Atk13Tag::acreate(&db, Atk13Tag { code: "abc".into() }).await?;
    let mysql = matches!(db.dialect().name(), "MySQL" | "MariaDB");
    let spellings: &[&str] = if mysql { &["abc", "ABC", "Abc "] } else { &["abc"] };
    for spelling in spellings {
        let tagged =
            Atk13Tagged::acreate(&db, Atk13Tagged { id: 0, tag: ForeignKey::new(spelling.to_string()) }).await?;
        Atk13TaggedNote::acreate(&db, Atk13TaggedNote { id: 0, tagged: ForeignKey::new(tagged.id) }).await?;
    }
    let result = tag.adelete_instance(&db).recursive().await;
    let counts = (
        db.count(&Atk13Tag::select()).await?,
        db.count(&Atk13Tagged::select()).await?,
        db.count(&Atk13TaggedNote::select()).await?,
    );
    assert_eq!(result?, 1, "the instance's own row, counted once; left {counts:?}");
    assert_eq!(counts, (0, 0, 0));
    Ok(())
}

/// A uuid key (text on SQLite and MySQL) through two levels.
pub async fn delete_attack_uuid_key<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Doc::META, Atk13Page::META, Atk13Line::META]).await?;
    let doc =
        Atk13Doc::acreate(&db, Atk13Doc { id: fresh_uuid(), title: "d".into(), related: Relations::default() }).await?;
    let keep =
        Atk13Doc::acreate(&db, Atk13Doc { id: fresh_uuid(), title: "k".into(), related: Relations::default() }).await?;
    for d in [&doc, &keep] {
        for _ in 0..3 {
            let page = Atk13Page::acreate(&db, Atk13Page { id: 0, doc: ForeignKey::new(d.id) }).await?;
            Atk13Line::acreate(&db, Atk13Line { id: 0, page: ForeignKey::new(page.id) }).await?;
        }
    }
    assert_eq!(doc.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(
        (
            db.count(&Atk13Doc::select()).await?,
            db.count(&Atk13Page::select()).await?,
            db.count(&Atk13Line::select()).await?
        ),
        (1, 3, 3)
    );
    Ok(())
}

/// Two models of one table, both referencing the root; a third model
/// referencing one of them; a model whose table is absent.
pub async fn delete_attack_two_models_one_table<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Root::META, Atk13SharedA::META, Atk13SharedChild::META]).await?;
    let root = Atk13Root::acreate(&db, Atk13Root { id: 0, name: "r".into() }).await?;
    for _ in 0..3 {
        let s = Atk13SharedA::acreate(&db, Atk13SharedA { id: 0, root: ForeignKey::new(root.id) }).await?;
        Atk13SharedChild::acreate(&db, Atk13SharedChild { id: 0, shared: ForeignKey::new(s.id) }).await?;
    }
    assert_eq!(root.adelete_instance(&db).recursive().await?, 1);
    assert_eq!((db.count(&Atk13SharedB::select()).await?, db.count(&Atk13SharedChild::select()).await?), (0, 0));
    Ok(())
}

/// ON DELETE CASCADE / RESTRICT / SET NULL in the DDL, under the walk.
pub async fn delete_attack_database_actions<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Root::META, Atk13Cascading::META, Atk13Restricting::META]).await?;
    let root = Atk13Root::acreate(&db, Atk13Root { id: 0, name: "r".into() }).await?;
    let other = Atk13Root::acreate(&db, Atk13Root { id: 0, name: "o".into() }).await?;
    let c = Atk13Cascading::acreate(&db, Atk13Cascading { id: 0, root: ForeignKey::new(root.id) }).await?;
    let oc = Atk13Cascading::acreate(&db, Atk13Cascading { id: 0, root: ForeignKey::new(other.id) }).await?;
    Atk13Restricting::acreate(
        &db,
        Atk13Restricting { id: 0, cascading: ForeignKey::new(c.id), root: Some(ForeignKey::new(other.id)) },
    )
    .await?;
    let kept = Atk13Restricting::acreate(
        &db,
        Atk13Restricting { id: 0, cascading: ForeignKey::new(oc.id), root: Some(ForeignKey::new(root.id)) },
    )
    .await?;
    // The plain delete: RESTRICT refuses (through the cascade).
    assert!(root.adelete_instance(&db).await.is_err());
    assert_eq!(root.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(db.count(&Atk13Cascading::select()).await?, 1);
    let kept = Atk13Restricting::aget(&db, Atk13Restricting::ID.eq(kept.id)).await?;
    assert!(kept.root.is_none());
    assert_eq!(db.count(&Atk13Restricting::select()).await?, 1);
    Ok(())
}

/// The root's hooks run once each, inside the transaction (before sees
/// the dependents, after sees them gone); an after_delete error undoes
/// everything, dependents included.
pub async fn delete_attack_hooks_on_the_root<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Hooked::META, Atk13HookedKid::META, Atk13Log::META]).await?;
    let ok = Atk13Hooked::acreate(&db, Atk13Hooked { id: 0, title: "ok".into() }).await?;
    let fail = Atk13Hooked::acreate(&db, Atk13Hooked { id: 0, title: "fail after".into() }).await?;
    for h in [&ok, &ok, &fail] {
        Atk13HookedKid::acreate(&db, Atk13HookedKid { id: 0, hooked: ForeignKey::new(h.id) }).await?;
    }
    assert!(fail.adelete_instance(&db).recursive().await.is_err());
    assert_eq!(db.count(&Atk13HookedKid::select()).await?, 3, "the kid of the failed delete is back");
    assert_eq!(db.count(&Atk13Log::select()).await?, 0, "the logs too");
    assert_eq!(db.count(&Atk13Hooked::select()).await?, 2);

    assert_eq!(ok.adelete_instance(&db).recursive().await?, 1);
    let events = db.list(&Atk13Log::select().columns(Atk13Log::EVENT).order_by(Atk13Log::ID)).await?;
    assert_eq!(events, ["before ok kids=3", "after ok kids=1"]);
    Ok(())
}

/// Inside an outer transaction rolled back: nothing of the recursive
/// delete stays.
pub async fn delete_attack_in_outer_transaction<T: TestDb>() -> Result<()> {
    let (db, root) = wide::<T>(50).await?;
    let tx = db.atomic().await?;
    assert_eq!(root.adelete_instance(&tx).delete_nullable().await?, 1);
    assert_eq!(tx.count(&Atk13Kid::select()).await?, 3);
    tx.rollback().await?;
    assert_eq!(db.count(&Atk13Kid::select()).await?, 53);
    assert_eq!(db.count(&Atk13Grandkid::select()).await?, 53);
    assert_eq!(db.count(&Atk13Root::select()).await?, 2);
    Ok(())
}

/// `<field>_id` names, `index = false`, `column = ".."`, `unique` needing
/// no extra index.
pub async fn delete_attack_fk_naming_and_indexes<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Root::META, Atk13Naming::META]).await?;
    let names: Vec<&str> = Atk13Naming::META.columns.iter().map(|c| c.name).collect();
    assert_eq!(names, ["id", "root_id", "owner_id", "custom_col", "only_id"]);
    let catalog = match db.dialect().name() {
        "SQLite" => {
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'atk13_naming' AND sql IS NOT NULL"
        }
        "PostgreSQL" => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'atk13_naming'"
        }
        _ => {
            "SELECT DISTINCT index_name FROM information_schema.statistics \
              WHERE table_schema = DATABASE() AND table_name = 'atk13_naming'"
        }
    };
    let mut idx: Vec<String> =
        db.aexecute_sql(catalog, vec![]).await?.fetchall().iter().map(|row| row.get(0)).collect::<Result<_>>()?;
    idx.sort();
    assert!(idx.iter().any(|n| n == "atk13_naming_owner_id"), "{idx:?}");
    assert!(idx.iter().any(|n| n == "atk13_naming_custom_col"), "{idx:?}");
    // MySQL makes an index for every foreign key on its own; elsewhere
    // `index = false` leaves root_id without one.
    if !matches!(db.dialect().name(), "MySQL" | "MariaDB") {
        assert!(!idx.iter().any(|n| n.contains("root_id")), "{idx:?}");
    }
    assert!(!idx.iter().any(|n| n == "atk13_naming_only_id"), "unique needs no other index: {idx:?}");
    let r = Atk13Root::acreate(&db, Atk13Root { id: 0, name: "r".into() }).await?;
    Atk13Naming::acreate(
        &db,
        Atk13Naming {
            id: 0,
            root: ForeignKey::new(r.id),
            owner_id: ForeignKey::new(r.id),
            other: Some(ForeignKey::new(r.id)),
            only: Some(ForeignKey::new(r.id)),
        },
    )
    .await?;
    assert_eq!(
        scalar(&db, "SELECT COUNT(*) FROM {atk13_naming} WHERE custom_col IS NOT NULL AND only_id IS NOT NULL").await?,
        1
    );
    assert_eq!(r.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(db.count(&Atk13Naming::select()).await?, 0);
    Ok(())
}

// ------------------------------------------------------------ many to many

fn person(name: &str) -> Atk13Person {
    Atk13Person { name: name.into(), ..Atk13Person::default() }
}

/// From == To: friends, both directions, eager loads, recursive delete of
/// a person who is on both sides of links.
pub async fn m2m_attack_self_friends<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Person::META, Atk13Friendship::META]).await?;
    let ann = Atk13Person::acreate(&db, person("ann")).await?;
    let bob = Atk13Person::acreate(&db, person("bob")).await?;
    let cat = Atk13Person::acreate(&db, person("cat")).await?;
    assert_eq!(Atk13Person::FRIENDS.add(&db, &ann, [&bob, &cat, &ann]).await?, 3, "a friend of oneself too");
    assert_eq!(Atk13Person::FRIENDS.add(&db, &bob, [&ann]).await?, 1);
    assert_eq!(Atk13Person::FRIENDED_BY.add(&db, &ann, [&bob]).await?, 0, "bob -> ann exists");
    let names = |q: Select<Atk13Person>| {
        let db = &db;
        async move { db.list(&q.columns(Atk13Person::NAME).order_by(Atk13Person::NAME)).await }
    };
    assert_eq!(names(Atk13Person::FRIENDS.of(&ann)).await?, ["ann", "bob", "cat"]);
    assert_eq!(names(Atk13Person::FRIENDED_BY.of(&ann)).await?, ["ann", "bob"]);
    assert_eq!(names(Atk13Person::FRIENDED_BY.of(&cat)).await?, ["ann"]);
    assert_eq!(
        names(Atk13Person::FRIENDS.of(&ann).where_(Atk13Person::NAME.ne("ann"))).await?,
        ["bob", "cat"],
        "a filter on the target, not the owner"
    );

    let people = db
        .list(
            &Atk13Person::select()
                .order_by(Atk13Person::NAME)
                .with_related(Atk13Person::FRIENDS.load())
                .with_related(Atk13Person::FRIENDED_BY.load()),
        )
        .await?;
    let friends: Vec<(Vec<&str>, Vec<&str>)> = people
        .iter()
        .map(|p| {
            let mut f: Vec<&str> = Atk13Person::FRIENDS.loaded(p).unwrap().iter().map(|p| p.name.as_str()).collect();
            let mut b: Vec<&str> =
                Atk13Person::FRIENDED_BY.loaded(p).unwrap().iter().map(|p| p.name.as_str()).collect();
            f.sort();
            b.sort();
            (f, b)
        })
        .collect();
    assert_eq!(
        friends,
        [(vec!["ann", "bob", "cat"], vec!["ann", "bob"]), (vec!["ann"], vec!["ann"]), (vec![], vec!["ann"]),]
    );

    assert_eq!(ann.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(db.count(&Atk13Friendship::select()).await?, 0);
    assert_eq!(db.count(&Atk13Person::select()).await?, 2);
    Ok(())
}

/// A junction with its own `id` and a `title` like the target's: `of`
/// selects the target's columns, `loaded` finds the targets.
pub async fn m2m_attack_junction_with_colliding_columns<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Shelf::META, Atk13Book::META, Atk13Placement::META]).await?;
    let shelf = Atk13Shelf::acreate(&db, Atk13Shelf { title: "top".into(), ..Default::default() }).await?;
    // Make the ids differ between tables.
    for _ in 0..5 {
        Atk13Placement::acreate(
            &db,
            Atk13Placement {
                id: 0,
                shelf: ForeignKey::new(shelf.id),
                book: ForeignKey::new(
                    Atk13Book::acreate(&db, Atk13Book { title: "filler".into(), ..Default::default() }).await?.id,
                ),
                title: "p".into(),
            },
        )
        .await?;
    }
    Atk13Placement::delete().aexecute(&db).await?;
    let dune = Atk13Book::acreate(&db, Atk13Book { title: "dune".into(), ..Default::default() }).await?;
    let emma = Atk13Book::acreate(&db, Atk13Book { title: "emma".into(), ..Default::default() }).await?;
    assert_eq!(Atk13Shelf::BOOKS.add(&db, &shelf, [&dune, &emma, &dune]).await?, 2);
    let books = db.list(&Atk13Shelf::BOOKS.of(&shelf).order_by(Atk13Book::TITLE)).await?;
    let got: Vec<(i64, &str)> = books.iter().map(|b| (b.id, b.title.as_str())).collect();
    assert_eq!(got, [(dune.id, "dune"), (emma.id, "emma")], "the book's own id and title, not the junction's");
    assert_eq!(db.count(&Atk13Shelf::BOOKS.of(&shelf).where_(Atk13Book::TITLE.eq("dune"))).await?, 1);
    assert!(db.exists(&Atk13Shelf::BOOKS.of(&shelf).where_(Atk13Book::ID.eq(emma.id))).await?);
    let titles = db.list(&Atk13Placement::select().columns(Atk13Placement::TITLE).distinct()).await?;
    assert_eq!(titles, ["junction"]);
    // A duplicate link made by hand: of() shows it twice, add adds nothing.
    Atk13Placement::acreate(
        &db,
        Atk13Placement { id: 0, shelf: ForeignKey::new(shelf.id), book: ForeignKey::new(dune.id), title: "dup".into() },
    )
    .await?;
    assert_eq!(db.count(&Atk13Shelf::BOOKS.of(&shelf)).await?, 3);
    assert_eq!(Atk13Shelf::BOOKS.add(&db, &shelf, [&dune]).await?, 0);
    let shelves = db.list(&Atk13Shelf::select().with_related(Atk13Shelf::BOOKS.load())).await?;
    let mut loaded: Vec<&str> =
        Atk13Shelf::BOOKS.loaded(&shelves[0]).unwrap().iter().map(|b| b.title.as_str()).collect();
    loaded.sort();
    assert_eq!(loaded, ["dune", "dune", "emma"]);
    assert_eq!(Atk13Shelf::BOOKS.remove(&db, &shelf, [&dune]).await?, 2);
    assert_eq!(Atk13Shelf::BOOKS.clear(&db, &shelf).await?, 1);
    Ok(())
}

/// Thousands of targets: past SQLite's parameter limit, once and again
/// with an overlap; then remove them all.
pub async fn m2m_attack_huge_lists<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Shelf::META, Atk13Book::META, Atk13Placement::META]).await?;
    let shelf = Atk13Shelf::acreate(&db, Atk13Shelf { title: "big".into(), ..Default::default() }).await?;
    let mut books: Vec<Atk13Book> =
        (0..3000).map(|n| Atk13Book { title: format!("b{n}"), ..Default::default() }).collect();
    Atk13Book::abulk_create(&db, &mut books).await?;
    assert_eq!(Atk13Shelf::BOOKS.add(&db, &shelf, books[..2000].iter()).await?, 2000);
    assert_eq!(Atk13Shelf::BOOKS.add(&db, &shelf, books.iter().chain(books.iter())).await?, 1000);
    assert_eq!(db.count(&Atk13Shelf::BOOKS.of(&shelf)).await?, 3000);
    assert_eq!(Atk13Shelf::BOOKS.remove(&db, &shelf, books.iter()).await?, 3000);
    assert_eq!(db.count(&Atk13Placement::select()).await?, 0);
    Ok(())
}

/// A target never saved (key 0) among saved ones: refused, and nothing of
/// the call is linked.
pub async fn m2m_attack_unsaved_target<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Shelf::META, Atk13Book::META, Atk13Placement::META]).await?;
    let shelf = Atk13Shelf::acreate(&db, Atk13Shelf { title: "s".into(), ..Default::default() }).await?;
    let saved = Atk13Book::acreate(&db, Atk13Book { title: "saved".into(), ..Default::default() }).await?;
    let unsaved = Atk13Book { title: "unsaved".into(), ..Default::default() };
    let result = Atk13Shelf::BOOKS.add(&db, &shelf, [&saved, &unsaved]).await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(db.count(&Atk13Placement::select()).await?, 0, "all or nothing");
    let unsaved_shelf = Atk13Shelf { title: "u".into(), ..Default::default() };
    let result = Atk13Shelf::BOOKS.add(&db, &unsaved_shelf, [&saved]).await;
    assert!(result.is_err(), "{result:?}");
    assert_eq!(db.count(&Atk13Placement::select()).await?, 0);
    Ok(())
}

/// uuid-keyed targets (stored as text on SQLite and MySQL): adding a link
/// that exists adds nothing.
pub async fn m2m_attack_uuid_targets_added_twice<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk13Shelf::META, Atk13Doc::META, Atk13ShelfDoc::META]).await?;
    let shelf = Atk13Shelf::acreate(&db, Atk13Shelf { title: "s".into(), ..Default::default() }).await?;
    let doc =
        Atk13Doc::acreate(&db, Atk13Doc { id: fresh_uuid(), title: "d".into(), related: Relations::default() }).await?;
    assert_eq!(Atk13Shelf::DOCS.add(&db, &shelf, [&doc]).await?, 1);
    let again = Atk13Shelf::DOCS.add(&db, &shelf, [&doc]).await;
    assert_eq!(again?, 0, "the link exists");
    // The other direction: the owner is the uuid.
    let again = Atk13Doc::SHELVES.add(&db, &doc, [&shelf]).await;
    assert_eq!(again?, 0, "the link exists");
    let docs = db.list(&Atk13Shelf::DOCS.of(&shelf)).await?;
    assert_eq!(docs.len(), 1);
    let prefetched = db.aprefetch(&Atk13Doc::select(), Atk13Doc::SHELVES.load()).await?;
    assert_eq!(Atk13Doc::SHELVES.loaded(&prefetched[0]).map(|s| s.len()), Some(1));
    Ok(())
}
