//! Error kinds and recovery: each failure is reported with its kind and
//! leaves the connection usable.

use std::time::{Duration, Instant};

use ormcore::ConstraintKind;
use ormcore::prelude::*;
use ormcore::sql::NativePlaceholders;

use crate::harness::{Config, TestDb, open, quoted, sql_for, users_db};
use crate::models::{Pin, Tweet, User, user};

/// A unique violation names the constraint; the next query works, also
/// inside a transaction when the failure was inside a savepoint.
pub async fn unique_violation_then_recovery<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    User::acreate(&db, user("huey")).await?;
    let error = User::acreate(&db, user("huey")).await.expect_err("duplicate name");
    match &error {
        Error::Integrity { kind: ConstraintKind::Unique, constraint, model, column, .. } => {
            let constraint = constraint.as_deref().unwrap_or_default();
            assert!(constraint.contains("name"), "constraint should name the column: {constraint:?}");
            assert_eq!((*model, column.as_deref()), (Some("User"), Some("name")), "the model and column are named");
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
    let mut twins = vec![user("twin"), user("twin")];
    let error = User::abulk_create(&db, &mut twins).await.expect_err("duplicate names in one batch");
    assert!(matches!(&error, Error::Integrity { model: Some("User"), .. }), "{error:?}");
    assert!(std::error::Error::source(&error).is_some(), "the driver error is kept");
    assert_eq!(db.count(&User::select()).await?, 1);

    let tx = db.atomic().await?;
    User::acreate(&db, user("mickey")).await?;
    let savepoint = db.atomic().await?;
    assert!(User::acreate(&db, user("huey")).await.is_err());
    savepoint.rollback().await?;
    User::acreate(&db, user("zaizee")).await?;
    tx.commit().await?;
    assert_eq!(db.count(&User::select()).await?, 3);
    Ok(())
}

/// Foreign-key, not-null and check violations have their own kinds.
pub async fn constraint_kinds<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    db.acreate_tables(&[User::META, Tweet::META]).await?;
    let orphan = Tweet {
        id: 0,
        user: ForeignKey::new(424_242),
        content: "x".into(),
        is_published: false,
        related: Relations::default(),
    };
    let error = Tweet::acreate(&db, orphan).await.expect_err("no such user");
    assert_eq!(error.constraint_kind(), Some(ConstraintKind::ForeignKey), "{error:?}");
    match &error {
        // SQLite does not say which foreign key failed; PostgreSQL names
        // the constraint, and so the column.
        Error::Integrity { model, column, .. } => {
            assert_eq!(*model, Some("Tweet"));
            assert!(matches!(column.as_deref(), None | Some("user_id")), "{column:?}");
        }
        other => panic!("{other:?}"),
    }
    let error = db
        .aexecute_sql(
            &sql_for(db.dialect(), "INSERT INTO {user} (name, is_active) VALUES (NULL, ?)"),
            vec![true.into()],
        )
        .await
        .expect_err("name is NOT NULL");
    assert_eq!(error.constraint_kind(), Some(ConstraintKind::NotNull), "{error:?}");
    // A delete refused by ON DELETE RESTRICT is a foreign-key violation too
    // (SQLite reports it as a trigger's, PostgreSQL as 23001).
    db.acreate_tables(&[Pin::META]).await?;
    let owner = User::acreate(&db, user("owner")).await?;
    Pin::acreate(&db, Pin { id: 0, user: ForeignKey::new(owner.id) }).await?;
    let error = User::adelete_by_id(&db, owner.id).await.expect_err("a pin refers to the user");
    assert_eq!(error.constraint_kind(), Some(ConstraintKind::ForeignKey), "{error:?}");
    // A CHECK constraint.
    db.aexecute_sql("CREATE TABLE checked (x INTEGER CHECK (x > 0))", vec![]).await?;
    let error = db.aexecute_sql("INSERT INTO checked (x) VALUES (?)", vec![Value::Int(-1)]).await.expect_err("x > 0");
    assert_eq!(error.constraint_kind(), Some(ConstraintKind::Check), "{error:?}");
    Ok(())
}

/// Invalid SQL is an operational error; the connection recovers.
pub async fn invalid_sql_then_recovery<T: TestDb>() -> Result<()> {
    let db = T::open(Config::default().pool_size(1)).await;
    let error = db.aexecute_sql("SELEC 1", vec![]).await.expect_err("typo");
    assert!(matches!(error, Error::Operational { .. }), "{error:?}");
    let tx = db.atomic().await?;
    assert!(db.aexecute_sql("SELECT * FROM no_such_table", vec![]).await.is_err());
    drop(tx);
    // `? + 0`: raw parameters are untyped, and PostgreSQL reads a bare
    // `SELECT $1` as text.
    let one = db.aexecute_sql("SELECT ? + 0", vec![Value::Int(1)]).await?;
    assert_eq!(one.fetchall()[0].get::<i64>(0)?, 1);
    Ok(())
}

