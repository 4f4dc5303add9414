//! `#[derive(Model)]` without a database: the metadata it builds, the
//! column constants, values, keys, row decoding, back-references, and
//! typed expressions over the generated columns.

use ormcore::prelude::*;
use ormcore::query::{BinaryOp, ExprNode};
use ormcore::schema::ColumnType;
use ormcore::schema::{DefaultValue, OnDelete};
use ormcore::{FromRow, Row, TableMeta, Value, ValueRef};

/// Every column attribute, the implicit `id` key, a state and a skipped
/// field. `Default` comes from the derive, with the declared defaults.
#[derive(Model, Debug)]
struct User {
    id: i64,
    #[orm(unique, max_length = 64)]
    name: String,
    #[orm(index)]
    email: Option<String>,
    #[orm(default = 18)]
    age: i32,
    #[orm(default = 1.5)]
    score: f64,
    #[orm(default = true)]
    active: bool,
    #[orm(default = "member")]
    role: String,
    #[orm(default = -1)]
    balance: i64,
    #[orm(column = "created", default_now)]
    created_at: Option<String>,
    #[orm(state)]
    state: ModelState,
    #[orm(skip)]
    cache: Vec<String>,
}

/// Foreign keys, back-references, on_delete, a nullable auto key, a table
/// name, struct-level indexes.
#[derive(Model, Debug)]
#[orm(table = "tweets", index(user, created), unique(user, slug, name = "tweets_user_slug"))]
struct Tweet {
    #[orm(auto_increment)]
    tweet_id: Option<i32>,
    #[orm(backref = "tweets", on_delete = "cascade")]
    user: ForeignKey<User>,
    #[orm(backref = "edited_tweets", on_delete = "set null")]
    editor: Option<ForeignKey<User>>,
    content: String,
    slug: String,
    created: i64,
}

/// A composite key; the table name from a two-word struct name.
#[derive(Model, Debug)]
#[orm(primary_key(tweet, user))]
struct TweetLike {
    tweet: ForeignKey<Tweet>,
    #[orm(on_delete = "restrict")]
    user: ForeignKey<User>,
}

/// An explicit, application-assigned key; a field called `name` in an
/// index list (`name` without `= ".."` is a field).
#[derive(Model, Debug, Clone)]
#[orm(unique(name))]
struct Country {
    #[orm(primary_key)]
    code: String,
    name: String,
}

/// No key at all.
#[derive(Model, Debug)]
struct LogLine {
    message: String,
    level: i16,
}

/// An `id` that is not an integer is not an implicit key.
#[derive(Model, Debug)]
struct Counter {
    id: String,
    n: i64,
}

/// An `i32` implicit key, a nullable foreign key to a text key. (A
/// self-reference, `Option<ForeignKey<Category>>`, does not compile:
/// `ForeignKey` holds the loaded model inline.)
#[derive(Model, Debug)]
struct Category {
    id: i32,
    #[orm(on_delete = "no action")]
    country: Option<ForeignKey<Country>>,
}

/// A raw identifier and an explicit auto-increment key that is not `id`.
#[derive(Model, Debug)]
struct Keyword {
    r#type: String,
    #[orm(primary_key, auto_increment)]
    pk: i64,
}

mod reexport {
    pub use ormcore as orm;
}

/// The runtime reached through a re-export.
#[derive(Model, Debug)]
#[orm(crate = "crate::reexport::orm")]
struct Renamed {
    id: i64,
}

/// Generated code names nothing through the prelude or the caller's scope:
/// it compiles in a module without the prelude, where every name it could
/// use is taken by something else.
#[allow(dead_code, non_camel_case_types)]
mod hygiene {
    #![no_implicit_prelude]
    use ::ormcore::Model;

    struct Option;
    struct Some;
    struct None;
    struct Vec;
    struct Result;
    struct Ok;
    struct Err;
    struct Value;
    struct Column;
    struct Default;
    struct Clone;
    struct From;
    struct usize;
    struct i64;
    struct ormcore;
    struct __private;

    #[derive(Model)]
    pub(crate) struct Shadowed {
        pub(crate) id: ::core::primitive::i64,
        #[orm(default = -1.5)]
        score: ::core::primitive::f64,
        #[orm(skip)]
        extra: ::std::vec::Vec<::core::primitive::u8>,
        #[orm(state)]
        state: ::ormcore::ModelState,
    }
}

