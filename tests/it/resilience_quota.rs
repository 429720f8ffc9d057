//! The daily API quota runs out in the middle of a backfill: the backfill stops cleanly with
//! exit code 4, `closedloop status` says which quota is spent, the cursors keep what was
//! committed, and once the quota is back the next run resumes and ends in the same final state
//! as a run that never hit the quota.

use closedloop_tests::snapshot::assert_same;
use closedloop_tests::world::{World, wait};
use serde_json::Value;
use std::time::Duration;

const SPEC: &str = "contacts=150,seed=61,hostile=0.02,duplicates=0.05";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_spent_daily_quota_stops_cleanly_and_the_next_run_resumes() {
    let backfill = ["backfill", "--since", "2020-01-01"];
    let slow = closedloop_sim::FaultConfig {
        latency_ms: 2,
        latency_jitter_ms: 4,
        ..closedloop_sim::FaultConfig::default()
    };
    let reference = World::generated(SPEC).await;
    reference.make_fast(5);
    let out = reference.run(&backfill).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let hubspot_requests = reference.hubspot.admin().stats().requests_total;
    reference.settle_with_binary(6).await;
    let expected = reference.snapshot().await;
    reference.shutdown().await;

    let world = World::generated(SPEC).await;
    world.make_fast(5);
    world.hubspot.admin().set_faults(slow.clone());
    world.salesforce.set_faults(slow);
    let mut child = world.spawn(&backfill, "backfill.log");
    // Spend HubSpot's day when a third of the backfill's HubSpot calls are made.
    while world.hubspot.admin().stats().requests_total < hubspot_requests / 3 {
        assert!(
            child.try_wait().expect("poll").is_none(),
            "{}",
            world.log("backfill.log")
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    world.hubspot.admin().exhaust_daily_quota();
    let status = wait(&mut child).await;
    let log = world.log("backfill.log");
    assert_eq!(status.code(), Some(4), "not a clean quota stop:\n{log}");
    assert!(log.contains("quota_exhausted"), "{log}");

    // status names the spent quota; the cursors hold what was committed before it ran out.
    let out = world.run(&["status"]).await;
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}");
    let quota_section = text.split("\nquota\n").nth(1).unwrap_or_default();
    assert!(
        quota_section
            .lines()
            .any(|l| l.contains("hubspot") && l.contains("daily")),
        "status shows no spent HubSpot quota:\n{text}"
    );
    let out = world.run(&["status", "--json"]).await;
    let status: Value = serde_json::from_slice(&out.stdout).expect("status --json is JSON");
    let committed: Vec<&Value> = status["status"]["streams"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter(|s| s["pages_total"].as_i64().unwrap_or(0) > 0)
                .collect()
        })
        .unwrap_or_default();
    assert!(
        committed
            .iter()
            .any(|s| s["stream"].as_str().is_some_and(|n| n.starts_with("hubspot."))),
        "no HubSpot stream kept a cursor: {status:#}"
    );
    assert!(committed.iter().all(|s| !s["position"].is_null()), "{status:#}");

    // The quota is back: the same command finishes and the loop ends where it always does.
    world.hubspot.admin().restore_daily_quota();
    let out = world.run(&backfill).await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    world.settle_with_binary(6).await;
    let actual = world.snapshot().await;
    assert_same(&expected, &actual, "backfill resumed after the daily quota came back");
    println!(
        "resilience/quota: HubSpot's day spent after {} of {hubspot_requests} calls: exit 4, {} streams kept cursors; resumed: {}; lost 0, duplicated 0",
        hubspot_requests / 3,
        committed.len(),
        actual.figures()
    );
    world.shutdown().await;
}
