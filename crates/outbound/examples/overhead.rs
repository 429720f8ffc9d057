//! Measures what the outbound path costs per call over a bare `reqwest` call, on loopback.
//!
//! Holds no state beyond one run. Starts a local axum server answering a small HubSpot-shaped
//! page with rate-limit headers, then makes the same number of sequential calls with a bare
//! shared `reqwest::Client` and with an [`OutboundClient`] (quotas, classification, metrics
//! facade, span, token), and prints the mean time per call of each.
//!
//! Run: `cargo run --release -p closedloop-outbound --example overhead [-- CALLS]`

use axum::Router;
use axum::routing::get;
use closedloop_core::secret::Secret;
use closedloop_outbound::quota::BucketSpec;
use closedloop_outbound::vendor::HubSpot;
use closedloop_outbound::vendor::hubspot::{HubSpotLimits, HubSpotTier, TEN_SECOND_BUCKET};
use closedloop_outbound::{Endpoint, OutboundClient, TokenSource};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

const LIST: Endpoint = Endpoint::read("list", &[TEN_SECOND_BUCKET]);
const PAGE: &str = r#"{"results":[{"id":"1","properties":{"email":"a@example.com","lifecyclestage":"lead"},"createdAt":"2024-01-01T00:00:00Z","updatedAt":"2024-01-02T00:00:00Z","archived":false}],"paging":{"next":{"after":"2"}}}"#;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let calls: u32 = std::env::args().nth(1).map(|n| n.parse()).transpose()?.unwrap_or(5000);
    let app = Router::new().route(
        "/crm/v3/objects/contacts",
        get(|| async {
            (
                [
                    ("content-type", "application/json"),
                    ("x-hubspot-ratelimit-max", "1000000"),
                    ("x-hubspot-ratelimit-remaining", "999999"),
                    ("x-hubspot-ratelimit-daily", "1000000000"),
                    ("x-hubspot-ratelimit-daily-remaining", "999999999"),
                ],
                PAGE,
            )
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let base = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, app).await });

    let bare = reqwest::Client::new();
    let url = format!("{base}/crm/v3/objects/contacts?limit=100");
    // Warm the connection pools of both clients first.
    bare.get(&url).send().await?.bytes().await?;
    let started = Instant::now();
    for _ in 0..calls {
        let body = bare.get(&url).bearer_auth("t").send().await?.bytes().await?;
        let _: serde_json::Value = serde_json::from_slice(&body)?;
    }
    let bare_per_call = started.elapsed() / calls;

    // A bucket far above the call rate: this measures the path, not pacing.
    let huge = NonZeroU32::new(1_000_000_000).ok_or("nonzero")?;
    let plan = HubSpotLimits::for_tier(HubSpotTier::Enterprise)
        .quota_plan()
        .with_bucket(BucketSpec::new(TEN_SECOND_BUCKET, huge, Duration::from_secs(10)));
    let client = OutboundClient::builder(HubSpot, &base, TokenSource::static_token(Secret::new("t")))
        .quota(plan)
        .build()?;
    client.get("/crm/v3/objects/contacts", LIST).send().await?;
    let started = Instant::now();
    for _ in 0..calls {
        let _: serde_json::Value = client
            .get("/crm/v3/objects/contacts", LIST)
            .query([("limit", "100")])
            .send_json()
            .await?;
    }
    let outbound_per_call = started.elapsed() / calls;

    println!("calls: {calls} sequential, loopback, current-thread runtime");
    println!(
        "bare reqwest:    {:>8.1} µs per call",
        bare_per_call.as_secs_f64() * 1e6
    );
    println!(
        "outbound client: {:>8.1} µs per call",
        outbound_per_call.as_secs_f64() * 1e6
    );
    println!(
        "overhead:        {:>8.1} µs per call",
        (outbound_per_call.as_secs_f64() - bare_per_call.as_secs_f64()) * 1e6
    );
    Ok(())
}
