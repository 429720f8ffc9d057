//! HubSpot simulator over HTTP: rate-limit headers and 429s (10-second, search per-second,
//! daily), quota exhaustion and restore, token expiry and refresh, missing tokens.

mod hubspot_support;

use closedloop_sim::hubspot::Edges;
use closedloop_sim::scenario::Scenario;
use hubspot_support::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use std::time::Duration;

fn limited(ten_second: Option<u32>, search: Option<u32>, daily: Option<u64>) -> Scenario {
    let mut s = small_world();
    s.hubspot.ten_second_limit = ten_second;
    s.hubspot.search_per_second = search;
    s.hubspot.daily_limit = daily;
    s
}

fn assert_rate_limited(r: &Reply, policy: &str) {
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS, "{:?}", r.body);
    assert_eq!(r.body["status"], "error");
    assert_eq!(r.body["errorType"], "RATE_LIMIT");
    assert_eq!(r.body["policyName"], policy);
    assert!(r.body["message"].as_str().unwrap().starts_with("You have reached your"));
    assert!(r.body["correlationId"].is_string());
    assert!(
        r.header("retry-after")
            .is_some_and(|v| v.parse::<u64>().is_ok_and(|s| s >= 1))
    );
}

#[tokio::test]
async fn the_ten_second_window_reports_itself_and_refuses_past_its_max() {
    let sim = Sim::start(&limited(Some(5), None, Some(1_000))).await;
    let admin = sim.server.admin();
    admin.freeze_clock();
    for remaining in (0..5).rev() {
        let r = sim.get("/crm/v3/objects/contacts?limit=1").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.header("x-hubspot-ratelimit-max"), Some("5"));
        assert_eq!(
            r.header("x-hubspot-ratelimit-remaining"),
            Some(remaining.to_string().as_str())
        );
        assert_eq!(r.header("x-hubspot-ratelimit-interval-milliseconds"), Some("10000"));
        assert_eq!(r.header("x-hubspot-ratelimit-daily"), Some("1000"));
        assert!(r.header("x-hubspot-ratelimit-secondly").is_some());
        assert!(r.header("x-hubspot-ratelimit-secondly-remaining").is_some());
        assert!(r.header("x-hubspot-correlation-id").is_some());
    }
    let refused = sim.get("/crm/v3/objects/contacts?limit=1").await;
    assert_rate_limited(&refused, "TEN_SECONDLY_ROLLING");
    assert_eq!(refused.header("retry-after"), Some("10"));
    // Searches have their own bucket, and carry no rate-limit headers.
    let s = sim.post("/crm/v3/objects/contacts/search", &json!({})).await;
    assert_eq!(s.status, StatusCode::OK);
    assert!(
        s.headers.keys().all(|k| !k.as_str().starts_with("x-hubspot-ratelimit")),
        "{:?}",
        s.headers
    );
    // The UI user's clicks are not API calls.
    let ui = sim
        .send_as(
            Some(&sim.ui_token.clone()),
            Method::GET,
            "/crm/v3/objects/contacts?limit=1",
            None,
        )
        .await;
    assert_eq!(ui.status, StatusCode::OK);
    admin.advance_clock(Duration::from_millis(9_999));
    assert_eq!(
        sim.get("/crm/v3/objects/contacts?limit=1").await.status,
        StatusCode::TOO_MANY_REQUESTS
    );
    admin.advance_clock(Duration::from_millis(1));
    assert_eq!(
        sim.get("/crm/v3/objects/contacts?limit=1").await.status,
        StatusCode::OK,
        "the window rolled"
    );
    // Refreshing the token gives no fresh bucket: the limit is the app's.
    admin.advance_clock(Duration::from_secs(10));
    let token = admin.issue_token();
    for _ in 0..5 {
        assert_eq!(
            sim.send_as(Some(&token), Method::GET, "/crm/v3/owners", None)
                .await
                .status,
            StatusCode::OK
        );
    }
    assert_eq!(sim.get("/crm/v3/owners").await.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn search_is_limited_per_second_on_its_own() {
    let sim = Sim::start(&limited(Some(100), Some(5), None)).await;
    let admin = sim.server.admin();
    admin.freeze_clock();
    for _ in 0..5 {
        assert_eq!(
            sim.post("/crm/v3/objects/deals/search", &json!({})).await.status,
            StatusCode::OK
        );
    }
    let refused = sim.post("/crm/v3/objects/contacts/search", &json!({})).await;
    assert_rate_limited(&refused, "SECONDLY");
    assert!(
        refused
            .headers
            .keys()
            .all(|k| !k.as_str().starts_with("x-hubspot-ratelimit"))
    );
    assert_eq!(
        sim.get("/crm/v3/objects/contacts").await.status,
        StatusCode::OK,
        "other calls are unaffected"
    );
    admin.advance_clock(Duration::from_secs(1));
    assert_eq!(
        sim.post("/crm/v3/objects/contacts/search", &json!({})).await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_daily_quota_runs_out_and_can_be_exhausted_and_restored() {
    let sim = Sim::start(&limited(None, None, Some(3))).await;
    // The quota is per UTC day: a frozen clock keeps midnight from resetting it mid-test.
    sim.server.admin().freeze_clock();
    for left in [2, 1, 0] {
        let r = sim.get("/crm/v3/pipelines/deals").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(
            r.header("x-hubspot-ratelimit-daily-remaining"),
            Some(left.to_string().as_str())
        );
        assert!(
            r.header("x-hubspot-ratelimit-max").is_none(),
            "the 10-second limit is off in this scenario"
        );
    }
    assert_rate_limited(&sim.get("/crm/v3/pipelines/deals").await, "DAILY");
    assert_rate_limited(&sim.post("/crm/v3/objects/contacts/search", &json!({})).await, "DAILY");
    assert_eq!(
        sim.admin(Method::POST, "/__sim/quota/restore", None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(sim.get("/crm/v3/pipelines/deals").await.status, StatusCode::OK);
    assert_eq!(
        sim.admin(Method::POST, "/__sim/quota/exhaust", None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_rate_limited(&sim.get("/crm/v3/pipelines/deals").await, "DAILY");
    sim.server.admin().restore_daily_quota();
    assert_eq!(sim.get("/crm/v3/pipelines/deals").await.status, StatusCode::OK);

    let unlimited = Sim::start(&small_world()).await;
    unlimited.server.admin().exhaust_daily_quota();
    assert_rate_limited(&unlimited.get("/crm/v3/owners").await, "DAILY");
    let limits = unlimited.admin(Method::GET, "/__sim/limits", None).await;
    assert_eq!(limits.body["batch_max_inputs"], 100);
    let mut changed: Edges = serde_json::from_value(limits.body).unwrap();
    changed.ten_second_limit = Some(1);
    assert_eq!(
        unlimited
            .admin(
                Method::PUT,
                "/__sim/limits",
                Some(&serde_json::to_value(changed).unwrap())
            )
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(unlimited.server.admin().edges().ten_second_limit, Some(1));
}

#[tokio::test]
async fn tokens_expire_and_are_refreshed_with_the_refresh_token() {
    let mut scenario = small_world();
    scenario.hubspot.token_ttl_secs = Some(1800);
    let sim = Sim::start(&scenario).await;
    let admin = sim.server.admin();
    admin.freeze_clock();
    assert_eq!(sim.get("/crm/v3/objects/contacts").await.status, StatusCode::OK);
    admin.advance_clock(Duration::from_secs(1800 + 300));
    let expired = sim.get("/crm/v3/objects/contacts").await;
    assert_eq!(expired.status, StatusCode::UNAUTHORIZED);
    assert_eq!(expired.body["category"], "EXPIRED_AUTHENTICATION");
    assert_eq!(
        expired.body["message"],
        "The OAuth token used to make this call expired 5 minute(s) ago."
    );
    assert!(expired.body["correlationId"].is_string());

    let form = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    };
    let post_form = |body: String| {
        sim.http
            .post(sim.url("/oauth/v1/token"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
    };
    let bad = post_form(form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "nope"),
        ("client_secret", "sim-client-secret"),
        ("refresh_token", "sim-refresh-token"),
    ]))
    .await
    .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        bad.json::<serde_json::Value>().await.unwrap()["status"],
        "BAD_CLIENT_ID"
    );
    let bad = post_form(form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "sim-client-id"),
        ("client_secret", "sim-client-secret"),
        ("refresh_token", "stale"),
    ]))
    .await
    .unwrap();
    assert_eq!(
        bad.json::<serde_json::Value>().await.unwrap()["status"],
        "BAD_REFRESH_TOKEN"
    );
    let ok = post_form(form(&[
        ("grant_type", "refresh_token"),
        ("client_id", "sim-client-id"),
        ("client_secret", "sim-client-secret"),
        ("refresh_token", "sim-refresh-token"),
    ]))
    .await
    .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    let token: serde_json::Value = ok.json().await.unwrap();
    assert_eq!(token["token_type"], "bearer");
    assert_eq!(token["expires_in"], 1800);
    let fresh = token["access_token"].as_str().unwrap().to_owned();
    assert_eq!(
        sim.send_as(Some(&fresh), Method::GET, "/crm/v3/objects/contacts", None)
            .await
            .status,
        StatusCode::OK
    );

    assert_eq!(
        sim.admin(Method::POST, "/__sim/tokens/expire", None).await.status,
        StatusCode::NO_CONTENT
    );
    let r = sim
        .send_as(Some(&fresh), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(r.body["category"], "EXPIRED_AUTHENTICATION");
    let ui = sim
        .send_as(
            Some(&sim.ui_token.clone()),
            Method::GET,
            "/crm/v3/objects/contacts",
            None,
        )
        .await;
    assert_eq!(ui.status, StatusCode::OK, "the UI user's session is not an API token");

    let none = sim.send_as(None, Method::GET, "/crm/v3/objects/contacts", None).await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.body["category"], "INVALID_AUTHENTICATION");
    let unknown = sim
        .send_as(Some("pat-made-up"), Method::GET, "/crm/v3/objects/contacts", None)
        .await;
    assert_eq!(unknown.body["category"], "INVALID_AUTHENTICATION");
}
