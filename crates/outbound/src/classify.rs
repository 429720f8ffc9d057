//! Retry classification: the one pure function that decides what happens after each attempt.
//!
//! Holds no state. [`classify`] takes what one attempt produced (a status with headers and body,
//! or a transport failure), whether the request is safe to resend, and the current time (for
//! `Retry-After` dates), and returns a [`Decision`]: a [`Verdict`] with a [`Reason`]. It does no
//! I/O, so every rule is a row in the table test below. Modelled on Vector's
//! `src/sinks/util/retries.rs`: retry 408, 429, timeouts and 5xx except 501, nothing else, always
//! with a reason.
//!
//! | outcome | idempotent request | non-idempotent request |
//! |---|---|---|
//! | 2xx (207 included) | success | success |
//! | 401, or the vendor's expired-token error | refresh auth, retry once | same |
//! | the vendor's daily-quota error (HubSpot 429 `DAILY`, Salesforce 403 `REQUEST_LIMIT_EXCEEDED`) | quota exhausted: stop | same |
//! | 429, or the vendor's short-window limit | retry after `Retry-After` or the window | same (the server refused it) |
//! | 408 | retry | same (the server never read it all) |
//! | 503 | retry | same (the server refused it) |
//! | 500, 502, 504 and other 5xx | retry | fail, outcome unknown |
//! | 501 | fail | fail |
//! | other 4xx (400, 403, 404, 409, ...) | fail | fail |
//! | 1xx, 3xx | fail | fail |
//! | connect error (nothing sent) | retry | retry |
//! | timeout, connection reset, truncated body | retry | fail, outcome unknown |
//! | undecodable body, body too large, other transport errors | fail | fail |
//!
//! "Outcome unknown": the server may have applied a write that cannot be safely repeated (a
//! create), so it is not resent; the error says so and the caller checks before trying again.

use crate::vendor::{Vendor, VendorSignal};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde::Serialize;
use std::fmt;
use std::time::{Duration, SystemTime};

/// What one attempt produced, as the classifier sees it.
#[derive(Debug, Clone, Copy)]
pub enum Observed<'a> {
    /// A complete response.
    Response {
        /// The status code.
        status: StatusCode,
        /// The response headers.
        headers: &'a HeaderMap,
        /// The response body (or a prefix of it).
        body: &'a [u8],
    },
    /// No complete response.
    Transport(TransportKind),
}

/// How an attempt failed below HTTP.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TransportKind {
    /// The connection could not be made (refused, DNS, TLS handshake): nothing was sent.
    Connect,
    /// No complete response within the request timeout.
    Timeout,
    /// The connection closed or was reset before a response arrived.
    Reset,
    /// The response started but its body broke off (reset mid-body).
    TruncatedBody,
    /// The body arrived but could not be decoded (content encoding).
    Decode,
    /// The body exceeded the client's size limit.
    BodyTooLarge,
    /// Anything else (a redirect loop, an unusable request).
    Other,
}

impl TransportKind {
    /// A stable lower-case name, used in metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            TransportKind::Connect => "connect",
            TransportKind::Timeout => "timeout",
            TransportKind::Reset => "reset",
            TransportKind::TruncatedBody => "truncated_body",
            TransportKind::Decode => "decode",
            TransportKind::BodyTooLarge => "body_too_large",
            TransportKind::Other => "other",
        }
    }
}

impl fmt::Display for TransportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TransportKind::Connect => "could not connect",
            TransportKind::Timeout => "timed out",
            TransportKind::Reset => "connection reset before a response",
            TransportKind::TruncatedBody => "response body cut short",
            TransportKind::Decode => "response body could not be decoded",
            TransportKind::BodyTooLarge => "response body too large",
            TransportKind::Other => "transport error",
        })
    }
}

