//! Attacks on model hooks (`#[orm(hooks)]`): cancelled and failed hooked
//! writes, the instance they leave behind, panics, hooks inside outer
//! blocks, and hooks that write elsewhere.

#![allow(missing_docs)]

use std::any::Any;
use std::future::{Future, IntoFuture};
use std::panic::AssertUnwindSafe;
use std::pin::pin;
use std::sync::Arc;
use std::task::Poll;
use std::time::Duration;

use ormcore::Transaction;
use ormcore::backend::Backend;
use ormcore::prelude::*;

use crate::TestDb;
use crate::harness::{open, settled_pool_status};

/// What the attack models' hooks wrote.
#[derive(Model, Debug, Clone, Default)]
pub struct AtkHookLog {
    pub id: i64,
    pub event: String,
}

async fn log<E: Executor>(executor: &E, event: String) -> Result<()> {
    AtkHookLog::acreate(executor, AtkHookLog { id: 0, event }).await?;
    Ok(())
}

/// A hooked model whose hooks log, count the saves, and on demand fail,
/// sleep (to be cancelled) or panic.
#[derive(Model, Debug, Clone, Default)]
#[orm(hooks)]
pub struct AtkHooked {
    pub id: i64,
    pub title: String,
    /// Saves before_save saw.
    pub stamp: i64,
    /// Not a column: makes after_save sleep (a slow hook, to be cancelled).
    #[orm(skip)]
    pub slow: bool,
    #[orm(state)]
    pub state: ModelState,
}

impl Hooks for AtkHooked {
    async fn before_save<B: Backend>(&mut self, tx: &Transaction<B>, created: bool) -> Result<()> {
        log(tx, format!("before_save {} created={created}", self.title)).await?;
        self.stamp += 1;
        if self.title == "fail before" {
            return Err(Error::interface("refused by before_save"));
        }
        Ok(())
    }

