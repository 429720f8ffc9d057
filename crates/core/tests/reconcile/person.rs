//! The whole per-person pipeline in one call.

use crate::fields::nurtured;
use crate::support::*;
use closedloop_core::attribution::ConversionKind;
use closedloop_core::fields::{FieldMemory, References};
use closedloop_core::reconcile::reconcile_person;
use closedloop_core::rules::ReconcileRules;
use closedloop_core::stage::DealStatus;
use closedloop_core::timeline::MilestoneKind;

#[test]
fn one_call_derives_credits_gates_and_plans() {
    let mut facts = nurtured();
    facts
        .deals
        .push(deal(1, &lead_key(1), day(8, 0), DealStatus::Open, Some(250_000)));
    let mut shared = deal(2, &lead_key(1), day(9, 0), DealStatus::Open, Some(1_000));
    shared.contacts.push(contact_key(99)); // somebody else is on this deal too
    facts.deals.push(shared);
    let rules = ReconcileRules::default();
    let out = reconcile_person(
        &rules,
        &facts,
        &References::default(),
        &FieldMemory::default(),
        day(30, 0),
    );

    assert!(out.milestones.mql.is_some());
    let kinds: Vec<ConversionKind> = out.conversions.iter().map(|c| c.conversion.kind).collect();
    assert!(kinds.contains(&ConversionKind::Milestone(MilestoneKind::Lead)));
    assert!(kinds.contains(&ConversionKind::Milestone(MilestoneKind::Mql)));
    assert!(kinds.contains(&ConversionKind::Milestone(MilestoneKind::Opportunity)));
    // Only the deal this person alone is on is credited here; the shared one is named.
    let pipeline: Vec<_> = out
        .conversions
        .iter()
        .filter(|c| c.conversion.kind == ConversionKind::Pipeline)
        .collect();
    assert_eq!(pipeline.len(), 1);
    assert_eq!(pipeline[0].conversion.amount.map(|a| a.minor), Some(250_000));
    assert_eq!(
        out.shared_deals,
        vec![deal(2, &lead_key(1), day(9, 0), DealStatus::Open, None).id]
    );
    assert!(out.gate.push);
    assert!(!out.writes.is_empty());
    // Every model's credits for every conversion sum to one.
    for c in &out.conversions {
        for m in c.models.iter().filter(|m| !m.credits.is_empty()) {
            assert_eq!(m.credits.iter().map(|c| u64::from(c.ppm)).sum::<u64>(), 1_000_000);
        }
    }
}
