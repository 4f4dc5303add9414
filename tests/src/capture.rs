//! A `tracing` subscriber that keeps the spans it sees, for the cases that
//! check the statement spans ([`ormcore::trace`]).
//!
//! It is set as the default subscriber of one future only
//! ([`Capture::run`], tracing's `with_subscriber`), while the future is
//! polled: tests running at the same time on other tasks and threads are
//! not seen, and the spans of statements ormcore runs on a task of its own
//! for that future (a dropped guard's cleanup) are, because ormcore carries
//! the subscriber over to it.

use std::collections::BTreeMap;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tracing::field::{Field, Visit};
use tracing::instrument::WithSubscriber as _;
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Dispatch, Event, Metadata, Subscriber};

/// The statement span's name.
pub const STATEMENT_SPAN: &str = "ormcore.statement";

/// One span as captured: its name, target, fields (each in its `Display`
/// form for strings and numbers, `Debug` for the rest) and whether it has
/// closed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapturedSpan {
    /// The span's name.
    pub name: &'static str,
    /// Its target.
    pub target: String,
    /// The fields recorded so far, at creation or later; fields declared
    /// `Empty` and never recorded are absent.
    pub fields: BTreeMap<String, String>,
    /// Every handle to it was dropped.
    pub closed: bool,
}

impl CapturedSpan {
    /// A recorded field's value.
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.get(name).map(String::as_str)
    }

    /// A recorded field, as a number.
    pub fn number(&self, name: &str) -> Option<u64> {
        self.field(name).and_then(|v| v.parse().ok())
    }
}

impl fmt::Display for CapturedSpan {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{{", self.name)?;
        for (i, (name, value)) in self.fields.iter().enumerate() {
            write!(f, "{}{name}={value:?}", if i == 0 { "" } else { " " })?;
        }
        write!(f, "}}{}", if self.closed { "" } else { " (open)" })
    }
}

struct Entry {
    span: CapturedSpan,
    /// Handles to the span still alive.
    refs: usize,
}

#[derive(Default)]
struct State {
    /// Every span, by id - 1.
    spans: Vec<Entry>,
    /// Spans before this index were cleared.
    from: usize,
}

/// The capturing subscriber. Cheap to clone; clones share what they saw.
#[derive(Clone, Default)]
pub struct Capture {
    state: Arc<Mutex<State>>,
}

impl fmt::Debug for Capture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Capture").field("spans", &self.spans().len()).finish()
    }
}

/// The process's default subscriber while the tests run: interested, at
/// registration, in every callsite and enabled for none. Tests run in
/// parallel, and tracing caches each callsite's interest when the callsite
/// first registers: had only the no-op default been there, a callsite that
/// registered while another test was creating its capture could be cached
/// as never interesting, and its spans lost to every capture after. With
/// this default set before any statement runs, no callsite is ever cached
/// as never.
struct Quiet;

impl Subscriber for Quiet {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        false
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// Install a quiet default subscriber (see `Quiet`), once; the harness does it
/// before a test opens its database, so before any statement runs.
pub fn install_quiet_default() {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Fails only if a default is already set, which then serves as well.
        let _ = tracing::dispatcher::set_global_default(Dispatch::new(Quiet));
        tracing::callsite::rebuild_interest_cache();
    });
}

impl Capture {
    /// A subscriber that has seen nothing yet.
    pub fn new() -> Self {
        install_quiet_default();
        Capture::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Run `future` with this subscriber as its default.
    pub async fn run<F: Future>(&self, future: F) -> F::Output {
        future.with_subscriber(Dispatch::new(self.clone())).await
    }

    /// The statement spans seen since the last [`clear`](Capture::clear),
    /// in the order they were created.
    pub fn statements(&self) -> Vec<CapturedSpan> {
        self.spans().into_iter().filter(|span| span.name == STATEMENT_SPAN).collect()
    }

    /// Every span seen since the last [`clear`](Capture::clear).
    pub fn spans(&self) -> Vec<CapturedSpan> {
        let state = self.state();
        state.spans[state.from..].iter().map(|entry| entry.span.clone()).collect()
    }

    /// Forget the spans seen so far.
    pub fn clear(&self) {
        let mut state = self.state();
        state.from = state.spans.len();
    }

    /// The spans, one a line, for failure messages.
    pub fn render(&self) -> String {
        self.spans().iter().map(|span| format!("  {span}\n")).collect()
    }
}

/// Writes each field into the map.
struct Fields<'a>(&'a mut BTreeMap<String, String>);

impl Visit for Fields<'_> {
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.insert(field.name().to_owned(), value.to_owned());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.0.insert(field.name().to_owned(), value.to_string());
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.insert(field.name().to_owned(), format!("{value:?}"));
    }
}

impl Subscriber for Capture {
    /// Asked again for every span: the subscriber is the default of one
    /// future only, and must not make spans elsewhere enabled.
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::sometimes()
    }

    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        metadata.is_span()
    }

    fn new_span(&self, attributes: &Attributes<'_>) -> Id {
        let mut fields = BTreeMap::new();
        attributes.record(&mut Fields(&mut fields));
        let metadata = attributes.metadata();
        let mut state = self.state();
        state.spans.push(Entry {
            span: CapturedSpan { name: metadata.name(), target: metadata.target().to_owned(), fields, closed: false },
            refs: 1,
        });
        Id::from_u64(state.spans.len() as u64)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut state = self.state();
        if let Some(entry) = state.spans.get_mut(span.into_u64() as usize - 1) {
            values.record(&mut Fields(&mut entry.span.fields));
        }
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, _: &Event<'_>) {}

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}

    fn clone_span(&self, span: &Id) -> Id {
        if let Some(entry) = self.state().spans.get_mut(span.into_u64() as usize - 1) {
            entry.refs += 1;
        }
        span.clone()
    }

    fn try_close(&self, span: Id) -> bool {
        let mut state = self.state();
        let Some(entry) = state.spans.get_mut(span.into_u64() as usize - 1) else { return false };
        entry.refs = entry.refs.saturating_sub(1);
        entry.span.closed = entry.refs == 0;
        entry.span.closed
    }
}
