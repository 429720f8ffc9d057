//! 429 storms and 5xx bursts: every stream, driven through injected faults and restarted after
//! each failure as the daemon would, ends with exactly the data of a fault-free run.

use crate::support::*;
use closedloop_core::sync::{PullMode, PullStream};
use closedloop_hubspot::HubSpotConnector;
use closedloop_sim::FaultConfig;
use closedloop_sim::generator::{GenerateSpec, generate};
use closedloop_store::Store;

async fn every_stream(store: &Store, hubspot: &HubSpotConnector) -> u32 {
    async fn one<S: PullStream>(store: &Store, stream: S) -> u32 {
        drive(store, &stream, PullMode::Incremental).await.1
    }
    let mut errors = 0;
    errors += one(store, hubspot.catalog()).await;
    errors += one(store, hubspot.contacts()).await;
    errors += one(store, hubspot.archived_contacts()).await;
    errors += one(store, hubspot.deals()).await;
    errors += one(store, hubspot.archived_deals()).await;
    errors += one(store, hubspot.form_submissions()).await;
    errors += one(store, hubspot.marketing_events()).await;
    errors += one(store, hubspot.web_events()).await;
    errors += one(store, hubspot.email_events()).await;
    errors
}

#[tokio::test]
async fn storms_and_bursts_end_with_the_same_data_as_a_fault_free_run() {
    let spec = GenerateSpec::parse("contacts=40,seed=21,hubspot_crm=true,hostile=0,campaigns=3,webinars=2,touches=6")
        .expect("spec");
    let rig = Rig::start(&generate(&spec)).await;
    let deals = "[streams.deals]\nenabled = true\ninterval_secs = 300";
    let clean = rig.connector(deals, fields(), small(20, 20));
    assert_eq!(every_stream(&rig.store, &clean).await, 0);
    let expected = dump(&rig.store).await;
    assert!(
        expected["touchpoints"].len() > 50 && !expected["deals"].is_empty(),
        "a world worth syncing"
    );

    rig.admin().set_faults(FaultConfig {
        seed: 5,
        rate_429: 0.05,
        rate_500: 0.12,
        rate_502: 0.12,
        rate_503: 0.12,
        rate_reset: 0.08,
        ..FaultConfig::default()
    });
    // Few attempts per call, so some calls fail outright and their page is read again later.
    let mut tuning = small(20, 20);
    tuning.retry.max_attempts = 3;
    let stormy = rig.connector(deals, fields(), tuning);
    let store = rig.fresh_store("stormy").await;
    let errors = every_stream(&store, &stormy).await;
    rig.admin().set_faults(FaultConfig::default());
    let stats = rig.admin().stats();
    let injected: u64 = stats.faults_injected.values().sum();
    assert!(injected >= 20, "{:?}", stats.faults_injected);
    assert!(
        errors >= 1,
        "some calls must outlast their retries for the test to mean anything"
    );
    assert_same(&expected, &dump(&store).await, "after the storm");
}
