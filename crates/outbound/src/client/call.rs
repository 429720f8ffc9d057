//! The loop every outbound call runs: permit, token, send with timeout, classify, then retry,
//! refresh, stop or return.
//!
//! State: one call's attempt count, retry schedule and whether it already refreshed its token.
//! Layering, outermost first (as Vector's rate-limit ⊃ retry ⊃ timeout, with the quota inside
//! the loop because vendors count every request, retries included):
//!
//! ```text
//! call span + call metrics
//! └─ retry loop (classify each attempt; backoff with full jitter; at most one token refresh)
//!    └─ quota permit per attempt (daily fail-fast, then the endpoint's buckets)
//!       └─ in-flight cap
//!          └─ timeout per attempt (send and read the whole body)
//! ```
//!
//! Every response's quota headers are fed back before it is classified, so a response that
//! says the account is nearly out slows down every caller, not just this one.

use super::Inner;
use super::request::{Endpoint, Response};
use crate::auth::Credential;
use crate::classify::{Observed, Reason, TransportKind, Verdict, classify};
use crate::error::{CallInfo, Error, body_prefix};
use crate::quota::Exhausted;
use crate::redact;
use crate::retry::GiveUp;
use crate::telemetry;
use crate::transport::{RawResponse, TransportFailure};
use bytes::Bytes;
use chrono::Utc;
use reqwest::Method;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use std::fmt;
use std::time::{Duration, SystemTime};
use tokio::time::Instant;
use tracing::{Instrument, debug, debug_span, field};
use url::Url;

/// The most of an error body kept in an error (the vendor's message is parsed from all of it).
const BODY_PREFIX_BYTES: usize = 512;

/// A request ready to be sent as many times as needed.
pub(super) struct Prepared {
    pub(super) method: Method,
    pub(super) target: String,
    pub(super) query: Vec<(String, String)>,
    pub(super) endpoint: Endpoint,
    pub(super) headers: HeaderMap,
    pub(super) body: Option<Bytes>,
    pub(super) timeout: Duration,
    /// A problem found while building it, reported when it is sent.
    pub(super) problem: Option<String>,
}

/// What one call did, for its span and metrics.
struct Tally {
    attempts: u32,
    last_status: Option<u16>,
}

/// Runs one call to completion, with its span and call metrics.
pub(super) async fn execute(inner: &Inner, prepared: Prepared) -> Result<Response, Error> {
    let resolved = resolve(&inner.base_url, &prepared.target, &prepared.query);
    let target = match &resolved {
        Ok(url) => redact::target(url),
        Err(_) => "[invalid target]".to_owned(),
    };
    let span = debug_span!(
        "api_call",
        connector = %inner.connector,
        endpoint = prepared.endpoint.name(),
        method = %prepared.method,
        target = %target,
        status = field::Empty,
        attempts = field::Empty,
        elapsed_ms = field::Empty,
        outcome = field::Empty,
    );
    let started = Instant::now();
    let mut tally = Tally {
        attempts: 0,
        last_status: None,
    };
    let call = CallContext {
        inner,
        prepared: &prepared,
        target,
    };
    let result = match resolved {
        Ok(url) => call.run(url, &mut tally).instrument(span.clone()).await,
        Err(detail) => Err(Error::InvalidRequest {
            call: call.info(0),
            detail,
        }),
    };
    let elapsed = started.elapsed();
    let outcome = match &result {
        Ok(_) => "success",
        Err(error) => error.outcome_label(),
    };
    if let Some(status) = tally.last_status {
        span.record("status", status);
    }
    span.record("attempts", tally.attempts);
    span.record("elapsed_ms", u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX));
    span.record("outcome", outcome);
    span.in_scope(|| debug!(outcome, "call finished"));
    telemetry::call_finished(&inner.connector, prepared.endpoint.name(), outcome, elapsed);
    result
}

/// Resolves a target against the base URL; only the base URL's origin is allowed, so a token is
/// never sent to a host taken from a response.
fn resolve(base: &Url, target: &str, query: &[(String, String)]) -> Result<Url, String> {
    let mut url = base
        .join(target)
        .map_err(|e| format!("cannot resolve the target: {e}"))?;
    if url.origin() != base.origin() {
        return Err(format!(
            "target is on {}, not on the client's origin {}",
            url.origin().ascii_serialization(),
            base.origin().ascii_serialization()
        ));
    }
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    url.set_fragment(None);
    Ok(url)
}

