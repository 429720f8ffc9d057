//! Fault storms: 30% of the calls to both simulators fail (429, 500, 502, 503, hung requests,
//! connections reset mid-body, evenly), seeded. The engine (in process) runs cycles until the
//! loop settles under the storm; the final state of the store and of both simulators equals a
//! fault-free run's.

use closedloop_core::sync::PullMode;
use closedloop_sim::FaultConfig;
use closedloop_tests::snapshot::assert_same;
use closedloop_tests::world::World;

const SPEC: &str = "contacts=80,seed=31,hostile=0.02,duplicates=0.05";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_30_percent_fault_storm_ends_like_a_fault_free_run() {
    let reference = World::generated(SPEC).await;
    reference.make_fast(5);
    reference.settle_in_process(PullMode::Incremental, 8).await;
    let expected = reference.snapshot().await;
    reference.shutdown().await;

    let world = World::generated(SPEC).await;
    world.make_fast(5);
    // A hung request costs the client its 1-second timeout; the simulator gives up soon after.
    let storm = |seed| FaultConfig {
        hang_ms: 1_500,
        ..FaultConfig::storm(0.3, seed)
    };
    world.hubspot.admin().set_faults(storm(91));
    world.salesforce.set_faults(storm(92));
    let reports = world.settle_in_process(PullMode::Incremental, 20).await;
    let hs = world.hubspot.admin().stats();
    let sf = world.salesforce.stats();
    world.hubspot.admin().set_faults(FaultConfig::default());
    world.salesforce.set_faults(FaultConfig::default());
    let actual = world.snapshot().await;
    assert_same(&expected, &actual, "30% fault storm");
    let faults: u64 = hs.faults_injected.values().chain(sf.faults_injected.values()).sum();
    assert!(faults > 0, "the storm injected nothing");
    println!(
        "resilience/storm: {} cycles to settle, {} requests, {faults} faults injected (HubSpot {:?}, Salesforce {:?}); {}; lost 0, duplicated 0",
        reports.len(),
        hs.requests_total + sf.requests_total,
        hs.faults_injected,
        sf.faults_injected,
        actual.figures()
    );
    world.shutdown().await;
}
