//! Attacks on JSON queries (`JsonOps`): hostile keys and values, keys that
//! look like indexes, indexes that look like keys, numbers read as text,
//! containment at the edges, edits of documents that are not objects,
//! NULL documents, deep paths, and the connection after a failure.
//!
//! Each case collects every mismatch it sees and fails once with the list,
//! each line naming the backend, the input and what came back.

#![allow(missing_docs)]

use std::fmt::Debug;

use ormcore::prelude::*;
use ormcore::query::JsonStep;
use ormcore::types::{Bool, JsonDoc, Text};
use serde_json::{Value as JsonValue, json};

use crate::TestDb;
use crate::harness::open;
use crate::models::Doc;

/// A document that may be SQL NULL.
#[derive(Model, Debug, Clone)]
pub struct AtkJsonOpt {
    pub id: i64,
    pub body: Option<serde_json::Value>,
}

/// Mismatches seen so far.
#[derive(Default)]
struct Seen {
    backend: &'static str,
    bad: Vec<String>,
}

impl Seen {
    fn new<B: ormcore::backend::Backend>(db: &Database<B>) -> Self {
        Seen { backend: db.dialect().name(), bad: Vec::new() }
    }

    fn eq<A: PartialEq<E> + Debug, E: Debug>(&mut self, what: impl AsRef<str>, got: A, want: E) {
        if got != want {
            self.bad.push(format!("[{}] {}: got {got:?}, want {want:?}", self.backend, what.as_ref()));
        }
    }

    fn ok<V: Debug>(&mut self, what: impl AsRef<str>, got: Result<V>) -> Option<V> {
        match got {
            Ok(v) => Some(v),
            Err(e) => {
                self.bad.push(format!("[{}] {}: error {e}", self.backend, what.as_ref()));
                None
            }
        }
    }

    /// MySQL's dialect or MariaDB's (the tests run both on a MariaDB
    /// server), whose disclosed limits some cases allow for.
    fn mysql_family(&self) -> bool {
        matches!(self.backend, "MySQL" | "MariaDB")
    }

    fn finish(self) -> Result<()> {
        assert!(self.bad.is_empty(), "{} mismatches:\n{}", self.bad.len(), self.bad.join("\n"));
        Ok(())
    }
}

async fn insert<T: TestDb>(db: &Database<T::Backend>, body: JsonValue) -> Result<i64> {
    Ok(Doc::acreate(db, Doc { id: 0, body }).await?.id)
}

async fn ids_where<T: TestDb>(db: &Database<T::Backend>, condition: Expr<Bool>) -> Result<Vec<i64>> {
    db.list(&Doc::select().columns(Doc::ID).where_(condition).order_by(Doc::ID)).await
}

async fn text_of<T: TestDb>(db: &Database<T::Backend>, id: i64, read: Expr<Text>) -> Result<Option<String>> {
    db.get(&Doc::select().columns(read).where_(Doc::ID.eq(id)).decode_as::<Option<String>>()).await
}

async fn bool_of<T: TestDb>(db: &Database<T::Backend>, id: i64, read: Expr<Bool>) -> Result<Option<bool>> {
    db.get(&Doc::select().columns(read).where_(Doc::ID.eq(id)).decode_as::<Option<bool>>()).await
}

/// Runs the edit on row `id` and returns the document it stored.
async fn edit<T: TestDb>(db: &Database<T::Backend>, id: i64, value: Expr<JsonDoc>) -> Result<JsonValue> {
    Doc::update().set(Doc::BODY, value).where_(Doc::ID.eq(id)).aexecute(db).await?;
    Ok(Doc::aget_by_id(db, id).await?.body)
}

/// Resets row `id` to `body`.
async fn reset<T: TestDb>(db: &Database<T::Backend>, id: i64, body: &JsonValue) -> Result<()> {
    Doc::update().set(Doc::BODY, body.clone()).where_(Doc::ID.eq(id)).aexecute(db).await?;
    Ok(())
}

