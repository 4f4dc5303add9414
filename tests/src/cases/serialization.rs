//! Models with foreign keys and JSON fields through serde (a model an
//! HTTP handler returns, or takes), and the reference's `model_to_dict` /
//! `dict_to_model`.

use ormcore::prelude::*;
use ormcore::types::Json;
use ormcore::{dict_to_model, model_to_dict};
use serde_json::json;

use crate::TestDb;
use crate::harness::open;
use crate::models::{Article, Document, User, user};

fn document() -> Document {
    Document { title: "it's 100% \\ \"quoted\"".into(), tags: vec!["naïve".into(), "日本".into(), "%_".into()] }
}

/// A foreign key serializes as its key, or (`related_or_key`) as the
/// related object once loaded; a JSON field as its document; what
/// deserializes goes back into the database unchanged.
pub async fn models_serialize_and_deserialize<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Article::META]).await?;
    let huey = User::acreate(&db, user("huey")).await?;
    let mickey = User::acreate(&db, user("mickey")).await?;
    let article = Article {
        id: 0,
        author: ForeignKey::new(huey.id),
        reviewer: None,
        document: Json(document()),
        state: ModelState::default(),
    };
    let article = Article::acreate(&db, article).await?;

    let plain = Article::aget_by_id(&db, article.id).await?;
    let written = serde_json::to_value(&plain).expect("serializes");
    let meta = json!({"title": "it's 100% \\ \"quoted\"", "tags": ["naïve", "日本", "%_"]});
    assert_eq!(written, json!({"id": article.id, "author": huey.id, "reviewer": null, "document": meta}));

    // Loaded relations are written out whole; `Relations` and
    // `ModelState` are skipped.
    let joined = db.get(&Article::select().join_related(Article::AUTHOR).where_(Article::ID.eq(article.id))).await?;
    let written = serde_json::to_value(&joined).expect("serializes");
    let author = json!({"id": huey.id, "name": "huey", "is_active": true, "email": null});
    assert_eq!(written["author"], author);

    // From a request body: keys for the foreign keys.
    let body = json!({"id": 0, "author": mickey.id, "reviewer": huey.id, "document": {"title": "ü", "tags": []}});
    let posted: Article = serde_json::from_value(body).expect("deserializes");
    assert!(posted.author.get().is_none(), "nothing loaded");
    let posted = Article::acreate(&db, posted).await?;
    let stored = Article::aget_by_id(&db, posted.id).await?;
    assert_eq!((stored.author.key(), stored.reviewer.as_ref().map(|r| *r.key())), (&mickey.id, Some(huey.id)));
    assert_eq!(stored.document.0.title, "ü");
    assert_eq!(stored.reviewer.as_ref().unwrap().afetch(&db).await?.name, "huey");
    let refused =
        serde_json::from_value::<Article>(json!({"id": 0, "author": "huey", "reviewer": null, "document": meta}));
    assert!(refused.is_err(), "a key of the wrong type is refused");
    Ok(())
}

/// `model_to_dict` / `dict_to_model`: columns by field name, exact
/// values, and a dict-made instance saved as new.
pub async fn models_to_dicts_and_back<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Article::META]).await?;
    let huey = User::acreate(&db, user("huey")).await?;
    let stored = Article::acreate(
        &db,
        Article {
            id: 0,
            author: ForeignKey::new(huey.id),
            reviewer: Some(ForeignKey::new(huey.id)),
            document: Json(document()),
            state: ModelState::default(),
        },
    )
    .await?;
    let loaded = Article::aget_by_id(&db, stored.id).await?;
    let mut dict = model_to_dict(&loaded);
    assert_eq!(dict["author"], Value::Int(huey.id));
    assert_eq!(model_to_dict(&dict_to_model::<Article>(&dict)?), dict, "the same columns, exactly");

    // A dict-made instance is new: its columns count as changed, and
    // without a key it is inserted.
    dict.insert("id".into(), Value::Int(0));
    let mut copy = dict_to_model::<Article>(&dict)?;
    assert_eq!(copy.asave(&db).await?, Saved::Inserted);
    assert_ne!(copy.id, stored.id);
    assert_eq!(Article::aget_by_id(&db, copy.id).await?.document.0, document());

    let mut unknown = dict.clone();
    unknown.insert("nope".into(), Value::Int(1));
    let error = dict_to_model::<Article>(&unknown).expect_err("unknown field");
    assert!(error.to_string().contains("nope"), "{error}");
    let mut missing = dict.clone();
    missing.remove("author");
    let error = dict_to_model::<Article>(&missing).expect_err("a required field");
    assert!(error.to_string().contains("author"), "{error}");
    dict.remove("reviewer");
    assert!(dict_to_model::<Article>(&dict)?.reviewer.is_none(), "a missing nullable field is NULL");
    Ok(())
}
