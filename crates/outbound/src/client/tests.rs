//! Paused-time tests of the call loop against a scripted transport.
//!
//! State: each test builds a client whose transport is a [`Fake`]: a handler that decides every
//! attempt's fate from the request (method, URL, bearer token, body) and the attempt number, and
//! a log of what was sent and when (tokio's paused clock), so delays are asserted exactly
//! without waiting for them.

use super::*;
use crate::auth::{AccessToken, RefreshError};
use crate::classify::TransportKind;
use crate::error::Error;
use crate::quota::{BucketSpec, DailyLimit, DailyWindow};
use crate::transport::{RawResponse, Transport, TransportFailure};
use crate::vendor::hubspot::{HubSpotLimits, HubSpotTier, SEARCH_BUCKET, TEN_SECOND_BUCKET};
use crate::vendor::{HubSpot, Salesforce};
use bytes::Bytes;
use closedloop_core::secret::Secret;
use futures::future::{BoxFuture, join_all};
use reqwest::StatusCode;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

const LIST: Endpoint = Endpoint::read("list", &[]);
const CREATE: Endpoint = Endpoint::create("create", &[]);
const HS_LIST: Endpoint = Endpoint::read("list", &[TEN_SECOND_BUCKET]);
const HS_SEARCH: Endpoint = Endpoint::read("search", &[SEARCH_BUCKET]);

/// What the fake does with one attempt.
enum Step {
    Respond(u16, Vec<(&'static str, String)>, &'static str),
    Fail(TransportKind),
    Hang,
}

fn ok() -> Step {
    Step::Respond(200, vec![], "{}")
}

fn status(code: u16) -> Step {
    Step::Respond(code, vec![], "")
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
struct Seen {
    at: Instant,
    url: String,
    authorization: String,
    body: Bytes,
}

type Handler = Box<dyn Fn(u32, &Seen) -> Step + Send + Sync>;

struct Fake {
    handler: Handler,
    log: Mutex<Vec<Seen>>,
}

impl Fake {
    fn seen(&self) -> Vec<Seen> {
        self.log.lock().expect("log").clone()
    }

    fn count(&self) -> usize {
        self.log.lock().expect("log").len()
    }

    /// Gaps between consecutive attempts.
    fn gaps(&self) -> Vec<Duration> {
        self.seen().windows(2).map(|w| w[1].at - w[0].at).collect()
    }
}

struct FakeTransport(Arc<Fake>);

impl Transport for FakeTransport {
    fn send(
        &self,
        request: reqwest::Request,
        _max: usize,
    ) -> BoxFuture<'static, Result<RawResponse, TransportFailure>> {
        let seen = Seen {
            at: Instant::now(),
            url: request.url().to_string(),
            authorization: request
                .headers()
                .get(AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
            body: request
                .body()
                .and_then(|b| b.as_bytes())
                .map(Bytes::copy_from_slice)
                .unwrap_or_default(),
        };
        let attempt = {
            let mut log = self.0.log.lock().expect("log");
            log.push(seen.clone());
            log.len() as u32
        };
        let step = (self.0.handler)(attempt, &seen);
        Box::pin(async move {
            match step {
                Step::Respond(code, headers, body) => {
                    let mut map = HeaderMap::new();
                    for (name, value) in headers {
                        map.insert(name, HeaderValue::from_str(&value).expect("test header"));
                    }
                    Ok(RawResponse {
                        status: StatusCode::from_u16(code).expect("test status"),
                        headers: map,
                        body: Bytes::from_static(body.as_bytes()),
                    })
                }
                Step::Fail(kind) => Err(TransportFailure::new(kind, "scripted failure")),
                Step::Hang => futures::future::pending().await,
            }
        })
    }
}

fn policy() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 6,
        initial_delay: Duration::from_millis(100),
        max_delay: Duration::from_millis(400),
        max_total_delay: Duration::from_secs(120),
        full_jitter: false,
        jitter_seed: Some(1),
    }
}

