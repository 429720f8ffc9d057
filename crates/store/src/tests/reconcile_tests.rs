//! Reconcile's store API: the identity closure, applying plans, facts that round-trip, results,
//! credits and outbox replacement, the queue, rollback, and the status duplicates.

use super::fixtures::*;
use crate::Store;
use crate::error::StoreError;
use crate::reconcile::facts::LoadedPerson;
use crate::reconcile::results::{BatchResults, ConversionCredits, CreditTouch, PersonResult};
use crate::reconcile::writes::PersonWrites;
use closedloop_core::attribution::eligible_touches;
use closedloop_core::fields::{FieldMemory, References};
use closedloop_core::identity::{IdentityPlan, resolve};
use closedloop_core::page::Record;
use closedloop_core::reconcile::{PersonOutcome, reconcile_person};
use closedloop_core::records::FieldValues;
use closedloop_core::rules::{IdentityRules, ReconcileRules};
use closedloop_core::sync::{PushIntent, PushOperation};
use closedloop_core::{ExternalId, ObjectType, PersonId, SalesforceId, System};

/// Commits `records` on the test stream, one cursor step after the last.
async fn commit(store: &Store, records: Vec<Record>) {
    let prev: Option<TestCursor> = store.load_cursor(&stream()).await.unwrap();
    let next = cursor(prev.as_ref().map_or(1, |c| c.since_ms + 1), 0);
    store
        .commit_page(&stream(), prev.as_ref(), &next, &page_of(records))
        .await
        .unwrap();
}

/// One batch through identity: returns the plan applied and the people loaded.
async fn identity_batch(store: &Store) -> (crate::reconcile::ReconcileBatch, IdentityPlan, Vec<LoadedPerson>) {
    let mut batch = store.begin_reconcile(at(21, 0)).await.unwrap();
    let seeds = batch.take_dirty(100).await.unwrap();
    let input = batch.load_identity(&seeds).await.unwrap();
    let plan = resolve(&input.records, &input.edges, &input.links, &IdentityRules::default());
    let applied = batch.apply_identity(&plan).await.unwrap();
    let keys: Vec<_> = applied.people.iter().map(|p| (p.person, p.members.clone())).collect();
    let people = batch.load_people(&keys).await.unwrap();
    (batch, plan, people)
}

fn sf(object: ObjectType, id15: &str) -> ExternalId {
    ExternalId::salesforce(object, &SalesforceId::parse(id15).unwrap())
}

#[tokio::test]
async fn facts_read_back_equal_what_the_page_stored() {
    let t = temp_store().await;
    let c = contact("101", "Ada@Example.com", at(4, 9));
    let l = lead("00Q000000000001", "ada@example.com", at(5, 10));
    let tp = touch("ev-1", &c.key(), at(2, 12));
    let a = activity("00T000000000001", &l.key());
    let d = deal("006000000000001", &l.key());
    let s = deal_stage(&d.id, "Prospecting", at(6, 9));
    commit(
        &t.store,
        vec![
            Record::MarketingContact(c.clone()),
            Record::CrmLead(l.clone()),
            Record::Touchpoint(tp.clone()),
            Record::Activity(a.clone()),
            Record::Deal(d.clone()),
            Record::StageChange(s.clone()),
        ],
    )
    .await;

    let (batch, plan, people) = identity_batch(&t.store).await;
    assert_eq!(plan.people.len(), 1, "one email, one conversion: one person");
    let p = &people[0];
    // The converted lead names a contact never read: it is an alias member of the same person.
    let contact_key = sf(ObjectType::Contact, "003000000000001");
    assert_eq!(p.members, vec![c.key(), contact_key, l.key()]);
    assert_eq!(p.facts.marketing_contacts, vec![c]);
    assert_eq!(p.facts.crm_leads, vec![l]);
    assert!(p.facts.crm_contacts.is_empty());
    assert_eq!(p.facts.touchpoints, vec![tp]);
    assert_eq!(p.touchpoint_ids.len(), 1);
    assert_eq!(p.facts.activities, vec![a]);
    assert_eq!(p.facts.deals, vec![d]);
    assert_eq!(p.facts.stage_changes, vec![s]);
    batch.commit(&[]).await.unwrap();
}

