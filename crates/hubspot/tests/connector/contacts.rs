//! Contacts: a full pull, then incremental pulls that read exactly what changed, past the search
//! cap, with records indexed late, archived and merged contacts, and hostile data quarantined.

use crate::support::*;
use closedloop_core::cursor::StreamName;
use closedloop_core::page::PageBatch;
use closedloop_hubspot::ObjectCursor;
use closedloop_sim::hubspot::ObjectKind;
use closedloop_sim::scenario::Scenario;
use reqwest::Method;
use serde_json::json;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

/// Each stored contact snapshot's hash, by contact id.
async fn hashes(store: &closedloop_store::Store) -> BTreeMap<String, String> {
    rows(
        store,
        "SELECT external_id, content_hash FROM source_snapshots WHERE system = 'hubspot' AND object_type = 'contact'",
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default()))
    .collect()
}

/// The ids whose snapshot is new or changed between two readings.
fn changed(before: &BTreeMap<String, String>, after: &BTreeMap<String, String>) -> BTreeSet<String> {
    after
        .iter()
        .filter(|(id, hash)| before.get(*id) != Some(*hash))
        .map(|(id, _)| id.clone())
        .collect()
}

async fn first_name(store: &closedloop_store::Store, id: u64) -> Option<String> {
    rows(
        store,
        &format!("SELECT first_name FROM marketing_contacts WHERE id = '{id}'"),
    )
    .await
    .first()
    .and_then(|r| r[0].clone())
}

#[tokio::test]
async fn a_full_pull_then_incremental_pulls_read_exactly_the_changed_contacts() {
    let rig = Rig::start(&contacts(240)).await;
    rig.admin().freeze_clock();
    let hubspot = rig.connector("", fields(), small(50, 20));
    let stream = hubspot.contacts();

    let full = pull(&rig.store, &stream).await;
    assert_eq!(scalar(&rig.store, "SELECT count(*) FROM marketing_contacts").await, 240);
    assert_eq!(full.rejected, 0);
    assert_eq!(
        scalar(
            &rig.store,
            "SELECT count(*) FROM stage_changes WHERE kind = 'lifecycle'"
        )
        .await,
        240,
        "each contact's lead date is a stage change"
    );

    // Nothing changed: the overlap is re-read, but nothing is written.
    let before = hashes(&rig.store).await;
    let idle = pull(&rig.store, &stream).await;
    assert_eq!(idle.written, 0, "{idle:?}");
    assert_eq!(hashes(&rig.store).await, before);

    // Edits by a user, one with a lifecycle change, and a new contact from the API.
    let ids = live_contact_ids(rig.admin());
    let edited: Vec<u64> = ids.iter().copied().step_by(9).collect();
    for id in &edited {
        rig.admin()
            .update_as_user(
                ObjectKind::Contact,
                *id,
                &[("firstname", "Changed"), ("hs_lead_status", "OPEN")],
            )
            .expect("edit");
    }
    rig.admin()
        .update_as_user(
            ObjectKind::Contact,
            ids[3],
            &[("lifecyclestage", "marketingqualifiedlead")],
        )
        .expect("edit");
    let created = rig
        .api(
            Method::POST,
            "/crm/v3/objects/contacts",
            Some(props(&[("email", "new.person@example.com"), ("firstname", "New")])),
        )
        .await;
    let created_id = created["id"].as_str().expect("id").to_owned();

    let incremental = pull(&rig.store, &stream).await;
    assert_eq!(incremental.rejected, 0);
    let after = hashes(&rig.store).await;
    let mut expected: BTreeSet<String> = edited.iter().map(u64::to_string).collect();
    expected.insert(ids[3].to_string());
    expected.insert(created_id.clone());
    assert_eq!(
        changed(&before, &after),
        expected,
        "exactly the changed contacts are rewritten"
    );
    for id in &edited {
        assert_eq!(first_name(&rig.store, *id).await.as_deref(), Some("Changed"));
    }
    assert_eq!(scalar(&rig.store, "SELECT count(*) FROM marketing_contacts").await, 241);
    let mql = rows(
        &rig.store,
        &format!("SELECT lifecycle_stage FROM marketing_contacts WHERE id = '{}'", ids[3]),
    )
    .await;
    assert_eq!(mql[0][0].as_deref(), Some("marketingqualifiedlead"));
    assert_eq!(
        scalar(
            &rig.store,
            "SELECT count(*) FROM marketing_contacts WHERE fields LIKE '%\"hs_lead_status\":\"OPEN\"%'"
        )
        .await,
        edited.len() as i64,
        "read-back fields hold the values exactly as hubspot reports them"
    );
}

