//! The query builder against the real database: every kind of clause and
//! expression returns the rows it should.

use ormcore::prelude::*;
use ormcore::query::{All, Case, CompoundOp, Expr, Insert, Raw, Table, assign, excluded, exists};
use ormcore::types::{Integer, Text};

use crate::harness::{TestDb, assert_unsupported, open, sql_for};
use crate::models::{Counter, Membership, Tweet, User};

async fn seed<T: TestDb>() -> Result<Database<T::Backend>> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Tweet::META, Counter::META, Membership::META]).await?;
    for (name, active, email) in [
        ("alice", true, Some("alice@example.com")),
        ("bob", false, None),
        ("carol", true, Some("carol@example.org")),
        ("100%_real", true, None),
    ] {
        let user = User { name: name.into(), is_active: active, email: email.map(Into::into), ..User::default() };
        let user = User::acreate(&db, user).await?;
        for i in 0..user.name.len() % 4 {
            let tweet = Tweet {
                id: 0,
                user: ForeignKey::new(user.id),
                content: format!("{name} {i}"),
                is_published: i % 2 == 0,
                related: Relations::default(),
            };
            Tweet::acreate(&db, tweet).await?;
        }
    }
    Ok(db)
}

async fn names<T: TestDb>(db: &Database<T::Backend>, filter: Expr<ormcore::types::Bool>) -> Result<Vec<String>> {
    db.list(&User::select().columns(User::NAME).where_(filter).order_by(User::NAME)).await
}

/// Comparisons, boolean logic, IN, BETWEEN, IS NULL.
pub async fn filters<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    assert_eq!(names::<T>(&db, User::NAME.eq("bob")).await?, ["bob"]);
    assert_eq!(
        names::<T>(&db, User::NAME.ne("bob") & User::IS_ACTIVE.eq(true)).await?,
        ["100%_real", "alice", "carol"]
    );
    assert_eq!(names::<T>(&db, User::NAME.eq("bob") | User::NAME.eq("carol")).await?, ["bob", "carol"]);
    assert_eq!(names::<T>(&db, !User::IS_ACTIVE.eq(true)).await?, ["bob"]);
    assert_eq!(names::<T>(&db, User::NAME.in_(["alice", "carol", "zed"])).await?, ["alice", "carol"]);
    assert_eq!(names::<T>(&db, User::NAME.in_(Vec::<&str>::new())).await?, Vec::<String>::new());
    assert_eq!(names::<T>(&db, User::NAME.not_in(Vec::<&str>::new())).await?.len(), 4);
    assert_eq!(names::<T>(&db, User::NAME.between("b", "c")).await?, ["bob"]);
    assert_eq!(names::<T>(&db, User::EMAIL.is_null()).await?, ["100%_real", "bob"]);
    assert_eq!(names::<T>(&db, User::EMAIL.is_not_null()).await?, ["alice", "carol"]);
    assert_eq!(names::<T>(&db, User::ID.gt(1).and(User::ID.le(3))).await?, ["bob", "carol"]);
    Ok(())
}

/// LIKE and the helpers, whose wildcards in the argument match literally.
pub async fn pattern_matching<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    assert_eq!(names::<T>(&db, User::EMAIL.like("%@example.com")).await?, ["alice"]);
    assert_eq!(names::<T>(&db, User::NAME.contains("AR")).await?, ["carol"]);
    assert_eq!(names::<T>(&db, User::NAME.startswith("AL")).await?, ["alice"]);
    assert_eq!(names::<T>(&db, User::NAME.endswith("OB")).await?, ["bob"]);
    assert_eq!(names::<T>(&db, User::NAME.contains("%_")).await?, ["100%_real"]);
    assert_eq!(names::<T>(&db, User::NAME.startswith("_")).await?, Vec::<String>::new());
    assert_eq!(names::<T>(&db, User::NAME.ilike("C%")).await?, ["carol"]);
    Ok(())
}