fn hostile_keys() -> Vec<String> {
    let mut keys: Vec<String> = [
        "", " ", "$", "$.a", "*", "**", "a*", "[0]", "[*]", "a[*]", "[", "]", "[#]", "#", ".", "..", ".a", "a.", "\\",
        "\\\\", "\"", "\\\"", "\"]", "'", "''", "a\"b'c", "\n", "\t", "\r\n", "\u{1}", "\u{1f}", "\u{7f}", "\\u0041",
        "\\n", "é", "e\u{301}", "🎉", "ключ", "日本", "null", "true", "1e2", " padded ", "%_", "--", "$[0]", "a\\.b",
        "\u{2028}", "\u{feff}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    keys.push("k".repeat(5000));
    keys.push("é🎉\"".repeat(500));
    keys
}

/// Every hostile key names exactly that key: read, tested, contained,
/// set, removed and merged, and never matches a document without it. A
/// key starting with `-` is refused on MariaDB, whose paths cannot name it
/// (disclosed; MySQL's dialect on a MariaDB server just misses it).
pub async fn json_attack_hostile_keys<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let other = insert::<T>(&db, json!({"other": "y", "A": 1, "a": {"b": [1]}, "k": 2})).await?;
    for (i, key) in hostile_keys().into_iter().enumerate() {
        let short: String = key.chars().take(12).collect();
        let label = format!("key #{i} {short:?}");
        let value = format!("v{i}");
        let body = json!({ key.clone(): value.clone(), "other": "x" });
        let Some(id) = seen.ok(format!("{label} insert"), insert::<T>(&db, body.clone()).await) else { continue };
        if key.starts_with('-') && seen.mysql_family() {
            if seen.backend == "MariaDB" {
                let refused = ids_where::<T>(&db, Doc::BODY.has_key(&key)).await;
                assert!(matches!(refused, Err(Error::Unsupported { .. })), "{refused:?}");
            }
            continue;
        }
        let only = |ids: Vec<i64>| ids.into_iter().filter(|x| *x == id || *x == other).collect::<Vec<_>>();
        if let Some(ids) = seen.ok(format!("{label} has_key"), ids_where::<T>(&db, Doc::BODY.has_key(&key)).await) {
            seen.eq(format!("{label} has_key"), only(ids), vec![id]);
        }
        if let Some(t) = seen.ok(format!("{label} as_text"), text_of::<T>(&db, id, Doc::BODY.key(&key).as_text()).await)
        {
            seen.eq(format!("{label} as_text"), t, Some(value.clone()));
        }
        if let Some(t) =
            seen.ok(format!("{label} as_text other"), text_of::<T>(&db, other, Doc::BODY.key(&key).as_text()).await)
        {
            seen.eq(format!("{label} as_text of a document without it"), t, None::<String>);
        }
        let eq = Doc::BODY.key(&key).as_text().eq(value.clone());
        if let Some(ids) = seen.ok(format!("{label} as_text eq"), ids_where::<T>(&db, eq).await) {
            seen.eq(format!("{label} as_text eq"), only(ids), vec![id]);
        }
        let contains = Doc::BODY.contains(json!({ key.clone(): value.clone() }));
        if let Some(ids) = seen.ok(format!("{label} contains"), ids_where::<T>(&db, contains).await) {
            seen.eq(format!("{label} contains"), only(ids), vec![id]);
        }
        let mut want = body.clone();
        want[&key] = json!("new \"'\\");
        if let Some(got) = seen
            .ok(format!("{label} set_path"), edit::<T>(&db, id, Doc::BODY.set_path([&key], json!("new \"'\\"))).await)
        {
            seen.eq(format!("{label} set_path"), got, want);
        }
        if let Some(got) = seen.ok(format!("{label} remove"), edit::<T>(&db, id, Doc::BODY.remove([&key])).await) {
            seen.eq(format!("{label} remove"), got, json!({"other": "x"}));
        }
        let members = json!({ key.clone(): [value.clone()] }).as_object().unwrap().clone();
        if let Some(got) = seen.ok(format!("{label} merge"), edit::<T>(&db, id, Doc::BODY.merge(members)).await) {
            seen.eq(format!("{label} merge"), got, json!({ key.clone(): [value.clone()], "other": "x" }));
        }
        if let Some(got) =
            seen.ok(format!("{label} append"), edit::<T>(&db, id, Doc::BODY.append([&key], json!(i))).await)
        {
            seen.eq(format!("{label} append"), got, json!({ key.clone(): [value.clone(), i], "other": "x" }));
        }
        // Nested under a hostile key too.
        let nested = json!({"outer": { key.clone(): {"in": value.clone()} }});
        reset::<T>(&db, id, &nested).await?;
        let path = Doc::BODY.key("outer").key(&key).key("in").as_text();
        if let Some(t) = seen.ok(format!("{label} nested as_text"), text_of::<T>(&db, id, path).await) {
            seen.eq(format!("{label} nested as_text"), t, Some(value.clone()));
        }
        // Every edit must have left the other document alone.
        let untouched = Doc::aget_by_id(&db, other).await?.body;
        seen.eq(format!("{label} other row"), untouched, json!({"other": "y", "A": 1, "a": {"b": [1]}, "k": 2}));
    }
    seen.finish()
}

/// A key holding NUL names that key (or is refused: SQLite's paths end at
/// a NUL, PostgreSQL refuses the document), never the key cut at the NUL.
pub async fn json_attack_nul_in_keys_and_values<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let cut = insert::<T>(&db, json!({"a": "cut"})).await?;
    match insert::<T>(&db, json!({"a\u{0}b": "nul"})).await {
        // PostgreSQL's jsonb refuses \u0000: fine, as long as it says so.
        Err(_) => {}
        Ok(id) => match ids_where::<T>(&db, Doc::BODY.has_key("a\u{0}b")).await {
            Err(Error::Interface(message)) if db.dialect().name() == "SQLite" => {
                assert!(message.contains("NUL"), "{message}");
                let read = text_of::<T>(&db, cut, Doc::BODY.key("a\u{0}b").as_text()).await;
                assert!(matches!(read, Err(Error::Interface(_))), "{read:?}");
            }
            ids => {
                seen.eq("has_key a\\0b", ids?, vec![id]);
                let t = text_of::<T>(&db, cut, Doc::BODY.key("a\u{0}b").as_text()).await?;
                seen.eq("a\\0b read from {\"a\": ..}", t, None::<String>);
                let t = text_of::<T>(&db, id, Doc::BODY.key("a\u{0}b").as_text()).await?;
                seen.eq("a\\0b read", t, Some("nul".to_owned()));
            }
        },
    }
    // A NUL in a value, set through set_path.
    let set = edit::<T>(&db, cut, Doc::BODY.set_path(["v"], json!("x\u{0}y"))).await;
    match set {
        Err(_) => {}
        Ok(got) => seen.eq("value with NUL", got, json!({"a": "cut", "v": "x\u{0}y"})),
    }
    // Whatever happened, the database still answers.
    seen.ok("usable after", db.count(&Doc::select()).await);
    seen.finish()
}

