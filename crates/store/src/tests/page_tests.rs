//! Page commits: round trips, idempotent re-reads, atomicity of page and cursor, ordering guards.

use super::fixtures::*;
use crate::error::StoreError;
use closedloop_core::catalog::{Pipeline, PipelineStage};
use closedloop_core::cursor::CursorError;
use closedloop_core::page::{PageBatch, Record, Rejected};
use closedloop_core::{ObjectType, System};

#[tokio::test]
async fn every_record_kind_round_trips() {
    let t = temp_store().await;
    let c = contact("101", "Ada@Example.com", at(4, 9));
    let l = lead("00Q000000000001", "ada@example.com", at(5, 10));
    let contact_key = c.key();
    let lead_key = l.key();
    let d = deal("006000000000001", &lead_key);
    let page = page_of(vec![
        Record::MarketingContact(c),
        Record::CrmLead(l),
        Record::Touchpoint(touch("ev-1", &contact_key, at(2, 12))),
        Record::Activity(activity("00T000000000001", &lead_key)),
        Record::Deal(d.clone()),
        Record::StageChange(deal_stage(&d.id, "Prospecting", at(6, 9))),
    ]);
    let out = t
        .store
        .commit_page(&stream(), None, &cursor(10, 101), &page)
        .await
        .unwrap();
    assert_eq!(out.written, 6);

    let row: (String, String, String, String) = sqlx::query_as(
        "SELECT email, lifecycle_stage, original_source, lifecycle_dates FROM marketing_contacts WHERE id = '101'",
    )
    .fetch_one(&t.store.pool)
    .await
    .unwrap();
    assert_eq!(row.0, "ada@example.com");
    assert_eq!(row.1, "marketingqualifiedlead");
    assert_eq!(row.2, "paid_search");
    let dates: serde_json::Value = serde_json::from_str(&row.3).unwrap();
    assert_eq!(dates["marketingqualifiedlead"], at(3, 9).timestamp_millis());

    let lead_row: (String, String, i64) =
        sqlx::query_as("SELECT status, converted_contact_id, converted_at FROM crm_leads")
            .fetch_one(&t.store.pool)
            .await
            .unwrap();
    assert_eq!(lead_row.0, "converted");
    assert_eq!(lead_row.1.len(), 18, "salesforce ids are stored in 18-character form");
    assert_eq!(lead_row.2, at(5, 10).timestamp_millis());

    let tp: (String, i64, i64, String) = sqlx::query_as(
        "SELECT kind, depth_seconds, depth_percent_hundredths, content_key FROM touchpoints WHERE source_event_id = 'ev-1'",
    )
    .fetch_one(&t.store.pool)
    .await
    .unwrap();
    assert_eq!(tp, ("webinar_attendance".into(), 720, 2000, "hubspot:event:w-1".into()));

    let deal_row: (String, i64, String, String) =
        sqlx::query_as("SELECT status, amount_minor, currency, close_date FROM deals")
            .fetch_one(&t.store.pool)
            .await
            .unwrap();
    assert_eq!(deal_row, ("won".into(), 1_250_000, "EUR".into(), "2026-04-20".into()));
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM deal_contacts").await, 1);
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM stage_changes WHERE kind = 'deal_stage'").await,
        1
    );
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM sales_activities WHERE kind = 'call'").await,
        1
    );
    // The contact, the lead (touched by the lead, the activity, the deal) are queued for reconcile.
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM dirty_records").await, 2);
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM source_snapshots").await, 2);

    let stored: TestCursor = t.store.load_cursor(&stream()).await.unwrap().unwrap();
    assert_eq!(stored, cursor(10, 101));
}

#[tokio::test]
async fn rereading_a_page_stores_each_touchpoint_once_and_skips_unchanged_objects() {
    let t = temp_store().await;
    let c = contact("101", "ada@example.com", at(4, 9));
    let key = c.key();
    let page = page_of(vec![
        Record::MarketingContact(c),
        Record::Touchpoint(touch("ev-1", &key, at(2, 12))),
    ]);
    t.store
        .commit_page(&stream(), None, &cursor(10, 101), &page)
        .await
        .unwrap();
    sqlx::query("DELETE FROM dirty_records")
        .execute(&t.store.pool)
        .await
        .unwrap();

    let again = t
        .store
        .commit_page(&stream(), Some(&cursor(10, 101)), &cursor(10, 101), &page)
        .await
        .unwrap();
    assert_eq!(again.unchanged, 1, "the unchanged contact is skipped");
    assert_eq!(again.written, 1, "the touchpoint upsert is idempotent");
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM touchpoints").await, 1);
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM marketing_contacts").await, 1);
    assert_eq!(count(&t.store, "SELECT records_total FROM stream_cursors").await, 4);
}

