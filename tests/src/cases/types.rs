//! Every field type round-trips, and so does any string.

use chrono::{NaiveDate, NaiveTime, TimeZone, Utc};
use ormcore::prelude::*;
use ormcore::types::Json;

use crate::harness::{Config, TestDb, open, quoted_column, users_db};
use crate::models::{Document, Everything, User, user};

fn sample(n: i64) -> Everything {
    let date = NaiveDate::from_ymd_opt(2024, 2, 29).expect("a leap day");
    let time = NaiveTime::from_hms_micro_opt(23, 59, 58, 123_456).expect("a time");
    Everything {
        id: 0,
        small: -12_345,
        int: i32::MIN + 1,
        big: i64::MAX - n,
        real: 1.5,
        double: -0.000_123_456_789,
        flag: n % 2 == 0,
        text: format!("text {n}: ünïcødé ✓ 'quotes' \"double\" `back` ; -- comment"),
        bytes: vec![0, 1, 2, 254, 255],
        maybe: (n % 2 == 1).then(|| "present".to_owned()),
        date,
        time,
        datetime: date.and_time(time),
        instant: Utc.with_ymd_and_hms(2001, 9, 9, 1, 46, 40).single().expect("an instant"),
        uuid: uuid::Uuid::from_u128(0x1234_5678_9abc_def0_0fed_cba9_8765_4321 + n as u128),
        json: serde_json::json!({"n": n, "list": [1, 2, 3], "nested": {"ok": true}}),
        document: Json(Document { title: format!("doc {n}"), tags: vec!["a".into(), "b".into()] }),
        decimal: "12345.6789".parse().expect("a decimal"),
    }
}

/// Every supported type survives a write and a read unchanged.
pub async fn every_type_round_trips<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[Everything::META]).await?;
    for n in 0..2 {
        let written = Everything::acreate(&db, sample(n)).await?;
        let read = Everything::aget_by_id(&db, written.id).await?;
        assert_eq!(read, written);
    }
    let by_date = db.count(&Everything::select().where_(Everything::DATE.eq(sample(0).date))).await?;
    assert_eq!(by_date, 2);
    let by_uuid = db.get(&Everything::select().where_(Everything::UUID.eq(sample(1).uuid))).await?;
    assert_eq!(by_uuid.big, i64::MAX - 1);
    let later = db
        .count(&Everything::select().where_(Everything::DATETIME.gt(sample(0).datetime - chrono::Duration::seconds(1))))
        .await?;
    assert_eq!(later, 2);
    Ok(())
}

/// Any string is a value, never SQL: hostile text round-trips and matches
/// only itself.
pub async fn hostile_strings_round_trip<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let hostile = [
        "Robert'); DROP TABLE \"user\"; --",
        "' OR '1'='1",
        "\\' \\\" \\\\ %_ ? $1 :name @x",
        "line\nbreak\ttab\r",
        "emoji 🦀 and 中文",
        "",
    ];
    for name in hostile {
        User::acreate(&db, user(name)).await?;
    }
    for name in hostile {
        let found = User::aget(&db, User::NAME.eq(name)).await?;
        assert_eq!(found.name, name);
        let expected = if name.is_empty() { hostile.len() } else { 1 };
        assert_eq!(db.count(&User::select().where_(User::NAME.contains(name))).await?, expected as i64, "{name:?}");
    }
    assert_eq!(db.count(&User::select()).await?, hostile.len() as i64);
    Ok(())
}

/// Whether `result` is a value refused before it was sent: an interface
/// error naming `column` (as `"table"."column"`, quoted as the dialect
/// quotes names: see [`quoted_column`]). Any other outcome fails the test.
fn refused<T: std::fmt::Debug>(result: Result<T>, column: &str) -> bool {
    match result {
        Ok(_) => false,
        Err(Error::Interface(message)) if message.contains(column) => true,
        Err(other) => panic!("expected a write refused for {column}, got {other:?}"),
    }
}

