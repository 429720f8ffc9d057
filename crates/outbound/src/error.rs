//! The error of an outbound call, carrying what a per-record error report and a status line need.
//!
//! Holds no state. Every variant that comes from a call names it ([`CallInfo`]: connector,
//! endpoint class, method, redacted target, attempts) and says what the vendor said
//! ([`VendorError`]) when it said anything. Tokens never appear: they are [`Secret`]s and the
//! target's query values are redacted.
//!
//! How a caller reacts, in order:
//! 1. [`Error::is_quota_exhausted`]: stop the stream cleanly, keep its cursor, resume after
//!    [`Error::retry_after`].
//! 2. [`Error::is_retriable`]: a transient failure (outage, rate limit, timeout) that outlasted the
//!    retries; keep the work and try again next cycle. If [`Error::may_have_been_applied`], check
//!    whether the write happened before repeating it.
//! 3. Otherwise the request itself is wrong (a 400 with the vendor's message, a 404): record it
//!    against the record and move on.
//!
//! [`Secret`]: closedloop_core::secret::Secret

use crate::auth::RefreshError;
use crate::classify::{Reason, TransportKind};
use crate::quota::until;
use crate::transport::BoxError;
use crate::vendor::VendorError;
use chrono::{DateTime, Utc};
use reqwest::{Method, StatusCode};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

/// Which call failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallInfo {
    /// The connector (account) name, as in metrics.
    pub connector: Arc<str>,
    /// The endpoint class the connector declared.
    pub endpoint: &'static str,
    /// The HTTP method.
    pub method: Method,
    /// The path and query, with query values that may hold secrets or personal data redacted.
    pub target: String,
    /// HTTP requests sent for this call (0 when it failed before sending).
    pub attempts: u32,
}

impl fmt::Display for CallInfo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plural = if self.attempts == 1 { "" } else { "s" };
        write!(
            f,
            "{} {} ({} {}, {} attempt{plural})",
            self.connector, self.endpoint, self.method, self.target, self.attempts
        )
    }
}

/// A failed outbound call.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The daily API budget (minus the share reserved for others) is spent. Nothing was sent if
    /// `reported_by_vendor` is false; otherwise the vendor refused the call.
    #[error("{connector} daily api quota exhausted ({}){}", quota_detail(*used, *usable, *reported_by_vendor), resets(*resets_at))]
    QuotaExhausted {
        /// The connector.
        connector: Arc<str>,
        /// Requests used today.
        used: u64,
        /// Requests closedloop may use today, when known.
        usable: Option<u64>,
        /// The earliest time a call goes out again (a probe or the start of a new day).
        resets_at: Option<DateTime<Utc>>,
        /// True when the vendor refused the call (HubSpot 429 `DAILY`, Salesforce 403
        /// `REQUEST_LIMIT_EXCEEDED`); false when closedloop stopped first.
        reported_by_vendor: bool,
    },

    /// The vendor rejected the credentials and a refresh did not help (or was impossible).
    #[error("{call}: unauthorized{}{}", if *refreshed { " after refreshing the token" } else { "" }, vendor_suffix(vendor))]
    Unauthorized {
        /// The call.
        call: Box<CallInfo>,
        /// True when a fresh token was also rejected; false for a static token.
        refreshed: bool,
        /// What the vendor said.
        vendor: Option<VendorError>,
    },

    /// The access token could not be refreshed.
    #[error("{call}: token refresh failed: {source}")]
    Auth {
        /// The call.
        call: Box<CallInfo>,
        /// Why the refresh failed.
        #[source]
        source: RefreshError,
    },

    /// The vendor answered with a status that is an error for this call.
    #[error("{call}: http {}{}", status_text(*status), detail(vendor, body_prefix))]
    Http {
        /// The call.
        call: Box<CallInfo>,
        /// The status code.
        status: StatusCode,
        /// Why the classifier stopped here.
        reason: Reason,
        /// What the vendor said, parsed from its error body.
        vendor: Option<VendorError>,
        /// The start of the response body (at most 512 bytes, cut at a character boundary).
        body_prefix: String,
        /// The server's requested delay, when it gave one that outlasted the retry budget.
        retry_after: Option<Duration>,
        /// True when a non-idempotent request failed with a status that leaves its effect unknown.
        may_have_been_applied: bool,
    },

    /// No complete response arrived.
    #[error("{call}: {kind}")]
    Transport {
        /// The call.
        call: Box<CallInfo>,
        /// How it failed.
        kind: TransportKind,
        /// True when a non-idempotent request may have reached the server.
        may_have_been_applied: bool,
        /// The underlying error.
        #[source]
        source: BoxError,
    },

    /// The response did not have the expected shape.
    #[error("{call}: cannot decode response: {detail}")]
    Decode {
        /// The call.
        call: Box<CallInfo>,
        /// Where and why decoding failed (`results[3].id: invalid type ...`).
        detail: String,
        /// The start of the response body.
        body_prefix: String,
    },

    /// The request could not be built (a target on another host, a bucket the plan lacks, a
    /// body that does not serialise): a bug in the caller, never retried.
    #[error("{call}: invalid request: {detail}")]
    InvalidRequest {
        /// The call.
        call: Box<CallInfo>,
        /// What is wrong.
        detail: String,
    },
}

