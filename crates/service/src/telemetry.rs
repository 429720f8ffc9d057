//! The Prometheus recorder and the gauges read from the store.
//!
//! State: the process-wide metrics recorder (installed once). Counters are incremented where
//! things happen (outbound calls, pages, pushes); the gauges here are refreshed from the store's
//! status snapshot after each daemon turn, because the store, not memory, is the truth.

use closedloop_store::StatusReport;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the Prometheus recorder once per process and returns its handle.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(handle) => handle,
            // Another recorder is installed (a test harness): render our own, empty.
            Err(_) => PrometheusBuilder::new().build_recorder().handle(),
        })
        .clone()
}

/// Refreshes the gauges that mirror the store: outbox backlog, quarantine, dirty queue, people,
/// last success per stream. (Quota gauges come live from the outbound path.)
pub fn record_status(status: &StatusReport) {
    for o in &status.outbox {
        metrics::gauge!("closedloop_outbox_items", "target" => o.target.clone(), "object" => o.object.clone(), "state" => o.state.clone())
            .set(o.count as f64);
    }
    metrics::gauge!("closedloop_quarantine_open_items").set(status.quarantine_open as f64);
    metrics::gauge!("closedloop_reconcile_dirty_records").set(status.dirty_records as f64);
    metrics::gauge!("closedloop_people").set(status.persons as f64);
    for s in &status.streams {
        if let Some(at) = s.last_success_at {
            metrics::gauge!("closedloop_stream_last_success_timestamp_seconds", "stream" => s.stream.clone())
                .set(at.timestamp() as f64);
        }
    }
}
