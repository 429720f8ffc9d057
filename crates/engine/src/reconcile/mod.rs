//! Reconcile: turns the people whose facts changed into identity links, milestones, attribution
//! credits and outbox writes.
//!
//! State: none of its own; the queue (`dirty_records`), the results and the outbox live in the
//! store. A run takes the queue batch by batch ([`batch`]); each batch is one store transaction
//! that resolves identity over the closed set of records the batch's records can join, loads those
//! people's facts with a fixed number of queries, runs the core's pure reconcile per person,
//! credits deals shared by several people once ([`deals`]), replaces the people's results and
//! pending writes, and removes the processed records from the queue. A kill mid-run redoes at most
//! the batch in flight; a second run with nothing queued writes nothing.
//!
//! Incremental: only people with a queued record (and the people those records join) are
//! recomputed. Two things queue people without a new fact: [`run`] first queues people whose
//! contact SLA was pending and whose deadline has passed (the status is pushed, and would
//! otherwise stay "pending"), and [`run_all`] queues everyone, for a rules change.
//!
//! # Layout
//! - [`batch`]: one batch, end to end.
//! - [`deals`]: deals shared by several people, credited once over all their touches.
//! - [`intents`]: a person's planned field writes as outbox intents (Lead creates included).
//! - [`summary`]: `ReconcileSummary`, `PhaseTimings`.
//! - [`telemetry`]: metric names and descriptions.

mod batch;
mod deals;
mod intents;
pub mod summary;
pub mod telemetry;

pub use summary::{PhaseTimings, ReconcileSummary};

use crate::error::EngineError;
use closedloop_core::Timestamp;
use closedloop_core::rules::ReconcileRules;
use closedloop_store::Store;
use std::time::Instant;
use tokio_util::sync::CancellationToken;
use tracing::Instrument;

/// How a run proceeds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RunOptions {
    /// Dirty records per batch (the identity closure may add more). Each batch holds the
    /// database's write lock while it runs, so page commits wait for it: keep a batch well under
    /// the store's busy timeout.
    pub batch_size: usize,
    /// Stop after this many batches (the rest stays queued for the next run).
    pub max_batches: Option<u64>,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            batch_size: DEFAULT_BATCH_SIZE,
            max_batches: None,
        }
    }
}

/// Dirty records per batch by default: a few hundred milliseconds of work per transaction.
pub const DEFAULT_BATCH_SIZE: usize = 1_000;

/// Reconciles everything queued, `batch_size` records per batch, at `now` (the time the SLA is
/// evaluated at and results are stamped with).
pub async fn run(
    store: &Store,
    rules: &ReconcileRules,
    now: Timestamp,
    batch_size: usize,
) -> Result<ReconcileSummary, EngineError> {
    let options = RunOptions {
        batch_size,
        max_batches: None,
    };
    run_with(store, rules, now, &options, &CancellationToken::new()).await
}

/// Queues every person and reconciles them all: the full recompute after a rules change.
pub async fn run_all(
    store: &Store,
    rules: &ReconcileRules,
    now: Timestamp,
    batch_size: usize,
) -> Result<ReconcileSummary, EngineError> {
    let queued = store.mark_all_dirty().await?;
    tracing::info!(queued, "full recompute queued");
    run(store, rules, now, batch_size).await
}

/// Reconciles what is queued until the queue is empty, `options.max_batches` batches were
/// committed, or `cancel` fires (checked between batches: a batch is never left half-done).
pub async fn run_with(
    store: &Store,
    rules: &ReconcileRules,
    now: Timestamp,
    options: &RunOptions,
    cancel: &CancellationToken,
) -> Result<ReconcileSummary, EngineError> {
    let span = tracing::info_span!("reconcile", batch_size = options.batch_size, now = %now);
    async {
        let started = Instant::now();
        let mut summary = ReconcileSummary {
            sla_rechecks: store.mark_sla_due_dirty(now).await?,
            ..ReconcileSummary::default()
        };
        let batch_size = options.batch_size.max(1);
        loop {
            if cancel.is_cancelled() || options.max_batches.is_some_and(|m| summary.batches >= m) {
                break;
            }
            let batch_span = tracing::debug_span!("reconcile_batch", batch = summary.batches + 1);
            if !batch::run_batch(store, rules, now, batch_size, &mut summary)
                .instrument(batch_span)
                .await?
            {
                break;
            }
        }
        telemetry::run_done(started.elapsed(), &summary);
        Ok(summary)
    }
    .instrument(span)
    .await
}
