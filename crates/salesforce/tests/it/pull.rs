//! Full and incremental pulls: paging past 2,000 rows, ties on `SystemModstamp`, lookback.

use crate::support::{Setup, World, drive, tied_leads};
use serde_json::json;

fn route(world: &World, route: &str) -> u64 {
    world.sim.stats().by_route.get(route).copied().unwrap_or(0)
}

const QUERY_ALL: &str = "GET /services/data/{version}/queryAll";
const QUERY_MORE: &str = "GET /services/data/{version}/query/{locator}";

#[tokio::test]
async fn a_full_pull_pages_past_2000_rows_and_stores_every_lead_once() {
    let world = World::start(tied_leads(2_500)).await;
    let setup = Setup {
        batch: 2000,
        ..Setup::default()
    };
    let leads = world.connector(&setup).leads().unwrap();
    let outcome = drive(&world.store, &leads, None).await.unwrap();
    assert_eq!((outcome.pages, outcome.written, outcome.rejected), (2, 2_500, 0));
    assert_eq!(
        world.stored_ids(&world.store, "crm_leads").await,
        world.sim_ids("Lead", true)
    );
    // One query, one nextRecordsUrl: the whole object in two calls.
    assert_eq!((route(&world, QUERY_ALL), route(&world, QUERY_MORE)), (1, 1));
}

#[tokio::test]
async fn an_incremental_pull_resumes_exactly_inside_a_tie() {
    let world = World::start(tied_leads(1_200)).await;
    let setup = Setup::default();
    let outcome = drive(&world.store, &world.connector(&setup).leads().unwrap(), None)
        .await
        .unwrap();
    assert_eq!((outcome.pages, outcome.written), (6, 1_200));

    // 450 leads changed in three writes: each write stamps its 200 rows with one SystemModstamp.
    let ids: Vec<String> = world.sim_ids("Lead", false).into_iter().skip(100).take(450).collect();
    world
        .update_all("Lead", &ids, json!({"First_Touch_Campaign__c": "Spring webinar"}))
        .await;

    // A process that stops after one page, then a new one that continues from the stored
    // cursor (no open query to follow): the keyset condition must split the tie exactly.
    let first = drive(&world.store, &world.connector(&setup).leads().unwrap(), Some(1))
        .await
        .unwrap();
    assert_eq!((first.pages, first.written), (1, 200));
    let rest = drive(&world.store, &world.connector(&setup).leads().unwrap(), None)
        .await
        .unwrap();
    assert_eq!((rest.written, rest.unchanged, rest.caught_up), (250, 0, true));
    let changed = world
        .count(
            &world.store,
            "SELECT COUNT(*) FROM crm_leads WHERE json_extract(fields, '$.First_Touch_Campaign__c') = 'Spring webinar'",
        )
        .await;
    assert_eq!(changed, 450);
    // Caught up: nothing more to read.
    let again = drive(&world.store, &world.connector(&setup).leads().unwrap(), None)
        .await
        .unwrap();
    assert_eq!((again.written, again.unchanged), (0, 0));
}

#[tokio::test]
async fn a_lookback_rereads_recent_rows_without_rewriting_them() {
    let world = World::start(tied_leads(50)).await;
    let setup = Setup {
        lookback_secs: 300,
        ..Setup::default()
    };
    let connector = world.connector(&setup);
    let leads = connector.leads().unwrap();
    drive(&world.store, &leads, None).await.unwrap();
    let ids: Vec<String> = world.sim_ids("Lead", false).into_iter().take(10).collect();
    world
        .update_all("Lead", &ids, json!({"MQL_Date__c": "2026-11-01T10:00:00.000Z"}))
        .await;
    let incremental = drive(&world.store, &leads, None).await.unwrap();
    assert_eq!(incremental.written, 10);
    // The next pull re-reads the ten inside the lookback window; the store sees nothing new.
    let reread = drive(&world.store, &leads, None).await.unwrap();
    assert_eq!((reread.written, reread.unchanged), (0, 10));
}