#[tokio::test]
async fn more_changes_than_one_search_may_page_through_are_all_read() {
    let rig = Rig::start(&contacts(300)).await;
    rig.admin().freeze_clock();
    let mut edges = rig.admin().edges();
    edges.search_result_cap = Some(60);
    rig.admin().set_edges(edges);
    let hubspot = rig.connector("", fields(), small(100, 20));
    let stream = hubspot.contacts();
    pull(&rig.store, &stream).await;

    let ids = live_contact_ids(rig.admin());
    // 230 edits at one instant: more ties than one query may page through ...
    for id in &ids[..230] {
        rig.admin()
            .update_as_user(ObjectKind::Contact, *id, &[("firstname", "Tied")])
            .expect("edit");
    }
    // ... and 40 more, each at its own instant.
    for id in &ids[230..270] {
        rig.admin().advance_clock(Duration::from_millis(7));
        rig.admin()
            .update_as_user(ObjectKind::Contact, *id, &[("firstname", "Spread")])
            .expect("edit");
    }
    let before = rig.admin().stats();
    let outcome = pull(&rig.store, &stream).await;
    let searches = rig.calls_since(&before)["POST /crm/v3/objects/{object_type}/search"];
    assert!(
        searches >= 270 / 20,
        "{searches} searches for 270 changes in pages of 20"
    );
    assert_eq!(
        scalar(
            &rig.store,
            "SELECT count(*) FROM marketing_contacts WHERE first_name = 'Tied'"
        )
        .await,
        230
    );
    assert_eq!(
        scalar(
            &rig.store,
            "SELECT count(*) FROM marketing_contacts WHERE first_name = 'Spread'"
        )
        .await,
        40
    );
    assert!(outcome.caught_up);
}

#[tokio::test]
async fn over_ten_thousand_changes_are_read_at_hubspots_real_cap() {
    // Every contact changed since the cursor: 10,250 changes in one pass, with HubSpot's real
    // cap (10,000) and page size (200) in the simulator and the connector.
    let n = 10_250;
    let rig = Rig::start(&contacts(n)).await;
    let hubspot = rig.connector("", fields(), quick());
    let stream = hubspot.contacts();
    let name = StreamName::new("hubspot.contacts").expect("name");
    let cursor = ObjectCursor::Idle {
        pass: 1,
        high_water: at(-100_000),
    };
    rig.store
        .commit_page::<ObjectCursor>(&name, None, &cursor, &PageBatch::default())
        .await
        .expect("seed the cursor");
    let before = rig.admin().stats();
    let outcome = pull(&rig.store, &stream).await;
    let calls = rig.calls_since(&before);
    assert_eq!(
        scalar(&rig.store, "SELECT count(*) FROM marketing_contacts").await,
        n as i64
    );
    let searches = calls["POST /crm/v3/objects/{object_type}/search"];
    assert!(
        (52..=53).contains(&searches),
        "{searches} searches: 10,250 results in pages of 200, one query restarted at the cap"
    );
    assert!(outcome.caught_up);
    let Some(ObjectCursor::Idle { high_water, .. }) =
        rig.store.load_cursor::<ObjectCursor>(&name).await.expect("cursor")
    else {
        panic!("the pass did not finish")
    };
    assert_eq!(
        high_water,
        at(n as i64 - 1),
        "the high-water mark is the newest change read"
    );
}

#[tokio::test]
async fn contacts_that_reach_search_late_are_read_through_the_lookback() {
    let rig = Rig::start(&contacts(20)).await;
    rig.admin().freeze_clock();
    let with_lookback = rig.connector("", fields(), quick());
    let without = rig.connector("[streams.contacts]\nlookback_secs = 0", fields(), quick());
    let other_store = rig.fresh_store("no-lookback").await;
    let (a, b) = (with_lookback.contacts(), without.contacts());
    pull(&rig.store, &a).await;
    pull(&other_store, &b).await;

    let ids = live_contact_ids(rig.admin());
    let (late, early) = (ids[4], ids[9]);
    // The first edit takes a minute to reach the index; the second, made 5 s later, one second.
    let mut edges = rig.admin().edges();
    edges.search_lag_ms = 60_000;
    rig.admin().set_edges(edges);
    rig.admin()
        .update_as_user(ObjectKind::Contact, late, &[("firstname", "Late")])
        .expect("edit");
    edges.search_lag_ms = 1_000;
    rig.admin().set_edges(edges);
    rig.admin().advance_clock(Duration::from_secs(5));
    rig.admin()
        .update_as_user(ObjectKind::Contact, early, &[("firstname", "Early")])
        .expect("edit");
    rig.admin().advance_clock(Duration::from_secs(2));

    pull(&rig.store, &a).await;
    pull(&other_store, &b).await;
    for store in [&rig.store, &other_store] {
        assert_eq!(first_name(store, early).await.as_deref(), Some("Early"));
        assert_eq!(
            first_name(store, late).await.as_deref(),
            Some("First4"),
            "not in search yet"
        );
    }

    rig.admin().advance_clock(Duration::from_secs(120));
    pull(&rig.store, &a).await;
    pull(&other_store, &b).await;
    assert_eq!(
        first_name(&rig.store, late).await.as_deref(),
        Some("Late"),
        "the lookback re-reads the overlap and finds the late record"
    );
    assert_eq!(
        first_name(&other_store, late).await.as_deref(),
        Some("First4"),
        "without a lookback the late record is missed: the overlap is what catches it"
    );
}