    async fn after_save<B: Backend>(&mut self, tx: &Transaction<B>, created: bool) -> Result<()> {
        log(tx, format!("after_save {} created={created}", self.title)).await?;
        if self.slow {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        if self.title == "panic after" {
            panic!("after_save panics");
        }
        if self.title == "fail after" {
            return Err(Error::interface("refused by after_save"));
        }
        Ok(())
    }

    async fn after_delete<B: Backend>(&self, tx: &Transaction<B>) -> Result<()> {
        log(tx, format!("after_delete {}", self.title)).await?;
        if self.slow {
            tokio::time::sleep(Duration::from_secs(30)).await;
        }
        if self.title == "fail delete" {
            return Err(Error::interface("refused by after_delete"));
        }
        Ok(())
    }
}

/// A hooked model with an `Option<i64>` key.
#[derive(Model, Debug, Clone, Default)]
#[orm(hooks)]
pub struct AtkOptHooked {
    pub id: Option<i64>,
    pub title: String,
    #[orm(state)]
    pub state: ModelState,
}

impl Hooks for AtkOptHooked {
    async fn after_save<B: Backend>(&mut self, tx: &Transaction<B>, _created: bool) -> Result<()> {
        log(tx, format!("opt after_save {}", self.title)).await?;
        match self.title.as_str() {
            "fail after" => Err(Error::interface("refused by after_save")),
            _ => Ok(()),
        }
    }
}

/// A hooked model with a composite, application-assigned key.
#[derive(Model, Debug, Clone, Default)]
#[orm(hooks, primary_key(owner, slot))]
pub struct AtkPairHooked {
    pub owner: i64,
    pub slot: i64,
    pub title: String,
    #[orm(state)]
    pub state: ModelState,
}

impl Hooks for AtkPairHooked {
    async fn after_save<B: Backend>(&mut self, tx: &Transaction<B>, created: bool) -> Result<()> {
        log(tx, format!("pair after_save {} created={created}", self.title)).await?;
        match self.title.as_str() {
            "fail after" => Err(Error::interface("refused by after_save")),
            _ => Ok(()),
        }
    }
}

/// A hooked model with a unique column, whose after_save saves another
/// hooked model (`AtkOptHooked`) through the transaction.
#[derive(Model, Debug, Clone, Default)]
#[orm(hooks)]
pub struct AtkUniqHooked {
    pub id: i64,
    #[orm(unique)]
    pub code: String,
    pub name: String,
}

impl Hooks for AtkUniqHooked {
    async fn after_save<B: Backend>(&mut self, tx: &Transaction<B>, _created: bool) -> Result<()> {
        AtkOptHooked::acreate(tx, AtkOptHooked { title: format!("child of {}", self.code), ..Default::default() })
            .await?;
        if self.name == "fail after" {
            return Err(Error::interface("refused by after_save"));
        }
        Ok(())
    }
}

/// A hooked model whose hooks write through a database handle (not the
/// transaction they are given), as a user holding `db` might.
#[derive(Model, Clone, Default)]
#[orm(hooks)]
pub struct AtkDbHooked {
    pub id: i64,
    pub title: String,
    #[orm(skip)]
    pub db: Option<Arc<dyn Any + Send + Sync>>,
}

impl Hooks for AtkDbHooked {
    async fn after_save<B: Backend>(&mut self, _tx: &Transaction<B>, _created: bool) -> Result<()> {
        let db = self.db.clone().expect("a database handle");
        let db = db.downcast_ref::<Database<B>>().expect("this backend's database");
        log(db, format!("db after_save {}", self.title)).await?;
        // A read of the row just inserted, through the database.
        let seen = db.count(&AtkDbHooked::select().where_(AtkDbHooked::ID.eq(self.id))).await?;
        log(db, format!("db saw {seen}")).await?;
        match self.title.as_str() {
            "fail after" => Err(Error::interface("refused by after_save")),
            _ => Ok(()),
        }
    }
}

async fn setup<T: TestDb>() -> Result<Database<T::Backend>> {
    let db = open::<T>().await;
    db.acreate_tables(&[
        AtkHookLog::META,
        AtkHooked::META,
        AtkOptHooked::META,
        AtkPairHooked::META,
        AtkUniqHooked::META,
        AtkDbHooked::META,
        AtkSelfSaver::META,
    ])
    .await?;
    Ok(db)
}

async fn logs<E: Executor>(executor: &E) -> Result<Vec<String>> {
    let logged = executor.list(&AtkHookLog::select().order_by(AtkHookLog::ID)).await?;
    AtkHookLog::delete().aexecute(executor).await?;
    Ok(logged.into_iter().map(|l| l.event).collect())
}

fn hooked(title: &str) -> AtkHooked {
    AtkHooked { title: title.into(), ..AtkHooked::default() }
}

/// Await `future`, catching a panic it raises while polled.
async fn catch_panic<F: Future>(future: F) -> std::result::Result<F::Output, Box<dyn Any + Send>> {
    let mut future = pin!(future);
    std::future::poll_fn(|cx| match std::panic::catch_unwind(AssertUnwindSafe(|| future.as_mut().poll(cx))) {
        Ok(Poll::Ready(output)) => Poll::Ready(Ok(output)),
        Ok(Poll::Pending) => Poll::Pending,
        Err(panic) => Poll::Ready(Err(panic)),
    })
    .await
}

/// `asave` of a new row cancelled in after_save (a request timeout): the
/// insert is rolled back, so the instance must not keep the key the insert
/// gave it, or the next save updates a row that does not exist and the
/// write is lost.
pub async fn cancelled_hooked_insert_leaves_no_key<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let mut fresh = AtkHooked { slow: true, ..hooked("slow") };
    let cancelled = tokio::time::timeout(Duration::from_millis(300), fresh.asave(&db)).await;
    assert!(cancelled.is_err(), "the slow hook is cancelled");
    assert_eq!(db.count(&AtkHooked::select()).await?, 0, "the cancelled insert is rolled back");
    assert!(logs(&db).await?.is_empty(), "the hooks' writes are rolled back");
    assert_eq!(fresh.id, 0, "the instance claims the key {} of a rolled-back row", fresh.id);

    // The same instance saved again is a new row.
    fresh.slow = false;
    fresh.title = "retried".into();
    let saved = fresh.asave(&db).await?;
    assert_eq!(saved, Saved::Inserted, "the retried save of a never-stored row");
    assert_eq!(db.count(&AtkHooked::select()).await?, 1, "the retried save is lost");
    Ok(())
}

