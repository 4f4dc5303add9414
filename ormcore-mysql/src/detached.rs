//! Commands inside a transaction move to a task of their own when their
//! caller is dropped.
//!
//! mysql_async marks a connection disconnected when a command's future is
//! dropped before its answer is read: it cannot tell where in the answer
//! the socket stands. Outside a transaction that costs nothing but a new
//! connection. Inside one, it would cost the transaction: a timeout around
//! one statement would roll back the whole block. So inside a transaction
//! (or when unsure of it) a command runs in a future that owns the
//! connection ([`Running`]), polled by its caller ([`Here`]); a caller
//! dropped before the answer hands that future to a spawned task, which
//! runs it to its answer and hands the connection back. The connection
//! keeps the receiving end ([`Away`]), and its next command takes the
//! connection back first.
//!
//! A command nobody waits for any more may run long, holding its locks.
//! The next command waits [`GRACE`] for it, then asks the task to end it:
//! the task sends `KILL QUERY` from a connection of its own, which ends
//! only that statement (the transaction stays open), and reads the answer.
//! A kill can land after its statement ended on its own, on an idle
//! session; whether the server then keeps it for the next statement
//! differs between servers and versions, so the task runs a probe after
//! every kill, until one succeeds, before it hands the connection back. No
//! kill is ever on its way when a connection is handed back.
//!
//! When the connection itself is dropped while its command is away (its
//! task aborted, say), the task sees the receiver close and the connection
//! is never used again: the command is dropped (mysql_async then discards
//! the connection) and its session is ended on the server, so that a
//! running statement and its locks end at once. One whose answer came
//! just as it was dropped is reset (rolled back, session cleared) by the
//! pool instead.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Opts, Params};
use tokio::sync::oneshot;

/// How long a command whose caller is gone may run before it is ended:
/// most end well within it, which spares the server a kill.
pub(crate) const GRACE: Duration = Duration::from_millis(20);

/// How long a side connection may take to end a statement or a session
/// before it counts as failed.
const KILL_TIMEOUT: Duration = Duration::from_secs(10);

/// Tries at a probe after a kill: the first may be the one a late kill
/// ends; more than that means the session is not behaving as a session.
const PROBES: usize = 3;

/// ER_QUERY_INTERRUPTED: the statement was ended by `KILL QUERY`.
const INTERRUPTED: u16 = 1317;

/// ER_NO_SUCH_THREAD: the session to kill has ended already.
const NO_SUCH_THREAD: u16 = 1094;

/// A command ormcore sends.
pub(crate) enum Command {
    /// A prepared statement, its rows (if any) left pending on the
    /// connection for the caller to read.
    Start { sql: Arc<str>, params: Params },
    /// A prepared statement whose rows, if any, are dropped.
    Execute { sql: Arc<str>, params: Params },
    /// A text command: transaction control, the probe.
    Text(String),
    /// Prepare a statement (from the cache when it is there) for its
    /// columns.
    Columns(Arc<str>),
}

/// A command's answer.
pub(crate) enum Answer {
    /// It ran; what it reported is on the connection.
    Done,
    /// Its rows are pending on the connection; the statement completes
    /// (and reports) once they are read.
    Rows,
    /// The names of the statement's columns.
    Columns(Vec<String>),
}

pub(crate) type Outcome = Result<Answer, mysql_async::Error>;

/// Run `command` on `conn`, here.
pub(crate) async fn run(conn: &mut Conn, command: Command) -> Outcome {
    match command {
        Command::Start { sql, params } => conn.exec_iter(&*sql, params).await.map(|_| Answer::Rows),
        Command::Execute { sql, params } => conn.exec_drop(&*sql, params).await.map(|()| Answer::Done),
        Command::Text(sql) => conn.query_drop(sql).await.map(|()| Answer::Done),
        Command::Columns(sql) => conn
            .prep(&*sql)
            .await
            .map(|prepared| Answer::Columns(prepared.columns().iter().map(|c| c.name_str().into_owned()).collect())),
    }
}

/// A command running with the connection it owns; see [`Here`].
/// (`None` only if the connection went missing, which does not happen.)
pub(crate) type Running = Pin<Box<dyn Future<Output = Option<(Conn, Outcome)>> + Send>>;

/// `command` on `conn`, as a future that owns the connection: dropped
/// before its answer, the connection is never used again (see
/// [`discard`]).
pub(crate) fn running(conn: Conn, command: Command, opts: &Opts) -> Running {
    let mut armed = Armed { conn: Some(conn), opts: opts.clone() };
    Box::pin(async move {
        let outcome = run(armed.conn.as_mut()?, command).await;
        armed.conn.take().map(|conn| (conn, outcome))
    })
}

/// A connection in a command's future: dropped with the future before the
/// answer, it is discarded.
struct Armed {
    conn: Option<Conn>,
    opts: Opts,
}

impl Drop for Armed {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            let id = conn.id();
            discard(conn, self.opts.clone(), id);
        }
    }
}

/// A [`Running`] command polled by its caller. Dropped before the answer,
/// it moves the command to a task of its own, and leaves where the answer
/// comes back in `away`.
pub(crate) struct Here<'a> {
    running: Option<Running>,
    away: &'a mut Option<Away>,
    opts: &'a Opts,
    id: u32,
}

impl<'a> Here<'a> {
    pub(crate) fn new(running: Running, away: &'a mut Option<Away>, opts: &'a Opts, id: u32) -> Self {
        Here { running: Some(running), away, opts, id }
    }
}

