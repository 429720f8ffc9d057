//! The page loop: convergence under failures, resume after a stop, quota exhaustion.

use super::fakes::*;
use crate::pull::{NoObserver, drive_stream};
use closedloop_core::sync::PullMode;
use closedloop_store::Store;
use std::sync::atomic::Ordering;
use tokio_util::sync::CancellationToken;

async fn store() -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    (Store::open(&dir.path().join("e.db")).await.unwrap(), dir)
}

/// Drives until caught up, restarting after every error like the daemon's next cycle would.
async fn drive_to_completion(store: &Store, stream: &FakeStream) -> u64 {
    let cancel = CancellationToken::new();
    let mut errors = 0;
    for _ in 0..1000 {
        match drive_stream(store, stream, PullMode::Incremental, None, &cancel, &NoObserver).await {
            Ok(outcome) if outcome.caught_up => return errors,
            Ok(_) => {}
            Err(_) => errors += 1,
        }
    }
    panic!("did not converge")
}

async fn fingerprint(store: &Store) -> (i64, serde_json::Value, i64) {
    let status = store.status(10).await.unwrap();
    let s = &status.streams[0];
    (s.pages_total, s.position.clone(), status.dirty_records)
}

#[tokio::test]
async fn a_fault_free_drive_reads_everything_once() {
    let (store, _dir) = store().await;
    let stream = FakeStream::new(250, 20);
    let outcome = drive_stream(
        &store,
        &stream,
        PullMode::Incremental,
        None,
        &CancellationToken::new(),
        &NoObserver,
    )
    .await
    .unwrap();
    assert!(outcome.caught_up);
    assert_eq!((outcome.pages, outcome.written), (13, 250));
    let (pages, position, dirty) = fingerprint(&store).await;
    assert_eq!((pages, position, dirty), (13, serde_json::json!(250), 250));
}

#[tokio::test]
async fn a_source_failing_half_its_calls_converges_to_the_same_state() {
    let (clean, _d1) = store().await;
    drive_to_completion(&clean, &FakeStream::new(250, 20)).await;
    let (faulty, _d2) = store().await;
    let stream = FakeStream {
        fail_every_other: true,
        ..FakeStream::new(250, 20)
    };
    let errors = drive_to_completion(&faulty, &stream).await;
    assert!(errors >= 12, "{errors} errors");
    assert_eq!(fingerprint(&faulty).await, fingerprint(&clean).await);
    let status = faulty.status(10).await.unwrap();
    assert!(
        status.streams[0].last_error.is_none(),
        "a later success clears the error"
    );
}

#[tokio::test]
async fn a_stopped_drive_resumes_where_it_stopped() {
    let (store, _dir) = store().await;
    let stream = FakeStream::new(250, 20);
    let cancel = CancellationToken::new();
    let first = drive_stream(&store, &stream, PullMode::Incremental, Some(4), &cancel, &NoObserver)
        .await
        .unwrap();
    assert_eq!((first.pages, first.caught_up), (4, false));
    cancel.cancel();
    let stopped = drive_stream(&store, &stream, PullMode::Incremental, None, &cancel, &NoObserver)
        .await
        .unwrap();
    assert_eq!(stopped.pages, 0, "a cancelled drive starts no page");
    let rest = drive_stream(
        &store,
        &stream,
        PullMode::Incremental,
        None,
        &CancellationToken::new(),
        &NoObserver,
    )
    .await
    .unwrap();
    assert_eq!((rest.pages, rest.written, rest.caught_up), (9, 170, true));
    assert_eq!(stream.calls.load(Ordering::SeqCst), 13, "no page was read twice");
}

#[tokio::test]
async fn quota_exhaustion_stops_cleanly_and_the_stream_resumes_later() {
    let (store, _dir) = store().await;
    let limited = FakeStream {
        quota_after_calls: Some(3),
        ..FakeStream::new(250, 20)
    };
    let err = drive_stream(
        &store,
        &limited,
        PullMode::Incremental,
        None,
        &CancellationToken::new(),
        &NoObserver,
    )
    .await
    .unwrap_err();
    assert!(err.is_quota_exhausted(), "{err}");
    let status = store.status(10).await.unwrap();
    assert_eq!(
        status.streams[0].position,
        serde_json::json!(60),
        "three pages kept, cursor intact"
    );
    assert!(status.streams[0].last_error.as_deref().unwrap().contains("daily quota"));
    // The quota is back.
    drive_to_completion(&store, &FakeStream::new(250, 20)).await;
    let (pages, position, _) = fingerprint(&store).await;
    assert_eq!((pages, position), (13, serde_json::json!(250)));
}
