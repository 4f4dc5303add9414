//! Relations filled without a query per row: joins that select the
//! related model, and eager loads (`with_related`, `aprefetch`) that send
//! one select per relation and level, counted from the statement spans.

use std::future::IntoFuture;

use ormcore::prelude::*;
use ormcore::{Load, Relations};

use crate::TestDb;
use crate::capture::Capture;
use crate::harness::open;
use crate::models::{Comment, Tweet, User, tweet, user};

/// huey (two tweets, the first with three comments), mickey (one tweet,
/// no comments), zaizee (no tweets).
async fn seed<T: TestDb>() -> Result<Database<T::Backend>> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Tweet::META, Comment::META]).await?;
    let huey = User::acreate(&db, user("huey")).await?;
    let mickey = User::acreate(&db, user("mickey")).await?;
    User::acreate(&db, user("zaizee")).await?;
    let meow = Tweet::acreate(&db, tweet(&huey, "meow")).await?;
    Tweet::acreate(&db, Tweet { is_published: false, ..tweet(&huey, "purr") }).await?;
    Tweet::acreate(&db, tweet(&mickey, "woof")).await?;
    let first = Comment::acreate(&db, comment(&meow, Some(&mickey), None, "nice")).await?;
    Comment::acreate(&db, comment(&meow, Some(&huey), Some(&first), "thanks")).await?;
    Comment::acreate(&db, comment(&meow, None, None, "anonymous")).await?;
    Ok(db)
}

fn comment(tweet: &Tweet, author: Option<&User>, reply_to: Option<&Comment>, body: &str) -> Comment {
    Comment {
        id: 0,
        tweet: ForeignKey::new(tweet.id),
        author: author.map(ForeignKey::from),
        reply_to: reply_to.map(ForeignKey::from),
        body: body.into(),
    }
}

/// The statements `future` sends, with its output.
async fn counted<F: std::future::Future>(future: F) -> (F::Output, Vec<String>) {
    let capture = Capture::new();
    let output = capture.run(future).await;
    let statements = capture.statements().iter().map(|s| s.field("db.statement").unwrap_or("?").to_owned()).collect();
    (output, statements)
}

/// The reference: "rows selected with a join expose their relations as
/// plain attribute access and no await is needed". A join that selects the
/// related model fills the foreign key; `afetch` then sends nothing.
pub async fn joins_fill_relations<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;

    let query = Tweet::select().join_related(Tweet::USER).order_by(Tweet::ID);
    let (tweets, sent) = counted(db.list(&query)).await;
    let tweets = tweets?;
    assert_eq!(sent.len(), 1, "one statement: {sent:?}");
    let authors: Vec<_> = tweets.iter().map(|t| t.user.get().map(|u| u.name.as_str())).collect();
    assert_eq!(authors, [Some("huey"), Some("huey"), Some("mickey")]);
    let (fetched, sent) = counted(async {
        let mut names = Vec::new();
        for tweet in &tweets {
            names.push(tweet.user.afetch(&db).await?.name.clone());
        }
        Ok::<_, Error>(names)
    })
    .await;
    assert_eq!(fetched?, ["huey", "huey", "mickey"]);
    assert!(sent.is_empty(), "preloaded relations send nothing: {sent:?}");

    // Filters on the joined model's columns, and `get` / `first`.
    let query = Tweet::select().join_related(Tweet::USER).where_(User::NAME.eq("mickey"));
    let woof = db.get(&query).await?;
    assert_eq!((woof.content.as_str(), woof.user.get().map(|u| u.name.as_str())), ("woof", Some("mickey")));
    let first = db.first(&Tweet::select().join_related(Tweet::USER).order_by(Tweet::ID.desc())).await?;
    assert_eq!(first.and_then(|t| t.user.get().map(|u| u.name.clone())).as_deref(), Some("mickey"));
    // A count of a joined select (a derived table with two `id`s).
    assert_eq!(db.count(&Tweet::select().join_related(Tweet::USER)).await?, 3);

    // Nullable keys: an inner join drops the anonymous comment, a left
    // join keeps it with nothing loaded.
    let inner = db.list(&Comment::select().join_related(Comment::AUTHOR).order_by(Comment::ID)).await?;
    assert_eq!(inner.iter().map(|c| c.body.as_str()).collect::<Vec<_>>(), ["nice", "thanks"]);
    let left = db.list(&Comment::select().left_join_related(Comment::AUTHOR).order_by(Comment::ID)).await?;
    let authors: Vec<_> =
        left.iter().map(|c| c.author.as_ref().and_then(|a| a.get()).map(|u| u.name.as_str())).collect();
    assert_eq!(authors, [Some("mickey"), Some("huey"), None]);

    // A model referencing its own table: the joined copy is aliased, and
    // two relations join at once.
    let query =
        Comment::select().left_join_related(Comment::REPLY_TO).join_related(Comment::TWEET).order_by(Comment::ID);
    let comments = db.list(&query).await?;
    let replies: Vec<_> =
        comments.iter().map(|c| c.reply_to.as_ref().and_then(|r| r.get()).map(|r| r.body.as_str())).collect();
    assert_eq!(replies, [None, Some("nice"), None]);
    assert!(comments.iter().all(|c| c.tweet.get().is_some_and(|t| t.content == "meow")));

    // Tuples stay available for ad-hoc projections.
    let pairs = db
        .list(
            &Tweet::select()
                .columns((Tweet::CONTENT, User::NAME))
                .join(Table::<User>::new(), Tweet::USER.eq(User::ID))
                .order_by(Tweet::ID),
        )
        .await?;
    assert_eq!(pairs[2], ("woof".to_owned(), "mickey".to_owned()));
    Ok(())
}

