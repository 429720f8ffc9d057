//! One reconcile batch: take dirty records, resolve identity, load the people's facts, run the
//! core, store results and writes, remove the dirty records, commit.
//!
//! Holds no state across batches. Everything happens in one store transaction
//! ([`closedloop_store::reconcile::ReconcileBatch`]): an error or a kill at any point leaves the
//! database as it was before the batch, and the next run does the same batch again.

use super::deals::{DealPerson, attribute_shared, lead_at};
use super::intents::intents;
use super::summary::ReconcileSummary;
use super::telemetry;
use crate::error::EngineError;
use closedloop_core::attribution::{ConversionResult, eligible_touches};
use closedloop_core::identity::resolve;
use closedloop_core::reconcile::{PersonOutcome, reconcile_person};
use closedloop_core::rules::ReconcileRules;
use closedloop_core::sync::PushIntent;
use closedloop_core::timeline::MilestoneKind;
use closedloop_core::{ExternalId, ObjectType, PersonId, Timestamp};
use closedloop_store::Store;
use closedloop_store::reconcile::facts::LoadedPerson;
use closedloop_store::reconcile::results::{BatchResults, ConversionCredits, CreditTouch, PersonResult};
use closedloop_store::reconcile::writes::PersonWrites;
use std::collections::{BTreeSet, HashMap, HashSet};
use std::time::Instant;

/// Runs one batch of at most `batch_size` dirty records. Returns false when the queue was empty.
pub(super) async fn run_batch(
    store: &Store,
    rules: &ReconcileRules,
    now: Timestamp,
    batch_size: usize,
    summary: &mut ReconcileSummary,
) -> Result<bool, EngineError> {
    let clock = Instant::now();
    let mut batch = store.begin_reconcile(now).await?;
    let seeds = batch.take_dirty(batch_size).await?;
    if seeds.is_empty() {
        // Dropping the batch rolls back: it wrote nothing.
        return Ok(false);
    }
    let input = batch.load_identity(&seeds).await?;
    let plan = resolve(&input.records, &input.edges, &input.links, &rules.identity);
    let applied = batch.apply_identity(&plan).await?;
    summary.timings.identity += clock.elapsed();

    let clock = Instant::now();
    let keys: Vec<(PersonId, Vec<ExternalId>)> = applied.people.iter().map(|p| (p.person, p.members.clone())).collect();
    let people = batch.load_people(&keys).await?;
    let refs = batch.load_references(&people).await?;
    let members: Vec<ExternalId> = people.iter().flat_map(|p| p.members.iter().cloned()).collect();
    let memory = batch.load_field_memory(&members).await?;
    summary.timings.load += clock.elapsed();

    let clock = Instant::now();
    let outcomes: Vec<PersonOutcome> = people
        .iter()
        .map(|p| reconcile_person(rules, &p.facts, &refs, &memory, now))
        .collect();
    summary.timings.compute += clock.elapsed();

    // Shared deals need the touches of their other people, who may be outside this batch.
    let clock = Instant::now();
    let shared: Vec<ExternalId> = outcomes
        .iter()
        .flat_map(|o| o.shared_deals.iter().cloned())
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let (deal_people, others) = if shared.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let deal_people = batch.deal_people(&shared).await?;
        let inside: HashSet<PersonId> = people.iter().map(|p| p.person).collect();
        let outside: Vec<PersonId> = deal_people
            .iter()
            .flat_map(|(_, ps)| ps.iter().copied())
            .filter(|p| !inside.contains(p))
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let outside = batch.person_members(&outside).await?;
        (deal_people, batch.load_people(&outside).await?)
    };
    summary.timings.load += clock.elapsed();

    let clock = Instant::now();
    let shared_credits = credit_shared_deals(rules, now, &people, &outcomes, &others, &deal_people);
    let person_touches: Vec<Vec<CreditTouch<'_>>> = people.iter().map(credit_touches).collect();
    let mut results = BatchResults::default();
    let mut deals: BTreeSet<ExternalId> = BTreeSet::new();
    for ((p, outcome), touches) in people.iter().zip(&outcomes).zip(&person_touches) {
        results.people.push(person_result(rules, p, outcome));
        deals.extend(p.facts.deals.iter().map(|d| d.id.clone()));
        results
            .conversions
            .extend(outcome.conversions.iter().map(|c| ConversionCredits {
                person: Some(p.person),
                result: c,
                touches,
            }));
    }
    for (touches, conversions) in &shared_credits {
        results
            .conversions
            .extend(conversions.iter().map(|c| ConversionCredits {
                person: None,
                result: c,
                touches,
            }));
    }
    results.deals = deals.into_iter().collect();
    let wanted: Vec<Vec<PushIntent>> = people
        .iter()
        .zip(&outcomes)
        .map(|(p, o)| intents(rules, p.person, &p.facts, o))
        .collect();
    let writes: Vec<PersonWrites<'_>> = people
        .iter()
        .zip(&wanted)
        .map(|(p, intents)| PersonWrites {
            person: p.person,
            records: &p.members,
            intents,
        })
        .collect();
    summary.timings.compute += clock.elapsed();

    let clock = Instant::now();
    let written = batch.write_results(&results).await?;
    let counts = batch
        .replace_writes(&writes, &[(rules.systems.crm, ObjectType::Lead)])
        .await?;
    let mut processed = seeds.clone();
    processed.extend(members);
    batch.commit(&processed).await?;
    summary.timings.persist += clock.elapsed();

    let people_count = people.len() as u64;
    summary.batches += 1;
    summary.records += seeds.len() as u64;
    summary.people += people_count;
    summary.new_people += applied.new_people();
    summary.merges += applied.merges.len() as u64;
    summary.relinked += applied.relinked;
    summary.duplicates += applied.duplicates;
    summary.conversions += written.conversions;
    summary.conversions_credited += written.credited;
    summary.credit_rows += written.credit_rows;
    summary.shared_deals += shared_credits.len() as u64;
    summary.gate_skipped += outcomes.iter().filter(|o| !o.gate.push).count() as u64;
    summary.withdrawn += counts.withdrawn;
    for (target, n) in &counts.enqueued {
        *summary.enqueued.entry(target.to_string()).or_default() += n;
    }
    telemetry::batch_done(people_count, &counts.enqueued);
    tracing::debug!(
        records = seeds.len(),
        people = people_count,
        merges = applied.merges.len(),
        conversions = written.conversions,
        enqueued = counts.enqueued.values().sum::<u64>(),
        withdrawn = counts.withdrawn,
        "reconcile batch committed"
    );
    Ok(true)
}

