//! Attacks on `acreate_tables` / `adrop_tables` with tables whose foreign
//! keys reference each other (deferred `ALTER TABLE .. ADD CONSTRAINT`,
//! one-transaction DDL) and on `Value::Unencodable` (a `Json<T>` whose
//! `Serialize` fails).

#![allow(missing_docs)]

use std::time::Duration;

use ormcore::backend::Backend;
use ormcore::prelude::*;
use ormcore::schema::TableMeta;

use crate::TestDb;
use crate::cases::hooks::poll_then_drop;
use crate::harness::{open, settled_pool_status, sql_for, table_names};

// ---------------------------------------------------------------- models

/// A three-table cycle: a -> b -> c -> a.
#[derive(Model, Debug, Clone)]
pub struct Atk14A {
    pub id: i64,
    pub name: String,
    pub b: Option<ForeignKey<Atk14B>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14B {
    pub id: i64,
    pub c: Option<ForeignKey<Atk14C>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14C {
    pub id: i64,
    pub a: Option<ForeignKey<Atk14A>>,
}

/// A self reference plus a cycle: an employee's boss, an employee's
/// department, a department's head.
#[derive(Model, Debug, Clone)]
pub struct Atk14Emp {
    pub id: i64,
    pub boss: Option<ForeignKey<Atk14Emp>>,
    pub dept: Option<ForeignKey<Atk14Dept>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14Dept {
    pub id: i64,
    pub head: Option<ForeignKey<Atk14Emp>>,
}

/// A table referenced from outside a cycle.
#[derive(Model, Debug, Clone)]
pub struct Atk14Outsider {
    pub id: i64,
    pub a: ForeignKey<Atk14A>,
}

/// Two models of one table, in a cycle: the full model references Rival,
/// Rival references the lite model (same table).
#[derive(Model, Debug, Clone)]
#[orm(table = "atk14_full")]
pub struct Atk14Full {
    pub id: i64,
    pub name: String,
    pub rival: Option<ForeignKey<Atk14Rival>>,
}

#[derive(Model, Debug, Clone)]
#[orm(table = "atk14_full")]
pub struct Atk14Lite {
    pub id: i64,
    pub name: String,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14Rival {
    pub id: i64,
    pub champ: Option<ForeignKey<Atk14Lite>>,
}

/// Long names: `<table>_<column>_fkey` exceeds 63/64 characters, and the
/// two keys' names agree in their first 63.
#[derive(Model, Debug, Clone)]
#[orm(table = "atk14_a_table_name_long_enough_to_overflow_identifiers_")]
pub struct Atk14LongA {
    pub id: i64,
    #[orm(column = "partner_one")]
    pub partner_one: Option<ForeignKey<Atk14LongB>>,
    #[orm(column = "partner_two")]
    pub partner_two: Option<ForeignKey<Atk14LongB>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14LongB {
    pub id: i64,
    pub back: Option<ForeignKey<Atk14LongA>>,
}

/// `<t>_<c>` (the index) is 61 characters, within every limit;
/// `<t>_<c>_fkey` (the deferred key's name) is 66, beyond MySQL's 64.
#[derive(Model, Debug, Clone)]
#[orm(table = "atk14_long_table_name_padded_to_fifty_characters_x")]
pub struct Atk14LongC {
    pub id: i64,
    #[orm(column = "partner_01")]
    pub partner: Option<ForeignKey<Atk14LongD>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14LongD {
    pub id: i64,
    pub back: Option<ForeignKey<Atk14LongC>>,
}

/// Two cycles whose deferred keys get the same `<t>_<c>_fkey` name:
/// `atk14_x` . `y_z` and `atk14_x_y` . `z`.
#[derive(Model, Debug, Clone)]
#[orm(table = "atk14_x")]
pub struct Atk14X {
    pub id: i64,
    // No index of its own: the index names `<t>_<c>` would collide first
    // (index naming predates the deferred keys; see the closing note).
    #[orm(column = "y_z", index = false)]
    pub y_z: Option<ForeignKey<Atk14P>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14P {
    pub id: i64,
    pub x: Option<ForeignKey<Atk14X>>,
}

#[derive(Model, Debug, Clone)]
#[orm(table = "atk14_x_y")]
pub struct Atk14XY {
    pub id: i64,
    #[orm(column = "z", index = false)]
    pub z: Option<ForeignKey<Atk14Q>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14Q {
    pub id: i64,
    pub y: Option<ForeignKey<Atk14XY>>,
}

/// Nullable keys without cascade, so that rows referencing each other
/// hold both tables.
#[derive(Model, Debug, Clone)]
pub struct Atk14Ping {
    pub id: i64,
    pub pong: Option<ForeignKey<Atk14Pong>>,
}

#[derive(Model, Debug, Clone)]
pub struct Atk14Pong {
    pub id: i64,
    pub ping: Option<ForeignKey<Atk14Ping>>,
}

/// A document whose `Serialize` fails when asked to.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
pub struct Atk14Doc {
    pub n: i64,
    #[serde(default)]
    pub fail: bool,
}

pub const REASON: &str = "atk14 cannot serialize */ this";

impl serde::Serialize for Atk14Doc {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        if self.fail {
            return Err(serde::ser::Error::custom(REASON));
        }
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Atk14Doc", 1)?;
        st.serialize_field("n", &self.n)?;
        st.end()
    }
}

#[derive(Model, Debug, Clone)]
pub struct Atk14Box {
    pub id: i64,
    #[orm(unique)]
    pub owner: String,
    pub doc: Json<Atk14Doc>,
    pub maybe: Option<Json<Atk14Doc>>,
}

fn good(n: i64) -> Json<Atk14Doc> {
    Json(Atk14Doc { n, fail: false })
}

fn bad() -> Json<Atk14Doc> {
    Json(Atk14Doc { n: -1, fail: true })
}

// ---------------------------------------------------------------- helpers

fn transactional<B: Backend>(db: &Database<B>) -> bool {
    !matches!(db.dialect().name(), "MySQL" | "MariaDB")
}

async fn present<B: Backend>(db: &Database<B>, tables: &[&'static TableMeta]) -> Result<Vec<&'static str>> {
    let names = table_names(db).await?;
    Ok(tables.iter().map(|t| t.name).filter(|n| names.iter().any(|have| have == n)).collect())
}

fn assert_fk<T: std::fmt::Debug>(result: Result<T>, what: &str) {
    match result {
        Err(e) if e.constraint_kind() == Some(ConstraintKind::ForeignKey) => {}
        other => panic!("{what}: expected a foreign-key violation, got {other:?}"),
    }
}

/// `adrop_tables_strict`, panicking with `what` on failure (so that the
/// failing step is named).
async fn strict_drop<B: Backend>(db: &Database<B>, tables: &[&'static TableMeta], what: &str) {
    if let Err(e) = db.adrop_tables_strict(tables).await {
        panic!("{what}: adrop_tables_strict failed: {e:?}");
    }
}

fn cycle3() -> [&'static TableMeta; 3] {
    [Atk14A::META, Atk14B::META, Atk14C::META]
}

/// Each key of the three-table cycle refuses a dangling value.
async fn cycle3_keys_hold<B: Backend>(db: &Database<B>) -> Result<()> {
    assert_fk(Atk14A::acreate(db, Atk14A { id: 0, name: "x".into(), b: Some(ForeignKey::new(9999)) }).await, "a.b");
    assert_fk(Atk14B::acreate(db, Atk14B { id: 0, c: Some(ForeignKey::new(9999)) }).await, "b.c");
    assert_fk(Atk14C::acreate(db, Atk14C { id: 0, a: Some(ForeignKey::new(9999)) }).await, "c.a");
    Ok(())
}

// ---------------------------------------------------------------- DDL

/// A three-table cycle is created strict and safe, each key holds, rows
/// that close the cycle are kept, and it is dropped strict and safe.
pub async fn ddl_attack_three_table_cycle<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    for order in [cycle3(), [Atk14C::META, Atk14A::META, Atk14B::META], [Atk14B::META, Atk14C::META, Atk14A::META]] {
        db.acreate_tables_strict(&order).await?;
        db.acreate_tables(&order).await?;
        cycle3_keys_hold(&db).await?;
        let a = Atk14A::acreate(&db, Atk14A { id: 0, name: "a".into(), b: None }).await?;
        let c = Atk14C::acreate(&db, Atk14C { id: 0, a: Some(ForeignKey::new(a.id)) }).await?;
        let b = Atk14B::acreate(&db, Atk14B { id: 0, c: Some(ForeignKey::new(c.id)) }).await?;
        Atk14A::aset_by_id(&db, a.id).set(Atk14A::B, Some(b.id)).await?;
        // Emptied first: dropping tables that hold rows is its own case.
        db.aexecute(&Atk14A::update().set(Atk14A::B, None::<i64>)).await?;
        db.aexecute(&Atk14B::delete()).await?;
        db.aexecute(&Atk14C::delete()).await?;
        db.aexecute(&Atk14A::delete()).await?;
        strict_drop(&db, &order, "three-table cycle").await;
        assert!(present(&db, &cycle3()).await?.is_empty());
        db.acreate_tables(&order).await?;
        db.adrop_tables(&order).await?;
        assert!(present(&db, &cycle3()).await?.is_empty());
    }
    Ok(())
}

/// A self reference alongside a cycle.
pub async fn ddl_attack_self_reference_plus_cycle<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let tables = [Atk14Emp::META, Atk14Dept::META];
    db.acreate_tables_strict(&tables).await?;
    let boss = Atk14Emp::acreate(&db, Atk14Emp { id: 0, boss: None, dept: None }).await?;
    let dept = Atk14Dept::acreate(&db, Atk14Dept { id: 0, head: Some(ForeignKey::new(boss.id)) }).await?;
    Atk14Emp::acreate(
        &db,
        Atk14Emp { id: 0, boss: Some(ForeignKey::new(boss.id)), dept: Some(ForeignKey::new(dept.id)) },
    )
    .await?;
    assert_fk(Atk14Emp::acreate(&db, Atk14Emp { id: 0, boss: Some(ForeignKey::new(999)), dept: None }).await, "boss");
    assert_fk(Atk14Emp::acreate(&db, Atk14Emp { id: 0, boss: None, dept: Some(ForeignKey::new(999)) }).await, "dept");
    assert_fk(Atk14Dept::acreate(&db, Atk14Dept { id: 0, head: Some(ForeignKey::new(999)) }).await, "head");
    db.aexecute(&Atk14Dept::update().set(Atk14Dept::HEAD, None::<i64>)).await?;
    db.aexecute(&Atk14Emp::update().set(Atk14Emp::BOSS, None::<i64>)).await?;
    db.aexecute(&Atk14Emp::delete()).await?;
    db.aexecute(&Atk14Dept::delete()).await?;
    strict_drop(&db, &[Atk14Dept::META, Atk14Emp::META], "self reference plus cycle").await;
    db.acreate_tables_strict(&[Atk14Dept::META, Atk14Emp::META]).await?;
    db.adrop_tables_strict(&tables).await?;
    assert!(present(&db, &tables).await?.is_empty());
    Ok(())
}

/// Rows that reference each other through keys without cascade: the
/// tables are still dropped, on every backend.
pub async fn ddl_attack_drop_cycle_holding_rows<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let tables = [Atk14Ping::META, Atk14Pong::META];
    db.acreate_tables_strict(&tables).await?;
    let ping = Atk14Ping::acreate(&db, Atk14Ping { id: 0, pong: None }).await?;
    let pong = Atk14Pong::acreate(&db, Atk14Pong { id: 0, ping: Some(ForeignKey::new(ping.id)) }).await?;
    Atk14Ping::aset_by_id(&db, ping.id).set(Atk14Ping::PONG, Some(pong.id)).await?;
    let dropped = db.adrop_tables(&tables).await;
    assert!(dropped.is_ok(), "adrop_tables of a cycle holding rows: {dropped:?}");
    assert!(present(&db, &tables).await?.is_empty());
    Ok(())
}

/// Two models of one table in a cycle: whichever order they are given in,
/// the table created has the columns of the model that was given.
pub async fn ddl_attack_two_models_of_one_table<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    for order in [[Atk14Full::META, Atk14Rival::META], [Atk14Rival::META, Atk14Full::META]] {
        let names: Vec<_> = order.iter().map(|t| t.model).collect();
        db.acreate_tables_strict(&order).await?;
        let full = Atk14Full::acreate(&db, Atk14Full { id: 0, name: "f".into(), rival: None }).await;
        assert!(full.is_ok(), "{names:?}: Atk14Full's own columns must exist: {full:?}");
        let full = full?;
        let rival = Atk14Rival::acreate(&db, Atk14Rival { id: 0, champ: Some(ForeignKey::new(full.id)) }).await?;
        Atk14Full::aset_by_id(&db, full.id).set(Atk14Full::RIVAL, Some(rival.id)).await?;
        assert_fk(
            Atk14Full::aset_by_id(&db, full.id).set(Atk14Full::RIVAL, Some(9999)).await,
            &format!("{names:?}: full.rival"),
        );
        db.aexecute(&Atk14Full::update().set(Atk14Full::RIVAL, None::<i64>)).await?;
        db.aexecute(&Atk14Rival::delete()).await?;
        db.aexecute(&Atk14Full::delete()).await?;
        strict_drop(&db, &order, &format!("{names:?}")).await;
    }
    Ok(())
}

/// Safe create when one table of a cycle exists (the other dropped with
/// CASCADE): the missing one is created and its key to the existing table
/// holds; the call is repeatable.
pub async fn ddl_attack_safe_create_one_member_exists<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let tables = [Atk14Ping::META, Atk14Pong::META];
    db.acreate_tables_strict(&tables).await?;
    // Drop pong by hand, keeping ping.
    let name = db.dialect().name();
    if name == "PostgreSQL" {
        db.aexecute_sql(&sql_for(db.dialect(), "DROP TABLE {atk14_pong} CASCADE"), vec![]).await?;
    } else if transactional(&db) {
        db.aexecute_sql(&sql_for(db.dialect(), "DROP TABLE {atk14_pong}"), vec![]).await?;
    } else {
        let rows = db
            .aexecute_sql(
                "SELECT CONSTRAINT_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = DATABASE() \
                 AND TABLE_NAME = 'atk14_ping' AND REFERENCED_TABLE_NAME IS NOT NULL",
                vec![],
            )
            .await?;
        let fks: Vec<String> = rows.fetchall().iter().map(|r| r.get::<String>(0)).collect::<Result<_>>()?;
        drop(rows);
        for fk in fks {
            db.aexecute_sql(&format!("ALTER TABLE `atk14_ping` DROP FOREIGN KEY `{fk}`"), vec![]).await?;
        }
        db.aexecute_sql("DROP TABLE `atk14_pong`", vec![]).await?;
    }
    assert_eq!(present(&db, &tables).await?, ["atk14_ping"]);
    db.acreate_tables(&tables).await?;
    db.acreate_tables(&tables).await?;
    db.acreate_tables(&[Atk14Pong::META, Atk14Ping::META]).await?;
    assert_eq!(present(&db, &tables).await?.len(), 2);
    assert_fk(Atk14Pong::acreate(&db, Atk14Pong { id: 0, ping: Some(ForeignKey::new(999)) }).await, "pong.ping");
    db.adrop_tables(&tables).await?;
    assert!(present(&db, &tables).await?.is_empty());
    Ok(())
}

/// Drop with one member missing: safe drops the others; strict fails and
/// (where DDL is transactional) leaves everything, keys included.
pub async fn ddl_attack_drop_with_member_missing<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let tables = [Atk14Ping::META, Atk14Pong::META];
    db.acreate_tables_strict(&tables).await?;
    // Atk14Emp's table never exists here: strict drop fails.
    let strict = db.adrop_tables_strict(&[Atk14Ping::META, Atk14Pong::META, Atk14Emp::META]).await;
    assert!(strict.is_err(), "a missing table fails a strict drop");
    assert_eq!(present(&db, &tables).await?.len(), 2, "the strict drop failed: both tables stay");
    // The keys of the tables that stay still hold.
    assert_fk(Atk14Ping::acreate(&db, Atk14Ping { id: 0, pong: Some(ForeignKey::new(999)) }).await, "ping.pong");
    assert_fk(Atk14Pong::acreate(&db, Atk14Pong { id: 0, ping: Some(ForeignKey::new(999)) }).await, "pong.ping");
    db.adrop_tables(&[Atk14Ping::META, Atk14Pong::META, Atk14Emp::META]).await?;
    assert!(present(&db, &tables).await?.is_empty());
    Ok(())
}

/// A cycle referenced from a table outside the dropped set: where the
/// database refuses the drop, nothing is dropped and every key holds.
pub async fn ddl_attack_drop_referenced_from_outside<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let all = [Atk14A::META, Atk14B::META, Atk14C::META, Atk14Outsider::META];
    db.acreate_tables_strict(&all).await?;
    let a = Atk14A::acreate(&db, Atk14A { id: 0, name: "a".into(), b: None }).await?;
    Atk14Outsider::acreate(&db, Atk14Outsider { id: 0, a: ForeignKey::new(a.id) }).await?;
    let dropped = db.adrop_tables(&cycle3()).await;
    if db.dialect().name() == "SQLite" {
        // SQLite refuses a drop whose implicit delete breaks a key, or allows it.
        if dropped.is_ok() {
            return Ok(());
        }
    }
    assert!(dropped.is_err(), "the outsider references a: {dropped:?}");
    assert_eq!(present(&db, &all).await?.len(), 4, "a refused drop drops nothing");
    cycle3_keys_hold(&db).await?;
    db.adrop_tables(&all).await?;
    assert!(present(&db, &all).await?.is_empty());
    Ok(())
}

/// Keys with long names: `<t>_<c>_fkey` beyond the identifier limit, two
/// of them alike in their first 63 characters. Only on SQLite, which has
/// no limit: an index's name (`<table>_<column>`) longer than
/// PostgreSQL's 63 bytes or MySQL's 64 characters is a known limit of the
/// index naming (disclosed in docs/04), not of the keys.
pub async fn ddl_attack_long_constraint_names<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    if db.dialect().name() != "SQLite" {
        return Ok(());
    }
    let tables = [Atk14LongB::META, Atk14LongA::META];
    let created = db.acreate_tables_strict(&tables).await;
    assert!(created.is_ok(), "long table names: {created:?}");
    let b = Atk14LongB::acreate(&db, Atk14LongB { id: 0, back: None }).await?;
    Atk14LongA::acreate(
        &db,
        Atk14LongA { id: 0, partner_one: Some(ForeignKey::new(b.id)), partner_two: Some(ForeignKey::new(b.id)) },
    )
    .await?;
    assert_fk(
        Atk14LongA::acreate(&db, Atk14LongA { id: 0, partner_one: Some(ForeignKey::new(999)), partner_two: None })
            .await,
        "partner_one",
    );
    assert_fk(
        Atk14LongA::acreate(&db, Atk14LongA { id: 0, partner_one: None, partner_two: Some(ForeignKey::new(999)) })
            .await,
        "partner_two",
    );
    db.aexecute(&Atk14LongA::delete()).await?;
    db.aexecute(&Atk14LongB::delete()).await?;
    strict_drop(&db, &tables, "long names").await;
    Ok(())
}

/// A deferred key whose `<t>_<c>_fkey` name is beyond MySQL's 64
/// characters, though its table, column and index names are within it.
pub async fn ddl_attack_long_deferred_key_name<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let tables = [Atk14LongD::META, Atk14LongC::META];
    let created = db.acreate_tables_strict(&tables).await;
    assert!(created.is_ok(), "a 66-character deferred key name: {created:?}");
    assert_fk(Atk14LongC::acreate(&db, Atk14LongC { id: 0, partner: Some(ForeignKey::new(999)) }).await, "partner");
    assert_fk(Atk14LongD::acreate(&db, Atk14LongD { id: 0, back: Some(ForeignKey::new(999)) }).await, "back");
    strict_drop(&db, &tables, "long deferred key name").await;
    assert!(present(&db, &tables).await?.is_empty());
    Ok(())
}

/// Two cycles whose deferred keys are given the same name
/// (`atk14_x_y_z_fkey`): both are created, both keys hold.
pub async fn ddl_attack_colliding_constraint_names<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let tables = [Atk14P::META, Atk14X::META, Atk14Q::META, Atk14XY::META];
    let created = db.acreate_tables_strict(&tables).await;
    assert!(created.is_ok(), "keys named alike: {created:?}");
    assert_fk(Atk14X::acreate(&db, Atk14X { id: 0, y_z: Some(ForeignKey::new(999)) }).await, "x.y_z");
    assert_fk(Atk14XY::acreate(&db, Atk14XY { id: 0, z: Some(ForeignKey::new(999)) }).await, "x_y.z");
    db.adrop_tables_strict(&tables).await?;
    assert!(present(&db, &tables).await?.is_empty());
    Ok(())
}