fn hostile_values() -> Vec<String> {
    let mut values: Vec<String> = [
        "",
        " ",
        "dark ",
        "say \"hi\" 'there' 100% _ \\ \\\" café 🎉",
        "\\",
        "\\\\\"",
        "\n\t\r",
        "\u{1}\u{1f}\u{7f}",
        "\u{2028}\u{2029}",
        "null",
        "true",
        "1",
        "1.50",
        "[1,2]",
        "{\"a\":1}",
        "\\u0041",
        "'; DROP TABLE doc; --",
        "$.a",
        "ß",
        "e\u{301}",
        "\u{10ffff}",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    values.push("x".repeat(100_000));
    values
}

/// Hostile strings stored by set_path, append and merge round-trip, read
/// as themselves, compare equal only to themselves (but for trailing
/// spaces on MySQL and MariaDB, whose text compares PAD SPACE: disclosed),
/// and are contained.
pub async fn json_attack_hostile_values<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let id = insert::<T>(&db, json!({"arr": []})).await?;
    for (i, value) in hostile_values().into_iter().enumerate() {
        let short: String = value.chars().take(16).collect();
        let label = format!("value #{i} {short:?}");
        reset::<T>(&db, id, &json!({"arr": []})).await?;
        let Some(got) =
            seen.ok(format!("{label} set_path"), edit::<T>(&db, id, Doc::BODY.set_path(["v"], json!(value))).await)
        else {
            continue;
        };
        seen.eq(format!("{label} set_path"), &got["v"], &json!(value));
        if let Some(t) = seen.ok(format!("{label} as_text"), text_of::<T>(&db, id, Doc::BODY.key("v").as_text()).await)
        {
            seen.eq(format!("{label} as_text"), t, Some(value.clone()));
        }
        if let Some(ids) =
            seen.ok(format!("{label} eq"), ids_where::<T>(&db, Doc::BODY.key("v").as_text().eq(value.clone())).await)
        {
            seen.eq(format!("{label} as_text eq itself"), ids, vec![id]);
        }
        let trimmed = value.trim_end().to_owned();
        if trimmed != value && !seen.mysql_family() {
            let ids = ids_where::<T>(&db, Doc::BODY.key("v").as_text().eq(trimmed.clone())).await?;
            seen.eq(format!("{label} as_text eq its trimmed self {trimmed:?}"), ids, Vec::<i64>::new());
        }
        if let Some(ids) =
            seen.ok(format!("{label} contains"), ids_where::<T>(&db, Doc::BODY.contains(json!({"v": value}))).await)
        {
            seen.eq(format!("{label} contains"), ids, vec![id]);
        }
        if let Some(got) =
            seen.ok(format!("{label} append"), edit::<T>(&db, id, Doc::BODY.append(["arr"], json!(value))).await)
        {
            seen.eq(format!("{label} append"), &got["arr"], &json!([value]));
        }
        let members = json!({"m": value, "n": [value]}).as_object().unwrap().clone();
        if let Some(got) = seen.ok(format!("{label} merge"), edit::<T>(&db, id, Doc::BODY.merge(members)).await) {
            seen.eq(format!("{label} merge m"), &got["m"], &json!(value));
            seen.eq(format!("{label} merge n"), &got["n"], &json!([value]));
        }
    }
    seen.finish()
}

/// Numbers, JSON strings and case: text compares exactly, keys too (but
/// for trailing spaces on MySQL and MariaDB: PAD SPACE, disclosed).
pub async fn json_attack_text_compares_exactly<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let _id = insert::<T>(&db, json!({"t": "café", "u": "ß", "theme": "dark", "e\u{301}": 1})).await?;
    for (key, other) in
        [("t", "cafe"), ("t", "CAFÉ"), ("t", "café "), ("u", "ss"), ("theme", "dark "), ("theme", "Dark")]
    {
        let ids = ids_where::<T>(&db, Doc::BODY.key(key).as_text().eq(other)).await?;
        if !(other.ends_with(' ') && seen.mysql_family()) {
            seen.eq(format!("{key} as_text eq {other:?}"), ids, Vec::<i64>::new());
        }
        let ids = ids_where::<T>(&db, Doc::BODY.contains(json!({ key: other }))).await?;
        seen.eq(format!("contains {{{key}: {other:?}}}"), ids, Vec::<i64>::new());
    }
    for key in ["THEME", "Theme", "é", "theme ", "T"] {
        let ids = ids_where::<T>(&db, Doc::BODY.has_key(key)).await?;
        seen.eq(format!("has_key {key:?}"), ids, Vec::<i64>::new());
        let ids = ids_where::<T>(&db, Doc::BODY.contains(json!({ key: "dark" }))).await?;
        seen.eq(format!("contains key {key:?}"), ids, Vec::<i64>::new());
    }
    seen.finish()
}

