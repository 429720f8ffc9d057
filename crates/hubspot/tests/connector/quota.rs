//! The daily quota running out: the stream stops cleanly with its cursor intact, pushes keep
//! their items, and both resume when the quota is back.

use crate::support::*;
use closedloop_core::cursor::StreamName;
use closedloop_core::sync::{ErrorDisposition, PullMode, PullStream, PushIntent, PushOperation};
use closedloop_core::system::{ObjectType, System};
use closedloop_engine::pull::{NoObserver, drive_stream};
use closedloop_engine::push::{PushSettings, push_target};
use closedloop_hubspot::ObjectCursor;
use closedloop_store::Store;
use tokio_util::sync::CancellationToken;

/// Drives until caught up, allowing quota refusals (the outbound client lets one probe call out
/// after a refusal); returns how many drives the quota stopped.
async fn drive_through_quota<S: PullStream>(store: &Store, stream: &S) -> u32 {
    let mut stopped = 0;
    for _ in 0..20 {
        match drive_stream(
            store,
            stream,
            PullMode::Incremental,
            None,
            &CancellationToken::new(),
            &NoObserver,
        )
        .await
        {
            Ok(o) if o.caught_up => return stopped,
            Ok(_) => {}
            Err(e) if e.is_quota_exhausted() => stopped += 1,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }
    panic!("did not catch up")
}

#[tokio::test]
async fn a_spent_daily_quota_stops_the_stream_cleanly_and_it_resumes() {
    let rig = Rig::start(&contacts(200)).await;
    let hubspot = rig.connector("", fields(), small(20, 20));
    let stream = hubspot.contacts();
    let reference = rig.fresh_store("reference").await;
    pull(&reference, &stream).await;

    pull_pages(&rig.store, &stream, 3).await;
    let name = StreamName::new("hubspot.contacts").expect("name");
    let before = rig.store.load_cursor::<ObjectCursor>(&name).await.expect("cursor");
    rig.admin().exhaust_daily_quota();
    let error = drive_stream(
        &rig.store,
        &stream,
        PullMode::Incremental,
        None,
        &CancellationToken::new(),
        &NoObserver,
    )
    .await
    .expect_err("the quota is spent");
    assert!(error.is_quota_exhausted(), "{error}");
    assert!(error.to_string().contains("daily api quota exhausted"), "{error}");
    assert_eq!(
        rig.store.load_cursor::<ObjectCursor>(&name).await.expect("cursor"),
        before,
        "the cursor stays where the last committed page left it"
    );
    let status = rig.store.status(10).await.expect("status");
    let line = status
        .streams
        .iter()
        .find(|s| s.stream == "hubspot.contacts")
        .expect("stream status");
    assert!(
        line.last_error.as_deref().unwrap_or("").contains("quota"),
        "the status line says why: {:?}",
        line.last_error
    );

    rig.admin().restore_daily_quota();
    drive_through_quota(&rig.store, &stream).await;
    assert_same(
        &dump(&reference).await,
        &dump(&rig.store).await,
        "after the quota came back",
    );
}

#[tokio::test]
async fn a_push_stopped_by_the_quota_keeps_its_items_for_later() {
    let rig = Rig::start(&contacts(30)).await;
    let hubspot = rig.connector("", fields(), quick());
    let target = hubspot.push_target();
    let intents: Vec<PushIntent> = live_contact_ids(rig.admin())
        .into_iter()
        .map(|id| PushIntent {
            target: System::HubSpot,
            object: ObjectType::Contact,
            external_id: Some(id.to_string()),
            person_id: None,
            operation: PushOperation::Update,
            fields: [("hs_lead_status".to_owned(), Some("CONNECTED".to_owned()))].into(),
        })
        .collect();
    rig.store.enqueue_pushes(&intents).await.expect("enqueue");
    let settings = PushSettings {
        max_attempts: 5,
        retry_base: std::time::Duration::from_millis(1),
    };
    rig.admin().exhaust_daily_quota();
    let error = push_target(&rig.store, &target, &settings, &CancellationToken::new())
        .await
        .expect_err("the quota is spent");
    assert!(error.is_quota_exhausted(), "{error}");
    let due = rig
        .store
        .due_pushes(System::HubSpot, chrono::Utc::now(), 100)
        .await
        .expect("due");
    assert_eq!(due.len(), 30, "nothing was lost");
    assert!(
        due.iter().all(|i| i.attempts == 0),
        "a spent quota is not a failed attempt"
    );

    rig.admin().restore_daily_quota();
    let mut written = 0;
    for _ in 0..5 {
        match push_target(&rig.store, &target, &settings, &CancellationToken::new()).await {
            Ok(summary) => {
                written += summary.written;
                break;
            }
            Err(e) => {
                let disposition = match &e {
                    closedloop_engine::EngineError::Connector { disposition, .. } => disposition.clone(),
                    other => panic!("{other}"),
                };
                assert!(matches!(disposition, ErrorDisposition::QuotaExhausted { .. }), "{e}");
            }
        }
    }
    assert_eq!(written, 30);
}
