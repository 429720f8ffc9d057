//! The engine's error type.
//!
//! Holds no state.

use closedloop_core::sync::ErrorDisposition;

/// Why a stream, a reconcile or a push stopped.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The store failed (disk full, locked, a cursor refused).
    #[error(transparent)]
    Store(#[from] closedloop_store::StoreError),
    /// A connector failed; `disposition` says what it means.
    #[error("{stream}: {message}")]
    Connector {
        /// The stream or target.
        stream: String,
        /// The connector's message.
        message: String,
        /// What it means.
        disposition: ErrorDisposition,
    },
}

impl EngineError {
    /// A connector error, keeping its disposition.
    pub fn connector<E: closedloop_core::sync::SyncError>(stream: &str, error: &E) -> Self {
        EngineError::Connector {
            stream: stream.to_owned(),
            message: error.to_string(),
            disposition: error.disposition(),
        }
    }

    /// The daily quota of an API is spent.
    pub fn is_quota_exhausted(&self) -> bool {
        matches!(
            self,
            EngineError::Connector {
                disposition: ErrorDisposition::QuotaExhausted { .. },
                ..
            }
        )
    }
}