/// acreate_tables inside an open transaction: it joins it, a rollback
/// undoes it (where DDL is transactional), a failure part-way leaves the
/// outer transaction usable.
pub async fn ddl_attack_inside_open_transaction<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk14Box::META]).await?;
    if !transactional(&db) {
        // MySQL commits the open transaction at the first DDL statement
        // (docs/07): the commit may say so; check that the call works and
        // the connection is clean.
        let tx = db.atomic().await?;
        db.acreate_tables(&cycle3()).await?;
        let _ = tx.commit().await;
        cycle3_keys_hold(&db).await?;
        db.adrop_tables(&cycle3()).await?;
        return Ok(());
    }
    {
        let tx = db.atomic().await?;
        Atk14Box::acreate(&db, Atk14Box { id: 0, owner: "rolled".into(), doc: good(1), maybe: None }).await?;
        db.acreate_tables_strict(&cycle3()).await?;
        tx.rollback().await?;
    }
    assert!(present(&db, &cycle3()).await?.is_empty(), "rolled back with the transaction");
    assert_eq!(db.count(&Atk14Box::select()).await?, 0);
    {
        let tx = db.atomic().await?;
        Atk14Box::acreate(&db, Atk14Box { id: 0, owner: "kept".into(), doc: good(1), maybe: None }).await?;
        // A strict create that fails part-way: the cycle's tables are
        // created, then Atk14Box exists.
        let failed = db.acreate_tables_strict(&[Atk14A::META, Atk14B::META, Atk14C::META, Atk14Box::META]).await;
        assert!(failed.is_err());
        assert!(present(&db, &cycle3()).await?.is_empty(), "the failed call left nothing");
        // The outer transaction goes on.
        Atk14Box::acreate(&db, Atk14Box { id: 0, owner: "after".into(), doc: good(2), maybe: None }).await?;
        db.acreate_tables(&cycle3()).await?;
        tx.commit().await?;
    }
    assert_eq!(db.count(&Atk14Box::select()).await?, 2);
    assert_eq!(present(&db, &cycle3()).await?.len(), 3);
    cycle3_keys_hold(&db).await?;
    db.adrop_tables(&cycle3()).await?;
    Ok(())
}