impl Error {
    /// Whether the same call may succeed later, unchanged: outages, rate limits, timeouts, a spent
    /// daily quota (after it resets), a token endpoint that was down. False for errors in the
    /// request itself (4xx), rejected credentials, undecodable responses and invalid requests.
    pub fn is_retriable(&self) -> bool {
        match self {
            Error::QuotaExhausted { .. } => true,
            Error::Unauthorized { .. } | Error::Decode { .. } | Error::InvalidRequest { .. } => false,
            Error::Auth { source, .. } => source.is_retriable(),
            Error::Http { reason, .. } => {
                matches!(
                    reason,
                    Reason::RateLimited | Reason::ServerError | Reason::RequestTimeout
                )
            }
            Error::Transport { kind, .. } => matches!(
                kind,
                TransportKind::Connect | TransportKind::Timeout | TransportKind::Reset | TransportKind::TruncatedBody
            ),
        }
    }

    /// Whether the daily budget is spent: stop the stream, keep its cursor, resume later.
    pub fn is_quota_exhausted(&self) -> bool {
        matches!(self, Error::QuotaExhausted { .. })
    }

    /// Whether a non-idempotent request (a create) may have been applied although it failed:
    /// check before sending it again.
    pub fn may_have_been_applied(&self) -> bool {
        match self {
            Error::Http {
                may_have_been_applied, ..
            }
            | Error::Transport {
                may_have_been_applied, ..
            } => *may_have_been_applied,
            _ => false,
        }
    }

    /// How long to wait before trying again, when known: until the quota resets, or the server's
    /// `Retry-After` that was longer than the retry budget allowed.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::QuotaExhausted { resets_at, .. } => resets_at.map(|at| until(at, Utc::now())),
            Error::Http { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The response status, for HTTP errors.
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Http { status, .. } => Some(*status),
            Error::Unauthorized { .. } => Some(StatusCode::UNAUTHORIZED),
            _ => None,
        }
    }

    /// What the vendor said, when it said anything parseable.
    pub fn vendor_error(&self) -> Option<&VendorError> {
        match self {
            Error::Http { vendor, .. } | Error::Unauthorized { vendor, .. } => vendor.as_ref(),
            _ => None,
        }
    }

    /// The failed call (none for a spent quota, which fails before any call is named).
    pub fn call(&self) -> Option<&CallInfo> {
        match self {
            Error::QuotaExhausted { .. } => None,
            Error::Unauthorized { call, .. }
            | Error::Auth { call, .. }
            | Error::Http { call, .. }
            | Error::Transport { call, .. }
            | Error::Decode { call, .. }
            | Error::InvalidRequest { call, .. } => Some(call),
        }
    }

    /// The `outcome` metrics label of a call that ended in this error.
    pub(crate) fn outcome_label(&self) -> &'static str {
        match self {
            Error::QuotaExhausted { .. } => "quota_exhausted",
            Error::Unauthorized { .. } => "unauthorized",
            Error::Auth { .. } => "auth_failed",
            Error::Http { status, .. } if *status == StatusCode::TOO_MANY_REQUESTS => "rate_limited",
            Error::Http { status, .. } if status.is_server_error() => "server_error",
            Error::Http { status, .. } if status.is_client_error() => "client_error",
            Error::Http { .. } => "unexpected_status",
            Error::Transport { .. } => "transport_error",
            Error::Decode { .. } => "decode_error",
            Error::InvalidRequest { .. } => "invalid_request",
        }
    }
}

