//! A release-mode measurement of reconcile through the store at the benchmark's scale: 100,000
//! people with about 1,000,000 touchpoints, loaded with `commit_page`, then reconciled (identity,
//! load, compute, persist). Ignored by default; run it with
//! `CARGO_TARGET_DIR=... cargo test --release -p closedloop-engine --lib -- --ignored --nocapture reconcile_scale`
//! (`SCALE_PEOPLE=10000` for a smaller run, `SCALE_BATCH=5000` for another batch size,
//! `SCALE_DB=/path/file.db` to keep the database for report queries). It prints timings and checks
//! only correctness: no wall-clock thresholds.

use super::reconcile_support::*;
use crate::reconcile::run;
use chrono::Duration;
use closedloop_core::page::Record;
use closedloop_core::rules::ReconcileRules;
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage};
use closedloop_core::touchpoint::TouchpointKind;
use std::time::Instant;

/// CPU seconds this process has used (all threads, SQLite's worker included), from
/// `/proc/self/stat`: on a shared, loaded machine wall time says little about the code.
fn cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    // Fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // Linux reports in USER_HZ, 100 per second on every mainstream configuration.
    Some(ticks / 100.0)
}

fn cpu_since(start: Option<f64>) -> String {
    match (start, cpu_seconds()) {
        (Some(a), Some(b)) => format!("{:.1}s CPU", b - a),
        _ => "CPU n/a".to_owned(),
    }
}

/// A small deterministic generator (xorshift), so the data is the same on every run.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// One person's records, shaped like the core's scale measurement: a HubSpot contact with 4 to 16
/// touches over four months; half become MQLs with a Salesforce lead and a call; a third of those
/// are qualified and get a deal (open, won or lost).
fn person(rng: &mut Rng, n: u32, out: &mut Vec<Record>) -> usize {
    let mail = format!("person{n}@example.com");
    let created = day(rng.below(300) as i64 - 300, rng.below(24) as i64);
    let mut hs = hs_contact(u64::from(n) + 1, &mail, created);
    hs.lifecycle_stage = Some(LifecycleStage::Lead);
    hs.lifecycle_dates.retain(|s, _| *s == LifecycleStage::Lead);
    let key = hs.key();
    let kinds = TouchpointKind::ALL;
    let touches = 4 + rng.below(13) as usize;
    for i in 0..touches {
        let mut t = touch(
            &format!("{n}-{i}"),
            &key,
            created + Duration::hours(rng.below(24 * 120) as i64),
            rng.below(50) as u32,
        );
        t.kind = kinds[rng.below(kinds.len() as u64) as usize];
        out.push(Record::Touchpoint(t));
    }
    if rng.below(2) == 0 {
        let mql = created + Duration::days(rng.below(60) as i64 + 1);
        hs.lifecycle_dates.insert(LifecycleStage::MarketingQualifiedLead, mql);
        hs.lifecycle_stage = Some(LifecycleStage::MarketingQualifiedLead);
        let mut lead = sf_lead(n + 1, &mail, mql + Duration::hours(1));
        let lk = lead.key();
        out.push(Record::Activity(call(
            n + 1,
            &lk,
            mql + Duration::hours(rng.below(72) as i64),
        )));
        if rng.below(3) == 0 {
            lead.status = Some(LeadStatus::Qualified);
            out.push(Record::StageChange(status_change(
                &lk,
                LeadStatus::Qualified,
                None,
                mql + Duration::days(3),
            )));
            let status = [DealStatus::Open, DealStatus::Won, DealStatus::Lost][rng.below(3) as usize];
            let d = deal(
                n + 1,
                std::slice::from_ref(&lk),
                mql + Duration::days(5),
                status,
                rng.below(10_000_000) as i64,
            );
            out.push(Record::Deal(d));
        }
        out.push(Record::CrmLead(lead));
    }
    out.push(Record::MarketingContact(hs));
    touches
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "a measurement: run in release mode with --ignored --nocapture"]
async fn reconcile_scale_100k_people_1m_touchpoints() {
    let people: u32 = std::env::var("SCALE_PEOPLE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100_000);
    let batch_size: usize = std::env::var("SCALE_BATCH")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(crate::reconcile::DEFAULT_BATCH_SIZE);
    let t = temp_store().await;
    let kept;
    let store = match std::env::var("SCALE_DB") {
        Ok(path) => {
            let path = std::path::PathBuf::from(path);
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
            }
            kept = closedloop_store::Store::open(&path).await.unwrap();
            &kept
        }
        Err(_) => &t.store,
    };
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let clock = Instant::now();
    let cpu = cpu_seconds();
    let (mut touches, mut records) = (0usize, 0usize);
    let mut page = Vec::new();
    for n in 0..people {
        touches += person(&mut rng, n, &mut page);
        if page.len() >= 20_000 || n + 1 == people {
            records += page.len();
            commit(store, std::mem::take(&mut page)).await;
        }
    }
    println!(
        "ingest: {people} people, {touches} touchpoints, {records} records through commit_page in {:.1?} ({})",
        clock.elapsed(),
        cpu_since(cpu)
    );

    let rules = ReconcileRules::default();
    let clock = Instant::now();
    let cpu = cpu_seconds();
    let full = run(store, &rules, now(), batch_size).await.unwrap();
    let elapsed = clock.elapsed();
    let cpu_used = cpu_since(cpu);
    let tm = full.timings;
    let share = |d: std::time::Duration| 100.0 * d.as_secs_f64() / tm.total().as_secs_f64();
    println!(
        "reconcile: {} people in {} batches, {elapsed:.1?} wall ({cpu_used}) = {:.1} µs/person; \
         {} conversions ({} credited), {} credit rows, {} outbox rows",
        full.people,
        full.batches,
        elapsed.as_secs_f64() * 1e6 / f64::from(people),
        full.conversions,
        full.conversions_credited,
        full.credit_rows,
        full.enqueued_total()
    );
    println!(
        "phases: identity {:.1?} ({:.0}%), load {:.1?} ({:.0}%), compute {:.1?} ({:.0}%), persist {:.1?} ({:.0}%)",
        tm.identity,
        share(tm.identity),
        tm.load,
        share(tm.load),
        tm.compute,
        share(tm.compute),
        tm.persist,
        share(tm.persist)
    );
    assert_eq!(full.people, u64::from(people));
    assert_eq!(full.new_people, u64::from(people));
    assert!(full.credit_rows > 0 && full.enqueued_total() > 0);

    let clock = Instant::now();
    let quiet = run(store, &rules, now(), batch_size).await.unwrap();
    println!("quiet run (nothing queued): {:.1?}", clock.elapsed());
    assert_eq!(quiet.people, 0);

    // One percent of the people get a new touch: only they are recomputed.
    let changed: Vec<Record> = (0..people)
        .step_by(100)
        .map(|n| Record::Touchpoint(touch(&format!("{n}-new"), &hs_key(u64::from(n) + 1), now(), 7)))
        .collect();
    let n_changed = changed.len() as u64;
    commit(store, changed).await;
    let clock = Instant::now();
    let cpu = cpu_seconds();
    let incremental = run(store, &rules, now(), batch_size).await.unwrap();
    println!(
        "incremental: {} people recomputed in {:.1?} ({})",
        incremental.people,
        clock.elapsed(),
        cpu_since(cpu)
    );
    assert_eq!(incremental.people, n_changed);
}