/// A placeholder count that does not match the values given is a misuse
/// (an interface error) on every backend, caught before the statement
/// runs: portable `?` placeholders with too few values or too many, and,
/// where the database has numbered placeholders of its own (SQLite,
/// PostgreSQL), a raw `$1` without a value. Where it has none (MySQL,
/// whose only placeholder is `?`) `$1` is a plain name, never counted as
/// a placeholder.
pub async fn placeholder_mismatch_is_interface<T: TestDb>() -> Result<()> {
    let db = open::<T>().await;
    let error = db.aexecute_sql("SELECT ? + 0", vec![]).await.expect_err("a `?` without a value");
    assert!(matches!(error, Error::Interface(_)), "{error:?}");
    let error =
        db.aexecute_sql("SELECT ? + 0", vec![Value::Int(1), Value::Int(2)]).await.expect_err("a value too many");
    assert!(matches!(error, Error::Interface(_)), "{error:?}");
    if db.dialect().native_placeholders() == NativePlaceholders::None {
        let named = db.aexecute_sql("SELECT ? + 0 AS $1", vec![Value::Int(1)]).await?;
        assert_eq!(named.fetchall()[0].get::<i64>(0)?, 1, "`$1` is a name here, the `?` the one placeholder");
        let error = db.aexecute_sql("SELECT ? + 0 AS $1", vec![]).await.expect_err("a `?` without a value");
        assert!(matches!(error, Error::Interface(_)), "{error:?}");
    } else {
        let error = db.aexecute_sql("SELECT $1 + 0", vec![]).await.expect_err("a `$1` without a value");
        assert!(matches!(error, Error::Interface(_)), "{error:?}");
    }
    assert_eq!(db.aexecute_sql("SELECT 1", vec![]).await?.fetchall().len(), 1, "the connection is fine");
    Ok(())
}

/// DoesNotExist names the model and carries the query's SQL and
/// parameters, as the reference's does; the message shows the SQL, not the
/// values.
pub async fn does_not_exist_names_model<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    let error = User::aget(&db, User::NAME.eq("nobody")).await.expect_err("empty table");
    assert!(error.is_does_not_exist());
    let message = error.to_string();
    assert!(message.starts_with("User matching query does not exist:\nSQL: SELECT "), "{message}");
    assert!(!message.contains("nobody"), "no value in the message: {message}");
    match &error {
        Error::DoesNotExist { model: "User", sql, params } => {
            assert!(sql.contains(&quoted(db.dialect(), "name")) && sql.contains("LIMIT"), "{sql}");
            assert!(params.contains(&Value::Text("nobody".into())), "{params:?}");
        }
        other => panic!("{other:?}"),
    }
    let untyped = db.get(&User::select().where_(User::NAME.eq("nobody"))).await.expect_err("empty table");
    assert!(matches!(untyped, Error::DoesNotExist { model: "User", .. }), "{untyped:?}");
    Ok(())
}

/// Waiting for a connection gives up after `acquire_timeout` with an error
/// that names the pool size.
pub async fn acquire_timeout<T: TestDb>() -> Result<()> {
    let timeout = Duration::from_millis(200);
    let db = T::open(Config::default().pool_size(1).acquire_timeout(timeout)).await;
    let held = db.aconnect().await?;
    let other = db.clone();
    let started = Instant::now();
    let result = tokio::spawn(async move { other.aexecute_sql("SELECT 1", vec![]).await }).await.expect("task");
    let waited = started.elapsed();
    match result {
        Err(Error::PoolTimeout { pool_size: 1, timeout: t }) => assert_eq!(t, timeout),
        other => panic!("expected a pool timeout, got {other:?}"),
    }
    assert!(waited >= timeout, "gave up after {waited:?}");
    let message = Error::PoolTimeout { pool_size: 1, timeout }.to_string();
    assert!(message.contains("pool_size = 1"), "{message}");
    drop(held);
    db.aexecute_sql("SELECT 1", vec![]).await?;
    Ok(())
}

/// A value that does not fit the field is a decode error naming the model,
/// column and types.
pub async fn decode_error_names_column<T: TestDb>() -> Result<()> {
    let db = users_db::<T>(Config::default()).await?;
    User::acreate(&db, user("huey")).await?;
    let as_integer = User::NAME.cast::<ormcore::types::Integer>(ormcore::query::CastType::Text);
    let rows = db.list(&User::select().columns((as_integer, User::IS_ACTIVE))).await;
    match rows {
        Err(Error::Decode { expected: "i64", found, .. }) => assert_eq!(found, "text"),
        other => panic!("expected a decode error, got {other:?}"),
    }
    let raw =
        ormcore::query::Raw::<User>::new(sql_for(db.dialect(), "SELECT id, name, 'yes', email FROM {user}"), vec![]);
    let error = db.list(&raw).await.expect_err("text in a bool");
    match error {
        Error::Decode { model: "User", column, expected: "bool", found } => {
            assert_eq!(found, "text");
            assert!(!column.is_empty());
        }
        other => panic!("expected a decode error naming User, got {other:?}"),
    }
    Ok(())
}