/// An update cancelled in after_save is rolled back; the instance's
/// `ModelState` must not remember the rolled-back values as stored, or the
/// next save leaves the change out.
pub async fn cancelled_hooked_update_keeps_the_change_dirty<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let made = AtkHooked::acreate(&db, hooked("original")).await?;
    let mut loaded = AtkHooked::aget_by_id(&db, made.id).await?;
    loaded.title = "changed".into();
    loaded.slow = true;
    let cancelled = tokio::time::timeout(Duration::from_millis(300), loaded.asave(&db)).await;
    assert!(cancelled.is_err(), "the slow hook is cancelled");
    assert_eq!(AtkHooked::aget_by_id(&db, made.id).await?.title, "original", "rolled back");

    loaded.slow = false;
    loaded.asave(&db).await?;
    assert_eq!(AtkHooked::aget_by_id(&db, made.id).await?.title, "changed", "the title change is lost");
    Ok(())
}

/// A hook that changed the instance, then failed: the docs promise "the
/// instance is left as before the save", but before_save's changes stay,
/// and the next save writes them on top (the counter says two saves after
/// one).
pub async fn failed_hook_leaves_the_instance_as_before<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let mut fresh = hooked("fail after");
    assert!(fresh.asave(&db).await.is_err());
    assert_eq!((fresh.id, db.count(&AtkHooked::select()).await?), (0, 0));
    assert_eq!(fresh.stamp, 0, "before_save's change to a refused insert stays on the instance");

    let made = AtkHooked::acreate(&db, hooked("kept")).await?;
    assert_eq!(made.stamp, 1);
    let mut loaded = AtkHooked::aget_by_id(&db, made.id).await?;
    loaded.title = "fail after".into();
    assert!(loaded.asave(&db).await.is_err());
    assert_eq!(AtkHooked::aget_by_id(&db, made.id).await?.stamp, 1, "the refused update is rolled back");
    loaded.title = "saved".into();
    loaded.asave(&db).await?;
    assert_eq!(
        AtkHooked::aget_by_id(&db, made.id).await?.stamp,
        2,
        "two successful saves, but the refused one's before_save change was written too"
    );
    Ok(())
}

/// A hook that panics: the write and the hooks' writes are rolled back,
/// inside an outer transaction only to the savepoint, and the connection
/// is clean for what follows (in a spawned task and in this one).
pub async fn panicking_hook_rolls_back_and_leaves_the_connection_clean<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let spawned = {
        let db = db.clone();
        tokio::spawn(async move { AtkHooked::acreate(&db, hooked("panic after")).await.map(|_| ()) })
    };
    assert!(spawned.await.expect_err("the hook panicked").is_panic());
    assert_eq!(db.count(&AtkHooked::select()).await?, 0);
    assert!(logs(&db).await?.is_empty());
    let status = settled_pool_status(&db).await;
    assert_eq!(status.idle, status.open, "{status:?}");

    // In this task, inside an outer transaction.
    let tx = db.atomic().await?;
    AtkHooked::acreate(&tx, hooked("before the panic")).await?;
    let mut doomed = hooked("panic after");
    assert!(catch_panic(doomed.asave(&tx).into_future()).await.is_err());
    AtkHooked::acreate(&tx, hooked("after the panic")).await?;
    tx.commit().await?;
    let titles: Vec<String> = db.list(&AtkHooked::select().columns(AtkHooked::TITLE).order_by(AtkHooked::ID)).await?;
    assert_eq!(titles, ["before the panic", "after the panic"]);
    // And in a block that is not inside another.
    assert!(catch_panic(AtkHooked::acreate(&db, hooked("panic after"))).await.is_err());
    AtkHooked::acreate(&db, hooked("next")).await?;
    assert_eq!(db.count(&AtkHooked::select()).await?, 3);
    Ok(())
}

