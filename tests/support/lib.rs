//! Shared helpers for the integration tests in `tests/it/`.
//!
//! # Layout
//! - [`python`]: the SDK virtual environment and the contract-script runner.
//! - [`world`]: both simulators for a scenario, a config pointing at them, the engine in process
//!   or the `closedloop` binary as a child process.
//! - [`snapshot`]: the final state of the store and both simulators, compared between runs.

pub mod python;
pub mod snapshot;
pub mod world;
