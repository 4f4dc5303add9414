//! JSON queries (issue 10, item 5): extract by key and path as text and as
//! typed values, compare, test keys and containment, and edit documents in
//! place, with one meaning on every backend; hostile keys and values
//! round-trip.

use ormcore::prelude::*;
use ormcore::query::JsonStep;
use serde_json::{Value as JsonValue, json};

use crate::TestDb;
use crate::harness::open;
use crate::models::{Doc, Document, Prefs};

/// A key and a value no path or SQL string may mangle.
const HOSTILE_KEY: &str = "it's \"100%\" \\ [0] .x café";
const HOSTILE_TEXT: &str = "say \"hi\" 'there' 100% _ \\ \\\" café 🎉";

async fn seed<T: TestDb>() -> Result<(Database<T::Backend>, [i64; 3])> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META, Prefs::META]).await?;
    let first = json!({
        "theme": "dark",
        "font": {"size": 14, "family": "Fira \"Code\""},
        "tags": ["a", "b"],
        "ratio": 1.5,
        "beta": true,
        "none": null,
        "a.b": "dotted",
        HOSTILE_KEY: HOSTILE_TEXT,
    });
    let second = json!({"theme": "light", "font": {"size": 10}, "tags": [], "ratio": 0.5, "beta": false});
    let third = json!([1, 2, 3]);
    let mut ids = [0; 3];
    for (id, body) in ids.iter_mut().zip([first, second, third]) {
        *id = Doc::acreate(&db, Doc { id: 0, body }).await?.id;
    }
    Ok((db, ids))
}

async fn ids_where<T: TestDb>(db: &Database<T::Backend>, condition: Expr<ormcore::types::Bool>) -> Result<Vec<i64>> {
    db.list(&Doc::select().columns(Doc::ID).where_(condition).order_by(Doc::ID)).await
}

async fn body<T: TestDb>(db: &Database<T::Backend>, id: i64) -> Result<JsonValue> {
    Ok(Doc::aget_by_id(db, id).await?.body)
}

/// Extraction as text and typed values, and comparisons on them.
pub async fn json_values_extract_and_compare<T: TestDb>() -> Result<()> {
    let (db, [first, second, third]) = seed::<T>().await?;

    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("theme").as_text().eq("dark")).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("theme").as_text().eq("DARK")).await?, [0; 0], "case-sensitive");
    assert_eq!(ids_where::<T>(&db, Doc::BODY.path(["font", "size"]).as_integer().gt(12)).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("font").key("size").as_integer().le(10)).await?, [second]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("ratio").as_float().lt(1.0)).await?, [second]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("beta").as_bool().eq(true)).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("beta").as_bool().eq(false)).await?, [second]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.index(1).as_integer().eq(2)).await?, [third]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("a.b").as_text().eq("dotted")).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key(HOSTILE_KEY).as_text().eq(HOSTILE_TEXT)).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("tags").index(1).as_text().eq("b")).await?, [first]);

    // Each read of one row, by kind; NULL for JSON null and for no value.
    let row = Doc::select()
        .columns((
            Doc::BODY.key("theme").as_text(),
            Doc::BODY.path(["font", "family"]).as_text(),
            Doc::BODY.key("ratio").as_text(),
            Doc::BODY.key("beta").as_text(),
            Doc::BODY.key("none").as_text(),
            Doc::BODY.key("missing").as_text(),
            Doc::BODY.key("font").as_json(),
            Doc::BODY.key(HOSTILE_KEY).as_text(),
        ))
        .where_(Doc::ID.eq(first));
    // JSON null and missing values read as NULL: decode them as options.
    type Read = (
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<String>,
        Option<JsonValue>,
        Option<String>,
    );
    let read = db.get(&row.decode_as::<Read>()).await?;
    assert_eq!(read.0.as_deref(), Some("dark"));
    assert_eq!(read.1.as_deref(), Some("Fira \"Code\""));
    assert_eq!(read.2.as_deref(), Some("1.5"));
    assert_eq!(read.3.as_deref(), Some("true"));
    assert_eq!((read.4, read.5), (None, None));
    assert_eq!(read.6, Some(json!({"size": 14, "family": "Fira \"Code\""})));
    assert_eq!(read.7.as_deref(), Some(HOSTILE_TEXT));

    // Ordered by an extracted value; a document without it sorts as NULL.
    let by_size = Doc::select()
        .columns(Doc::ID)
        .where_(Doc::BODY.key("font").exists())
        .order_by(Doc::BODY.path(["font", "size"]).as_integer().desc());
    assert_eq!(db.list(&by_size).await?, [first, second]);

    // A value compared as JSON, nested: the extracted document is one too.
    let nested = Doc::BODY.key("font").as_json().contains(json!({"size": 10}));
    assert_eq!(ids_where::<T>(&db, nested).await?, [second]);
    let mixed = Doc::BODY.path([JsonStep::from("tags"), JsonStep::Index(0)]).as_text().eq("a");
    assert_eq!(ids_where::<T>(&db, mixed).await?, [first]);
    Ok(())
}