fn column<'m>(meta: &'m TableMeta, name: &str) -> &'m ormcore::schema::ColumnMeta {
    meta.column_named(name).unwrap_or_else(|| panic!("no column {name} in {}", meta.name))
}

fn user() -> User {
    User {
        id: 5,
        name: "ann".into(),
        email: None,
        age: 30,
        score: 2.5,
        active: true,
        role: "admin".into(),
        balance: 10,
        created_at: Some("2024-01-01".into()),
        ..User::default()
    }
}

#[test]
fn table_names() {
    assert_eq!(User::META.name, "user");
    assert_eq!(User::META.model, "User");
    assert_eq!(Tweet::META.name, "tweets");
    assert_eq!(Tweet::META.model, "Tweet");
    assert_eq!(TweetLike::META.name, "tweet_like");
    assert_eq!(LogLine::META.name, "log_line");
    assert_eq!(Renamed::META.name, "renamed");
}

#[test]
fn hygiene() {
    use hygiene::Shadowed;
    assert_eq!(Shadowed::META.columns.len(), 2);
    assert_eq!(Shadowed::META.columns[1].default, Some(DefaultValue::Float(-1.5)));
    assert_eq!(Shadowed::ID.name(), "id");
}

#[test]
fn meta_is_one_static() {
    assert!(std::ptr::eq(User::META, User::META));
    assert!(std::ptr::eq(<User as Record>::META, (Tweet::META.columns[1].references.expect("a foreign key"))()));
}

#[test]
fn user_columns() {
    let meta = User::META;
    let names: Vec<_> = meta.columns.iter().map(|c| c.name).collect();
    assert_eq!(names, ["id", "name", "email", "age", "score", "active", "role", "balance", "created"]);
    let fields: Vec<_> = meta.columns.iter().map(|c| c.field).collect();
    assert_eq!(fields[8], "created_at");

    let id = column(meta, "id");
    assert_eq!((id.ty, id.nullable, id.unique, id.index, id.default), (ColumnType::BigInt, false, false, false, None));
    let name = column(meta, "name");
    assert_eq!((name.ty, name.unique, name.index), (ColumnType::VarChar(64), true, false));
    let email = column(meta, "email");
    assert_eq!((email.ty, email.nullable, email.unique, email.index), (ColumnType::Text, true, false, true));
    assert_eq!(column(meta, "age").ty, ColumnType::Integer);
    assert_eq!(column(meta, "age").default, Some(DefaultValue::Int(18)));
    assert_eq!(column(meta, "score").ty, ColumnType::Double);
    assert_eq!(column(meta, "score").default, Some(DefaultValue::Float(1.5)));
    assert_eq!(column(meta, "active").ty, ColumnType::Boolean);
    assert_eq!(column(meta, "active").default, Some(DefaultValue::Bool(true)));
    assert_eq!(column(meta, "role").default, Some(DefaultValue::Text("member")));
    assert_eq!(column(meta, "balance").default, Some(DefaultValue::Int(-1)));
    let created = column(meta, "created");
    assert_eq!((created.nullable, created.default), (true, Some(DefaultValue::CurrentTimestamp)));
    assert!(meta.columns.iter().all(|c| c.references.is_none() && c.on_delete == OnDelete::NoAction));

    assert_eq!(meta.primary_key, [0]);
    assert!(meta.auto_increment);
    assert!(meta.indexes.is_empty());
}

/// `max_digits` and `decimal_places` declare a decimal's precision and
/// scale; without them the column is as exact as the backend allows.
#[test]
fn decimal_declarations() {
    #[derive(Model, Debug, Default)]
    struct Price {
        id: i64,
        amount: rust_decimal::Decimal,
        #[orm(max_digits = 12, decimal_places = 2)]
        total: Option<rust_decimal::Decimal>,
    }
    assert_eq!(column(Price::META, "amount").ty, ColumnType::Decimal(None));
    let total = column(Price::META, "total");
    assert_eq!((total.ty, total.nullable), (ColumnType::Decimal(Some((12, 2))), true));
}

