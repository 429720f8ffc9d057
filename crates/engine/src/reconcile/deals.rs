//! Deals shared by several people: credited once, over the merged touches of everyone on them.
//!
//! Holds no state. A deal with contacts from more than one person (a buying committee) is not
//! any one person's conversion; crediting it per person would count its amount once per person.
//! The core names such deals in `PersonOutcome::shared_deals`; here each is attributed once with
//! `attribute_deal`, its lead-creation anchor being the earliest lead milestone among its people.

use closedloop_core::Timestamp;
use closedloop_core::attribution::{AttrTouch, ConversionResult, attribute_deal};
use closedloop_core::deal::Deal;
use closedloop_core::rules::ReconcileRules;
use closedloop_core::timeline::{MilestoneKind, Timeline, derive_milestones};
use closedloop_store::reconcile::facts::LoadedPerson;
use closedloop_store::reconcile::results::CreditTouch;

/// One of a shared deal's people, with their lead milestone.
pub(super) struct DealPerson<'a> {
    /// Their facts.
    pub loaded: &'a LoadedPerson,
    /// Their lead milestone.
    pub lead_at: Option<Timestamp>,
}

/// The lead milestone of a person outside the batch, derived from their facts.
pub(super) fn lead_at(rules: &ReconcileRules, loaded: &LoadedPerson, now: Timestamp) -> Option<Timestamp> {
    let timeline = Timeline::build(&loaded.facts);
    derive_milestones(&loaded.facts, &timeline, &rules.stages, now).at(MilestoneKind::Lead)
}

/// Every touch of the deal's people, and the deal's conversions credited over them.
pub(super) fn attribute_shared<'a>(
    rules: &ReconcileRules,
    deal: &Deal,
    won_at: Option<Timestamp>,
    people: &[DealPerson<'a>],
) -> (Vec<CreditTouch<'a>>, Vec<ConversionResult>) {
    let mut touches: Vec<CreditTouch<'a>> = Vec::new();
    for p in people {
        for (t, &id) in p.loaded.facts.touchpoints.iter().zip(&p.loaded.touchpoint_ids) {
            touches.push(CreditTouch {
                id,
                person: p.loaded.person,
                touch: t,
            });
        }
    }
    // The same selection and order as `eligible_touches`, over the merged list.
    let mut eligible: Vec<AttrTouch> = touches
        .iter()
        .enumerate()
        .filter(|(_, t)| rules.attribution.touch_kinds.contains(&t.touch.kind))
        .map(|(index, t)| AttrTouch {
            at: t.touch.occurred_at,
            index,
        })
        .collect();
    eligible.sort_unstable();
    let lead_at = people.iter().filter_map(|p| p.lead_at).min();
    let results = attribute_deal(&rules.attribution, deal, won_at, lead_at, &eligible);
    (touches, results)
}
