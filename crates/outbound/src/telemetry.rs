//! The outbound path's metrics, as specified in `docs/metrics.md` ("API calls").
//!
//! Holds no state: every function records through the `metrics` facade, so the binary decides
//! where they go (the Prometheus exporter). Labels are low-cardinality by construction: the
//! connector name, the endpoint class a connector declared, and fixed outcome, status-class,
//! reason and bucket names. A retried call is counted once in `calls_total`, with its final
//! outcome, so a call that succeeded on its third attempt is a success, not two failures.

use crate::classify::{Reason, TransportKind};
use crate::quota::DailyStatus;
use metrics::{Unit, counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use reqwest::StatusCode;
use std::time::Duration;

/// Metric names, for dashboards and tests.
pub mod names {
    /// Counter: logical calls by final outcome (retries inside a call are not extra calls).
    pub const CALLS: &str = "closedloop_api_calls_total";
    /// Counter: HTTP requests actually sent (first attempts and retries), by status class.
    pub const REQUESTS: &str = "closedloop_api_requests_total";
    /// Counter: retries, by the reason of the attempt that was retried.
    pub const RETRIES: &str = "closedloop_api_retries_total";
    /// Counter: 429 responses (and vendors' other short-window rate-limit answers).
    pub const RATE_LIMITED: &str = "closedloop_api_rate_limited_responses_total";
    /// Counter: times the vendor's rate-limit headers made a bucket slow down.
    pub const QUOTA_SLOWDOWNS: &str = "closedloop_api_quota_slowdowns_total";
    /// Histogram: seconds each attempt waited for a permit of a bucket (zero when none was needed).
    pub const QUOTA_WAIT: &str = "closedloop_api_quota_wait_seconds";
    /// Counter: access-token refreshes, by outcome.
    pub const TOKEN_REFRESHES: &str = "closedloop_api_token_refreshes_total";
    /// Histogram: seconds per HTTP request (one attempt), by status class.
    pub const REQUEST_DURATION: &str = "closedloop_api_request_duration_seconds";
    /// Histogram: seconds per logical call (every attempt, backoff and quota wait), by outcome.
    pub const CALL_DURATION: &str = "closedloop_api_call_duration_seconds";
    /// Gauge: requests that may go out now, per bucket (`daily` is the day's usable remainder).
    pub const QUOTA_REMAINING: &str = "closedloop_api_quota_remaining_requests";
    /// Gauge: requests used today, by the vendor's count when it reports one.
    pub const DAILY_USED: &str = "closedloop_api_daily_used_requests";
    /// Gauge: the day's request limit (before the reserve for other integrations).
    pub const DAILY_LIMIT: &str = "closedloop_api_daily_limit_requests";
}

/// Registers descriptions and units of every outbound metric. Call once at start-up, after the
/// recorder is installed, so the exporter prints HELP lines even before the first call.
pub fn describe_metrics() {
    describe_counter!(
        names::CALLS,
        Unit::Count,
        "Outbound API calls by final outcome; retries are not extra calls."
    );
    describe_counter!(
        names::REQUESTS,
        Unit::Count,
        "HTTP requests sent to vendor APIs, first attempts and retries."
    );
    describe_counter!(
        names::RETRIES,
        Unit::Count,
        "Retried attempts, by the reason of the attempt that was retried."
    );
    describe_counter!(
        names::RATE_LIMITED,
        Unit::Count,
        "Rate-limit (429) responses from vendor APIs."
    );
    describe_counter!(
        names::QUOTA_SLOWDOWNS,
        Unit::Count,
        "Times the vendor's rate-limit headers made a bucket slow down."
    );
    describe_histogram!(
        names::QUOTA_WAIT,
        Unit::Seconds,
        "Time each attempt waited for a quota permit, per bucket."
    );
    describe_counter!(names::TOKEN_REFRESHES, Unit::Count, "Access-token refreshes.");
    describe_histogram!(
        names::REQUEST_DURATION,
        Unit::Seconds,
        "Duration of one HTTP request (one attempt)."
    );
    describe_histogram!(
        names::CALL_DURATION,
        Unit::Seconds,
        "Duration of one call, retries and waits included."
    );
    describe_gauge!(
        names::QUOTA_REMAINING,
        Unit::Count,
        "Requests that may go out now, per quota bucket."
    );
    describe_gauge!(
        names::DAILY_USED,
        Unit::Count,
        "Requests used today against the vendor's daily limit."
    );
    describe_gauge!(names::DAILY_LIMIT, Unit::Count, "The vendor's daily request limit.");
}

/// The `status_class` label of one attempt: `2xx`..`5xx`, or the transport failure's kind.
pub(crate) fn status_class(outcome: Result<StatusCode, TransportKind>) -> &'static str {
    match outcome {
        Ok(status) => match status.as_u16() {
            100..=199 => "1xx",
            200..=299 => "2xx",
            300..=399 => "3xx",
            400..=499 => "4xx",
            _ => "5xx",
        },
        Err(kind) => kind.as_str(),
    }
}