/// Times with nanoseconds, and leap seconds (which chrono writes as
/// nanoseconds past 1_000_000_000), are kept to the last digit or refused
/// at write time naming the column: never cut or moved to another second.
pub async fn times_keep_every_digit_or_are_refused<T: TestDb>() -> Result<()> {
    use crate::models::Moment;
    let db = open::<T>().await;
    db.acreate_tables(&[Moment::META]).await?;
    let date = NaiveDate::from_ymd_opt(2016, 12, 31).expect("a date");
    let times = [
        NaiveTime::from_hms_nano_opt(12, 0, 0, 123_456_789).expect("nanoseconds"),
        NaiveTime::from_hms_nano_opt(23, 59, 59, 1_500_000_000).expect("a leap second"),
        NaiveTime::from_hms_micro_opt(23, 59, 59, 999_999).expect("microseconds"),
    ];
    for time in times {
        let moments = [
            Moment { time: Some(time), ..Moment::default() },
            Moment { datetime: Some(date.and_time(time)), ..Moment::default() },
            Moment { instant: Some(date.and_time(time).and_utc()), ..Moment::default() },
        ];
        for (moment, column) in moments.into_iter().zip(["time", "datetime", "instant"]) {
            let column = quoted_column(db.dialect(), "moment", column);
            match Moment::acreate(&db, moment.clone()).await {
                Ok(written) => assert_eq!(Moment::aget_by_id(&db, written.id).await?, written, "{column}"),
                Err(error) => assert!(refused::<()>(Err(error), &column)),
            }
        }
    }
    Ok(())
}

/// NaN, infinities, negative zero and the extreme finite floats are kept
/// bit for bit (any NaN for NaN) or refused at write time naming the
/// column: never turned into NULL or `0.0`.
pub async fn special_floats_keep_their_bits_or_are_refused<T: TestDb>() -> Result<()> {
    use crate::models::Measure;
    let db = open::<T>().await;
    db.acreate_tables(&[Measure::META]).await?;
    let same = |a: f64, b: f64| a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan());
    let specials = [f64::NAN, -0.0, f64::INFINITY, f64::NEG_INFINITY, f64::MIN_POSITIVE, 5e-324, f64::MAX, f64::MIN];
    for x in specials {
        match Measure::acreate(&db, Measure { value: x, ..Measure::default() }).await {
            Ok(written) => {
                let read = Measure::aget_by_id(&db, written.id).await?;
                assert!(same(read.value, x), "{x:?} read back as {:?}", read.value);
            }
            Err(error) => assert!(refused::<()>(Err(error), &quoted_column(db.dialect(), "measure", "value"))),
        }
        match Measure::acreate(&db, Measure { maybe: Some(x), ..Measure::default() }).await {
            Ok(written) => {
                let read = Measure::aget_by_id(&db, written.id).await?;
                assert!(read.maybe.is_some_and(|y| same(y, x)), "{x:?} read back as {:?}", read.maybe);
            }
            Err(error) => assert!(refused::<()>(Err(error), &quoted_column(db.dialect(), "measure", "maybe"))),
        }
    }
    Ok(())
}

/// Floats inside JSON come back to the last bit: these are ones that a
/// parser without correct rounding reads one digit off.
pub async fn json_floats_round_trip<T: TestDb>() -> Result<()> {
    use crate::models::Doc;
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let floats: [f64; 6] =
        [1.0715660391465826e-75, -1.81996730402717e-179, -1.603964615428183e143, 0.1, 1.0 / 3.0, 5e-324];
    let body = serde_json::json!({ "floats": floats, "one": floats[0] });
    let written = Doc::acreate(&db, Doc { id: 0, body }).await?;
    let read = Doc::aget_by_id(&db, written.id).await?;
    assert_eq!(read, written);
    let numbers = read.body["floats"].as_array().expect("an array");
    for (read, written) in numbers.iter().zip(floats) {
        assert_eq!(read.as_f64().map(f64::to_bits), Some(written.to_bits()), "{written:?} read back as {read}");
    }
    // PostgreSQL's jsonb keeps numbers as NUMERIC, which has no -0.
    let negative_zero = Doc::acreate(&db, Doc { id: 0, body: serde_json::json!([-0.0]) }).await;
    match negative_zero {
        Ok(written) => {
            let read = Doc::aget_by_id(&db, written.id).await?;
            assert_eq!(read.body[0].as_f64().map(f64::to_bits), Some((-0.0f64).to_bits()), "{}", read.body);
        }
        Err(error) => assert!(refused::<()>(Err(error), &quoted_column(db.dialect(), "doc", "body"))),
    }
    Ok(())
}

/// JSON nested `n` levels deep: arrays in arrays.
fn nested(n: usize) -> serde_json::Value {
    (0..n).fold(serde_json::Value::from(1), |inner, _| serde_json::Value::Array(vec![inner]))
}