impl Future for Here<'_> {
    type Output = Option<(Conn, Outcome)>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<(Conn, Outcome)>> {
        let this = self.get_mut();
        let Some(running) = this.running.as_mut() else {
            return Poll::Ready(None);
        };
        let back = ready!(running.as_mut().poll(cx));
        this.running = None;
        Poll::Ready(back)
    }
}

impl Drop for Here<'_> {
    fn drop(&mut self) {
        if let Some(running) = self.running.take()
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
        {
            *self.away = Some(Away::spawn(&runtime, running, self.opts.clone(), self.id));
        }
        // Without a runtime the command is dropped, and the connection with
        // it: the connection is lost.
    }
}

/// A command away on its task: where its connection and answer come back,
/// and how to ask for it to be ended.
pub(crate) struct Away {
    returned: oneshot::Receiver<(Conn, Outcome)>,
    end: Option<oneshot::Sender<()>>,
}

impl Away {
    /// Run `running` to its answer on a task of its own.
    fn spawn(runtime: &tokio::runtime::Handle, running: Running, opts: Opts, id: u32) -> Away {
        let (reply, returned) = oneshot::channel();
        let (end, end_asked) = oneshot::channel();
        runtime.spawn(detached(running, id, opts, reply, end_asked));
        Away { returned, end: Some(end) }
    }

    /// The connection and the command's answer, once it has one. Cancel
    /// safe: dropped, the command stays away and this can be awaited again.
    /// `None` when the task is gone without handing the connection back
    /// (the runtime shutting down): the connection is lost.
    pub(crate) async fn back(&mut self) -> Option<(Conn, Outcome)> {
        (&mut self.returned).await.ok()
    }

    /// Like [`back`](Self::back), for a command nobody waits for: after
    /// [`GRACE`], ask the task to end it.
    pub(crate) async fn ended(&mut self) -> Option<(Conn, Outcome)> {
        if self.end.is_some() {
            match tokio::time::timeout(GRACE, &mut self.returned).await {
                Ok(returned) => return returned.ok(),
                Err(_) => {
                    if let Some(end) = self.end.take() {
                        let _ = end.send(());
                    }
                }
            }
        }
        self.back().await
    }

    /// The connection is dropped: the connection and answer if they came
    /// back already; otherwise `None`, and the task sees that nobody will
    /// take them and cleans up (see the module docs).
    pub(crate) fn abandon(mut self) -> Option<(Conn, Outcome)> {
        self.returned.close();
        self.returned.try_recv().ok()
    }
}

/// The task behind [`Away`].
async fn detached(
    mut running: Running,
    id: u32,
    opts: Opts,
    mut reply: oneshot::Sender<(Conn, Outcome)>,
    mut end_asked: oneshot::Receiver<()>,
) {
    let mut killed = false;
    let back = loop {
        tokio::select! {
            biased;
            back = &mut running => break Some(back),
            () = reply.closed() => break None,
            Ok(()) = &mut end_asked, if !killed => {
                killed = true;
                if !kill(&opts, id, "QUERY").await {
                    break None;
                }
            }
        }
    };
    // Nobody will take the connection, or a kill could not be sent: the
    // command is dropped mid-way, and the connection with it (discarded:
    // see `Armed`).
    let Some(Some((mut conn, outcome))) = back else { return };
    drop(running);
    if killed && !absorb_kill(&mut conn).await {
        discard(conn, opts, id);
        return;
    }
    if let Err((mut conn, _)) = reply.send((conn, outcome)) {
        // Dropped just now: roll back and clear the session on the way to
        // the pool.
        conn.reset_connection(true);
    }
}

/// Run the probe until it is not the statement a late kill ends; false if
/// it cannot be made to run.
async fn absorb_kill(conn: &mut Conn) -> bool {
    for _ in 0..PROBES {
        match conn.query_drop(crate::connection::PROBE).await {
            Ok(()) => return true,
            Err(mysql_async::Error::Server(error)) if error.code == INTERRUPTED => continue,
            Err(_) => return false,
        }
    }
    false
}

/// Never use `conn` again: end its session on the server (a statement it
/// ran may still run there), then close it.
fn discard(mut conn: Conn, opts: Opts, id: u32) {
    // Without a runtime to close it, the pool gets it back: reset there,
    // unless mysql_async marked it disconnected, which it then discards.
    conn.reset_connection(true);
    let Ok(runtime) = tokio::runtime::Handle::try_current() else { return };
    runtime.spawn(async move {
        kill(&opts, id, "CONNECTION").await;
        // A connection whose command was dropped is marked disconnected
        // already; this marks any other one so, which keeps it out of the
        // pool.
        let _ = conn.disconnect().await;
    });
}

/// End session `id` on the server, in the background: its connection
/// was dropped with a command in flight, which may still run there.
pub(crate) fn end_session(opts: Opts, id: u32) {
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        runtime.spawn(async move { kill(&opts, id, "CONNECTION").await });
    }
}

/// `KILL QUERY` or `KILL CONNECTION` session `id`, from a connection of
/// its own (the pool's may all be in use); whether it is sure to have
/// landed (or the session is gone already).
async fn kill(opts: &Opts, id: u32, what: &str) -> bool {
    let kill = async {
        let Ok(mut side) = Conn::new(opts.clone()).await else { return false };
        let landed = match side.query_drop(format!("KILL {what} {id}")).await {
            Ok(()) => true,
            Err(mysql_async::Error::Server(error)) => error.code == NO_SUCH_THREAD,
            Err(_) => false,
        };
        let _ = side.disconnect().await;
        landed
    };
    tokio::time::timeout(KILL_TIMEOUT, kill).await.unwrap_or(false)
}