/// `has_key`, `has_keys`, `has_any_keys` and path existence.
pub async fn json_keys_are_tested<T: TestDb>() -> Result<()> {
    let (db, [first, second, third]) = seed::<T>().await?;
    assert_eq!(ids_where::<T>(&db, Doc::BODY.has_key("none")).await?, [first], "a null member is a key");
    assert_eq!(ids_where::<T>(&db, Doc::BODY.has_key(HOSTILE_KEY)).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.has_keys(["theme", "font"])).await?, [first, second]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.has_keys(["theme", "beta", "none"])).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.has_any_keys(["nope", "none"])).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.has_keys(Vec::<&str>::new())).await?, [first, second, third]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.has_any_keys(Vec::<&str>::new())).await?, [0; 0]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.path(["font", "family"]).exists()).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.index(2).exists()).await?, [third]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.key("\"theme\"").exists()).await?, [0; 0], "quotes are part of the key");
    Ok(())
}

/// `contains` and `contained_by`.
pub async fn json_containment<T: TestDb>() -> Result<()> {
    let (db, [first, second, third]) = seed::<T>().await?;
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contains(json!({"font": {"size": 14}}))).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contains(json!({"tags": ["b"]}))).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contains(json!({"ratio": 1.50}))).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contains(json!({HOSTILE_KEY: HOSTILE_TEXT}))).await?, [first]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contains(json!({"theme": "DARK"}))).await?, [0; 0]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contains(json!([3, 1]))).await?, [third]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contains(json!({}))).await?, [first, second]);
    let superset = json!({"theme": "light", "font": {"size": 10, "family": "x"}, "tags": [], "ratio": 0.5, "beta": false, "more": 1});
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contained_by(superset)).await?, [second]);
    assert_eq!(ids_where::<T>(&db, Doc::BODY.contained_by(json!([1, 2, 3, 4]))).await?, [third]);
    Ok(())
}