/// Joins, GROUP BY, HAVING, aggregates, aliases, DISTINCT.
pub async fn joins_and_aggregates<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let per_user = User::select()
        .columns((User::NAME, func::count(Tweet::ID)))
        .left_join(Table::<Tweet>::new(), Tweet::USER.eq(User::ID))
        .group_by(User::NAME)
        .order_by(User::NAME);
    let counts = db.list(&per_user).await?;
    assert_eq!(counts, [("100%_real".into(), 1), ("alice".into(), 1), ("bob".into(), 3), ("carol".into(), 1)]);

    let busy = User::select()
        .columns(User::NAME)
        .join(Table::<Tweet>::new(), Tweet::USER.eq(User::ID))
        .group_by(User::NAME)
        .having(func::count_star().gt(2));
    assert_eq!(db.list(&busy).await?, ["bob"]);

    let published = Tweet::select().columns(Tweet::USER).where_(Tweet::IS_PUBLISHED.eq(true)).distinct();
    assert_eq!(db.count(&published).await?, 4);

    let stats = Tweet::select().columns((func::count_star().alias("n"), func::min(Tweet::ID), func::max(Tweet::ID)));
    let (n, low, high) = db.get(&stats).await?;
    assert_eq!((n, high - low + 1), (6, 6));

    let pairs = Tweet::select()
        .columns((All::<Tweet>::new(), All::<User>::new()))
        .join(Table::<User>::new(), Tweet::USER.eq(User::ID))
        .where_(User::NAME.eq("bob"))
        .order_by(Tweet::ID);
    let pairs = db.list(&pairs).await?;
    assert_eq!(pairs.len(), 3);
    assert!(pairs.iter().all(|(tweet, author)| *tweet.user.key() == author.id && author.name == "bob"));
    Ok(())
}

/// Subqueries in IN, EXISTS and FROM; compound selects.
pub async fn subqueries_and_compounds<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let tweeters = Tweet::select().columns(Tweet::USER).where_(Tweet::IS_PUBLISHED.eq(false));
    assert_eq!(names::<T>(&db, User::ID.in_query(tweeters.clone())).await?, ["bob"]);
    assert_eq!(names::<T>(&db, User::ID.not_in_query(tweeters)).await?, ["100%_real", "alice", "carol"]);

    let has_tweets =
        exists(Tweet::select().columns(Tweet::ID).where_(Tweet::USER.eq(User::ID).and(Tweet::CONTENT.endswith("2"))));
    assert_eq!(names::<T>(&db, has_tweets).await?, ["bob"]);

    let inner =
        User::select().columns((User::NAME.alias("n"), User::IS_ACTIVE.alias("a"))).where_(User::IS_ACTIVE.eq(true));
    let outer = ormcore::query::Select::from(inner.alias("active"))
        .columns(Expr::<Text>::column("active", "n"))
        .order_by(Expr::<Text>::column("active", "n").desc());
    assert_eq!(db.list(&outer).await?, ["carol", "alice", "100%_real"]);

    let a = User::select().columns(User::NAME).where_(User::NAME.in_(["alice", "bob"]));
    let b = User::select().columns(User::NAME).where_(User::NAME.in_(["bob", "carol"]));
    let union = a.clone().union(b.clone()).order_by(User::NAME);
    assert_eq!(db.list(&union).await?, ["alice", "bob", "carol"]);
    let union_all = db.list(&a.clone().union_all(b.clone())).await?;
    assert_eq!(union_all.len(), 4);
    // `INTERSECT` and `EXCEPT` came late to MySQL (8.0.31) and MariaDB
    // (10.3): refused clearly where the dialect has neither.
    let dialect = db.dialect();
    let intersect = db.list(&a.clone().intersect(b.clone())).await;
    if dialect.supports_compound(CompoundOp::Intersect) {
        assert_eq!(intersect?, ["bob"]);
    } else {
        assert_unsupported(intersect, dialect, "INTERSECT");
    }
    let except = db.list(&a.except(b)).await;
    if dialect.supports_compound(CompoundOp::Except) {
        assert_eq!(except?, ["alice"]);
    } else {
        assert_unsupported(except, dialect, "EXCEPT");
    }
    Ok(())
}