/// JSON nested as deep as ormcore reads and the dialect's database stores
/// round-trips; one level deeper is refused at write time naming the column
/// and the limit, instead of being written and then failing every read (or
/// failing on the server, MySQL's 100 levels).
pub async fn json_deeper_than_readable_is_refused<T: TestDb>() -> Result<()> {
    use crate::models::Doc;
    let db = open::<T>().await;
    db.acreate_tables(&[Doc::META]).await?;
    let depth = db.dialect().json_depth();
    if let Some(server) = T::SERVER_JSON_DEPTH {
        // The server checks sooner than the dialect says: its refusal is
        // an integrity error and writes nothing.
        let kept = Doc::acreate(&db, Doc { id: 0, body: nested(server) }).await?;
        assert_eq!(Doc::aget_by_id(&db, kept.id).await?, kept);
        let refused = Doc::acreate(&db, Doc { id: 0, body: nested(server + 1) }).await;
        assert!(matches!(refused, Err(Error::Integrity { .. })), "{refused:?}");
        assert_eq!(db.count(&Doc::select()).await?, 1, "nothing was written");
        return Ok(());
    }
    let deepest = Doc::acreate(&db, Doc { id: 0, body: nested(depth) }).await?;
    assert_eq!(Doc::aget_by_id(&db, deepest.id).await?, deepest);
    let too_deep = Doc::acreate(&db, Doc { id: 0, body: nested(depth + 1) }).await;
    match too_deep {
        Err(Error::Interface(message)) => {
            let column = quoted_column(db.dialect(), "doc", "body");
            assert!(message.contains(&column) && message.contains(&depth.to_string()), "{message}");
        }
        other => panic!("a document deeper than {depth} levels must be refused, got {other:?}"),
    }
    assert_eq!(db.count(&Doc::select()).await?, 1, "nothing was written");
    Ok(())
}

/// A value whose `Serialize` fails (a map keyed by pairs) is refused with
/// the reason, on every write path, instead of being stored as NULL (or
/// JSON `null`): nothing is written, and the connection goes on.
pub async fn json_that_cannot_serialize_is_refused<T: TestDb>() -> Result<()> {
    use std::collections::HashMap;
    #[derive(Model, Debug, Clone)]
    pub struct Grid {
        pub id: i64,
        pub cells: Json<HashMap<(i32, i32), String>>,
    }
    let db = open::<T>().await;
    db.acreate_tables(&[Grid::META]).await?;
    let refusal = |result: Result<_>| match result {
        Err(Error::Interface(message)) => assert!(message.contains("key must be a string"), "{message}"),
        other => panic!("a document that cannot serialize must be refused, got {other:?}"),
    };
    let unencodable = Json(HashMap::from([((1, 2), "x".to_owned())]));
    refusal(Grid::acreate(&db, Grid { id: 0, cells: unencodable.clone() }).await.map(|_| ()));
    let mut many = vec![Grid { id: 0, cells: unencodable.clone() }];
    refusal(Grid::abulk_create(&db, &mut many).await);
    refusal(Grid::update().set(Grid::CELLS, unencodable.clone()).aexecute(&db).await.map(|_| ()));
    assert_eq!(db.count(&Grid::select()).await?, 0, "nothing was written");

    let mut kept = Grid::acreate(&db, Grid { id: 0, cells: Json(HashMap::new()) }).await?;
    kept.cells = unencodable;
    refusal(kept.asave(&db).await.map(|_| ()));
    assert!(Grid::aget_by_id(&db, kept.id).await?.cells.0.is_empty(), "the stored document is untouched");
    Ok(())
}