/// acreate_tables while a stream holds the task's connection: a clear
/// error, nothing created; afterwards it works.
pub async fn ddl_attack_during_stream<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk14Box::META]).await?;
    for i in 0..20 {
        Atk14Box::acreate(&db, Atk14Box { id: 0, owner: format!("o{i}"), doc: good(i), maybe: None }).await?;
    }
    db.set_streaming_timeout(Duration::from_millis(100));
    let conn = db.aconnect().await?;
    let mut stream = db.iterate(&Atk14Box::select().order_by(Atk14Box::ID)).buffer_size(5);
    stream.next().await.expect("a row")?;
    let during = tokio::time::timeout(Duration::from_secs(20), db.acreate_tables(&cycle3())).await;
    let during = during.expect("acreate_tables during a stream must not hang");
    assert!(matches!(&during, Err(Error::Interface(m)) if m.contains("stream")), "{during:?}");
    let rest = stream.try_collect().await?;
    assert_eq!(rest.len(), 19);
    assert!(present(&db, &cycle3()).await?.is_empty());
    db.acreate_tables(&cycle3()).await?;
    cycle3_keys_hold(&db).await?;
    conn.aclose().await?;
    Ok(())
}

/// A create (and a drop) dropped at each poll: all of the cycle or none of
/// it (SQLite, PostgreSQL), the connection clean for the next call.
pub async fn ddl_attack_cancelled_anywhere<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let all_or_none = transactional(&db);
    let mut finished = false;
    for polls in 1..400 {
        let done = poll_then_drop(db.acreate_tables_strict(&cycle3()), polls).await;
        settled_pool_status(&db).await;
        let left = present(&db, &cycle3()).await?;
        if all_or_none {
            assert!(left.is_empty() || left.len() == 3, "create dropped after {polls} polls left {left:?}");
        }
        if let Some(result) = done {
            result?;
            finished = true;
            break;
        }
        db.adrop_tables(&cycle3()).await?;
        assert!(present(&db, &cycle3()).await?.is_empty());
    }
    assert!(finished);
    cycle3_keys_hold(&db).await?;
    let mut finished = false;
    for polls in 1..400 {
        db.acreate_tables(&cycle3()).await?;
        let done = poll_then_drop(db.adrop_tables_strict(&cycle3()), polls).await;
        settled_pool_status(&db).await;
        let left = present(&db, &cycle3()).await?;
        if all_or_none {
            assert!(left.is_empty() || left.len() == 3, "drop dropped after {polls} polls left {left:?}");
            if left.len() == 3 {
                cycle3_keys_hold(&db).await?;
            }
        }
        if let Some(result) = done {
            result?;
            finished = true;
            break;
        }
    }
    assert!(finished);
    db.acreate_tables(&cycle3()).await?;
    cycle3_keys_hold(&db).await?;
    Ok(())
}