#[tokio::test]
async fn a_page_that_fails_midway_keeps_neither_records_nor_cursor() {
    let t = temp_store().await;
    let first = page_of(vec![Record::MarketingContact(contact(
        "101",
        "a@example.com",
        at(4, 9),
    ))]);
    t.store
        .commit_page(&stream(), None, &cursor(10, 101), &first)
        .await
        .unwrap();

    // Two stages with one id: the second insert violates the primary key after the contact is written.
    let stage = PipelineStage {
        id: "s1".into(),
        label: "S1".into(),
        display_order: 0,
        probability: None,
        is_closed: false,
        is_won: false,
    };
    let bad = PageBatch {
        records: vec![
            Record::MarketingContact(contact("102", "b@example.com", at(5, 9))),
            Record::Pipeline(Pipeline {
                system: System::HubSpot,
                id: "default".into(),
                label: "Sales".into(),
                stages: vec![stage.clone(), stage],
                updated_at: None,
            }),
        ],
        snapshots: vec![],
        rejected: vec![],
    };
    let err = t
        .store
        .commit_page(&stream(), Some(&cursor(10, 101)), &cursor(20, 102), &bad)
        .await;
    assert!(err.is_err());
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM marketing_contacts WHERE id = '102'").await,
        0
    );
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM pipelines").await, 0);
    let stored: TestCursor = t.store.load_cursor(&stream()).await.unwrap().unwrap();
    assert_eq!(stored, cursor(10, 101), "the cursor did not move without its page");
}

#[tokio::test]
async fn cursors_only_move_forward_and_a_refused_page_writes_nothing() {
    let t = temp_store().await;
    let page = |id: &str| {
        page_of(vec![Record::MarketingContact(contact(
            id,
            &format!("p{id}@example.com"),
            at(4, 9),
        ))])
    };
    t.store
        .commit_page(&stream(), None, &cursor(10, 5), &page("101"))
        .await
        .unwrap();

    let back = t
        .store
        .commit_page(&stream(), Some(&cursor(10, 5)), &cursor(9, 999), &page("102"))
        .await
        .unwrap_err();
    assert!(
        matches!(back, StoreError::Cursor(CursorError::Regression { .. })),
        "{back:?}"
    );
    let stale = t
        .store
        .commit_page(&stream(), Some(&cursor(3, 1)), &cursor(20, 1), &page("103"))
        .await
        .unwrap_err();
    assert!(
        matches!(stale, StoreError::Cursor(CursorError::Conflict { .. })),
        "{stale:?}"
    );
    let first_again = t
        .store
        .commit_page(&stream(), None, &cursor(20, 1), &page("104"))
        .await
        .unwrap_err();
    assert!(
        matches!(first_again, StoreError::Cursor(CursorError::Conflict { .. })),
        "{first_again:?}"
    );
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM marketing_contacts").await, 1);

    // A deliberate reset lets the stream start over.
    t.store
        .reset_cursor(&stream(), "deleted-records window passed")
        .await
        .unwrap();
    assert!(t.store.load_cursor::<TestCursor>(&stream()).await.unwrap().is_none());
    t.store
        .commit_page(&stream(), None, &cursor(1, 1), &page("105"))
        .await
        .unwrap();
}

#[tokio::test]
async fn an_older_read_never_overwrites_a_newer_one() {
    let t = temp_store().await;
    let mut newer = contact("101", "new@example.com", at(9, 9));
    newer.lifecycle_stage = Some(closedloop_core::stage::LifecycleStage::Customer);
    let older = contact("101", "old@example.com", at(4, 9));
    t.store
        .commit_page(
            &stream(),
            None,
            &cursor(1, 1),
            &page_of(vec![Record::MarketingContact(newer)]),
        )
        .await
        .unwrap();
    t.store
        .commit_page(
            &stream(),
            Some(&cursor(1, 1)),
            &cursor(2, 1),
            &page_of(vec![Record::MarketingContact(older)]),
        )
        .await
        .unwrap();
    let email: String = sqlx::query_scalar("SELECT email FROM marketing_contacts")
        .fetch_one(&t.store.pool)
        .await
        .unwrap();
    assert_eq!(email, "new@example.com");
}