/// What to do after an attempt, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Decision {
    /// What to do.
    pub verdict: Verdict,
    /// Why, as a stable label.
    pub reason: Reason,
}

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// The call succeeded.
    Success,
    /// Try again, after at least `after` when the server said how long to wait.
    Retry {
        /// The server's delay (`Retry-After`, or the vendor's rate-limit window).
        after: Option<Duration>,
    },
    /// Refresh the access token and try once more.
    RefreshAuth,
    /// The daily budget is spent: stop without retrying.
    QuotaExhausted,
    /// Give up.
    Fail {
        /// True when a non-idempotent request may have been applied (a timeout or 5xx on a create).
        outcome_unknown: bool,
    },
}

/// Why a decision was made: a low-cardinality label for metrics and logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A 2xx response.
    Success,
    /// 408 Request Timeout.
    RequestTimeout,
    /// 429, or a vendor's short-window rate limit.
    RateLimited,
    /// A 5xx other than 501.
    ServerError,
    /// 501 Not Implemented: the endpoint does not exist here; retrying cannot help.
    NotImplemented,
    /// 401, or a vendor's expired-token error.
    AuthExpired,
    /// The vendor's daily budget is spent.
    DailyQuota,
    /// Any other 4xx: the request itself is wrong.
    ClientError,
    /// A 1xx or 3xx response that the client did not follow.
    UnexpectedStatus,
    /// A transport failure of the given kind.
    Transport(TransportKind),
}

impl Reason {
    /// A stable lower-case name, used as the `reason` metrics label.
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Success => "success",
            Reason::RequestTimeout => "request_timeout",
            Reason::RateLimited => "rate_limited",
            Reason::ServerError => "server_error",
            Reason::NotImplemented => "not_implemented",
            Reason::AuthExpired => "auth_expired",
            Reason::DailyQuota => "daily_quota",
            Reason::ClientError => "client_error",
            Reason::UnexpectedStatus => "unexpected_status",
            Reason::Transport(kind) => kind.as_str(),
        }
    }
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Decides what happens after one attempt. Pure: the same inputs always give the same decision.
///
/// `idempotent` says whether the request may be sent twice without harm (reads, searches,
/// updates, upserts); `now` is only used to turn a `Retry-After` date into a delay.
pub fn classify(vendor: &dyn Vendor, observed: &Observed<'_>, idempotent: bool, now: SystemTime) -> Decision {
    match *observed {
        Observed::Transport(kind) => classify_transport(kind, idempotent),
        Observed::Response { status, headers, body } => {
            classify_response(vendor, status, headers, body, idempotent, now)
        }
    }
}

fn classify_transport(kind: TransportKind, idempotent: bool) -> Decision {
    let reason = Reason::Transport(kind);
    let verdict = match kind {
        // Nothing reached the server, so even a create is safe to resend.
        TransportKind::Connect => Verdict::Retry { after: None },
        TransportKind::Timeout | TransportKind::Reset | TransportKind::TruncatedBody if idempotent => {
            Verdict::Retry { after: None }
        }
        TransportKind::Timeout | TransportKind::Reset | TransportKind::TruncatedBody => {
            Verdict::Fail { outcome_unknown: true }
        }
        TransportKind::Decode | TransportKind::BodyTooLarge | TransportKind::Other => {
            Verdict::Fail { outcome_unknown: false }
        }
    };
    Decision { verdict, reason }
}