/// Two tasks create the same cycle at once (safe mode): both succeed, on
/// SQLite, where each statement waits its turn. PostgreSQL's `IF NOT
/// EXISTS` is not safe against a concurrent create (its catalog's unique
/// index refuses the second), nor is adding the keys of tables that
/// reference each other on MySQL: disclosed in docs/04 (create tables
/// from one task, as migrations do).
pub async fn ddl_attack_concurrent_create<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    if db.dialect().name() != "SQLite" {
        return Ok(());
    }
    let mut failures = Vec::new();
    for round in 0..5 {
        let tasks: Vec<_> = (0..2)
            .map(|_| {
                let db = db.clone();
                tokio::spawn(async move { db.acreate_tables(&cycle3()).await })
            })
            .collect();
        for task in tasks {
            if let Err(e) = task.await.expect("task") {
                failures.push(format!("round {round}: {e}"));
            }
        }
        db.acreate_tables(&cycle3()).await?;
        cycle3_keys_hold(&db).await?;
        db.adrop_tables(&cycle3()).await?;
    }
    assert!(failures.is_empty(), "concurrent safe acreate_tables failed: {failures:#?}");
    Ok(())
}

// ---------------------------------------------------------------- Unencodable

fn refused<T: std::fmt::Debug>(result: Result<T>, what: &str) {
    match result {
        Err(Error::Interface(message)) => {
            assert!(message.contains("atk14 cannot serialize"), "{what}: the reason is named: {message}")
        }
        other => panic!("{what}: an unencodable document must be refused as Interface, got {other:?}"),
    }
}

