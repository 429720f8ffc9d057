//! `closedloop backfill`: history for a date range, with progress, and an optional dry run.
//!
//! State: the progress display (one bar per stream on a terminal, periodic log lines otherwise).
//! A backfill is one engine cycle in `PullMode::Backfill`: cursors advance page by page, so a
//! killed backfill continues where it stopped when started again.

use closedloop_core::Timestamp;
use closedloop_core::sync::{PullMode, PushItem, PushOperation};
use closedloop_engine::pull::{PageObserver, StreamOutcome};
use closedloop_engine::{CycleReport, Engine};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::{BTreeMap, HashMap};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio_util::sync::CancellationToken;

/// Shows backfill progress: bars on a terminal, a log line per stream every 10 s otherwise.
pub struct Progress {
    range: (Timestamp, Timestamp),
    bars: Option<MultiProgress>,
    state: Mutex<HashMap<String, StreamProgress>>,
}

struct StreamProgress {
    bar: Option<ProgressBar>,
    started: Instant,
    last_log: Instant,
}

impl Progress {
    /// Progress for a backfill of `since..until`; bars only when stderr is a terminal.
    pub fn new(since: Timestamp, until: Timestamp) -> Self {
        let bars = std::io::stderr()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress {
            range: (since, until),
            bars,
            state: Mutex::new(HashMap::new()),
        }
    }

    /// The share of the range a stream's cursor has covered, when the cursor knows its time.
    fn share(&self, position: Option<Timestamp>) -> Option<f64> {
        let (since, until) = self.range;
        let total = (until - since).num_seconds() as f64;
        position
            .filter(|_| total > 0.0)
            .map(|p| ((p - since).num_seconds() as f64 / total).clamp(0.0, 1.0))
    }

    /// Marks every bar finished.
    pub fn finish(&self) {
        if let Ok(state) = self.state.lock() {
            for s in state.values() {
                if let Some(bar) = &s.bar {
                    bar.finish();
                }
            }
        }
    }
}

impl PageObserver for Progress {
    fn page_committed(&self, outcome: &StreamOutcome, position: Option<Timestamp>) {
        let Ok(mut state) = self.state.lock() else { return };
        let records = outcome.written + outcome.unchanged;
        let share = self.share(position);
        let entry = state.entry(outcome.stream.clone()).or_insert_with(|| {
            let bar = self.bars.as_ref().map(|m| {
                let bar = m.add(ProgressBar::new(1000));
                bar.set_style(
                    ProgressStyle::with_template("{prefix:>26} [{bar:30}] {percent:>3}% {msg} eta {eta}")
                        .unwrap_or_else(|_| ProgressStyle::default_bar())
                        .progress_chars("=> "),
                );
                bar.set_prefix(outcome.stream.clone());
                bar
            });
            StreamProgress {
                bar,
                started: Instant::now(),
                last_log: Instant::now() - Duration::from_secs(60),
            }
        });
        let elapsed = entry.started.elapsed().as_secs_f64().max(0.001);
        let rate = records as f64 / elapsed;
        if let Some(bar) = &entry.bar {
            if let Some(share) = share {
                bar.set_position((share * 1000.0) as u64);
            }
            bar.set_message(format!("{records} records, {rate:.0}/s, {} rejected", outcome.rejected));
        } else if entry.last_log.elapsed() >= Duration::from_secs(10) {
            entry.last_log = Instant::now();
            let eta = share
                .filter(|s| *s > 0.0)
                .map(|s| format!("{:.0}s", elapsed * (1.0 - s) / s));
            tracing::info!(
                stream = %outcome.stream,
                records,
                rejected = outcome.rejected,
                rate_per_sec = format!("{rate:.0}"),
                done_percent = share.map(|s| format!("{:.0}", s * 100.0)),
                eta = eta.as_deref(),
                "backfill progress"
            );
        }
    }
}