struct CallContext<'a> {
    inner: &'a Inner,
    prepared: &'a Prepared,
    target: String,
}

impl CallContext<'_> {
    fn info(&self, attempts: u32) -> Box<CallInfo> {
        Box::new(CallInfo {
            connector: self.inner.connector.clone(),
            endpoint: self.prepared.endpoint.name(),
            method: self.prepared.method.clone(),
            target: self.target.clone(),
            attempts,
        })
    }

    async fn run(&self, url: Url, tally: &mut Tally) -> Result<Response, Error> {
        let (inner, endpoint) = (self.inner, self.prepared.endpoint);
        if let Some(problem) = &self.prepared.problem {
            return Err(Error::InvalidRequest {
                call: self.info(0),
                detail: problem.clone(),
            });
        }
        if let Some(bucket) = inner.quotas.missing_bucket(endpoint.buckets()) {
            let detail = format!("endpoint draws from bucket {bucket:?}, which the quota plan lacks");
            return Err(Error::InvalidRequest {
                call: self.info(0),
                detail,
            });
        }
        let mut schedule = inner.retry.schedule();
        let mut refreshed = false;
        loop {
            inner
                .quotas
                .acquire(endpoint.buckets(), Utc::now)
                .await
                .map_err(|e| self.quota_error(e))?;
            let credential = inner.auth.current(&inner.http).await.map_err(|source| Error::Auth {
                call: self.info(tally.attempts),
                source,
            })?;
            let request = self.build(&url, &credential)?;

            let permit = match &inner.in_flight {
                Some(semaphore) => semaphore.acquire().await.ok(),
                None => None,
            };
            tally.attempts += 1;
            let sent_at = Instant::now();
            let sent = tokio::time::timeout(
                self.prepared.timeout,
                inner.transport.send(request, inner.max_body_bytes),
            );
            let result = sent.await.unwrap_or_else(|_| {
                Err(TransportFailure::new(
                    TransportKind::Timeout,
                    TimedOut(self.prepared.timeout),
                ))
            });
            drop(permit);
            let elapsed = sent_at.elapsed();

            let now = Utc::now();
            let observed = match &result {
                Ok(response) => {
                    tally.last_status = Some(response.status.as_u16());
                    if inner
                        .quotas
                        .observe(&inner.vendor.observe_quota(&response.headers), now)
                    {
                        telemetry::quota_slowed(&inner.connector);
                        debug!("the vendor reports fewer requests left than expected; slowing down");
                    }
                    Observed::Response {
                        status: response.status,
                        headers: &response.headers,
                        body: &response.body,
                    }
                }
                Err(failure) => Observed::Transport(failure.kind),
            };
            let decision = classify(
                inner.vendor.as_ref(),
                &observed,
                endpoint.is_idempotent(),
                SystemTime::now(),
            );
            let class = telemetry::status_class(result.as_ref().map(|r| r.status).map_err(|f| f.kind));
            telemetry::request_sent(&inner.connector, endpoint.name(), class, elapsed);
            debug!(
                attempt = tally.attempts,
                status = class,
                elapsed_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX),
                reason = decision.reason.as_str(),
                "attempt finished"
            );
            if decision.reason == Reason::RateLimited {
                telemetry::rate_limited(&inner.connector, endpoint.name());
                inner.quotas.rate_limited(endpoint.buckets(), now);
            }

            match decision.verdict {
                Verdict::Success => {
                    inner.quotas.accepted(now);
                    let response = result.map_err(|f| self.transport_error(f, tally.attempts, false))?;
                    return Ok(Response {
                        status: response.status,
                        headers: response.headers,
                        body: response.body,
                        call: *self.info(tally.attempts),
                    });
                }
                Verdict::Retry { after } => match schedule.next_delay(after) {
                    Ok(delay) => {
                        telemetry::retried(&inner.connector, endpoint.name(), decision.reason);
                        debug!(
                            delay_ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX),
                            reason = decision.reason.as_str(),
                            "retrying"
                        );
                        tokio::time::sleep(delay).await;
                    }
                    Err(give_up) => {
                        let retry_after = match give_up {
                            GiveUp::TotalDelay { needed } => Some(needed),
                            GiveUp::Attempts => after,
                        };
                        debug!(
                            ?give_up,
                            slept_ms = u64::try_from(schedule.slept().as_millis()).unwrap_or(u64::MAX),
                            "giving up"
                        );
                        return Err(self.final_error(result, decision.reason, tally.attempts, false, retry_after));
                    }
                },
                Verdict::RefreshAuth => {
                    let vendor = result
                        .as_ref()
                        .ok()
                        .and_then(|r| inner.vendor.error_details(&r.headers, &r.body));
                    if !inner.auth.can_refresh() || refreshed {
                        return Err(Error::Unauthorized {
                            call: self.info(tally.attempts),
                            refreshed,
                            vendor,
                        });
                    }
                    refreshed = true;
                    inner
                        .auth
                        .refresh_rejected(&credential, &inner.http)
                        .await
                        .map_err(|source| Error::Auth {
                            call: self.info(tally.attempts),
                            source,
                        })?;
                    telemetry::retried(&inner.connector, endpoint.name(), Reason::AuthExpired);
                    debug!("retrying with a refreshed token");
                }
                Verdict::QuotaExhausted => {
                    let exhausted = inner.quotas.daily_refused(now).unwrap_or(Exhausted {
                        used: 0,
                        usable: None,
                        resets_at: None,
                        reported_by_vendor: true,
                    });
                    return Err(self.quota_error(Exhausted {
                        reported_by_vendor: true,
                        ..exhausted
                    }));
                }
                Verdict::Fail { outcome_unknown } => {
                    return Err(self.final_error(result, decision.reason, tally.attempts, outcome_unknown, None));
                }
            }
        }
    }

    /// One attempt's request: the prepared parts plus the bearer token.
    fn build(&self, url: &Url, credential: &Credential) -> Result<reqwest::Request, Error> {
        let mut request = reqwest::Request::new(self.prepared.method.clone(), url.clone());
        *request.headers_mut() = self.prepared.headers.clone();
        let mut bearer = HeaderValue::try_from(format!("Bearer {}", credential.secret.expose())).map_err(|_| {
            Error::InvalidRequest {
                call: self.info(0),
                detail: "the access token holds characters a header cannot carry".into(),
            }
        })?;
        bearer.set_sensitive(true);
        request.headers_mut().insert(AUTHORIZATION, bearer);
        if let Some(body) = &self.prepared.body {
            *request.body_mut() = Some(reqwest::Body::from(body.clone()));
        }
        *request.timeout_mut() = Some(self.prepared.timeout);
        Ok(request)
    }

    fn quota_error(&self, exhausted: Exhausted) -> Error {
        Error::QuotaExhausted {
            connector: self.inner.connector.clone(),
            used: exhausted.used,
            usable: exhausted.usable,
            resets_at: exhausted.resets_at,
            reported_by_vendor: exhausted.reported_by_vendor,
        }
    }

    fn final_error(
        &self,
        result: Result<RawResponse, TransportFailure>,
        reason: Reason,
        attempts: u32,
        outcome_unknown: bool,
        retry_after: Option<Duration>,
    ) -> Error {
        match result {
            Ok(response) => Error::Http {
                call: self.info(attempts),
                status: response.status,
                reason,
                vendor: self.inner.vendor.error_details(&response.headers, &response.body),
                body_prefix: body_prefix(&response.body, BODY_PREFIX_BYTES),
                retry_after,
                may_have_been_applied: outcome_unknown,
            },
            Err(failure) => self.transport_error(failure, attempts, outcome_unknown),
        }
    }

    fn transport_error(&self, failure: TransportFailure, attempts: u32, outcome_unknown: bool) -> Error {
        Error::Transport {
            call: self.info(attempts),
            kind: failure.kind,
            may_have_been_applied: outcome_unknown,
            source: failure.source,
        }
    }
}

/// The per-attempt timeout fired.
#[derive(Debug)]
struct TimedOut(Duration);

impl fmt::Display for TimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "no complete response within {} ms", self.0.as_millis())
    }
}

impl std::error::Error for TimedOut {}
