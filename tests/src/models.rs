//! The models the cases use: the reference documentation's `User`, `Tweet`
//! and `Account`, and a few more for types and keys.

#![allow(missing_docs)]

use ormcore::TableMeta;
use ormcore::prelude::*;

/// The reference's user: `name = TextField()` plus what its examples use.
/// `Default` comes from `#[derive(Model)]`, with `is_active` true.
#[derive(Model, Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct User {
    pub id: i64,
    #[orm(unique)]
    pub name: String,
    #[orm(default = true)]
    pub is_active: bool,
    pub email: Option<String>,
    /// The tweets (and other back-references) an eager load found.
    #[orm(relations)]
    #[serde(skip)]
    pub related: Relations,
}

/// Declared defaults of every kind, for the create paths.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Draft {
    pub id: i64,
    pub title: String,
    #[orm(default = true)]
    pub visible: bool,
    #[orm(default = 3)]
    pub stars: i32,
    #[orm(default = "draft")]
    pub status: String,
    #[orm(default = 1.5)]
    pub weight: f64,
    #[orm(default = 7)]
    pub priority: Option<i64>,
    #[orm(default_now)]
    pub created: chrono::DateTime<chrono::Utc>,
}

/// A narrow auto-increment key: the database must never assign a key
/// past `i16::MAX`.
#[derive(Model, Debug, Clone, Default, PartialEq)]
pub struct Tiny {
    pub id: i16,
    pub name: String,
}

/// A tweet, referencing its user.
#[derive(Model, Debug, Clone)]
pub struct Tweet {
    pub id: i64,
    #[orm(backref = "tweets", on_delete = "cascade")]
    pub user: ForeignKey<User>,
    pub content: String,
    #[orm(index)]
    pub is_published: bool,
    /// The comments an eager load found.
    #[orm(relations)]
    pub related: Relations,
}

/// A tweet's comment, by a user or anonymous, possibly replying to
/// another comment: every shape of relation.
#[derive(Model, Debug, Clone)]
pub struct Comment {
    pub id: i64,
    #[orm(on_delete = "cascade")]
    pub tweet: ForeignKey<Tweet>,
    pub author: Option<ForeignKey<User>>,
    pub reply_to: Option<ForeignKey<Comment>>,
    pub body: String,
}

/// A user's profile, for the reference's `register` example.
#[derive(Model, Debug, Clone)]
pub struct Profile {
    pub id: i64,
    #[orm(unique)]
    pub user: ForeignKey<User>,
    pub bio: String,
}

/// A user's pinned note: a foreign key that refuses to let its user go.
#[derive(Model, Debug, Clone)]
pub struct Pin {
    pub id: i64,
    #[orm(on_delete = "restrict")]
    pub user: ForeignKey<User>,
}

/// A bank account, for the reference's `transfer_funds` example.
#[derive(Model, Debug, Clone, Default)]
pub struct Account {
    pub id: i64,
    pub owner: String,
    pub balance: f64,
}

/// A counter, for `value = value + 1` updates.
#[derive(Model, Debug, Clone, Default)]
pub struct Counter {
    pub id: i64,
    #[orm(unique)]
    pub name: String,
    pub value: i64,
}

/// Dirty tracking: saves write only what changed.
#[derive(Model, Debug, Clone, Default)]
pub struct Note {
    pub id: i64,
    pub title: String,
    pub body: String,
    #[orm(state)]
    pub state: ModelState,
}

/// An application-assigned text key.
#[derive(Model, Debug, Clone, Default, PartialEq)]
pub struct Setting {
    #[orm(primary_key)]
    pub key: String,
    pub value: String,
}

/// A composite key and a multi-column unique index.
#[derive(Model, Debug, Clone, Default, PartialEq)]
#[orm(table = "membership", primary_key(group_name, member), index(member, since))]
pub struct Membership {
    pub group_name: String,
    pub member: String,
    pub since: i32,
}

