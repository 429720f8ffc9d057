//! `closedloop run` as a real child process against both simulators (issue 7): it syncs changes
//! made through the vendors' APIs during its run within two pulls of the stream, SIGTERM at any
//! moment stops it cleanly (exit 0 — the daemon itself exits 1 when the grace period runs out)
//! with nothing lost, and `/metrics` parses as Prometheus text with the documented names.
//!
//! The killed-backfill case of issue 7 is `resilience_kill::backfill_killed_15_times_…`.

use closedloop_tests::snapshot::{assert_same, read_only_pool};
use closedloop_tests::world::{World, signal, wait};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// Polls `check` every 50 ms until it holds. A hang guard, not a timing assertion.
async fn until(what: &str, mut check: impl AsyncFnMut() -> bool) {
    let started = Instant::now();
    while !check().await {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "gave up waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The address the daemon's listener bound (from its `closedloop is running` log line).
async fn listen_addr(world: &World, log: &str) -> String {
    until("the daemon to listen", async || {
        world.log(log).contains("closedloop is running")
    })
    .await;
    let text = world.log(log);
    let line = text
        .lines()
        .find(|l| l.contains("closedloop is running"))
        .unwrap_or_default();
    let at = line.find("listen=").expect("the running line names the listen address") + "listen=".len();
    line[at..].split_whitespace().next().unwrap_or_default().to_owned()
}

fn sf_leads(world: &World, email: &str) -> Vec<Value> {
    world
        .salesforce
        .admin()
        .query(
            &format!("SELECT Id, Status, Original_Source__c FROM Lead WHERE Email = '{email}'"),
            false,
        )
        .expect("query leads")
}

fn hs_property(world: &World, email: &str, property: &str) -> Option<String> {
    let hs = world.hubspot.admin();
    let id = hs.contact_by_email(email)?;
    hs.object(closedloop_sim::hubspot::ObjectKind::Contact, id)?
        .properties
        .get(property)
        .cloned()
}

/// The daemon's finished turns (the run log), as (finished_at ms, summary).
async fn turns_finished_since(world: &World, since_ms: i64) -> Vec<(i64, Value)> {
    let pool = read_only_pool(&world.database()).await;
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT finished_at, summary FROM runs WHERE kind = 'cycle' AND finished_at >= ? ORDER BY id")
            .bind(since_ms)
            .fetch_all(&pool)
            .await
            .expect("read the run log");
    pool.close().await;
    rows.into_iter()
        .map(|(at, s)| (at, serde_json::from_str(&s).unwrap_or(Value::Null)))
        .collect()
}

/// How many turns pulled `stream` up to and including the first one that wrote to `target`
/// (`created` or `written` > 0); `None` if no turn wrote to it.
fn pulls_until_pushed(turns: &[(i64, Value)], stream: &str, target: &str) -> Option<usize> {
    let mut pulls = 0;
    for (_, summary) in turns {
        let pulled = summary["streams"]
            .as_array()
            .is_some_and(|s| s.iter().any(|r| r["stream"] == stream && r["result"] == "pulled"));
        pulls += usize::from(pulled);
        let pushed = summary["pushes"].as_array().is_some_and(|p| {
            p.iter().any(|p| {
                p["target"] == target && (p["written"].as_u64().unwrap_or(0) + p["created"].as_u64().unwrap_or(0)) > 0
            })
        });
        if pushed {
            return Some(pulls);
        }
    }
    None
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daemon_syncs_changes_made_through_the_apis_within_two_intervals() {
    let world = World::start(closedloop_sim::generator::named("tiny").expect("tiny")).await;
    world.make_fast(10);
    let mut daemon = world.spawn(&["run"], "daemon.log");
    let bjorn = "bjorn.karlsson@swiftline-retail.se";
    let chloe = "chloe.dubois@cedarpoint-media.fr";
    // The first full cycle has pushed: sales sees Bjorn's source.
    until("the first cycle's pushes", async || {
        sf_leads(&world, bjorn)
            .first()
            .is_some_and(|l| l["Original_Source__c"] == "organic_search")
    })
    .await;
    assert!(sf_leads(&world, chloe).is_empty(), "Chloe is not an MQL yet");

    // Two people change, each in their own system, through the vendors' REST APIs.
    let t0 = chrono::Utc::now().timestamp_millis();
    let http = reqwest::Client::new();
    let chloe_id = world.hubspot.admin().contact_by_email(chloe).expect("Chloe in HubSpot");
    let response = http
        .patch(format!(
            "{}/crm/v3/objects/contacts/{chloe_id}",
            world.hubspot.base_url()
        ))
        .bearer_auth(&world.scenario.hubspot.access_token)
        .json(&json!({ "properties": { "lifecyclestage": "marketingqualifiedlead" } }))
        .send()
        .await
        .expect("PATCH the contact");
    assert!(response.status().is_success(), "{:?}", response.text().await);
    let bjorn_lead = sf_leads(&world, bjorn)[0]["Id"].as_str().expect("lead id").to_owned();
    let response = http
        .patch(format!(
            "{}/services/data/v{}/sobjects/Lead/{bjorn_lead}",
            world.salesforce.base_url(),
            world.scenario.salesforce.api_version
        ))
        .bearer_auth(world.salesforce.access_token())
        .json(&json!({ "Status": "Working - Contacted" }))
        .send()
        .await
        .expect("PATCH the lead");
    assert!(response.status().is_success(), "{:?}", response.text().await);

    until("both changes to reach the other system", async || {
        sf_leads(&world, chloe).len() == 1
            && hs_property(&world, bjorn, "hs_lead_status").as_deref() == Some("CONNECTED")
    })
    .await;
    signal(&daemon, "TERM");
    let status = wait(&mut daemon).await;
    assert_eq!(status.code(), Some(0), "{}", world.log("daemon.log"));

    // Within two intervals: each change was pushed by the first or second pull of its stream
    // that finished after the change (the turn running at the change counts as the first).
    let turns = turns_finished_since(&world, t0).await;
    let hs_pulls = pulls_until_pushed(&turns, "hubspot.contacts", "salesforce");
    let sf_pulls = pulls_until_pushed(&turns, "salesforce.leads", "hubspot");
    assert!(
        hs_pulls.is_some_and(|n| (1..=2).contains(&n)),
        "HubSpot change pushed after {hs_pulls:?} pulls: {turns:#?}"
    );
    assert!(
        sf_pulls.is_some_and(|n| (1..=2).contains(&n)),
        "Salesforce change pushed after {sf_pulls:?} pulls: {turns:#?}"
    );
    assert_eq!(sf_leads(&world, chloe).len(), 1, "exactly one Lead for Chloe");
    println!(
        "daemon/sync: HubSpot change pushed to Salesforce on pull {hs_pulls:?}, Salesforce change pushed to HubSpot on pull {sf_pulls:?} (interval 1 s, {} turns after the change)",
        turns.len()
    );
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_mid_cycle_exits_0_loses_nothing_and_the_next_start_resumes() {
    const SPEC: &str = "contacts=150,seed=23,hostile=0.02,duplicates=0.05";
    const TERMS: u32 = 5;
    let slow = closedloop_sim::FaultConfig {
        latency_ms: 2,
        latency_jitter_ms: 4,
        ..closedloop_sim::FaultConfig::default()
    };
    let reference = World::generated(SPEC).await;
    reference.make_fast(30);
    reference.hubspot.admin().set_faults(slow.clone());
    reference.salesforce.set_faults(slow.clone());
    let started = Instant::now();
    reference.settle_with_binary(6).await;
    let span = started.elapsed();
    let expected = reference.snapshot().await;
    reference.shutdown().await;

    let world = World::generated(SPEC).await;
    world.make_fast(30);
    world.hubspot.admin().set_faults(slow.clone());
    world.salesforce.set_faults(slow);
    let mut rng = ChaCha8Rng::seed_from_u64(0x7E57);
    let mut requests_at_stop = Vec::new();
    for round in 0..TERMS {
        let log = format!("daemon-{round}.log");
        let mut daemon = world.spawn(&["run"], &log);
        listen_addr(&world, &log).await;
        let at = Duration::from_millis(rng.random_range(0..span.as_millis().max(1) as u64));
        tokio::time::sleep(at).await;
        requests_at_stop.push(world.hubspot.admin().stats().requests_total + world.salesforce.stats().requests_total);
        signal(&daemon, "TERM");
        let status = wait(&mut daemon).await;
        let text = world.log(&log);
        assert_eq!(
            status.code(),
            Some(0),
            "round {round}: not a clean stop within the grace period:\n{text}"
        );
        assert!(text.contains("engine stopped at a safe point"), "{text}");
    }
    // Resumes: the first start after each stop goes on from the stored cursors, so the
    // interrupted runs plus the settling ones end exactly where an uninterrupted run ends.
    let settled = world.settle_with_binary(6).await;
    let actual = world.snapshot().await;
    assert_same(&expected, &actual, "daemon stopped with SIGTERM");
    println!(
        "daemon/sigterm: {TERMS} SIGTERMs (API requests served at each: {requests_at_stop:?}), all exit 0, then {settled} settle cycles; {}; lost 0, duplicated 0",
        actual.figures()
    );
    world.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_parse_as_prometheus_text_with_the_documented_names() {
    let world = World::start(closedloop_sim::generator::named("tiny").expect("tiny")).await;
    world.make_fast(10);
    let mut daemon = world.spawn(&["run"], "daemon.log");
    let addr = listen_addr(&world, "daemon.log").await;
    // Wait for a turn that pulled, reconciled and pushed, and for the gauges' first refresh.
    until("a cycle that pushed", async || {
        sf_leads(&world, "bjorn.karlsson@swiftline-retail.se")
            .first()
            .is_some_and(|l| l["Original_Source__c"] == "organic_search")
    })
    .await;
    // After a turn that pulled, reconciled and pushed (and the gauges' refresh, every 15 s),
    // these must all be there.
    let expected = [
        "closedloop_api_calls",
        "closedloop_api_requests",
        "closedloop_api_request_duration_seconds",
        "closedloop_api_quota_remaining_requests",
        "closedloop_records_pulled",
        "closedloop_records_pushed",
        "closedloop_reconcile_people",
        "closedloop_outbox_enqueued",
        "closedloop_cycle_duration_seconds",
        "closedloop_outbox_items",
        "closedloop_quarantine_open_items",
        "closedloop_people",
        "closedloop_stream_last_success_timestamp_seconds",
    ];
    let http = reqwest::Client::new();
    let mut text = String::new();
    until("the cycle metrics and the gauges", async || {
        text = http
            .get(format!("http://{addr}/metrics"))
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .unwrap_or_default();
        expected.iter().all(|name| text.contains(name))
    })
    .await;
    signal(&daemon, "TERM");
    assert_eq!(wait(&mut daemon).await.code(), Some(0));

    // The Prometheus project's own parser reads it; it lists the metric families it found.
    let file = world.dir().join("metrics.txt");
    std::fs::write(&file, &text).expect("write the metrics");
    let python = closedloop_tests::python::sdk_python();
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(
            "import sys\nfrom prometheus_client.parser import text_string_to_metric_families\n\
             families = list(text_string_to_metric_families(open(sys.argv[1]).read()))\n\
             assert families, 'no metric family'\n\
             for f in families:\n    print(f.name, f.type, len(f.samples))\n",
        )
        .arg(&file)
        .output()
        .expect("run the parser");
    assert!(
        out.status.success(),
        "/metrics does not parse:\n{}\n--- text\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let parsed = String::from_utf8_lossy(&out.stdout);
    // The parser strips `_total` from counter family names; compare on the base name.
    let base = |n: &str| n.trim_end_matches("_total").to_owned();
    let exposed: BTreeSet<String> = parsed
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("closedloop_"))
        .map(base)
        .collect();
    let doc = std::fs::read_to_string(closedloop_tests::python::workspace_root().join("docs/metrics.md"))
        .expect("read docs/metrics.md");
    let documented: BTreeSet<String> = doc
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| s.starts_with("closedloop_") && s.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(base)
        .collect();
    let undocumented: Vec<&String> = exposed.difference(&documented).collect();
    assert!(
        undocumented.is_empty(),
        "exposed but not in docs/metrics.md: {undocumented:?}"
    );
    let missing: Vec<&str> = expected.iter().copied().filter(|n| !exposed.contains(*n)).collect();
    assert!(missing.is_empty(), "missing from /metrics: {missing:?}\n{parsed}");
    println!(
        "daemon/metrics: {} closedloop metric families parsed by prometheus_client, all documented",
        exposed.len()
    );
    world.shutdown().await;
}
