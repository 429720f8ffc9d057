//! One cycle and the daemon loop, with fake streams, a counting reconcile step and a fake target.

use super::fakes::*;
use crate::cycle::{Engine, ReconcileReport, ReconcileStep, Scheduled, StreamResult};
use crate::error::EngineError;
use crate::pull::NoObserver;
use crate::push::PushSettings;
use closedloop_core::sync::{PullMode, PushIntent, PushOperation};
use closedloop_core::{ObjectType, System};
use closedloop_store::Store;
use futures::future::BoxFuture;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Counts its runs and enqueues one update per run, like a reconcile that found a change.
struct CountingReconcile {
    runs: Arc<AtomicU64>,
}

impl ReconcileStep for CountingReconcile {
    fn run<'a>(
        &'a self,
        store: &'a Store,
        _: &'a CancellationToken,
    ) -> BoxFuture<'a, Result<ReconcileReport, EngineError>> {
        Box::pin(async move {
            let n = self.runs.fetch_add(1, Ordering::SeqCst);
            let intent = PushIntent {
                target: System::Salesforce,
                object: ObjectType::Lead,
                external_id: Some(format!("L{n}")),
                person_id: None,
                operation: PushOperation::Update,
                fields: [("A__c".to_owned(), Some(n.to_string()))].into(),
            };
            let enqueued = store.enqueue_pushes(&[intent]).await?;
            Ok(ReconcileReport {
                people: 1,
                enqueued,
                detail: serde_json::Value::Null,
            })
        })
    }
}

fn scheduled(stream: FakeStream, system: &str, interval: Duration) -> Scheduled {
    Scheduled {
        stream: Box::new(stream),
        system: system.into(),
        interval,
        next_due: Instant::now(),
        waiting_for_quota: None,
    }
}

async fn engine(streams: Vec<Scheduled>, dry_run: bool) -> (Engine, Arc<AtomicU64>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("c.db")).await.unwrap();
    let runs = Arc::new(AtomicU64::new(0));
    let engine = Engine {
        store,
        streams,
        reconcile: Box::new(CountingReconcile { runs: runs.clone() }),
        targets: vec![Box::new(FakeTarget::new(100))],
        push: PushSettings {
            max_attempts: 3,
            retry_base: Duration::from_secs(60),
        },
        push_interval: Duration::from_secs(60),
        dry_run,
        max_pages_per_turn: 3,
    };
    (engine, runs, dir)
}

#[tokio::test]
async fn one_cycle_pulls_every_stream_reconciles_and_pushes() {
    let streams = vec![
        scheduled(
            FakeStream {
                name: "hubspot.contacts",
                ..FakeStream::new(50, 10)
            },
            "hubspot",
            Duration::from_secs(300),
        ),
        scheduled(
            FakeStream {
                name: "salesforce.leads",
                ..FakeStream::new(30, 10)
            },
            "salesforce",
            Duration::from_secs(300),
        ),
    ];
    let (mut engine, runs, _dir) = engine(streams, false).await;
    let report = engine
        .run_once(PullMode::Incremental, &CancellationToken::new(), &NoObserver)
        .await;
    assert_eq!(report.records_pulled(), 80);
    assert!(
        report
            .streams
            .iter()
            .all(|s| matches!(s, StreamResult::Pulled(o) if o.caught_up))
    );
    assert_eq!(runs.load(Ordering::SeqCst), 1);
    assert_eq!(report.pushes.len(), 1);
    assert_eq!(report.pushes[0].written, 1);
    assert!(!report.has_errors(), "{report:?}");
    assert!(
        report
            .summary_line()
            .starts_with("pulled 80 records from 2 streams (0 failed)")
    );
}

#[tokio::test]
async fn a_dry_run_reconciles_but_pushes_nothing() {
    let streams = vec![scheduled(FakeStream::new(5, 10), "hubspot", Duration::from_secs(300))];
    let (mut engine, _runs, _dir) = engine(streams, true).await;
    let report = engine
        .run_once(PullMode::Incremental, &CancellationToken::new(), &NoObserver)
        .await;
    assert!(report.pushes.is_empty());
    let pending = engine
        .store
        .due_pushes(System::Salesforce, chrono::Utc::now(), 10)
        .await
        .unwrap();
    assert_eq!(pending.len(), 1, "the write waits in the outbox");
}

// These run in real time with millisecond intervals (sqlx's pool does not work under paused
// time); every assertion counts turns and pages, none measures time.
#[tokio::test]
async fn the_daemon_catches_up_in_bounded_turns_then_pulls_on_its_interval() {
    let stream = FakeStream {
        name: "hubspot.contacts",
        ..FakeStream::new(100, 10)
    };
    let (mut engine, runs, _dir) = engine(vec![scheduled(stream, "hubspot", Duration::from_millis(100))], false).await;
    let cancel = CancellationToken::new();
    let (_tx, mut rx) = tokio::sync::mpsc::channel(4);
    let stopper = cancel.clone();
    let mut turns_with_pulls = Vec::new();
    let mut tick = move |report: &crate::cycle::CycleReport| {
        turns_with_pulls.push(report.streams.len());
        if turns_with_pulls.iter().filter(|&&n| n > 0).count() >= 8 {
            stopper.cancel();
        }
    };
    engine
        .run_daemon(&cancel, &mut rx, &mut tick, Duration::from_millis(20))
        .await;
    let status = engine.store.status(10).await.unwrap();
    assert_eq!(status.streams[0].records_total, 100);
    // 100 records, 10 a page, at most 3 pages a turn: 4 turns to catch up (3 + 3 + 3 + 1 pages),
    // then one empty page on each of the next 4 turns with a pull.
    assert_eq!(status.streams[0].pages_total, 10 + 4);
    assert!(
        runs.load(Ordering::SeqCst) >= 4,
        "reconcile follows every pull that brought records"
    );
}

#[tokio::test]
async fn a_trigger_runs_its_stream_before_the_interval() {
    let stream = FakeStream {
        name: "hubspot.contacts",
        ..FakeStream::new(10, 10)
    };
    let (mut engine, _runs, _dir) = engine(vec![scheduled(stream, "hubspot", Duration::from_secs(3600))], false).await;
    let cancel = CancellationToken::new();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let stopper = cancel.clone();
    let mut turns = 0;
    let mut tick = move |_: &crate::cycle::CycleReport| {
        turns += 1;
        if turns == 2 {
            // After the first pull, a webhook asks for contacts again.
            let _ = tx.try_send("hubspot.contacts".to_owned());
        }
        if turns == 5 {
            stopper.cancel();
        }
    };
    engine
        .run_daemon(&cancel, &mut rx, &mut tick, Duration::from_millis(20))
        .await;
    let status = engine.store.status(10).await.unwrap();
    assert_eq!(
        status.streams[0].pages_total, 2,
        "the trigger caused exactly one more pull"
    );
}

#[tokio::test]
async fn a_cancel_during_a_pull_stops_between_pages() {
    let stream = FakeStream {
        name: "hubspot.contacts",
        ..FakeStream::new(1000, 10)
    };
    let (mut engine, _runs, _dir) = engine(vec![scheduled(stream, "hubspot", Duration::from_secs(300))], false).await;
    let cancel = CancellationToken::new();
    cancel.cancel();
    let report = engine.run_once(PullMode::Incremental, &cancel, &NoObserver).await;
    assert_eq!(report.records_pulled(), 0);
    assert!(report.reconcile.is_none(), "nothing runs after a cancel");
}
