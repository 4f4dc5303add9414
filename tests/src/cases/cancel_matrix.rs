//! The cancel matrix: a transaction script (begin, insert, savepoint,
//! insert, update, release, commit), written with guards and with
//! closures, run through the fault injector
//! ([`crate::faults`]) and cancelled, failed or cut at each of its
//! operations in turn, on a pool of one connection. After each run the next
//! user of that connection must find no transaction open, as the database
//! has it (asked in SQL, not taken from ormcore's or the backend's
//! bookkeeping), the pool settled with no connection missing, and exactly
//! the committed rows: none, or all of the script's if its commit reached
//! the database. And the statement counts the model layer relies on.

use std::time::Duration;

use ormcore::backend::Backend;
use ormcore::prelude::*;

use crate::faults::{self, Fault, Faulty, Op, OpKind, TxRecord};
use crate::harness::{Config, TestDb, settled_pool_status, user_names};
use crate::models::{User, user};

type FaultyDb<T> = Database<Faulty<<T as TestDb>::Backend>>;

/// The rows the script leaves once committed, sorted.
const COMMITTED: [&str; 2] = ["a", "b2"];

/// How long any one step may take before the run counts as hung.
const PATIENCE: Duration = Duration::from_secs(10);

/// The script, written two ways. Each owns its handle so that it can run
/// on a task of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Script {
    /// Guards: `atomic().await`, statements through the database handle,
    /// `commit()` on each guard.
    Guards,
    /// Closures: `atomic().run(..)` nested in another, statements through
    /// the handles the closures get.
    Closures,
}

impl Script {
    async fn run<B: Backend>(self, db: Database<B>) -> Result<()> {
        match self {
            Script::Guards => {
                let tx = db.atomic().await?;
                User::acreate(&db, user("a")).await?;
                let savepoint = db.atomic().await?;
                User::acreate(&db, user("b")).await?;
                User::update().set(User::NAME, "b2").where_(User::NAME.eq("b")).aexecute(&db).await?;
                savepoint.commit().await?;
                tx.commit().await
            }
            Script::Closures => {
                db.atomic()
                    .run(|tx| async move {
                        User::acreate(&tx, user("a")).await?;
                        tx.atomic()
                            .run(|savepoint| async move {
                                User::acreate(&savepoint, user("b")).await?;
                                let rename = User::update().set(User::NAME, "b2").where_(User::NAME.eq("b"));
                                rename.aexecute(&savepoint).await
                            })
                            .await
                    })
                    .await?;
                Ok(())
            }
        }
    }
}

/// What the next user may see after a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Nothing: the commit never reached the database.
    None,
    /// All the script's rows: the commit ran.
    All,
    /// One or the other, never a part: the run was cancelled with the
    /// commit in flight.
    Either,
}

/// How a run ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// The script's future is dropped once it stalls, in the task that
    /// polled it.
    Drop,
    /// The task running the script is aborted once it stalls.
    Abort,
    /// The script returns (the fault fails it).
    Return,
}

/// The database under test, with the script's operations counted.
struct Matrix<T: TestDb> {
    db: FaultyDb<T>,
    script: Script,
    /// The operations of a clean run of the script.
    clean: Vec<Op>,
    /// The number of its `COMMIT`.
    commit_at: usize,
    /// Also check that nothing at all runs on a connection once it is
    /// lost, as the driver contract has it.
    lost_untouched: bool,
}

impl<T: TestDb> Matrix<T> {
    /// A pool of one connection (so that the next user gets the one the
    /// run left), and a clean run of the script to count its operations.
    async fn new(script: Script) -> Result<Self> {
        let config = Config::default().pool_size(1).acquire_timeout(Duration::from_secs(3));
        let db = faults::open::<T>(config).await;
        db.acreate_tables(&[User::META]).await?;
        let mut matrix = Matrix { db, script, clean: Vec::new(), commit_at: 0, lost_untouched: false };
        matrix.reset().await?;
        script.run(matrix.db.clone()).await?;
        let faults = matrix.db.backend().faults();
        let statements: Vec<OpKind> = faults.statements().into_iter().map(|op| op.kind).collect();
        assert!(
            matches!(
                statements.as_slice(),
                [
                    OpKind::Transaction(TxRecord::Begin),
                    OpKind::Fetch | OpKind::Execute,
                    OpKind::Transaction(TxRecord::Savepoint(_)),
                    OpKind::Fetch | OpKind::Execute,
                    OpKind::Execute | OpKind::Fetch,
                    OpKind::Transaction(TxRecord::Release(_)),
                    OpKind::Transaction(TxRecord::Commit),
                ]
            ),
            "the script sends begin, insert, savepoint, insert, update, release, commit:\n{}",
            faults.render()
        );
        matrix.clean = faults.log();
        matrix.commit_at = matrix
            .clean
            .iter()
            .position(|op| op.kind == OpKind::Transaction(TxRecord::Commit))
            .expect("the script commits");
        assert_eq!(user_names(&matrix.db).await?, COMMITTED, "a clean run commits");
        Ok(matrix)
    }

