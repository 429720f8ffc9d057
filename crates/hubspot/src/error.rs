//! The connector's error type and what each error means for the stream or push that hit it.
//!
//! Holds no state. Per-record problems never become a [`HubSpotError`]: they are quarantined
//! (`Rejected`) or reported as a `PushOutcome::Failed`. A `HubSpotError` stops a page or a batch.

use closedloop_core::sync::{ErrorDisposition, SyncError};

/// Why a page, a batch or the connector's set-up failed.
#[derive(Debug, thiserror::Error)]
pub enum HubSpotError {
    /// An API call failed (after the outbound client's retries, token refresh and quota checks).
    #[error(transparent)]
    Api(Box<closedloop_outbound::Error>),
    /// The outbound client could not be built from the configuration.
    #[error("cannot set up the hubspot client: {0}")]
    Build(#[from] closedloop_outbound::BuildError),
    /// A setting is unusable.
    #[error("invalid hubspot setting: {0}")]
    Setting(String),
    /// HubSpot answered, but not in a shape closedloop can use for the whole call.
    #[error("hubspot {call} returned an unexpected response: {detail}")]
    Unexpected {
        /// The call.
        call: &'static str,
        /// What was wrong.
        detail: String,
    },
    /// A custom contact property closedloop needs could not be created.
    #[error("cannot create contact property {name}: {detail}")]
    PropertyCreation {
        /// The property.
        name: String,
        /// HubSpot's reason.
        detail: String,
    },
    /// The configured property group does not exist and could not be created.
    #[error("contact property group {group} does not exist and could not be created: {detail}")]
    PropertyGroup {
        /// The group.
        group: String,
        /// HubSpot's reason.
        detail: String,
    },
}

impl From<closedloop_outbound::Error> for HubSpotError {
    fn from(error: closedloop_outbound::Error) -> Self {
        // Boxed: the outbound error carries the whole call's description, and results of
        // this error type are passed around on every page.
        HubSpotError::Api(Box::new(error))
    }
}

impl HubSpotError {
    /// True when the daily API quota is spent.
    pub fn is_quota_exhausted(&self) -> bool {
        matches!(self, HubSpotError::Api(e) if e.is_quota_exhausted())
    }

    /// The outbound error, when this is one.
    pub fn api(&self) -> Option<&closedloop_outbound::Error> {
        match self {
            HubSpotError::Api(e) => Some(e.as_ref()),
            _ => None,
        }
    }
}

impl SyncError for HubSpotError {
    fn disposition(&self) -> ErrorDisposition {
        match self {
            HubSpotError::Api(e) => match e.as_ref() {
                closedloop_outbound::Error::QuotaExhausted { resets_at, .. } => {
                    ErrorDisposition::QuotaExhausted { until: *resets_at }
                }
                e if e.is_retriable() => ErrorDisposition::Transient,
                _ => ErrorDisposition::NeedsAttention,
            },
            // Rejected credentials, a missing scope, a request HubSpot refuses, an unreadable
            // response: retrying alone will not fix these, a person must look.
            HubSpotError::Build(_)
            | HubSpotError::Setting(_)
            | HubSpotError::Unexpected { .. }
            | HubSpotError::PropertyCreation { .. }
            | HubSpotError::PropertyGroup { .. } => ErrorDisposition::NeedsAttention,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quota_errors_keep_the_reset_time() {
        let at = "2030-05-01T00:00:00Z".parse().expect("time");
        let error = HubSpotError::from(closedloop_outbound::Error::QuotaExhausted {
            connector: "hubspot".into(),
            used: 10,
            usable: Some(10),
            resets_at: Some(at),
            reported_by_vendor: false,
        });
        assert!(error.is_quota_exhausted());
        assert_eq!(
            error.disposition(),
            ErrorDisposition::QuotaExhausted { until: Some(at) }
        );
    }

    #[test]
    fn configuration_problems_need_attention() {
        let error = HubSpotError::Setting("list page size must be between 1 and 100".into());
        assert_eq!(error.disposition(), ErrorDisposition::NeedsAttention);
        assert_eq!(
            error.to_string(),
            "invalid hubspot setting: list page size must be between 1 and 100"
        );
    }
}