pub(crate) fn request_sent(connector: &str, endpoint: &'static str, class: &'static str, elapsed: Duration) {
    let labels = [
        ("connector", connector.to_owned()),
        ("endpoint", endpoint.to_owned()),
        ("status_class", class.to_owned()),
    ];
    counter!(names::REQUESTS, &labels).increment(1);
    histogram!(names::REQUEST_DURATION, &labels).record(elapsed.as_secs_f64());
}

pub(crate) fn rate_limited(connector: &str, endpoint: &'static str) {
    counter!(names::RATE_LIMITED, "connector" => connector.to_owned(), "endpoint" => endpoint).increment(1);
}

pub(crate) fn retried(connector: &str, endpoint: &'static str, reason: Reason) {
    counter!(names::RETRIES, "connector" => connector.to_owned(), "endpoint" => endpoint, "reason" => reason.as_str())
        .increment(1);
}

pub(crate) fn call_finished(connector: &str, endpoint: &'static str, outcome: &'static str, elapsed: Duration) {
    let labels = [
        ("connector", connector.to_owned()),
        ("endpoint", endpoint.to_owned()),
        ("outcome", outcome.to_owned()),
    ];
    counter!(names::CALLS, &labels).increment(1);
    histogram!(names::CALL_DURATION, &labels).record(elapsed.as_secs_f64());
}

pub(crate) fn quota_slowed(connector: &str) {
    counter!(names::QUOTA_SLOWDOWNS, "connector" => connector.to_owned()).increment(1);
}

pub(crate) fn quota_waited(connector: &str, bucket: &'static str, waited: Duration) {
    histogram!(names::QUOTA_WAIT, "connector" => connector.to_owned(), "bucket" => bucket).record(waited.as_secs_f64());
}

pub(crate) fn token_refreshed(connector: &str, ok: bool) {
    let outcome = if ok { "success" } else { "failure" };
    counter!(names::TOKEN_REFRESHES, "connector" => connector.to_owned(), "outcome" => outcome).increment(1);
}

pub(crate) fn quota_remaining(connector: &str, bucket: &'static str, remaining: u64) {
    gauge!(names::QUOTA_REMAINING, "connector" => connector.to_owned(), "bucket" => bucket).set(remaining as f64);
}

pub(crate) fn daily_quota(connector: &str, status: &DailyStatus) {
    gauge!(names::DAILY_USED, "connector" => connector.to_owned()).set(status.used as f64);
    if let Some(max) = status.max {
        gauge!(names::DAILY_LIMIT, "connector" => connector.to_owned()).set(max as f64);
    }
    if let Some(remaining) = status.remaining {
        gauge!(names::QUOTA_REMAINING, "connector" => connector.to_owned(), "bucket" => "daily").set(remaining as f64);
    }
}
