//! Values refused before they are bound: every place the compiler writes a
//! parameter checks it, naming the column it is stored into or compared
//! with; values the dialect keeps compile as before.

mod golden_common;

use golden_common::*;
use ormcore::Value;
use ormcore::query::node::{BinaryOp, ExprNode, InsertNode, InsertSource, UpdateNode};
use ormcore::sql::{compile_insert, compile_raw, compile_update};

fn column(name: &str) -> ExprNode {
    ExprNode::Column { table: Some("m".to_owned().into()), name: name.to_owned().into() }
}

fn value(v: f64) -> ExprNode {
    ExprNode::Value(Value::Float(v))
}

fn insert(values: Vec<ExprNode>) -> InsertNode {
    let mut node = InsertNode::new("m");
    node.columns = vec!["a".into(), "b".into()];
    node.source = InsertSource::Values(vec![values]);
    node
}

fn update(set: ExprNode, where_: Option<ExprNode>) -> UpdateNode {
    let mut node = UpdateNode::new("m");
    node.set = vec![("b".into(), set)];
    node.where_ = where_;
    node
}

fn compare(left: ExprNode, op: BinaryOp, right: ExprNode) -> ExprNode {
    ExprNode::Binary { left: Box::new(left), op, right: Box::new(right) }
}

#[test]
fn stored_values_name_their_column() {
    let q = insert(vec![value(1.0), value(f64::NAN)]);
    let e = error(|d| compile_insert(&q, d), SQLITE);
    assert_interface(e, r#"cannot store NaN in "m"."b": SQLite stores NaN as NULL"#);
    // PostgreSQL keeps NaN as it is; MySQL has none.
    sql(|d| compile_insert(&q, d), POSTGRES);
    let e = error(|d| compile_insert(&q, d), &MYSQL);
    assert_interface(e, r#"cannot store NaN in `m`.`b`: MySQL has no NaN or infinities"#);
    let q = insert(vec![value(1.0), value(f64::NEG_INFINITY)]);
    let e = error(|d| compile_insert(&q, d), &MYSQL);
    assert_interface(e, r#"cannot store -inf in `m`.`b`: MySQL has no NaN or infinities"#);

    let q = update(value(-0.0), None);
    let e = error(|d| compile_update(&q, d), SQLITE);
    assert_interface(e, r#"cannot store -0.0 in "m"."b": SQLite stores -0.0 as 0"#);
    sql(|d| compile_update(&q, d), POSTGRES);
    let e = error(|d| compile_update(&q, d), &MYSQL);
    assert_interface(e, r#"cannot store -0.0 in `m`.`b`: MySQL stores -0.0 as 0"#);
}

#[test]
fn case_results_are_stored_and_when_values_compared() {
    // `abulk_update`'s shape: SET b = CASE id WHEN key THEN value END.
    let case = |when: f64, then: f64| ExprNode::Case {
        operand: Some(Box::new(column("a"))),
        whens: vec![(value(when), value(then))],
        else_: None,
    };
    let e = error(|d| compile_update(&update(case(1.0, -0.0), None), d), SQLITE);
    assert_interface(e, r#"cannot store -0.0 in "m"."b""#);
    let e = error(|d| compile_update(&update(case(f64::NAN, 1.0), None), d), SQLITE);
    assert_interface(e, r#"cannot compare "m"."a" with NaN"#);
    // Compared, -0.0 equals 0.0 as in Rust: it is bound.
    sql(|d| compile_update(&update(case(-0.0, 1.0), None), d), SQLITE);
}

#[test]
fn comparisons_name_the_column_on_either_side() {
    for (left, right) in [(column("a"), value(f64::NAN)), (value(f64::NAN), column("a"))] {
        let q = update(value(1.0), Some(compare(left, BinaryOp::Lt, right)));
        let e = error(|d| compile_update(&q, d), SQLITE);
        assert_interface(e, r#"cannot compare "m"."a" with NaN: SQLite stores NaN as NULL"#);
    }
    let in_list =
        ExprNode::InList { expr: Box::new(column("a")), list: vec![value(1.0), value(f64::NAN)], negated: false };
    let e = error(|d| compile_update(&update(value(1.0), Some(in_list.clone())), d), SQLITE);
    assert_interface(e, r#"cannot compare "m"."a" with NaN"#);
    let between = ExprNode::Between {
        expr: Box::new(column("a")),
        low: Box::new(value(f64::NAN)),
        high: Box::new(value(1.0)),
        negated: false,
    };
    let e = error(|d| compile_update(&update(value(1.0), Some(between.clone())), d), SQLITE);
    assert_interface(e, r#"cannot compare "m"."a" with NaN"#);
    let negative_zero = compare(column("a"), BinaryOp::Eq, value(-0.0));
    sql(|d| compile_update(&update(value(1.0), Some(negative_zero.clone())), d), SQLITE);
}

#[test]
fn other_values_and_raw_parameters_are_checked_too() {
    // Inside arithmetic the value meets no column, and is still bound.
    let sum = compare(column("a"), BinaryOp::Add, value(f64::NAN));
    let e = error(|d| compile_update(&update(sum.clone(), None), d), SQLITE);
    assert_interface(e, "cannot bind NaN: SQLite stores NaN as NULL");
    let e = error(|d| compile_raw("INSERT INTO m (a) VALUES (?)", &[Value::Float(f64::NAN)], d), SQLITE);
    assert_interface(e, "cannot bind NaN: SQLite stores NaN as NULL");
    let e = error(|d| compile_raw("SELECT ?", &[Value::Float(-0.0)], d), SQLITE);
    assert_interface(e, "cannot bind -0.0: SQLite stores -0.0 as 0");
}

/// MySQL and MariaDB keep dates and times to the microsecond, without
/// leap seconds, in the years 1000 to 9999: anything else is refused
/// wherever it is bound, stored or compared.
#[cfg(feature = "chrono")]
#[test]
fn mysql_dates_and_times_within_what_it_keeps() {
    use chrono::{NaiveDate, NaiveTime};
    let date = |y| Value::Date(NaiveDate::from_ymd_opt(y, 1, 2).unwrap());
    let at =
        |nanos| Value::DateTime(NaiveDate::from_ymd_opt(2024, 1, 2).unwrap().and_hms_nano_opt(3, 4, 5, nanos).unwrap());
    let time = |nanos| Value::Time(NaiveTime::from_hms_nano_opt(23, 59, 59, nanos).unwrap());
    for dialect in [&MYSQL, &MARIADB] {
        let stored = |v: Value| compile_insert(&insert(vec![value(1.0), ExprNode::Value(v)]), dialect);
        assert_interface(
            stored(at(1)).unwrap_err(),
            r#"cannot store 2024-01-02 03:04:05.000000001 in `m`.`b`: MySQL keeps time to the microsecond"#,
        );
        assert_interface(
            stored(time(1_500_000_000)).unwrap_err(),
            r#"cannot store 23:59:60.500 in `m`.`b`: MySQL has no leap seconds"#,
        );
        assert_interface(
            stored(date(999)).unwrap_err(),
            r#"cannot store 0999-01-02 in `m`.`b`: MySQL keeps the years 1000 to 9999"#,
        );
        let compared = compare(column("a"), BinaryOp::Lt, ExprNode::Value(date(10_000)));
        assert!(compile_update(&update(value(1.0), Some(compared)), dialect).is_err());
        let raw = compile_raw("SELECT ?", &[time(1)], dialect);
        assert!(raw.is_err(), "{raw:?}");
        // What it keeps compiles: microseconds, the range's ends.
        for v in [at(123_456_000), time(999_999_000), date(1000), date(9999)] {
            sql(|d| compile_insert(&insert(vec![value(1.0), ExprNode::Value(v.clone())]), d), dialect);
        }
    }
}
