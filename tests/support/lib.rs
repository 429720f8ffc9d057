//! Shared helpers for the integration tests in `tests/it/`.
//!
//! # Layout
//! - [`python`]: the SDK virtual environment and the contract-script runner.

pub mod python;
