//! Fault injection and request accounting, shared by both simulators.
//!
//! State: a [`FaultState`] per simulator holds the current [`FaultConfig`], a seeded RNG and the
//! request counters. The middleware ([`fault_layer`]) runs after routing on every vendor route
//! (never on `/__sim/` admin routes), counts the request, and may replace the response with an
//! injected fault. Each simulator renders faults in its vendor's own error shape through a
//! [`FaultRenderer`], so a client sees exactly what the real API would send.

use axum::body::Body;
use axum::extract::{MatchedPath, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Probabilities (0..1) of each injected fault per request, and added latency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FaultConfig {
    /// Seed of the fault RNG, so a fault storm is reproducible.
    pub seed: u64,
    /// 429 Too Many Requests, in the vendor's shape, with `Retry-After`.
    pub rate_429: f64,
    /// 500 Internal Server Error.
    pub rate_500: f64,
    /// 502 Bad Gateway.
    pub rate_502: f64,
    /// 503 Service Unavailable.
    pub rate_503: f64,
    /// The request hangs for `hang_ms` and the connection then closes with no response.
    pub rate_timeout: f64,
    /// The response starts, then the connection is reset mid-body.
    pub rate_reset: f64,
    /// How long a timeout fault hangs.
    pub hang_ms: u64,
    /// Latency added to every request.
    pub latency_ms: u64,
    /// Random extra latency, uniform in 0..=this.
    pub latency_jitter_ms: u64,
}

impl Default for FaultConfig {
    fn default() -> Self {
        FaultConfig {
            seed: 1,
            rate_429: 0.0,
            rate_500: 0.0,
            rate_502: 0.0,
            rate_503: 0.0,
            rate_timeout: 0.0,
            rate_reset: 0.0,
            hang_ms: 30_000,
            latency_ms: 0,
            latency_jitter_ms: 0,
        }
    }
}

impl FaultConfig {
    /// A storm where `share` of calls fail, spread evenly over every fault kind.
    pub fn storm(share: f64, seed: u64) -> Self {
        let each = share / 6.0;
        FaultConfig {
            seed,
            rate_429: each,
            rate_500: each,
            rate_502: each,
            rate_503: each,
            rate_timeout: each,
            rate_reset: each,
            hang_ms: 2_000,
            ..FaultConfig::default()
        }
    }

    /// The total probability that a request faults.
    pub fn total_rate(&self) -> f64 {
        self.rate_429 + self.rate_500 + self.rate_502 + self.rate_503 + self.rate_timeout + self.rate_reset
    }
}

/// A fault chosen for one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 429 with the vendor's rate-limit body.
    TooManyRequests,
    /// 500.
    InternalError,
    /// 502.
    BadGateway,
    /// 503.
    Unavailable,
    /// No response at all.
    Timeout,
    /// Connection reset mid-body.
    Reset,
}

/// Renders a fault in one vendor's error shape (only the status-code faults need a body).
pub type FaultRenderer = Arc<dyn Fn(FaultKind) -> Response + Send + Sync>;

/// Request counters, readable at `GET /__sim/stats`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stats {
    /// Every vendor-route request, including faulted ones.
    pub requests_total: u64,
    /// Per `METHOD /route/pattern`.
    pub by_route: BTreeMap<String, u64>,
    /// Per response status (injected faults included; timeouts and resets under their kind).
    pub by_status: BTreeMap<String, u64>,
    /// Injected faults per kind.
    pub faults_injected: BTreeMap<String, u64>,
}

struct Inner {
    config: FaultConfig,
    rng: ChaCha8Rng,
    stats: Stats,
}

/// The fault configuration and counters of one simulator.
#[derive(Clone)]
pub struct FaultState {
    inner: Arc<Mutex<Inner>>,
    renderer: FaultRenderer,
}

impl FaultState {
    /// A new state with `config`, rendering faults with `renderer`.
    pub fn new(config: FaultConfig, renderer: FaultRenderer) -> Self {
        let rng = ChaCha8Rng::seed_from_u64(config.seed);
        FaultState {
            inner: Arc::new(Mutex::new(Inner {
                config,
                rng,
                stats: Stats::default(),
            })),
            renderer,
        }
    }

    /// Replaces the configuration (and reseeds the RNG).
    pub fn set_config(&self, config: FaultConfig) {
        let mut inner = self.lock();
        inner.rng = ChaCha8Rng::seed_from_u64(config.seed);
        inner.config = config;
    }

    /// The current configuration.
    pub fn config(&self) -> FaultConfig {
        self.lock().config.clone()
    }

    /// A copy of the counters.
    pub fn stats(&self) -> Stats {
        self.lock().stats.clone()
    }

    /// Zeroes the counters.
    pub fn reset_stats(&self) {
        self.lock().stats = Stats::default();
    }

