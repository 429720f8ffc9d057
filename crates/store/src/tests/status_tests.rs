//! The status snapshot on a fresh and on a used database.

use super::fixtures::*;
use crate::runs::RunStatus;
use closedloop_core::page::Record;

#[tokio::test]
async fn a_fresh_database_reports_an_empty_status_as_json() {
    let t = temp_store().await;
    let status = t.store.status(20).await.unwrap();
    assert!(status.streams.is_empty() && status.outbox.is_empty() && status.duplicates.is_empty());
    assert_eq!(status.quarantine_open, 0);
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["schema_version"], crate::open::known_schema_version());
}

#[tokio::test]
async fn status_reports_streams_errors_and_runs() {
    let t = temp_store().await;
    let page = page_of(vec![Record::MarketingContact(contact(
        "101",
        "a@example.com",
        at(4, 9),
    ))]);
    t.store
        .commit_page(&stream(), None, &cursor(5, 101), &page)
        .await
        .unwrap();
    let other = closedloop_core::cursor::StreamName::new("salesforce.leads").unwrap();
    t.store
        .record_stream_error(&other, "quota exhausted until 2026-04-21T00:00:00Z")
        .await
        .unwrap();
    let run = t.store.start_run("cycle").await.unwrap();
    t.store
        .finish_run(run, RunStatus::Ok, &serde_json::json!({"pulled": 1}), None)
        .await
        .unwrap();
    let abandoned = t.store.start_run("backfill").await.unwrap();
    assert_eq!(t.store.close_abandoned_runs().await.unwrap(), 1);

    let status = t.store.status(20).await.unwrap();
    assert_eq!(status.streams.len(), 2);
    let contacts = status.streams.iter().find(|s| s.stream == "hubspot.contacts").unwrap();
    assert_eq!(contacts.position["last_id"], 101);
    assert_eq!(contacts.records_total, 1);
    assert!(contacts.last_error.is_none());
    let leads = status.streams.iter().find(|s| s.stream == "salesforce.leads").unwrap();
    assert_eq!(leads.version, 0, "an error alone gives no position");
    assert!(leads.last_error.as_deref().unwrap().contains("quota exhausted"));
    assert_eq!(status.dirty_records, 1);
    let runs: Vec<_> = status.recent_runs.iter().map(|r| (r.id, r.status.as_str())).collect();
    assert!(runs.contains(&(abandoned, "interrupted")) && runs.contains(&(run, "ok")));
    // The stream that only has an error can still start.
    t.store
        .commit_page(
            &other,
            None,
            &cursor(1, 1),
            &closedloop_core::page::PageBatch::default(),
        )
        .await
        .unwrap();
}
