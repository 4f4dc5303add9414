//! One MySQL or MariaDB connection and how statements run on it.
//!
//! Every statement ormcore compiles runs as a prepared statement (the
//! binary protocol: typed values, no text parsing), prepared once per
//! connection and kept in mysql_async's statement cache. Transaction
//! control runs as plain text commands.
//!
//! What the connection knows of its transaction comes from the server: every
//! answer that completes a command carries the server's status flags, and
//! `SERVER_STATUS_IN_TRANS` among them says whether a transaction is open.
//! That covers what ormcore did not ask for too: DDL that commits
//! implicitly, a deadlock that rolled the whole transaction back, raw
//! `BEGIN`. Only an error answer carries no flags: after one, the status is
//! unknown until the next command's answer (see
//! [`transaction_status`](ormcore::backend::RawConnection::transaction_status)).
//!
//! Outside a transaction a command runs here; inside one (or when unsure
//! of it) it runs on a task of its own, so that a caller dropped mid-way
//! does not cost the transaction (see [`crate::detached`]).

use std::sync::Arc;

use mysql_async::consts::StatusFlags;
use mysql_async::{BinaryProtocol, Conn, Params, QueryResult};
use ormcore::Error;
use ormcore::backend::{ExecResult, InsertRows, NextParams, OnKey, OnRow, RawConnection, insert_rows_by_statement};
use ormcore::sql::{Dialect, MySqlDialect, Statement, TxOp};

use crate::detached::{Answer, Away, Command, Here, Outcome, running};
use crate::error::map;
use crate::row::MySqlRow;

/// What the connection knows of the server's transaction status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TxStatus {
    /// No transaction is open.
    Idle,
    /// A transaction is open.
    Open,
    /// Either: the last answer was an error, or a command is on its way.
    Unknown,
}

/// A statement's answer is not needed, only that it ran: the cheapest
/// command there is, whose answer carries the status flags.
pub(crate) const PROBE: &str = "DO 0";

/// One pooled MySQL or MariaDB connection, with what ormcore knows of its
/// state: the transaction status, whether a statement may have changed the
/// session (one the compiler could not prove session-free), and whether the
/// connection is lost. The pool decides by these, when the connection
/// comes back, whether it needs cleaning before anyone else gets it (see
/// [`PooledMySql`](crate::PooledMySql)).
pub struct MySqlConnection {
    /// `None` while a command is away on its task, or once the connection
    /// is lost with it.
    pub(crate) conn: Option<Conn>,
    /// The command away on its task, if any (see [`crate::detached`]).
    pub(crate) away: Option<Away>,
    id: u32,
    dialect: MySqlDialect,
    pub(crate) tx: TxStatus,
    pub(crate) session_dirty: bool,
    /// A statement failed in a way that ends the session (see
    /// [`crate::error::is_lost`]) while the driver still holds the socket.
    pub(crate) lost: bool,
    /// A command was sent and its answer not yet read. Left set when the
    /// command's future is dropped: mysql_async then marks the connection
    /// disconnected (the pool discards it), while the server may go on
    /// running the command, holding its locks, until it notices (see
    /// [`PooledMySql`](crate::PooledMySql)).
    pub(crate) in_flight: bool,
    pub(crate) pool: Arc<crate::pool::MySqlInner>,
}

impl std::fmt::Debug for MySqlConnection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MySqlConnection")
            .field("id", &self.id)
            .field("tx", &self.tx)
            .field("session_dirty", &self.session_dirty)
            .field("lost", &self.is_lost())
            .finish_non_exhaustive()
    }
}

/// The status flags' word on the transaction, from the last answer that
/// completed a command (`None` after an error answer).
fn server_tx(conn: &Conn) -> TxStatus {
    match conn.last_ok_packet() {
        Some(ok) if ok.status_flags().contains(StatusFlags::SERVER_STATUS_IN_TRANS) => TxStatus::Open,
        Some(_) => TxStatus::Idle,
        None => TxStatus::Unknown,
    }
}

/// `values` as the driver's parameters.
pub(crate) fn params(values: &[ormcore::Value]) -> ormcore::Result<Params> {
    if values.is_empty() {
        return Ok(Params::Empty);
    }
    values.iter().map(crate::value::bind).collect::<ormcore::Result<Vec<_>>>().map(Params::Positional)
}

impl MySqlConnection {
    pub(crate) fn new(conn: Conn, pool: Arc<crate::pool::MySqlInner>) -> Self {
        MySqlConnection {
            dialect: pool.dialect,
            tx: server_tx(&conn),
            id: conn.id(),
            conn: Some(conn),
            away: None,
            session_dirty: false,
            lost: false,
            in_flight: false,
            pool,
        }
    }

