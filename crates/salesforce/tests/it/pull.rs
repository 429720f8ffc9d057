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

#[tokio::test]
async fn a_backfill_rereads_its_range_and_leaves_the_incremental_position_alone() {
    use closedloop_core::cursor::StreamName;
    use closedloop_core::sync::PullMode;
    use closedloop_engine::pull::{NoObserver, drive_stream};
    use closedloop_salesforce::LeadsCursor;
    use tokio_util::sync::CancellationToken;

    let mut people: Vec<_> = (0..30)
        .map(|i| crate::support::lead_person(i, "2026-06-01T10:00:00Z", &[]))
        .collect();
    people.extend((30..40).map(|i| crate::support::lead_person(i, "2026-07-01T10:00:00Z", &[])));
    let world = World::start(crate::support::scenario(people)).await;
    let leads = world.connector(&Setup::default()).leads().unwrap();
    drive(&world.store, &leads, None).await.unwrap();
    let name = StreamName::new("salesforce.leads").unwrap();
    let before: LeadsCursor = world.store.load_cursor(&name).await.unwrap().unwrap();

    let july = PullMode::Backfill {
        since: "2026-06-15T00:00:00Z".parse().unwrap(),
        until: "2026-07-15T00:00:00Z".parse().unwrap(),
    };
    let cancel = CancellationToken::new();
    let outcome = drive_stream(&world.store, &leads, july, None, &cancel, &NoObserver)
        .await
        .unwrap();
    assert_eq!((outcome.unchanged, outcome.written), (10, 0), "only the ten July leads");
    let after: LeadsCursor = world.store.load_cursor(&name).await.unwrap().unwrap();
    assert_eq!(after.leads.after, before.leads.after);
    assert!(after.leads.backfill.as_ref().is_some_and(|b| b.done));
    // Done is done: the same range again reads nothing, and incremental pulls carry on.
    let again = drive_stream(&world.store, &leads, july, None, &cancel, &NoObserver)
        .await
        .unwrap();
    assert_eq!((again.unchanged, again.written), (0, 0));
    let incremental = drive(&world.store, &leads, None).await.unwrap();
    assert_eq!((incremental.written, incremental.unchanged), (0, 0));
}

#[tokio::test]
async fn a_storm_of_server_errors_ends_with_the_same_data() {
    let world = World::start(crate::world::generated("contacts=600,seed=9,hostile=0")).await;
    let c = world.connector(&Setup::default());
    world.sim.set_faults(closedloop_sim::FaultConfig {
        seed: 3,
        rate_429: 0.05,
        rate_500: 0.1,
        rate_502: 0.05,
        rate_503: 0.1,
        rate_reset: 0.05,
        ..closedloop_sim::FaultConfig::default()
    });
    // The daemon's way: a stream that failed is tried again on the next cycle.
    let mut cycles = 0;
    loop {
        cycles += 1;
        let mut all_caught_up = true;
        macro_rules! cycle {
            ($stream:expr) => {
                match drive(&world.store, &$stream.unwrap(), None).await {
                    Ok(o) => all_caught_up &= o.caught_up,
                    Err(e) => {
                        assert!(!e.is_quota_exhausted(), "{e}");
                        all_caught_up = false;
                    }
                }
            };
        }
        cycle!(c.leads());
        cycle!(c.contacts());
        cycle!(c.opportunities());
        cycle!(c.activities());
        if all_caught_up || cycles > 30 {
            break;
        }
    }
    world.sim.set_faults(closedloop_sim::FaultConfig::default());
    assert!(
        world.sim.stats().faults_injected.values().sum::<u64>() > 0,
        "the storm happened"
    );
    let calm = world.fresh_store("calm").await;
    let c = world.connector(&Setup::default());
    drive(&calm, &c.leads().unwrap(), None).await.unwrap();
    drive(&calm, &c.contacts().unwrap(), None).await.unwrap();
    drive(&calm, &c.opportunities().unwrap(), None).await.unwrap();
    drive(&calm, &c.activities().unwrap(), None).await.unwrap();
    for table in [
        "crm_leads",
        "crm_contacts",
        "deals",
        "sales_activities",
        "deal_contacts",
        "stage_changes",
    ] {
        let sql = format!("SELECT COUNT(*) FROM {table}");
        assert_eq!(
            world.count(&world.store, &sql).await,
            world.count(&calm, &sql).await,
            "{table}"
        );
    }
    assert_eq!(
        world.stored_ids(&world.store, "deals").await,
        world.stored_ids(&calm, "deals").await
    );
}
