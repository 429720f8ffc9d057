//! Putting the engine together from a config: store, connectors, streams, targets, settings.
//!
//! Holds no state. Shared by `run`, `backfill` and `demo`, so they can never disagree on how a
//! config becomes a running engine.

use crate::ServiceError;
use crate::daemon::{DaemonParts, QuotaSource};
use crate::http::ReportSource;
use crate::wiring;
use closedloop_config::LoadedConfig;
use closedloop_engine::push::PushSettings;
use closedloop_engine::{Engine, ReconcileStep};
use closedloop_store::Store;
use std::time::Duration;

/// Pages one stream may pull per daemon turn before the loop comes back (watchdog, signals, other streams).
const MAX_PAGES_PER_TURN: u64 = 20;

/// The engine and what the daemon needs around it.
pub struct Assembled {
    /// The engine.
    pub engine: Engine,
    /// The HubSpot webhook, when configured.
    pub webhook: Option<crate::http::WebhookSettings>,
    /// Quota sources of each connector.
    pub quotas: Vec<Box<dyn QuotaSource>>,
    /// The connectors (for probes).
    pub connectors: wiring::Connectors,
}

impl Assembled {
    /// The daemon's parts, with an optional `/report` renderer.
    pub fn into_daemon(self, report: Option<Box<dyn ReportSource>>) -> DaemonParts {
        DaemonParts {
            engine: self.engine,
            webhook: self.webhook,
            report,
            quotas: self.quotas,
        }
    }
}

/// Opens the store (migrating it) and builds the engine the config describes.
pub async fn assemble(loaded: &LoadedConfig, reconcile: Box<dyn ReconcileStep>) -> Result<Assembled, ServiceError> {
    let connectors = wiring::connectors(loaded)?;
    let wired = wiring::wire(loaded, &connectors)?;
    let store = Store::open(&loaded.database_path()).await?;
    let sync = &loaded.config.sync;
    let engine = Engine {
        store,
        streams: wired.streams,
        reconcile,
        targets: wired.targets,
        push: PushSettings {
            max_attempts: sync.push_max_attempts,
            retry_base: Duration::from_secs(sync.push_retry_secs),
        },
        push_interval: Duration::from_secs(sync.push_interval_secs),
        dry_run: sync.dry_run,
        max_pages_per_turn: MAX_PAGES_PER_TURN,
    };
    Ok(Assembled {
        engine,
        webhook: wired.webhook,
        quotas: wired.quotas,
        connectors,
    })
}
