//! Pushes: updates in collections of at most 200 with failures isolated per record, and Lead
//! creation that can never duplicate a Lead or Contact.

use crate::support::{Setup, World, drive, lead_person, scenario, tied_leads};
use closedloop_core::records::FieldValues;
use closedloop_core::sync::{PushIntent, PushItem, PushOperation, PushOutcome, PushTarget};
use closedloop_core::{ObjectType, System};
use closedloop_engine::push::{PushSettings, push_target};
use closedloop_sim::scenario::{RuleConditionSpec, ValidationRuleSpec};
use serde_json::json;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

fn fields(pairs: &[(&str, &str)]) -> FieldValues {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), Some((*v).to_owned())))
        .collect()
}

fn update(id: &str, values: FieldValues) -> PushIntent {
    PushIntent {
        target: System::Salesforce,
        object: ObjectType::Lead,
        external_id: Some(id.to_owned()),
        person_id: None,
        operation: PushOperation::Update,
        fields: values,
    }
}

#[tokio::test]
async fn updates_go_in_collections_of_200_and_a_bad_record_fails_alone() {
    let world = World::start(tied_leads(450)).await;
    let ids: Vec<String> = world.sim_ids("Lead", false).into_iter().collect();
    // Three rows locked by another job, two values a validation rule refuses.
    let locked: Vec<&str> = ids[10..13].iter().map(String::as_str).collect();
    world.sim.admin().lock_records(&locked, None).unwrap();
    world
        .sim
        .admin()
        .set_validation_rules(vec![ValidationRuleSpec {
            object: "Lead".into(),
            name: "No forbidden campaigns".into(),
            message: "This campaign may not be set".into(),
            error_field: Some("First_Touch_Campaign__c".into()),
            when: vec![RuleConditionSpec {
                field: "First_Touch_Campaign__c".into(),
                equals: Some(json!("Forbidden")),
                blank: None,
            }],
        }])
        .unwrap();
    let intents: Vec<PushIntent> = ids
        .iter()
        .enumerate()
        .map(|(i, id)| {
            let campaign = if i == 300 || i == 301 {
                "Forbidden"
            } else {
                "Spring webinar"
            };
            update(
                id,
                fields(&[
                    ("First_Touch_Campaign__c", campaign),
                    ("MQL_Date__c", "2026-11-01T10:00:00.000Z"),
                ]),
            )
        })
        .collect();
    world.store.enqueue_pushes(&intents).await.unwrap();

    let target = world.connector(&Setup::default()).push_target();
    assert_eq!(target.max_batch(), 200);
    let settings = PushSettings {
        max_attempts: 5,
        retry_base: Duration::ZERO,
    };
    let before = world.sim.stats();
    let summary = push_target(&world.store, &target, &settings, &CancellationToken::new())
        .await
        .unwrap();
    let patches = world.sim.stats().by_route["PATCH /services/data/{version}/composite/sobjects"]
        - before
            .by_route
            .get("PATCH /services/data/{version}/composite/sobjects")
            .copied()
            .unwrap_or(0);
    assert_eq!((summary.calls, patches), (3, 3), "200 + 200 + 50");
    assert_eq!((summary.written, summary.retrying, summary.dead), (445, 3, 2));
    let dead = world.store.dead_letters(10).await.unwrap();
    assert!(dead.iter().all(|d| {
        d.last_error
            .as_deref()
            .is_some_and(|e| e.starts_with("FIELD_CUSTOM_VALIDATION_EXCEPTION: This campaign may not be set"))
    }));
    let written = world.sim_query(
        "SELECT Id FROM Lead WHERE First_Touch_Campaign__c = 'Spring webinar'",
        false,
    );
    assert_eq!(written.len(), 445);

    // The lock lifts; the locked rows go through on the next pass.
    world.sim.admin().unlock_records(&locked).unwrap();
    let again = push_target(&world.store, &target, &settings, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!((again.calls, again.written, again.dead), (1, 3, 0));
    assert_eq!(
        world
            .sim_query(
                "SELECT Id FROM Lead WHERE First_Touch_Campaign__c = 'Spring webinar'",
                false
            )
            .len(),
        448
    );
}

fn create(id: i64, key: &str, email: &str) -> PushItem {
    PushItem {
        id,
        target: System::Salesforce,
        object: ObjectType::Lead,
        external_id: None,
        person_id: None,
        operation: PushOperation::Create,
        fields: fields(&[
            ("Email", email),
            ("LastName", "New"),
            ("Company", "[not provided]"),
            ("MQL_Date__c", "2026-11-01T10:00:00.000Z"),
        ]),
        idempotency_key: key.to_owned(),
        attempts: 0,
    }
}

#[tokio::test]
async fn creates_are_upserts_that_never_duplicate_a_lead_or_contact() {
    let mut people = vec![lead_person(1, "2026-06-01T10:00:00Z", &[])];
    people[0]["email"] = json!("O'Brien@Example.com");
    people.push(json!({"key": "c", "email": "contact@example.com", "last_name": "C", "salesforce": {"contact": {"created_at": "2026-06-01T10:00:00Z"}}}));
    people.push(json!({"key": "d", "email": "gone@example.com", "last_name": "D",
        "salesforce": {"leads": [{"created_at": "2026-06-01T10:00:00Z", "deleted_at": "2026-11-20T10:00:00Z"}]}}));
    let world = World::start(scenario(people)).await;
    let target = world.connector(&Setup::default()).push_target();
    let items = vec![
        create(1, "create:salesforce:lead:101", "new@example.com"),
        create(2, "create:salesforce:lead:102", "o'brien@example.com"),
        create(3, "create:salesforce:lead:103", "contact@example.com"),
        create(4, "create:salesforce:lead:104", "gone@example.com"),
        create(5, "create:salesforce:lead:105", "NEW@example.com"),
    ];
    let outcomes = target.push(&items).await.unwrap();
    let PushOutcome::Written {
        created_id: Some(created),
    } = &outcomes[0]
    else {
        panic!("{outcomes:?}")
    };
    let refusals: Vec<String> = outcomes[1..]
        .iter()
        .map(|o| match o {
            PushOutcome::Failed {
                message,
                retriable: false,
            } => message.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert!(refusals[0].starts_with("not created: Lead 00Q"), "{refusals:?}");
    assert!(refusals[1].starts_with("not created: Contact 003"), "{refusals:?}");
    assert!(
        refusals[2].contains("(deleted) already has the email gone@example.com"),
        "{refusals:?}"
    );
    assert!(refusals[3].contains("same email new@example.com"), "{refusals:?}");

    // Sent again (a crash before the outcome was recorded): the same Lead, not a second one.
    let again = target.push(&items[..1]).await.unwrap();
    assert_eq!(
        again,
        vec![PushOutcome::Written {
            created_id: Some(created.clone())
        }]
    );
    let leads = world.sim_query(
        "SELECT Id, Closedloop_Person_Id__c, MQL_Date__c FROM Lead WHERE Email = 'new@example.com'",
        true,
    );
    assert_eq!(leads.len(), 1);
    assert_eq!(leads[0]["Closedloop_Person_Id__c"], "p101");
    assert_eq!(leads[0]["Id"].as_str(), Some(created.as_str()));

    // Read back by the next pull, with the value closedloop wrote.
    let c = world.connector(&Setup::default());
    drive(&world.store, &c.leads().unwrap(), None).await.unwrap();
    let stored = world
        .column(
            &world.store,
            "SELECT json_extract(fields, '$.MQL_Date__c') FROM crm_leads WHERE email = 'new@example.com'",
        )
        .await;
    assert_eq!(stored, ["2026-11-01T10:00:00.000+0000"]);
}

#[tokio::test]
async fn a_failure_after_part_of_the_batch_was_written_keeps_what_was_written() {
    let world = World::start(tied_leads(3)).await;
    let id = world.sim_ids("Lead", false).into_iter().next().unwrap();
    let mut config = world.config(&Setup::default());
    // The duplicate check of the create asks for a field the org does not have.
    config.person_id_field = "Missing_Key__c".into();
    let connector =
        closedloop_salesforce::SalesforceConnector::new(&config, world.secrets(), Default::default()).unwrap();
    let mut first = create(1, "create:salesforce:lead:5", "new@example.com");
    first.operation = PushOperation::Update;
    first.external_id = Some(id);
    first.fields = fields(&[("First_Touch_Campaign__c", "Autumn")]);
    let outcomes = connector
        .push_target()
        .push(&[first, create(2, "create:salesforce:lead:6", "new@example.com")])
        .await
        .unwrap();
    assert_eq!(outcomes[0], PushOutcome::Written { created_id: None });
    assert!(
        matches!(&outcomes[1], PushOutcome::Failed { message, retriable: true } if message.contains("INVALID_FIELD")),
        "{outcomes:?}"
    );
}