/// Runs a backfill cycle (pull the range, reconcile, push unless `engine.dry_run`).
pub async fn run(engine: &mut Engine, since: Timestamp, until: Timestamp, cancel: &CancellationToken) -> CycleReport {
    let progress = Progress::new(since, until);
    let report = engine
        .run_once(PullMode::Backfill { since, until }, cancel, &progress)
        .await;
    progress.finish();
    report
}

/// What a dry run would write, per system, operation and field: counts and a few examples.
#[derive(Debug, Default, serde::Serialize)]
pub struct DryRunPlan {
    /// `system → "create lead" / "update contact" → field → (count, examples)`.
    pub changes: BTreeMap<String, BTreeMap<String, BTreeMap<String, FieldPlan>>>,
}

/// One field's planned writes.
#[derive(Debug, Default, serde::Serialize)]
pub struct FieldPlan {
    /// How many records would get it.
    pub records: u64,
    /// Up to three example values.
    pub examples: Vec<String>,
}

impl DryRunPlan {
    /// Groups pending outbox items.
    pub fn from_items(items: &[PushItem]) -> Self {
        let mut plan = DryRunPlan::default();
        for item in items {
            let op = match item.operation {
                PushOperation::Create => format!("create {}", item.object),
                PushOperation::Update => format!("update {}", item.object),
            };
            let fields = plan
                .changes
                .entry(item.target.to_string())
                .or_default()
                .entry(op)
                .or_default();
            for (field, value) in &item.fields {
                let f = fields.entry(field.clone()).or_default();
                f.records += 1;
                if f.examples.len() < 3 {
                    let shown = value.clone().unwrap_or_else(|| "(cleared)".into());
                    f.examples.push(shown.chars().take(60).collect());
                }
            }
        }
        plan
    }

    /// The plan as text, for the terminal.
    pub fn to_text(&self) -> String {
        if self.changes.is_empty() {
            return "dry run: nothing would be written\n".into();
        }
        let mut out = String::from("dry run: nothing was written; this is what would be:\n");
        for (system, ops) in &self.changes {
            for (op, fields) in ops {
                let records = fields.values().map(|f| f.records).max().unwrap_or(0);
                out.push_str(&format!("\n{system}: {op} ({records} records)\n"));
                for (field, f) in fields {
                    out.push_str(&format!(
                        "  {field:<40} {:>7} × e.g. {}\n",
                        f.records,
                        f.examples.join(" | ")
                    ));
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use closedloop_core::{ObjectType, System};

    fn item(op: PushOperation, object: ObjectType, fields: &[(&str, Option<&str>)]) -> PushItem {
        PushItem {
            id: 1,
            target: System::Salesforce,
            object,
            external_id: None,
            person_id: None,
            operation: op,
            fields: fields
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
                .collect(),
            idempotency_key: String::new(),
            attempts: 0,
        }
    }

    #[test]
    fn the_plan_counts_records_per_system_operation_and_field() {
        let items = vec![
            item(
                PushOperation::Update,
                ObjectType::Lead,
                &[
                    ("First_Touch_Campaign__c", Some("Webinar Q2")),
                    ("MQL_Date__c", Some("2026-04-01")),
                ],
            ),
            item(
                PushOperation::Update,
                ObjectType::Lead,
                &[("First_Touch_Campaign__c", Some("Google Ads"))],
            ),
            item(
                PushOperation::Create,
                ObjectType::Lead,
                &[("Email", Some("new@example.com")), ("Disq__c", None)],
            ),
        ];
        let plan = DryRunPlan::from_items(&items);
        let sf = &plan.changes["salesforce"];
        assert_eq!(sf["update lead"]["First_Touch_Campaign__c"].records, 2);
        assert_eq!(
            sf["update lead"]["First_Touch_Campaign__c"].examples,
            ["Webinar Q2", "Google Ads"]
        );
        assert_eq!(sf["create lead"]["Email"].records, 1);
        let text = plan.to_text();
        assert!(text.contains("salesforce: update lead (2 records)"), "{text}");
        assert!(text.contains("(cleared)"), "{text}");
        assert_eq!(
            DryRunPlan::from_items(&[]).to_text(),
            "dry run: nothing would be written\n"
        );
    }
}
