//! The engine's reconcile phase, bound to the configured rules.
//!
//! Holds the rules. Each run drains the dirty queue in batches (see `closedloop_engine::reconcile`),
//! stopping between batches when cancelled.

use closedloop_core::rules::ReconcileRules;
use closedloop_engine::{EngineError, ReconcileReport, ReconcileStep};
use closedloop_store::Store;
use futures::future::BoxFuture;
use tokio_util::sync::CancellationToken;

/// Reconcile with the config's rules.
pub struct RulesReconcile {
    /// The rules.
    pub rules: ReconcileRules,
}

impl ReconcileStep for RulesReconcile {
    fn run<'a>(
        &'a self,
        store: &'a Store,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ReconcileReport, EngineError>> {
        Box::pin(async move {
            // The default batch keeps each transaction well under the store's busy timeout.
            let options = closedloop_engine::reconcile::RunOptions::default();
            let summary =
                closedloop_engine::reconcile::run_with(store, &self.rules, chrono::Utc::now(), &options, cancel)
                    .await?;
            Ok(ReconcileReport {
                people: summary.people,
                enqueued: summary.enqueued_total(),
                detail: serde_json::to_value(&summary).unwrap_or_default(),
            })
        })
    }
}