/// Edits in an `UPDATE`: set a path, append, remove, merge; a path that
/// leads nowhere changes nothing.
pub async fn json_documents_are_edited<T: TestDb>() -> Result<()> {
    let (db, [first, second, third]) = seed::<T>().await?;
    let edit = |id: i64, value: Expr<ormcore::types::JsonDoc>| {
        let db = &db;
        async move {
            let changed = Doc::update().set(Doc::BODY, value).where_(Doc::ID.eq(id)).aexecute(db).await?;
            assert_eq!(changed, 1);
            body::<T>(db, id).await
        }
    };

    let set = edit(first, Doc::BODY.set_path(["font", "size"], json!(16))).await?;
    assert_eq!(set["font"], json!({"size": 16, "family": "Fira \"Code\""}));
    let added = edit(first, Doc::BODY.set_path(["font", "weight"], json!("bold"))).await?;
    assert_eq!(added["font"]["weight"], "bold");
    let before = body::<T>(&db, second).await?;
    assert_eq!(edit(second, Doc::BODY.set_path(["missing", "x"], json!(1))).await?, before, "no parent: unchanged");
    let null = edit(second, Doc::BODY.set_path(["theme"], None::<JsonValue>)).await?;
    assert_eq!(null["theme"], JsonValue::Null, "None stores JSON null, never a NULL document");
    let hostile = edit(second, Doc::BODY.set_path([HOSTILE_KEY], json!(HOSTILE_TEXT))).await?;
    assert_eq!(hostile[HOSTILE_KEY], HOSTILE_TEXT);

    let appended = edit(first, Doc::BODY.append(["tags"], json!({"c": [1]}))).await?;
    assert_eq!(appended["tags"], json!(["a", "b", {"c": [1]}]));
    let before = body::<T>(&db, first).await?;
    assert_eq!(edit(first, Doc::BODY.append(["theme"], json!("x"))).await?, before, "not an array: unchanged");
    assert_eq!(edit(first, Doc::BODY.append(["font"], json!("x"))).await?, before, "an object: unchanged");
    assert_eq!(edit(third, Doc::BODY.append(Vec::<&str>::new(), json!(4))).await?, json!([1, 2, 3, 4]));

    let removed = edit(first, Doc::BODY.remove(["font", "family"])).await?;
    assert_eq!(removed["font"], json!({"size": 16, "weight": "bold"}));
    let before = body::<T>(&db, first).await?;
    assert_eq!(edit(first, Doc::BODY.remove(["nope"])).await?, before);
    assert_eq!(edit(third, Doc::BODY.remove([0usize])).await?, json!([2, 3, 4]));

    let members = json!({"theme": "blue", "new": {"x": [1]}, "beta": null, HOSTILE_KEY: "again"});
    let merged = edit(first, Doc::BODY.merge(members.as_object().unwrap().clone())).await?;
    assert_eq!(merged["theme"], "blue");
    assert_eq!(merged["new"], json!({"x": [1]}));
    assert_eq!(merged["beta"], JsonValue::Null);
    assert_eq!(merged[HOSTILE_KEY], "again");
    assert_eq!(merged["font"], json!({"size": 16, "weight": "bold"}), "other members kept");
    assert_eq!(edit(first, Doc::BODY.merge(Default::default())).await?, merged);

    // Edits compose: the inner edit's document is the outer's input.
    let both = Doc::BODY.set_path(["n"], json!(1)).remove(["theme"]);
    let composed = edit(second, both).await?;
    assert_eq!((composed["n"].clone(), composed.get("theme")), (json!(1), None));

    // An empty path is refused before anything is sent.
    for bad in [Doc::BODY.set_path(Vec::<&str>::new(), json!(1)), Doc::BODY.remove(Vec::<&str>::new())] {
        match Doc::update().set(Doc::BODY, bad).aexecute(&db).await {
            Err(Error::Interface(message)) => assert!(message.contains("path"), "{message}"),
            other => panic!("an empty path must be refused, got {other:?}"),
        }
    }
    assert_eq!(body::<T>(&db, third).await?, json!([2, 3, 4]));
    Ok(())
}

/// `.set(column, Json(value))` takes a `Json<T>` field's own type, and the
/// edits work on a typed document's column too.
pub async fn typed_json_columns_are_set<T: TestDb>() -> Result<()> {
    let (db, _) = seed::<T>().await?;
    let mut prefs = Prefs::acreate(
        &db,
        Prefs { id: 0, owner: "ann".into(), document: Json(Document { title: "t".into(), tags: vec![] }) },
    )
    .await?;
    let document = Document { title: HOSTILE_TEXT.into(), tags: vec!["x".into()] };
    Prefs::update().set(Prefs::DOCUMENT, Json(document.clone())).where_(Prefs::ID.eq(prefs.id)).aexecute(&db).await?;
    prefs = Prefs::aget_by_id(&db, prefs.id).await?;
    assert_eq!(prefs.document.0, document);

    Prefs::update().set(Prefs::DOCUMENT, Prefs::DOCUMENT.append(["tags"], json!("y"))).aexecute(&db).await?;
    let titled = Prefs::select().where_(Prefs::DOCUMENT.key("title").as_text().eq(HOSTILE_TEXT));
    let found = db.get(&titled).await?;
    assert_eq!(found.document.0.tags, ["x", "y"]);
    Ok(())
}
