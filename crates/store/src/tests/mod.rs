//! The store's tests. They live inside the crate so they can check rows with plain SQL; each
//! test opens its own database file in a temporary directory.

mod fixtures;
mod open_tests;
mod outbox_tests;
mod page_tests;
mod quarantine_tests;
mod reconcile_tests;
mod status_tests;