/// `with_related`: each relation and level is one select whatever the
/// number of rows: users, their tweets and the tweets' comments are three
/// statements, and reading what they loaded sends none.
pub async fn eager_loading_sends_one_select_per_level<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;

    let query = User::select().order_by(User::NAME).with_related(
        Load::has_many(Tweet::USER)
            .order_by(Tweet::ID)
            .with_related(Load::has_many(Comment::TWEET).order_by(Comment::ID.desc()).with_related(Comment::AUTHOR)),
    );
    let (users, sent) = counted(db.list(&query)).await;
    let users = users?;
    assert_eq!(sent.len(), 4, "users, tweets, comments, their authors: {sent:?}");
    // (user, [(tweet, [comment])]).
    type Shape<'a> = Vec<(&'a str, Vec<(&'a str, Vec<&'a str>)>)>;
    let shape: Shape<'_> = users
        .iter()
        .map(|u| {
            let tweets = u.related.get(Tweet::USER).expect("tweets loaded");
            let tweets = tweets
                .iter()
                .map(|t| {
                    let comments = t.related.get(Comment::TWEET).expect("comments loaded");
                    (t.content.as_str(), comments.iter().map(|c| c.body.as_str()).collect())
                })
                .collect();
            (u.name.as_str(), tweets)
        })
        .collect();
    assert_eq!(
        shape,
        [
            ("huey", vec![("meow", vec!["anonymous", "thanks", "nice"]), ("purr", vec![])]),
            ("mickey", vec![("woof", vec![])]),
            ("zaizee", vec![]),
        ]
    );
    // What was loaded is read with no statement: the comments' authors too.
    let (authors, sent) = counted(async {
        let meow = &users[0].related.get(Tweet::USER).unwrap()[0];
        let mut names = Vec::new();
        for comment in meow.related.get(Comment::TWEET).unwrap() {
            if let Some(author) = &comment.author {
                names.push(author.afetch(&db).await?.name.clone());
            }
        }
        Ok::<_, Error>(names)
    })
    .await;
    assert_eq!(authors?, ["huey", "mickey"]);
    assert!(sent.is_empty(), "{sent:?}");

    // The reference's `aprefetch(query, subqueries)`: a two-level prefetch
    // is exactly three statements.
    let users = User::select().order_by(User::NAME);
    let (users, sent) = counted(db.aprefetch(
        &users,
        Load::has_many(Tweet::USER).where_(Tweet::IS_PUBLISHED.eq(true)).with_related(Load::has_many(Comment::TWEET)),
    ))
    .await;
    let users = users?;
    assert_eq!(sent.len(), 3, "{sent:?}");
    let published: Vec<usize> = users.iter().map(|u| u.related.get(Tweet::USER).map_or(99, <[Tweet]>::len)).collect();
    assert_eq!(published, [1, 1, 0], "the filter applies per level");

    // Many-to-one: each tweet's user, one select for all; tweets of one
    // user share one copy of it.
    let (tweets, sent) = counted(db.list(&Tweet::select().order_by(Tweet::ID).with_related(Tweet::USER))).await;
    let tweets = tweets?;
    assert_eq!(sent.len(), 2, "{sent:?}");
    let (a, b) = (tweets[0].user.get().unwrap(), tweets[1].user.get().unwrap());
    assert!(std::ptr::eq(a, b), "one row, one copy");
    assert_eq!(tweets[2].user.get().map(|u| u.name.as_str()), Some("mickey"));

    // `get` and `first` load too; nothing to load sends nothing more.
    let (huey, sent) =
        counted(db.get(&User::select().where_(User::NAME.eq("huey")).with_related(Load::has_many(Tweet::USER)))).await;
    assert_eq!(huey?.related.get(Tweet::USER).map(<[Tweet]>::len), Some(2));
    assert_eq!(sent.len(), 2, "{sent:?}");
    let nobody = User::select().where_(User::NAME.eq("nobody")).with_related(Load::has_many(Tweet::USER));
    let (none, sent) = counted(db.first(&nobody)).await;
    assert!(none?.is_none());
    assert_eq!(sent.len(), 1, "no rows, no load: {sent:?}");
    // Loads through `aexecute`, and inside a transaction, on its connection.
    let tx = db.atomic().await?;
    let mut late = tweet(&users[2], "late");
    late = Tweet::acreate(&tx, late).await?;
    let zaizee = User::select().where_(User::NAME.eq("zaizee")).with_related(Load::has_many(Tweet::USER));
    let rows = zaizee.aexecute(&tx).await?;
    let loaded = rows[0].related.get(Tweet::USER).unwrap();
    assert_eq!(loaded.iter().map(|t| t.id).collect::<Vec<_>>(), [late.id], "sees the transaction's own rows");
    tx.rollback().await?;
    // A nullable key that is NULL loads nothing and sends no select when
    // no row has a key.
    let anonymous = Comment::select().where_(Comment::AUTHOR.is_null()).with_related(Comment::AUTHOR);
    let (anonymous, sent) = counted(db.list(&anonymous)).await;
    let anonymous = anonymous?;
    assert_eq!(anonymous.len(), 1);
    assert!(anonymous[0].author.is_none());
    assert_eq!(sent.len(), 1, "{sent:?}");
    Ok(())
}

