//! The Salesforce simulator: an org in memory behind Salesforce's REST API, faithful to
//! `../shared/api-contracts.md` and checked against `simple-salesforce`.
//!
//! State: one [`shared::Shared`] per server (the org, sessions, quota, cursors, faults) served
//! over plain HTTP and, optionally, the same app over TLS with a certificate made at start-up.
//! [`start`] loads a [`Scenario`] and returns a [`SalesforceServer`]; its
//! [`SalesforceServer::admin`] handle drives run-time events (session expiry, quota exhaustion,
//! lead conversion, merges, record locks, faults) and reads records back for assertions.
//!
//! # Layout
//! - Data: [`ids`] (ids and their checksum), [`time`] (clock and formats), [`value`] (field
//!   values), [`schema`] (objects and fields), [`state`] (tables and indexes), [`load`]
//!   (scenario → org), [`derive`] (computed fields and history rows), [`dml`] (validated
//!   writes), [`convert`] (lead conversion and merges).
//! - SOQL: [`soql`] (lexer, parser, resolver, evaluator, access paths).
//! - HTTP: [`routes`] (the surface and its layers), [`gate`] (version, session, quota),
//!   [`oauth`] (token endpoint), [`sessions`], [`limits`], [`query`] and [`cursors`],
//!   [`sobjects`], [`describe`], [`collections`], [`replication`] (deleted/updated),
//!   [`versions`], [`render`], [`errors`], [`tls`], [`admin`] (`/__sim/` and the Rust handle).
//!
//! **Invariant:** the simulator shares no code with closedloop's connectors; it is an
//! independent oracle of Salesforce's behaviour.

pub mod admin;
pub mod collections;
pub mod convert;
pub mod cursors;
pub mod derive;
pub mod describe;
pub mod dml;
pub mod errors;
pub mod gate;
pub mod ids;
pub mod limits;
pub mod load;
pub mod oauth;
pub mod query;
pub mod render;
pub mod replication;
pub mod routes;
pub mod schema;
pub mod sessions;
pub mod shared;
pub mod sobjects;
pub mod soql;
pub mod state;
pub mod time;
pub mod tls;
pub mod value;
pub mod versions;

pub use admin::{AdminError, SalesforceAdmin};
pub use convert::{ConvertRequest, ConvertResult, MergeRequest};
pub use errors::SimError;
pub use load::LoadReport;

use crate::faults::{FaultConfig, FaultState, Stats};
use crate::scenario::Scenario;
use axum::ServiceExt;
use axum::extract::Request;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower::ServiceBuilder;

/// A running Salesforce simulator.
pub struct SalesforceServer {
    admin: SalesforceAdmin,
    base_url: String,
    report: LoadReport,
    http: JoinHandle<()>,
    shutdown: CancellationToken,
    tls: Option<TlsServing>,
}

struct TlsServing {
    base_url: String,
    cert: tls::CertFile,
    handle: axum_server::Handle<SocketAddr>,
    task: JoinHandle<()>,
}

/// Loads `scenario` and serves it on `addr` (plain HTTP) and, with `tls_addr`, over TLS too.
/// Use port 0 for a free port; the bound addresses are in [`SalesforceServer::base_url`] and
/// [`SalesforceServer::tls_base_url`].
pub async fn start(
    scenario: &Scenario,
    addr: SocketAddr,
    tls_addr: Option<SocketAddr>,
) -> Result<SalesforceServer, SimError> {
    let clock = time::Clock::default();
    let now = clock.now_ms();
    let (org, report) = load::build(scenario, now)?;
    tracing::info!(records = ?report.records, values_dropped = report.values_dropped, skipped = report.skipped, "salesforce simulator loaded");
    let settings = scenario.salesforce.clone();
    let sessions = sessions::Sessions::new(settings.token_ttl_secs);
    if !settings.access_token.is_empty() {
        sessions.insert(&settings.access_token, now);
    }
    let shared = Arc::new(shared::Shared {
        org: RwLock::new(org),
        clock,
        sessions,
        quota: limits::Quota::new(settings.daily_limit),
        cursors: Mutex::new(cursors::Cursors::default()),
        faults: FaultState::new(scenario.faults.clone(), Arc::new(errors::render_fault)),
        settings,
    });
    let admin = SalesforceAdmin::new(Arc::clone(&shared));

    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let base_url = format!("http://{local}");
    let service = ServiceBuilder::new()
        .map_request(routes::trim_trailing_slash)
        .service(routes::app(Arc::clone(&shared), admin.clone(), base_url.clone()));
    let shutdown = CancellationToken::new();
    let stop = shutdown.clone();
    let http = tokio::spawn(async move {
        let serving = axum::serve(listener, ServiceExt::<Request>::into_make_service(service))
            .with_graceful_shutdown(stop.cancelled_owned());
        if let Err(e) = serving.await {
            tracing::error!(error = %e, "salesforce simulator stopped");
        }
    });

    let tls = match tls_addr {
        Some(tls_addr) => Some(serve_tls(&shared, &admin, tls_addr).await?),
        None => None,
    };
    tracing::info!(url = %base_url, tls_url = ?tls.as_ref().map(|t| &t.base_url), "salesforce simulator listening");
    Ok(SalesforceServer {
        admin,
        base_url,
        report,
        http,
        shutdown,
        tls,
    })
}

