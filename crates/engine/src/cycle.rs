//! One sync cycle and the daemon loop: pull due streams, reconcile what changed, push the outbox.
//!
//! State: the engine owns its streams (with their schedules) and targets; positions and queues
//! live in the store. Streams of one system run one after another (they share that system's
//! quota); different systems run concurrently. Every phase stops only at a safe point when the
//! cancellation token fires: between pages, between reconcile batches, between push batches.

use crate::dynamic::{DynStream, DynTarget};
use crate::error::EngineError;
use crate::pull::{NoObserver, PageObserver, StreamOutcome};
use crate::push::{PushSettings, PushSummary};
use closedloop_core::Timestamp;
use closedloop_core::sync::{ErrorDisposition, PullMode};
use closedloop_store::Store;
use futures::future::BoxFuture;
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// What reconcile reports back to the cycle.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ReconcileReport {
    /// People recomputed.
    pub people: u64,
    /// Writes enqueued into the outbox.
    pub enqueued: u64,
    /// The full summary, as reconcile reports it.
    pub detail: serde_json::Value,
}

/// The reconcile phase, as the cycle calls it.
pub trait ReconcileStep: Send + Sync {
    /// Processes the dirty queue (all of it, or until `cancel` fires between batches).
    fn run<'a>(
        &'a self,
        store: &'a Store,
        cancel: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ReconcileReport, EngineError>>;
}

/// A stream with its schedule.
pub struct Scheduled {
    /// The stream.
    pub stream: Box<dyn DynStream>,
    /// The system it reads (streams of one system run sequentially).
    pub system: String,
    /// Seconds between incremental pulls.
    pub interval: Duration,
    /// When it is next due.
    pub next_due: Instant,
    /// Set while a daily quota is spent: why the stream waits.
    pub waiting_for_quota: Option<Option<Timestamp>>,
}

/// The outcome of one stream in a cycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum StreamResult {
    /// Pulled (possibly not to the end, if stopped or bounded).
    Pulled(StreamOutcome),
    /// Failed; the message and what it means.
    Failed {
        /// The stream.
        stream: String,
        /// The error.
        error: String,
        /// `transient`, `quota_exhausted`, `needs_attention`, `store`.
        kind: String,
    },
}

/// What one cycle did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct CycleReport {
    /// Every stream that ran.
    pub streams: Vec<StreamResult>,
    /// Reconcile, when it ran.
    pub reconcile: Option<ReconcileReport>,
    /// Pushes, per target.
    pub pushes: Vec<PushSummary>,
    /// Errors of reconcile and push phases.
    pub errors: Vec<String>,
    /// Push phases stopped because a target's daily API quota is spent: not a failure (the
    /// writes stay queued and go out when the quota returns), but worth saying.
    pub quota_exhausted: Vec<String>,
    /// Wall time of the cycle.
    pub seconds: f64,
}

impl CycleReport {
    /// Records pulled in all.
    pub fn records_pulled(&self) -> u64 {
        self.streams
            .iter()
            .map(|s| match s {
                StreamResult::Pulled(o) => o.written + o.unchanged,
                StreamResult::Failed { .. } => 0,
            })
            .sum()
    }

    /// True when any stream failed other than by a spent quota, or a phase failed.
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty()
            || self
                .streams
                .iter()
                .any(|s| matches!(s, StreamResult::Failed { kind, .. } if kind != "quota_exhausted"))
    }

    /// A one-line summary for logs and systemd's STATUS.
    pub fn summary_line(&self) -> String {
        let failed = self
            .streams
            .iter()
            .filter(|s| matches!(s, StreamResult::Failed { .. }))
            .count();
        let pushed: u64 = self.pushes.iter().map(|p| p.written).sum();
        format!(
            "pulled {} records from {} streams ({} failed), reconciled {} people, pushed {} writes, {:.1}s",
            self.records_pulled(),
            self.streams.len(),
            failed,
            self.reconcile.as_ref().map(|r| r.people).unwrap_or(0),
            pushed,
            self.seconds
        )
    }
}

