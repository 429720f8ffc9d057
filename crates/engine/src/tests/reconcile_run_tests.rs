//! Reconcile runs: incrementality, loop prevention through a push and a read-back, a kill between
//! batches, shared deals, the full recompute, SLA re-checks and Lead creation.

use super::reconcile_support::*;
use crate::reconcile::{RunOptions, run, run_all, run_with};
use closedloop_core::page::Record;
use closedloop_core::records::{FieldValues, MarketingContact};
use closedloop_core::rules::ReconcileRules;
use closedloop_core::stage::{DealStatus, LeadStatus};
use closedloop_core::sync::PushOperation;
use closedloop_core::{ExternalId, System};
use closedloop_store::Store;
use tokio_util::sync::CancellationToken;

fn rules() -> ReconcileRules {
    ReconcileRules::default()
}

/// A small world: qualified people with leads and calls, a subscriber, a converted lead, a
/// HubSpot merge, a CRM duplicate, a deal of one person and a deal shared by two.
fn world() -> Vec<Record> {
    let mut out = Vec::new();
    for n in 0..12u32 {
        let id = 100 + u64::from(n);
        let mail = format!("p{n}@example.com");
        let hs = hs_contact(id, &mail, day(i64::from(n), 0));
        for k in 0..3 {
            out.push(Record::Touchpoint(touch(
                &format!("t{n}-{k}"),
                &hs.key(),
                day(i64::from(n), k),
                n % 4,
            )));
        }
        out.push(Record::MarketingContact(hs));
        if n % 3 != 2 {
            let lead = sf_lead(n + 1, &mail, day(i64::from(n) + 1, 0));
            out.push(Record::Activity(call(n + 1, &lead.key(), day(i64::from(n) + 1, 3))));
            out.push(Record::CrmLead(lead));
        }
    }
    out.push(Record::MarketingContact(subscriber(900, "sub@example.com", day(1, 0))));
    // A duplicate lead for p0.
    out.push(Record::CrmLead(sf_lead(50, "p0@example.com", day(20, 0))));
    // p1's lead converted into a contact.
    out.push(Record::CrmLead(converted(
        sf_lead(2, "p1@example.com", day(2, 0)),
        60,
        day(9, 0),
    )));
    out.push(Record::CrmContact(sf_contact(60, "p1@example.com", day(9, 0))));
    // p3 was merged into p4 in HubSpot.
    let mut p4 = hs_contact(104, "p4@example.com", day(4, 0));
    p4.merged_ids = vec![closedloop_core::HubSpotId::parse("103").unwrap()];
    p4.updated_at = day(25, 0);
    out.push(Record::MarketingContact(p4));
    // A deal of p9 alone, won; a deal shared by p6 and p7.
    out.push(Record::Deal(deal(
        1,
        &[lead_key(10)],
        day(15, 0),
        DealStatus::Won,
        500_000,
    )));
    out.push(Record::Deal(deal(
        2,
        &[lead_key(7), lead_key(8)],
        day(16, 0),
        DealStatus::Open,
        99_999,
    )));
    out
}

#[tokio::test]
async fn only_dirty_people_are_recomputed_and_a_quiet_run_does_nothing() {
    let t = temp_store().await;
    commit(&t.store, world()).await;
    let first = run(&t.store, &rules(), now(), 5).await.unwrap();
    assert!(first.batches > 1, "small batches: {first:?}");
    assert!(first.enqueued_total() > 0);
    assert_eq!(t.store.dirty_count().await.unwrap(), 0);
    let before = t.store.reconcile_state().await.unwrap();

    let quiet = run(&t.store, &rules(), now(), 5).await.unwrap();
    assert_eq!((quiet.batches, quiet.records, quiet.people), (0, 0, 0));
    assert_eq!((quiet.enqueued_total(), quiet.withdrawn), (0, 0));
    assert_eq!(t.store.reconcile_state().await.unwrap(), before, "nothing changed");

    // One new touch for p9: only p9 is recomputed.
    commit(
        &t.store,
        vec![Record::Touchpoint(touch("t9-new", &hs_key(109), day(30, 0), 3))],
    )
    .await;
    let one = run(&t.store, &rules(), now(), 5).await.unwrap();
    assert_eq!((one.records, one.people), (1, 1));
    let p9 = t.store.person_of(&hs_key(109)).await.unwrap().unwrap();
    assert_eq!(t.store.person_result(p9).await.unwrap().unwrap().touchpoints, 4);
}

