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

use std::sync::Arc;

use mysql_async::consts::StatusFlags;
use mysql_async::prelude::Queryable;
use mysql_async::{BinaryProtocol, Conn, Params, QueryResult};
use ormcore::Error;
use ormcore::backend::{ExecResult, OnRow, RawConnection};
use ormcore::sql::{Dialect, MySqlDialect, Statement, TxOp};

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
const PROBE: &str = "DO 0";

/// One pooled MySQL or MariaDB connection, with what ormcore knows of its
/// state: the transaction status, whether a statement may have changed the
/// session (one the compiler could not prove session-free), and whether the
/// connection is lost. The pool decides by these, when the connection
/// comes back, whether it needs cleaning before anyone else gets it (see
/// [`PooledMySql`](crate::PooledMySql)).
pub struct MySqlConnection {
    pub(crate) conn: Conn,
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
            .field("id", &self.conn.id())
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
            conn,
            session_dirty: false,
            lost: false,
            in_flight: false,
            pool,
        }
    }

    /// The mysql_async connection, for what ormcore does not cover. Leave
    /// it as you found it: no transaction that ormcore does not know of,
    /// no result left unread.
    pub fn conn(&mut self) -> &mut Conn {
        &mut self.conn
    }

    /// The server's id of this connection's session (what `KILL` takes).
    pub fn id(&self) -> u32 {
        self.conn.id()
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
        self.tx = server_tx(&self.conn);
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
        self.command(PROBE).await
    }

    /// Run a text command (transaction control), learning the status from
    /// its answer.
    async fn command(&mut self, sql: &str) -> ormcore::Result<()> {
        self.tx = TxStatus::Unknown;
        self.in_flight = true;
        let answer = self.conn.query_drop(sql).await;
        self.in_flight = false;
        match answer {
            Ok(()) => {
                self.completed();
                Ok(())
            }
            Err(error) => Err(self.failed(error)),
        }
    }

    /// Send a statement; its rows, if any, are then pending on the
    /// connection, for [`read_rows`](Self::read_rows) to read.
    pub(crate) async fn start(&mut self, statement: &Statement) -> ormcore::Result<()> {
        let params = params(&statement.params)?;
        self.before(statement);
        self.in_flight = true;
        let sent = self.conn.exec_iter(&*statement.sql, params).await.map(drop);
        self.in_flight = false;
        sent.map_err(|error| self.failed(error))
    }

    /// Read rows of the statement [`start`](Self::start) sent, up to `max`,
    /// handing each to `on_row`; false once they are all read (the
    /// statement has then completed, and later result sets, as a stored
    /// procedure returns, are read and dropped). An error from `on_row`
    /// leaves the rest of the rows unread, pending on the connection.
    pub(crate) async fn read_rows(&mut self, max: usize, on_row: &mut OnRow<'_>) -> ormcore::Result<bool> {
        let mut result = QueryResult::<BinaryProtocol>::new(&mut self.conn);
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
        self.in_flight = true;
        let answer = self.conn.exec_drop(&*statement.sql, params).await;
        self.in_flight = false;
        match answer {
            Ok(()) => {
                self.completed();
                let last_insert_id = self.conn.last_insert_id().and_then(|id| i64::try_from(id).ok());
                Ok(ExecResult { rows_affected: self.conn.affected_rows(), last_insert_id })
            }
            Err(error) => Err(self.failed(error)),
        }
    }

    async fn fetch(&mut self, statement: &Statement, on_row: &mut OnRow<'_>) -> ormcore::Result<ExecResult> {
        self.start(statement).await?;
        while self.read_rows(usize::MAX, on_row).await? {}
        let last_insert_id = self.conn.last_insert_id().and_then(|id| i64::try_from(id).ok());
        Ok(ExecResult { rows_affected: self.conn.affected_rows(), last_insert_id })
    }

    /// From the statement cache: the statement has just run here, so
    /// this costs no round trip.
    async fn columns(&mut self, statement: &Statement) -> ormcore::Result<Vec<String>> {
        self.in_flight = true;
        let prepared = self.conn.prep(&*statement.sql).await;
        self.in_flight = false;
        match prepared {
            Ok(prepared) => Ok(prepared.columns().iter().map(|column| column.name_str().into_owned()).collect()),
            Err(error) => Err(self.failed(error)),
        }
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
                self.command(&sql).await
            }
            // Nothing to roll back: spare the round trip.
            TxOp::Rollback if self.tx == TxStatus::Idle => Ok(()),
            _ => self.command(&sql).await,
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
        self.lost || self.conn.is_disconnected()
    }
}