#[tokio::test]
async fn the_closure_follows_conversions_merges_and_links_from_either_end() {
    let t = temp_store().await;
    // A converted lead and its contact with another email; a second lead with the contact's email.
    let l = lead("00Q000000000001", "old@example.com", at(5, 10));
    let mut c = crate::tests::fixtures::contact("101", "old@example.com", at(4, 9));
    c.email = Some(closedloop_core::Email::parse("hs@example.com").unwrap());
    let sf_contact = closedloop_core::records::CrmContact {
        id: SalesforceId::parse("003000000000001").unwrap(),
        email: Some(closedloop_core::Email::parse("new@example.com").unwrap()),
        first_name: None,
        last_name: Some("Lovelace".into()),
        account_id: None,
        lead_source: None,
        owner_id: None,
        fields: FieldValues::new(),
        created_at: at(5, 10),
        modified_at: at(5, 10),
        deleted: false,
        merged_into: None,
    };
    let mut other = lead("00Q000000000002", "new@example.com", at(6, 10));
    other.conversion = None;
    commit(
        &t.store,
        vec![Record::CrmLead(l.clone()), Record::CrmContact(sf_contact.clone())],
    )
    .await;
    let (batch, _, _) = identity_batch(&t.store).await;
    batch.commit(&[l.key(), sf_contact.key()]).await.unwrap();

    // Only the second lead is dirty now; its email reaches the contact, the contact reaches the
    // converted lead (conversion seen from the contact's end), the person reaches all links.
    commit(&t.store, vec![Record::CrmLead(other.clone())]).await;
    let mut batch = t.store.begin_reconcile(at(21, 0)).await.unwrap();
    let seeds = batch.take_dirty(100).await.unwrap();
    assert_eq!(seeds, vec![other.key()]);
    let input = batch.load_identity(&seeds).await.unwrap();
    let keys: Vec<_> = input.records.iter().map(|r| r.key.clone()).collect();
    assert_eq!(keys, vec![sf_contact.key(), l.key(), other.key()]);
    assert!(input.links.iter().any(|(k, _)| k == &l.key()));
    drop(batch);

    // A merge recorded apart from the records joins the merged-away id through record_merges.
    let survivor = ExternalId::hubspot(ObjectType::Contact, &closedloop_core::HubSpotId::parse("101").unwrap());
    let merged = ExternalId::hubspot(ObjectType::Contact, &closedloop_core::HubSpotId::parse("202").unwrap());
    commit(
        &t.store,
        vec![
            Record::MarketingContact(c),
            Record::Merge {
                survivor: survivor.clone(),
                merged: merged.clone(),
                at: None,
            },
        ],
    )
    .await;
    let mut batch = t.store.begin_reconcile(at(21, 0)).await.unwrap();
    let seeds = batch.take_dirty(100).await.unwrap();
    let input = batch.load_identity(&seeds).await.unwrap();
    assert!(input.edges.iter().any(|e| e.record == merged && e.other == survivor));
}

#[tokio::test]
async fn applying_a_plan_creates_links_with_reasons_states_and_one_primary_per_system() {
    let t = temp_store().await;
    let mut l1 = lead("00Q000000000001", "ada@example.com", at(5, 10));
    l1.conversion = None;
    let mut l2 = lead("00Q000000000002", "ada@example.com", at(6, 10));
    l2.conversion = None;
    l2.created_at = at(2, 0);
    commit(
        &t.store,
        vec![
            Record::MarketingContact(contact("101", "ada@example.com", at(4, 9))),
            Record::CrmLead(l1.clone()),
            Record::CrmLead(l2.clone()),
        ],
    )
    .await;
    let (batch, _, people) = identity_batch(&t.store).await;
    let members = people[0].members.clone();
    batch.commit(&members).await.unwrap();

    let person = t.store.person_of(&l1.key()).await.unwrap().unwrap();
    let links = t.store.person_links(person).await.unwrap();
    assert_eq!(links.len(), 3);
    assert!(links.iter().all(|l| l.reason == "email" && l.state == "active"));
    let primaries: Vec<_> = links.iter().filter(|l| l.primary).map(|l| l.key.clone()).collect();
    // One per system: the HubSpot contact, and the older of the two leads.
    assert_eq!(primaries.len(), 2);
    assert!(primaries.contains(&l2.key()));
    let status = t.store.status(10).await.unwrap();
    assert_eq!(status.duplicates.len(), 1);
    let d = &status.duplicates[0];
    assert_eq!((d.system.as_str(), d.object.as_str()), ("salesforce", "lead"));
    assert_eq!(d.external_ids, vec![l2.key().id, l1.key().id]);
    assert_eq!(status.dirty_records, 0);
    assert_eq!(status.persons, 1);
}