fn scripted(
    vendor: impl Vendor,
    auth: TokenSource,
    handler: impl Fn(u32, &Seen) -> Step + Send + Sync + 'static,
) -> (ClientBuilder, Arc<Fake>) {
    let fake = Arc::new(Fake {
        handler: Box::new(handler),
        log: Mutex::new(Vec::new()),
    });
    let builder = OutboundClient::builder(vendor, "https://api.example.com", auth)
        .retry(policy())
        .request_timeout(Duration::from_secs(5))
        .max_in_flight(None)
        .transport(Arc::new(FakeTransport(Arc::clone(&fake))));
    (builder, fake)
}

fn client(handler: impl Fn(u32, &Seen) -> Step + Send + Sync + 'static) -> (OutboundClient, Arc<Fake>) {
    let (builder, fake) = scripted(HubSpot, static_token(), handler);
    (builder.build().expect("client"), fake)
}

fn static_token() -> TokenSource {
    TokenSource::static_token(Secret::new("static-token"))
}

#[tokio::test(start_paused = true)]
async fn backoff_grows_and_is_capped() {
    let (client, fake) = client(|_, _| status(503));
    let error = client.get("/x", LIST).send().await.expect_err("503 storm");
    assert!(
        matches!(
            error,
            Error::Http {
                status: StatusCode::SERVICE_UNAVAILABLE,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.is_retriable());
    assert_eq!(error.call().map(|c| c.attempts), Some(6));
    let ms: Vec<u128> = fake.gaps().iter().map(Duration::as_millis).collect();
    assert_eq!(ms, [100, 200, 400, 400, 400]);
}

#[tokio::test(start_paused = true)]
async fn full_jitter_keeps_every_delay_under_its_ceiling() {
    let (builder, fake) = scripted(HubSpot, static_token(), |_, _| status(502));
    let jittered = RetryPolicy {
        full_jitter: true,
        jitter_seed: Some(99),
        ..policy()
    };
    let client = builder.retry(jittered.clone()).build().expect("client");
    client.get("/x", LIST).send().await.expect_err("502 storm");
    let gaps = fake.gaps();
    let ceilings: Vec<Duration> = jittered.ceilings().collect();
    assert_eq!(gaps.len(), ceilings.len());
    for (gap, ceiling) in gaps.iter().zip(&ceilings) {
        assert!(gap <= ceiling, "{gap:?} over {ceiling:?}");
    }
    assert_ne!(gaps, ceilings, "jitter changed something");
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured_when_longer_than_the_backoff() {
    let (client, fake) = client(|n, _| {
        if n == 1 {
            Step::Respond(429, vec![("retry-after", "7".into())], "")
        } else {
            ok()
        }
    });
    let response = client.get("/x", LIST).send().await.expect("second attempt succeeds");
    assert_eq!(response.call().attempts, 2);
    assert_eq!(fake.gaps(), [Duration::from_secs(7)]);
}

#[tokio::test(start_paused = true)]
async fn hubspots_ten_second_policy_waits_for_the_window() {
    let body = r#"{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
    let (client, fake) = client(move |n, _| if n == 1 { Step::Respond(429, vec![], body) } else { ok() });
    client.get("/x", LIST).send().await.expect("succeeds after the window");
    assert_eq!(fake.gaps(), [Duration::from_secs(10)]);
}

#[tokio::test(start_paused = true)]
async fn a_retry_after_beyond_the_budget_gives_up_and_says_how_long() {
    let (client, fake) = client(|_, _| Step::Respond(429, vec![("retry-after", "3600".into())], ""));
    let error = client.get("/x", LIST).send().await.expect_err("will not sleep an hour");
    assert_eq!(fake.count(), 1);
    assert_eq!(error.retry_after(), Some(Duration::from_secs(3600)));
    assert!(error.is_retriable() && !error.is_quota_exhausted());
}

#[tokio::test(start_paused = true)]
async fn non_retriable_statuses_are_sent_once() {
    for code in [400, 403, 404, 409, 422, 501] {
        let (client, fake) = client(move |_, _| status(code));
        let error = client.get("/x", LIST).send().await.expect_err("fails");
        assert_eq!(fake.count(), 1, "status {code} was retried");
        assert_eq!(error.status().map(|s| s.as_u16()), Some(code));
        assert!(!error.is_retriable(), "status {code}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_create_is_not_resent_when_its_outcome_is_unknown() {
    for step in [
        || status(500),
        || status(504),
        || Step::Fail(TransportKind::Timeout),
        || Step::Fail(TransportKind::Reset),
    ] {
        let (client, fake) = client(move |_, _| step());
        let error = client
            .post("/leads", CREATE)
            .json(&serde_json::json!({"a": 1}))
            .send()
            .await
            .expect_err("fails");
        assert_eq!(fake.count(), 1, "{error}");
        assert!(error.may_have_been_applied(), "{error}");
    }
    // Refusals are safe to resend even for a create: the vendor did not process them.
    for refusal in [503, 429, 408] {
        let (client, fake) = client(move |n, _| if n == 1 { status(refusal) } else { ok() });
        client
            .post("/leads", CREATE)
            .send()
            .await
            .expect("resent after a refusal");
        assert_eq!(fake.count(), 2);
    }
    let (client, fake) = client(|n, _| {
        if n == 1 {
            Step::Fail(TransportKind::Connect)
        } else {
            ok()
        }
    });
    client
        .post("/leads", CREATE)
        .send()
        .await
        .expect("nothing was sent the first time");
    assert_eq!(fake.count(), 2);
}

#[tokio::test(start_paused = true)]
async fn every_attempt_sends_the_same_body() {
    let (client, fake) = client(|n, _| {
        if n < 3 {
            Step::Fail(TransportKind::TruncatedBody)
        } else {
            ok()
        }
    });
    let body = serde_json::json!({"inputs": [{"id": "1", "properties": {"x": "y"}}]});
    client
        .post("/batch/update", LIST)
        .json(&body)
        .send()
        .await
        .expect("third attempt");
    let bodies: Vec<Bytes> = fake.seen().into_iter().map(|s| s.body).collect();
    assert_eq!(bodies.len(), 3);
    assert!(bodies.iter().all(|b| b == &bodies[0] && !b.is_empty()));
}

#[tokio::test(start_paused = true)]
async fn a_hang_past_the_timeout_is_retried() {
    let (client, fake) = client(|n, _| if n == 1 { Step::Hang } else { ok() });
    let started = Instant::now();
    client.get("/x", LIST).send().await.expect("second attempt");
    assert_eq!(fake.count(), 2);
    // The 5 s timeout, then the first backoff delay.
    assert_eq!(fake.gaps(), [Duration::from_millis(5100)]);
    assert_eq!(started.elapsed(), Duration::from_millis(5100));
}

fn oauth(calls: Arc<AtomicU32>, new_token: &'static str) -> TokenSource {
    TokenSource::oauth(
        move |_http: reqwest::Client| {
            let calls = Arc::clone(&calls);
            async move {
                calls.fetch_add(1, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(100)).await;
                Ok(AccessToken::new(
                    Secret::new(new_token),
                    Some(Duration::from_secs(1800)),
                ))
            }
        },
        Some(AccessToken::new(Secret::new("old"), Some(Duration::from_secs(1800)))),
    )
}

const EXPIRED: &str = r#"{"status":"error","message":"The OAuth token used to make this call expired","category":"EXPIRED_AUTHENTICATION"}"#;

#[tokio::test(start_paused = true)]
async fn a_401_refreshes_once_and_retries_with_the_new_token() {
    let calls = Arc::new(AtomicU32::new(0));
    let (builder, fake) = scripted(HubSpot, oauth(Arc::clone(&calls), "new"), |_, seen| {
        if seen.authorization == "Bearer new" {
            ok()
        } else {
            Step::Respond(401, vec![], EXPIRED)
        }
    });
    let client = builder.build().expect("client");
    let response = client.get("/x", LIST).send().await.expect("retried with the new token");
    assert_eq!(response.call().attempts, 2);
    assert_eq!(calls.load(Ordering::SeqCst), 1);
    let tokens: Vec<String> = fake.seen().into_iter().map(|s| s.authorization).collect();
    assert_eq!(tokens, ["Bearer old", "Bearer new"]);
    // Later calls use the new token straight away.
    client.get("/x", LIST).send().await.expect("new token");
    assert_eq!((fake.count(), calls.load(Ordering::SeqCst)), (3, 1));
}

#[tokio::test(start_paused = true)]
async fn a_second_401_fails_with_a_clear_error() {
    let calls = Arc::new(AtomicU32::new(0));
    let (builder, fake) = scripted(Salesforce, oauth(Arc::clone(&calls), "also-rejected"), |_, _| {
        Step::Respond(
            401,
            vec![],
            r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#,
        )
    });
    let client = builder.build().expect("client");
    let error = client.get("/x", LIST).send().await.expect_err("rejected twice");
    assert!(matches!(error, Error::Unauthorized { refreshed: true, .. }), "{error}");
    assert_eq!((fake.count(), calls.load(Ordering::SeqCst)), (2, 1));
    assert!(!error.is_retriable());
    assert!(
        error
            .to_string()
            .contains("unauthorized after refreshing the token: INVALID_SESSION_ID"),
        "{error}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_static_token_that_is_rejected_fails_at_once() {
    let (client, fake) = client(|_, _| Step::Respond(401, vec![], EXPIRED));
    let error = client.get("/x", LIST).send().await.expect_err("rejected");
    assert!(matches!(error, Error::Unauthorized { refreshed: false, .. }), "{error}");
    assert_eq!(fake.count(), 1);
}

#[tokio::test(start_paused = true)]
async fn concurrent_401s_share_one_refresh() {
    let calls = Arc::new(AtomicU32::new(0));
    let (builder, fake) = scripted(HubSpot, oauth(Arc::clone(&calls), "new"), |_, seen| {
        if seen.authorization == "Bearer new" {
            ok()
        } else {
            status(401)
        }
    });
    let client = builder.build().expect("client");
    let results = join_all((0..20).map(|_| client.get("/x", LIST).send())).await;
    assert!(results.iter().all(Result::is_ok));
    assert_eq!(calls.load(Ordering::SeqCst), 1, "one refresh for twenty rejected calls");
    assert_eq!(fake.count(), 40);
}

#[tokio::test(start_paused = true)]
async fn a_failed_refresh_is_reported_with_its_cause() {
    let source = TokenSource::oauth(
        |_http: reqwest::Client| async {
            Err::<AccessToken, _>(RefreshError::rejected("token endpoint answered 400: invalid_grant"))
        },
        Some(AccessToken::new(Secret::new("old"), None)),
    );
    let (builder, fake) = scripted(HubSpot, source, |_, _| status(401));
    let error = builder
        .build()
        .expect("client")
        .get("/x", LIST)
        .send()
        .await
        .expect_err("refresh fails");
    assert!(matches!(error, Error::Auth { .. }), "{error}");
    assert!(
        error
            .to_string()
            .ends_with("token refresh failed: token endpoint answered 400: invalid_grant"),
        "{error}"
    );
    assert!(!error.is_retriable());
    assert_eq!(fake.count(), 1);
}

fn daily_plan(max: u64, reserve_share: f64) -> QuotaPlan {
    QuotaPlan::new().with_daily(DailyLimit {
        max: Some(max),
        reserve_share,
        window: DailyWindow::Rolling24Hours,
        probe_every: Duration::from_secs(600),
    })
}

#[tokio::test(start_paused = true)]
async fn a_spent_daily_quota_fails_fast_without_sending() {
    let (builder, fake) = scripted(HubSpot, static_token(), |_, _| ok());
    let client = builder.quota(daily_plan(4, 0.25)).build().expect("client");
    for _ in 0..3 {
        client.get("/x", LIST).send().await.expect("within the usable share");
    }
    let error = client
        .get("/x", LIST)
        .send()
        .await
        .expect_err("one of four is reserved");
    assert!(
        matches!(
            error,
            Error::QuotaExhausted {
                used: 3,
                usable: Some(3),
                reported_by_vendor: false,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.is_quota_exhausted() && error.retry_after().is_some());
    assert_eq!(fake.count(), 3, "the refused call was never sent");
    let daily = client.quota_status().daily.expect("daily");
    assert!(daily.exhausted && daily.remaining == Some(0));
}

#[tokio::test(start_paused = true)]
async fn the_vendors_daily_refusal_stops_the_call_and_the_ones_after_it() {
    let hubspot_daily = r#"{"status":"error","errorType":"RATE_LIMIT","policyName":"DAILY"}"#;
    let salesforce_limit = r#"[{"message":"TotalRequests Limit exceeded.","errorCode":"REQUEST_LIMIT_EXCEEDED"}]"#;
    let cases: [(Box<dyn Vendor>, Step, QuotaPlan, Endpoint); 2] = [
        (
            Box::new(HubSpot),
            Step::Respond(429, vec![], hubspot_daily),
            HubSpotLimits::for_tier(HubSpotTier::Starter).quota_plan(),
            HS_LIST,
        ),
        (
            Box::new(Salesforce),
            Step::Respond(403, vec![], salesforce_limit),
            daily_plan(100_000, 0.0),
            LIST,
        ),
    ];
    for (vendor, step, plan, endpoint) in cases {
        let step = Mutex::new(Some(step));
        let fake = Arc::new(Fake {
            handler: Box::new(move |_, _| step.lock().expect("step").take().unwrap_or_else(ok)),
            log: Mutex::new(Vec::new()),
        });
        let client = ClientBuilder {
            vendor: Arc::from(vendor),
            ..scripted(HubSpot, static_token(), |_, _| ok()).0
        }
        .quota(plan)
        .transport(Arc::new(FakeTransport(Arc::clone(&fake))))
        .build()
        .expect("client");
        let error = client.get("/x", endpoint).send().await.expect_err("the vendor refused");
        assert!(
            matches!(
                error,
                Error::QuotaExhausted {
                    reported_by_vendor: true,
                    ..
                }
            ),
            "{error}"
        );
        assert_eq!(fake.count(), 1, "never retried");
        let again = client.get("/x", endpoint).send().await.expect_err("fails fast");
        assert!(again.is_quota_exhausted());
        assert_eq!(fake.count(), 1, "the next call was not sent");
    }
}

#[tokio::test(start_paused = true)]
async fn salesforce_usage_headers_count_the_other_integrations_too() {
    let (builder, fake) = scripted(Salesforce, static_token(), |_, _| {
        Step::Respond(200, vec![("sforce-limit-info", "api-usage=90/100".into())], "{}")
    });
    let client = builder.quota(daily_plan(100, 0.1)).build().expect("client");
    client.get("/x", LIST).send().await.expect("the first call goes out");
    let error = client
        .get("/x", LIST)
        .send()
        .await
        .expect_err("90 of 90 usable are used");
    assert!(
        matches!(
            error,
            Error::QuotaExhausted {
                used: 90,
                usable: Some(90),
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(fake.count(), 1);
}

fn hubspot_headers(remaining: u32, max: u32) -> Vec<(&'static str, String)> {
    vec![
        ("x-hubspot-ratelimit-max", max.to_string()),
        ("x-hubspot-ratelimit-remaining", remaining.to_string()),
        ("x-hubspot-ratelimit-interval-milliseconds", "10000".into()),
        ("x-hubspot-ratelimit-daily", "250000".into()),
        ("x-hubspot-ratelimit-daily-remaining", "200000".into()),
    ]
}

#[tokio::test(start_paused = true)]
async fn the_vendor_saying_fewer_remain_slows_every_caller_down() {
    let plan = HubSpotLimits::for_tier(HubSpotTier::Starter).quota_plan();
    // Control: the bucket is full, so three calls go out back to back.
    let (builder, fake) = scripted(HubSpot, static_token(), |_, _| {
        Step::Respond(200, hubspot_headers(99, 100), "{}")
    });
    let client = builder.quota(plan.clone()).build().expect("client");
    for _ in 0..3 {
        client.get("/x", HS_LIST).send().await.expect("ok");
    }
    assert_eq!(fake.gaps(), [Duration::ZERO, Duration::ZERO]);

    // Another integration spent the window: HubSpot says none remain, so we pace at 100 per 10 s.
    let (builder, fake) = scripted(HubSpot, static_token(), |_, _| {
        Step::Respond(200, hubspot_headers(0, 100), "{}")
    });
    let client = builder.quota(plan).build().expect("client");
    for _ in 0..3 {
        client.get("/x", HS_LIST).send().await.expect("ok");
    }
    assert_eq!(fake.gaps(), [Duration::from_millis(100), Duration::from_millis(100)]);
    let status = client.quota_status();
    let daily = status.daily.expect("daily");
    assert_eq!(
        (daily.used, daily.max),
        (50_000, Some(250_000)),
        "the vendor's count, not ours"
    );
}

#[tokio::test(start_paused = true)]
async fn a_lower_limit_than_the_configured_tier_is_adopted() {
    let (builder, _fake) = scripted(HubSpot, static_token(), |_, _| {
        Step::Respond(200, hubspot_headers(40, 50), "{}")
    });
    let plan = HubSpotLimits::for_tier(HubSpotTier::Professional).quota_plan();
    let client = builder.quota(plan).build().expect("client");
    client.get("/x", HS_LIST).send().await.expect("ok");
    let bucket = client
        .quota_status()
        .buckets
        .into_iter()
        .find(|b| b.name == TEN_SECOND_BUCKET)
        .expect("bucket");
    assert_eq!(
        (bucket.capacity, bucket.configured_capacity, bucket.remaining),
        (50, 190, 40)
    );
}

#[tokio::test(start_paused = true)]
async fn searches_draw_from_their_own_bucket() {
    let (builder, fake) = scripted(HubSpot, static_token(), |_, _| ok());
    let plan = HubSpotLimits::for_tier(HubSpotTier::Starter).quota_plan();
    let client = builder.quota(plan).build().expect("client");
    for _ in 0..6 {
        client.post("/search", HS_SEARCH).send().await.expect("ok");
    }
    // Five in any second: the sixth waits until the first has left HubSpot's one-second window
    // (plus the jitter margin), not a fifth of a second (that would be six in a second: a 429).
    assert_eq!(fake.gaps()[4], Duration::from_millis(1050));
    client.get("/x", HS_LIST).send().await.expect("ok");
    assert_eq!(fake.gaps()[5], Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_429_spends_the_bucket_for_every_caller() {
    let body = r#"{"status":"error","errorType":"RATE_LIMIT","policyName":"TEN_SECONDLY_ROLLING"}"#;
    let (builder, _fake) = scripted(HubSpot, static_token(), move |n, _| {
        if n == 1 {
            Step::Respond(429, vec![("retry-after", "1".into())], body)
        } else {
            ok()
        }
    });
    let plan = QuotaPlan::new().with_bucket(BucketSpec::new(
        TEN_SECOND_BUCKET,
        NonZeroU32::new(100).expect("nz"),
        Duration::from_secs(10),
    ));
    let client = builder.quota(plan).build().expect("client");
    client.get("/x", HS_LIST).send().await.expect("after a second");
    let bucket = &client.quota_status().buckets[0];
    // Spent by the 429, refilled for one second (10 cells), less the retry's own cell. Without
    // the 429 spending it, 99 would remain.
    assert_eq!(bucket.remaining, 9);
}

#[tokio::test(start_paused = true)]
async fn requests_stay_on_the_base_origin_and_name_known_buckets() {
    let (client, fake) = client(|_, _| ok());
    let error = client
        .get("https://elsewhere.example.com/steal", LIST)
        .send()
        .await
        .expect_err("other origin");
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error}");
    let unknown = Endpoint::read("typo", &["no_such_bucket"]);
    let error = client.get("/x", unknown).send().await.expect_err("unknown bucket");
    assert!(error.to_string().contains("no_such_bucket"), "{error}");
    assert!(matches!(
        client.check_endpoints(&[LIST, unknown]),
        Err(BuildError::UnknownBucket {
            bucket: "no_such_bucket",
            ..
        })
    ));
    let error = client
        .get("/x", LIST)
        .header("Authorization", "Bearer mine")
        .send()
        .await
        .expect_err("auth is the client's");
    assert!(matches!(error, Error::InvalidRequest { .. }));
    assert_eq!(fake.count(), 0);
    // Same-origin absolute URLs (Salesforce's nextRecordsUrl is a path; some links are absolute) are fine.
    client
        .get("https://api.example.com/next?after=2", LIST)
        .query([("limit", "10")])
        .send()
        .await
        .expect("same origin");
    assert_eq!(fake.seen()[0].url, "https://api.example.com/next?after=2&limit=10");
}

#[tokio::test(start_paused = true)]
async fn decode_errors_name_the_path_that_failed() {
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Page {
        results: Vec<Record>,
    }
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Record {
        id: String,
    }
    let (client, _fake) = client(|_, _| Step::Respond(200, vec![], r#"{"results":[{"id":"1"},{"id":2}]}"#));
    let error = client
        .get("/x", LIST)
        .send_json::<Page>()
        .await
        .expect_err("id 2 is a number");
    assert!(matches!(error, Error::Decode { .. }));
    assert!(error.to_string().contains("results[1].id: invalid type"), "{error}");
}

#[tokio::test(start_paused = true)]
async fn retried_calls_are_counted_once_with_their_final_outcome() {
    let recorder = metrics_exporter_prometheus::PrometheusBuilder::new().build_recorder();
    let handle = recorder.handle();
    let _guard = metrics::set_default_local_recorder(&recorder);
    let (client, _fake) = client(|n, _| match n {
        1 => status(503),
        2 => Step::Fail(TransportKind::Timeout),
        3 => ok(),
        _ => status(400),
    });
    client.get("/x", LIST).send().await.expect("third attempt");
    client.get("/x", LIST).send().await.expect_err("400");
    let text = handle.render();
    let value = |line: &str| -> Option<f64> {
        text.lines()
            .find(|l| l.starts_with(line))
            .and_then(|l| l.rsplit(' ').next())
            .and_then(|v| v.parse().ok())
    };
    let calls = |outcome: &str| {
        value(&format!(
            r#"closedloop_api_calls_total{{connector="hubspot",endpoint="list",outcome="{outcome}"}}"#
        ))
    };
    assert_eq!(calls("success"), Some(1.0), "{text}");
    assert_eq!(calls("client_error"), Some(1.0), "{text}");
    assert_eq!(calls("server_error"), None, "a retried 503 is not a failed call");
    let requests = |class: &str| {
        value(&format!(
            r#"closedloop_api_requests_total{{connector="hubspot",endpoint="list",status_class="{class}"}}"#
        ))
    };
    assert_eq!(
        (requests("5xx"), requests("timeout"), requests("2xx"), requests("4xx")),
        (Some(1.0), Some(1.0), Some(1.0), Some(1.0))
    );
    let retries = |reason: &str| {
        value(&format!(
            r#"closedloop_api_retries_total{{connector="hubspot",endpoint="list",reason="{reason}"}}"#
        ))
    };
    assert_eq!((retries("server_error"), retries("timeout")), (Some(1.0), Some(1.0)));
}