/// A `Decimal` field keeps every digit a `rust_decimal::Decimal` holds, its
/// scale included (`1.50` stays `1.50`) where the column keeps the scale of
/// each value.
///
/// MySQL has no decimal column of unfixed scale: an undeclared `Decimal`
/// is a `DECIMAL(65, 30)` there, and `1.5` reads back with the column's
/// thirty places, `1.500000000000000000000000000000` (or as many of them
/// as a `Decimal` holds): every digit kept, the scale the column's. Where the column type the dialect
/// declares for the field fixes a scale (it has one in parentheses), the
/// value read back must be the same number (`Decimal`'s `==` compares
/// values, not scales); elsewhere (SQLite's text, PostgreSQL's `NUMERIC`)
/// the same text, scale included.
pub async fn decimals_keep_every_digit<T: TestDb>() -> Result<()> {
    use crate::models::Price;
    use rust_decimal::Decimal;
    let db = open::<T>().await;
    db.acreate_tables(&[Price::META]).await?;
    let column = Price::META.columns.iter().find(|c| c.name == "amount").expect("the amount column");
    let declared = db.dialect().column_type(column.ty, false);
    let fixed_scale = declared.contains('(');
    let amounts = [
        Decimal::new(1, 28),
        "0.1234567890123456789012345678".parse().expect("28 places"),
        Decimal::MAX,
        Decimal::MIN,
        "1.50".parse().expect("a scale of 2"),
        "-12345678901234567.12345678901".parse().expect("29 digits"),
    ];
    for amount in amounts {
        let written = Price::acreate(&db, Price { amount, ..Price::default() }).await?;
        let read = Price::aget_by_id(&db, written.id).await?;
        if fixed_scale {
            assert_eq!(read.amount, amount, "{amount} in a {declared} column read back as {}", read.amount);
        } else {
            assert_eq!(read.amount.to_string(), amount.to_string(), "{amount}");
        }
    }
    Ok(())
}

/// A decimal declared with `max_digits` and `decimal_places` keeps values
/// within them; one beyond is refused naming the column and the declared
/// limit, never rounded (PostgreSQL) or stored beyond it (SQLite).
pub async fn decimals_beyond_their_declaration_are_refused<T: TestDb>() -> Result<()> {
    use crate::models::Price;
    use rust_decimal::Decimal;
    let db = open::<T>().await;
    db.acreate_tables(&[Price::META]).await?;
    let decimal = |text: &str| text.parse::<Decimal>().expect("a decimal");
    for fits in ["9999.99", "-9999.99", "0.01", "1.50", "12.500", "0"] {
        let written = Price::acreate(&db, Price { total: Some(decimal(fits)), ..Price::default() }).await?;
        assert_eq!(Price::aget_by_id(&db, written.id).await?.total, Some(decimal(fits)), "{fits}");
    }
    let total = quoted_column(db.dialect(), "price", "total");
    let refusals = [
        (
            "1.234",
            format!("cannot store 1.234 in {total}: the column keeps at most 2 decimal places (decimal_places = 2)"),
        ),
        (
            "10000",
            format!(
                "cannot store 10000 in {total}: the column keeps at most 4 digits before the decimal point \
                 (max_digits = 6, decimal_places = 2)"
            ),
        ),
    ];
    for (value, expected) in refusals {
        match Price::acreate(&db, Price { total: Some(decimal(value)), ..Price::default() }).await {
            Err(Error::Interface(message)) => assert_eq!(message, expected),
            other => panic!("{value} must be refused, got {other:?}"),
        }
    }
    let mut saved = Price::acreate(&db, Price::default()).await?;
    saved.total = Some(decimal("-0.001"));
    assert!(refused(saved.asave(&db).await, &total), "an update is checked too");
    assert_eq!(db.count(&Price::select()).await?, 7);
    Ok(())
}

/// `abulk_create`, which binds each batch's values without compiling its
/// rows, and `abulk_update` check every value as the single-row writes do:
/// one value beyond its column refuses the whole call, and nothing of it
/// is written.
pub async fn bulk_writes_check_every_value<T: TestDb>() -> Result<()> {
    use crate::models::Price;
    use rust_decimal::Decimal;
    let db = open::<T>().await;
    db.acreate_tables(&[Price::META]).await?;
    let column = quoted_column(db.dialect(), "price", "total");
    let price = |total: &str| Price { total: Some(total.parse::<Decimal>().expect("a decimal")), ..Price::default() };
    let mut prices: Vec<Price> = (0..250).map(|n| price(&format!("{n}.25"))).collect();
    prices[180] = price("1.001");
    let refused_create = Price::abulk_create(&db, &mut prices).await;
    assert!(refused(refused_create, &column), "abulk_create checks every row");
    assert_eq!(db.count(&Price::select()).await?, 0, "nothing was written");
    assert!(prices.iter().all(|p| p.id == 0), "no model claims a row");

    prices[180] = price("1.00");
    Price::abulk_create(&db, &mut prices).await?;
    prices[7].total = Some("123456".parse().expect("a decimal"));
    let refused_update = Price::abulk_update(&db, &prices, Price::TOTAL).batch_size(50).await;
    assert!(refused(refused_update, &column), "abulk_update checks every value");
    assert_eq!(Price::aget_by_id(&db, prices[7].id).await?.total, Some("7.25".parse().expect("a decimal")));
    Ok(())
}