/// Every supported field type.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Everything {
    pub id: i64,
    pub small: i16,
    pub int: i32,
    pub big: i64,
    pub real: f32,
    pub double: f64,
    pub flag: bool,
    pub text: String,
    pub bytes: Vec<u8>,
    pub maybe: Option<String>,
    pub date: chrono::NaiveDate,
    pub time: chrono::NaiveTime,
    pub datetime: chrono::NaiveDateTime,
    pub instant: chrono::DateTime<chrono::Utc>,
    pub uuid: uuid::Uuid,
    pub json: serde_json::Value,
    pub document: ormcore::types::Json<Document>,
    pub decimal: rust_decimal::Decimal,
}

/// Times at the edge of what backends keep: sub-microsecond digits and
/// leap seconds.
#[derive(Model, Debug, Clone, Default, PartialEq)]
pub struct Moment {
    pub id: i64,
    pub time: Option<chrono::NaiveTime>,
    pub datetime: Option<chrono::NaiveDateTime>,
    pub instant: Option<chrono::DateTime<chrono::Utc>>,
}

/// Floats, special values included.
#[derive(Model, Debug, Clone, Default)]
pub struct Measure {
    pub id: i64,
    pub value: f64,
    pub maybe: Option<f64>,
}

/// A JSON document of any shape.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Doc {
    pub id: i64,
    pub body: serde_json::Value,
}

/// Decimals at full precision, and within a declared one.
#[derive(Model, Debug, Clone, Default, PartialEq)]
pub struct Price {
    pub id: i64,
    pub amount: rust_decimal::Decimal,
    #[orm(max_digits = 6, decimal_places = 2)]
    pub total: Option<rust_decimal::Decimal>,
}

/// A typed JSON document as a field of its own.
#[derive(Model, Debug, Clone, PartialEq)]
pub struct Prefs {
    pub id: i64,
    #[orm(unique)]
    pub owner: String,
    pub document: ormcore::types::Json<Document>,
}

/// A typed JSON document.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Document {
    pub title: String,
    pub tags: Vec<String>,
}

/// All the tables, in no particular order (creation sorts them).
pub fn all_tables() -> Vec<&'static TableMeta> {
    vec![
        Tweet::META,
        User::META,
        Account::META,
        Counter::META,
        Note::META,
        Setting::META,
        Membership::META,
        Everything::META,
        Moment::META,
        Measure::META,
        Doc::META,
        Price::META,
        Prefs::META,
        Draft::META,
        Tiny::META,
    ]
}

/// A new, unsaved user.
/// A published tweet by `user`, to insert.
pub fn tweet(user: &User, content: &str) -> Tweet {
    Tweet {
        id: 0,
        user: ForeignKey::new(user.id),
        content: content.into(),
        is_published: true,
        related: Relations::default(),
    }
}

pub fn user(name: &str) -> User {
    User { name: name.into(), ..User::default() }
}

/// A tree: each category under its parent (none for a root), for
/// recursive queries.
#[derive(Model, Debug, Clone, Default)]
pub struct Category {
    pub id: i64,
    pub parent_id: Option<i64>,
    pub name: String,
}

/// A model with hooks: each one logs to `HookLog` in the write's
/// transaction, and refuses the write when the title asks it to.
#[derive(Model, Debug, Clone, Default)]
#[orm(hooks)]
pub struct Post {
    pub id: i64,
    pub title: String,
    pub slug: String,
    /// How many saves `before_save` saw.
    pub saves: i64,
    #[orm(state)]
    pub state: ModelState,
}

/// What `Post`'s hooks did, in order.
#[derive(Model, Debug, Clone, Default)]
pub struct HookLog {
    pub id: i64,
    pub event: String,
}

impl Post {
    async fn log<B: ormcore::backend::Backend>(&self, tx: &ormcore::Transaction<B>, event: String) -> Result<()> {
        HookLog::acreate(tx, HookLog { id: 0, event }).await?;
        Ok(())
    }