/// A key made of digits names an object member, never an array element;
/// an index never names an object member, nor the value itself.
pub async fn json_attack_keys_are_not_indexes_on_read<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let arr = insert::<T>(&db, json!([10, 20, 30])).await?;
    let obj = insert::<T>(&db, json!({"0": "zero", "-1": "minus", "s": "dark", "o": {"x": 1}})).await?;
    for key in ["0", "1", "-1", "00", "+1", " 1"] {
        if key.starts_with('-') && seen.mysql_family() {
            continue;
        }
        let t = text_of::<T>(&db, arr, Doc::BODY.key(key).as_text()).await;
        if let Some(t) = seen.ok(format!("array .key({key:?})"), t) {
            seen.eq(format!("[10,20,30].key({key:?}).as_text()"), t, None::<String>);
        }
        let b = bool_of::<T>(&db, arr, Doc::BODY.has_key(key)).await;
        if let Some(b) = seen.ok(format!("array has_key({key:?})"), b) {
            seen.eq(format!("[10,20,30].has_key({key:?})"), b, Some(false));
        }
    }
    let t = seen.ok("obj.index(0)", text_of::<T>(&db, obj, Doc::BODY.index(0).as_text()).await);
    seen.eq("{\"0\": ..}.index(0).as_text()", t, Some(None::<String>));
    let b = seen.ok("obj.index(0).exists", bool_of::<T>(&db, obj, Doc::BODY.index(0).exists()).await);
    seen.eq("{\"0\": ..}.index(0).exists()", b, Some(Some(false)));
    let t = seen.ok("scalar.index(0)", text_of::<T>(&db, obj, Doc::BODY.key("s").index(0).as_text()).await);
    seen.eq("{\"s\": \"dark\"}.key(\"s\").index(0).as_text()", t, Some(None::<String>));
    let t = seen
        .ok("object.index(0)", text_of::<T>(&db, obj, Doc::BODY.key("o").index(0).as_json().key("x").as_text()).await);
    seen.eq("{\"o\": {\"x\": 1}}.key(\"o\").index(0).key(\"x\")", t, Some(None::<String>));
    let b = seen.ok("scalar.index(0).exists", bool_of::<T>(&db, obj, Doc::BODY.key("s").index(0).exists()).await);
    seen.eq("{\"s\": \"dark\"}.key(\"s\").index(0).exists()", b, Some(Some(false)));
    let ids = seen.ok("has_keys mixed", ids_where::<T>(&db, Doc::BODY.has_any_keys([JsonStep::Index(0)])).await);
    seen.eq("has_any_keys([Index(0)]) of an object with key \"0\" and of [10,20,30]", ids, Some(vec![arr]));
    seen.finish()
}

/// The same on edits: `remove(["0"])` of an array, `set_path(["0"])` of an
/// array, `set_path([0])` of an object lead nowhere, so change nothing.
pub async fn json_attack_keys_are_not_indexes_on_edit<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let arr_body = json!({"t": [10, 20, 30], "f": {"a": 1}, "s": "dark", "z": {"0": "zero"}});
    let id = insert::<T>(&db, arr_body.clone()).await?;
    let mut cases: Vec<(&str, Expr<JsonDoc>)> = vec![
        ("remove([t, \"0\"])", Doc::BODY.remove([JsonStep::from("t"), JsonStep::from("0")])),
        ("set_path([t, \"0\"])", Doc::BODY.set_path([JsonStep::from("t"), JsonStep::from("0")], json!(99))),
        ("set_path([t, \"x\"])", Doc::BODY.set_path([JsonStep::from("t"), JsonStep::from("x")], json!(99))),
        ("set_path([f, 0])", Doc::BODY.set_path([JsonStep::from("f"), JsonStep::Index(0)], json!(99))),
        ("set_path([z, 0])", Doc::BODY.set_path([JsonStep::from("z"), JsonStep::Index(0)], json!(99))),
        ("set_path([s, 0])", Doc::BODY.set_path([JsonStep::from("s"), JsonStep::Index(0)], json!(99))),
        ("set_path([0])", Doc::BODY.set_path([0usize], json!(99))),
        ("remove([f, 0])", Doc::BODY.remove([JsonStep::from("f"), JsonStep::Index(0)])),
        ("remove([z, 0])", Doc::BODY.remove([JsonStep::from("z"), JsonStep::Index(0)])),
        ("remove([s, 0])", Doc::BODY.remove([JsonStep::from("s"), JsonStep::Index(0)])),
        ("remove([0])", Doc::BODY.remove([0usize])),
        ("append([t, \"0\"])", Doc::BODY.append([JsonStep::from("t"), JsonStep::from("0")], json!(99))),
        ("append([f, 0])", Doc::BODY.append([JsonStep::from("f"), JsonStep::Index(0)], json!(99))),
        ("append([s, 0])", Doc::BODY.append([JsonStep::from("s"), JsonStep::Index(0)], json!(99))),
    ];
    if !seen.mysql_family() {
        // MariaDB's paths cannot name a key starting with `-` (disclosed).
        cases.push(("remove([t, \"-1\"])", Doc::BODY.remove([JsonStep::from("t"), JsonStep::from("-1")])));
    }
    for (label, change) in cases {
        reset::<T>(&db, id, &arr_body).await?;
        if let Some(got) = seen.ok(label, edit::<T>(&db, id, change).await) {
            seen.eq(label, &got, &arr_body);
        }
    }
    seen.finish()
}

