//! The quarantine: one row per problem, occurrence counts, truncation, resolution.

use super::fixtures::*;
use closedloop_core::page::{PageBatch, Record, Rejected};

fn rejected(id: Option<&str>, reason: &str, payload: serde_json::Value) -> Rejected {
    Rejected {
        stream: "hubspot.contacts".into(),
        external_id: id.map(str::to_owned),
        reason: reason.into(),
        payload,
    }
}

#[tokio::test]
async fn the_same_problem_seen_twice_is_one_entry_with_two_occurrences() {
    let t = temp_store().await;
    let page = PageBatch {
        rejected: vec![rejected(
            Some("9"),
            "unknown lifecycle stage \"prospect\"",
            serde_json::json!({"id": "9"}),
        )],
        ..PageBatch::default()
    };
    t.store
        .commit_page(&stream(), None, &cursor(1, 1), &page)
        .await
        .unwrap();
    t.store
        .commit_page(&stream(), Some(&cursor(1, 1)), &cursor(2, 1), &page)
        .await
        .unwrap();
    let open = t.store.open_quarantine(10).await.unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].occurrences, 2);
    assert_eq!(open[0].reason, "unknown lifecycle stage \"prospect\"");
    assert_eq!(open[0].system, "hubspot");
}

#[tokio::test]
async fn inputs_without_ids_are_told_apart_by_content_and_huge_ones_truncated() {
    let t = temp_store().await;
    let huge = serde_json::json!({"name": "x".repeat(300_000)});
    let page = PageBatch {
        rejected: vec![
            rejected(None, "missing id", serde_json::json!({"a": 1})),
            rejected(None, "missing id", serde_json::json!({"a": 2})),
            rejected(Some("7"), "name is too long", huge),
        ],
        ..PageBatch::default()
    };
    t.store
        .commit_page(&stream(), None, &cursor(1, 1), &page)
        .await
        .unwrap();
    assert_eq!(t.store.open_quarantine(10).await.unwrap().len(), 3);
    let longest = count(&t.store, "SELECT MAX(LENGTH(payload)) FROM quarantine").await;
    assert!(
        longest <= (crate::quarantine::MAX_PAYLOAD_BYTES + 100) as i64,
        "{longest}"
    );
}

#[tokio::test]
async fn a_later_accepted_read_resolves_the_entry() {
    let t = temp_store().await;
    let bad = PageBatch {
        rejected: vec![rejected(
            Some("101"),
            "email is empty",
            serde_json::json!({"id": "101"}),
        )],
        ..PageBatch::default()
    };
    t.store.commit_page(&stream(), None, &cursor(1, 1), &bad).await.unwrap();
    assert_eq!(t.store.open_quarantine(10).await.unwrap().len(), 1);
    let fixed = page_of(vec![Record::MarketingContact(contact(
        "101",
        "fixed@example.com",
        at(9, 9),
    ))]);
    t.store
        .commit_page(&stream(), Some(&cursor(1, 1)), &cursor(2, 1), &fixed)
        .await
        .unwrap();
    assert!(t.store.open_quarantine(10).await.unwrap().is_empty());
    assert_eq!(
        count(
            &t.store,
            "SELECT COUNT(*) FROM quarantine WHERE resolved_at IS NOT NULL"
        )
        .await,
        1
    );
}
