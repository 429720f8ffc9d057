//! Reconcile's metrics (specified in `docs/metrics.md`, engine section).
//!
//! Holds no state; records through the `metrics` facade.

use super::summary::ReconcileSummary;
use std::time::Duration;

/// People reconciled.
pub const PEOPLE_TOTAL: &str = "closedloop_reconcile_people_total";
/// Duration of one reconcile run.
pub const DURATION_SECONDS: &str = "closedloop_reconcile_duration_seconds";
/// Outbox rows added or given new values, by target.
pub const OUTBOX_ENQUEUED_TOTAL: &str = "closedloop_outbox_enqueued_total";

/// Registers the metrics' descriptions; call once after installing the recorder.
pub fn describe_metrics() {
    metrics::describe_counter!(PEOPLE_TOTAL, metrics::Unit::Count, "People reconciled.");
    metrics::describe_histogram!(
        DURATION_SECONDS,
        metrics::Unit::Seconds,
        "Duration of one reconcile run, from taking the first batch to committing the last."
    );
    metrics::describe_counter!(
        OUTBOX_ENQUEUED_TOTAL,
        metrics::Unit::Count,
        "Outbox rows reconcile added or gave new values, by target system."
    );
}

/// Records one batch's figures.
pub(super) fn batch_done(people: u64, enqueued: &std::collections::BTreeMap<closedloop_core::System, u64>) {
    metrics::counter!(PEOPLE_TOTAL).increment(people);
    for (target, n) in enqueued {
        metrics::counter!(OUTBOX_ENQUEUED_TOTAL, "target" => target.as_str()).increment(*n);
    }
}

/// Records one run's duration.
pub(super) fn run_done(elapsed: Duration, summary: &ReconcileSummary) {
    metrics::histogram!(DURATION_SECONDS).record(elapsed.as_secs_f64());
    tracing::info!(
        batches = summary.batches,
        records = summary.records,
        people = summary.people,
        new_people = summary.new_people,
        merges = summary.merges,
        duplicates = summary.duplicates,
        conversions = summary.conversions,
        shared_deals = summary.shared_deals,
        gate_skipped = summary.gate_skipped,
        enqueued = summary.enqueued_total(),
        withdrawn = summary.withdrawn,
        elapsed_ms = elapsed.as_millis() as u64,
        "reconcile finished"
    );
}
