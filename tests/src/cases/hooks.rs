//! Model hooks (the reference's signals): before/after save and delete, in
//! order, in the write's transaction, on every instance write path; a
//! hook's error undoes the write and leaves the instance as it was.

use std::future::Future;
use std::pin::pin;
use std::task::Poll;

use ormcore::prelude::*;

use crate::TestDb;
use crate::capture::Capture;
use crate::harness::open;
use crate::models::{HookLog, Post, User, user};

async fn setup<T: TestDb>() -> Result<Database<T::Backend>> {
    let db = open::<T>().await;
    db.acreate_tables(&[Post::META, HookLog::META, User::META]).await?;
    Ok(db)
}

/// The events logged since the last call, clearing them.
async fn events<E: Executor>(db: &E) -> Result<Vec<String>> {
    let logged = db.list(&HookLog::select().order_by(HookLog::ID)).await?;
    HookLog::delete().aexecute(db).await?;
    Ok(logged.into_iter().map(|l| l.event).collect())
}

fn post(title: &str) -> Post {
    Post { title: title.into(), ..Post::default() }
}

/// Each path runs its hooks in order, inside the write's transaction.
pub async fn hooks_run_in_order_on_every_instance_path<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;

    let mut first = Post::acreate(&db, post("first post")).await?;
    assert_eq!((first.slug.as_str(), first.saves), ("first-post", 1), "before_save's changes are saved");
    assert_eq!(
        events(&db).await?,
        ["before_save first post created=true", "after_save first post created=true keyed=true"]
    );
    let stored = Post::aget_by_id(&db, first.id).await?;
    assert_eq!((stored.slug.as_str(), stored.saves), ("first-post", 1));

    first.title = "first edit".into();
    assert_eq!(first.asave(&db).await?, Saved::Updated(1));
    assert_eq!(
        events(&db).await?,
        ["before_save first edit created=false", "after_save first edit created=false keyed=true"]
    );
    assert_eq!(Post::aget_by_id(&db, first.id).await?.slug, "first-edit");

    // Nothing changed but the hooks run, and what before_save changes is
    // saved (the reference's signals fire on every save).
    assert_eq!(first.asave(&db).await?, Saved::Updated(1));
    assert_eq!(Post::aget_by_id(&db, first.id).await?.saves, 3);
    events(&db).await?;

    let mut fresh = post("saved new");
    assert_eq!(fresh.asave(&db).await?, Saved::Inserted);
    assert_eq!(events(&db).await?[0], "before_save saved new created=true");
    let mut forced = Post { id: 4242, ..post("forced") };
    assert_eq!(forced.asave(&db).force_insert().await?, Saved::Inserted);
    assert_eq!(events(&db).await?[0], "before_save forced created=true");

    let (made, created) = Post::aget_or_create(&db, Post::TITLE.eq("made"), || post("made")).await?;
    assert!(created);
    assert_eq!(events(&db).await?.len(), 2);
    let (_, created) = Post::aget_or_create(&db, Post::TITLE.eq("made"), || post("made")).await?;
    assert!(!created);
    assert!(events(&db).await?.is_empty(), "found, not saved: no hooks");

    assert_eq!(made.adelete_instance(&db).await?, 1);
    assert_eq!(events(&db).await?, ["before_delete made", "after_delete made"]);
    assert!(Post::aget_or_none(&db, Post::ID.eq(made.id)).await?.is_none());

    // Column writes are not instance writes: no hooks, as in the reference.
    Post::create(&db).set(Post::TITLE, "columns").set(Post::SLUG, "columns").set(Post::SAVES, 0).await?;
    Post::update().set(Post::SAVES, 0).aexecute(&db).await?;
    assert!(events(&db).await?.is_empty());

    // Models without hooks open no transaction for them: one statement.
    let capture = Capture::new();
    capture.run(User::acreate(&db, user("plain"))).await?;
    assert_eq!(capture.statements().len(), 1, "{}", capture.render());
    Ok(())
}

