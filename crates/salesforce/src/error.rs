//! The connector's error: what went wrong with a stream, a push batch or the setup.
//!
//! Holds no state. [`SalesforceError`] implements core's `SyncError`, so the engine knows what an
//! error means for the stream that hit it: a spent daily quota stops the stream cleanly until the
//! quota is back, an outage is retried next cycle, and anything a person must fix (credentials,
//! a field the org lacks, a malformed query) is reported loudly.

use crate::soql::SoqlError;
use closedloop_core::sync::{ErrorDisposition, SyncError};
use closedloop_outbound::{BuildError, Error as CallError};

/// An error of the Salesforce connector.
#[derive(Debug, thiserror::Error)]
pub enum SalesforceError {
    /// The configuration cannot work (a bad name, a missing secret, an impossible setting).
    #[error("salesforce configuration: {0}")]
    Config(String),
    /// The HTTP client could not be built.
    #[error("salesforce client: {0}")]
    Client(Box<BuildError>),
    /// An API call failed (after the outbound path's retries, token refresh and quota checks).
    #[error(transparent)]
    Api(Box<CallError>),
    /// A query could not be built from the configured names or values.
    #[error("salesforce query: {0}")]
    Soql(#[from] SoqlError),
    /// Salesforce answered with something the connector cannot read.
    #[error("salesforce {what}: unexpected response: {detail}")]
    Unexpected {
        /// Which call.
        what: &'static str,
        /// What was wrong.
        detail: String,
    },
}

impl From<BuildError> for SalesforceError {
    fn from(e: BuildError) -> Self {
        SalesforceError::Client(Box::new(e))
    }
}

impl From<CallError> for SalesforceError {
    fn from(e: CallError) -> Self {
        SalesforceError::Api(Box::new(e))
    }
}

impl SalesforceError {
    /// An unexpected response of `what`.
    pub(crate) fn unexpected(what: &'static str, detail: impl Into<String>) -> Self {
        SalesforceError::Unexpected {
            what,
            detail: detail.into(),
        }
    }

    /// The vendor's error code, when the API said one (`INVALID_FIELD`, `MALFORMED_QUERY`...).
    pub fn vendor_code(&self) -> Option<&str> {
        match self {
            SalesforceError::Api(e) => e.vendor_error().and_then(|v| v.code.as_deref()),
            _ => None,
        }
    }

    /// True when the daily API quota is spent.
    pub fn is_quota_exhausted(&self) -> bool {
        matches!(self, SalesforceError::Api(e) if e.is_quota_exhausted())
    }
}

impl SyncError for SalesforceError {
    fn disposition(&self) -> ErrorDisposition {
        match self {
            SalesforceError::Api(e) if e.is_quota_exhausted() => ErrorDisposition::QuotaExhausted {
                until: e
                    .retry_after()
                    .and_then(|d| chrono::Duration::from_std(d).ok())
                    .map(|d| chrono::Utc::now() + d),
            },
            SalesforceError::Api(e) if e.is_retriable() => ErrorDisposition::Transient,
            // A response that did not parse may be a proxy's page or a truncated body.
            SalesforceError::Unexpected { .. } => ErrorDisposition::Transient,
            _ => ErrorDisposition::NeedsAttention,
        }
    }
}