/// A load over more keys than one statement may bind is split, and each
/// row still gets exactly its own related rows.
pub async fn eager_loads_past_the_parameter_limit<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Tweet::META]).await?;
    let count = db.dialect().max_params() + 10;
    let mut users: Vec<User> = (0..count).map(|i| user(&format!("u{i:06}"))).collect();
    User::abulk_create(&db, &mut users).await?;
    let mut tweets: Vec<Tweet> = users.iter().step_by(7).map(|u| tweet(u, &u.name)).collect();
    Tweet::abulk_create(&db, &mut tweets).await?;

    let (loaded, sent) = counted(db.list(&User::select().with_related(Load::has_many(Tweet::USER)))).await;
    let loaded = loaded?;
    assert_eq!(loaded.len(), count);
    assert!(sent.len() >= 3, "split: {}", sent.len());
    for user in &loaded {
        let tweets = user.related.get(Tweet::USER).expect("loaded");
        let expected: &[_] = if tweets.is_empty() { &[] } else { &[user.name.as_str()] };
        assert_eq!(tweets.iter().map(|t| t.content.as_str()).collect::<Vec<_>>(), expected);
    }
    let with_tweets = loaded.iter().filter(|u| !u.related.get(Tweet::USER).unwrap().is_empty()).count();
    assert_eq!(with_tweets, tweets.len());
    Ok(())
}

/// `Relations` is data beside the row: cloning shares what was loaded,
/// and comparing ignores it.
pub async fn loaded_relations_are_not_row_data<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let query = User::select().where_(User::NAME.eq("huey")).with_related(Load::has_many(Tweet::USER));
    let huey = db.get(&query).await?;
    let plain = db.get(&User::select().where_(User::NAME.eq("huey"))).await?;
    assert_eq!(huey, plain);
    assert!(!plain.related.is_loaded(Tweet::USER));
    let copy = huey.clone();
    assert_eq!(copy.related.get(Tweet::USER).map(<[Tweet]>::len), Some(2));
    assert_eq!(format!("{:?}", copy.related), r#"["user"]"#);
    let _ = Relations::default();
    Ok(())
}

