//! The one path every outbound vendor API call takes, shared by the HubSpot and Salesforce connectors.
//!
//! Holds no global state: each connector account builds one [`OutboundClient`], which owns the
//! account's HTTP client, quotas, token source and retry policy, and every call of that account
//! goes through it. A call takes a quota permit per attempt (failing fast once the daily budget
//! is spent), sends with a bearer token and a timeout, reads the whole body, feeds the vendor's
//! quota headers back, and asks one pure function ([`classify::classify`]) what to do next:
//! succeed, retry with capped full-jitter backoff (honouring `Retry-After`), refresh the token
//! once, stop for quota, or fail with a typed [`Error`].
//!
//! # Use
//!
//! ```no_run
//! use closedloop_core::secret::Secret;
//! use closedloop_outbound::vendor::hubspot::{HubSpot, HubSpotLimits, HubSpotTier, SEARCH_BUCKET, TEN_SECOND_BUCKET};
//! use closedloop_outbound::{Endpoint, Error, OutboundClient, TokenSource};
//!
//! // One const per kind of call: metrics name, quota buckets, safe to repeat or not.
//! const LIST: Endpoint = Endpoint::read("list", &[TEN_SECOND_BUCKET]);
//! const SEARCH: Endpoint = Endpoint::read("search", &[SEARCH_BUCKET]);
//! const BATCH_UPDATE: Endpoint = Endpoint::idempotent_write("batch_update", &[TEN_SECOND_BUCKET]);
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error>> {
//! let client = OutboundClient::builder(HubSpot, "https://api.hubapi.com", TokenSource::static_token(Secret::new("pat-...")))
//!     .quota(HubSpotLimits::for_tier(HubSpotTier::Professional).quota_plan())
//!     .build()?;
//! client.check_endpoints(&[LIST, SEARCH, BATCH_UPDATE])?;
//!
//! let page: serde_json::Value = client
//!     .post("/crm/v3/objects/contacts/search", SEARCH)
//!     .json(&serde_json::json!({"limit": 100, "filterGroups": []}))
//!     .send_json()
//!     .await?;
//!
//! match client.get("/crm/v3/objects/contacts", LIST).query([("limit", "100")]).send().await {
//!     Ok(response) => { let _page: serde_json::Value = response.json()?; }
//!     Err(e) if e.is_quota_exhausted() => { /* stop the stream, keep its cursor, resume later */ }
//!     Err(e) if e.is_retriable() => { /* keep the work for the next cycle */ }
//!     Err(e) => { /* record e against the record: the vendor said why (e.vendor_error()) */ }
//! }
//! # let _ = page; Ok(())
//! # }
//! ```
//!
//! # Layout
//! - [`client`]: [`OutboundClient`], its builder, [`Endpoint`], [`RequestBuilder`], [`Response`],
//!   and the call loop.
//! - [`classify`]: the pure retry classifier and `Retry-After` parsing.
//! - [`retry`]: [`RetryPolicy`]: attempts, capped exponential backoff with full jitter (`backon`).
//! - [`quota`]: [`QuotaPlan`], governor buckets, the daily budget, [`QuotaStatus`].
//! - [`auth`]: [`TokenSource`] (static, or OAuth with single-flight refresh), [`RefreshTokenGrant`].
//! - [`vendor`]: the [`Vendor`] trait and the HubSpot and Salesforce rules.
//! - [`error`]: [`Error`] and [`CallInfo`].
//! - [`telemetry`]: metric names and [`telemetry::describe_metrics`] (spec: `docs/metrics.md`).
//! - `transport`: sending one request and reading its whole body; `redact`: targets for logs.
//!
//! **Invariants.** Every attempt takes a quota permit. A spent daily budget fails calls without
//! sending them (one probe per interval excepted). Only 408, 429, 5xx except 501, connection
//! failures, timeouts and truncated bodies are retried; a create only where the vendor certainly
//! did not process it. A 401 refreshes the token at most once per call, shared by concurrent
//! callers. Tokens are [`closedloop_core::secret::Secret`]s and never reach a log, metric or error.

#![warn(missing_docs)]

pub mod auth;
pub mod classify;
pub mod client;
pub mod error;
pub mod quota;
mod redact;
pub mod retry;
pub mod telemetry;
mod transport;
pub mod vendor;

pub use auth::{AccessToken, RefreshError, RefreshTokenGrant, Refresher, TokenSource};
pub use classify::{Decision, Reason, TransportKind, Verdict};
pub use client::{BuildError, ClientBuilder, Endpoint, OutboundClient, RequestBuilder, Response};
pub use error::{CallInfo, Error};
pub use quota::{QuotaPlan, QuotaStatus};
pub use retry::RetryPolicy;
pub use vendor::{Vendor, VendorError};
