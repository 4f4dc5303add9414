//! The ormcore conformance suite: every case is an async function generic
//! over a [`TestDb`], written once and run on every backend.
//!
//! A backend's test file implements [`TestDb`] (how to open a fresh,
//! empty database) and expands [`conformance!`], which turns every case
//! into a `#[tokio::test]`. Cases assert the reference documentation's
//! examples and the connection/transaction semantics against the real
//! database.

#![forbid(unsafe_code)]

pub mod capture;
pub mod cases;
pub mod faults;
pub mod harness;
pub mod models;

pub use harness::{Config, TestDb};

/// The user guide's and the README's code samples, compiled and run as doc
/// tests.
#[cfg(doctest)]
mod guide {
    #[doc = include_str!("../../README.md")]
    mod readme {}
    #[doc = include_str!("../../docs/01-async-support.md")]
    mod async_support {}
    #[doc = include_str!("../../docs/02-models.md")]
    mod models {}
    #[doc = include_str!("../../docs/03-executing-queries.md")]
    mod executing_queries {}
    #[doc = include_str!("../../docs/04-helpers.md")]
    mod helpers {}
    #[doc = include_str!("../../docs/05-transactions.md")]
    mod transactions {}
    #[doc = include_str!("../../docs/06-connections.md")]
    mod connections {}
    #[doc = include_str!("../../docs/07-backends.md")]
    mod backends {}
    #[doc = include_str!("../../docs/08-errors.md")]
    mod errors {}
}

/// Expand every conformance case into a test for the given [`TestDb`].
#[macro_export]
macro_rules! conformance {
    ($db:ty) => {
        $crate::conformance_cases!($db);
    };
    (@expand $db:ty; $($(#[$attr:meta])* $module:ident :: $case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            $(#[$attr])*
            async fn $case() {
                if let Err(error) = $crate::cases::$module::$case::<$db>().await {
                    panic!("{}: {error}\n{error:?}", stringify!($case));
                }
            }
        )*
    };
}