/// Failed hooked inserts of every key shape leave no claimed key: an
/// `Option` key back to `None`, a new row saved `only(..)` some columns,
/// a composite application-assigned key insertable again.
pub async fn failed_hooked_inserts_of_every_key_shape<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;

    let mut opt = AtkOptHooked { title: "fail after".into(), ..Default::default() };
    assert!(opt.asave(&db).await.is_err());
    assert_eq!(opt.id, None);
    assert!(AtkOptHooked::acreate(&db, opt.clone()).await.is_err());
    opt.title = "fine".into();
    assert_eq!(opt.asave(&db).await?, Saved::Inserted);
    assert!(opt.id.is_some());

    let mut partial = hooked("fail after");
    assert!(partial.asave(&db).only((AtkHooked::TITLE, AtkHooked::STAMP)).await.is_err());
    assert_eq!(partial.id, 0, "the partial insert's key is taken back");
    partial.title = "partial".into();
    assert_eq!(partial.asave(&db).only((AtkHooked::TITLE, AtkHooked::STAMP)).await?, Saved::Inserted);

    let mut pair = AtkPairHooked { owner: 1, slot: 2, title: "fail after".into(), ..Default::default() };
    assert!(pair.asave(&db).force_insert().await.is_err());
    assert_eq!(db.count(&AtkPairHooked::select()).await?, 0);
    pair.title = "pair".into();
    assert_eq!(pair.asave(&db).force_insert().await?, Saved::Inserted);
    pair.title = "pair edited".into();
    assert_eq!(pair.asave(&db).await?, Saved::Updated(1));
    let events = logs(&db).await?;
    assert!(events.contains(&"pair after_save pair edited created=false".to_owned()), "{events:?}");
    Ok(())
}

/// Inside an outer transaction: a hooked `aget_or_create` whose insert
/// breaks a unique constraint, and a hooked delete refused by its hook,
/// each undo only their own work and leave the transaction usable; a hook
/// that saves another hooked model is undone with its caller.
pub async fn hooked_writes_inside_an_outer_transaction<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    AtkUniqHooked::acreate(&db, AtkUniqHooked { id: 0, code: "dup".into(), name: "first".into() }).await?;
    let victim = AtkHooked::acreate(&db, hooked("fail delete")).await?;
    logs(&db).await?;

    let tx = db.atomic().await?;
    AtkHooked::acreate(&tx, hooked("in tx")).await?;
    let raced = AtkUniqHooked::aget_or_create(&tx, AtkUniqHooked::NAME.eq("second"), || AtkUniqHooked {
        id: 0,
        code: "dup".into(),
        name: "second".into(),
    })
    .await;
    assert!(matches!(raced, Err(Error::Integrity { .. })), "{raced:?}");
    assert!(victim.adelete_instance(&tx).await.is_err());
    let refused = AtkUniqHooked::acreate(&tx, AtkUniqHooked { id: 0, code: "new".into(), name: "fail after".into() });
    assert!(refused.await.is_err());
    let made = AtkUniqHooked::aget_or_create(&tx, AtkUniqHooked::NAME.eq("third"), || AtkUniqHooked {
        id: 0,
        code: "third".into(),
        name: "third".into(),
    })
    .await?;
    assert!(made.1);
    tx.commit().await?;

    assert!(AtkHooked::aget_or_none(&db, AtkHooked::ID.eq(victim.id)).await?.is_some(), "the refused delete");
    assert_eq!(db.count(&AtkHooked::select()).await?, 2);
    let codes: Vec<String> =
        db.list(&AtkUniqHooked::select().columns(AtkUniqHooked::CODE).order_by(AtkUniqHooked::ID)).await?;
    assert_eq!(codes, ["dup", "third"]);
    let children: Vec<String> =
        db.list(&AtkOptHooked::select().columns(AtkOptHooked::TITLE).order_by(AtkOptHooked::ID)).await?;
    assert_eq!(children, ["child of dup", "child of third"], "the refused save's child is undone");
    let events = logs(&db).await?;
    assert_eq!(
        events.iter().filter(|e| e.starts_with("after_delete")).count(),
        0,
        "the refused delete's log is undone: {events:?}"
    );
    Ok(())
}

/// A hooked delete cancelled in after_delete keeps the row.
pub async fn cancelled_hooked_delete_keeps_the_row<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let mut doomed = AtkHooked::acreate(&db, hooked("doomed")).await?;
    doomed.slow = true;
    let cancelled = tokio::time::timeout(Duration::from_millis(300), doomed.adelete_instance(&db)).await;
    assert!(cancelled.is_err());
    assert!(AtkHooked::aget_or_none(&db, AtkHooked::ID.eq(doomed.id)).await?.is_some());
    doomed.slow = false;
    assert_eq!(doomed.adelete_instance(&db).await?, 1);
    Ok(())
}

