//! Identity through the store: a conversion, a HubSpot merge, CRM duplicates and an email change.
//! Touchpoints and history follow the person; person ids merge into the older one.

use super::reconcile_support::*;
use crate::reconcile::run;
use closedloop_core::page::Record;
use closedloop_core::rules::ReconcileRules;
use closedloop_core::{HubSpotId, PersonId, System};
use closedloop_store::Store;

async fn reconcile(store: &Store) -> crate::reconcile::ReconcileSummary {
    run(store, &ReconcileRules::default(), now(), 50).await.unwrap()
}

async fn person(store: &Store, key: &closedloop_core::ExternalId) -> PersonId {
    store.person_of(key).await.unwrap().expect("linked")
}

#[tokio::test]
async fn a_conversion_keeps_the_person_and_their_history() {
    let t = temp_store().await;
    let hs = hs_contact(101, "ada@example.com", day(0, 0));
    let lead = sf_lead(1, "ada@example.com", day(2, 0));
    commit(
        &t.store,
        vec![
            Record::MarketingContact(hs.clone()),
            Record::CrmLead(lead.clone()),
            Record::Touchpoint(touch("t1", &hs.key(), day(0, 0), 1)),
            Record::Activity(call(1, &lead.key(), day(2, 1))),
        ],
    )
    .await;
    let first = reconcile(&t.store).await;
    assert_eq!((first.people, first.new_people), (1, 1));
    let p = person(&t.store, &lead.key()).await;

    // Sales converts the lead into a contact that carries another email, and the contact
    // responds to a campaign.
    let contact = sf_contact(7, "ada@newjob.example", day(10, 0));
    commit(
        &t.store,
        vec![
            Record::CrmLead(converted(lead.clone(), 7, day(10, 0))),
            Record::CrmContact(contact.clone()),
            Record::Touchpoint(touch("t2", &contact.key(), day(11, 0), 2)),
        ],
    )
    .await;
    let second = reconcile(&t.store).await;
    assert_eq!((second.people, second.new_people, second.merges), (1, 0, 0));
    assert_eq!(
        person(&t.store, &contact.key()).await,
        p,
        "the contact joins the lead's person"
    );
    let links = t.store.person_links(p).await.unwrap();
    let lead_link = links.iter().find(|l| l.key == lead.key()).unwrap();
    assert_eq!(
        (lead_link.state.as_str(), lead_link.reason.as_str()),
        ("converted", "conversion")
    );
    assert!(!lead_link.primary, "a converted lead is read-only history");
    assert!(links.iter().any(|l| l.key == contact.key() && l.primary));
    let result = t.store.person_result(p).await.unwrap().unwrap();
    assert_eq!(
        result.touchpoints, 2,
        "touches on the lead's person and the new contact are one history"
    );
    assert!(
        result.milestones.contains_key("first_sales_contact"),
        "the lead's call is kept"
    );
    assert_eq!(t.store.status(10).await.unwrap().persons, 1);
}

#[tokio::test]
async fn a_hubspot_merge_merges_the_person_ids_into_the_older_one() {
    let t = temp_store().await;
    let a = hs_contact(101, "ada@example.com", day(0, 0));
    let b = hs_contact(202, "ada.l@example.com", day(3, 0));
    commit(
        &t.store,
        vec![
            Record::MarketingContact(a.clone()),
            Record::MarketingContact(b.clone()),
            Record::Touchpoint(touch("t1", &a.key(), day(0, 0), 1)),
            Record::Touchpoint(touch("t2", &b.key(), day(3, 0), 2)),
        ],
    )
    .await;
    assert_eq!(reconcile(&t.store).await.new_people, 2);
    let (pa, pb) = (person(&t.store, &a.key()).await, person(&t.store, &b.key()).await);
    assert!(pa < pb);
    assert!(t.store.person_result(pb).await.unwrap().is_some());

    // HubSpot merges 101 into 202: the survivor lists it, the merged-away contact is archived.
    let mut survivor = b.clone();
    survivor.merged_ids = vec![HubSpotId::parse("101").unwrap()];
    survivor.updated_at = day(20, 0);
    let mut gone = a.clone();
    gone.archived = true;
    gone.updated_at = day(20, 0);
    commit(
        &t.store,
        vec![Record::MarketingContact(survivor), Record::MarketingContact(gone)],
    )
    .await;
    let summary = reconcile(&t.store).await;
    assert_eq!((summary.merges, summary.new_people), (1, 0));
    assert_eq!(person(&t.store, &a.key()).await, pa, "the older id survives");
    assert_eq!(person(&t.store, &b.key()).await, pa);
    assert_eq!(
        t.store.live_person(pb).await.unwrap(),
        Some(pa),
        "the merged id points at the survivor"
    );
    assert!(
        t.store.person_result(pb).await.unwrap().is_none(),
        "the merged id's results are gone"
    );
    assert!(t.store.conversions_of(pb, &[]).await.unwrap().is_empty());
    let result = t.store.person_result(pa).await.unwrap().unwrap();
    assert_eq!(
        result.touchpoints, 2,
        "both contacts' touches are the survivor's history"
    );
    let links = t.store.person_links(pa).await.unwrap();
    let merged = links.iter().find(|l| l.key == a.key()).unwrap();
    assert_eq!(
        (merged.state.as_str(), merged.reason.as_str()),
        ("merged_away", "merge")
    );
    assert!(links.iter().any(|l| l.key == b.key() && l.primary));
    let status = t.store.status(10).await.unwrap();
    assert_eq!(status.persons, 1);
    assert!(
        status.duplicates.is_empty(),
        "a merged-away record is history, not a duplicate"
    );
}

