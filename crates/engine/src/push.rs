//! Driving one push target: take due outbox items, send them in batches, record each outcome.
//!
//! State: none of its own; the outbox lives in the store. An item is completed only after the
//! target confirmed it, so a kill between sending and recording re-sends it on the next pass —
//! harmless, because updates are idempotent and creates are upserts keyed by the item's
//! idempotency key. Retriable failures back off exponentially; permanent ones and those past the
//! attempt limit become dead letters with the target's message.

use crate::error::EngineError;
use chrono::Utc;
use closedloop_core::sync::{ErrorDisposition, PushItem, PushOutcome, PushTarget, SyncError};
use closedloop_store::Store;
use serde::Serialize;
use std::collections::HashSet;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

/// How pushes behave.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Attempts before an item becomes a dead letter.
    pub max_attempts: u32,
    /// Delay before the first retry; doubled on each attempt, capped at a day.
    pub retry_base: Duration,
}

/// What one push pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct PushSummary {
    /// The target system.
    pub target: String,
    /// API calls made (batches sent).
    pub calls: u64,
    /// Items written.
    pub written: u64,
    /// Records created among them.
    pub created: u64,
    /// Items that failed and will be retried.
    pub retrying: u64,
    /// Items given up (dead letters).
    pub dead: u64,
}

/// The delay before retry number `attempt` (1-based).
pub fn retry_delay(base: Duration, attempt: u32) -> Duration {
    let factor = 2u32.saturating_pow(attempt.saturating_sub(1).min(16));
    base.saturating_mul(factor).min(Duration::from_secs(86_400))
}

/// Sends every due item to `target` until none is left, `cancel` fires, or the target fails as a whole.
pub async fn push_target<T: PushTarget>(
    store: &Store,
    target: &T,
    settings: &PushSettings,
    cancel: &CancellationToken,
) -> Result<PushSummary, EngineError> {
    let system = target.system();
    let mut summary = PushSummary {
        target: system.to_string(),
        ..PushSummary::default()
    };
    let batch = target.max_batch().max(1);
    let mut seen: HashSet<i64> = HashSet::new();
    loop {
        if cancel.is_cancelled() {
            return Ok(summary);
        }
        let limit = i64::try_from(batch).unwrap_or(i64::MAX);
        let items: Vec<PushItem> = store
            .due_pushes(system, Utc::now(), limit)
            .await?
            .into_iter()
            .filter(|i| seen.insert(i.id))
            .collect();
        if items.is_empty() {
            return Ok(summary);
        }
        summary.calls += 1;
        match target.push(&items).await {
            Ok(outcomes) => record_outcomes(store, &items, &outcomes, settings, &mut summary).await?,
            Err(e) => {
                let error = EngineError::connector(system.as_str(), &e);
                tracing::warn!(target = %system, error = %e, "push batch failed");
                if matches!(e.disposition(), ErrorDisposition::QuotaExhausted { .. }) {
                    // Nothing was written; the items stay due and go out when the quota is back.
                    return Err(error);
                }
                for item in &items {
                    let attempt = u32::try_from(item.attempts + 1).unwrap_or(u32::MAX);
                    let retry_at = Utc::now() + retry_delay(settings.retry_base, attempt);
                    store
                        .fail_push(
                            item.id,
                            &e.to_string(),
                            Some(retry_at),
                            i64::from(settings.max_attempts),
                        )
                        .await?;
                    summary.retrying += 1;
                }
                return Err(error);
            }
        }
    }
}

async fn record_outcomes(
    store: &Store,
    items: &[PushItem],
    outcomes: &[PushOutcome],
    settings: &PushSettings,
    summary: &mut PushSummary,
) -> Result<(), EngineError> {
    let target = items.first().map(|i| i.target.to_string()).unwrap_or_default();
    for (i, item) in items.iter().enumerate() {
        match outcomes.get(i) {
            Some(PushOutcome::Written { created_id }) => {
                store
                    .complete_push(item.id, &item.fields, created_id.as_deref())
                    .await?;
                summary.written += 1;
                summary.created += u64::from(created_id.is_some());
                metrics::counter!("closedloop_records_pushed_total", "target" => target.clone()).increment(1);
            }
            Some(PushOutcome::Failed { message, retriable }) => {
                let attempt = u32::try_from(item.attempts + 1).unwrap_or(u32::MAX);
                let gives_up = !retriable || attempt >= settings.max_attempts;
                let retry_at = (!gives_up).then(|| Utc::now() + retry_delay(settings.retry_base, attempt));
                store
                    .fail_push(item.id, message, retry_at, i64::from(settings.max_attempts))
                    .await?;
                if gives_up {
                    summary.dead += 1;
                    tracing::warn!(target = %target, item = item.id, error = %message, "push given up");
                } else {
                    summary.retrying += 1;
                }
                metrics::counter!("closedloop_records_push_failed_total", "target" => target.clone()).increment(1);
            }
            None => {
                // A connector that returns fewer outcomes than items is a bug; never count it written.
                store
                    .fail_push(
                        item.id,
                        "the connector returned no outcome for this item",
                        Some(Utc::now()),
                        i64::from(settings.max_attempts),
                    )
                    .await?;
                summary.retrying += 1;
            }
        }
    }
    Ok(())
}

/// What a push pass would send, without sending: `backfill --dry-run` and `run` with `sync.dry_run`.
pub async fn plan(store: &Store, target: closedloop_core::System) -> Result<Vec<PushItem>, EngineError> {
    Ok(store.due_pushes(target, Utc::now(), i64::MAX).await?)
}
