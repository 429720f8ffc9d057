//! Pushes: only the given values, in batches of at most 100, custom properties created on first
//! use with the right type, 207 partial failures recorded per contact, whole-batch refusals split
//! until the bad contact is alone, and the written values read back exactly.

use crate::support::*;
use axum::Json;
use axum::Router;
use axum::http::StatusCode;
use axum::routing::{get, post};
use closedloop_core::records::FieldValues;
use closedloop_core::secret::Secret;
use closedloop_core::sync::{PushIntent, PushItem, PushOperation, PushOutcome, PushTarget};
use closedloop_core::system::{ObjectType, System};
use closedloop_engine::push::{PushSettings, push_target};
use closedloop_hubspot::{Credentials, HubSpotConnector};
use closedloop_sim::hubspot::ObjectKind;
use reqwest::Method;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

fn values(pairs: &[(&str, Option<&str>)]) -> FieldValues {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
        .collect()
}

fn item(n: i64, id: &str, fields: FieldValues) -> PushItem {
    PushItem {
        id: n,
        target: System::HubSpot,
        object: ObjectType::Contact,
        external_id: Some(id.to_owned()),
        person_id: None,
        operation: PushOperation::Update,
        fields,
        idempotency_key: format!("k{n}"),
        attempts: 0,
    }
}

#[tokio::test]
async fn pushes_write_only_the_given_values_in_batches_of_at_most_100() {
    let rig = Rig::start(&contacts(250)).await;
    let hubspot = rig.connector("", fields(), quick());
    let target = hubspot.push_target();
    assert_eq!(target.max_batch(), 100);
    let ids = live_contact_ids(rig.admin());
    let intents: Vec<PushIntent> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| PushIntent {
            target: System::HubSpot,
            object: ObjectType::Contact,
            external_id: Some(id.to_string()),
            person_id: None,
            operation: PushOperation::Update,
            fields: if n % 2 == 0 {
                values(&[
                    ("closedloop_sql_date", Some("1767600000000")),
                    ("closedloop_deal_amount", Some("1200.5")),
                    ("hs_lead_status", Some("CONNECTED")),
                ])
            } else {
                values(&[("hs_lead_status", Some("UNQUALIFIED"))])
            },
        })
        .collect();
    rig.store.enqueue_pushes(&intents).await.expect("enqueue");
    let before = rig.admin().stats();
    let settings = PushSettings {
        max_attempts: 5,
        retry_base: std::time::Duration::from_millis(1),
    };
    let summary = push_target(&rig.store, &target, &settings, &CancellationToken::new())
        .await
        .expect("push");
    assert_eq!(
        (summary.written, summary.dead, summary.retrying),
        (250, 0, 0),
        "{summary:?}"
    );
    let calls = rig.calls_since(&before);
    assert_eq!(
        calls["POST /crm/v3/objects/{object_type}/batch/{action}"], 3,
        "{calls:?}"
    );
    assert_eq!(
        calls["POST /crm/v3/properties/{object_type}"], 2,
        "two custom properties created: {calls:?}"
    );

    // The properties exist with the types the mapping asks for.
    let created = rig
        .api(Method::GET, "/crm/v3/properties/contacts/closedloop_sql_date", None)
        .await;
    assert_eq!(
        (created["type"].as_str(), created["groupName"].as_str()),
        (Some("datetime"), Some("contactinformation"))
    );
    let amount = rig
        .api(Method::GET, "/crm/v3/properties/contacts/closedloop_deal_amount", None)
        .await;
    assert_eq!(amount["type"], "number");

    // The values landed, and nothing else was written.
    let first = rig.admin().object(ObjectKind::Contact, ids[0]).expect("contact");
    assert_eq!(first.properties["closedloop_deal_amount"], "1200.5");
    assert_eq!(first.properties["hs_lead_status"], "CONNECTED");
    let second = rig.admin().object(ObjectKind::Contact, ids[1]).expect("contact");
    assert_eq!(second.properties["hs_lead_status"], "UNQUALIFIED");
    assert!(!second.properties.contains_key("closedloop_deal_amount"));
    for property in ["firstname", "email", "lifecyclestage"] {
        assert!(
            rig.admin()
                .history(ObjectKind::Contact, ids[0], property)
                .iter()
                .all(|h| h.source_type != "INTEGRATION"),
            "{property} was not written"
        );
    }

    // Reading back: the pushed values arrive in `fields` exactly as HubSpot reports them.
    pull(&rig.store, &hubspot.contacts()).await;
    let stored = rows(
        &rig.store,
        &format!("SELECT fields FROM marketing_contacts WHERE id = '{}'", ids[0]),
    )
    .await;
    let fields: Value = serde_json::from_str(stored[0][0].as_deref().expect("fields")).expect("json");
    assert_eq!(fields["closedloop_deal_amount"], "1200.5");
    assert_eq!(fields["hs_lead_status"], "CONNECTED");
    assert_eq!(
        fields["closedloop_sql_date"],
        first.properties["closedloop_sql_date"].as_str()
    );

    // Nothing left to send: a second pass makes no call.
    let before = rig.admin().stats();
    let again = push_target(&rig.store, &target, &settings, &CancellationToken::new())
        .await
        .expect("push");
    assert_eq!(again.calls, 0);
    assert!(rig.calls_since(&before).is_empty());
}