/// `iterate` with eager loads: each batch's relations are one select per
/// relation, on a second connection (the stream's own is busy reading);
/// refused inside a transaction and on a database of one connection.
pub async fn eager_loading_on_streams_runs_per_batch<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let query = User::select()
        .order_by(User::NAME)
        .with_related(Load::has_many(Tweet::USER).order_by(Tweet::ID).with_related(Load::has_many(Comment::TWEET)));
    if db.pool_status().max_size < 2 {
        let error = db.iterate(&query).try_collect().await.expect_err("one connection");
        assert!(error.to_string().contains("one"), "{error}");
        return Ok(());
    }
    let capture = Capture::new();
    let users = capture.run(db.iterate(&query).buffer_size(2).try_collect()).await?;
    let spans = capture.statements();
    let streamed = spans.iter().filter(|s| s.field("kind") == Some("stream")).count();
    let loads = spans.len() - streamed;
    // Two batches, two relations each, except that the second batch
    // (zaizee) has no tweets, so its comments have no keys to look up.
    assert_eq!((streamed, loads), (1, 3), "{}", capture.render());
    let tweets: Vec<usize> = users.iter().map(|u| u.related.get(Tweet::USER).map_or(99, <[Tweet]>::len)).collect();
    assert_eq!(tweets, [2, 1, 0]);
    let meow = &users[0].related.get(Tweet::USER).unwrap()[0];
    assert_eq!(meow.related.get(Comment::TWEET).map(<[Comment]>::len), Some(3));

    // Joined relations fill on streams too, with no second connection.
    let tweets = db.iterate(&Tweet::select().join_related(Tweet::USER).order_by(Tweet::ID)).try_collect().await?;
    assert_eq!(tweets.iter().filter(|t| t.user.get().is_some()).count(), 3);

    // Inside a transaction the second connection would miss its writes.
    let tx = db.atomic().await?;
    let error = db.iterate(&query).try_collect().await.expect_err("refused in a transaction");
    assert!(matches!(&error, Error::Interface(m) if m.contains("transaction")), "{error:?}");
    let rows = db.list(&query).await?;
    assert_eq!(rows.len(), 3, "list works there");
    tx.commit().await?;
    Ok(())
}

/// A key-only foreign key (`ForeignKeyId`, the reference's
/// `lazy_load=False`) stores and reads its key, references its table, and
/// its row is loaded only when asked for by key.
pub async fn key_only_foreign_keys<T: TestDb>() -> Result<()> {
    use crate::models::Event;
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Event::META]).await?;
    let huey = User::acreate(&db, user("huey")).await?;
    let event = Event::acreate(&db, Event { id: 0, user: (&huey).into(), kind: "login".into() }).await?;
    let (events, sent) = counted(db.list(&Event::select().where_(Event::USER.eq(huey.id)))).await;
    let events = events?;
    assert_eq!((events.len(), sent.len()), (1, 1));
    assert_eq!(*events[0].user.key(), huey.id);
    assert_eq!(User::aget_by_id(&db, *event.user.key()).await?.name, "huey");
    // Joined explicitly, as a tuple.
    let pairs = db
        .list(&Event::select().columns((Event::KIND, User::NAME)).join(Table::<User>::new(), Event::USER.eq(User::ID)))
        .await?;
    assert_eq!(pairs, [("login".to_owned(), "huey".to_owned())]);
    assert_eq!(Event::META.columns[1].references.map(|t| t().name), Some(User::META.name));
    Ok(())
}

/// Foreign-key columns are named `<field>_id` and indexed, as in Peewee:
/// the index exists in the database, and raw SQL sees the column.
pub async fn foreign_keys_are_named_and_indexed<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let catalog = match db.dialect().name() {
        "SQLite" => "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'tweet'",
        "PostgreSQL" => {
            "SELECT indexname::text FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'tweet'"
        }
        _ => {
            "SELECT DISTINCT index_name FROM information_schema.statistics \
              WHERE table_schema = DATABASE() AND table_name = 'tweet'"
        }
    };
    let names: Vec<String> =
        db.aexecute_sql(catalog, vec![]).await?.fetchall().iter().map(|row| row.get(0)).collect::<Result<_>>()?;
    assert!(names.iter().any(|name| name == "tweet_user_id"), "{names:?}");
    assert!(names.iter().any(|name| name == "tweet_is_published"), "{names:?}");

    let sql = crate::harness::sql_for(db.dialect(), "SELECT COUNT(*) FROM {tweet} WHERE user_id IS NOT NULL");
    let mut rows = db.aexecute_sql(&sql, vec![]).await?;
    assert_eq!(rows.fetchone().map(|row| row.get::<i64>(0)).transpose()?, Some(3));
    Ok(())
}