#[tokio::test]
async fn tombstones_and_merges_are_recorded_and_mark_both_sides_dirty() {
    let t = temp_store().await;
    let c = contact("101", "a@example.com", at(4, 9));
    let survivor = c.key();
    let merged = closedloop_core::ExternalId::new(System::HubSpot, ObjectType::Contact, "202").unwrap();
    let page = PageBatch {
        records: vec![
            Record::MarketingContact(c),
            Record::Merge {
                survivor: survivor.clone(),
                merged: merged.clone(),
                at: Some(at(6, 1)),
            },
            Record::Tombstone {
                key: survivor.clone(),
                at: Some(at(7, 1)),
            },
        ],
        snapshots: vec![],
        rejected: vec![Rejected {
            stream: "hubspot.contacts".into(),
            external_id: Some("303".into()),
            reason: "email \"x@\" is not of the form local@domain.tld".into(),
            payload: serde_json::json!({"id": "303"}),
        }],
    };
    let out = t
        .store
        .commit_page(&stream(), None, &cursor(1, 1), &page)
        .await
        .unwrap();
    assert_eq!((out.written, out.rejected), (3, 1));
    assert_eq!(
        count(&t.store, "SELECT archived FROM marketing_contacts WHERE id = '101'").await,
        1
    );
    assert_eq!(
        count(
            &t.store,
            "SELECT COUNT(*) FROM record_merges WHERE merged_id = '202' AND survivor_id = '101'"
        )
        .await,
        1
    );
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM dirty_records").await, 2);
    assert_eq!(count(&t.store, "SELECT rejected_total FROM stream_cursors").await, 1);
}

#[tokio::test]
async fn an_identical_reread_queues_nobody_but_a_real_change_does() {
    let t = temp_store().await;
    let subject = closedloop_core::ExternalId::new(System::HubSpot, ObjectType::Contact, "101").unwrap();
    let lead_key = lead("00Q000000000001", "a@example.com", at(5, 1)).key();
    let records = vec![
        Record::Touchpoint(touch("ev-1", &subject, at(2, 12))),
        Record::Activity(activity("00T000000000001", &lead_key)),
    ];
    t.store
        .commit_page(&stream(), None, &cursor(1, 1), &page_of(records.clone()))
        .await
        .unwrap();
    sqlx::query("DELETE FROM dirty_records")
        .execute(&t.store.pool)
        .await
        .unwrap();

    // A lookback re-read of the same events: nothing changed, nobody is queued for reconcile.
    t.store
        .commit_page(&stream(), Some(&cursor(1, 1)), &cursor(2, 1), &page_of(records))
        .await
        .unwrap();
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM dirty_records").await, 0);

    // The webinar attendance grew: that person is queued.
    let mut longer = touch("ev-1", &subject, at(2, 12));
    longer.depth = Some(closedloop_core::touchpoint::Depth::Watched {
        seconds: 1800,
        percent: None,
    });
    t.store
        .commit_page(
            &stream(),
            Some(&cursor(2, 1)),
            &cursor(3, 1),
            &page_of(vec![Record::Touchpoint(longer)]),
        )
        .await
        .unwrap();
    assert_eq!(
        count(&t.store, "SELECT COUNT(*) FROM dirty_records WHERE external_id = '101'").await,
        1
    );
}

#[tokio::test]
async fn a_person_removed_from_a_deal_is_queued() {
    let t = temp_store().await;
    let first = lead("00Q000000000001", "a@example.com", at(5, 1)).key();
    let second = lead("00Q000000000002", "b@example.com", at(5, 1)).key();
    let mut d = deal("006000000000001", &first);
    t.store
        .commit_page(&stream(), None, &cursor(1, 1), &page_of(vec![Record::Deal(d.clone())]))
        .await
        .unwrap();
    sqlx::query("DELETE FROM dirty_records")
        .execute(&t.store.pool)
        .await
        .unwrap();

    d.contacts = vec![second.clone()];
    d.updated_at = at(21, 9);
    t.store
        .commit_page(
            &stream(),
            Some(&cursor(1, 1)),
            &cursor(2, 1),
            &page_of(vec![Record::Deal(d)]),
        )
        .await
        .unwrap();
    let queued: Vec<String> = sqlx::query_scalar("SELECT external_id FROM dirty_records ORDER BY external_id")
        .fetch_all(&t.store.pool)
        .await
        .unwrap();
    assert_eq!(
        queued,
        [first.id, second.id],
        "both the removed and the added person are queued"
    );
}