async fn box_db<T: TestDb>() -> Result<(Database<T::Backend>, Atk14Box)> {
    let db = open::<T>().await;
    db.acreate_tables(&[Atk14Box::META]).await?;
    let kept =
        Atk14Box::acreate(&db, Atk14Box { id: 0, owner: "kept".into(), doc: good(7), maybe: Some(good(8)) }).await?;
    Ok((db, kept))
}

async fn untouched<B: Backend>(db: &Database<B>, kept: &Atk14Box) -> Result<()> {
    assert_eq!(db.count(&Atk14Box::select()).await?, 1, "nothing added");
    let read = Atk14Box::aget_by_id(db, kept.id).await?;
    assert_eq!(read.doc.0, kept.doc.0);
    assert_eq!(read.maybe.map(|m| m.0), kept.maybe.clone().map(|m| m.0));
    let nulls = db.count(&Atk14Box::select().where_(Atk14Box::MAYBE.is_null())).await?;
    assert_eq!(nulls, 0, "no NULL stored");
    Ok(())
}

/// Raw SQL parameters.
pub async fn unencodable_attack_raw_sql<T: TestDb>() -> Result<()> {
    use ormcore::__private::ToValue;
    let (db, kept) = box_db::<T>().await?;
    let insert = sql_for(db.dialect(), "INSERT INTO {atk14_box} ({owner}, {doc}, {maybe}) VALUES (?, ?, ?)");
    let r = db.aexecute_sql(&insert, vec![Value::Text("raw".into()), bad().to_value(), good(1).to_value()]).await;
    refused(r, "raw insert doc");
    let r =
        db.aexecute_sql(&insert, vec![Value::Text("raw2".into()), good(1).to_value(), Some(bad()).to_value()]).await;
    refused(r, "raw insert Some(bad)");
    refused(db.aexecute_sql("SELECT ?", vec![bad().to_value()]).await, "raw select");
    untouched(&db, &kept).await
}