#[tokio::test]
async fn archived_and_merged_contacts_map_onto_what_survives() {
    let mut scenario: Scenario = contacts(30);
    if let Some(h) = scenario.people[3].hubspot.as_mut() {
        h.archived_at = Some(at(100));
    }
    if let Some(h) = scenario.people[5].hubspot.as_mut() {
        h.merged_into = Some("p-000004".into());
        h.merged_at = Some(at(200));
    }
    let rig = Rig::start(&scenario).await;
    rig.admin().freeze_clock();
    let hubspot = rig.connector("", fields(), small(10, 10));
    let (live, archived) = (hubspot.contacts(), hubspot.archived_contacts());
    pull(&rig.store, &live).await;
    pull(&rig.store, &archived).await;
    // Ids follow creation order, and person i was created i minutes in.
    let id = |i: usize| closedloop_sim::hubspot::state::first_id::CONTACT + i as u64;
    let (p3, p4, p5) = (id(3), id(4), id(5));
    assert_eq!(
        scalar(
            &rig.store,
            &format!("SELECT archived FROM marketing_contacts WHERE id = '{p3}'")
        )
        .await,
        1
    );
    assert_eq!(
        rows(&rig.store, "SELECT merged_id, survivor_id FROM record_merges").await,
        vec![vec![Some(p5.to_string()), Some(p4.to_string())]]
    );

    // At run time: one contact deleted, two merged.
    let (p10, p11, p12) = (id(10), id(11), id(12));
    rig.api(Method::DELETE, &format!("/crm/v3/objects/contacts/{p10}"), None)
        .await;
    rig.api(
        Method::POST,
        "/crm/v3/objects/contacts/merge",
        Some(json!({ "primaryObjectId": p11.to_string(), "objectIdToMerge": p12.to_string() })),
    )
    .await;
    rig.admin().advance_clock(Duration::from_secs(1));
    pull(&rig.store, &live).await;
    pull(&rig.store, &archived).await;
    assert_eq!(
        scalar(
            &rig.store,
            &format!("SELECT archived FROM marketing_contacts WHERE id = '{p10}'")
        )
        .await,
        1
    );
    assert_eq!(
        scalar(
            &rig.store,
            &format!("SELECT count(*) FROM record_merges WHERE merged_id = '{p12}' AND survivor_id = '{p11}'")
        )
        .await,
        1
    );
    let merged_ids = rows(
        &rig.store,
        &format!("SELECT merged_ids FROM marketing_contacts WHERE id = '{p11}'"),
    )
    .await;
    assert!(
        merged_ids[0][0].as_deref().unwrap_or("").contains(&p12.to_string()),
        "{merged_ids:?}"
    );
    assert_eq!(
        scalar(&rig.store, "SELECT count(*) FROM marketing_contacts WHERE archived = 0").await,
        27,
        "30 contacts, less two archived and one merged away; the other merged-away one was never live here"
    );
    // Archived pages re-read unchanged write nothing.
    let again = pull(&rig.store, &archived).await;
    assert_eq!(again.written, 0, "{again:?}");
}