/// The start of a body as text: at most `max` bytes, cut at a character boundary, on one line.
pub(crate) fn body_prefix(body: &[u8], max: usize) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(max)]);
    // A cut in the middle of a multi-byte character shows as U+FFFD at the end; drop it.
    let text = text.trim_end_matches('\u{FFFD}');
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn quota_detail(used: u64, usable: Option<u64>, reported_by_vendor: bool) -> String {
    match (usable, reported_by_vendor) {
        (Some(usable), false) => format!("{used} of {usable} usable calls used"),
        (None, false) => format!("{used} calls used"),
        (Some(usable), true) => format!("the vendor refused the call; {used} of {usable} usable calls used"),
        (None, true) => "the vendor refused the call".to_owned(),
    }
}

fn resets(at: Option<DateTime<Utc>>) -> String {
    at.map(|at| format!("; calls resume at {}", at.format("%Y-%m-%dT%H:%M:%SZ")))
        .unwrap_or_default()
}

fn status_text(status: StatusCode) -> String {
    match status.canonical_reason() {
        Some(reason) => format!("{} {reason}", status.as_u16()),
        None => status.as_u16().to_string(),
    }
}

fn vendor_suffix(vendor: &Option<VendorError>) -> String {
    vendor.as_ref().map(|v| format!(": {v}")).unwrap_or_default()
}

/// The vendor's message when it gave one, else the start of the body.
fn detail(vendor: &Option<VendorError>, body_prefix: &str) -> String {
    const SHOWN: usize = 200;
    match vendor {
        Some(v) => format!(": {v}"),
        None if body_prefix.is_empty() => String::new(),
        None => {
            let cut = body_prefix
                .char_indices()
                .nth(SHOWN)
                .map(|(i, _)| i)
                .unwrap_or(body_prefix.len());
            format!(": {}", &body_prefix[..cut])
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call() -> Box<CallInfo> {
        Box::new(CallInfo {
            connector: "hubspot".into(),
            endpoint: "batch_update",
            method: Method::POST,
            target: "/crm/v3/objects/contacts/batch/update".into(),
            attempts: 1,
        })
    }

    #[test]
    fn messages_name_the_call_and_the_vendors_words() {
        let error = Error::Http {
            call: call(),
            status: StatusCode::BAD_REQUEST,
            reason: Reason::ClientError,
            vendor: Some(VendorError {
                code: Some("VALIDATION_ERROR".into()),
                message: Some("Property values were not valid".into()),
                correlation_id: Some("c-1".into()),
            }),
            body_prefix: "{...}".into(),
            retry_after: None,
            may_have_been_applied: false,
        };
        assert_eq!(
            error.to_string(),
            "hubspot batch_update (POST /crm/v3/objects/contacts/batch/update, 1 attempt): http 400 Bad Request: \
             VALIDATION_ERROR: Property values were not valid (correlation id c-1)"
        );
        assert!(!error.is_retriable());
        assert_eq!(error.status(), Some(StatusCode::BAD_REQUEST));
    }

    #[test]
    fn quota_messages_say_when_calls_resume() {
        let error = Error::QuotaExhausted {
            connector: "salesforce".into(),
            used: 80_000,
            usable: Some(80_000),
            resets_at: Some("2024-05-01T10:10:00Z".parse().expect("time")),
            reported_by_vendor: false,
        };
        assert_eq!(
            error.to_string(),
            "salesforce daily api quota exhausted (80000 of 80000 usable calls used); calls resume at 2024-05-01T10:10:00Z"
        );
        assert!(error.is_retriable() && error.is_quota_exhausted());
        let refused = Error::QuotaExhausted {
            connector: "hubspot".into(),
            used: 0,
            usable: None,
            resets_at: None,
            reported_by_vendor: true,
        };
        assert_eq!(
            refused.to_string(),
            "hubspot daily api quota exhausted (the vendor refused the call)"
        );
    }

    #[test]
    fn body_prefixes_are_cut_at_character_boundaries() {
        assert_eq!(body_prefix("héllo\n  wörld".as_bytes(), 100), "héllo wörld");
        assert_eq!(body_prefix("hé".as_bytes(), 2), "h", "a cut through é drops it");
    }
}
