//! The service's error type.
//!
//! Holds no state.

/// Why the service could not start or run.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// The listener address is taken or not allowed.
    #[error("cannot listen on {addr} (service.listen_addr): {source}")]
    Listen {
        /// The address.
        addr: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The configuration cannot be used (a secret is missing); names the field.
    #[error("configuration: {0}")]
    Config(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] closedloop_store::StoreError),
    /// Building a connector failed.
    #[error("{connector}: {message}")]
    Connector {
        /// `hubspot` or `salesforce`.
        connector: &'static str,
        /// What went wrong.
        message: String,
    },
}
