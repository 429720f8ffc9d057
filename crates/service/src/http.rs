//! The service's HTTP listener: `/healthz`, `/readyz`, `/metrics`, `/report`, and the HubSpot webhook.
//!
//! State: [`HttpState`], shared with the daemon: the readiness flag, the last cycle's summary,
//! the metrics handle, the report renderer, the webhook secret and the trigger channel.

use crate::webhook::{self, Delivery};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{OriginalUri, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use closedloop_core::secret::Secret;
use futures::future::BoxFuture;
use metrics_exporter_prometheus::PrometheusHandle;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Renders the HTML report on request (the report crate provides it).
pub trait ReportSource: Send + Sync {
    /// The report as one self-contained HTML document.
    fn html(&self) -> BoxFuture<'_, Result<String, String>>;
}

/// Webhook settings, resolved (the secret read).
pub struct WebhookSettings {
    /// The app's client secret.
    pub secret: Secret,
    /// The path deliveries arrive on.
    pub path: String,
    /// The public URL HubSpot posts to, when behind a proxy (the signature covers it).
    pub public_url: Option<String>,
    /// Seconds a delivery may be old.
    pub max_age_secs: u64,
}

/// What the listener shares with the daemon.
pub struct HttpState {
    /// True once start-up finished; false again while stopping.
    pub ready: AtomicBool,
    /// The last cycle's one-line summary and whether it had errors.
    pub last_cycle: RwLock<Option<(String, bool)>>,
    /// The metrics handle.
    pub metrics: PrometheusHandle,
    /// The report, when the daemon serves one.
    pub report: Option<Box<dyn ReportSource>>,
    /// The webhook, when configured.
    pub webhook: Option<WebhookSettings>,
    /// Where webhook deliveries send stream-name prefixes to pull now.
    pub triggers: mpsc::Sender<String>,
}

/// The router.
pub fn router(state: Arc<HttpState>) -> Router {
    let mut router = Router::new()
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route("/report", get(report));
    if let Some(path) = state.webhook.as_ref().map(|w| w.path.clone()) {
        router = router.route(&path, post(hubspot_webhook));
    }
    router.with_state(state)
}

/// Serves until `cancel` fires.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: Arc<HttpState>,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move { cancel.cancelled().await })
        .await
}

async fn readyz(State(state): State<Arc<HttpState>>) -> Response {
    if !state.ready.load(Ordering::SeqCst) {
        return (StatusCode::SERVICE_UNAVAILABLE, "starting or stopping\n").into_response();
    }
    let last = state.last_cycle.read().map(|l| l.clone()).unwrap_or(None);
    match last {
        Some((line, true)) => (StatusCode::OK, format!("ready (last cycle had errors: {line})\n")).into_response(),
        Some((line, false)) => (StatusCode::OK, format!("ready ({line})\n")).into_response(),
        None => (StatusCode::OK, "ready (no cycle finished yet)\n").into_response(),
    }
}

async fn metrics(State(state): State<Arc<HttpState>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")],
        state.metrics.render(),
    )
        .into_response()
}

async fn report(State(state): State<Arc<HttpState>>) -> Response {
    match &state.report {
        None => (StatusCode::NOT_FOUND, "no report is configured\n").into_response(),
        Some(source) => match source.html().await {
            Ok(html) => Html(html).into_response(),
            Err(e) => (StatusCode::INTERNAL_SERVER_ERROR, format!("report failed: {e}\n")).into_response(),
        },
    }
}

async fn hubspot_webhook(
    State(state): State<Arc<HttpState>>,
    method: Method,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let Some(settings) = &state.webhook else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    // The signature covers the URI HubSpot posted to: the public URL behind a proxy, else our own.
    let full_uri = match &settings.public_url {
        Some(public) => format!(
            "{}{}",
            public.trim_end_matches('/'),
            uri.path_and_query().map(|p| p.as_str()).unwrap_or("")
        ),
        None => format!("http://{}{}", header("host").unwrap_or("localhost"), uri),
    };
    let delivery = Delivery {
        method: method.as_str(),
        uri: &full_uri,
        body: &body,
        signature: header("x-hubspot-signature-v3"),
        timestamp: header("x-hubspot-request-timestamp"),
    };
    let now_ms = chrono::Utc::now().timestamp_millis();
    if let Err(e) = webhook::verify_v3(
        settings.secret.expose().as_bytes(),
        &delivery,
        now_ms,
        settings.max_age_secs,
    ) {
        tracing::warn!(error = %e, "webhook delivery refused");
        metrics::counter!("closedloop_webhook_deliveries_total", "outcome" => "refused").increment(1);
        return (StatusCode::UNAUTHORIZED, format!("{e}\n")).into_response();
    }
    match webhook::triggers(&body) {
        Err(e) => {
            metrics::counter!("closedloop_webhook_deliveries_total", "outcome" => "malformed").increment(1);
            (StatusCode::BAD_REQUEST, format!("{e}\n")).into_response()
        }
        Ok(t) => {
            metrics::counter!("closedloop_webhook_deliveries_total", "outcome" => "accepted").increment(1);
            if !t.contacts.is_empty() {
                let _ = state.triggers.try_send("hubspot.contacts".into());
            }
            if !t.deals.is_empty() {
                let _ = state.triggers.try_send("hubspot.deals".into());
            }
            tracing::info!(
                contacts = t.contacts.len(),
                deals = t.deals.len(),
                "webhook delivery accepted"
            );
            StatusCode::NO_CONTENT.into_response()
        }
    }
}