/// ORDER BY, LIMIT, OFFSET, pagination.
pub async fn ordering_and_paging<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let by_name = User::select().columns(User::NAME).order_by(User::NAME.desc());
    assert_eq!(db.list(&by_name.clone().limit(2)).await?, ["carol", "bob"]);
    assert_eq!(db.list(&by_name.clone().offset(3)).await?, ["100%_real"]);
    assert_eq!(db.list(&by_name.clone().paginate(2, 3)).await?, ["100%_real"]);
    let two_keys = User::select().columns(User::NAME).order_by(User::IS_ACTIVE).order_by(User::NAME.desc());
    assert_eq!(db.list(&two_keys).await?, ["bob", "carol", "alice", "100%_real"]);
    // Numbers no database takes are refused clearly, never wrapped or
    // overflowed: a page whose offset does not fit, a limit past 2^63 - 1.
    let far = db.list(&by_name.clone().paginate(1 << 33, 1 << 32)).await;
    assert!(matches!(&far, Err(Error::Interface(m)) if m.contains("OFFSET")), "{far:?}");
    let huge = db.list(&by_name.clone().limit(u64::MAX)).await;
    assert!(matches!(&huge, Err(Error::Interface(m)) if m.contains("LIMIT")), "{huge:?}");
    assert_eq!(db.list(&by_name.clone().paginate(0, 1)).await?, ["carol"], "page 0 is the first page");
    Ok(())
}

/// Expressions: arithmetic in updates, CASE, CAST, functions, COALESCE.
pub async fn expressions<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let counter = Counter::acreate(&db, Counter { name: "hits".into(), value: 1, ..Counter::default() }).await?;
    for _ in 0..3 {
        db.aexecute(&Counter::update().set(Counter::VALUE, Counter::VALUE + 1).where_(Counter::ID.eq(counter.id)))
            .await?;
    }
    let doubled = Counter::update().set(Counter::VALUE, Counter::VALUE * 2 - 1).where_(Counter::NAME.eq("hits"));
    assert_eq!(db.aexecute(&doubled).await?, 1);
    assert_eq!(Counter::aget_by_id(&db, counter.id).await?.value, 7);

    let label = Case::<Text>::new().when(User::IS_ACTIVE.eq(true), "active").otherwise("inactive");
    let labels = db.list(&User::select().columns((User::NAME, label)).order_by(User::NAME)).await?;
    assert_eq!(labels[1], ("alice".to_owned(), "active".to_owned()));
    assert_eq!(labels[2], ("bob".to_owned(), "inactive".to_owned()));

    let by_id = Case::<Text>::on(User::ID).when_value(1, "one").when_value(2, "two").end();
    let spelled: Vec<Option<String>> =
        db.list(&User::select().columns(by_id).order_by(User::ID).decode_as::<Option<String>>()).await?;
    assert_eq!(spelled, [Some("one".into()), Some("two".into()), None, None]);

    let lengths = db.list(&User::select().columns(func::length(User::NAME)).where_(User::NAME.eq("alice"))).await?;
    assert_eq!(lengths, [5]);
    let upper =
        db.list(&User::select().columns(func::upper(User::NAME)).where_(func::lower(User::NAME).eq("bob"))).await?;
    assert_eq!(upper, ["BOB"]);
    let emails = db.list(&User::select().columns(func::coalesce(User::EMAIL, "none")).order_by(User::NAME)).await?;
    assert_eq!(emails, ["none", "alice@example.com", "none", "carol@example.org"]);
    let cast = db
        .list(
            &User::select()
                .columns(User::ID.cast::<Text>(ormcore::query::CastType::Text))
                .where_(User::NAME.eq("alice")),
        )
        .await?;
    assert_eq!(cast, ["1"]);
    let concat = db.list(&User::select().columns(User::NAME.concat("!")).where_(User::NAME.eq("bob"))).await?;
    assert_eq!(concat, ["bob!"]);
    let sum: Option<i64> = db.scalar(&Counter::select().columns(func::sum(Counter::VALUE))).await?;
    assert_eq!(sum, Some(7));
    let negated = db.list(&Counter::select().columns(-Counter::VALUE)).await?;
    assert_eq!(negated, [-7]);
    Ok(())
}