#[test]
fn foreign_keys() {
    let meta = Tweet::META;
    let key = column(meta, "tweet_id");
    assert_eq!((key.ty, key.nullable), (ColumnType::Integer, true));
    assert_eq!((meta.primary_key, meta.auto_increment), (&[0][..], true));

    let user = column(meta, "user_id");
    assert_eq!((user.ty, user.nullable, user.on_delete), (ColumnType::BigInt, false, OnDelete::Cascade));
    assert_eq!(user.references.map(|r| r().name), Some("user"));
    let editor = column(meta, "editor_id");
    assert_eq!((editor.ty, editor.nullable, editor.on_delete), (ColumnType::BigInt, true, OnDelete::SetNull));
    assert_eq!(editor.references.map(|r| r().name), Some("user"));
    assert_eq!(column(meta, "content").references.map(|r| r().name), None);
    let referenced: Vec<_> = meta.references().map(|t| t.name).collect();
    assert_eq!(referenced, ["user", "user"]);

    let like = TweetLike::META;
    assert_eq!(column(like, "tweet_id").ty, ColumnType::Integer, "the key type of Tweet is Option<i32>");
    assert_eq!(column(like, "tweet_id").references.map(|r| r().name), Some("tweets"));
    assert_eq!(column(like, "user_id").on_delete, OnDelete::Restrict);

    let category = Category::META;
    assert_eq!(column(category, "country_id").references.map(|r| r().name), Some("country"));
    assert_eq!((column(category, "country_id").ty, column(category, "country_id").nullable), (ColumnType::Text, true));
    assert_eq!(column(category, "country_id").on_delete, OnDelete::NoAction);

    // Foreign keys are indexed unless told otherwise or indexed already.
    let indexed = |meta: &TableMeta| meta.columns.iter().filter(|c| c.index).map(|c| c.name).collect::<Vec<_>>();
    assert_eq!(indexed(Tweet::META), ["user_id", "editor_id"]);
    assert_eq!(indexed(TweetLike::META), ["tweet_id", "user_id"]);
    assert_eq!(indexed(Category::META), ["country_id"]);
    let review = Review::META;
    let names: Vec<_> = review.columns.iter().map(|c| c.name).collect();
    assert_eq!(names, ["id", "owner", "profile_id", "reviewer_id", "plain"]);
    assert_eq!(indexed(review), ["reviewer_id", "plain"], "index = false, unique and a name ending in _id");
}

/// Foreign-key columns overridden: a legacy name without an index, a
/// unique one (indexed by its constraint), a field already named `.._id`,
/// and an index asked for on a plain column.
#[derive(Model, Debug)]
struct Review {
    id: i64,
    #[orm(column = "owner", index = false)]
    owner: ForeignKey<User>,
    #[orm(unique)]
    profile: ForeignKey<User>,
    reviewer_id: ForeignKey<User>,
    #[orm(index = true)]
    plain: i64,
}

#[test]
fn indexes() {
    let indexes = Tweet::META.indexes;
    assert_eq!(indexes.len(), 2);
    assert_eq!(
        (indexes[0].name, indexes[0].columns, indexes[0].unique),
        ("tweets_user_id_created", &["user_id", "created"][..], false)
    );
    assert_eq!(
        (indexes[1].name, indexes[1].columns, indexes[1].unique),
        ("tweets_user_slug", &["user_id", "slug"][..], true)
    );
    let country = Country::META.indexes;
    assert_eq!(
        (country.len(), country[0].name, country[0].columns, country[0].unique),
        (1, "country_name", &["name"][..], true)
    );
}

#[test]
fn primary_keys() {
    assert_eq!((TweetLike::META.primary_key, TweetLike::META.auto_increment), (&[0, 1][..], false));
    assert_eq!((Country::META.primary_key, Country::META.auto_increment), (&[0][..], false));
    assert_eq!((LogLine::META.primary_key, LogLine::META.auto_increment), (&[][..], false));
    assert_eq!((Counter::META.primary_key, Counter::META.auto_increment), (&[][..], false));
    assert_eq!((Category::META.primary_key, Category::META.auto_increment), (&[0][..], true));
    assert_eq!((Keyword::META.primary_key, Keyword::META.auto_increment), (&[1][..], true));
    assert_eq!(Keyword::META.column(1).ty, ColumnType::BigInt);
}

