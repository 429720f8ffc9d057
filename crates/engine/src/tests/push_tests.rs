//! The push loop: batching, per-item failures, whole-batch failures, retry delays.

use super::fakes::*;
use crate::push::{PushSettings, push_target, retry_delay};
use closedloop_core::sync::{ErrorDisposition, PushIntent, PushOperation};
use closedloop_core::{ObjectType, System};
use closedloop_store::Store;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

fn settings() -> PushSettings {
    PushSettings {
        max_attempts: 3,
        retry_base: Duration::from_secs(60),
    }
}

async fn store_with_updates(n: usize, value: impl Fn(usize) -> String) -> (Store, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("p.db")).await.unwrap();
    let intents: Vec<PushIntent> = (0..n)
        .map(|i| PushIntent {
            target: System::Salesforce,
            object: ObjectType::Lead,
            external_id: Some(format!("L{i}")),
            person_id: None,
            operation: PushOperation::Update,
            fields: [("First_Touch__c".to_owned(), Some(value(i)))].into(),
        })
        .collect();
    store.enqueue_pushes(&intents).await.unwrap();
    (store, dir)
}

#[tokio::test]
async fn items_go_out_in_batches_of_the_targets_size() {
    let (store, _dir) = store_with_updates(250, |i| format!("campaign-{i}")).await;
    let target = FakeTarget::new(100);
    let summary = push_target(&store, &target, &settings(), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!((summary.calls, summary.written), (3, 250));
    let sizes: Vec<usize> = target.sent.lock().unwrap().iter().map(Vec::len).collect();
    assert_eq!(sizes, [100, 100, 50]);
    let again = push_target(&store, &target, &settings(), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(again.calls, 0, "nothing is sent twice");
}

#[tokio::test]
async fn per_item_failures_are_isolated_retried_or_dead_lettered() {
    let (store, _dir) = store_with_updates(10, |i| match i {
        3 => "bad".into(),
        7 => "locked".into(),
        _ => format!("ok-{i}"),
    })
    .await;
    let target = FakeTarget {
        reject_value: Some("bad".into()),
        lock_value: Some("locked".into()),
        ..FakeTarget::new(100)
    };
    let summary = push_target(&store, &target, &settings(), &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!((summary.written, summary.retrying, summary.dead), (8, 1, 1));
    let status = store.status(10).await.unwrap();
    assert_eq!(status.dead_letters.len(), 1);
    assert!(
        status.dead_letters[0]
            .last_error
            .as_deref()
            .unwrap()
            .contains("FIELD_CUSTOM_VALIDATION_EXCEPTION")
    );
    let pending = status.outbox.iter().find(|o| o.state == "pending").map(|o| o.count);
    assert_eq!(pending, Some(1), "the locked row waits for its retry");
}

#[tokio::test]
async fn a_spent_quota_leaves_every_item_due_and_untouched() {
    let (store, _dir) = store_with_updates(5, |i| format!("v{i}")).await;
    let target = FakeTarget {
        whole_batch_error: Some(ErrorDisposition::QuotaExhausted { until: None }),
        ..FakeTarget::new(100)
    };
    let err = push_target(&store, &target, &settings(), &CancellationToken::new())
        .await
        .unwrap_err();
    assert!(err.is_quota_exhausted());
    let due = store
        .due_pushes(System::Salesforce, chrono::Utc::now(), 100)
        .await
        .unwrap();
    assert_eq!(due.len(), 5);
    assert!(due.iter().all(|i| i.attempts == 0));
}

#[tokio::test]
async fn a_transient_batch_failure_schedules_a_retry() {
    let (store, _dir) = store_with_updates(5, |i| format!("v{i}")).await;
    let target = FakeTarget {
        whole_batch_error: Some(ErrorDisposition::Transient),
        ..FakeTarget::new(100)
    };
    assert!(
        push_target(&store, &target, &settings(), &CancellationToken::new())
            .await
            .is_err()
    );
    assert!(
        store
            .due_pushes(System::Salesforce, chrono::Utc::now(), 100)
            .await
            .unwrap()
            .is_empty()
    );
    let later = chrono::Utc::now() + chrono::Duration::minutes(2);
    let due = store.due_pushes(System::Salesforce, later, 100).await.unwrap();
    assert!(due.len() == 5 && due.iter().all(|i| i.attempts == 1));
}

#[test]
fn retry_delays_double_and_are_capped() {
    let base = Duration::from_secs(300);
    assert_eq!(retry_delay(base, 1), Duration::from_secs(300));
    assert_eq!(retry_delay(base, 3), Duration::from_secs(1200));
    assert_eq!(retry_delay(base, 40), Duration::from_secs(86_400));
}