/// Each of a person's touches, for credits to point at.
fn credit_touches(p: &LoadedPerson) -> Vec<CreditTouch<'_>> {
    p.facts
        .touchpoints
        .iter()
        .zip(&p.touchpoint_ids)
        .map(|(touch, &id)| CreditTouch {
            id,
            person: p.person,
            touch,
        })
        .collect()
}

/// What `person_results` holds beyond the milestones: touch counts and the anchor touches.
fn person_result<'a>(rules: &ReconcileRules, p: &'a LoadedPerson, outcome: &'a PersonOutcome) -> PersonResult<'a> {
    let eligible = eligible_touches(&rules.attribution, &p.facts.touchpoints);
    let id = |i: usize| p.touchpoint_ids.get(i).copied();
    let lead_at = outcome.milestones.at(MilestoneKind::Lead);
    let lead_creation = lead_at.and_then(|at| eligible.iter().take_while(|t| t.at <= at).last());
    PersonResult {
        person: p.person,
        email: p.facts.email(),
        milestones: &outcome.milestones,
        gate: &outcome.gate,
        touchpoints: p.facts.touchpoints.len(),
        eligible_touchpoints: eligible.len(),
        first_touch: eligible.first().and_then(|t| id(t.index)),
        lead_creation_touch: lead_creation.and_then(|t| id(t.index)),
        last_touch: eligible.last().and_then(|t| id(t.index)),
    }
}

/// Credits each shared deal once, over the touches of all its people.
fn credit_shared_deals<'a>(
    rules: &ReconcileRules,
    now: Timestamp,
    people: &'a [LoadedPerson],
    outcomes: &[PersonOutcome],
    others: &'a [LoadedPerson],
    deal_people: &[(ExternalId, Vec<PersonId>)],
) -> Vec<(Vec<CreditTouch<'a>>, Vec<ConversionResult>)> {
    let mut lead: HashMap<PersonId, (&'a LoadedPerson, Option<Timestamp>)> = HashMap::new();
    for (p, o) in people.iter().zip(outcomes) {
        lead.insert(p.person, (p, o.milestones.at(MilestoneKind::Lead)));
    }
    for p in others {
        lead.insert(p.person, (p, lead_at(rules, p, now)));
    }
    let mut out = Vec::with_capacity(deal_people.len());
    for (deal_key, persons) in deal_people {
        // The deal and its outcome as seen by a batch person on it (every person on a deal loads
        // the same deal row and stage history).
        let Some((deal, won_at)) = people.iter().zip(outcomes).find_map(|(p, o)| {
            let deal = p.facts.deals.iter().find(|d| &d.id == deal_key)?;
            let outcome = o.milestones.deals.iter().find(|d| &d.deal == deal_key)?;
            Some((deal, outcome.won_at))
        }) else {
            continue;
        };
        let on_deal: Vec<DealPerson<'a>> = persons
            .iter()
            .filter_map(|p| lead.get(p))
            .map(|&(loaded, lead_at)| DealPerson { loaded, lead_at })
            .collect();
        out.push(attribute_shared(rules, deal, won_at, &on_deal));
    }
    out
}