/// Indexes at and past the end of an array, and indexes too large for
/// the database's path parser: nothing there, nothing changed (`set_path`
/// replaces an element, it never appends: that is `append`).
pub async fn json_attack_indexes_out_of_range<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let body = json!({"t": [10, 20]});
    let id = insert::<T>(&db, body.clone()).await?;
    for index in [2usize, 5, 1 << 31, (1 << 32), (1 << 32) + 1, (1 << 63), usize::MAX] {
        let t = text_of::<T>(&db, id, Doc::BODY.key("t").index(index).as_text()).await;
        if let Some(t) = seen.ok(format!("read [t, {index}]"), t) {
            seen.eq(format!("[10,20][{index}].as_text()"), t, None::<String>);
        }
        let b = bool_of::<T>(&db, id, Doc::BODY.key("t").index(index).exists()).await;
        if let Some(b) = seen.ok(format!("exists [t, {index}]"), b) {
            seen.eq(format!("[10,20][{index}].exists()"), b, Some(false));
        }
        reset::<T>(&db, id, &body).await?;
        let removed = edit::<T>(&db, id, Doc::BODY.remove([JsonStep::from("t"), JsonStep::Index(index)])).await;
        if let Some(got) = seen.ok(format!("remove [t, {index}]"), removed) {
            seen.eq(format!("remove [t, {index}]"), &got, &body);
        }
        reset::<T>(&db, id, &body).await?;
        let set = edit::<T>(&db, id, Doc::BODY.set_path([JsonStep::from("t"), JsonStep::Index(index)], json!(7))).await;
        if let Some(got) = seen.ok(format!("set_path [t, {index}]"), set) {
            seen.eq(format!("set_path [t, {index}] on [10,20]"), &got, &body);
        }
    }
    seen.finish()
}

/// `as_text` of a number, a boolean and an array is its JSON text: the
/// text a user compares it with (PostgreSQL, whose jsonb numbers are
/// `numeric`, writes them without an exponent: disclosed, the same value);
/// `as_integer` of a number past 64 bits is never another number.
pub async fn json_attack_scalars_as_text<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let body = json!({
        "big": 1e300, "tenth": 0.1, "one": 1.0, "exp": 1.5e-10, "third": 0.30000000000000004,
        "imax": i64::MAX, "imin": i64::MIN, "umax": u64::MAX, "zero": 0,
        "t": true, "f": false, "arr": [1, [2, 3]], "empty": [], "eobj": {},
    });
    let id = insert::<T>(&db, body.clone()).await?;
    let stored = Doc::aget_by_id(&db, id).await?.body;
    seen.eq("document round-trips", &stored, &body);
    for key in ["big", "tenth", "one", "exp", "third", "imax", "imin", "umax", "zero", "t", "f", "arr", "empty", "eobj"]
    {
        let t = seen.ok(format!("{key} as_text"), text_of::<T>(&db, id, Doc::BODY.key(key).as_text()).await).flatten();
        let want = serde_json::to_string(&body[key]).unwrap();
        let same = t.as_deref().and_then(|t| serde_json::from_str::<JsonValue>(t).ok()) == Some(body[key].clone());
        // Arrays and objects: spacing differs per backend (disclosed), so
        // only the value counts; so do PostgreSQL's numbers.
        let numeric = seen.backend == "PostgreSQL" && body[key].is_number();
        let exact = numeric || body[key].is_array() || body[key].is_object() || t.as_deref() == Some(want.as_str());
        if !same || !exact {
            seen.bad.push(format!(
                "[{}] {key}.as_text(): got {t:?}, JSON text {want:?} (same value: {same})",
                seen.backend
            ));
        }
    }
    let f = db
        .get(&Doc::select().columns(Doc::BODY.key("big").as_float()).where_(Doc::ID.eq(id)).decode_as::<Option<f64>>())
        .await;
    seen.eq("big as_float", seen_ok(f), Some(Some(1e300)));
    let f = db
        .get(
            &Doc::select().columns(Doc::BODY.key("third").as_float()).where_(Doc::ID.eq(id)).decode_as::<Option<f64>>(),
        )
        .await;
    seen.eq("third as_float", seen_ok(f), Some(Some(0.30000000000000004)));
    let i = db
        .get(
            &Doc::select()
                .columns(Doc::BODY.key("imax").as_integer())
                .where_(Doc::ID.eq(id))
                .decode_as::<Option<i64>>(),
        )
        .await;
    seen.eq("imax as_integer", seen_ok(i), Some(Some(i64::MAX)));
    let i = db
        .get(
            &Doc::select()
                .columns(Doc::BODY.key("imin").as_integer())
                .where_(Doc::ID.eq(id))
                .decode_as::<Option<i64>>(),
        )
        .await;
    seen.eq("imin as_integer", seen_ok(i), Some(Some(i64::MIN)));
    // u64::MAX does not fit: an error, or NULL; never a wrong number.
    let i = db
        .get(
            &Doc::select()
                .columns(Doc::BODY.key("umax").as_integer())
                .where_(Doc::ID.eq(id))
                .decode_as::<Option<i64>>(),
        )
        .await;
    if let Ok(Some(n)) = i {
        seen.bad.push(format!("[{}] u64::MAX as_integer: a number {n}", seen.backend));
    }
    seen.ok("usable after", db.count(&Doc::select()).await);
    seen.finish()
}

fn seen_ok<V>(r: Result<V>) -> Option<V> {
    r.ok()
}

