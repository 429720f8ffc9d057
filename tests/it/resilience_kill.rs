//! Kill -9 at seeded random moments, many times in a row, during a backfill and during daemon
//! cycles of the real `closedloop` binary: the final state of the store and of both simulators
//! equals a fault-free run's — no lost record, no duplicate touchpoint, no duplicate push, no
//! duplicate Lead.
//!
//! The moments are drawn over the length of the fault-free run, measured in the same test (a
//! calibration, not an assertion), so the kills land in pulls, reconcile and pushes alike.

use closedloop_tests::snapshot::{Snapshot, assert_same};
use closedloop_tests::world::{World, kill9, wait};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::{Duration, Instant};

/// A small world with duplicates and a few hostile records; big enough for many pages.
const SPEC: &str = "contacts=100,seed=21,hostile=0.02,duplicates=0.05";
const KILLS: u32 = 15;
const SEED: u64 = 0x5EED_0009;

/// Per-request latency in the killed run, so a backfill spans many distinct kill points.
fn slow() -> closedloop_sim::FaultConfig {
    closedloop_sim::FaultConfig {
        latency_ms: 2,
        latency_jitter_ms: 4,
        ..closedloop_sim::FaultConfig::default()
    }
}

/// The world both runs of a test use: fast intervals, slow requests.
async fn slow_world() -> World {
    let world = World::generated(SPEC).await;
    world.make_fast(5);
    world.hubspot.admin().set_faults(slow());
    world.salesforce.set_faults(slow());
    world
}

/// Compares the killed world's final state with the fault-free one's and prints the figures.
async fn check_against(expected: &Snapshot, world: &World, label: &str, figures: String) {
    let actual = world.snapshot().await;
    assert!(
        actual.duplicate_touchpoints.is_empty(),
        "{:?}",
        actual.duplicate_touchpoints
    );
    assert_same(expected, &actual, label);
    println!(
        "{figures}; {}; writes done in the fault-free run {:?}; lost 0, duplicated 0",
        actual.figures(),
        expected.done_writes
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfill_killed_15_times_ends_like_an_uninterrupted_backfill() {
    let backfill = ["backfill", "--since", "2020-01-01"];
    let reference = slow_world().await;
    let started = Instant::now();
    let out = reference.run(&backfill).await;
    let span = started.elapsed();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let settle = reference.settle_with_binary(6).await;
    let expected = reference.snapshot().await;
    reference.shutdown().await;

    let world = slow_world().await;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (mut kills, mut runs) = (0, 0);
    while kills < KILLS {
        runs += 1;
        let mut child = world.spawn(&backfill, "backfill.log");
        let at = Duration::from_millis(rng.random_range(0..span.as_millis().max(1) as u64));
        tokio::time::sleep(at).await;
        if kill9(&mut child).await {
            kills += 1;
        }
    }
    let mut child = world.spawn(&backfill, "backfill.log");
    let status = wait(&mut child).await;
    assert!(
        status.success(),
        "the last backfill failed:\n{}",
        world.log("backfill.log")
    );
    runs += 1;
    let settled = world.settle_with_binary(6).await;
    check_against(
        &expected,
        &world,
        "backfill killed with SIGKILL",
        format!(
            "resilience/kill-backfill: {runs} runs, {kills} SIGKILLs over {span:?}, settle cycles {settle}/{settled}"
        ),
    )
    .await;
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_killed_15_times_ends_like_an_uninterrupted_run() {
    let reference = slow_world().await;
    let started = Instant::now();
    let settle = reference.settle_with_binary(6).await;
    let span = started.elapsed();
    let expected = reference.snapshot().await;
    reference.shutdown().await;

    let world = slow_world().await;
    let mut rng = ChaCha8Rng::seed_from_u64(SEED + 1);
    let (mut kills, mut runs) = (0, 0);
    while kills < KILLS {
        runs += 1;
        let mut child = world.spawn(&["run"], "daemon.log");
        let at = Duration::from_millis(rng.random_range(0..span.as_millis().max(1) as u64));
        tokio::time::sleep(at).await;
        assert!(
            kill9(&mut child).await,
            "the daemon exited by itself:\n{}",
            world.log("daemon.log")
        );
        kills += 1;
    }
    let settled = world.settle_with_binary(6).await;
    runs += settled;
    check_against(
        &expected,
        &world,
        "daemon killed with SIGKILL",
        format!(
            "resilience/kill-daemon: {runs} runs, {kills} SIGKILLs over {span:?}, settle cycles {settle}/{settled}"
        ),
    )
    .await;
    world.shutdown().await;
}
