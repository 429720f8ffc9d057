//! A release-mode measurement at the benchmark's scale: 100,000 people, 1,000,000 touchpoints.
//! Ignored by default; run it with
//! `cargo test --release -p closedloop-core --test reconcile -- --ignored --nocapture scale`.
//! It prints timings and checks only correctness (no wall-clock thresholds).

use crate::support::*;
use closedloop_core::activity::ActivityKind;
use closedloop_core::attribution::{attribute_deals, attribute_person, eligible_touches};
use closedloop_core::fields::{DerivedValues, FieldMemory, References, plan_writes};
use closedloop_core::gate::gate;
use closedloop_core::identity::{IdentityRecord, resolve};
use closedloop_core::reconcile::reconcile_person;
use closedloop_core::rules::{IdentityRules, ReconcileRules};
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage};
use closedloop_core::timeline::{PersonFacts, Timeline, derive_milestones};
use closedloop_core::touchpoint::TouchpointKind;
use std::time::Instant;

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

fn person(rng: &mut Rng, n: u32, touches: usize) -> PersonFacts {
    let mail = format!("person{n}@example.com");
    let hs_id = u64::from(n) + 1;
    let created = day(rng.below(300) as i64, rng.below(24) as i64);
    let mut hs = hs_contact(hs_id, Some(&mail), created);
    let key = hs_key(hs_id);
    let kinds = TouchpointKind::ALL;
    let mut tps = Vec::with_capacity(touches);
    for i in 0..touches {
        let mut t = touch(
            &key,
            &format!("{n}-{i}"),
            kinds[rng.below(kinds.len() as u64) as usize],
            created + chrono::Duration::hours(rng.below(24 * 120) as i64),
        );
        t.campaign = Some(campaign_key(&format!("c{}", rng.below(50))));
        t.content = Some(content_key(&format!("a{}", rng.below(200))));
        tps.push(t);
    }
    let mut facts = PersonFacts {
        touchpoints: tps,
        ..PersonFacts::default()
    };
    if rng.below(2) == 0 {
        let mql = created + chrono::Duration::days(rng.below(60) as i64 + 1);
        hs.lifecycle_dates.insert(LifecycleStage::MarketingQualifiedLead, mql);
        hs.lifecycle_stage = Some(LifecycleStage::MarketingQualifiedLead);
        let mut lead = sf_lead(n, Some(&mail), mql + chrono::Duration::hours(1));
        let lk = lead.key();
        facts.activities.push(activity(
            n,
            &lk,
            ActivityKind::Call,
            mql + chrono::Duration::hours(rng.below(72) as i64),
        ));
        if rng.below(3) == 0 {
            lead.status = Some(LeadStatus::Qualified);
            facts.stage_changes.push(status_change(
                &lk,
                LeadStatus::Qualified,
                None,
                mql + chrono::Duration::days(3),
            ));
            let status = [DealStatus::Open, DealStatus::Won, DealStatus::Lost][rng.below(3) as usize];
            let d = deal(
                n,
                &lk,
                mql + chrono::Duration::days(5),
                status,
                Some(rng.below(10_000_000) as i64),
            );
            if status.is_closed() {
                facts
                    .stage_changes
                    .push(deal_stage(&d, "Closed", status, mql + chrono::Duration::days(40)));
            }
            facts.deals.push(d);
        }
        facts.crm_leads.push(lead);
    }
    facts.marketing_contacts.push(hs);
    facts
}

#[test]
#[ignore = "a measurement: run in release mode with --ignored --nocapture"]
fn scale_100k_people_1m_touchpoints() {
    const PEOPLE: u32 = 100_000;
    let mut rng = Rng(0x9e37_79b9_7f4a_7c15);
    let t0 = Instant::now();
    let people: Vec<PersonFacts> = (0..PEOPLE)
        .map(|n| {
            let touches = 4 + rng.below(13) as usize;
            person(&mut rng, n, touches)
        })
        .collect();
    let touches: usize = people.iter().map(|p| p.touchpoints.len()).sum();
    println!("generated {PEOPLE} people, {touches} touchpoints in {:?}", t0.elapsed());
    assert!(touches >= 900_000);

    let records: Vec<IdentityRecord> = people
        .iter()
        .flat_map(|p| {
            p.marketing_contacts
                .iter()
                .map(IdentityRecord::from)
                .chain(p.crm_leads.iter().map(IdentityRecord::from))
        })
        .collect();
    let t = Instant::now();
    let plan = resolve(&records, &[], &[], &IdentityRules::default());
    println!(
        "identity: {} records into {} people in {:?}",
        records.len(),
        plan.people.len(),
        t.elapsed()
    );
    assert_eq!(plan.people.len(), PEOPLE as usize);

    let rules = ReconcileRules::default();
    let refs = References::default();
    let memory = FieldMemory::default();
    let now = day(400, 0);
    let t = Instant::now();
    let (mut conversions, mut credits, mut writes) = (0usize, 0usize, 0usize);
    for p in &people {
        let out = reconcile_person(&rules, p, &refs, &memory, now);
        conversions += out.conversions.len();
        credits += out
            .conversions
            .iter()
            .flat_map(|c| c.models.iter())
            .map(|m| m.credits.len())
            .sum::<usize>();
        writes += out.writes.len();
    }
    let elapsed = t.elapsed();
    println!(
        "reconcile: {PEOPLE} people ({conversions} conversions, {credits} touch credits, {writes} field writes) in {elapsed:?} \
         = {:.1} µs/person",
        elapsed.as_secs_f64() * 1e6 / f64::from(PEOPLE)
    );
    assert!(conversions > 0 && credits > 0 && writes > 0);

    // The same work by phase, to see where the time goes.
    let mut phase = [std::time::Duration::ZERO; 4];
    for p in &people {
        let t = Instant::now();
        let timeline = Timeline::build(p);
        let m = derive_milestones(p, &timeline, &rules.stages, now);
        phase[0] += t.elapsed();
        let t = Instant::now();
        let eligible = eligible_touches(&rules.attribution, &p.touchpoints);
        let mut c = attribute_person(&rules.attribution, &eligible, &m);
        c.extend(attribute_deals(&rules.attribution, p, &eligible, &m));
        phase[1] += t.elapsed();
        let t = Instant::now();
        let g = gate(&rules.gate, p, &m);
        let d = DerivedValues::new(p, &timeline, &m, &refs, &rules.attribution);
        let w = plan_writes(&rules, p, &d, &g, &memory);
        phase[2] += t.elapsed();
        std::hint::black_box((c, w));
    }
    println!(
        "phases: timeline+milestones {:?}, attribution {:?}, gate+derive+plan {:?}",
        phase[0], phase[1], phase[2]
    );
}