fn classify_response(
    vendor: &dyn Vendor,
    status: StatusCode,
    headers: &HeaderMap,
    body: &[u8],
    idempotent: bool,
    now: SystemTime,
) -> Decision {
    let decide = |verdict, reason| Decision { verdict, reason };
    if status.is_success() {
        return decide(Verdict::Success, Reason::Success);
    }
    let server_delay = retry_after(headers, now);
    // The vendor's reading of its own error body comes first: a 403 or a 429 can mean the day's
    // budget is gone, which must stop the stream rather than be retried.
    match vendor.interpret_error(status, headers, body) {
        Some(VendorSignal::AuthExpired) => return decide(Verdict::RefreshAuth, Reason::AuthExpired),
        Some(VendorSignal::DailyQuotaExhausted) => return decide(Verdict::QuotaExhausted, Reason::DailyQuota),
        Some(VendorSignal::RateLimited { window }) => {
            return decide(
                Verdict::Retry {
                    after: server_delay.or(window),
                },
                Reason::RateLimited,
            );
        }
        None => {}
    }
    let fail = Verdict::Fail { outcome_unknown: false };
    match status {
        StatusCode::UNAUTHORIZED => decide(Verdict::RefreshAuth, Reason::AuthExpired),
        StatusCode::REQUEST_TIMEOUT => decide(Verdict::Retry { after: server_delay }, Reason::RequestTimeout),
        StatusCode::TOO_MANY_REQUESTS => decide(Verdict::Retry { after: server_delay }, Reason::RateLimited),
        StatusCode::NOT_IMPLEMENTED => decide(fail, Reason::NotImplemented),
        // 503 means the server turned the request away, so even a create is safe to resend.
        StatusCode::SERVICE_UNAVAILABLE => decide(Verdict::Retry { after: server_delay }, Reason::ServerError),
        s if s.is_server_error() && idempotent => decide(Verdict::Retry { after: server_delay }, Reason::ServerError),
        s if s.is_server_error() => decide(Verdict::Fail { outcome_unknown: true }, Reason::ServerError),
        s if s.is_client_error() => decide(fail, Reason::ClientError),
        _ => decide(fail, Reason::UnexpectedStatus),
    }
}