    /// An empty table, nothing armed, the log cleared.
    async fn reset(&self) -> Result<()> {
        let faults = self.db.backend().faults();
        faults.disarm();
        self.db.aexecute(&User::delete()).await?;
        faults.clear();
        Ok(())
    }

    /// Run the script with `fault` armed at operation `k`, end it as
    /// `end` says, then check what the next user sees. What went wrong,
    /// if anything did.
    async fn run(&self, k: usize, fault: Fault, end: End) -> Vec<String> {
        if let Err(error) = self.reset().await {
            return vec![format!("the reset before the run failed: {error}")];
        }
        let faults = self.db.backend().faults();
        faults.arm(k, fault);
        // A connection lost while idle in the pool is replaced before
        // anything runs on it: the script goes through.
        let replaced = fault == Fault::Cut && self.clean[k].kind == OpKind::Acquire;
        let mut problems = Vec::new();
        if let Err(problem) = self.end_script(fault, end, replaced).await {
            problems.push(problem);
        }
        match faults.fired().as_slice() {
            [(op, _)] if op.index == k => {}
            fired => problems.push(format!("the fault fired at {fired:?}, not at {k}")),
        }
        let after_loss: Vec<String> =
            faults.log().iter().filter(|op| op.on_cut_connection).map(ToString::to_string).collect();
        if self.lost_untouched && !after_loss.is_empty() {
            problems.push(format!("ran on the connection after it was lost: {after_loss:?}"));
        }
        faults.disarm();
        let expected = if replaced { Rows::All } else { self.expected(k, fault) };
        if let Err(problem) = self.check(expected).await {
            problems.push(problem);
        }
        if !problems.is_empty() {
            problems.push(format!("the run's operations:\n{}", faults.render()));
        }
        problems
    }