/// Insert one row, many rows, from a select; upserts; RETURNING on every
/// write.
pub async fn writes<T: TestDb>() -> Result<()> {
    let db = seed::<T>().await?;
    let rows = [
        Membership { group_name: "admins".into(), member: "alice".into(), since: 2020 },
        Membership { group_name: "admins".into(), member: "bob".into(), since: 2021 },
    ];
    Membership::insert_many(&rows).aexecute(&db).await?;
    assert_eq!(db.count(&Membership::select()).await?, 2);
    let error = Membership::insert_many(&rows[..1]).aexecute(&db).await.expect_err("composite key");
    assert_eq!(error.constraint_kind(), Some(ormcore::ConstraintKind::Unique));

    Membership::insert_many(&rows).on_conflict_ignore().aexecute(&db).await?;
    assert_eq!(db.count(&Membership::select()).await?, 2);

    let newer = Membership { since: 2030, ..rows[0].clone() };
    Membership::insert_many([&newer])
        .on_conflict((Membership::GROUP_NAME, Membership::MEMBER))
        .do_update_set([assign(Membership::SINCE, excluded(Membership::SINCE))])
        .aexecute(&db)
        .await?;
    let since: Vec<i32> =
        db.list(&Membership::select().columns(Membership::SINCE).where_(Membership::MEMBER.eq("alice"))).await?;
    assert_eq!(since, [2030]);

    let everyone = User::select().columns((Expr::<Text>::value("users"), User::NAME, Expr::<Integer>::value(2000)));
    let copied = Insert::<Membership>::from_select(&["group_name", "member", "since"], everyone);
    db.aexecute(&copied).await?;
    assert_eq!(db.count(&Membership::select().where_(Membership::GROUP_NAME.eq("users"))).await?, 4);

    // RETURNING where the dialect has it (MySQL has it on no write,
    // MariaDB on inserts and deletes); elsewhere the write is refused
    // before anything is sent, and done here without it.
    let dialect = db.dialect();
    let daves = User::select().where_(User::NAME.eq("dave"));
    let insert = User::insert().set(User::NAME, "dave").returning((User::ID, User::NAME)).aexecute(&db).await;
    let dave_id = if dialect.supports_insert_returning() {
        let inserted = insert?;
        assert_eq!(inserted.len(), 1);
        assert_eq!(inserted[0].1, "dave");
        inserted[0].0
    } else {
        assert_unsupported(insert, dialect, "INSERT ... RETURNING");
        assert_eq!(db.count(&daves).await?, 0, "nothing was inserted");
        User::insert().set(User::NAME, "dave").aexecute(&db).await?.expect("the new row's key")
    };
    let update = || User::update().set(User::EMAIL, "d@example.com").where_(User::NAME.eq("dave"));
    let updated = update().returning_all().aexecute(&db).await;
    if dialect.supports_update_returning() {
        assert_eq!(updated?[0].email.as_deref(), Some("d@example.com"));
    } else {
        assert_unsupported(updated, dialect, "UPDATE ... RETURNING");
        assert_eq!(User::aget_by_id(&db, dave_id).await?.email, None, "nothing was updated");
        assert_eq!(update().aexecute(&db).await?, 1);
    }
    let deleted = User::delete().where_(User::ID.eq(dave_id)).returning(User::EMAIL).aexecute(&db).await;
    if dialect.supports_delete_returning() {
        assert_eq!(deleted?, [Some("d@example.com".to_owned())]);
    } else {
        assert_unsupported(deleted, dialect, "DELETE ... RETURNING");
        assert_eq!(User::aget_by_id(&db, dave_id).await?.email.as_deref(), Some("d@example.com"), "nothing deleted");
        assert_eq!(User::delete().where_(User::ID.eq(dave_id)).aexecute(&db).await?, 1);
    }
    assert_eq!(db.count(&daves).await?, 0);

    let raw = Raw::<(i64, String)>::new(
        sql_for(dialect, "SELECT id, name FROM {user} WHERE name = ? AND ? = '?'"),
        vec!["bob".into(), "?".into()],
    );
    let found = db.list(&raw).await?;
    assert_eq!(found.len(), 1);
    assert_eq!(found[0].1, "bob");
    Ok(())
}