/// The engine: streams, reconcile, targets and settings.
pub struct Engine {
    /// The store.
    pub store: Store,
    /// Streams with their schedules.
    pub streams: Vec<Scheduled>,
    /// The reconcile phase.
    pub reconcile: Box<dyn ReconcileStep>,
    /// Push targets.
    pub targets: Vec<Box<dyn DynTarget>>,
    /// Push behaviour.
    pub push: PushSettings,
    /// Seconds between push passes in the daemon.
    pub push_interval: Duration,
    /// Compute and enqueue, but push nothing.
    pub dry_run: bool,
    /// Pages one stream may pull per daemon iteration, so the loop returns often (watchdog, signals).
    pub max_pages_per_turn: u64,
}

fn disposition_kind(e: &EngineError) -> String {
    match e {
        EngineError::Store(_) => "store".into(),
        EngineError::Connector { disposition, .. } => match disposition {
            ErrorDisposition::Transient => "transient".into(),
            ErrorDisposition::QuotaExhausted { .. } => "quota_exhausted".into(),
            ErrorDisposition::NeedsAttention => "needs_attention".into(),
        },
    }
}

impl Engine {
    /// Pulls the streams at `indices` (all due ones), grouped by system, systems concurrently.
    async fn pull(
        &mut self,
        indices: &[usize],
        mode: PullMode,
        max_pages: Option<u64>,
        cancel: &CancellationToken,
        observer: &dyn PageObserver,
    ) -> Vec<(usize, Result<StreamOutcome, EngineError>)> {
        let mut by_system: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for &i in indices {
            by_system.entry(self.streams[i].system.as_str()).or_default().push(i);
        }
        let store = &self.store;
        let streams = &self.streams;
        let groups = by_system.into_values().map(|group| async move {
            let mut results = Vec::new();
            for i in group {
                if cancel.is_cancelled() {
                    break;
                }
                let r = streams[i].stream.drive(store, mode, max_pages, cancel, observer).await;
                results.push((i, r));
            }
            results
        });
        futures::future::join_all(groups).await.into_iter().flatten().collect()
    }

    /// Reconciles and pushes (unless dry-run), recording what happened into `report`.
    async fn reconcile_and_push(&self, cancel: &CancellationToken, report: &mut CycleReport) {
        if cancel.is_cancelled() {
            return;
        }
        match self.reconcile.run(&self.store, cancel).await {
            Ok(r) => report.reconcile = Some(r),
            Err(e) => report.errors.push(format!("reconcile: {e}")),
        }
        if self.dry_run || cancel.is_cancelled() {
            return;
        }
        let pushes = self.targets.iter().map(|t| t.push(&self.store, &self.push, cancel));
        for r in futures::future::join_all(pushes).await {
            match r {
                Ok(summary) => report.pushes.push(summary),
                Err(e) if e.is_quota_exhausted() => report.quota_exhausted.push(format!("push: {e}")),
                Err(e) => report.errors.push(format!("push: {e}")),
            }
        }
    }

    /// Runs one full cycle: every stream until caught up (or `cancel`), reconcile, push.
    /// `run --once`, `backfill` and tests use it.
    pub async fn run_once(
        &mut self,
        mode: PullMode,
        cancel: &CancellationToken,
        observer: &dyn PageObserver,
    ) -> CycleReport {
        let started = Instant::now();
        let all: Vec<usize> = (0..self.streams.len()).collect();
        let mut report = CycleReport::default();
        for (i, r) in self.pull(&all, mode, None, cancel, observer).await {
            report.streams.push(self.stream_result(i, r));
        }
        self.reconcile_and_push(cancel, &mut report).await;
        report.seconds = started.elapsed().as_secs_f64();
        report
    }

    fn stream_result(&mut self, i: usize, r: Result<StreamOutcome, EngineError>) -> StreamResult {
        let s = &mut self.streams[i];
        match r {
            Ok(outcome) => {
                s.waiting_for_quota = None;
                StreamResult::Pulled(outcome)
            }
            Err(e) => {
                if let EngineError::Connector {
                    disposition: ErrorDisposition::QuotaExhausted { until },
                    ..
                } = &e
                {
                    s.waiting_for_quota = Some(*until);
                }
                StreamResult::Failed {
                    stream: s.stream.name().to_string(),
                    kind: disposition_kind(&e),
                    error: e.to_string(),
                }
            }
        }
    }

