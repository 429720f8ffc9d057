//! `closedloop run`: the daemon around the engine loop — listener, systemd notification, signals,
//! a bounded shutdown, gauges and quota figures mirrored into the store.
//!
//! State: the engine (owned), the HTTP state shared with the listener, a cancellation token.
//! Shutdown: SIGTERM/SIGINT cancels the token; the engine stops at its next safe point (between
//! pages, reconcile batches or push batches); if that takes longer than `shutdown_grace_secs`, the
//! process exits anyway — safe, because every write is a transaction.

use crate::http::{self, HttpState, ReportSource, WebhookSettings};
use crate::{ServiceError, notify, telemetry};
use closedloop_config::LoadedConfig;
use closedloop_engine::Engine;
use closedloop_store::QuotaSnapshot;
use std::sync::atomic::Ordering;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// Something that knows current API quota figures (a connector's outbound client).
pub trait QuotaSource: Send + Sync {
    /// The current figures, one per bucket.
    fn snapshots(&self) -> Vec<QuotaSnapshot>;
}

/// Everything the daemon runs, built by the wiring from the config.
pub struct DaemonParts {
    /// The engine with its streams, reconcile step and targets.
    pub engine: Engine,
    /// The HubSpot webhook, when configured.
    pub webhook: Option<WebhookSettings>,
    /// The `/report` renderer.
    pub report: Option<Box<dyn ReportSource>>,
    /// Where quota figures come from.
    pub quotas: Vec<Box<dyn QuotaSource>>,
}

/// Records the connectors' quota figures in the store, for `closedloop status`.
pub async fn record_quotas(store: &closedloop_store::Store, quotas: &[Box<dyn QuotaSource>]) {
    for q in quotas.iter().flat_map(|q| q.snapshots()) {
        if let Err(e) = store.record_quota(&q).await {
            tracing::debug!(error = %e, "cannot record quota figures");
        }
    }
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

/// Runs the daemon until a signal.
pub async fn run(config: &LoadedConfig, parts: DaemonParts) -> Result<(), ServiceError> {
    let DaemonParts {
        mut engine,
        webhook,
        report,
        quotas,
    } = parts;
    let service = &config.config.service;
    let metrics = telemetry::install();
    let listener = tokio::net::TcpListener::bind(&service.listen_addr)
        .await
        .map_err(|e| ServiceError::Listen {
            addr: service.listen_addr.clone(),
            source: e,
        })?;
    let bound = listener.local_addr().map(|a| a.to_string()).unwrap_or_default();
    let (triggers_tx, mut triggers) = tokio::sync::mpsc::channel(64);
    let state = Arc::new(HttpState {
        ready: false.into(),
        last_cycle: RwLock::new(None),
        metrics,
        report,
        webhook,
        triggers: triggers_tx,
    });
    let cancel = CancellationToken::new();
    let listener_stop = CancellationToken::new();
    let server = tokio::spawn(http::serve(listener, state.clone(), listener_stop.clone()));

    let abandoned = engine.store.close_abandoned_runs().await?;
    if abandoned > 0 {
        tracing::warn!(
            runs = abandoned,
            "a previous process stopped mid-run; its work resumes from the stored cursors"
        );
    }
    let streams: Vec<String> = engine.streams.iter().map(|s| s.stream.name().to_string()).collect();
    tracing::info!(listen = %bound, streams = ?streams, database = %engine.store.path().display(), "closedloop is running");
    state.ready.store(true, Ordering::SeqCst);
    notify::ready(&format!("running: {} streams, listening on {bound}", streams.len()));

    // Signals: stop at a safe point, but never take longer than the grace period.
    let grace = Duration::from_secs(service.shutdown_grace_secs);
    let signal_cancel = cancel.clone();
    let signal_state = state.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!(
            grace_secs = grace.as_secs(),
            "signal received: stopping at the next safe point"
        );
        notify::stopping();
        signal_state.ready.store(false, Ordering::SeqCst);
        signal_cancel.cancel();
        tokio::time::sleep(grace).await;
        tracing::error!("shutdown took longer than shutdown_grace_secs: exiting now (all writes are transactional)");
        std::process::exit(1);
    });

    // Gauges and quota figures, from the store (the truth) rather than from memory.
    let gauge_store = engine.store.clone();
    let gauge_cancel = cancel.clone();
    let quotas = Arc::new(quotas);
    let gauge_quotas = quotas.clone();
    let gauges = tokio::spawn(async move {
        loop {
            record_quotas(&gauge_store, &gauge_quotas).await;
            if let Ok(status) = gauge_store.status(50).await {
                telemetry::record_status(&status);
            }
            tokio::select! {
                _ = gauge_cancel.cancelled() => return,
                _ = tokio::time::sleep(Duration::from_secs(15)) => {}
            }
        }
    });

    let tick_state = state.clone();
    let mut tick = move |report: &closedloop_engine::CycleReport| {
        // The watchdog is pinged from the engine loop itself: a stuck loop stops pinging.
        notify::watchdog();
        if !report.streams.is_empty() || report.reconcile.is_some() {
            let line = report.summary_line();
            notify::status(&line);
            if let Ok(mut last) = tick_state.last_cycle.write() {
                *last = Some((line, report.has_errors()));
            }
        }
    };
    let tick_every = notify::tick_interval(Duration::from_secs(service.watchdog_secs));
    engine.run_daemon(&cancel, &mut triggers, &mut tick, tick_every).await;

    tracing::info!("engine stopped at a safe point");
    let _ = gauges.await;
    record_quotas(&engine.store, &quotas).await;
    listener_stop.cancel();
    let _ = server.await;
    engine.store.close().await;
    tracing::info!("closedloop stopped");
    Ok(())
}
