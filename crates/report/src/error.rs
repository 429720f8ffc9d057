//! The report's error type.
//!
//! Holds no state. Every variant says what to change: a bad period or model is the caller's to fix,
//! a store error is reported as the store words it.

use closedloop_store::StoreError;

/// Why a report could not be built or written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// `--since` is after `--until`.
    #[error("the period is empty: since {since} is after until {until}")]
    EmptyPeriod {
        /// The first day asked for.
        since: chrono::NaiveDate,
        /// The last day asked for.
        until: chrono::NaiveDate,
    },
    /// The attribution model is not one reconcile stores credits for.
    #[error("unknown attribution model {model:?}: choose one of {}", available.join(", "))]
    UnknownModel {
        /// The name given.
        model: String,
        /// The models that can be chosen.
        available: Vec<String>,
    },
    /// A `top_campaigns` or list size of zero would show nothing.
    #[error("{what} must be at least 1")]
    ZeroLimit {
        /// The setting.
        what: &'static str,
    },
    /// Reading the store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// Writing an output file failed.
    #[error("cannot write {path}: {source}")]
    Write {
        /// The file.
        path: std::path::PathBuf,
        /// Why.
        source: std::io::Error,
    },
}