#[test]
fn column_constants() {
    assert_eq!((User::ID.table(), User::ID.name(), User::ID.index()), ("user", "id", 0));
    assert_eq!((User::NAME.name(), User::NAME.index()), ("name", 1));
    assert_eq!((User::CREATED_AT.name(), User::CREATED_AT.index()), ("created", 8));
    assert_eq!((Tweet::TWEET_ID.table(), Tweet::TWEET_ID.name()), ("tweets", "tweet_id"));
    assert_eq!((Tweet::CREATED.name(), Tweet::CREATED.index()), ("created", 5));
    assert_eq!((Keyword::TYPE.name(), Keyword::PK.index()), ("type", 1));
    assert_eq!(TweetLike::USER.index(), 1);
    for (i, meta) in User::META.columns.iter().enumerate() {
        let constant = [
            User::ID.name(),
            User::NAME.name(),
            User::EMAIL.name(),
            User::AGE.name(),
            User::SCORE.name(),
            User::ACTIVE.name(),
            User::ROLE.name(),
            User::BALANCE.name(),
            User::CREATED_AT.name(),
        ][i];
        assert_eq!(constant, meta.name);
    }
}

#[test]
fn column_values() {
    let user = user();
    let values = user.column_values();
    assert_eq!(
        values,
        [
            Value::Int(5),
            Value::Text("ann".into()),
            Value::Null,
            Value::Int(30),
            Value::Float(2.5),
            Value::Bool(true),
            Value::Text("admin".into()),
            Value::Int(10),
            Value::Text("2024-01-01".into()),
        ]
    );
    for (i, value) in values.iter().enumerate() {
        assert_eq!(&user.column_value(i), value);
    }
    let tweet = Tweet {
        tweet_id: None,
        user: ForeignKey::new(5),
        editor: None,
        content: "hi".into(),
        slug: "hi".into(),
        created: 1,
    };
    assert_eq!(tweet.column_values()[..3], [Value::Null, Value::Int(5), Value::Null]);
}

#[test]
#[should_panic(expected = "column index 9 out of range: `User` has 9 columns")]
fn column_value_out_of_range_panics() {
    let _ = user().column_value(9);
}

#[test]
fn primary_key_values() {
    let mut user = user();
    assert_eq!(user.primary_key_values(), Some(vec![Value::Int(5)]));
    user.id = 0;
    assert_eq!(user.primary_key_values(), None, "0 is an unassigned auto key");

    let mut tweet = Tweet {
        tweet_id: None,
        user: ForeignKey::new(5),
        editor: Some(ForeignKey::new(6)),
        content: String::new(),
        slug: String::new(),
        created: 0,
    };
    assert_eq!(tweet.primary_key_values(), None, "None is an unassigned auto key");
    tweet.tweet_id = Some(3);
    assert_eq!(tweet.primary_key_values(), Some(vec![Value::Int(3)]));

    let like = TweetLike { tweet: ForeignKey::new(Some(3)), user: ForeignKey::new(5) };
    assert_eq!(like.primary_key_values(), Some(vec![Value::Int(3), Value::Int(5)]));
    let country = Country { code: String::new(), name: "x".into() };
    assert_eq!(country.primary_key_values(), Some(vec![Value::Text(String::new())]), "not auto: always set");
    let line = LogLine { message: "m".into(), level: 1 };
    assert_eq!(line.primary_key_values(), Some(vec![]), "no key");
}