fn results_of<'a>(
    rules: &ReconcileRules,
    people: &'a [LoadedPerson],
    outcomes: &'a [PersonOutcome],
    touches: &'a [Vec<CreditTouch<'a>>],
) -> BatchResults<'a> {
    let mut out = BatchResults::default();
    for ((p, o), touches) in people.iter().zip(outcomes).zip(touches) {
        let eligible = eligible_touches(&rules.attribution, &p.facts.touchpoints);
        out.people.push(PersonResult {
            person: p.person,
            email: p.facts.email(),
            milestones: &o.milestones,
            gate: &o.gate,
            touchpoints: p.facts.touchpoints.len(),
            eligible_touchpoints: eligible.len(),
            first_touch: eligible.first().map(|t| p.touchpoint_ids[t.index]),
            lead_creation_touch: None,
            last_touch: eligible.last().map(|t| p.touchpoint_ids[t.index]),
        });
        out.deals.extend(p.facts.deals.iter().map(|d| d.id.clone()));
        out.conversions.extend(o.conversions.iter().map(|c| ConversionCredits {
            person: Some(p.person),
            result: c,
            touches,
        }));
    }
    out
}

#[tokio::test]
async fn results_and_credits_round_trip_and_sum_to_one_per_model() {
    let t = temp_store().await;
    let c = contact("101", "ada@example.com", at(4, 9));
    let l = lead("00Q000000000001", "ada@example.com", at(5, 10));
    let d = deal("006000000000001", &l.key());
    commit(
        &t.store,
        vec![
            Record::MarketingContact(c.clone()),
            Record::CrmLead(l.clone()),
            Record::Touchpoint(touch("ev-1", &c.key(), at(1, 8))),
            Record::Touchpoint(touch("ev-2", &c.key(), at(2, 12))),
            Record::Touchpoint(touch("ev-3", &l.key(), at(5, 12))),
            Record::Activity(activity("00T000000000001", &l.key())),
            Record::Deal(d.clone()),
        ],
    )
    .await;
    let rules = ReconcileRules::default();
    let now = at(21, 0);
    for _ in 0..2 {
        // Twice: the second write replaces the first, row for row.
        let (mut batch, _, people) = identity_batch(&t.store).await;
        let refs = batch.load_references(&people).await.unwrap();
        let outcomes: Vec<PersonOutcome> = people
            .iter()
            .map(|p| reconcile_person(&rules, &p.facts, &refs, &FieldMemory::default(), now))
            .collect();
        let touches: Vec<Vec<CreditTouch<'_>>> = people
            .iter()
            .map(|p| {
                p.facts
                    .touchpoints
                    .iter()
                    .zip(&p.touchpoint_ids)
                    .map(|(touch, &id)| CreditTouch {
                        id,
                        person: p.person,
                        touch,
                    })
                    .collect()
            })
            .collect();
        let results = results_of(&rules, &people, &outcomes, &touches);
        let written = batch.write_results(&results).await.unwrap();
        assert!(
            written.conversions >= 4,
            "lead, mql, opportunity, won, pipeline, revenue"
        );
        // Nothing taken off the queue: the next pass sees the same people again.
        batch.commit(&[]).await.unwrap();
    }
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM person_results").await, 1);
    assert_eq!(
        count(
            &t.store,
            "SELECT COUNT(*) FROM (SELECT conversion_id, model, SUM(ppm) AS s FROM attribution_credits
             GROUP BY conversion_id, model HAVING s <> 1000000)"
        )
        .await,
        0,
        "every model's credits for every conversion sum to one"
    );
    assert_eq!(
        count(
            &t.store,
            "SELECT COUNT(*) FROM (SELECT c.id FROM conversions c JOIN attribution_credits a ON a.conversion_id = c.id
             WHERE c.kind IN ('pipeline', 'revenue') GROUP BY c.id, a.model HAVING SUM(a.amount_minor) <> MAX(c.amount_minor))"
        )
        .await,
        0,
        "deal credits sum to the amount to the cent"
    );
    let person = t.store.person_of(&c.key()).await.unwrap().unwrap();
    let stored = t.store.person_result(person).await.unwrap().unwrap();
    assert_eq!(stored.touchpoints, 3);
    assert_eq!(stored.milestones["mql"], (at(3, 9), "lifecycle".to_owned()));
    assert_eq!(stored.milestones["first_sales_contact"].1, "activity");
    assert_eq!(stored.owner_side, "sales");
    let conversions = t
        .store
        .conversions_of(person, std::slice::from_ref(&d.id))
        .await
        .unwrap();
    let revenue = conversions.iter().find(|c| c.kind == "revenue").unwrap();
    assert_eq!(revenue.amount_minor, Some(1_250_000));
    let (ppm, amount, events) = &revenue.models["linear"];
    assert_eq!((*ppm, *amount), (1_000_000, Some(1_250_000)));
    assert_eq!(events, &vec!["ev-1".to_owned(), "ev-2".to_owned(), "ev-3".to_owned()]);
    // The dimensions are copied from the touch, so campaign totals need no join.
    assert_eq!(
        count(
            &t.store,
            "SELECT COUNT(*) FROM attribution_credits WHERE touchpoint_id IS NOT NULL AND campaign_id IS NOT 'c-1'"
        )
        .await,
        0
    );
}

