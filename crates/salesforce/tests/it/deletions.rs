//! Deleted and merged records, and the full resync when the deleted-records window has moved on.

use crate::support::{Setup, World, drive, lead_person, scenario};
use closedloop_core::cursor::StreamName;
use closedloop_salesforce::LeadsCursor;
use serde_json::json;

const AT: &str = "2026-06-01T10:00:00Z";

fn people() -> Vec<serde_json::Value> {
    let mut people: Vec<_> = (0..6)
        .map(|i| lead_person(i, AT, &[("Open - Not Contacted", AT)]))
        .collect();
    // Deleted before closedloop ever ran: the first pull already sees it deleted (queryAll).
    people[5]["salesforce"]["leads"][0]["deleted_at"] = json!("2026-11-20T10:00:00Z");
    for i in 10..13 {
        people.push(json!({
            "key": format!("c{i}"), "email": format!("contact{i}@example.com"), "last_name": "Contact",
            "salesforce": {"contact": {"created_at": AT}},
        }));
    }
    people
}

async fn deleted(world: &World, table: &str, id: &str) -> (i64, Option<String>) {
    let rows = world
        .column(
            &world.store,
            &format!("SELECT deleted || '|' || COALESCE(merged_into, '') FROM {table} WHERE id = '{id}'"),
        )
        .await;
    let row = rows.first().cloned().unwrap_or_default();
    let (d, m) = row.split_once('|').unwrap_or(("", ""));
    (d.parse().unwrap_or(-1), (!m.is_empty()).then(|| m.to_owned()))
}

#[tokio::test]
async fn deleted_and_merged_records_arrive_with_their_survivor() {
    let world = World::start(scenario(people())).await;
    let setup = Setup::default();
    let c = world.connector(&setup);
    drive(&world.store, &c.leads().unwrap(), None).await.unwrap();
    drive(&world.store, &c.contacts().unwrap(), None).await.unwrap();
    let leads: Vec<String> = world.sim_ids("Lead", true).into_iter().collect();
    let contacts: Vec<String> = world.sim_ids("Contact", true).into_iter().collect();
    assert_eq!(deleted(&world, "crm_leads", &leads[5]).await, (1, None));
    assert_eq!(deleted(&world, "crm_leads", &leads[0]).await, (0, None));

    world.delete(&leads[..1]).await;
    world.sim.admin().merge(&leads[1], &[&leads[2]]).unwrap();
    world
        .sim
        .admin()
        .merge(&contacts[0], &[&contacts[1], &contacts[2]])
        .unwrap();

    let c = world.connector(&setup);
    let outcome = drive(&world.store, &c.leads().unwrap(), None).await.unwrap();
    assert!(outcome.written >= 3, "{outcome:?}");
    drive(&world.store, &c.contacts().unwrap(), None).await.unwrap();
    assert_eq!(deleted(&world, "crm_leads", &leads[0]).await, (1, None));
    assert_eq!(
        deleted(&world, "crm_leads", &leads[2]).await,
        (1, Some(leads[1].clone()))
    );
    assert_eq!(deleted(&world, "crm_leads", &leads[1]).await, (0, None));
    for loser in &contacts[1..3] {
        assert_eq!(
            deleted(&world, "crm_contacts", loser).await,
            (1, Some(contacts[0].clone()))
        );
    }
    let merges = world
        .count(
            &world.store,
            "SELECT COUNT(*) FROM record_merges WHERE system = 'salesforce'",
        )
        .await;
    assert_eq!(merges, 3);
}

#[tokio::test]
async fn a_cursor_older_than_the_deleted_records_window_resyncs() {
    let world = World::start(scenario((0..20).map(|i| lead_person(i, AT, &[])).collect())).await;
    let setup = Setup::default();
    let leads = world.connector(&setup).leads().unwrap();
    drive(&world.store, &leads, None).await.unwrap();
    let ids: Vec<String> = world.sim_ids("Lead", false).into_iter().collect();
    let name = StreamName::new("salesforce.leads").unwrap();
    let cursor: LeadsCursor = world.store.load_cursor(&name).await.unwrap().unwrap();
    assert_eq!((cursor.leads.epoch, cursor.leads.synced), (0, true));

    // Quiet for a while: a pass still within the window reads nothing and does not resync.
    world.sim.admin().advance_clock(10 * 86_400);
    let quiet = drive(&world.store, &leads, None).await.unwrap();
    assert_eq!((quiet.written, quiet.unchanged), (0, 0));

    // Sixteen more days without a pull: Salesforce no longer knows every deletion since then.
    world.sim.admin().advance_clock(16 * 86_400);
    world.delete(&ids[..1]).await;
    let resync = drive(&world.store, &leads, None).await.unwrap();
    let cursor: LeadsCursor = world.store.load_cursor(&name).await.unwrap().unwrap();
    assert_eq!((cursor.leads.epoch, cursor.leads.synced), (1, true));
    // Every lead read again: 19 unchanged, and the one deleted since the window moved.
    assert_eq!((resync.unchanged, resync.written), (19, 1));
    assert_eq!(deleted(&world, "crm_leads", &ids[0]).await, (1, None));
}
