//! [`ConnBox`]: a heap-allocated rusqlite connection reached through a raw
//! pointer.
//!
//! A `Box` asserts unique access to its contents whenever it moves, which
//! Rust's aliasing rules treat as invalidating references derived from it.
//! A [`SqliteStream`](crate::SqliteStream) keeps a statement that borrows
//! the connection while the connection's owner moves around, so the
//! connection lives behind a pointer whose moves assert nothing.

use std::ops::Deref;
use std::ptr::NonNull;

pub(crate) struct ConnBox(NonNull<rusqlite::Connection>);

// SAFETY: `ConnBox` owns the connection as a `Box` would, and
// `rusqlite::Connection` is `Send`.
unsafe impl Send for ConnBox {}

impl ConnBox {
    pub(crate) fn new(conn: rusqlite::Connection) -> Self {
        ConnBox(NonNull::from(Box::leak(Box::new(conn))))
    }

    /// A reference that outlives borrows of `self`. Sound only while the
    /// caller keeps this `ConnBox` alive (not dropped) for as long as the
    /// reference, or anything borrowing from it, is used.
    pub(crate) unsafe fn detached(&self) -> &'static rusqlite::Connection {
        // SAFETY: the pointer is valid until `drop`; the caller keeps
        // `self` alive for the reference's use.
        unsafe { self.0.as_ref() }
    }
}

impl Deref for ConnBox {
    type Target = rusqlite::Connection;
    fn deref(&self) -> &rusqlite::Connection {
        // SAFETY: valid from `new` until `drop`, and only shared references
        // are ever handed out.
        unsafe { self.0.as_ref() }
    }
}

impl Drop for ConnBox {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` in `new` and is freed
        // only here.
        drop(unsafe { Box::from_raw(self.0.as_ptr()) });
    }
}