/// Writes: abulk_update, upserts, aset_by_id, aget_or_create, insert_rows,
/// insert of models, asave of an `Option<Json>`.
pub async fn unencodable_attack_writes<T: TestDb>() -> Result<()> {
    let (db, kept) = box_db::<T>().await?;
    let mut changed = kept.clone();
    changed.doc = bad();
    refused(Atk14Box::abulk_update(&db, std::slice::from_ref(&changed), Atk14Box::DOC).await, "abulk_update doc");
    let mut changed = kept.clone();
    changed.maybe = Some(bad());
    refused(Atk14Box::abulk_update(&db, std::slice::from_ref(&changed), Atk14Box::MAYBE).await, "abulk_update maybe");
    refused(changed.clone().asave(&db).await, "asave maybe");
    refused(changed.asave(&db).only(Atk14Box::MAYBE).await, "asave only maybe");

    let upsert = Atk14Box::insert()
        .set(Atk14Box::OWNER, "kept")
        .set(Atk14Box::DOC, bad())
        .on_conflict(Atk14Box::OWNER)
        .do_update(Atk14Box::DOC)
        .aexecute(&db)
        .await;
    refused(upsert, "upsert do_update");
    let upsert = Atk14Box::insert()
        .set(Atk14Box::OWNER, "kept")
        .set(Atk14Box::DOC, good(1))
        .on_conflict(Atk14Box::OWNER)
        .do_update_set([assign(Atk14Box::MAYBE, Some(bad()))])
        .aexecute(&db)
        .await;
    refused(upsert, "upsert do_update_set");
    let ignore = Atk14Box::insert()
        .set(Atk14Box::OWNER, "new")
        .set(Atk14Box::DOC, bad())
        .on_conflict_ignore()
        .aexecute(&db)
        .await;
    refused(ignore, "insert on_conflict_ignore");

    refused(Atk14Box::aset_by_id(&db, kept.id).set(Atk14Box::DOC, bad()).await, "aset_by_id doc");
    refused(Atk14Box::aset_by_id(&db, kept.id).set(Atk14Box::MAYBE, Some(bad())).await, "aset_by_id maybe");

    let created = Atk14Box::aget_or_create(&db, Atk14Box::OWNER.eq("fresh"), || Atk14Box {
        id: 0,
        owner: "fresh".into(),
        doc: bad(),
        maybe: None,
    })
    .await;
    refused(created, "aget_or_create");
    let created = Atk14Box::aget_or_create(&db, Atk14Box::DOC.eq(bad()), || Atk14Box {
        id: 0,
        owner: "fresh2".into(),
        doc: good(2),
        maybe: None,
    })
    .await;
    refused(created, "aget_or_create lookup");

    let rows =
        Atk14Box::insert_rows((Atk14Box::OWNER, Atk14Box::DOC), [("r1".to_owned(), good(1)), ("r2".to_owned(), bad())]);
    refused(rows.aexecute(&db).await, "insert_rows");
    let models = [Atk14Box { id: 0, owner: "m".into(), doc: good(1), maybe: Some(bad()) }];
    refused(Atk14Box::insert_many(&models).aexecute(&db).await, "insert models");
    let mut many: Vec<Atk14Box> = (0..150)
        .map(|i| Atk14Box { id: 0, owner: format!("b{i}"), doc: good(i), maybe: (i == 149).then(bad) })
        .collect();
    refused(Atk14Box::abulk_create(&db, &mut many).batch_size(50).await, "abulk_create late bad row");
    assert!(many.iter().all(|m| m.id == 0), "no keys handed out");
    untouched(&db, &kept).await
}