#[tokio::test]
async fn a_207_fails_only_the_refused_contacts_with_hubspots_message() {
    let rig = Rig::start(&contacts(12)).await;
    let hubspot = rig.connector("", fields(), quick());
    let target = hubspot.push_target();
    let ids = live_contact_ids(rig.admin());
    let mut items: Vec<PushItem> = ids[..10]
        .iter()
        .enumerate()
        .map(|(n, id)| {
            item(
                n as i64,
                &id.to_string(),
                values(&[("closedloop_deal_amount", Some("10"))]),
            )
        })
        .collect();
    items[3].fields = values(&[("closedloop_deal_amount", Some("abc"))]);
    items[7].external_id = Some("999999999".into());
    // A clear (None) goes out as an empty value.
    items[8].fields = values(&[("closedloop_deal_amount", None), ("hs_lead_status", Some("OPEN"))]);
    let outcomes = target.push(&items).await.expect("the batch as a whole succeeds");
    for (n, outcome) in outcomes.iter().enumerate() {
        match (n, outcome) {
            (3, PushOutcome::Failed { message, retriable }) => {
                assert!(
                    message.starts_with("VALIDATION_ERROR") && message.contains("abc"),
                    "{message}"
                );
                assert!(!retriable);
            }
            (7, PushOutcome::Failed { message, retriable }) => {
                assert!(message.starts_with("OBJECT_NOT_FOUND"), "{message}");
                assert!(!retriable);
            }
            (3 | 7, other) => panic!("item {n}: {other:?}"),
            (_, PushOutcome::Written { created_id: None }) => {}
            (_, other) => panic!("item {n}: {other:?}"),
        }
    }
    let value = |i: usize| {
        rig.admin()
            .object(ObjectKind::Contact, ids[i])
            .expect("contact")
            .properties
    };
    assert_eq!(value(0)["closedloop_deal_amount"], "10");
    let blank = |i: usize| value(i).get("closedloop_deal_amount").is_none_or(String::is_empty);
    assert!(blank(3), "the refused value was not written");
    assert!(blank(8), "cleared");
    assert_eq!(value(8)["hs_lead_status"], "OPEN");
    assert_eq!(value(9)["closedloop_deal_amount"], "10");
}

#[tokio::test]
async fn writes_hubspot_cannot_take_fail_without_a_call() {
    let rig = Rig::start(&contacts(2)).await;
    let target = rig.connector("", fields(), quick()).push_target();
    let mut create = item(1, "17", values(&[("hs_lead_status", Some("OPEN"))]));
    create.operation = PushOperation::Create;
    create.external_id = None;
    let mut lead = item(2, "17", values(&[("hs_lead_status", Some("OPEN"))]));
    lead.object = ObjectType::Lead;
    let bad_id = item(3, "not-an-id", values(&[("hs_lead_status", Some("OPEN"))]));
    let before = rig.admin().stats();
    let outcomes = target.push(&[create, lead, bad_id]).await.expect("push");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, PushOutcome::Failed { retriable: false, .. })),
        "{outcomes:?}"
    );
    assert!(rig.calls_since(&before).is_empty(), "nothing was sent");
}

/// A stand-in for HubSpot as it behaves for some validation errors: the whole batch refused with a 400.
async fn refusing_hubspot(bad: &'static str, seen: Arc<Mutex<Vec<Vec<String>>>>) -> String {
    let properties = get(|| async {
        Json(json!({ "results": [
            { "name": "hs_lead_status", "type": "enumeration" },
            { "name": "closedloop_deal_amount", "type": "number" }
        ]}))
    });
    let update = post(move |Json(body): Json<Value>| {
        let seen = Arc::clone(&seen);
        async move {
            let ids: Vec<String> = body["inputs"]
                .as_array()
                .map(|a| a.iter().filter_map(|i| i["id"].as_str().map(str::to_owned)).collect())
                .unwrap_or_default();
            seen.lock().expect("lock").push(ids.clone());
            if ids.iter().any(|id| id == bad) {
                let error = json!({"status": "error", "message": "Property values were not valid: closedloop_deal_amount",
                    "correlationId": "c-1", "category": "VALIDATION_ERROR"});
                return (StatusCode::BAD_REQUEST, Json(error));
            }
            let results: Vec<Value> = ids.iter().map(|id| json!({ "id": id, "properties": {} })).collect();
            (
                StatusCode::OK,
                Json(json!({ "status": "COMPLETE", "results": results })),
            )
        }
    });
    let app = Router::new()
        .route("/crm/v3/properties/contacts", properties)
        .route("/crm/v3/objects/contacts/batch/update", update);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_batch_refused_whole_is_split_until_the_bad_contact_is_alone() {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let base = refusing_hubspot("13", Arc::clone(&seen)).await;
    let config = config(&base, "");
    let hubspot = HubSpotConnector::with_tuning(
        &config,
        Credentials::PrivateApp {
            token: Secret::new("pat-x"),
        },
        fields(),
        quick(),
    )
    .expect("connector");
    let items: Vec<PushItem> = (1..=20)
        .map(|n| item(n, &n.to_string(), values(&[("closedloop_deal_amount", Some("5"))])))
        .collect();
    let outcomes = hubspot.push_target().push(&items).await.expect("push");
    for (i, outcome) in outcomes.iter().enumerate() {
        let id = i + 1;
        match outcome {
            PushOutcome::Failed { message, retriable } if id == 13 => {
                assert!(message.contains("Property values were not valid"), "{message}");
                assert!(!retriable);
            }
            PushOutcome::Written { .. } if id != 13 => {}
            other => panic!("contact {id}: {other:?}"),
        }
    }
    let seen = seen.lock().expect("lock").clone();
    assert!(
        seen.len() <= 1 + 2 * 5,
        "{} calls to isolate one contact among 20",
        seen.len()
    );
    for id in (1..=20).filter(|i| *i != 13).map(|i| i.to_string()) {
        let accepted = seen
            .iter()
            .filter(|batch| batch.contains(&id) && !batch.contains(&"13".to_owned()))
            .count();
        assert_eq!(accepted, 1, "contact {id} written exactly once");
    }
}
