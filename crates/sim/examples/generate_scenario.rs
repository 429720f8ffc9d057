//! Generates a scenario from a spec, prints what is in it, and optionally writes it as JSON.
//!
//! Holds no state. Usage:
//! `cargo run --release -p closedloop-sim --example generate_scenario -- contacts=100000,seed=7 [--out world.json] [--stream]`
//!
//! `--stream` walks the people one at a time without keeping them (what a simulator loading a
//! huge world would do), to measure the generator on its own.

use closedloop_sim::generator::{GenerateSpec, Generator, generate};
use closedloop_sim::scenario::{PersonSpec, Scenario};
use std::collections::BTreeMap;
use std::time::Instant;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let spec_text = args.iter().find(|a| !a.starts_with("--")).cloned().unwrap_or_default();
    let out = args
        .iter()
        .position(|a| a == "--out")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let stream = args.iter().any(|a| a == "--stream");
    let spec = match GenerateSpec::parse(&spec_text) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            std::process::exit(2);
        }
    };
    let started = Instant::now();
    if stream {
        let generator = Generator::new(&spec);
        let mut tally = Tally::default();
        for person in generator.people() {
            tally.add(&person);
        }
        println!(
            "generated {} people in {:.2?} (streamed)",
            tally.people,
            started.elapsed()
        );
        tally.print();
        return;
    }
    let scenario = generate(&spec);
    println!(
        "generated {} people in {:.2?}",
        scenario.people.len(),
        started.elapsed()
    );
    let mut tally = Tally::default();
    for person in &scenario.people {
        tally.add(person);
    }
    tally.print();
    summarize_campaigns(&scenario);
    if let Some(path) = out {
        let started = Instant::now();
        match serde_json::to_string(&scenario) {
            Ok(json) => match std::fs::write(&path, &json) {
                Ok(()) => println!("wrote {path} ({} bytes) in {:.2?}", json.len(), started.elapsed()),
                Err(e) => eprintln!("error: cannot write {path}: {e}"),
            },
            Err(e) => eprintln!("error: cannot serialize: {e}"),
        }
    }
}

/// Counts of what a world holds.
#[derive(Default)]
struct Tally {
    people: usize,
    hubspot: usize,
    stages: BTreeMap<String, usize>,
    touches: BTreeMap<String, usize>,
    leads: usize,
    lead_status: BTreeMap<String, usize>,
    reasons: BTreeMap<String, usize>,
    mql_never_followed: usize,
    activities: usize,
    opportunities: usize,
    won: usize,
    lost: usize,
    deals: usize,
    hostile: usize,
    merged: usize,
    archived: usize,
    multi_lead: usize,
}

impl Tally {
    fn add(&mut self, p: &PersonSpec) {
        self.people += 1;
        *self.touches.entry("(all)".into()).or_default() += p.touchpoints.len();
        for t in &p.touchpoints {
            *self.touches.entry(t.kind.clone()).or_default() += 1;
        }
        if let Some(h) = &p.hubspot {
            self.hubspot += 1;
            for s in &h.lifecycle {
                *self.stages.entry(s.stage.clone()).or_default() += 1;
            }
            self.merged += usize::from(h.merged_into.is_some());
            self.archived += usize::from(h.archived_at.is_some());
        }
        if let Some(sf) = &p.salesforce {
            self.leads += sf.leads.len();
            self.multi_lead += usize::from(sf.leads.len() > 1);
            for l in &sf.leads {
                if let Some(s) = l.statuses.last() {
                    *self.lead_status.entry(s.stage.clone()).or_default() += 1;
                }
                if let Some(r) = &l.unqualified_reason {
                    *self.reasons.entry(r.clone()).or_default() += 1;
                }
            }
            let mql = p
                .hubspot
                .as_ref()
                .is_some_and(|h| h.lifecycle.iter().any(|s| s.stage == "marketingqualifiedlead"));
            if mql && !sf.leads.is_empty() && sf.activities.is_empty() {
                self.mql_never_followed += 1;
            }
            self.activities += sf.activities.len();
            self.opportunities += sf.opportunities.len();
            for o in &sf.opportunities {
                match o.stages.last().map(|s| s.stage.as_str()) {
                    Some("Closed Won") => self.won += 1,
                    Some("Closed Lost") => self.lost += 1,
                    _ => {}
                }
            }
        }
        self.deals += p.hubspot_deals.len();
        self.hostile += usize::from(p.hostile.is_some());
    }

    fn print(&self) {
        let n = self.people.max(1) as f64;
        println!(
            "people {}  hubspot contacts {}  hostile {} ({:.2}%)",
            self.people,
            self.hubspot,
            self.hostile,
            100.0 * self.hostile as f64 / n
        );
        println!("lifecycle stages entered: {:?}", self.stages);
        println!(
            "touches: {:?}  (mean {:.2} per person)",
            self.touches,
            *self.touches.get("(all)").unwrap_or(&0) as f64 / n
        );
        println!(
            "salesforce leads {}  (people with several {})  current status {:?}",
            self.leads, self.multi_lead, self.lead_status
        );
        println!("disqualification reasons {:?}", self.reasons);
        println!("MQLs with a lead and no sales activity: {}", self.mql_never_followed);
        println!(
            "activities {}  opportunities {} (won {}, lost {})  hubspot deals {}",
            self.activities, self.opportunities, self.won, self.lost, self.deals
        );
        println!("merged contacts {}  archived contacts {}", self.merged, self.archived);
    }
}

/// Leads, MQLs, opportunities and wins per acquiring campaign (the campaign of the first touch).
fn summarize_campaigns(s: &Scenario) {
    let mut rows: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
    for p in &s.people {
        let Some(first) = p.touchpoints.first().and_then(|t| t.campaign.as_deref()) else {
            continue;
        };
        let row = rows.entry(first).or_default();
        row[0] += 1;
        let stages = p.hubspot.as_ref().map(|h| h.lifecycle.as_slice()).unwrap_or_default();
        row[1] += usize::from(stages.iter().any(|st| st.stage == "lead"));
        row[2] += usize::from(stages.iter().any(|st| st.stage == "marketingqualifiedlead"));
        if let Some(sf) = &p.salesforce {
            row[3] += usize::from(!sf.opportunities.is_empty());
            row[4] += usize::from(
                sf.opportunities
                    .iter()
                    .any(|o| o.stages.last().is_some_and(|st| st.stage == "Closed Won")),
            );
        }
    }
    println!(
        "{:<48} {:>7} {:>7} {:>7} {:>7} {:>7}",
        "first-touch campaign", "people", "leads", "MQLs", "opps", "won"
    );
    for c in &s.campaigns {
        if let Some(r) = rows.get(c.key.as_str()) {
            println!(
                "{:<48} {:>7} {:>7} {:>7} {:>7} {:>7}",
                c.name, r[0], r[1], r[2], r[3], r[4]
            );
        }
    }
}
