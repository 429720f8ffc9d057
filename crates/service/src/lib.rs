//! closedloop as a service: everything an operator installs and lives with around the engine.
//!
//! # Layout
//! - [`webhook`] — HubSpot signature v3 verification and delivery parsing.
//! - [`http`] — the listener: `/healthz`, `/readyz`, `/metrics`, `/report`, the webhook.
//! - [`notify`] — systemd READY / STATUS / WATCHDOG / STOPPING.
//! - [`telemetry`] — the Prometheus recorder and the gauges mirrored from the store.
//! - [`daemon`] — `closedloop run`: listener, signals, bounded shutdown, watchdog from the loop.
//! - [`backfill`] — `closedloop backfill`: progress display and the dry-run plan.
//! - [`assemble`] — config → a ready `Engine` (store, connectors, settings), shared by run, backfill and demo.
//! - [`wiring`] — config → connectors, streams with schedules, targets, quota sources, webhook.
//! - [`reconcile_step`] — the reconcile phase bound to the configured rules.
//! - [`report_source`] — `/report`, rendered from the store on request.
//! - [`sim_config`] — a config pointing at running simulators (`sim --write-config`, `demo`, tests).
//! - [`error`] — `ServiceError`.

#![warn(missing_docs)]

pub mod assemble;
pub mod backfill;
pub mod daemon;
pub mod error;
pub mod http;
pub mod notify;
pub mod reconcile_step;
pub mod report_source;
pub mod sim_config;
pub mod telemetry;
pub mod webhook;
pub mod wiring;

pub use error::ServiceError;