/// Comparisons and JSON edits.
pub async fn unencodable_attack_queries<T: TestDb>() -> Result<()> {
    let (db, kept) = box_db::<T>().await?;
    refused(db.count(&Atk14Box::select().where_(Atk14Box::DOC.eq(bad()))).await, "where eq");
    refused(db.count(&Atk14Box::select().where_(Atk14Box::DOC.ne(bad()))).await, "where ne");
    refused(db.list(&Atk14Box::select().where_(Atk14Box::DOC.in_([good(1), bad()]))).await, "where in");
    refused(db.count(&Atk14Box::select().where_(Atk14Box::MAYBE.eq(Some(bad())))).await, "where maybe eq");
    refused(db.aexecute(&Atk14Box::delete().where_(Atk14Box::DOC.ne(bad()))).await, "delete where ne");
    refused(
        db.aexecute(&Atk14Box::update().set(Atk14Box::OWNER, "changed").where_(Atk14Box::DOC.ne(bad()))).await,
        "update where ne",
    );
    refused(db.count(&Atk14Box::select().where_(Atk14Box::DOC.contains(bad()))).await, "contains");
    refused(
        db.aexecute(&Atk14Box::update().set(Atk14Box::DOC, Atk14Box::DOC.set_path(["n"], bad()))).await,
        "set_path",
    );
    refused(db.aexecute(&Atk14Box::update().set(Atk14Box::DOC, Atk14Box::DOC.append(["list"], bad()))).await, "append");
    refused(db.first(&Atk14Box::select().where_(Atk14Box::DOC.eq(bad()))).await, "first");
    refused(db.exists(&Atk14Box::select().where_(Atk14Box::DOC.eq(bad()))).await, "exists");
    let streamed = db.iterate(&Atk14Box::select().where_(Atk14Box::DOC.eq(bad()))).try_collect().await;
    refused(streamed, "iterate");
    untouched(&db, &kept).await?;
    assert_eq!(Atk14Box::aget_by_id(&db, kept.id).await?.owner, "kept");
    Ok(())
}