    /// Run the script under the armed fault and end it.
    async fn end_script(&self, fault: Fault, end: End, replaced: bool) -> std::result::Result<(), String> {
        let faults = self.db.backend().faults();
        let script = self.script.run(self.db.clone());
        let outcome = match end {
            End::Return => {
                let returned = tokio::time::timeout(PATIENCE, script).await.map_err(|_| "the script hung")?;
                return match returned {
                    Ok(()) if replaced => Ok(()),
                    Ok(()) => Err("the script succeeded despite the fault".into()),
                    Err(error) if replaced => Err(format!("a connection lost in the pool was not replaced: {error}")),
                    Err(Error::ConnectionLost { .. }) if fault == Fault::Cut => Ok(()),
                    Err(error) if fault == Fault::Fail && error.to_string().contains("injected fault") => Ok(()),
                    Err(error) => Err(format!("the script failed with {error:?}, not with the fault's error")),
                };
            }
            End::Drop => {
                let mut work = Box::pin(script);
                let reached = tokio::time::timeout(PATIENCE, async {
                    tokio::select! {
                        _ = faults.reached() => Ok(()),
                        ended = &mut work => Err(format!("{ended:?}")),
                    }
                })
                .await;
                drop(work);
                reached
            }
            End::Abort => {
                let mut task = tokio::spawn(script);
                let reached = tokio::time::timeout(PATIENCE, async {
                    tokio::select! {
                        _ = faults.reached() => Ok(()),
                        ended = &mut task => Err(format!("{ended:?}")),
                    }
                })
                .await;
                task.abort();
                match task.await {
                    Err(error) if error.is_cancelled() => {}
                    other if reached.as_ref().is_ok_and(Result::is_ok) => {
                        return Err(format!("the aborted task ended with {other:?}"));
                    }
                    _ => {}
                }
                reached
            }
        };
        match outcome {
            Err(_) => Err("the script hung before the fault".into()),
            Ok(Err(ended)) => Err(format!("the script ended ({ended}) before the fault")),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// What the next user may see after `fault` at `k`.
    fn expected(&self, k: usize, fault: Fault) -> Rows {
        use std::cmp::Ordering::*;
        match (fault, k.cmp(&self.commit_at)) {
            (_, Greater) => Rows::All,
            (Fault::StallAfter, Equal) => Rows::All,
            (Fault::Interrupt, Equal) => Rows::Either,
            (_, Less | Equal) => Rows::None,
        }
    }

    /// What the next user of the connection finds: the pool settled, no
    /// transaction open on the database, exactly the committed rows.
    async fn check(&self, expected: Rows) -> std::result::Result<(), String> {
        let status = settled_pool_status(&self.db).await;
        if status.idle != status.open || status.open > 1 {
            return Err(format!("the pool did not settle: {status:?}"));
        }
        let mut next = tokio::time::timeout(PATIENCE, self.db.backend().acquire())
            .await
            .map_err(|_| "the next user waited for the connection in vain".to_owned())?
            .map_err(|e| format!("the next user got no connection: {e}"))?;
        let dialect = self.db.dialect();
        match faults::server_transaction_open(next.inner(), dialect).await {
            Ok(false) => {}
            Ok(true) => return Err("the next user's connection has a transaction open".into()),
            Err(error) => return Err(format!("the next user's connection fails: {error}")),
        }
        drop(next);
        let names = user_names(&self.db).await.map_err(|e| format!("reading the rows failed: {e}"))?;
        let committed = names == COMMITTED;
        let ok = match expected {
            Rows::None => names.is_empty(),
            Rows::All => committed,
            Rows::Either => names.is_empty() || committed,
        };
        if !ok {
            return Err(format!("the next user sees {names:?}, expected {expected:?} of {COMMITTED:?}"));
        }
        Ok(())
    }

    /// Run every fault of `plan` at every operation of the script: a line
    /// for each run that went wrong, and how many runs there were.
    /// Afterwards a clean run still commits.
    async fn sweep(&self, plan: &[(Fault, End)]) -> Result<(Vec<String>, usize)> {
        let mut failures = Vec::new();
        for k in 0..self.clean.len() {
            for &(fault, end) in plan {
                let problems = self.run(k, fault, end).await;
                if !problems.is_empty() {
                    let script = self.script;
                    failures.push(format!("{script:?}: {fault:?} at operation {k} ({end:?}): {}", problems.join("; ")));
                }
            }
        }
        self.reset().await?;
        self.script.run(self.db.clone()).await?;
        assert_eq!(user_names(&self.db).await?, COMMITTED, "a clean run still commits");
        Ok((failures, self.clean.len() * plan.len()))
    }
}

/// Both scripts swept with every fault of `plan`; panics naming every run
/// that went wrong.
async fn sweep_both<T: TestDb>(plan: &[(Fault, End)], lost_untouched: bool) -> Result<()> {
    let (mut failures, mut runs) = (Vec::new(), 0);
    for script in [Script::Guards, Script::Closures] {
        let mut matrix = Matrix::<T>::new(script).await?;
        matrix.lost_untouched = lost_untouched;
        let (failed, swept) = matrix.sweep(plan).await?;
        failures.extend(failed);
        runs += swept;
    }
    assert!(failures.is_empty(), "{} of {runs} runs went wrong:\n{}", failures.len(), failures.join("\n"));
    Ok(())
}

/// The script's future dropped at each of its await points: before the
/// operation started, after it completed on the database, and with it in
/// flight.
pub async fn dropped_at_every_await<T: TestDb>() -> Result<()> {
    sweep_both::<T>(&[(Fault::Stall, End::Drop), (Fault::StallAfter, End::Drop), (Fault::Interrupt, End::Drop)], false)
        .await
}

/// The task running the script aborted at each of its await points.
pub async fn aborted_at_every_await<T: TestDb>() -> Result<()> {
    let plan = [(Fault::Stall, End::Abort), (Fault::StallAfter, End::Abort), (Fault::Interrupt, End::Abort)];
    sweep_both::<T>(&plan, false).await
}

/// Each operation of the script failing in turn: the script returns the
/// error and nothing is committed.
pub async fn failed_at_every_operation<T: TestDb>() -> Result<()> {
    sweep_both::<T>(&[(Fault::Fail, End::Return)], false).await
}

/// The connection lost at each operation of the script in turn (killed on
/// the server where the test database can): the script fails with
/// `ConnectionLost` (or, lost while idle in the pool, is given a fresh
/// connection and succeeds), nothing is committed, and the next user gets
/// a healthy connection.
pub async fn cut_at_every_operation<T: TestDb>() -> Result<()> {
    sweep_both::<T>(&[(Fault::Cut, End::Return)], false).await
}

/// As [`cut_at_every_operation`], also holding ormcore to the driver
/// contract's "drops such a connection instead of running anything more
/// on it (not even a rollback)". It does not: a guard dropped after the
/// loss runs its rollback through `transaction_now` on the lost connection
/// (`SlotState::settle_now` does not ask `is_lost`).
pub async fn lost_connection_is_never_used_again<T: TestDb>() -> Result<()> {
    sweep_both::<T>(&[(Fault::Cut, End::Return)], true).await
}

/// The matrix's check for an open transaction sees one: a transaction
/// begun on a raw connection and left open is found, and rolled back.
pub async fn open_transaction_is_seen<T: TestDb>() -> Result<()> {
    use ormcore::backend::RawConnection;
    use ormcore::sql::TxOp;
    let db = faults::open::<T>(Config::default().pool_size(1)).await;
    let mut conn = db.backend().acquire().await?;
    assert!(!faults::server_transaction_open(conn.inner(), db.dialect()).await?, "a fresh connection");
    conn.inner().transaction(TxOp::Begin(TxOptions::default())).await?;
    assert!(faults::server_transaction_open(conn.inner(), db.dialect()).await?, "a transaction left open");
    assert!(!faults::server_transaction_open(conn.inner(), db.dialect()).await?, "the check rolled it back");
    Ok(())
}

/// Statement counts: a point read is one statement, a transaction with one
/// insert is begin, insert, commit; no statement more (what eager loading
/// will be held to).
pub async fn statements_are_counted<T: TestDb>() -> Result<()> {
    let db = faults::open::<T>(Config::default()).await;
    db.acreate_tables(&[User::META]).await?;
    User::acreate(&db, user("a")).await?;
    let faults = db.backend().faults();

    faults.clear();
    let found = User::aget(&db, User::NAME.eq("a")).await?;
    assert_eq!(found.name, "a");
    let statements = faults.statements();
    assert_eq!(statements.len(), 1, "aget sends one statement:\n{}", faults.render());
    assert_eq!(statements[0].kind, OpKind::Fetch);
    assert!(statements[0].sql.as_deref().is_some_and(|sql| sql.starts_with("SELECT")), "{statements:?}");

    faults.clear();
    db.atomic().run(|tx| async move { User::acreate(&tx, user("b")).await }).await?;
    let kinds: Vec<OpKind> = faults.statements().into_iter().map(|op| op.kind).collect();
    assert!(
        matches!(
            kinds.as_slice(),
            [
                OpKind::Transaction(TxRecord::Begin),
                OpKind::Fetch | OpKind::Execute,
                OpKind::Transaction(TxRecord::Commit)
            ]
        ),
        "a transaction with one insert sends begin, insert, commit:\n{}",
        faults.render()
    );
    let insert = &faults.statements()[1];
    assert!(insert.sql.as_deref().is_some_and(|sql| sql.starts_with("INSERT")), "{insert:?}");

    faults.clear();
    assert_eq!(user_names(&db).await?, ["a", "b"]);
    assert_eq!(faults.statements().len(), 1, "a list is one statement:\n{}", faults.render());

    // A stream: its start, then a batch per `buffer_size` rows, and one more
    // that finds the end (where the last batch came back short, a backend
    // may know without asking).
    User::acreate(&db, user("c")).await?;
    faults.clear();
    let mut stream = db.iterate(&User::select().order_by(User::NAME)).buffer_size(2);
    let mut read = 0;
    while let Some(row) = stream.next().await {
        row?;
        read += 1;
    }
    drop(stream);
    assert_eq!(read, 3);
    let kinds: Vec<OpKind> = faults.statements().into_iter().map(|op| op.kind).collect();
    assert!(
        matches!(kinds.as_slice(), [OpKind::Stream, OpKind::NextBatch, OpKind::NextBatch, ..] if kinds.len() <= 4
            && kinds[1..].iter().all(|kind| *kind == OpKind::NextBatch)),
        "a stream of 3 rows in batches of 2:\n{}",
        faults.render()
    );
    Ok(())
}