/// A hook's error undoes the write and the hooks' own writes, and leaves
/// the instance as it was: no key from a rolled-back insert, every column
/// dirty again.
pub async fn a_failing_hook_undoes_the_write<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;

    for hook in ["before_save", "after_save"] {
        let title = format!("refuse {hook}");
        let error = Post::acreate(&db, post(&title)).await.expect_err("refused");
        assert!(error.to_string().contains(&format!("refused by {hook}")), "{error}");
        let mut unsaved = post(&title);
        assert!(unsaved.asave(&db).await.is_err());
        assert_eq!(unsaved.id, 0, "{hook}: the rolled-back insert's key is taken back");
        assert_eq!(db.count(&Post::select()).await?, 0, "{hook}");
        assert!(events(&db).await?.is_empty(), "{hook}: the hooks' writes are undone too");
    }

    // An update refused after it ran is undone; the instance is as it was
    // before the save: what before_save changed is taken back, and the
    // change the save carried is still unsaved.
    let mut kept = Post::acreate(&db, post("kept")).await?;
    events(&db).await?;
    kept.title = "refuse after_save".into();
    assert!(kept.asave(&db).await.is_err());
    assert_eq!(Post::aget_by_id(&db, kept.id).await?.title, "kept");
    assert_eq!((kept.title.as_str(), kept.slug.as_str(), kept.saves), ("refuse after_save", "kept", 1));
    let title = Post::META.columns.iter().position(|c| c.name == "title").unwrap();
    assert!(kept.state.dirty_columns(&kept.column_values()).contains(&title), "still dirty");
    kept.title = "kept again".into();
    assert_eq!(kept.asave(&db).await?, Saved::Updated(1));
    events(&db).await?;

    // A refused delete keeps the row.
    for hook in ["before_delete", "after_delete"] {
        let doomed = Post::acreate(&db, post(&format!("refuse {hook}"))).await?;
        events(&db).await?;
        assert!(doomed.adelete_instance(&db).await.is_err());
        assert!(Post::aget_or_none(&db, Post::ID.eq(doomed.id)).await?.is_some(), "{hook}");
        assert!(events(&db).await?.is_empty(), "{hook}");
    }

    // Inside a transaction, a refused write rolls back to its savepoint:
    // the transaction's own work stays.
    let tx = db.atomic().await?;
    Post::acreate(&tx, post("in tx")).await?;
    assert!(Post::acreate(&tx, post("refuse after_save")).await.is_err());
    tx.commit().await?;
    let titles: Vec<String> = db.list(&Post::select().columns(Post::TITLE).order_by(Post::ID)).await?;
    assert!(titles.contains(&"in tx".to_owned()));
    assert!(!titles.iter().any(|t| t == "refuse after_save"), "{titles:?}");
    Ok(())
}

/// Poll `future` at most `polls` times, then drop it.
pub(crate) async fn poll_then_drop<F: Future>(future: F, polls: usize) -> Option<F::Output> {
    let mut future = pin!(future);
    let mut seen = 0;
    std::future::poll_fn(|cx| match future.as_mut().poll(cx) {
        Poll::Ready(output) => Poll::Ready(Some(output)),
        Poll::Pending => {
            seen += 1;
            if seen >= polls { Poll::Ready(None) } else { Poll::Pending }
        }
    })
    .await
}

/// A hooked save dropped at each of its awaits is all or nothing: the row
/// and both hooks' log lines, or none of them, and the connection clean
/// for the next statement.
///
/// A dropped save whose COMMIT was already sent may still land after the
/// drop returns, so each check reads the row and the log lines of its own
/// title in one statement: one snapshot, which sees the commit whole or not
/// at all.
pub async fn a_hooked_save_cancelled_anywhere_is_all_or_nothing<T: TestDb>() -> Result<()> {
    let db = setup::<T>().await?;
    for polls in 1.. {
        let title = format!("cancelled {polls}");
        let done = poll_then_drop(Post::acreate(&db, post(&title)), polls).await;
        let logs = HookLog::select().columns(func::count_star()).where_(HookLog::EVENT.contains(&format!(" {title} ")));
        let snapshot = Post::select()
            .columns((func::count_star(), Expr::<ormcore::types::Integer>::subquery(logs)))
            .where_(Post::TITLE.eq(title.as_str()));
        let (rows, logged): (i64, i64) = db.get(&snapshot).await?;
        assert!(
            (rows, logged) == (1, 2) || (rows, logged) == (0, 0),
            "dropped after {polls} polls: {rows} rows, {logged} log lines"
        );
        if let Some(result) = done {
            result?;
            assert_eq!(rows, 1);
            break;
        }
        assert!(polls < 200, "never completed");
    }
    Ok(())
}