/// A hook that writes and reads through the database handle rather than
/// its transaction: in the same task that is the transaction's connection
/// (no deadlock, even on a one-connection pool), it sees the row, and a
/// refusal undoes what it wrote.
pub async fn hook_through_the_database_handle_runs_in_the_transaction<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let handle: Arc<dyn Any + Send + Sync> = Arc::new(db.clone());
    let fresh = AtkDbHooked { id: 0, title: "fine".into(), db: Some(Arc::clone(&handle)) };
    let made = tokio::time::timeout(Duration::from_secs(20), AtkDbHooked::acreate(&db, fresh))
        .await
        .expect("a hook writing through the database deadlocks")?;
    assert_ne!(made.id, 0);
    assert_eq!(logs(&db).await?, ["db after_save fine", "db saw 1"]);

    let refused = AtkDbHooked { id: 0, title: "fail after".into(), db: Some(handle) };
    let refused = tokio::time::timeout(Duration::from_secs(20), AtkDbHooked::acreate(&db, refused))
        .await
        .expect("a hook writing through the database deadlocks");
    assert!(refused.is_err());
    assert!(logs(&db).await?.is_empty(), "what the hook wrote through the database is undone");
    assert_eq!(db.count(&AtkDbHooked::select()).await?, 1);
    Ok(())
}

/// Hooks run once each, in order, with the right `created`, on every
/// executor kind: a `Connection` handle, a `Transaction`.
pub async fn hooks_run_once_on_every_executor<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let conn = db.aconnect().await?;
    let mut on_conn = hooked("conn");
    on_conn.asave(&conn).await?;
    on_conn.title = "conn edit".into();
    on_conn.asave(&conn).await?;
    drop(conn);
    assert_eq!(
        logs(&db).await?,
        [
            "before_save conn created=true",
            "after_save conn created=true",
            "before_save conn edit created=false",
            "after_save conn edit created=false"
        ]
    );
    let tx = db.atomic().await?;
    let (made, created) = AtkHooked::aget_or_create(&tx, AtkHooked::TITLE.eq("tx"), || hooked("tx")).await?;
    assert!(created);
    tx.commit().await?;
    assert_eq!(logs(&db).await?, ["before_save tx created=true", "after_save tx created=true"]);
    assert_eq!(AtkHooked::aget_by_id(&db, made.id).await?.stamp, 1);
    Ok(())
}

/// A hooked model whose after_save saves a copy of itself (boxed: the
/// future is recursive), refused when the title says so.
#[derive(Model, Debug, Clone, Default)]
#[orm(hooks)]
pub struct AtkSelfSaver {
    pub id: i64,
    pub title: String,
}

impl Hooks for AtkSelfSaver {
    async fn after_save<B: Backend>(&mut self, tx: &Transaction<B>, created: bool) -> Result<()> {
        if created && !self.title.starts_with("copy of") {
            let mut copy = AtkSelfSaver { id: 0, title: format!("copy of {}", self.title) };
            let boxed: std::pin::Pin<Box<dyn Future<Output = Result<Saved>> + Send + '_>> =
                Box::pin(copy.asave(tx).into_future());
            boxed.await?;
        }
        match self.title.as_str() {
            "copy of fail" => Err(Error::interface("the copy is refused")),
            _ => Ok(()),
        }
    }
}

/// A hook that saves a copy of its own model through its transaction:
/// nested savepoints, no deadlock; the copy's refusal undoes the original.
pub async fn hook_saving_a_copy_of_itself<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    let made = tokio::time::timeout(
        Duration::from_secs(20),
        AtkSelfSaver::acreate(&db, AtkSelfSaver { id: 0, title: "orig".into() }),
    )
    .await
    .expect("a hook saving its own model deadlocks")?;
    assert_ne!(made.id, 0);
    assert_eq!(db.count(&AtkSelfSaver::select()).await?, 2);
    let mut refused = AtkSelfSaver { id: 0, title: "fail".into() };
    assert!(refused.asave(&db).await.is_err());
    assert_eq!(refused.id, 0);
    assert_eq!(db.count(&AtkSelfSaver::select()).await?, 2, "the copy refused, the original undone too");
    Ok(())
}
