//! A run killed after any page resumes without loss or duplicates: for every page of a stream,
//! stop there, start a new process (a new connector: no open query), finish, and compare the
//! store with an uninterrupted run.

use crate::support::{Setup, World, drive};
use crate::world::generated;
use closedloop_salesforce::SalesforceConnector;
use closedloop_store::Store;

/// What a store holds, as comparable text: every row of the record tables the streams write.
async fn contents(world: &World, store: &Store) -> Vec<String> {
    let mut out = Vec::new();
    for sql in [
        "SELECT id || '|' || modified_at || '|' || deleted || '|' || COALESCE(status, '') || '|' || fields FROM crm_leads ORDER BY 1",
        "SELECT id || '|' || modified_at || '|' || deleted FROM crm_contacts ORDER BY 1",
        "SELECT id || '|' || stage_id || '|' || status || '|' || COALESCE(amount_minor, '') FROM deals ORDER BY 1",
        "SELECT deal_id || '|' || contact_id FROM deal_contacts ORDER BY 1",
        "SELECT subject_id || '|' || kind || '|' || value || '|' || occurred_at || '|' || COALESCE(reason, '') FROM stage_changes ORDER BY 1",
        "SELECT id || '|' || who_id || '|' || kind FROM sales_activities ORDER BY 1",
        "SELECT source_event_id || '|' || subject_id FROM touchpoints ORDER BY 1",
        "SELECT id || '|' || name FROM campaigns ORDER BY 1",
        "SELECT external_id || '|' || reason FROM quarantine ORDER BY 1",
    ] {
        let rows = world.column(store, sql).await;
        out.push(format!("{sql}: {} rows", rows.len()));
        out.extend(rows);
    }
    out
}

/// Reads one stream completely, stopping after `stop_after` pages first when given.
async fn run(world: &World, store: &Store, stream: &str, setup: &Setup, stop_after: Option<u64>) -> u64 {
    async fn go(store: &Store, c: &SalesforceConnector, stream: &str, max: Option<u64>) -> u64 {
        macro_rules! on {
            ($s:expr) => {
                drive(store, &$s.unwrap(), max).await.unwrap().pages
            };
        }
        match stream {
            "leads" => on!(c.leads()),
            "opportunities" => on!(c.opportunities()),
            "activities" => on!(c.activities()),
            "campaigns" => on!(c.campaigns()),
            _ => on!(c.lead_status_history()),
        }
    }
    let mut pages = 0;
    if let Some(n) = stop_after {
        pages += go(store, &world.connector(setup), stream, Some(n)).await;
    }
    pages + go(store, &world.connector(setup), stream, None).await
}

#[tokio::test]
async fn a_run_killed_after_any_page_resumes_without_loss_or_duplicates() {
    let world = World::start(generated("contacts=1000,seed=5,hostile=0.03")).await;
    let setup = Setup::default();
    for stream in [
        "leads",
        "opportunities",
        "activities",
        "campaigns",
        "lead_status_history",
    ] {
        let reference = world.fresh_store(&format!("{stream}-whole")).await;
        let pages = run(&world, &reference, stream, &setup, None).await;
        let expected = contents(&world, &reference).await;
        assert!(pages >= 2, "{stream}: {pages} pages is too few to test");
        for stop in 1..pages {
            let store = world.fresh_store(&format!("{stream}-{stop}")).await;
            run(&world, &store, stream, &setup, Some(stop)).await;
            assert_eq!(
                contents(&world, &store).await,
                expected,
                "{stream} stopped after page {stop}"
            );
        }
    }
}