#[tokio::test]
async fn a_run_killed_between_batches_ends_like_an_uninterrupted_one() {
    let whole = temp_store().await;
    commit(&whole.store, world()).await;
    run(&whole.store, &rules(), now(), 4).await.unwrap();
    let expected = whole.store.reconcile_state().await.unwrap();
    assert!(!expected.credits.is_empty() && !expected.outbox.is_empty());

    // Stopped after one batch, then run again.
    let stopped = temp_store().await;
    commit(&stopped.store, world()).await;
    let options = RunOptions {
        batch_size: 4,
        max_batches: Some(1),
    };
    let partial = run_with(&stopped.store, &rules(), now(), &options, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(partial.batches, 1);
    assert!(stopped.store.dirty_count().await.unwrap() > 0, "work was left");
    run(&stopped.store, &rules(), now(), 4).await.unwrap();
    assert_eq!(stopped.store.reconcile_state().await.unwrap(), expected);

    // Killed in the middle of a batch: its transaction never commits.
    let killed = temp_store().await;
    commit(&killed.store, world()).await;
    {
        let mut batch = killed.store.begin_reconcile(now()).await.unwrap();
        let seeds = batch.take_dirty(4).await.unwrap();
        let input = batch.load_identity(&seeds).await.unwrap();
        let plan = closedloop_core::identity::resolve(&input.records, &input.edges, &input.links, &rules().identity);
        batch.apply_identity(&plan).await.unwrap();
        // Dropped here, as a killed process would.
    }
    run(&killed.store, &rules(), now(), 4).await.unwrap();
    assert_eq!(killed.store.reconcile_state().await.unwrap(), expected);
}

/// What the push phase does after the target confirmed every due item.
async fn push_everything(store: &Store, target: System) -> Vec<closedloop_core::sync::PushItem> {
    let items = store.due_pushes(target, chrono::Utc::now(), 1000).await.unwrap();
    for item in &items {
        // The id Salesforce gives the created Lead, in its 18-character form.
        let created = (item.operation == PushOperation::Create).then(|| sfid("00Q", 777).to_string());
        store
            .complete_push(item.id, &item.fields, created.as_deref())
            .await
            .unwrap();
    }
    items
}

fn read_back(fields: &mut FieldValues, sent: &FieldValues) {
    for (k, v) in sent {
        fields.insert(k.clone(), v.clone());
    }
}

#[tokio::test]
async fn a_pushed_value_read_back_is_not_a_change() {
    let t = temp_store().await;
    let hs = hs_contact(101, "ada@example.com", day(0, 0));
    let lead = sf_lead(1, "ada@example.com", day(1, 0));
    commit(
        &t.store,
        vec![
            Record::MarketingContact(hs.clone()),
            Record::CrmLead(lead.clone()),
            Record::Touchpoint(touch("t1", &hs.key(), day(0, 0), 1)),
            Record::Activity(call(1, &lead.key(), day(1, 2))),
            Record::StageChange(status_change(&lead.key(), LeadStatus::Connected, None, day(1, 2))),
        ],
    )
    .await;
    let first = run(&t.store, &rules(), now(), 10).await.unwrap();
    assert!(first.enqueued.get("hubspot").is_some_and(|&n| n > 0));
    assert!(first.enqueued.get("salesforce").is_some_and(|&n| n > 0));

    let to_hubspot = push_everything(&t.store, System::HubSpot).await;
    let to_salesforce = push_everything(&t.store, System::Salesforce).await;
    assert_eq!((to_hubspot.len(), to_salesforce.len()), (1, 1));

    // The connectors read every written field back into the records, with newer change times.
    let mut hs_back: MarketingContact = hs.clone();
    read_back(&mut hs_back.fields, &to_hubspot[0].fields);
    hs_back.updated_at = day(59, 0);
    let mut lead_back = lead.clone();
    read_back(&mut lead_back.fields, &to_salesforce[0].fields);
    lead_back.modified_at = day(59, 0);
    commit(
        &t.store,
        vec![Record::MarketingContact(hs_back), Record::CrmLead(lead_back)],
    )
    .await;
    let again = run(&t.store, &rules(), now(), 10).await.unwrap();
    assert_eq!(again.people, 1, "the read-back made the person dirty");
    assert_eq!((again.enqueued_total(), again.withdrawn), (0, 0), "{again:?}");
    assert!(
        t.store
            .due_pushes(System::HubSpot, chrono::Utc::now(), 10)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        t.store
            .due_pushes(System::Salesforce, chrono::Utc::now(), 10)
            .await
            .unwrap()
            .is_empty()
    );

    // A real change on the sales side does flow: the lead is disqualified with a reason.
    let mut lost = lead.clone();
    read_back(&mut lost.fields, &to_salesforce[0].fields);
    lost.status = Some(LeadStatus::Disqualified);
    lost.status_raw = Some("Unqualified".into());
    lost.disqualification_reason = Some("No budget".into());
    lost.modified_at = day(59, 1);
    commit(&t.store, vec![Record::CrmLead(lost)]).await;
    let changed = run(&t.store, &rules(), now(), 10).await.unwrap();
    assert!(changed.enqueued.get("hubspot").is_some_and(|&n| n == 1));
    let due = t
        .store
        .due_pushes(System::HubSpot, chrono::Utc::now(), 10)
        .await
        .unwrap();
    assert_eq!(
        due[0].fields.get("closedloop_disqualification_reason"),
        Some(&Some("No budget".to_owned()))
    );
}

#[tokio::test]
async fn a_shared_deal_is_credited_once_over_everyones_touches() {
    let t = temp_store().await;
    let (a, b) = (
        hs_contact(101, "a@example.com", day(0, 0)),
        hs_contact(102, "b@example.com", day(1, 0)),
    );
    let (la, lb) = (
        sf_lead(1, "a@example.com", day(2, 0)),
        sf_lead(2, "b@example.com", day(2, 0)),
    );
    let shared = deal(9, &[la.key(), lb.key()], day(5, 0), DealStatus::Open, 100_001);
    commit(
        &t.store,
        vec![
            Record::MarketingContact(a.clone()),
            Record::MarketingContact(b.clone()),
            Record::CrmLead(la.clone()),
            Record::CrmLead(lb.clone()),
            Record::Touchpoint(touch("a1", &a.key(), day(0, 0), 1)),
            Record::Touchpoint(touch("b1", &b.key(), day(1, 0), 2)),
            Record::Touchpoint(touch("b2", &b.key(), day(3, 0), 3)),
            Record::Deal(shared.clone()),
        ],
    )
    .await;
    let summary = run(&t.store, &rules(), now(), 10).await.unwrap();
    assert_eq!(summary.shared_deals, 1);
    let pa = t.store.person_of(&a.key()).await.unwrap().unwrap();
    let pipeline = |conversions: Vec<closedloop_store::reconcile::read::StoredConversion>| {
        conversions
            .into_iter()
            .filter(|c| c.kind == "pipeline")
            .collect::<Vec<_>>()
    };
    let found = pipeline(
        t.store
            .conversions_of(pa, std::slice::from_ref(&shared.id))
            .await
            .unwrap(),
    );
    assert_eq!(
        found.len(),
        1,
        "one pipeline conversion for the deal, not one per person"
    );
    let deal_conversion = &found[0];
    assert_eq!(
        deal_conversion.person, None,
        "shared: it belongs to the deal, not to one person"
    );
    let (ppm, amount, events) = &deal_conversion.models["linear"];
    assert_eq!((*ppm, *amount), (1_000_000, Some(100_001)));
    assert_eq!(events, &vec!["a1".to_owned(), "b1".to_owned(), "b2".to_owned()]);

    // Only a's record changes: the deal is credited again with b's touches loaded from outside
    // the batch, and with a's new touch.
    commit(&t.store, vec![Record::Touchpoint(touch("a2", &a.key(), day(4, 0), 1))]).await;
    let again = run(&t.store, &rules(), now(), 10).await.unwrap();
    assert_eq!((again.people, again.shared_deals), (1, 1));
    let found = pipeline(
        t.store
            .conversions_of(pa, std::slice::from_ref(&shared.id))
            .await
            .unwrap(),
    );
    assert_eq!(found.len(), 1);
    let (_, amount, events) = &found[0].models["linear"];
    assert_eq!(*amount, Some(100_001));
    assert_eq!(
        events,
        &vec!["a1".to_owned(), "b1".to_owned(), "b2".to_owned(), "a2".to_owned()]
    );
}

#[tokio::test]
async fn the_full_recompute_revisits_everyone_and_changes_nothing_when_nothing_changed() {
    let t = temp_store().await;
    commit(&t.store, world()).await;
    let first = run(&t.store, &rules(), now(), 100).await.unwrap();
    let before = t.store.reconcile_state().await.unwrap();
    let all = run_all(&t.store, &rules(), now(), 100).await.unwrap();
    assert_eq!(all.people, first.people);
    assert_eq!(
        (all.enqueued_total(), all.withdrawn, all.new_people, all.merges),
        (0, 0, 0, 0)
    );
    assert_eq!(t.store.reconcile_state().await.unwrap(), before);
}

#[tokio::test]
async fn a_pending_sla_is_rechecked_once_its_deadline_passes() {
    let t = temp_store().await;
    // MQL on day 40 at 00:00; nobody calls.
    let hs = hs_contact(101, "ada@example.com", day(39, 0));
    commit(&t.store, vec![Record::MarketingContact(hs.clone())]).await;
    let early = run(&t.store, &rules(), day(40, 2), 10).await.unwrap();
    assert_eq!(early.sla_rechecks, 0);
    let p = t.store.person_of(&hs.key()).await.unwrap().unwrap();
    assert_eq!(t.store.person_result(p).await.unwrap().unwrap().sla_status, "pending");

    let later = run(&t.store, &rules(), day(42, 0), 10).await.unwrap();
    assert_eq!((later.sla_rechecks, later.people), (1, 1));
    assert_eq!(t.store.person_result(p).await.unwrap().unwrap().sla_status, "breached");
    let due = t
        .store
        .due_pushes(System::HubSpot, chrono::Utc::now(), 10)
        .await
        .unwrap();
    assert_eq!(
        due[0].fields.get("closedloop_sla_status"),
        Some(&Some("breached".to_owned()))
    );
    assert_eq!(run(&t.store, &rules(), day(43, 0), 10).await.unwrap().people, 0);
}

#[tokio::test]
async fn the_gate_keeps_subscribers_out_and_creates_a_lead_for_a_qualified_person() {
    let t = temp_store().await;
    let mql = hs_contact(101, "ada@example.com", day(0, 0));
    let sub = subscriber(102, "sub@example.com", day(0, 0));
    commit(
        &t.store,
        vec![
            Record::MarketingContact(mql.clone()),
            Record::MarketingContact(sub),
            Record::Touchpoint(touch("t1", &mql.key(), day(0, 0), 1)),
        ],
    )
    .await;
    let summary = run(&t.store, &rules(), now(), 10).await.unwrap();
    assert_eq!(summary.gate_skipped, 1);
    let due = t
        .store
        .due_pushes(System::Salesforce, chrono::Utc::now(), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1, "one Lead, for the MQL only");
    let create = &due[0];
    assert_eq!(create.operation, PushOperation::Create);
    let p = t.store.person_of(&mql.key()).await.unwrap().unwrap();
    assert_eq!(create.person_id, Some(p));
    assert_eq!(create.fields.get("Email"), Some(&Some("ada@example.com".to_owned())));
    assert_eq!(create.fields.get("Company"), Some(&Some("[not provided]".to_owned())));
    assert!(
        create.fields.contains_key("First_Touch_Campaign__c"),
        "mapped fields fill the new Lead"
    );

    // The Lead is created and read back: the create is not queued again, the Lead joins the person.
    push_everything(&t.store, System::Salesforce).await;
    let created = sf_lead(777, "ada@example.com", day(59, 0));
    let created_key: ExternalId = created.key();
    commit(&t.store, vec![Record::CrmLead(created)]).await;
    run(&t.store, &rules(), now(), 10).await.unwrap();
    assert_eq!(t.store.person_of(&created_key).await.unwrap(), Some(p));
    // What the create wrote is what the new Lead holds; only a real change goes out: a sales rep
    // owns the Lead now, so sales owns the person.
    let due = t
        .store
        .due_pushes(System::Salesforce, chrono::Utc::now(), 10)
        .await
        .unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(
        (due[0].operation, due[0].external_id.as_deref()),
        (PushOperation::Update, Some(created_key.id.as_str()))
    );
    let fields: Vec<&String> = due[0].fields.keys().collect();
    assert_eq!(fields, vec!["Lead_Owner_Side__c"]);
}
