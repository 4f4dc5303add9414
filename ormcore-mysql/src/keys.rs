//! The keys of a multi-row insert where the server has no `RETURNING`
//! (MySQL; MariaDB before 10.5).
//!
//! The server reports one insert id per statement: the first row's. InnoDB
//! assigns the rows of one multi-row `INSERT .. VALUES` consecutive keys,
//! `auto_increment_increment` apart, when `innodb_autoinc_lock_mode` is 0
//! ("traditional") or 1 ("consecutive", MariaDB's default and MySQL 5.7's):
//! the statement knows its row count and takes them all at once. In mode 2
//! ("interleaved", MySQL 8's default) concurrent inserts may interleave
//! their keys, other engines promise nothing, and an insert trigger may
//! set the key itself: there each row is inserted by a statement of its
//! own.

use std::sync::Arc;

use ormcore::backend::RawConnection;
use ormcore::sql::Statement;

use crate::connection::MySqlConnection;

/// The step between the keys of one multi-row insert into `table`, where
/// the server assigns them consecutively; `None` where it does not.
pub(crate) async fn consecutive_step(conn: &mut MySqlConnection, table: &str) -> ormcore::Result<Option<u64>> {
    let mut statement = Statement::new(
        Arc::from(
            "SELECT @@SESSION.auto_increment_increment, @@GLOBAL.innodb_autoinc_lock_mode, \
             (SELECT engine FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?), \
             (SELECT count(*) FROM information_schema.triggers \
              WHERE event_object_schema = DATABASE() AND event_object_table = ? AND event_manipulation = 'INSERT')",
        ),
        vec![table.into(), table.into()],
    );
    // It reads settings and the catalog, changing nothing.
    statement.session_free = true;
    statement.read_only = true;
    statement.controls_transaction = false;
    let mut found = None;
    conn.fetch(&statement, &mut |row| {
        let step = ormcore::decode_column::<Option<i64>>(row, 0, "auto_increment_increment")?;
        let lock_mode = ormcore::decode_column::<Option<i64>>(row, 1, "innodb_autoinc_lock_mode")?;
        let engine = ormcore::decode_column::<Option<String>>(row, 2, "engine")?;
        let triggers = ormcore::decode_column::<i64>(row, 3, "triggers")?;
        found = Some((step, lock_mode, engine, triggers));
        Ok(())
    })
    .await?;
    Ok(found.and_then(|(step, lock_mode, engine, triggers)| {
        step_if_consecutive(step?, lock_mode?, engine.as_deref()?, triggers)
    }))
}

/// The rule: InnoDB in lock mode 0 or 1, with a positive step, and no
/// insert trigger (a `BEFORE INSERT` one may give a row a key of its own).
fn step_if_consecutive(step: i64, lock_mode: i64, engine: &str, insert_triggers: i64) -> Option<u64> {
    let consecutive = engine.eq_ignore_ascii_case("InnoDB") && matches!(lock_mode, 0 | 1) && insert_triggers == 0;
    u64::try_from(step).ok().filter(|&step| step > 0 && consecutive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_innodb_in_a_consecutive_lock_mode() {
        assert_eq!(step_if_consecutive(1, 1, "InnoDB", 0), Some(1));
        assert_eq!(step_if_consecutive(3, 0, "InnoDB", 0), Some(3), "a cluster's increment");
        assert_eq!(step_if_consecutive(1, 2, "InnoDB", 0), None, "interleaved: MySQL 8's default");
        assert_eq!(step_if_consecutive(1, 1, "MyISAM", 0), None);
        assert_eq!(step_if_consecutive(0, 1, "InnoDB", 0), None);
        assert_eq!(step_if_consecutive(1, 1, "InnoDB", 1), None, "an insert trigger may set keys");
    }
}