#[test]
fn set_auto_id() {
    let mut user = User::default();
    user.set_auto_id(42).expect("the key fits");
    assert_eq!(user.id, 42);

    let mut tweet = Tweet {
        tweet_id: None,
        user: ForeignKey::new(1),
        editor: None,
        content: String::new(),
        slug: String::new(),
        created: 0,
    };
    tweet.set_auto_id(7).expect("the key fits");
    assert_eq!(tweet.tweet_id, Some(7));

    let mut category = Category { id: 0, country: None };
    category.set_auto_id(9).expect("the key fits");
    assert_eq!(category.id, 9);

    let mut keyword = Keyword { r#type: "t".into(), pk: 0 };
    keyword.set_auto_id(3).expect("the key fits");
    assert_eq!(keyword.pk, 3);

    let mut country = Country { code: "fr".into(), name: "France".into() };
    country.set_auto_id(3).expect("the key fits");
    assert_eq!(country.code, "fr", "no auto key: nothing to set");
}

#[test]
fn set_auto_id_out_of_range_is_an_error() {
    let mut category = Category { id: 0, country: None };
    let error = category.set_auto_id(3_000_000_000).expect_err("3000000000 does not fit in i32");
    assert!(
        matches!(&error, ormcore::Error::Decode { model: "Category", column, expected: "i32", found }
            if column == "id" && found.contains("3000000000")),
        "{error:?}"
    );
    assert_eq!(category.id, 0, "the key stays unassigned");
}

#[test]
fn keys() {
    assert_eq!(user().key(), 5);
    assert_eq!(<User as PrimaryKey>::KEY.name(), "id");
    let country = Country { code: "fr".into(), name: "France".into() };
    assert_eq!(country.key(), "fr");
    assert_eq!((<Country as PrimaryKey>::KEY.name(), <Country as PrimaryKey>::KEY.index()), ("code", 0));
    assert_eq!(<Tweet as PrimaryKey>::KEY.name(), "tweet_id");
    assert_eq!(<Keyword as PrimaryKey>::KEY.index(), 1);
    let fk: ForeignKey<Country> = ForeignKey::to(country.clone());
    assert_eq!(fk.key(), "fr");
    assert_eq!(fk.get().map(|c| c.name.as_str()), Some("France"));
}

#[test]
fn state() {
    let mut user = user();
    assert!(user.state().is_some_and(|s| !s.is_loaded()));
    let values = user.column_values();
    user.state_mut().expect("User has a state field").remember(values);
    assert!(user.state.is_loaded());
    user.name = "bob".into();
    assert_eq!(user.state().map(|s| s.dirty_columns(&user.column_values())), Some(vec![1]));

    let mut line = LogLine { message: "m".into(), level: 1 };
    assert!(line.state().is_none());
    assert!(line.state_mut().is_none());
}

/// A row of owned values, standing in for a backend's row.
struct TestRow(Vec<(&'static str, Value)>);

impl Row for TestRow {
    fn len(&self) -> usize {
        self.0.len()
    }
    fn column_name(&self, index: usize) -> &str {
        self.0[index].0
    }
    fn value(&self, index: usize) -> ormcore::Result<ValueRef<'_>> {
        Ok(self.0[index].1.as_ref())
    }
}

fn assert_from_row<T: FromRow>() {}

#[test]
fn from_row() {
    assert_from_row::<User>();
    assert_from_row::<(Tweet, User)>();

    let row = TestRow(vec![
        ("extra", Value::Int(99)),
        ("tweet_id", Value::Int(1)),
        ("user", Value::Int(5)),
        ("editor", Value::Null),
        ("content", Value::Text("hi".into())),
        ("slug", Value::Text("s".into())),
        ("created", Value::Int(7)),
        ("code", Value::Text("fr".into())),
        ("name", Value::Text("France".into())),
    ]);
    let mut next = 1;
    let tweet = Tweet::from_row(&row, &mut next).expect("the row decodes");
    assert_eq!(next, 7);
    assert_eq!((tweet.tweet_id, *tweet.user.key(), tweet.editor.is_none()), (Some(1), 5, true));
    assert_eq!((tweet.content.as_str(), tweet.created), ("hi", 7));
    let country = Country::from_row(&row, &mut next).expect("the row decodes");
    assert_eq!((country.code.as_str(), country.name.as_str(), next), ("fr", "France", 9));

    let user_row = TestRow(vec![
        ("id", Value::Int(1)),
        ("name", Value::Text("ann".into())),
        ("email", Value::Null),
        ("age", Value::Int(3)),
        ("score", Value::Float(0.5)),
        ("active", Value::Bool(false)),
        ("role", Value::Text("r".into())),
        ("balance", Value::Int(0)),
        ("created", Value::Text("now".into())),
    ]);
    let mut next = 0;
    let user = User::from_row(&user_row, &mut next).expect("the row decodes");
    assert_eq!(next, 9);
    assert_eq!((user.id, user.age, user.active), (1, 3, false));
    assert!(user.cache.is_empty(), "a skipped field gets its default");
    assert!(user.state.is_loaded(), "the state remembers the row");
    assert!(user.state.dirty_columns(&user.column_values()).is_empty(), "nothing changed since the row was read");
}

#[test]
fn decode_errors_name_model_and_column() {
    let row = TestRow(vec![("message", Value::Int(1)), ("level", Value::Int(1))]);
    let error = LogLine::from_row(&row, &mut 0).expect_err("an integer is not text");
    assert!(error.to_string().starts_with("cannot decode LogLine.message:"), "{error}");
    let row = TestRow(vec![("message", Value::Text("m".into())), ("level", Value::Int(70_000))]);
    let error = LogLine::from_row(&row, &mut 0).expect_err("70000 does not fit in i16");
    assert!(error.to_string().starts_with("cannot decode LogLine.level:"), "{error}");
}

fn where_clause<R>(select: &Select<R>) -> ExprNode {
    select.node().where_.clone().expect("the query has a WHERE clause")
}

#[test]
fn backrefs() {
    let user = user();
    let expected = ExprNode::Binary {
        left: Box::new(ExprNode::Column { table: Some("tweets".into()), name: "user_id".into() }),
        op: BinaryOp::Eq,
        right: Box::new(ExprNode::Value(Value::Int(5))),
    };
    let tweets: Select<Tweet> = user.tweets();
    assert_eq!(where_clause(&tweets), expected);
    assert_eq!(where_clause(&tweets), Tweet::USER.eq(5).into_node());
    let edited: Select<Tweet> = user.edited_tweets();
    assert_eq!(where_clause(&edited), Tweet::EDITOR.eq(5).into_node());
}

#[test]
fn typed_expressions() {
    let eq = User::NAME.eq("x");
    assert_eq!(
        eq.into_node(),
        ExprNode::Binary {
            left: Box::new(User::NAME.node()),
            op: BinaryOp::Eq,
            right: Box::new(ExprNode::Value(Value::Text("x".into()))),
        }
    );
    let plus = User::AGE + 1;
    assert!(matches!(plus.node(), ExprNode::Binary { op: BinaryOp::Add, .. }));
    let _ = User::ID.gt(3);
    let _ = User::ID.in_([1, 2, 3]);
    let _ = User::NAME.contains("a");
    let _ = User::NAME.startswith("a").and(User::EMAIL.is_null());
    let _ = User::EMAIL.eq("a@b.c");
    let _ = User::EMAIL.eq(None::<&str>);
    let _ = User::SCORE * 2.0;
    let _ = User::SCORE.gt(2);
    let _ = User::ACTIVE.eq(true);
    let _ = Tweet::USER.eq(5);
    let _ = Tweet::TWEET_ID.eq(3);
    let _ = Country::CODE.eq("fr");
    let _ = User::select().where_(User::NAME.ne("root")).order_by(User::AGE.desc());
    let _ = User::update().set(User::AGE, 30).set(User::NAME, "bob").set(User::EMAIL, None::<String>);
    let _ = User::update().set(User::AGE, User::AGE + 1);
    let _ = Tweet::insert().set(Tweet::CONTENT, "hi");
}

/// A back-reference to a model of another crate: `ormcore_tests`'s `User`,
/// referenced from this test crate. The generated trait is implemented for
/// the foreign type (an inherent method could not be), and the query it
/// gives runs.
mod across_crates {
    use ormcore::prelude::*;
    use ormcore_sqlite::SqliteDatabase;
    use ormcore_tests::models::{User as TheirUser, user};

    #[derive(Model, Debug)]
    struct Bookmark {
        id: i64,
        #[orm(backref = "bookmarks")]
        user: ForeignKey<TheirUser>,
        url: String,
    }

    #[tokio::test]
    async fn back_references_reach_models_of_other_crates() -> ormcore::Result<()> {
        let db = SqliteDatabase::connect(":memory:").await?;
        db.acreate_tables(&[TheirUser::META, Bookmark::META]).await?;
        let huey = TheirUser::acreate(&db, user("huey")).await?;
        let mickey = TheirUser::acreate(&db, user("mickey")).await?;
        for (who, url) in [(&huey, "a"), (&mickey, "b"), (&huey, "c")] {
            Bookmark::acreate(&db, Bookmark { id: 0, user: ForeignKey::from(who), url: url.into() }).await?;
        }
        // `UserBookmarks` is in scope here, where `Bookmark` is declared.
        let urls: Vec<String> = db.list(&huey.bookmarks().columns(Bookmark::URL).order_by(Bookmark::URL)).await?;
        assert_eq!(urls, ["a", "c"]);
        Ok(())
    }
}
