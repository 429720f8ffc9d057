//! closedloop's engine: it drives connector streams into the store, reconcile over what changed,
//! and the outbox out to the targets; the daemon schedules these.
//!
//! State: none beyond what callers pass in (the store, the connectors, a cancellation token).
//!
//! # Layout
//! - [`pull`] — `drive_stream`, the page loop of one stream (commit page + cursor, cancel between pages).
//! - [`push`] — `push_target`, the batch loop of one target (complete on confirmation, back off, dead-letter).
//! - [`reconcile`] — `run`, `run_all`: the dirty queue in batches through identity, the core's reconcile, results, outbox.
//! - [`dynamic`] — type-erased streams and targets (`DynStream`, `DynTarget`).
//! - [`cycle`] — `Engine`: one cycle (`run_once`) and the daemon loop (`run_daemon`).
//! - [`error`] — `EngineError`.

#![warn(missing_docs)]

pub mod cycle;
pub mod dynamic;
pub mod error;
pub mod pull;
pub mod push;
pub mod reconcile;

pub use cycle::{CycleReport, Engine, ReconcileReport, ReconcileStep, Scheduled};
pub use error::EngineError;

#[cfg(test)]
mod tests;
