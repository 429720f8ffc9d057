//! closedloop as a service: everything an operator installs and lives with around the engine.
//!
//! # Layout
//! - [`webhook`] — HubSpot signature v3 verification and delivery parsing.
//! - [`http`] — the listener: `/healthz`, `/readyz`, `/metrics`, `/report`, the webhook.
//! - [`notify`] — systemd READY / STATUS / WATCHDOG / STOPPING.
//! - [`telemetry`] — the Prometheus recorder and the gauges mirrored from the store.

#![warn(missing_docs)]

pub mod http;
pub mod notify;
pub mod telemetry;
pub mod webhook;