/// model_to_dict / dict_to_model with an unencodable document, and the
/// rendered SQL of a refused statement.
pub async fn unencodable_attack_dict<T: TestDb>() -> Result<()> {
    let (db, kept) = box_db::<T>().await?;
    let model = Atk14Box { id: 0, owner: "dict".into(), doc: bad(), maybe: None };
    let dict = ormcore::model_to_dict(&model);
    assert!(matches!(&dict["doc"], Value::Unencodable(why) if why.contains("atk14 cannot serialize")), "{dict:?}");
    let back = ormcore::dict_to_model::<Atk14Box>(&dict);
    assert!(back.is_err(), "a dict holding an unencodable value cannot make a model: {back:?}");
    // A dict whose text column holds one.
    let mut dict2 = ormcore::model_to_dict(&kept);
    dict2.insert("owner".into(), dict["doc"].clone());
    assert!(ormcore::dict_to_model::<Atk14Box>(&dict2).is_err());
    let mut dict3 = ormcore::model_to_dict(&kept);
    dict3.insert("maybe".into(), dict["doc"].clone());
    let back3 = ormcore::dict_to_model::<Atk14Box>(&dict3);
    assert!(back3.is_err(), "Option<Json> from an unencodable value: {back3:?}");
    untouched(&db, &kept).await
}