    /// The mysql_async connection, for what ormcore does not cover, once
    /// any command still running on it has ended. Leave it as you found
    /// it: no transaction that ormcore does not know of, no result left
    /// unread.
    pub async fn conn(&mut self) -> ormcore::Result<&mut Conn> {
        self.here().await
    }

    /// The server's id of this connection's session (what `KILL` takes).
    pub fn id(&self) -> u32 {
        self.id
    }

    /// The connection, back here: a command still away, whose caller was
    /// dropped, is waited for (briefly, then ended on the server). Its
    /// answer is nobody's, but what it says of the transaction counts.
    async fn here(&mut self) -> ormcore::Result<&mut Conn> {
        if let Some(away) = &mut self.away {
            let back = away.ended().await;
            self.away = None;
            if let Some((conn, outcome)) = back {
                self.conn = Some(conn);
                let _ = self.answered(outcome);
            }
        }
        match &mut self.conn {
            Some(conn) => Ok(conn),
            None => {
                self.lost = true;
                Err(lost())
            }
        }
    }

    /// Send `command` and read its answer: here in autocommit, on a task
    /// of its own inside a transaction (see [`crate::detached`]).
    async fn send(&mut self, command: Command) -> ormcore::Result<Answer> {
        self.here().await?;
        if self.tx == TxStatus::Idle {
            let Some(conn) = self.conn.as_mut() else { return Err(lost()) };
            self.in_flight = true;
            let outcome = crate::detached::run(conn, command).await;
            self.in_flight = false;
            return self.answered(outcome);
        }
        let Some(conn) = self.conn.take() else { return Err(lost()) };
        let opts = &self.pool.opts;
        match Here::new(running(conn, command, opts), &mut self.away, opts, self.id).await {
            Some((conn, outcome)) => {
                self.conn = Some(conn);
                self.answered(outcome)
            }
            None => {
                self.lost = true;
                Err(lost())
            }
        }
    }

    /// Learn from a command's answer.
    fn answered(&mut self, outcome: Outcome) -> ormcore::Result<Answer> {
        match outcome {
            Ok(Answer::Rows) => Ok(Answer::Rows),
            Ok(answer) => {
                self.completed();
                Ok(answer)
            }
            Err(error) => Err(self.failed(error)),
        }
    }

    /// What the last statement reported. An insert id beyond `i64` (a
    /// `BIGINT UNSIGNED` key) is an error: reporting none would say that no
    /// row was inserted.
    fn reported(&self) -> ormcore::Result<ExecResult> {
        let Some(conn) = &self.conn else { return Ok(ExecResult { rows_affected: 0, last_insert_id: None }) };
        let last_insert_id = match conn.last_insert_id() {
            None => None,
            Some(id) => Some(i64::try_from(id).map_err(|_| {
                Error::interface(format!(
                    "the statement ran, and the server reported the key {id}, beyond the i64 that ormcore keys are"
                ))
            })?),
        };
        Ok(ExecResult { rows_affected: conn.affected_rows(), last_insert_id })
    }

    /// Whether the pool must clean this connection's session before
    /// anyone else gets it.
    pub(crate) fn needs_reset(&self) -> bool {
        self.tx != TxStatus::Idle || self.session_dirty
    }

    /// Mark what a statement may change, before it is sent: a statement
    /// that may not be session-free has changed the session for good (as
    /// far as the pool is concerned), and the transaction status is unknown
    /// until the answer says, unless the statement cannot change it (in
    /// autocommit, which only a statement that is not session-free can turn
    /// off, nothing but transaction control opens a transaction).
    pub(crate) fn before(&mut self, statement: &Statement) {
        if !statement.session_free {
            self.session_dirty = true;
        }
        if self.tx != TxStatus::Idle || self.session_dirty || statement.controls_transaction {
            self.tx = TxStatus::Unknown;
        }
    }

    /// Learn the transaction status from a completed command's answer.
    pub(crate) fn completed(&mut self) {
        if let Some(conn) = &self.conn {
            self.tx = server_tx(conn);
        }
    }

    /// Record a failed command. The transaction status stays as
    /// [`before`](Self::before) left it: an error answer carries none, and
    /// a deadlock, for one, rolled the whole transaction back.
    pub(crate) fn failed(&mut self, error: mysql_async::Error) -> Error {
        self.lost |= crate::error::is_lost(&error);
        map(error)
    }

    /// Find out the transaction status when it is unknown: one round trip,
    /// after which the answer carries it (a result left unread is read to
    /// its end first).
    pub(crate) async fn resolve_tx(&mut self) -> ormcore::Result<()> {
        if self.tx != TxStatus::Unknown {
            return Ok(());
        }
        self.command(PROBE.to_owned()).await
    }

    /// Run a text command (transaction control), learning the status from
    /// its answer.
    async fn command(&mut self, sql: String) -> ormcore::Result<()> {
        self.tx = TxStatus::Unknown;
        self.send(Command::Text(sql)).await.map(drop)
    }