/// Containment at the edges, as PostgreSQL's `@>` defines it (MySQL and
/// MariaDB compare integers past 2^53 as floats: disclosed, not checked).
pub async fn json_attack_containment_edges<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let cases: Vec<(JsonValue, JsonValue, bool)> = vec![
        (json!({"n": 1}), json!({"n": 1.0}), true),
        (json!({"n": 9007199254740993_i64}), json!({"n": 9007199254740992_i64}), false),
        (json!({"n": 9007199254740993_i64}), json!({"n": 9007199254740992.0}), false),
        (json!({"n": i64::MAX}), json!({"n": 9223372036854775806_i64}), false),
        // The same float, written with more digits than it has.
        (json!({"n": 0.1}), serde_json::from_str(r#"{"n": 0.10000000000000001}"#).unwrap(), true),
        (json!({"a": 1}), json!({"a": true}), false),
        (json!({"a": 0}), json!({"a": false}), false),
        (json!({"a": "1"}), json!({"a": 1}), false),
        (json!({"a": 1}), json!({"a": "1"}), false),
        (json!({"a": null}), json!({"a": null}), true),
        (json!({"a": 1}), json!({"a": null}), false),
        (json!({}), json!({"a": null}), false),
        (json!({"a": {"b": [1, {"c": 2, "d": 3}]}}), json!({"a": {"b": [{"c": 2}]}}), true),
        (json!([1, [2, 3]]), json!([[3]]), true),
        (json!([[1, 2]]), json!([[1, 2, 3]]), false),
        (json!([{"a": 1, "b": 2}]), json!([{"a": 1}]), true),
        (json!([1, 2]), json!([]), true),
        (json!([]), json!([]), true),
        (json!({}), json!({}), true),
        (json!([]), json!({}), false),
        (json!({}), json!([]), false),
        (json!("x"), json!("x"), true),
        (json!("x"), json!(["x"]), false),
        (json!(["x"]), json!("x"), true),
        (json!(1), json!(1.0), true),
        (json!(null), json!(null), true),
        (json!([null]), json!(null), true),
        (json!({"s": "a\"b\\c"}), json!({"s": "a\"b\\c"}), true),
        (json!({"s": "é"}), json!({"s": "e\u{301}"}), false),
        (json!({"s": "dark"}), json!({"s": "DARK"}), false),
        (json!({"s": "dark"}), json!({"s": "dark "}), false),
        (json!({"s": "ß"}), json!({"s": "ss"}), false),
    ];
    for (container, contained, want) in cases {
        let past_float = |v: &JsonValue| v["n"].as_i64().is_some_and(|n| n.unsigned_abs() > 1 << 53);
        if seen.mysql_family() && (past_float(&container) || past_float(&contained)) {
            continue;
        }
        let label = format!("{container} contains {contained}");
        let Some(id) = seen.ok(format!("{label} insert"), insert::<T>(&db, container.clone()).await) else { continue };
        let got = bool_of::<T>(&db, id, Doc::BODY.contains(contained.clone())).await;
        if let Some(got) = seen.ok(&label, got) {
            seen.eq(&label, got, Some(want));
        }
        let got = bool_of::<T>(&db, id, Doc::BODY.contained_by(container.clone())).await;
        if let Some(got) = seen.ok(format!("{container} contained_by itself"), got) {
            seen.eq(format!("{container} contained_by itself"), got, Some(true));
        }
        Doc::delete().where_(Doc::ID.eq(id)).aexecute(&db).await?;
    }
    seen.finish()
}

/// `merge` of a document that is not an object, and edits of JSON `null`,
/// leave the document as it was.
pub async fn json_attack_merge_of_non_objects<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let members = json!({"a": 1}).as_object().unwrap().clone();
    for body in [json!([1, 2]), json!([]), json!("text"), json!(5), json!(true), json!(null)] {
        let id = insert::<T>(&db, body.clone()).await?;
        if let Some(got) =
            seen.ok(format!("merge into {body}"), edit::<T>(&db, id, Doc::BODY.merge(members.clone())).await)
        {
            seen.eq(format!("merge {{a: 1}} into {body}"), &got, &body);
        }
        reset::<T>(&db, id, &body).await?;
        if let Some(got) =
            seen.ok(format!("set_path [a] of {body}"), edit::<T>(&db, id, Doc::BODY.set_path(["a"], json!(1))).await)
        {
            seen.eq(format!("set_path [a] of {body}"), &got, &body);
        }
        reset::<T>(&db, id, &body).await?;
        if let Some(got) = seen.ok(format!("remove [a] of {body}"), edit::<T>(&db, id, Doc::BODY.remove(["a"])).await) {
            seen.eq(format!("remove [a] of {body}"), &got, &body);
        }
        reset::<T>(&db, id, &body).await?;
        if !body.is_array() {
            let appended = edit::<T>(&db, id, Doc::BODY.append(Vec::<&str>::new(), json!(1))).await;
            if let Some(got) = seen.ok(format!("append [] of {body}"), appended) {
                seen.eq(format!("append [] to {body}"), &got, &body);
            }
        }
        let b = seen.ok(format!("has_key of {body}"), bool_of::<T>(&db, id, Doc::BODY.has_key("a")).await);
        seen.eq(format!("has_key(a) of {body}"), b, Some(Some(false)));
    }
    seen.finish()
}

