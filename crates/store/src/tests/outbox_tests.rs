//! The outbox: merging pending updates, completing only what was sent, creates, dead letters.

use super::fixtures::*;
use chrono::Utc;
use closedloop_core::records::FieldValues;
use closedloop_core::sync::{PushIntent, PushOperation};
use closedloop_core::{ObjectType, PersonId, System};

fn fields(pairs: &[(&str, Option<&str>)]) -> FieldValues {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.map(str::to_owned)))
        .collect()
}

fn update(id: &str, f: FieldValues) -> PushIntent {
    PushIntent {
        target: System::Salesforce,
        object: ObjectType::Lead,
        external_id: Some(id.into()),
        person_id: None,
        operation: PushOperation::Update,
        fields: f,
    }
}

#[tokio::test]
async fn pending_updates_of_one_record_merge_into_one_item() {
    let t = temp_store().await;
    t.store
        .enqueue_pushes(&[update("L1", fields(&[("A__c", Some("1")), ("B__c", Some("x"))]))])
        .await
        .unwrap();
    t.store
        .enqueue_pushes(&[update("L1", fields(&[("B__c", Some("y")), ("C__c", None)]))])
        .await
        .unwrap();
    t.store
        .enqueue_pushes(&[update("L2", fields(&[("A__c", Some("2"))]))])
        .await
        .unwrap();
    let due = t.store.due_pushes(System::Salesforce, Utc::now(), 10).await.unwrap();
    assert_eq!(due.len(), 2);
    assert_eq!(
        due[0].fields,
        fields(&[("A__c", Some("1")), ("B__c", Some("y")), ("C__c", None)])
    );
    assert!(
        t.store
            .due_pushes(System::HubSpot, Utc::now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn completing_keeps_values_that_changed_while_the_batch_was_in_flight() {
    let t = temp_store().await;
    t.store
        .enqueue_pushes(&[update("L1", fields(&[("A__c", Some("1")), ("B__c", Some("x"))]))])
        .await
        .unwrap();
    let item = t
        .store
        .due_pushes(System::Salesforce, Utc::now(), 10)
        .await
        .unwrap()
        .remove(0);
    // While the batch is being sent, reconcile wants B to be "z".
    t.store
        .enqueue_pushes(&[update("L1", fields(&[("B__c", Some("z"))]))])
        .await
        .unwrap();
    t.store.complete_push(item.id, &item.fields, None).await.unwrap();
    let due = t.store.due_pushes(System::Salesforce, Utc::now(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].fields, fields(&[("B__c", Some("z"))]));
    assert_eq!(
        t.store
            .pushed_value(System::Salesforce, ObjectType::Lead, "L1", "A__c")
            .await
            .unwrap(),
        Some(Some("1".into()))
    );
    t.store.complete_push(due[0].id, &due[0].fields, None).await.unwrap();
    assert!(
        t.store
            .due_pushes(System::Salesforce, Utc::now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        t.store
            .pushed_value(System::Salesforce, ObjectType::Lead, "L1", "B__c")
            .await
            .unwrap(),
        Some(Some("z".into()))
    );
}

#[tokio::test]
async fn a_person_is_created_at_most_once() {
    let t = temp_store().await;
    sqlx::query("INSERT INTO persons (id, email, created_at, updated_at) VALUES (7, 'p@example.com', 1, 1)")
        .execute(&t.store.pool)
        .await
        .unwrap();
    let create = PushIntent {
        target: System::Salesforce,
        object: ObjectType::Lead,
        external_id: None,
        person_id: Some(PersonId(7)),
        operation: PushOperation::Create,
        fields: fields(&[("Email", Some("p@example.com")), ("LastName", Some("P"))]),
    };
    t.store.enqueue_pushes(std::slice::from_ref(&create)).await.unwrap();
    t.store.enqueue_pushes(std::slice::from_ref(&create)).await.unwrap();
    let due = t.store.due_pushes(System::Salesforce, Utc::now(), 10).await.unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].idempotency_key, "create:salesforce:lead:7");
    t.store
        .complete_push(due[0].id, &due[0].fields, Some("00Q000000000009AAA"))
        .await
        .unwrap();
    // Reconcile asks again (it has not seen the new lead yet): nothing is re-created.
    t.store.enqueue_pushes(&[create]).await.unwrap();
    assert!(
        t.store
            .due_pushes(System::Salesforce, Utc::now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn failures_retry_until_the_limit_then_become_dead_letters() {
    let t = temp_store().await;
    t.store
        .enqueue_pushes(&[update("L1", fields(&[("A__c", Some("1"))]))])
        .await
        .unwrap();
    let id = t.store.due_pushes(System::Salesforce, Utc::now(), 10).await.unwrap()[0].id;
    let later = Utc::now() + chrono::Duration::minutes(5);
    t.store
        .fail_push(
            id,
            "UNABLE_TO_LOCK_ROW: unable to obtain exclusive access",
            Some(later),
            3,
        )
        .await
        .unwrap();
    assert!(
        t.store
            .due_pushes(System::Salesforce, Utc::now(), 10)
            .await
            .unwrap()
            .is_empty(),
        "not due yet"
    );
    assert_eq!(
        t.store.due_pushes(System::Salesforce, later, 10).await.unwrap()[0].attempts,
        1
    );
    t.store
        .fail_push(id, "UNABLE_TO_LOCK_ROW", Some(later), 3)
        .await
        .unwrap();
    t.store
        .fail_push(id, "UNABLE_TO_LOCK_ROW: third time", Some(later), 3)
        .await
        .unwrap();
    let dead = t.store.dead_letters(10).await.unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].attempts, 3);
    assert_eq!(dead[0].last_error.as_deref(), Some("UNABLE_TO_LOCK_ROW: third time"));
    // A permanent error (no retry time) is dead at once.
    t.store
        .enqueue_pushes(&[update("L2", fields(&[("A__c", Some("1"))]))])
        .await
        .unwrap();
    let id2 = t.store.due_pushes(System::Salesforce, Utc::now(), 10).await.unwrap()[0].id;
    t.store
        .fail_push(id2, "INVALID_FIELD: No such column", None, 3)
        .await
        .unwrap();
    assert_eq!(t.store.dead_letters(10).await.unwrap().len(), 2);
}