#[tokio::test]
async fn crm_duplicates_are_linked_listed_and_cleared_when_fixed() {
    let t = temp_store().await;
    let hs = hs_contact(101, "ada@example.com", day(0, 0));
    let older = sf_lead(1, "ada@example.com", day(1, 0));
    let newer = sf_lead(2, "ADA@example.com ", day(2, 0));
    commit(
        &t.store,
        vec![
            Record::MarketingContact(hs.clone()),
            Record::CrmLead(older.clone()),
            Record::CrmLead(newer.clone()),
        ],
    )
    .await;
    let summary = reconcile(&t.store).await;
    assert_eq!((summary.people, summary.duplicates), (1, 1));
    let p = person(&t.store, &newer.key()).await;
    let links = t.store.person_links(p).await.unwrap();
    let primaries: Vec<_> = links.iter().filter(|l| l.primary).map(|l| l.key.clone()).collect();
    assert_eq!(
        primaries,
        vec![hs.key(), older.key()],
        "one primary per system: the oldest lead"
    );
    let status = t.store.status(10).await.unwrap();
    assert_eq!(status.duplicates.len(), 1);
    assert_eq!(
        status.duplicates[0].external_ids,
        vec![older.id.to_string(), newer.id.to_string()]
    );
    assert_eq!(status.duplicates[0].person_id, p.0);

    // Only the primary is pushed to.
    let due = t
        .store
        .due_pushes(System::Salesforce, chrono::Utc::now(), 10)
        .await
        .unwrap();
    assert!(due.iter().all(|i| i.external_id.as_deref() == Some(older.id.as_str())));

    // Sales deletes the duplicate: it stays linked as history and leaves the list.
    let mut deleted = newer.clone();
    deleted.deleted = true;
    deleted.modified_at = day(5, 0);
    commit(&t.store, vec![Record::CrmLead(deleted)]).await;
    assert_eq!(reconcile(&t.store).await.duplicates, 0);
    assert!(t.store.status(10).await.unwrap().duplicates.is_empty());
    assert_eq!(person(&t.store, &newer.key()).await, p);
}

#[tokio::test]
async fn an_email_change_moves_the_record_with_its_touchpoints() {
    let t = temp_store().await;
    let hs = hs_contact(101, "ada@example.com", day(0, 0));
    let lead_a = sf_lead(1, "ada@example.com", day(1, 0));
    let lead_b = sf_lead(2, "ada@newjob.example", day(2, 0));
    commit(
        &t.store,
        vec![
            Record::MarketingContact(hs.clone()),
            Record::CrmLead(lead_a.clone()),
            Record::CrmLead(lead_b.clone()),
            Record::Touchpoint(touch("t1", &hs.key(), day(0, 0), 1)),
            Record::Touchpoint(touch("t2", &hs.key(), day(1, 0), 1)),
        ],
    )
    .await;
    reconcile(&t.store).await;
    let (p, q) = (
        person(&t.store, &lead_a.key()).await,
        person(&t.store, &lead_b.key()).await,
    );
    assert_ne!(p, q);
    assert_eq!(person(&t.store, &hs.key()).await, p);
    assert_eq!(t.store.person_result(p).await.unwrap().unwrap().touchpoints, 2);

    // The marketing contact's email changes to the other lead's.
    let mut moved = hs.clone();
    moved.email = Some(closedloop_core::Email::parse("ada@newjob.example").unwrap());
    moved.updated_at = day(30, 0);
    commit(&t.store, vec![Record::MarketingContact(moved)]).await;
    let summary = reconcile(&t.store).await;
    assert_eq!((summary.merges, summary.new_people, summary.relinked), (0, 0, 1));
    assert_eq!(
        person(&t.store, &hs.key()).await,
        q,
        "the contact follows its new email"
    );
    assert_eq!(
        person(&t.store, &lead_a.key()).await,
        p,
        "the old person keeps its id and lead"
    );
    assert_eq!(
        t.store.person_result(q).await.unwrap().unwrap().touchpoints,
        2,
        "touches moved along"
    );
    assert_eq!(t.store.person_result(p).await.unwrap().unwrap().touchpoints, 0);
    assert_eq!(t.store.status(10).await.unwrap().persons, 2);
}