/// A NULL document: the tests are false and the edits keep it NULL; JSON
/// `null` stays JSON `null`, never SQL NULL.
pub async fn json_attack_null_documents<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[AtkJsonOpt::META]).await?;
    let mut seen = Seen::new(&db);
    let sql_null = AtkJsonOpt::acreate(&db, AtkJsonOpt { id: 0, body: None }).await?.id;
    let json_null = AtkJsonOpt::acreate(&db, AtkJsonOpt { id: 0, body: Some(JsonValue::Null) }).await?.id;
    let object = AtkJsonOpt::acreate(&db, AtkJsonOpt { id: 0, body: Some(json!({"a": null})) }).await?.id;
    let read = |id| {
        let db = &db;
        async move { Ok::<_, Error>(AtkJsonOpt::aget_by_id(db, id).await?.body) }
    };
    seen.eq("SQL NULL reads back", read(sql_null).await?, None::<JsonValue>);
    seen.eq("JSON null reads back", read(json_null).await?, Some(JsonValue::Null));
    let ids = |cond: Expr<Bool>| {
        let db = &db;
        async move { db.list(&AtkJsonOpt::select().columns(AtkJsonOpt::ID).where_(cond).order_by(AtkJsonOpt::ID)).await }
    };
    seen.eq("has_key(a)", ids(AtkJsonOpt::BODY.has_key("a")).await?, vec![object]);
    // A test of a key is true or false, never NULL: a NULL document has no
    // keys, on every backend.
    seen.eq("NOT has_key(a)", ids(AtkJsonOpt::BODY.has_key("a").not()).await?, vec![sql_null, json_null]);
    seen.eq("key(a) exists", ids(AtkJsonOpt::BODY.key("a").exists()).await?, vec![object]);
    seen.eq(
        "key(a) as_text is null",
        ids(AtkJsonOpt::BODY.key("a").as_text().is_null()).await?,
        vec![sql_null, json_null, object],
    );
    seen.eq("contains {}", ids(AtkJsonOpt::BODY.contains(json!({}))).await?, vec![object]);
    seen.eq("contains null", ids(AtkJsonOpt::BODY.contains(json!(null))).await?, vec![json_null]);
    let edits: Vec<(&str, Expr<JsonDoc>)> = vec![
        ("set_path", AtkJsonOpt::BODY.set_path(["b"], json!(1))),
        ("append", AtkJsonOpt::BODY.append(Vec::<&str>::new(), json!(1))),
        ("remove", AtkJsonOpt::BODY.remove(["a"])),
        ("merge", AtkJsonOpt::BODY.merge(json!({"b": 2}).as_object().unwrap().clone())),
    ];
    for (label, change) in edits {
        let done =
            AtkJsonOpt::update().set(AtkJsonOpt::BODY, change).where_(AtkJsonOpt::ID.ne(object)).aexecute(&db).await;
        if seen.ok(format!("{label} of NULL and null"), done).is_some() {
            seen.eq(format!("{label} keeps SQL NULL"), read(sql_null).await?, None::<JsonValue>);
            seen.eq(format!("{label} keeps JSON null"), read(json_null).await?, Some(JsonValue::Null));
        }
    }
    // A value that is SQL NULL (a NULL document's read) stores JSON null.
    let copied = AtkJsonOpt::update()
        .set(AtkJsonOpt::BODY, AtkJsonOpt::BODY.set_path(["c"], AtkJsonOpt::BODY.key("missing").as_json()))
        .where_(AtkJsonOpt::ID.eq(object))
        .aexecute(&db)
        .await;
    if seen.ok("set_path from a missing value", copied).is_some() {
        seen.eq("set_path from a missing value", read(object).await?, Some(json!({"a": null, "c": null})));
    }
    seen.finish()
}

/// Paths deeper than the document, and than the server's path limits.
pub async fn json_attack_deep_paths<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let depth = 25;
    let mut body = json!("leaf");
    for _ in 0..depth {
        body = json!({ "k": body });
    }
    let id = insert::<T>(&db, body.clone()).await?;
    let path: Vec<&str> = vec!["k"; depth];
    let t = seen.ok("deep as_text", text_of::<T>(&db, id, Doc::BODY.path(path.clone()).as_text()).await);
    seen.eq("25-deep as_text", t, Some(Some("leaf".to_owned())));
    for steps in [40, 101, 200, 2000] {
        let long: Vec<&str> = vec!["k"; steps];
        if seen.mysql_family() {
            // Paths of more than 32 steps are refused there (disclosed).
            let refused = text_of::<T>(&db, id, Doc::BODY.path(long.clone()).as_text()).await;
            assert!(matches!(refused, Err(Error::Unsupported { .. })), "{refused:?}");
            continue;
        }
        let t =
            seen.ok(format!("{steps}-step read"), text_of::<T>(&db, id, Doc::BODY.path(long.clone()).as_text()).await);
        seen.eq(format!("{steps}-step as_text"), t, Some(None::<String>));
        let b =
            seen.ok(format!("{steps}-step exists"), bool_of::<T>(&db, id, Doc::BODY.path(long.clone()).exists()).await);
        seen.eq(format!("{steps}-step exists"), b, Some(Some(false)));
        let got = edit::<T>(&db, id, Doc::BODY.set_path(long.clone(), json!(1))).await;
        if let Some(got) = seen.ok(format!("{steps}-step set_path"), got) {
            seen.eq(format!("{steps}-step set_path"), &got, &body);
        }
        let got = edit::<T>(&db, id, Doc::BODY.remove(long.clone())).await;
        if let Some(got) = seen.ok(format!("{steps}-step remove"), got) {
            seen.eq(format!("{steps}-step remove"), &got, &body);
        }
        reset::<T>(&db, id, &body).await?;
    }
    seen.ok("usable after", db.count(&Doc::select()).await);
    seen.finish()
}