    fn refuse(&self, hook: &str) -> Result<()> {
        match self.title == format!("refuse {hook}") {
            true => Err(Error::interface(format!("refused by {hook}"))),
            false => Ok(()),
        }
    }
}

impl Hooks for Post {
    async fn before_save<B: ormcore::backend::Backend>(
        &mut self,
        tx: &ormcore::Transaction<B>,
        created: bool,
    ) -> Result<()> {
        self.log(tx, format!("before_save {} created={created}", self.title)).await?;
        self.refuse("before_save")?;
        self.slug = self.title.replace(' ', "-");
        self.saves += 1;
        Ok(())
    }

    async fn after_save<B: ormcore::backend::Backend>(
        &mut self,
        tx: &ormcore::Transaction<B>,
        created: bool,
    ) -> Result<()> {
        self.log(tx, format!("after_save {} created={created} keyed={}", self.title, self.id != 0)).await?;
        self.refuse("after_save")
    }

    async fn before_delete<B: ormcore::backend::Backend>(&self, tx: &ormcore::Transaction<B>) -> Result<()> {
        self.log(tx, format!("before_delete {}", self.title)).await?;
        self.refuse("before_delete")
    }

    async fn after_delete<B: ormcore::backend::Backend>(&self, tx: &ormcore::Transaction<B>) -> Result<()> {
        self.log(tx, format!("after_delete {}", self.title)).await?;
        self.refuse("after_delete")
    }
}

/// An article for an API: foreign keys and a JSON field, serialized with
/// serde (the author written out whole when loaded).
#[derive(Model, Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Article {
    pub id: i64,
    #[serde(serialize_with = "ormcore::serde::related_or_key")]
    pub author: ForeignKey<User>,
    #[serde(serialize_with = "ormcore::serde::related_or_key")]
    pub reviewer: Option<ForeignKey<User>>,
    pub document: ormcore::types::Json<Document>,
    #[orm(state)]
    #[serde(skip)]
    pub state: ModelState,
}

/// An event whose user is a key only (`lazy_load=False`): its relation is
/// never read by accident.
#[derive(Model, Debug, Clone)]
pub struct Event {
    pub id: i64,
    pub user: ormcore::ForeignKeyId<User>,
    pub kind: String,
}

/// A student, linked to courses through `Enrollment` (many-to-many).
#[derive(Model, Debug, Clone, Default)]
pub struct Student {
    pub id: i64,
    pub name: String,
    #[orm(relations)]
    pub related: Relations,
}

/// A course; its students are `Course::STUDENTS`.
#[derive(Model, Debug, Clone, Default)]
pub struct Course {
    pub id: i64,
    pub title: String,
    #[orm(relations)]
    pub related: Relations,
}

/// The junction of students and courses, with a field of its own that a
/// link added by `ManyToMany::add` takes by default.
#[derive(Model, Debug, Clone)]
#[orm(primary_key(student, course))]
pub struct Enrollment {
    pub student: ForeignKey<Student>,
    pub course: ForeignKey<Course>,
    #[orm(default = "enrolled")]
    pub status: String,
}

impl Student {
    /// The courses a student takes.
    pub const COURSES: ormcore::ManyToMany<Enrollment, Student, Course> =
        ormcore::ManyToMany::through(Enrollment::STUDENT, Enrollment::COURSE);
}

impl Course {
    /// The students a course has.
    pub const STUDENTS: ormcore::ManyToMany<Enrollment, Course, Student> =
        ormcore::ManyToMany::through(Enrollment::COURSE, Enrollment::STUDENT);
}

/// An author whose pinned story references a story, whose author
/// references an author: two tables that reference each other.
#[derive(Model, Debug, Clone)]
pub struct Author {
    pub id: i64,
    pub name: String,
    pub pinned: Option<ForeignKey<Story>>,
}

/// A story by an author.
#[derive(Model, Debug, Clone)]
pub struct Story {
    pub id: i64,
    #[orm(on_delete = "cascade")]
    pub author: ForeignKey<Author>,
    pub title: String,
}
