//! closedloop as a service: everything an operator installs and lives with around the engine.
//!
//! # Layout
//! - [`webhook`] — HubSpot signature v3 verification and delivery parsing.
//! - [`http`] — the listener: `/healthz`, `/readyz`, `/metrics`, `/report`, the webhook.
//! - [`notify`] — systemd READY / STATUS / WATCHDOG / STOPPING.
//! - [`telemetry`] — the Prometheus recorder and the gauges mirrored from the store.
//! - [`daemon`] — `closedloop run`: listener, signals, bounded shutdown, watchdog from the loop.
//! - [`backfill`] — `closedloop backfill`: progress display and the dry-run plan.
//! - [`error`] — `ServiceError`.

#![warn(missing_docs)]

pub mod backfill;
pub mod daemon;
pub mod error;
pub mod http;
pub mod notify;
pub mod telemetry;
pub mod webhook;

pub use error::ServiceError;