/// Many keys at once: refused or answered, never a crash.
pub async fn json_attack_many_keys<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let id = insert::<T>(&db, json!({"k0": 0})).await?;
    for n in [100usize, 300, 1000] {
        let keys: Vec<String> = (0..n).map(|i| format!("k{i}")).collect();
        let all = ids_where::<T>(&db, Doc::BODY.has_keys(keys.clone())).await;
        assert!(matches!(&all, Ok(v) if v.is_empty()) || all.is_err(), "{n} keys all: {all:?}");
        let any = ids_where::<T>(&db, Doc::BODY.has_any_keys(keys.clone())).await;
        assert!(matches!(&any, Ok(v) if *v == [id]) || any.is_err(), "{n} keys any: {any:?}");
    }
    assert_eq!(db.count(&Doc::select()).await?, 1);
    Ok(())
}

/// A JSON statement that fails leaves the connection, and the
/// transaction's savepoint handling, usable.
pub async fn json_attack_failure_leaves_connection_usable<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let id = insert::<T>(&db, json!({"f": 1.5, "s": "abc", "t": [1]})).await?;
    let risky: Vec<Expr<Bool>> = vec![
        Doc::BODY.key("s").as_integer().eq(1),
        Doc::BODY.key("f").as_integer().eq(1),
        Doc::BODY.key("s").as_bool().eq(true),
        Doc::BODY.key("t").index(usize::MAX).as_text().eq("x"),
    ];
    let tx = db.atomic().await?;
    for condition in risky {
        let savepoint = db.atomic().await?;
        let result = ids_where::<T>(&db, condition).await;
        if result.is_err() {
            savepoint.rollback().await?;
        } else {
            savepoint.commit().await?;
        }
        assert_eq!(ids_where::<T>(&db, Doc::ID.eq(id)).await?, [id], "usable after {result:?}");
    }
    tx.commit().await?;
    let edit_fail = Doc::update()
        .set(Doc::BODY, Doc::BODY.set_path([JsonStep::from("t"), JsonStep::Index(usize::MAX)], json!(1)))
        .aexecute(&db)
        .await;
    let _ = edit_fail;
    assert_eq!(db.count(&Doc::select()).await?, 1);
    let conn = db.aconnect().await?;
    let failed = conn.list(&Doc::select().columns(Doc::ID).where_(Doc::BODY.key("s").as_integer().eq(1))).await;
    let _ = failed;
    assert_eq!(conn.list(&Doc::select().columns(Doc::ID)).await?, [id]);
    Ok(())
}

/// A value given to an edit is held to what a stored document is: what
/// `acreate` refuses (PostgreSQL's `-0.0`, nesting deeper than the
/// backend keeps) is refused, or kept exactly; never silently changed.
pub async fn json_attack_edit_values_checked_like_documents<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let mut seen = Seen::new(&db);
    let id = insert::<T>(&db, json!({"arr": []})).await?;
    let mut deep = json!(1);
    for _ in 0..200 {
        deep = json!([deep]);
    }
    for (label, value) in [("-0.0", json!(-0.0)), ("200-deep", deep.clone())] {
        let direct = insert::<T>(&db, json!({ "v": value.clone() })).await;
        let refused = direct.is_err();
        if let Ok(other) = direct {
            Doc::delete().where_(Doc::ID.eq(other)).aexecute(&db).await?;
        }
        let edits: Vec<(&str, Expr<JsonDoc>)> = vec![
            ("set_path", Doc::BODY.set_path(["v"], value.clone())),
            ("append", Doc::BODY.append(["arr"], value.clone())),
            ("merge", Doc::BODY.merge(json!({ "v": value.clone() }).as_object().unwrap().clone())),
            ("contains", Doc::BODY.set_path(["c"], json!(1))),
        ];
        for (op, change) in edits {
            reset::<T>(&db, id, &json!({"arr": []})).await?;
            match edit::<T>(&db, id, change).await {
                Err(Error::Interface(_)) => {}
                Err(e) => seen.bad.push(format!("[{}] {op} of {label}: error {e}", seen.backend)),
                Ok(got) => {
                    let kept = match op {
                        "append" => {
                            got["arr"][0] == value
                                && (got["arr"][0].as_f64().map(f64::is_sign_negative)
                                    == value.as_f64().map(f64::is_sign_negative))
                        }
                        "contains" => true,
                        _ => {
                            got["v"] == value
                                && (got["v"].as_f64().map(f64::is_sign_negative)
                                    == value.as_f64().map(f64::is_sign_negative))
                        }
                    };
                    if !kept {
                        let text: String = got.to_string().chars().take(80).collect();
                        seen.bad.push(format!(
                            "[{}] {op} of {label} (acreate refuses it: {refused}): stored {text}",
                            seen.backend
                        ));
                    }
                }
            }
        }
        // As a containment argument: answered or refused, never a crash.
        let _ = ids_where::<T>(&db, Doc::BODY.contains(value.clone())).await;
    }
    seen.ok("usable after", db.count(&Doc::select()).await);
    seen.finish()
}