/// `adelete_instance(..).recursive()`: what references the row goes first,
/// found through the foreign keys the models declare; nullable ones are
/// cleared unless `delete_nullable`. Models whose tables this database
/// lacks (`Profile`, `Pin`, `Event` reference `User` too) are passed over.
pub async fn recursive_delete_follows_declared_relations<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let mickey = User::aget(&db, User::NAME.eq("mickey")).await?;
    // mickey wrote a comment on huey's tweet: its author key refuses the
    // plain delete (the tweet itself would cascade in the database).
    let refused = mickey.adelete_instance(&db).await.expect_err("a comment references mickey");
    assert_eq!(refused.constraint_kind(), Some(ConstraintKind::ForeignKey), "{refused:?}");

    assert_eq!(mickey.adelete_instance(&db).recursive().await?, 1);
    assert!(User::aget_or_none(&db, User::NAME.eq("mickey")).await?.is_none());
    assert_eq!(db.count(&Tweet::select().where_(Tweet::CONTENT.eq("woof"))).await?, 0, "his tweet deleted");
    let nice = Comment::aget(&db, Comment::BODY.eq("nice")).await?;
    assert!(nice.author.is_none(), "his comment kept, its author cleared");
    assert_eq!(db.count(&Comment::select()).await?, 3);

    // huey with delete_nullable: his tweets, every comment on them (the
    // reply before the comment it replies to) and the comment he wrote.
    let huey = User::aget(&db, User::NAME.eq("huey")).await?;
    assert_eq!(huey.adelete_instance(&db).delete_nullable().await?, 1);
    assert_eq!((db.count(&Tweet::select()).await?, db.count(&Comment::select()).await?), (0, 0));
    assert_eq!(db.list(&User::select().columns(User::NAME)).await?, ["zaizee"]);

    // Nothing references zaizee; an instance deleted already deletes nothing.
    let zaizee = User::aget(&db, User::NAME.eq("zaizee")).await?;
    assert_eq!(zaizee.adelete_instance(&db).recursive().await?, 1);
    assert_eq!(zaizee.adelete_instance(&db).recursive().await?, 0);
    Ok(())
}

/// A chain of replies to replies, deeper than any statement could nest,
/// goes leaf first: no row is deleted while another still points at it,
/// on InnoDB too, which checks each row as it deletes it. Cut at any
/// await, the delete is all or nothing.
pub async fn recursive_delete_of_a_deep_chain<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Tweet::META, Comment::META]).await?;
    let huey = User::acreate(&db, user("huey")).await?;
    let meow = Tweet::acreate(&db, tweet(&huey, "meow")).await?;
    let mut last: Option<Comment> = None;
    for n in 0..60 {
        let reply = Comment::acreate(&db, comment(&meow, Some(&huey), last.as_ref(), &format!("reply {n}"))).await?;
        last = Some(reply);
    }

    for polls in 1.. {
        let done =
            crate::cases::hooks::poll_then_drop(meow.adelete_instance(&db).delete_nullable().into_future(), polls)
                .await;
        // One statement, one snapshot: a commit sent before the cut may
        // land while this reads, and is seen whole or not at all.
        let comments = Expr::<ormcore::types::Integer>::subquery(Comment::select().columns(func::count_star()));
        let snapshot = Tweet::select().columns((func::count_star(), comments));
        let (tweets, comments): (i64, i64) = db.get(&snapshot).await?;
        if let Some(result) = done {
            // 0 when an earlier cut's COMMIT, sent but not acknowledged,
            // landed after all.
            assert!(result? <= 1);
            assert_eq!((tweets, comments), (0, 0));
            break;
        }
        // Cut before its commit: nothing of it, once the rollback is in.
        assert!(
            matches!((tweets, comments), (1, 60) | (0, 0)),
            "after {polls} polls: {tweets} tweets, {comments} comments"
        );
        if (tweets, comments) == (0, 0) {
            break;
        }
        assert!(polls < 500, "never completed");
    }
    assert_eq!(db.count(&User::select()).await?, 1, "the author stays: only what references the tweet goes");
    Ok(())
}