async fn serve_tls(
    shared: &Arc<shared::Shared>,
    admin: &SalesforceAdmin,
    addr: SocketAddr,
) -> Result<TlsServing, SimError> {
    let material = tls::make()?;
    let listener = std::net::TcpListener::bind(addr).map_err(|source| SimError::Bind { addr, source })?;
    listener
        .set_nonblocking(true)
        .map_err(|source| SimError::Bind { addr, source })?;
    let local = listener
        .local_addr()
        .map_err(|source| SimError::Bind { addr, source })?;
    let cert = tls::CertFile::write(&material.ca_pem, local.port())?;
    let config =
        axum_server::tls_rustls::RustlsConfig::from_pem(material.chain_pem.into_bytes(), material.key_pem.into_bytes())
            .await
            .map_err(|e| SimError::Tls(e.to_string()))?;
    let base_url = format!("https://{local}");
    let service = ServiceBuilder::new()
        .map_request(routes::trim_trailing_slash)
        .service(routes::app(Arc::clone(shared), admin.clone(), base_url.clone()));
    let handle = axum_server::Handle::new();
    let server = axum_server::from_tcp_rustls(listener, config)
        .map_err(|source| SimError::Bind { addr, source })?
        .handle(handle.clone());
    let task = tokio::spawn(async move {
        if let Err(e) = server
            .serve(ServiceExt::<axum::http::Request<_>>::into_make_service(service))
            .await
        {
            tracing::error!(error = %e, "salesforce tls listener stopped");
        }
    });
    Ok(TlsServing {
        base_url,
        cert,
        handle,
        task,
    })
}

impl SalesforceServer {
    /// `http://127.0.0.1:PORT`: the instance URL for plain-HTTP clients.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// `https://127.0.0.1:PORT`, when serving TLS.
    pub fn tls_base_url(&self) -> Option<&str> {
        self.tls.as_ref().map(|t| t.base_url.as_str())
    }

    /// The PEM file of the certificate authority that signed the TLS listener's certificate
    /// (trust it to verify the listener).
    pub fn cert_pem_path(&self) -> Option<&Path> {
        self.tls.as_ref().map(|t| t.cert.path())
    }

    /// The session id valid from the start (the scenario's `access_token`).
    pub fn access_token(&self) -> String {
        self.admin.access_token()
    }

    /// Controls and record access.
    pub fn admin(&self) -> &SalesforceAdmin {
        &self.admin
    }

    /// What loading the scenario produced.
    pub fn load_report(&self) -> &LoadReport {
        &self.report
    }

    /// Ends every session (see [`SalesforceAdmin::expire_sessions`]).
    pub fn expire_sessions(&self) {
        self.admin.expire_sessions();
    }

    /// Spends the daily API allocation.
    pub fn exhaust_daily_quota(&self) {
        self.admin.exhaust_daily_quota();
    }

    /// Resets API usage.
    pub fn restore_daily_quota(&self) {
        self.admin.restore_daily_quota();
    }

    /// Replaces the fault configuration.
    pub fn set_faults(&self, config: FaultConfig) {
        self.admin.set_faults(config);
    }

    /// Request counters.
    pub fn stats(&self) -> Stats {
        self.admin.stats()
    }

    /// Converts a lead.
    pub fn convert_lead(&self, request: &ConvertRequest) -> Result<ConvertResult, AdminError> {
        self.admin.convert_lead(request)
    }

    /// Stops serving: in-flight requests get a moment to finish, then connections are dropped.
    pub async fn shutdown(self) {
        self.shutdown.cancel();
        if let Some(tls) = &self.tls {
            tls.handle.graceful_shutdown(Some(Duration::from_secs(1)));
        }
        // A request held by an injected timeout fault must not hold shutdown hostage.
        let grace = Duration::from_secs(2);
        let mut tasks = vec![self.http];
        tasks.extend(self.tls.map(|t| t.task));
        for task in tasks {
            let abort = task.abort_handle();
            if tokio::time::timeout(grace, task).await.is_err() {
                abort.abort();
            }
        }
    }
}