    /// Send a statement; its rows, if any, are then pending on the
    /// connection, for [`read_rows`](Self::read_rows) to read.
    pub(crate) async fn start(&mut self, statement: &Statement) -> ormcore::Result<()> {
        let params = params(&statement.params)?;
        self.before(statement);
        self.send(Command::Start { sql: Arc::clone(&statement.sql), params }).await.map(drop)
    }

    /// Read rows of the statement [`start`](Self::start) sent, up to `max`,
    /// handing each to `on_row`; false once they are all read (the
    /// statement has then completed, and later result sets, as a stored
    /// procedure returns, are read and dropped). An error from `on_row`
    /// leaves the rest of the rows unread, pending on the connection.
    pub(crate) async fn read_rows(&mut self, max: usize, on_row: &mut OnRow<'_>) -> ormcore::Result<bool> {
        let mut result = QueryResult::<BinaryProtocol>::new(self.here().await?);
        for _ in 0..max {
            match result.next().await {
                Ok(Some(row)) => on_row(&MySqlRow(&row))?,
                Ok(None) => {
                    let rest = drain_sets(&mut result).await;
                    drop(result);
                    rest.map_err(|error| self.failed(error))?;
                    self.completed();
                    return Ok(false);
                }
                Err(error) => {
                    drop(result);
                    return Err(self.failed(error));
                }
            }
        }
        Ok(true)
    }
}

/// Read and drop the result sets after the first (a stored procedure's).
async fn drain_sets(result: &mut QueryResult<'_, '_, BinaryProtocol>) -> Result<(), mysql_async::Error> {
    while !result.is_empty() {
        while result.next().await?.is_some() {}
    }
    Ok(())
}

impl RawConnection for MySqlConnection {
    async fn execute(&mut self, statement: &Statement) -> ormcore::Result<ExecResult> {
        let params = params(&statement.params)?;
        self.before(statement);
        self.send(Command::Execute { sql: Arc::clone(&statement.sql), params }).await?;
        self.reported()
    }

    async fn fetch(&mut self, statement: &Statement, on_row: &mut OnRow<'_>) -> ormcore::Result<ExecResult> {
        self.start(statement).await?;
        while self.read_rows(usize::MAX, on_row).await? {}
        self.reported()
    }

    /// From the statement cache: the statement has just run here, so
    /// this costs no round trip.
    async fn columns(&mut self, statement: &Statement) -> ormcore::Result<Vec<String>> {
        match self.send(Command::Columns(Arc::clone(&statement.sql))).await? {
            Answer::Columns(columns) => Ok(columns),
            Answer::Done | Answer::Rows => Ok(Vec::new()),
        }
    }

    /// Without `RETURNING` (MySQL), keys come from the insert id: for
    /// every row of a multi-row insert where the server assigns them
    /// consecutively (InnoDB in lock mode 0 or 1, no insert trigger), else
    /// one row per statement.
    async fn insert_rows(
        &mut self,
        dialect: &dyn Dialect,
        rows: &InsertRows<'_>,
        next_row: &mut NextParams<'_>,
        on_key: &mut OnKey<'_>,
    ) -> ormcore::Result<()> {
        let mut rows = *rows;
        if rows.key.is_some()
            && !dialect.supports_insert_returning()
            && let Some(step) = crate::keys::consecutive_step(self, rows.table.name).await?
        {
            rows = rows.consecutive_keys(step);
        }
        insert_rows_by_statement(self, dialect, &rows, next_row, on_key).await
    }

    async fn transaction(&mut self, op: TxOp<'_>) -> ormcore::Result<()> {
        let sql = ormcore::sql::transaction_sql(op, &self.dialect as &dyn Dialect)?;
        match op {
            TxOp::Commit => {
                self.resolve_tx().await?;
                if self.tx == TxStatus::Idle {
                    return Err(Error::Operational {
                        message: "cannot commit: the database already ended this transaction \
                                  (a deadlock rolled it back, or a statement committed it implicitly)"
                            .into(),
                        source: None,
                    });
                }
                self.command(sql).await
            }
            // Nothing to roll back: spare the round trip.
            TxOp::Rollback if self.tx == TxStatus::Idle => Ok(()),
            _ => self.command(sql).await,
        }
    }

    fn in_transaction(&self) -> bool {
        self.tx != TxStatus::Idle
    }

    async fn transaction_status(&mut self) -> ormcore::Result<bool> {
        self.resolve_tx().await?;
        Ok(self.tx == TxStatus::Open)
    }

    fn is_lost(&self) -> bool {
        self.lost
            || match &self.conn {
                Some(conn) => conn.is_disconnected(),
                None => self.away.is_none(),
            }
    }
}

/// The error for a connection that did not come back from its task.
fn lost() -> Error {
    Error::ConnectionLost { message: "the connection to the MySQL server was lost".into(), source: None }
}