/// Many-to-many through a junction model: add (idempotent), query both
/// ways, remove, clear, eager loads with a fixed number of statements, and
/// a recursive delete that takes the links along.
pub async fn many_to_many_through_a_junction<T: TestDb>() -> Result<()> {
    use crate::models::{Course, Enrollment, Student};
    let db = open::<T>().await;
    db.acreate_tables(&[Student::META, Course::META, Enrollment::META]).await?;
    let student = |name: &str| Student { name: name.into(), ..Student::default() };
    let course = |title: &str| Course { title: title.into(), ..Course::default() };
    let ann = Student::acreate(&db, student("ann")).await?;
    let bob = Student::acreate(&db, student("bob")).await?;
    let math = Course::acreate(&db, course("math")).await?;
    let art = Course::acreate(&db, course("art")).await?;
    let music = Course::acreate(&db, course("music")).await?;
    let titles = |query: Select<Course>| {
        let db = &db;
        async move { db.list(&query.columns(Course::TITLE).order_by(Course::TITLE)).await }
    };

    assert_eq!(Student::COURSES.add(&db, &ann, [&math, &art, &math]).await?, 2, "a repeat is one link");
    assert_eq!(Student::COURSES.add(&db, &ann, [&math, &music]).await?, 1, "a link kept is not added again");
    assert_eq!(Student::COURSES.add(&db, &ann, []).await?, 0);
    assert_eq!(titles(Student::COURSES.of(&ann)).await?, ["art", "math", "music"]);
    assert_eq!(Course::STUDENTS.add(&db, &math, [&bob]).await?, 1, "either direction");
    let students = db.list(&Course::STUDENTS.of(&math).columns(Student::NAME).order_by(Student::NAME)).await?;
    assert_eq!(students, ["ann", "bob"]);
    let status = db.list(&Enrollment::select().columns(Enrollment::STATUS).distinct()).await?;
    assert_eq!(status, ["enrolled"], "the junction's own column takes its default");
    // The query is a select like any: narrowed, counted.
    assert_eq!(db.count(&Student::COURSES.of(&ann).where_(Course::TITLE.ne("art"))).await?, 2);

    assert_eq!(Student::COURSES.remove(&db, &ann, [&art, &art]).await?, 1);
    assert_eq!(Student::COURSES.remove(&db, &ann, [&art]).await?, 0);
    assert_eq!(titles(Student::COURSES.of(&ann)).await?, ["math", "music"]);

    // Eager: the students, their links, the linked courses: three selects.
    let query = Student::select().order_by(Student::NAME).with_related(Student::COURSES.load());
    let (students, sent) = counted(db.list(&query)).await;
    let students = students?;
    assert_eq!(sent.len(), 3, "{sent:#?}");
    let loaded: Vec<Vec<&str>> = students
        .iter()
        .map(|s| {
            let mut titles: Vec<&str> = Student::COURSES.loaded(s).unwrap().iter().map(|c| c.title.as_str()).collect();
            titles.sort();
            titles
        })
        .collect();
    assert_eq!(loaded, [vec!["math", "music"], vec!["math"]]);
    assert!(Student::COURSES.loaded(&ann).is_none(), "not loaded on an instance read before");
    let prefetched = db.aprefetch(&Course::select().order_by(Course::TITLE), Course::STUDENTS.load()).await?;
    let counts: Vec<usize> = prefetched.iter().map(|c| Course::STUDENTS.loaded(c).unwrap().len()).collect();
    assert_eq!(counts, [0, 2, 1], "art, math, music");

    assert_eq!(Student::COURSES.clear(&db, &ann).await?, 2);
    assert_eq!(titles(Student::COURSES.of(&ann)).await?, [""; 0]);
    assert_eq!(db.list(&Course::STUDENTS.of(&math).columns(Student::NAME)).await?, ["bob"]);

    // Deleting bob recursively takes his links, not the courses.
    assert_eq!(bob.adelete_instance(&db).recursive().await?, 1);
    assert_eq!((db.count(&Enrollment::select()).await?, db.count(&Course::select()).await?), (0, 3));
    Ok(())
}