fn update(record: &ExternalId, person: PersonId, pairs: &[(&str, &str)]) -> PushIntent {
    PushIntent {
        target: record.system,
        object: record.object,
        external_id: Some(record.id.clone()),
        person_id: Some(person),
        operation: PushOperation::Update,
        fields: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect(),
    }
}

fn create(person: PersonId, pairs: &[(&str, &str)]) -> PushIntent {
    PushIntent {
        target: System::Salesforce,
        object: ObjectType::Lead,
        external_id: None,
        person_id: Some(person),
        operation: PushOperation::Create,
        fields: pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Some(v.to_string())))
            .collect(),
    }
}

async fn replace(store: &Store, person: PersonId, records: &[ExternalId], intents: &[PushIntent]) -> (u64, u64, u64) {
    let mut batch = store.begin_reconcile(at(21, 0)).await.unwrap();
    let counts = batch
        .replace_writes(
            &[PersonWrites {
                person,
                records,
                intents,
            }],
            &[(System::Salesforce, ObjectType::Lead)],
        )
        .await
        .unwrap();
    batch.commit(&[]).await.unwrap();
    (counts.enqueued.values().sum(), counts.withdrawn, counts.already_created)
}

#[tokio::test]
async fn pending_writes_are_replaced_not_merged() {
    let t = temp_store().await;
    // The outbox references persons: make one.
    commit(
        &t.store,
        vec![Record::MarketingContact(contact("101", "a@example.com", at(4, 9)))],
    )
    .await;
    let (batch, _, people) = identity_batch(&t.store).await;
    batch.commit(&[]).await.unwrap();
    let person = people[0].person;
    let hs = people[0].members[0].clone();
    let records = vec![hs.clone()];

    assert_eq!(
        replace(
            &t.store,
            person,
            &records,
            &[update(&hs, person, &[("a", "1"), ("b", "2")])]
        )
        .await,
        (1, 0, 0)
    );
    assert_eq!(
        replace(
            &t.store,
            person,
            &records,
            &[update(&hs, person, &[("a", "1"), ("b", "2")])]
        )
        .await,
        (0, 0, 0),
        "the same plan again changes nothing"
    );
    assert_eq!(
        replace(&t.store, person, &records, &[update(&hs, person, &[("a", "1")])]).await,
        (1, 0, 0)
    );
    let due = t
        .store
        .due_pushes(System::HubSpot, chrono::Utc::now(), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        due[0].fields.keys().collect::<Vec<_>>(),
        vec!["a"],
        "b is no longer wanted"
    );
    assert_eq!(replace(&t.store, person, &records, &[]).await, (0, 1, 0));
    assert!(
        t.store
            .due_pushes(System::HubSpot, chrono::Utc::now(), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // Creates: queued once, replaced while pending, withdrawn when no longer wanted, and never
    // queued again once sent.
    assert_eq!(
        replace(
            &t.store,
            person,
            &records,
            &[create(person, &[("Email", "a@example.com")])]
        )
        .await,
        (1, 0, 0)
    );
    assert_eq!(replace(&t.store, person, &records, &[]).await, (0, 1, 0));
    assert_eq!(
        replace(
            &t.store,
            person,
            &records,
            &[create(person, &[("Email", "a@example.com")])]
        )
        .await,
        (1, 0, 0)
    );
    let item = t
        .store
        .due_pushes(System::Salesforce, chrono::Utc::now(), 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(item.idempotency_key, format!("create:salesforce:lead:{}", person.0));
    t.store
        .complete_push(item.id, &item.fields, Some("00Q000000000009"))
        .await
        .unwrap();
    assert_eq!(
        replace(
            &t.store,
            person,
            &records,
            &[create(person, &[("Email", "a@example.com")])]
        )
        .await,
        (0, 0, 1)
    );
}

#[tokio::test]
async fn an_intent_for_somebody_elses_record_is_refused() {
    let t = temp_store().await;
    commit(
        &t.store,
        vec![Record::MarketingContact(contact("101", "a@example.com", at(4, 9)))],
    )
    .await;
    let (batch, _, people) = identity_batch(&t.store).await;
    batch.commit(&[]).await.unwrap();
    let person = people[0].person;
    let stranger = sf(ObjectType::Lead, "00Q000000000042");
    let mut batch = t.store.begin_reconcile(at(21, 0)).await.unwrap();
    let err = batch
        .replace_writes(
            &[PersonWrites {
                person,
                records: &people[0].members,
                intents: &[update(&stranger, person, &[("a", "1")])],
            }],
            &[],
        )
        .await
        .unwrap_err();
    assert!(err.to_string().contains("is not a record of person"), "{err}");
}

#[tokio::test]
async fn a_batch_dropped_before_commit_leaves_nothing_behind() {
    let t = temp_store().await;
    commit(
        &t.store,
        vec![Record::MarketingContact(contact("101", "a@example.com", at(4, 9)))],
    )
    .await;
    let (batch, _, _) = identity_batch(&t.store).await;
    drop(batch);
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM persons").await, 0);
    assert_eq!(count(&t.store, "SELECT COUNT(*) FROM identity_links").await, 0);
    assert_eq!(t.store.dirty_count().await.unwrap(), 1);
}

#[tokio::test]
async fn an_unreadable_row_is_reported_by_name_not_guessed() {
    let t = temp_store().await;
    commit(
        &t.store,
        vec![Record::MarketingContact(contact("101", "a@example.com", at(4, 9)))],
    )
    .await;
    sqlx::query("UPDATE marketing_contacts SET lifecycle_stage = 'bogus'")
        .execute(&t.store.pool)
        .await
        .unwrap();
    let mut batch = t.store.begin_reconcile(at(21, 0)).await.unwrap();
    let seeds = batch.take_dirty(10).await.unwrap();
    let err = batch.load_identity(&seeds).await.unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }));
    assert!(err.to_string().contains("hubspot:contact:101"), "{err}");
}