#[tokio::test]
async fn hostile_contacts_are_quarantined_with_a_reason_and_the_rest_syncs() {
    let scenario = closedloop_sim::generator::named("hostile").expect("hostile scenario");
    let rig = Rig::start(&scenario).await;
    let hubspot = rig.connector("", fields(), small(5, 10));
    let outcome = pull(&rig.store, &hubspot.contacts()).await;
    assert!(outcome.caught_up);
    let quarantined: BTreeMap<String, String> = rows(
        &rig.store,
        "SELECT external_id, reason FROM quarantine WHERE stream = 'hubspot.contacts'",
    )
    .await
    .into_iter()
    .map(|r| (r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default()))
    .collect();
    let expect_reason = |key: &str, reason: &str| {
        let person = scenario.people.iter().find(|p| p.key == key).expect("person");
        let id = rig
            .admin()
            .read(|w| w.contacts.find_unique(&person.email))
            .expect("contact")
            .to_string();
        let got = quarantined
            .get(&id)
            .unwrap_or_else(|| panic!("{key} ({id}) not quarantined: {quarantined:#?}"));
        assert!(got.contains(reason), "{key}: {got}");
    };
    expect_reason("invalid-email", "invalid email");
    expect_reason("unknown-lifecycle", "unknown lifecycle stage");
    expect_reason("unknown-hubspot-lead-status", "lead status");
    expect_reason("unknown-source", "not a hubspot source");
    expect_reason("control-characters", "control characters");
    expect_reason("future-dates", "in the future");
    let huge = scenario.people.last().expect("huge-name person");
    let huge_id = rig
        .admin()
        .read(|w| w.contacts.find_unique(&huge.email))
        .expect("contact")
        .to_string();
    assert!(
        quarantined[&huge_id].contains("characters long"),
        "{}",
        quarantined[&huge_id]
    );
    // Everyone else synced, awkward names included.
    let stored = scalar(&rig.store, "SELECT count(*) FROM marketing_contacts").await as usize;
    let contacts_in_hubspot = scenario.people.iter().filter(|p| p.hubspot.is_some()).count();
    assert_eq!(stored + quarantined.len(), contacts_in_hubspot);
    let emoji = rows(
        &rig.store,
        "SELECT last_name FROM marketing_contacts WHERE email = 'zoe.mueller@novaleaf-media.de'",
    )
    .await;
    assert_eq!(emoji[0][0].as_deref(), Some("Müller 🚀"));
}

#[tokio::test]
async fn a_contact_changed_again_during_a_pass_skips_no_other_contact() {
    let rig = Rig::start(&contacts(100)).await;
    rig.admin().freeze_clock();
    let hubspot = rig.connector("", fields(), small(100, 10));
    let stream = hubspot.contacts();
    pull(&rig.store, &stream).await;
    let ids = live_contact_ids(rig.admin());
    for id in &ids {
        rig.admin().advance_clock(Duration::from_millis(1));
        rig.admin()
            .update_as_user(ObjectKind::Contact, *id, &[("firstname", "V1")])
            .expect("edit");
    }
    // Two pages into the pass, a contact already read changes again and moves to the end of the
    // order. Offset paging would now skip the contact that slides into its place.
    pull_pages(&rig.store, &stream, 2).await;
    rig.admin().advance_clock(Duration::from_millis(1));
    rig.admin()
        .update_as_user(ObjectKind::Contact, ids[0], &[("firstname", "V2")])
        .expect("edit");
    pull(&rig.store, &stream).await;
    assert_eq!(first_name(&rig.store, ids[0]).await.as_deref(), Some("V2"));
    assert_eq!(
        scalar(
            &rig.store,
            "SELECT count(*) FROM marketing_contacts WHERE first_name = 'V1'"
        )
        .await,
        99,
        "every other change was read"
    );
}

#[tokio::test]
async fn a_backfill_lists_every_contact_again_and_incremental_reads_continue_after_it() {
    use closedloop_core::sync::PullMode;
    let rig = Rig::start(&contacts(40)).await;
    rig.admin().freeze_clock();
    let hubspot = rig.connector("", fields(), small(15, 10));
    let stream = hubspot.contacts();
    pull(&rig.store, &stream).await;
    pull(&rig.store, &stream).await;
    let name = StreamName::new("hubspot.contacts").expect("name");
    let Some(ObjectCursor::Idle { pass, high_water }) =
        rig.store.load_cursor::<ObjectCursor>(&name).await.expect("cursor")
    else {
        panic!("caught up")
    };

    let before = rig.admin().stats();
    let (outcome, errors) = drive(
        &rig.store,
        &stream,
        PullMode::Backfill {
            since: at(0),
            until: at(20),
        },
    )
    .await;
    assert_eq!((errors, outcome.pages), (0, 3), "40 contacts in list pages of 15");
    assert_eq!(rig.calls_since(&before)["GET /crm/v3/objects/{object_type}"], 3);
    let Some(ObjectCursor::Idle {
        pass: after_pass,
        high_water: kept,
    }) = rig.store.load_cursor::<ObjectCursor>(&name).await.expect("cursor")
    else {
        panic!("the backfill finished")
    };
    assert_eq!(
        (after_pass, kept),
        (pass + 1, high_water),
        "incremental reads resume where they stood"
    );

    let ids = live_contact_ids(rig.admin());
    rig.admin()
        .update_as_user(ObjectKind::Contact, ids[7], &[("firstname", "After")])
        .expect("edit");
    pull(&rig.store, &stream).await;
    assert_eq!(first_name(&rig.store, ids[7]).await.as_deref(), Some("After"));
}
