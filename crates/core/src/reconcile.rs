//! One call per person: timeline, milestones, attribution, the CRM gate and the push plan.
//!
//! Holds no state. This is what the engine runs for each person whose records changed; every step
//! is also public on its own for callers that need only part of it.

use crate::Timestamp;
use crate::attribution::{ConversionResult, attribute_deals, attribute_person, eligible_touches};
use crate::fields::{DerivedValues, FieldMemory, FieldWrite, References, plan_writes};
use crate::gate::{GateDecision, gate};
use crate::ids::ExternalId;
use crate::rules::ReconcileRules;
use crate::timeline::{Milestones, PersonFacts, Timeline, derive_milestones};
use std::collections::HashSet;

/// What reconcile decided for one person.
#[derive(Debug, Clone, PartialEq)]
pub struct PersonOutcome {
    /// Milestones, first contact, SLA, owner side, lead status, lifecycle stage, deal outcomes.
    pub milestones: Milestones,
    /// Credits for each milestone and for each deal tied to this person only.
    pub conversions: Vec<ConversionResult>,
    /// Deals tied to other people's records as well: credit them once with
    /// [`crate::attribution::attribute_deal`] over all their people's touches.
    pub shared_deals: Vec<ExternalId>,
    /// Whether the person reaches the CRM.
    pub gate: GateDecision,
    /// Field writes, for the outbox.
    pub writes: Vec<FieldWrite>,
}

/// Reconciles one person at `now`.
pub fn reconcile_person(
    rules: &ReconcileRules,
    facts: &PersonFacts,
    refs: &References,
    memory: &FieldMemory,
    now: Timestamp,
) -> PersonOutcome {
    let timeline = Timeline::build(facts);
    let milestones = derive_milestones(facts, &timeline, &rules.stages, now);
    let touches = eligible_touches(&rules.attribution, &facts.touchpoints);
    let mut conversions = attribute_person(&rules.attribution, &touches, &milestones);

    // A deal is this person's alone when every record on it is one of theirs.
    let own: HashSet<ExternalId> = facts
        .marketing_contacts
        .iter()
        .map(|c| c.key())
        .chain(facts.crm_records().map(|r| r.key()))
        .collect();
    let is_own = |key: &ExternalId| own.contains(key) || facts.touchpoints.iter().any(|t| &t.subject == key);
    let (mine, shared): (Vec<_>, Vec<_>) = facts
        .deals
        .iter()
        .filter(|d| !d.deleted)
        .partition(|d| d.contacts.iter().all(&is_own));
    let shared_deals = shared.iter().map(|d| d.id.clone()).collect();
    if !mine.is_empty() {
        let only_mine = PersonFacts {
            deals: mine.into_iter().cloned().collect(),
            ..PersonFacts::default()
        };
        conversions.extend(attribute_deals(&rules.attribution, &only_mine, &touches, &milestones));
    }

    let gate = gate(&rules.gate, facts, &milestones);
    let derived = DerivedValues::new(facts, &timeline, &milestones, refs, &rules.attribution);
    let writes = plan_writes(rules, facts, &derived, &gate, memory);
    PersonOutcome {
        milestones,
        conversions,
        shared_deals,
        gate,
        writes,
    }
}
