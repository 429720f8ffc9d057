//! What differs between vendors on the outbound path: the [`Vendor`] trait and what it reports.
//!
//! Holds no state. Everything generic about HTTP (429 means slow down, 5xx means try again, ...)
//! lives in [`crate::classify`]; a vendor only adds what its contract says on top: which error
//! bodies mean an expired token or a spent daily quota, how long its rate-limit window is, and
//! which response headers report its quotas. The rules for HubSpot and Salesforce are contract
//! facts (`shared/api-contracts.md`), so they live here, in [`hubspot`] and [`salesforce`]; a
//! connector for another vendor implements [`Vendor`] in its own crate.

pub mod hubspot;
pub mod salesforce;

use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::fmt;
use std::time::Duration;

pub use hubspot::HubSpot;
pub use salesforce::Salesforce;

/// The vendor-specific part of the outbound path. Implementations are pure: they read a status,
/// headers and a body and never do I/O.
pub trait Vendor: Send + Sync + fmt::Debug + 'static {
    /// The vendor's stable lower-case name ("hubspot"): the default `connector` metrics label.
    fn name(&self) -> &'static str;

    /// What an error response means beyond its status code, if the vendor says more.
    ///
    /// Called for every non-2xx response. `body` is the response body (error bodies are small;
    /// it may be cut short, so implementations must cope with invalid JSON).
    fn interpret_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<VendorSignal>;

    /// The quota figures a response's headers report (any status, success or not).
    fn observe_quota(&self, headers: &HeaderMap) -> QuotaObservation;

    /// The vendor's own error code, message and request id, for error reports.
    fn error_details(&self, headers: &HeaderMap, body: &[u8]) -> Option<VendorError>;
}

/// What a vendor's error response means, where the status code alone does not say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VendorSignal {
    /// The access token expired or was revoked: refresh it and retry once.
    AuthExpired,
    /// The daily API budget is spent: stop cleanly and resume after it resets.
    DailyQuotaExhausted,
    /// A short rate-limit window is full: retry after the window (when the vendor says how long).
    RateLimited {
        /// How long the window lasts, when the vendor's policy says (HubSpot: 10 s or 1 s).
        window: Option<Duration>,
    },
}

/// Quota figures reported by one response.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuotaObservation {
    /// Short-window buckets the headers describe.
    pub buckets: Vec<BucketReading>,
    /// The daily budget, when the headers describe it.
    pub daily: Option<DailyReading>,
}

/// One short-window bucket as the vendor counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketReading {
    /// Which of our buckets this reading is about (a bucket name of the quota plan).
    pub bucket: &'static str,
    /// Requests the vendor still allows in the current window.
    pub remaining: u32,
    /// Requests the vendor allows per window.
    pub max: u32,
    /// The window's length, when reported.
    pub interval: Option<Duration>,
}

/// The daily budget as the vendor counts it (every integration of the account included).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DailyReading {
    /// Requests used in the current day (or rolling 24 hours).
    pub used: u64,
    /// Requests allowed per day.
    pub max: u64,
}

/// A vendor's own description of an error, parsed from its error body.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VendorError {
    /// The vendor's error code or category (`VALIDATION_ERROR`, `MALFORMED_QUERY`, ...).
    pub code: Option<String>,
    /// The vendor's human-readable message.
    pub message: Option<String>,
    /// The vendor's request id, for support tickets (`X-HubSpot-Correlation-Id`, ...).
    pub correlation_id: Option<String>,
}

impl fmt::Display for VendorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.code, &self.message) {
            (Some(code), Some(message)) => write!(f, "{code}: {message}")?,
            (Some(code), None) => f.write_str(code)?,
            (None, Some(message)) => f.write_str(message)?,
            (None, None) => f.write_str("no details")?,
        }
        if let Some(id) = &self.correlation_id {
            write!(f, " (correlation id {id})")?;
        }
        Ok(())
    }
}

/// Parses a body as JSON, tolerating a body that is not JSON or was cut short.
pub(crate) fn json_body(body: &[u8]) -> Option<serde_json::Value> {
    serde_json::from_slice(body).ok()
}

/// Whether `body` contains `needle` as a JSON string value (`"NEEDLE"`): the fallback for bodies
/// that are not valid JSON, such as a cut-short prefix.
pub(crate) fn mentions(body: &[u8], needle: &str) -> bool {
    let quoted = format!("\"{needle}\"");
    body.windows(quoted.len()).any(|w| w == quoted.as_bytes())
}

/// A header's value as a number, if present and numeric.
pub(crate) fn header_number<T: std::str::FromStr>(headers: &HeaderMap, name: &str) -> Option<T> {
    headers.get(name)?.to_str().ok()?.trim().parse().ok()
}

/// A header's value as a string, if present and printable.
pub(crate) fn header_string(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)?
        .to_str()
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// A JSON string field, as an owned string.
pub(crate) fn string_field(value: &serde_json::Value, key: &str) -> Option<String> {
    value.get(key)?.as_str().map(str::to_owned)
}
