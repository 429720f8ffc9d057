//! API calls per 1,000 records: a full pull, an incremental pull with 1% changed, and pushes.
//! The figures are printed (run with `--nocapture`); the assertions hold the design's call
//! budget: one call per page, one `deleted` check per replicable object per pass, lookups of
//! lead status history per page, one call per 200 pushed records.

use crate::support::{Setup, World, drive_all};
use crate::world::generated;
use closedloop_core::records::FieldValues;
use closedloop_core::sync::{PushItem, PushOperation, PushTarget};
use closedloop_core::{ObjectType, System};
use serde_json::json;

/// Objects the streams read, and how many of them are checked against the deleted-records window.
const OBJECTS: u64 = 11;
const WINDOW_CHECKED: u64 = 8;

fn per_thousand(calls: u64, records: u64) -> f64 {
    calls as f64 * 1000.0 / records.max(1) as f64
}

#[tokio::test]
async fn api_calls_per_thousand_records() {
    // A bigger world for the notes: CLOSEDLOOP_SF_CALLS_CONTACTS=30000 cargo test ... calls -- --nocapture
    let contacts: usize = std::env::var("CLOSEDLOOP_SF_CALLS_CONTACTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(3000);
    let world = World::start(generated(&format!("contacts={contacts},seed=3,hostile=0"))).await;
    let setup = Setup {
        batch: 2000,
        ..Setup::default()
    };
    let c = world.connector(&setup);

    let before = world.requests();
    let full = drive_all(&world.store, &c).await;
    let full_calls = world.requests() - before;
    let records: u64 = full.values().map(|o| o.written + o.unchanged + o.rejected).sum();
    let pages: u64 = full.values().map(|o| o.pages).sum();
    eprintln!("full pull: {records} records, {pages} pages, {full_calls} calls (token and describe included)");
    for (stream, o) in &full {
        eprintln!("  {stream}: {} pages, {} records", o.pages, o.written + o.rejected);
    }
    // Pages, one token, one describe (currency), and the lead-history lookups.
    assert!(
        full_calls <= pages + 2 + 2 * full["salesforce.lead_status_history"].pages * 10,
        "{full_calls}"
    );

    // 1% of the leads, contacts, opportunities, tasks and events change.
    let mut changed = 0;
    for (object, field, value) in [
        ("Lead", "Title", json!("Head of Ops")),
        ("Contact", "Title", json!("Head of Ops")),
        ("Opportunity", "NextStep", json!("Send proposal")),
        ("Task", "Subject", json!("Call back")),
        ("Event", "Subject", json!("Demo, rescheduled")),
    ] {
        let some: Vec<String> = writable(&world, object).into_iter().step_by(100).collect();
        changed += some.len();
        world.update_all(object, &some, json!({ field: value })).await;
    }
    let before = world.requests();
    let incremental = drive_all(&world.store, &c).await;
    let inc_calls = world.requests() - before;
    let written: u64 = incremental.values().map(|o| o.written).sum();
    eprintln!("incremental pull: {changed} records changed (1% of each object), {written} written, {inc_calls} calls");
    assert_eq!(written, changed as u64);
    assert_eq!(
        inc_calls,
        OBJECTS + WINDOW_CHECKED,
        "one query per object, one window check per replicable one"
    );

    // Pushes: 1,000 updates, then 100 creates.
    let target = c.push_target();
    let mut records_to_write: Vec<(ObjectType, String)> = Vec::new();
    records_to_write.extend(writable(&world, "Lead").into_iter().map(|id| (ObjectType::Lead, id)));
    records_to_write.extend(
        writable(&world, "Contact")
            .into_iter()
            .map(|id| (ObjectType::Contact, id)),
    );
    let updates: Vec<PushItem> = records_to_write
        .iter()
        .enumerate()
        .map(|(i, (object, id))| {
            let mut it = item(
                i as i64,
                PushOperation::Update,
                Some(id),
                &[("Engagement_Summary__c", "Watched 12 of 60 minutes")],
            );
            it.object = *object;
            it
        })
        .collect();
    let before = world.requests();
    for batch in updates.chunks(target.max_batch()) {
        let outcomes = target.push(batch).await.unwrap();
        assert!(
            outcomes
                .iter()
                .all(|o| matches!(o, closedloop_core::sync::PushOutcome::Written { .. }))
        );
    }
    let push_calls = world.requests() - before;
    let creates: Vec<PushItem> = (0..100)
        .map(|i| {
            let email = format!("new{i}@example.org");
            let mut it = item(
                i,
                PushOperation::Create,
                None,
                &[("Email", &email), ("LastName", "New"), ("Company", "[not provided]")],
            );
            it.idempotency_key = format!("create:salesforce:lead:{}", 900_000 + i);
            it
        })
        .collect();
    let before = world.requests();
    target.push(&creates).await.unwrap();
    let create_calls = world.requests() - before;
    eprintln!(
        "push: {} updates in {push_calls} calls; 100 creates in {create_calls} calls (2 duplicate checks + 1 upsert)",
        updates.len()
    );
    // Leads and Contacts share collections: one call per 200 records.
    assert_eq!(push_calls, (updates.len() as u64).div_ceil(200));
    assert_eq!(create_calls, 3);
    eprintln!(
        "calls per 1,000 records: full {:.2}, incremental (1% changed) {:.2}, push updates {:.2}, push creates {:.2}",
        per_thousand(full_calls, records),
        per_thousand(inc_calls, records),
        per_thousand(push_calls, updates.len() as u64),
        per_thousand(create_calls, 100),
    );
}

/// Records a user could write: converted leads are read-only in Salesforce.
fn writable(world: &World, object: &str) -> Vec<String> {
    let soql = match object {
        "Lead" => "SELECT Id FROM Lead WHERE IsConverted = false".to_owned(),
        other => format!("SELECT Id FROM {other}"),
    };
    let mut ids: Vec<String> = world
        .sim_query(&soql, false)
        .iter()
        .filter_map(|r| r["Id"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

fn item(id: i64, operation: PushOperation, external: Option<&String>, values: &[(&str, &str)]) -> PushItem {
    PushItem {
        id,
        target: System::Salesforce,
        object: ObjectType::Lead,
        external_id: external.cloned(),
        person_id: None,
        operation,
        fields: values
            .iter()
            .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned())))
            .collect::<FieldValues>(),
        idempotency_key: String::new(),
        attempts: 0,
    }
}