    /// Records a response status that the handler (not the fault layer) produced.
    fn record_status(&self, status: StatusCode) {
        *self
            .lock()
            .stats
            .by_status
            .entry(status.as_u16().to_string())
            .or_default() += 1;
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves plain counters behind; keep serving.
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Counts the request and decides its fate: latency to add and a fault, if any.
    fn decide(&self, route: String) -> (Duration, Option<FaultKind>) {
        let mut inner = self.lock();
        inner.stats.requests_total += 1;
        *inner.stats.by_route.entry(route).or_default() += 1;
        let c = inner.config.clone();
        let jitter = if c.latency_jitter_ms > 0 {
            inner.rng.random_range(0..=c.latency_jitter_ms)
        } else {
            0
        };
        let latency = Duration::from_millis(c.latency_ms + jitter);
        let roll: f64 = inner.rng.random();
        let mut edge = 0.0;
        let mut fault = None;
        for (rate, kind) in [
            (c.rate_429, FaultKind::TooManyRequests),
            (c.rate_500, FaultKind::InternalError),
            (c.rate_502, FaultKind::BadGateway),
            (c.rate_503, FaultKind::Unavailable),
            (c.rate_timeout, FaultKind::Timeout),
            (c.rate_reset, FaultKind::Reset),
        ] {
            edge += rate;
            if roll < edge {
                fault = Some(kind);
                break;
            }
        }
        if let Some(kind) = fault {
            let name = serde_json::to_value(kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            *inner.stats.faults_injected.entry(name).or_default() += 1;
        }
        (latency, fault)
    }
}

/// The middleware: apply with `axum::middleware::from_fn_with_state(state, fault_layer)` as a
/// `route_layer` on the vendor routes.
pub async fn fault_layer(State(state): State<FaultState>, request: Request, next: Next) -> Response {
    let route = format!(
        "{} {}",
        request.method(),
        request
            .extensions()
            .get::<MatchedPath>()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_else(|| request.uri().path().to_owned())
    );
    let (latency, fault) = state.decide(route);
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        None => {
            let response = next.run(request).await;
            state.record_status(response.status());
            response
        }
        Some(FaultKind::Timeout) => {
            let hang = Duration::from_millis(state.config().hang_ms);
            *state.lock().stats.by_status.entry("timeout".into()).or_default() += 1;
            tokio::time::sleep(hang).await;
            reset_response()
        }
        Some(FaultKind::Reset) => {
            *state.lock().stats.by_status.entry("reset".into()).or_default() += 1;
            // Let the handler run (a real server may have done the work before the connection broke).
            let _ = next.run(request).await;
            reset_response()
        }
        Some(kind) => {
            let response = (state.renderer)(kind);
            state.record_status(response.status());
            response
        }
    }
}

/// A 200 whose body breaks off after a few bytes: the client sees a connection reset mid-body.
fn reset_response() -> Response {
    let chunks: Vec<Result<bytes::Bytes, std::io::Error>> = vec![
        Ok(bytes::Bytes::from_static(b"{\"results\":[{\"id\":")),
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated connection reset",
        )),
    ];
    let mut response = Response::new(Body::from_stream(futures::stream::iter(chunks)));
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/json"),
    );
    response
}

/// The admin routes every simulator mounts under `/__sim/`: faults and stats.
pub fn admin_routes(state: FaultState) -> axum::Router {
    use axum::Json;
    use axum::routing::{get, post};
    axum::Router::new()
        .route(
            "/__sim/faults",
            get(|State(s): State<FaultState>| async move { Json(s.config()) }).put(
                |State(s): State<FaultState>, Json(config): Json<FaultConfig>| async move {
                    s.set_config(config);
                    StatusCode::NO_CONTENT
                },
            ),
        )
        .route(
            "/__sim/stats",
            get(|State(s): State<FaultState>| async move { Json(s.stats()) }),
        )
        .route(
            "/__sim/stats/reset",
            post(|State(s): State<FaultState>| async move {
                s.reset_stats();
                StatusCode::NO_CONTENT
            }),
        )
        .with_state(state)
}

/// A plain-text fault response; vendors' renderers use their own bodies instead.
pub fn plain_fault(kind: FaultKind) -> Response {
    let status = match kind {
        FaultKind::TooManyRequests => StatusCode::TOO_MANY_REQUESTS,
        FaultKind::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        FaultKind::BadGateway => StatusCode::BAD_GATEWAY,
        FaultKind::Unavailable | FaultKind::Timeout | FaultKind::Reset => StatusCode::SERVICE_UNAVAILABLE,
    };
    (status, status.canonical_reason().unwrap_or("error")).into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn storm_rates_add_up_and_are_reproducible() {
        let config = FaultConfig::storm(0.3, 9);
        assert!((config.total_rate() - 0.3).abs() < 1e-9);
        let run = || {
            let state = FaultState::new(config.clone(), Arc::new(plain_fault));
            (0..10_000)
                .filter(|_| state.decide("GET /x".into()).1.is_some())
                .count()
        };
        let faults = run();
        assert_eq!(faults, run(), "same seed, same storm");
        assert!((2_700..3_300).contains(&faults), "{faults} faults in 10,000 at 30%");
    }

    #[test]
    fn no_faults_by_default() {
        let state = FaultState::new(FaultConfig::default(), Arc::new(plain_fault));
        assert!((0..1000).all(|_| state.decide("GET /x".into()).1.is_none()));
        assert_eq!(state.stats().requests_total, 1000);
        assert_eq!(state.stats().by_route["GET /x"], 1000);
    }
}
