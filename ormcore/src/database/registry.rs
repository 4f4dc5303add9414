//! Which slot belongs to which task.
//!
//! A task is keyed by its tokio task id, or by its thread when it runs
//! outside any task (the future given to `block_on`, such as
//! `#[tokio::main]`'s body, which never moves between threads). The registry
//! holds `Weak` references only: a slot lives exactly as long as the handles
//! the task holds, so a finished or aborted task leaves nothing behind that
//! a later task reusing its id could find.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};

use super::slot::Slot;
use crate::backend::Backend;

/// The identity of the running task.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum TaskKey {
    Task(tokio::task::Id),
    Thread(std::thread::ThreadId),
}

impl TaskKey {
    pub(crate) fn current() -> Self {
        match tokio::task::try_id() {
            Some(id) => TaskKey::Task(id),
            None => TaskKey::Thread(std::thread::current().id()),
        }
    }
}

pub(crate) struct Registry<B: Backend> {
    slots: Mutex<HashMap<TaskKey, Weak<Slot<B>>>>,
    /// How many slots are registered, so that the common case of a query
    /// outside any scope skips the lock.
    live: AtomicUsize,
}

impl<B: Backend> Registry<B> {
    pub(crate) fn new() -> Self {
        Registry { slots: Mutex::new(HashMap::new()), live: AtomicUsize::new(0) }
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, HashMap<TaskKey, Weak<Slot<B>>>> {
        // Critical sections are single map operations: never inconsistent.
        self.slots.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The running task's slot, if it has one.
    pub(crate) fn current(&self) -> Option<Arc<Slot<B>>> {
        if self.live.load(Ordering::Acquire) == 0 {
            return None;
        }
        self.slots().get(&TaskKey::current()).and_then(Weak::upgrade)
    }

    /// Register `slot` for its task.
    pub(crate) fn insert(&self, key: TaskKey, slot: &Arc<Slot<B>>) {
        if self.slots().insert(key, Arc::downgrade(slot)).is_none() {
            self.live.fetch_add(1, Ordering::Release);
        }
    }

    /// Unregister `slot`, if it is still the one registered for `key`.
    pub(crate) fn remove(&self, key: TaskKey, slot: *const Slot<B>) {
        let mut slots = self.slots();
        if slots.get(&key).is_some_and(|weak| std::ptr::eq(weak.as_ptr(), slot)) {
            slots.remove(&key);
            self.live.fetch_sub(1, Ordering::Release);
        }
    }
}
