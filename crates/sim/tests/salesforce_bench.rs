//! Benchmark at the sizes closedloop's benchmarks use: a million leads, two million tasks, two
//! million history rows. Ignored by default; prints timings and checks only correctness, never
//! a wall-clock threshold. Run it in release:
//!
//! ```text
//! cargo test --release -p closedloop-sim --test salesforce_bench -- --ignored --nocapture
//! ```
//!
//! `SF_BENCH_LEADS` changes the size (default 1,000,000).

mod salesforce_support;

use chrono::Duration;
use closedloop_sim::scenario::{ActivitySpec, Scenario};
use salesforce_support::{Sf, lead_person, rep, t0};
use serde_json::{Value, json};
use std::time::Instant;

fn rss_mib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        })
        .map_or(0, |kib| kib / 1024)
}

fn world(n: usize) -> Scenario {
    let people = (0..n)
        .map(|i| {
            // Bulk loads: 50 leads share each second.
            let at = t0() + Duration::seconds((i / 50) as i64);
            let mut p = lead_person(i, at);
            if let Some(sf) = p.salesforce.as_mut() {
                sf.leads[0].statuses.push(closedloop_sim::scenario::StageAt {
                    stage: if i % 3 == 0 { "Working - Contacted" } else { "Nurturing" }.into(),
                    at: at + Duration::hours(4),
                });
                sf.activities = (0..2)
                    .map(|k| ActivitySpec {
                        kind: if k == 0 { "call" } else { "email" }.into(),
                        at: at + Duration::hours(1 + k),
                        owner: Some("rep".into()),
                        subject: None,
                        outcome: None,
                    })
                    .collect();
            }
            p
        })
        .collect();
    Scenario {
        name: "bench".into(),
        owners: vec![rep()],
        people,
        ..Scenario::default()
    }
}

async fn timed<T>(label: &str, f: impl std::future::Future<Output = T>) -> T {
    let start = Instant::now();
    let out = f.await;
    println!("{label:<58} {:>9.1} ms", start.elapsed().as_secs_f64() * 1000.0);
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "benchmark: run in release with --ignored --nocapture"]
async fn a_million_leads() {
    let n: usize = std::env::var("SF_BENCH_LEADS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1_000_000);
    let scenario = world(n);
    println!("scenario built: {n} people, RSS {} MiB", rss_mib());
    let sf = timed("load (leads, tasks, history) and start", Sf::start(&scenario)).await;
    drop(scenario);
    println!("records: {:?}", sf.server.load_report().records);
    println!("RSS after load (scenario dropped): {} MiB", rss_mib());

    let r = timed(
        "COUNT() with a full scan (Status = ...)",
        sf.query("SELECT COUNT() FROM Lead WHERE Status = 'Working - Contacted'"),
    )
    .await;
    assert_eq!(r.body["totalSize"], n.div_ceil(3));
    let r = timed(
        "COUNT() of tasks with LIKE (full scan of 2M)",
        sf.query("SELECT COUNT() FROM Task WHERE Subject LIKE 'Ca%'"),
    )
    .await;
    assert_eq!(r.body["totalSize"], n);

    // Status changes 4 hours after creation set each lead's SystemModstamp.
    let mid = t0() + Duration::hours(4) + Duration::seconds((n / 100) as i64);
    let ts = mid.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string();
    let first = sf
        .query(&format!(
            "SELECT Id FROM Lead WHERE SystemModstamp = {ts} ORDER BY Id LIMIT 1"
        ))
        .await;
    let id = first.body["records"][0]["Id"].as_str().unwrap_or_default().to_owned();
    let cursor = format!(
        "SELECT Id, Email, Status, SystemModstamp FROM Lead WHERE SystemModstamp > {ts} OR (SystemModstamp = {ts} AND Id > '{id}') ORDER BY SystemModstamp, Id LIMIT 2000"
    );
    let r = timed("cursor page: (SystemModstamp, Id) > x LIMIT 2000", sf.query(&cursor)).await;
    assert_eq!(r.body["records"].as_array().map(Vec::len), Some(2000));
    let unbounded = format!(
        "SELECT Id, Email, Status, SystemModstamp FROM Lead WHERE SystemModstamp > {ts} OR (SystemModstamp = {ts} AND Id > '{id}') ORDER BY SystemModstamp, Id"
    );
    let r = timed(
        "cursor without LIMIT: first page of ~half the table",
        sf.query(&unbounded),
    )
    .await;
    if n.is_multiple_of(100) {
        assert_eq!(
            r.body["totalSize"].as_u64(),
            Some((n - n / 2 - 1) as u64),
            "every lead after the cursor"
        );
    }
    let next = r.body["nextRecordsUrl"].as_str().unwrap_or_default().to_owned();
    timed(
        "nextRecordsUrl page (2000 records)",
        sf.send(sf.http.get(format!("{}{next}", sf.server.base_url()))),
    )
    .await;
    let r = timed(
        "full table, no WHERE, first page (1M in the cursor)",
        sf.query("SELECT Id, Email FROM Lead"),
    )
    .await;
    assert_eq!(r.body["totalSize"], n);
    let r = timed(
        "ORDER BY LastName LIMIT 2000 (sorts the whole table)",
        sf.query("SELECT Id, LastName FROM Lead ORDER BY LastName LIMIT 2000"),
    )
    .await;
    assert_eq!(r.body["records"].as_array().map(Vec::len), Some(2000));
    let r = timed(
        "Id IN (...)",
        sf.query(&format!("SELECT Id FROM Lead WHERE Id IN ('{id}', '{id}')")),
    )
    .await;
    assert_eq!(r.body["totalSize"], 1);
    let r = timed(
        "COUNT() of LeadHistory by Field (full scan of 2M)",
        sf.query("SELECT COUNT() FROM LeadHistory WHERE Field = 'Status'"),
    )
    .await;
    assert_eq!(r.body["totalSize"], n);
    let history_cursor = format!(
        "SELECT Id, LeadId, Field, NewValue, CreatedDate FROM LeadHistory WHERE CreatedDate > {ts} ORDER BY CreatedDate, Id LIMIT 2000"
    );
    let r = timed(
        "LeadHistory cursor page: CreatedDate > x LIMIT 2000",
        sf.query(&history_cursor),
    )
    .await;
    assert_eq!(r.body["records"].as_array().map(Vec::len), Some(2000));

    let ids: Vec<String> = sf.query("SELECT Id FROM Lead LIMIT 200").await.body["records"]
        .as_array()
        .map(|a| a.iter().filter_map(|r| r["Id"].as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let records: Vec<Value> = ids
        .iter()
        .map(|id| json!({"attributes": {"type": "Lead"}, "id": id, "Title": "Benchmarked"}))
        .collect();
    let r = timed(
        "composite/sobjects PATCH, 200 leads",
        sf.patch("composite/sobjects", &json!({"allOrNone": false, "records": records})),
    )
    .await;
    assert!(
        r.body
            .as_array()
            .is_some_and(|a| a.iter().all(|x| x["success"] == true)),
        "{}",
        r.body
    );
    println!("RSS at the end: {} MiB", rss_mib());
}