    /// Writes a finished cycle into the run log (what `closedloop status` lists). A failure to
    /// record is logged, not fatal: the cycle's data is already committed.
    pub async fn record(&self, report: &CycleReport, started_at: Timestamp) {
        use closedloop_store::RunStatus;
        let status = if report.has_errors() {
            RunStatus::Failed
        } else {
            RunStatus::Ok
        };
        let summary = serde_json::to_value(report).unwrap_or_default();
        let error = report.errors.first().cloned().or_else(|| {
            report.streams.iter().find_map(|s| match s {
                StreamResult::Failed { error, kind, .. } if kind != "quota_exhausted" => Some(error.clone()),
                _ => None,
            })
        });
        if let Err(e) = self
            .store
            .record_run("cycle", started_at, status, &summary, error.as_deref())
            .await
        {
            tracing::warn!(error = %e, "cannot record the cycle in the run log");
        }
    }

    /// Marks the streams whose names start with `prefix` as due now (a webhook asked for them).
    pub fn trigger(&mut self, prefix: &str) {
        let now = Instant::now();
        for s in &mut self.streams {
            if s.stream.name().as_str().starts_with(prefix) {
                s.next_due = now;
            }
        }
    }

    /// The daemon loop: until `cancel` fires, pull what is due (bounded per turn), reconcile,
    /// push on its interval, and call `tick` after every turn — the watchdog is pinged from
    /// there, so a stuck loop stops pinging. `triggers` receives stream-name prefixes to run now.
    pub async fn run_daemon(
        &mut self,
        cancel: &CancellationToken,
        triggers: &mut tokio::sync::mpsc::Receiver<String>,
        tick: &mut (dyn FnMut(&CycleReport) + Send),
        tick_every: Duration,
    ) {
        let mut next_push = Instant::now();
        loop {
            if cancel.is_cancelled() {
                return;
            }
            let now = Instant::now();
            let due: Vec<usize> = (0..self.streams.len())
                .filter(|&i| self.streams[i].next_due <= now)
                .collect();
            let mut report = CycleReport::default();
            let started = Instant::now();
            let started_at = chrono::Utc::now();
            let mut more_waiting = false;
            for (i, r) in self
                .pull(
                    &due,
                    PullMode::Incremental,
                    Some(self.max_pages_per_turn),
                    cancel,
                    &NoObserver,
                )
                .await
            {
                let result = self.stream_result(i, r);
                let s = &mut self.streams[i];
                s.next_due = match (&result, s.waiting_for_quota) {
                    // Not caught up: continue next turn.
                    (StreamResult::Pulled(o), _) if !o.caught_up => {
                        more_waiting = true;
                        Instant::now()
                    }
                    // Quota spent: wait for it to come back (or an hour, if nobody says when).
                    (_, Some(until)) => {
                        let wait = until
                            .and_then(|t| (t - chrono::Utc::now()).to_std().ok())
                            .unwrap_or(Duration::from_secs(3600));
                        Instant::now() + wait.max(Duration::from_secs(60))
                    }
                    _ => Instant::now() + s.interval,
                };
                report.streams.push(result);
            }
            let pulled = report.records_pulled() > 0;
            if pulled || Instant::now() >= next_push {
                self.reconcile_and_push(cancel, &mut report).await;
                next_push = Instant::now() + self.push_interval;
            }
            report.seconds = started.elapsed().as_secs_f64();
            if !report.streams.is_empty() || report.reconcile.is_some() {
                self.record(&report, started_at).await;
                if report.has_errors() {
                    tracing::warn!(errors = ?report.errors, summary = %report.summary_line(), "cycle finished with errors");
                } else {
                    tracing::info!(summary = %report.summary_line(), "cycle finished");
                }
                metrics::histogram!("closedloop_cycle_duration_seconds").record(report.seconds);
            }
            tick(&report);
            if more_waiting {
                continue;
            }
            let next_stream = self.streams.iter().map(|s| s.next_due).min().unwrap_or(next_push);
            let wake = next_stream.min(next_push).min(Instant::now() + tick_every);
            tokio::select! {
                _ = cancel.cancelled() => return,
                _ = tokio::time::sleep_until(wake) => {}
                Some(prefix) = triggers.recv() => self.trigger(&prefix),
            }
        }
    }
}