#[tokio::test]
async fn the_queue_takes_everything_or_the_people_whose_deadline_passed() {
    let t = temp_store().await;
    let mut c = contact("101", "a@example.com", at(4, 9));
    c.lifecycle_dates.clear();
    c.lifecycle_dates.insert(
        closedloop_core::stage::LifecycleStage::MarketingQualifiedLead,
        at(20, 9),
    );
    commit(&t.store, vec![Record::MarketingContact(c)]).await;
    let rules = ReconcileRules::default();
    // Reconcile at day 20, 10:00: the MQL from 09:00 has a pending SLA.
    let now = at(20, 10);
    let mut batch = t.store.begin_reconcile(now).await.unwrap();
    let seeds = batch.take_dirty(10).await.unwrap();
    let input = batch.load_identity(&seeds).await.unwrap();
    let plan = resolve(&input.records, &input.edges, &input.links, &rules.identity);
    let applied = batch.apply_identity(&plan).await.unwrap();
    let keys: Vec<_> = applied.people.iter().map(|p| (p.person, p.members.clone())).collect();
    let people = batch.load_people(&keys).await.unwrap();
    let outcomes: Vec<PersonOutcome> = people
        .iter()
        .map(|p| reconcile_person(&rules, &p.facts, &References::default(), &FieldMemory::default(), now))
        .collect();
    assert_eq!(outcomes[0].milestones.sla.as_str(), "pending");
    let touches = vec![Vec::new()];
    batch
        .write_results(&results_of(&rules, &people, &outcomes, &touches))
        .await
        .unwrap();
    batch.commit(&seeds).await.unwrap();

    assert_eq!(t.store.mark_sla_due_dirty(at(20, 12)).await.unwrap(), 0, "not due yet");
    assert_eq!(
        t.store.mark_sla_due_dirty(at(25, 0)).await.unwrap(),
        1,
        "due: its record is queued"
    );
    assert_eq!(t.store.mark_all_dirty().await.unwrap(), 0, "already queued");
    sqlx::query("DELETE FROM dirty_records")
        .execute(&t.store.pool)
        .await
        .unwrap();
    assert_eq!(t.store.mark_all_dirty().await.unwrap(), 1);
}