/// The delay a `Retry-After` header asks for: delta-seconds or an HTTP date (any of the three
/// formats HTTP allows). A date in the past means no wait; an unreadable value is ignored.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let value = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let at = httpdate::parse_http_date(value).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vendor::{HubSpot, Salesforce};
    use reqwest::header::HeaderValue;

    const NOW_SECS: u64 = 1_700_000_000;

    fn now() -> SystemTime {
        SystemTime::UNIX_EPOCH + Duration::from_secs(NOW_SECS)
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("test header"));
        }
        map
    }

    const RETRY: Verdict = Verdict::Retry { after: None };
    const FAIL: Verdict = Verdict::Fail { outcome_unknown: false };
    const UNKNOWN: Verdict = Verdict::Fail { outcome_unknown: true };

    fn secs(n: u64) -> Verdict {
        Verdict::Retry {
            after: Some(Duration::from_secs(n)),
        }
    }

    /// One row: vendor, status, headers, body, idempotent, expected verdict and reason.
    type Row = (
        &'static dyn Vendor,
        u16,
        &'static [(&'static str, &'static str)],
        &'static str,
        bool,
        Verdict,
        Reason,
    );

    const HS: &dyn Vendor = &HubSpot;
    const SF: &dyn Vendor = &Salesforce;
    const TEN_SECONDLY: &str = r#"{"status":"error","message":"You have reached your ten_secondly_rolling limit.","errorType":"RATE_LIMIT","correlationId":"c1","policyName":"TEN_SECONDLY_ROLLING"}"#;
    const DAILY: &str = r#"{"status":"error","message":"You have reached your daily limit.","errorType":"RATE_LIMIT","correlationId":"c2","policyName":"DAILY"}"#;
    const SECONDLY: &str = r#"{"status":"error","message":"You have reached your secondly limit.","errorType":"RATE_LIMIT","policyName":"SECONDLY"}"#;
    const EXPIRED: &str = r#"{"status":"error","message":"The OAuth token used to make this call expired 2 minute(s) ago.","correlationId":"c3","category":"EXPIRED_AUTHENTICATION"}"#;
    const VALIDATION: &str = r#"{"status":"error","message":"Property values were not valid","correlationId":"c4","category":"VALIDATION_ERROR"}"#;
    const SF_SESSION: &str = r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#;
    const SF_LIMIT: &str = r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
    const SF_CONCURRENT: &str =
        r#"[{"message":"ConcurrentPerOrgLongTxn Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
    const SF_FORBIDDEN: &str = r#"[{"message":"insufficient access rights","errorCode":"INSUFFICIENT_ACCESS"}]"#;
    const SF_MALFORMED: &str = r#"[{"message":"unexpected token: FROM","errorCode":"MALFORMED_QUERY"}]"#;

    #[test]
    fn responses_are_classified_as_the_table_says() {
        let rows: &[Row] = &[
            // success, including HubSpot's 207 multi-status
            (HS, 200, &[], "{}", true, Verdict::Success, Reason::Success),
            (HS, 204, &[], "", false, Verdict::Success, Reason::Success),
            (
                HS,
                207,
                &[],
                r#"{"status":"COMPLETE","numErrors":1}"#,
                false,
                Verdict::Success,
                Reason::Success,
            ),
            // 408 and 429 retry, honouring Retry-After
            (HS, 408, &[], "", true, RETRY, Reason::RequestTimeout),
            (SF, 408, &[], "", false, RETRY, Reason::RequestTimeout),
            (SF, 429, &[], "", true, RETRY, Reason::RateLimited),
            (
                SF,
                429,
                &[("retry-after", "7")],
                "",
                false,
                secs(7),
                Reason::RateLimited,
            ),
            // HubSpot's policies: the 10-second window, search's second, and the day
            (HS, 429, &[], TEN_SECONDLY, true, secs(10), Reason::RateLimited),
            (
                HS,
                429,
                &[("x-hubspot-ratelimit-interval-milliseconds", "10000")],
                TEN_SECONDLY,
                false,
                secs(10),
                Reason::RateLimited,
            ),
            (
                HS,
                429,
                &[("retry-after", "3")],
                TEN_SECONDLY,
                true,
                secs(3),
                Reason::RateLimited,
            ),
            (HS, 429, &[], SECONDLY, true, secs(1), Reason::RateLimited),
            (HS, 429, &[], DAILY, true, Verdict::QuotaExhausted, Reason::DailyQuota),
            (
                HS,
                429,
                &[("retry-after", "3")],
                DAILY,
                true,
                Verdict::QuotaExhausted,
                Reason::DailyQuota,
            ),
            (
                HS,
                429,
                &[],
                r#"{"status":"error","policyName":"DAI"#,
                true,
                RETRY,
                Reason::RateLimited,
            ),
            (
                HS,
                429,
                &[],
                r#"{"status":"error","policyName":"DAILY","mess"#,
                true,
                Verdict::QuotaExhausted,
                Reason::DailyQuota,
            ),
            (HS, 429, &[], "not json", true, RETRY, Reason::RateLimited),
            // auth: 401 always refreshes; the vendors' expired-token codes too
            (HS, 401, &[], EXPIRED, true, Verdict::RefreshAuth, Reason::AuthExpired),
            (HS, 401, &[], "", false, Verdict::RefreshAuth, Reason::AuthExpired),
            (
                SF,
                401,
                &[],
                SF_SESSION,
                true,
                Verdict::RefreshAuth,
                Reason::AuthExpired,
            ),
            (
                SF,
                403,
                &[],
                SF_SESSION,
                true,
                Verdict::RefreshAuth,
                Reason::AuthExpired,
            ),
            // Salesforce: the day's budget stops; the concurrency limit retries; other 403s fail
            (
                SF,
                403,
                &[],
                SF_LIMIT,
                true,
                Verdict::QuotaExhausted,
                Reason::DailyQuota,
            ),
            (SF, 403, &[], SF_CONCURRENT, true, RETRY, Reason::RateLimited),
            (SF, 403, &[], SF_FORBIDDEN, true, FAIL, Reason::ClientError),
            (
                SF,
                403,
                &[],
                r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED""#,
                true,
                Verdict::QuotaExhausted,
                Reason::DailyQuota,
            ),
            // 5xx retry except 501; non-idempotent requests only on 503
            (HS, 500, &[], "", true, RETRY, Reason::ServerError),
            (HS, 502, &[], "", true, RETRY, Reason::ServerError),
            (HS, 503, &[("retry-after", "2")], "", true, secs(2), Reason::ServerError),
            (HS, 504, &[], "", true, RETRY, Reason::ServerError),
            (HS, 501, &[], "", true, FAIL, Reason::NotImplemented),
            (SF, 500, &[], "", false, UNKNOWN, Reason::ServerError),
            (SF, 502, &[], "", false, UNKNOWN, Reason::ServerError),
            (SF, 503, &[], "", false, RETRY, Reason::ServerError),
            // everything else fails and is never retried
            (HS, 400, &[], VALIDATION, true, FAIL, Reason::ClientError),
            (SF, 400, &[], SF_MALFORMED, true, FAIL, Reason::ClientError),
            (HS, 403, &[], "", true, FAIL, Reason::ClientError),
            (HS, 404, &[], "", true, FAIL, Reason::ClientError),
            (HS, 409, &[], "", false, FAIL, Reason::ClientError),
            (HS, 422, &[("retry-after", "5")], "", true, FAIL, Reason::ClientError),
            (HS, 304, &[], "", true, FAIL, Reason::UnexpectedStatus),
        ];
        for (i, (vendor, status, pairs, body, idempotent, verdict, reason)) in rows.iter().enumerate() {
            let headers = headers(pairs);
            let status = StatusCode::from_u16(*status).expect("test status");
            let observed = Observed::Response {
                status,
                headers: &headers,
                body: body.as_bytes(),
            };
            let decision = classify(*vendor, &observed, *idempotent, now());
            assert_eq!(
                decision,
                Decision {
                    verdict: *verdict,
                    reason: *reason
                },
                "row {i}: {} {status} idempotent={idempotent} body={body}",
                vendor.name()
            );
        }
    }

    #[test]
    fn transport_failures_are_classified_as_the_table_says() {
        use TransportKind::*;
        let rows = [
            (Connect, true, RETRY),
            (Connect, false, RETRY),
            (Timeout, true, RETRY),
            (Timeout, false, UNKNOWN),
            (Reset, true, RETRY),
            (Reset, false, UNKNOWN),
            (TruncatedBody, true, RETRY),
            (TruncatedBody, false, UNKNOWN),
            (Decode, true, FAIL),
            (BodyTooLarge, true, FAIL),
            (Other, true, FAIL),
        ];
        for (kind, idempotent, verdict) in rows {
            let decision = classify(&HubSpot, &Observed::Transport(kind), idempotent, now());
            assert_eq!(
                decision,
                Decision {
                    verdict,
                    reason: Reason::Transport(kind)
                },
                "{kind:?} idempotent={idempotent}"
            );
        }
    }

    #[test]
    fn retry_after_reads_seconds_and_every_http_date_format() {
        let at = |value: &str| retry_after(&headers(&[("retry-after", value)]), now());
        assert_eq!(at("120"), Some(Duration::from_secs(120)));
        assert_eq!(at(" 0 "), Some(Duration::ZERO));
        let in_90s = httpdate::fmt_http_date(now() + Duration::from_secs(90));
        assert_eq!(at(&in_90s), Some(Duration::from_secs(90)));
        // NOW_SECS is 2023-11-14T22:13:20Z; the obsolete RFC 850 and asctime forms still count.
        assert_eq!(at("Tuesday, 14-Nov-23 22:14:20 GMT"), Some(Duration::from_secs(60)));
        assert_eq!(at("Tue Nov 14 22:15:20 2023"), Some(Duration::from_secs(120)));
        assert_eq!(
            at("Tue, 14 Nov 2023 22:00:00 GMT"),
            Some(Duration::ZERO),
            "a past date means no wait"
        );
        assert_eq!(at("soon"), None);
        assert_eq!(at("-5"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now()), None);
    }

    #[test]
    fn reasons_have_stable_labels() {
        assert_eq!(
            Reason::Transport(TransportKind::TruncatedBody).as_str(),
            "truncated_body"
        );
        assert_eq!(Reason::RateLimited.as_str(), "rate_limited");
        assert_eq!(Reason::DailyQuota.to_string(), "daily_quota");
    }
}
