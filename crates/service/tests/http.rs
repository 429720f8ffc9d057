//! The listener over real HTTP on 127.0.0.1: health, readiness, metrics, and webhook deliveries.

use closedloop_core::secret::Secret;
use closedloop_service::http::{HttpState, WebhookSettings, serve};
use closedloop_service::webhook::sign_v3;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

struct Listener {
    base: String,
    state: Arc<HttpState>,
    triggers: mpsc::Receiver<String>,
    cancel: CancellationToken,
}

async fn listen() -> Listener {
    let (tx, rx) = mpsc::channel(8);
    let state = Arc::new(HttpState {
        ready: false.into(),
        last_cycle: RwLock::new(None),
        metrics: closedloop_service::telemetry::install(),
        report: None,
        webhook: Some(WebhookSettings {
            secret: Secret::new("webhook-secret"),
            path: "/webhooks/hubspot".into(),
            public_url: None,
            max_age_secs: 300,
        }),
        triggers: tx,
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let cancel = CancellationToken::new();
    tokio::spawn(serve(listener, state.clone(), cancel.clone()));
    Listener {
        base,
        state,
        triggers: rx,
        cancel,
    }
}

#[tokio::test]
async fn health_is_always_up_and_readiness_follows_start_up() {
    let l = listen().await;
    let client = reqwest::Client::new();
    assert_eq!(
        client.get(format!("{}/healthz", l.base)).send().await.unwrap().status(),
        200
    );
    assert_eq!(
        client.get(format!("{}/readyz", l.base)).send().await.unwrap().status(),
        503
    );
    l.state.ready.store(true, Ordering::SeqCst);
    *l.state.last_cycle.write().unwrap() = Some(("pulled 3 records".into(), false));
    let ready = client.get(format!("{}/readyz", l.base)).send().await.unwrap();
    assert_eq!(ready.status(), 200);
    assert!(ready.text().await.unwrap().contains("pulled 3 records"));
    assert_eq!(
        client.get(format!("{}/report", l.base)).send().await.unwrap().status(),
        404
    );
    l.cancel.cancel();
}

#[tokio::test]
async fn metrics_are_served_as_prometheus_text() {
    let l = listen().await;
    metrics::counter!("closedloop_records_pulled_total", "stream" => "hubspot.contacts").increment(7);
    let response = reqwest::get(format!("{}/metrics", l.base)).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(
        response.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = response.text().await.unwrap();
    assert!(
        text.contains("closedloop_records_pulled_total{stream=\"hubspot.contacts\"} 7"),
        "{text}"
    );
    l.cancel.cancel();
}

async fn deliver(l: &Listener, body: &str, timestamp_ms: i64, secret: &[u8]) -> reqwest::Response {
    let uri = format!("{}/webhooks/hubspot", l.base);
    let ts = timestamp_ms.to_string();
    let signature = sign_v3(secret, "POST", &uri, body.as_bytes(), &ts);
    reqwest::Client::new()
        .post(&uri)
        .header("X-HubSpot-Signature-v3", signature)
        .header("X-HubSpot-Request-Timestamp", ts)
        .header("Content-Type", "application/json")
        .body(body.to_owned())
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn a_genuine_delivery_triggers_a_pull_and_forged_or_stale_ones_are_refused() {
    let mut l = listen().await;
    let body = r#"[{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":101,"occurredAt":1}]"#;
    let now = chrono::Utc::now().timestamp_millis();

    let forged = deliver(&l, body, now, b"not-the-secret").await;
    assert_eq!(forged.status(), 401);
    let stale = deliver(&l, body, now - 10 * 60 * 1000, b"webhook-secret").await;
    assert_eq!(stale.status(), 401);
    assert!(stale.text().await.unwrap().contains("away from now"));
    assert!(l.triggers.try_recv().is_err(), "refused deliveries trigger nothing");

    let genuine = deliver(&l, body, now, b"webhook-secret").await;
    assert_eq!(genuine.status(), 204);
    assert_eq!(l.triggers.recv().await.as_deref(), Some("hubspot.contacts"));

    let not_json = deliver(&l, "{}", now, b"webhook-secret").await;
    assert_eq!(not_json.status(), 400);
    l.cancel.cancel();
}