/// Window functions (`OVER (PARTITION BY .. ORDER BY ..)`): a row's number
/// and rank within its partition, an aggregate per partition on every row,
/// the previous row's value; the same results on every backend, or
/// `Unsupported` on a server without them.
pub async fn window_functions<T: TestDb>() -> Result<()> {
    use ormcore::query::Window;
    let db = seed::<T>().await?;
    let newest_first = Window::new().partition_by(Tweet::USER).order_by(Tweet::ID.desc());
    let per_user = || Window::new().partition_by(Tweet::USER);
    let q = Tweet::select()
        .columns((
            Tweet::CONTENT,
            func::row_number().over(newest_first),
            func::count(Tweet::ID).over(per_user()),
            func::lag(Tweet::CONTENT).over(per_user().order_by(Tweet::ID)),
            func::rank().over(Window::new().order_by(Tweet::USER)),
            func::dense_rank().over(Window::new().order_by(Tweet::USER)),
        ))
        .order_by(Tweet::ID)
        // LAG is NULL for a partition's first row.
        .decode_as::<(String, i64, i64, Option<String>, i64, i64)>();
    if !db.dialect().supports_window_functions() {
        assert_unsupported(db.list(&q).await, db.dialect(), "window functions");
        return Ok(());
    }
    let rows = db.list(&q).await?;
    // (content, newest-first number, tweets of its user, the user's
    // previous tweet, rank and dense rank by user)
    type Seen<'a> = (&'a str, i64, i64, Option<&'a str>, i64, i64);
    let expected: [Seen<'_>; 6] = [
        ("alice 0", 1, 1, None, 1, 1),
        ("bob 0", 3, 3, None, 2, 2),
        ("bob 1", 2, 3, Some("bob 0"), 2, 2),
        ("bob 2", 1, 3, Some("bob 1"), 2, 2),
        ("carol 0", 1, 1, None, 5, 3),
        ("100%_real 0", 1, 1, None, 6, 4),
    ];
    let seen: Vec<Seen<'_>> = rows
        .iter()
        .map(|(c, n, total, prev, rank, dense)| (c.as_str(), *n, *total, prev.as_deref(), *rank, *dense))
        .collect();
    assert_eq!(seen, expected);
    Ok(())
}

/// Common table expressions: a named query read as a table, and recursive
/// ones that read themselves (a counter; a subtree of a tree), with the
/// same rows on every backend, or `Unsupported` on a server without them.
pub async fn common_table_expressions<T: TestDb>() -> Result<()> {
    use ormcore::query::Cte;

    use crate::models::Category;
    let db = seed::<T>().await?;
    db.acreate_tables(&[Category::META]).await?;

    let active = Cte::new("active", User::select().where_(User::IS_ACTIVE.eq(true)));
    let name = active.column::<Text>("name");
    let q = Select::from(active.table()).columns(name.clone()).order_by(name).with(active);
    if !db.dialect().supports_ctes() {
        assert_unsupported(db.list(&q).await, db.dialect(), "common table expressions");
        return Ok(());
    }
    assert_eq!(db.list(&q).await?, ["100%_real", "alice", "carol"]);
    // A compound member with a CTE of its own (SQLite takes it only as a
    // derived table).
    let bob = Cte::new("only_bob", User::select().columns(User::NAME).where_(User::NAME.eq("bob")));
    let member = Select::from(bob.table()).columns(bob.column::<Text>("name")).with(bob);
    let q = User::select().columns(User::NAME).where_(User::NAME.eq("alice")).union(member).order_by(User::NAME);
    assert_eq!(db.list(&q).await?, ["alice", "bob"]);

    // WITH RECURSIVE n (x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < 5)
    let counter = Cte::recursive("n").columns(["x"]);
    let x = counter.column::<Integer>("x");
    let first = Select::constant(Expr::<Integer>::value(1));
    let next = Select::from(counter.table()).columns(x.clone() + 1).where_(x.clone().lt(5));
    let counter = counter.query(first.union_all(next));
    let numbers = Select::from(counter.table()).columns(x.clone()).order_by(x).with(counter);
    assert_eq!(db.list(&numbers).await?, [1, 2, 3, 4, 5]);

    // Every category under "tools", however deep.
    let mut ids = std::collections::HashMap::new();
    for (name, parent) in [
        ("tools", None),
        ("saws", Some("tools")),
        ("hand saws", Some("saws")),
        ("food", None),
        ("hammers", Some("tools")),
    ] {
        let parent_id = parent.map(|p| ids[p]);
        let made = Category::acreate(&db, Category { id: 0, parent_id, name: name.into() }).await?;
        ids.insert(name, made.id);
    }
    let subtree = Cte::recursive("subtree").columns(["id", "name"]);
    let root = Category::select().columns((Category::ID, Category::NAME)).where_(Category::NAME.eq("tools"));
    let children = Category::select()
        .columns((Category::ID, Category::NAME))
        .join(subtree.table(), Category::PARENT_ID.eq(subtree.column::<Integer>("id")));
    let subtree = subtree.query(root.union_all(children));
    let name = subtree.column::<Text>("name");
    let q = Select::from(subtree.table()).columns(name.clone()).order_by(name).with(subtree);
    assert_eq!(db.list(&q).await?, ["hammers", "hand saws", "saws", "tools"]);
    Ok(())
}
