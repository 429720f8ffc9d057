//! Starting and stopping the HubSpot simulator.
//!
//! State: a running [`HubSpotServer`] owns its listener task and the cancellation token that
//! stops it; the data lives in the [`Hub`] it shares with its [`HubSpotAdmin`] handle.

use super::admin::HubSpotAdmin;
use super::auth::TokenStore;
use super::clock::SimClock;
use super::errors::render_fault;
use super::limits::LimitState;
use super::load::{LoadError, build};
use super::routes::app;
use super::state::{Edges, Hub, HubInner, OAuthClient};
use crate::faults::FaultState;
use crate::scenario::{Scenario, ScenarioError};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, RwLock};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// The scenario refers to keys it does not define.
    #[error("invalid scenario: {0}")]
    Scenario(#[from] ScenarioError),
    /// The scenario cannot be turned into a HubSpot portal.
    #[error("scenario cannot be loaded into the hubspot simulator: {0}")]
    Load(#[from] LoadError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
}

/// A running HubSpot simulator.
pub struct HubSpotServer {
    addr: SocketAddr,
    admin: HubSpotAdmin,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

/// Loads `scenario` and serves it on `addr` (port 0 picks a free port) until shut down.
pub async fn start(scenario: &Scenario, addr: SocketAddr) -> Result<HubSpotServer, SimError> {
    scenario.check_references()?;
    let clock = SimClock::new();
    let now = clock.now_ms();
    let world = build(scenario, now)?;
    let settings = &scenario.hubspot;
    let edges = Edges::from_settings(settings);
    let hub = Hub(Arc::new(HubInner {
        world: RwLock::new(world),
        clock,
        edges: RwLock::new(edges),
        limits: Mutex::new(LimitState::default()),
        tokens: Mutex::new(TokenStore::new(
            &settings.access_token,
            &settings.ui_access_token,
            settings.token_ttl_secs,
            now,
        )),
        oauth: OAuthClient {
            client_id: settings.client_id.clone(),
            client_secret: settings.client_secret.clone(),
            refresh_token: settings.refresh_token.clone(),
        },
        app_id: settings.app_id,
        faults: FaultState::new(scenario.faults.clone(), Arc::new(render_fault)),
    }));
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let stop = CancellationToken::new();
    let signal = stop.clone().cancelled_owned();
    let router = app(hub.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(signal).await {
            tracing::error!(error = %e, "hubspot simulator stopped with an error");
        }
    });
    tracing::info!(addr = %local, "hubspot simulator listening");
    Ok(HubSpotServer {
        addr: local,
        admin: HubSpotAdmin { hub },
        stop,
        task: Some(task),
    })
}

impl HubSpotServer {
    /// `http://127.0.0.1:PORT`, what a client's base URL (the SDK's `host`) should be.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The bound address.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// The handle tests steer and inspect the simulator with.
    pub fn admin(&self) -> &HubSpotAdmin {
        &self.admin
    }

    /// Stops accepting connections, lets requests in flight finish, and waits for the server.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for HubSpotServer {
    fn drop(&mut self) {
        // A server dropped without `shutdown` (a failing test) must not keep its port.
        self.stop.cancel();
    }
}
