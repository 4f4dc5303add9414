//! The suite's dialect helpers (`ormcore_tests::harness::{quoted, sql_for,
//! assert_unsupported}`) checked against every dialect, MySQL's included,
//! without a database: the portable cases rely on them to run on MySQL
//! and MariaDB as they do on SQLite and PostgreSQL.

use ormcore::Query;
use ormcore::prelude::*;
use ormcore::query::CompoundOp;
use ormcore::sql::{Dialect, MySqlDialect, PostgresDialect, SqliteDialect};

use ormcore_tests::harness::{assert_unsupported, quoted, quoted_column, sql_for};
use ormcore_tests::models::User;

#[test]
fn identifiers_are_quoted_as_the_dialect_quotes_them() {
    let mysql = MySqlDialect::mariadb((10, 11, 0));
    assert_eq!(quoted(&PostgresDialect, "user"), "\"user\"");
    assert_eq!(quoted(&SqliteDialect::new(), "a\"b"), "\"a\"\"b\"");
    assert_eq!(quoted(&mysql, "a`b"), "`a``b`");
    assert_eq!(quoted_column(&mysql, "price", "total"), "`price`.`total`");
    assert_eq!(
        sql_for(&PostgresDialect, "SELECT email FROM {user} WHERE ? = '?'"),
        "SELECT email FROM \"user\" WHERE ? = '?'"
    );
    assert_eq!(sql_for(&mysql, "INSERT INTO {user} ({name}) VALUES (?)"), "INSERT INTO `user` (`name`) VALUES (?)");
}

/// The refusals the cases expect where a MySQL dialect lacks a
/// feature are the ones the compiler gives.
#[test]
fn gated_features_are_refused_as_the_cases_expect() {
    let mysql = MySqlDialect::mysql((8, 0, 30));
    let mariadb = MySqlDialect::mariadb((10, 11, 0));
    let insert = User::insert().set(User::NAME, "dave").returning(User::ID);
    let update = User::update().set(User::EMAIL, "d@x").returning_all();
    let delete = User::delete().returning(User::EMAIL);
    assert!(!mysql.supports_insert_returning() && mariadb.supports_insert_returning());
    assert_unsupported(insert.compile(&mysql), &mysql, "INSERT ... RETURNING");
    assert!(!mariadb.supports_update_returning());
    assert_unsupported(update.compile(&mariadb), &mariadb, "UPDATE ... RETURNING");
    assert!(!mysql.supports_delete_returning() && mariadb.supports_delete_returning());
    assert_unsupported(delete.compile(&mysql), &mysql, "DELETE ... RETURNING");
    assert!(!mysql.supports_compound(CompoundOp::Intersect));
    let names = User::select().columns(User::NAME);
    assert_unsupported(names.clone().intersect(names.clone()).compile(&mysql), &mysql, "INTERSECT");
    assert_unsupported(names.clone().except(names).compile(&mysql), &mysql, "EXCEPT");
}
