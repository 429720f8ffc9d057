//! Timeline order and milestone derivations.

use crate::support::*;
use closedloop_core::deal::Deal;
use closedloop_core::rules::StageRules;
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage};
use closedloop_core::timeline::{
    EventKind, Evidence, MilestoneKind, Milestones, PersonFacts, Timeline, derive_milestones,
};
use closedloop_core::touchpoint::TouchpointKind;
use std::collections::BTreeMap;

pub fn milestones(facts: &PersonFacts, rules: &StageRules) -> Milestones {
    let timeline = Timeline::build(facts);
    derive_milestones(facts, &timeline, rules, day(100, 0))
}

fn person() -> PersonFacts {
    let mut hs = hs_contact(101, Some("ada@example.com"), day(0, 9));
    hs.lifecycle_dates = BTreeMap::from([
        (LifecycleStage::Lead, day(0, 9)),
        (LifecycleStage::MarketingQualifiedLead, day(5, 10)),
    ]);
    hs.lifecycle_stage = Some(LifecycleStage::MarketingQualifiedLead);
    let lead = sf_lead(1, Some("ada@example.com"), day(5, 11));
    PersonFacts {
        touchpoints: vec![
            touch(&hs_key(101), "t2", TouchpointKind::ContentDownload, day(5, 10)),
            touch(&hs_key(101), "t1", TouchpointKind::FormSubmission, day(0, 9)),
        ],
        marketing_contacts: vec![hs],
        crm_leads: vec![lead],
        ..PersonFacts::default()
    }
}

#[test]
fn events_come_in_time_order_and_duplicate_lifecycle_dates_count_once() {
    let mut facts = person();
    // The same MQL change, also reported by stage history.
    facts.stage_changes.push(lifecycle(
        &hs_key(101),
        LifecycleStage::MarketingQualifiedLead,
        day(5, 10),
    ));
    let timeline = Timeline::build(&facts);
    assert!(timeline.events.windows(2).all(|w| w[0].at <= w[1].at));
    let mqls = timeline
        .events
        .iter()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Lifecycle {
                    stage: LifecycleStage::MarketingQualifiedLead
                }
            )
        })
        .count();
    assert_eq!(mqls, 1);
    // At the same instant: the record's creation, then the touch, then the stage.
    let first_three: Vec<&str> = timeline.events[..3]
        .iter()
        .map(|e| match e.kind {
            EventKind::RecordCreated { .. } => "created",
            EventKind::Touch(_) => "touch",
            EventKind::Lifecycle { .. } => "lifecycle",
            _ => "other",
        })
        .collect();
    assert_eq!(first_three, ["created", "touch", "lifecycle"]);
    let touches: Vec<&str> = timeline.touches().map(|t| t.source_event_id.as_str()).collect();
    assert_eq!(touches, ["t1", "t2"]);
}

#[test]
fn lead_and_mql_come_from_lifecycle_dates_and_crm_creation() {
    let m = milestones(&person(), &StageRules::default());
    assert_eq!(m.lead.as_ref().unwrap().at, day(0, 9));
    let mql = m.mql.as_ref().unwrap();
    assert_eq!(mql.at, day(5, 10));
    assert!(matches!(
        mql.evidence,
        Evidence::Lifecycle {
            stage: LifecycleStage::MarketingQualifiedLead,
            ..
        }
    ));
    assert!(m.sql.is_none() && m.opportunity.is_none() && m.won.is_none() && m.lost.is_none());
}

#[test]
fn mql_is_the_earliest_of_the_lifecycle_date_and_the_crm_status_that_means_mql() {
    let mut facts = person();
    facts
        .stage_changes
        .push(status_change(&lead_key(1), LeadStatus::Open, None, day(4, 0)));
    let mut rules = StageRules::default();
    assert_eq!(
        milestones(&facts, &rules).mql.unwrap().at,
        day(5, 10),
        "status not configured: ignored"
    );
    rules.mql.lead_statuses = vec![LeadStatus::Open];
    let mql = milestones(&facts, &rules).mql.unwrap();
    assert_eq!(mql.at, day(4, 0));
    assert_eq!(
        mql.evidence,
        Evidence::LeadStatus {
            status: LeadStatus::Open,
            record: lead_key(1)
        }
    );
}

#[test]
fn sql_opportunity_won_from_conversion_and_deals() {
    let mut facts = person();
    facts.crm_leads[0] = converted(facts.crm_leads[0].clone(), 7, day(8, 0));
    facts
        .crm_contacts
        .push(sf_contact(7, Some("ada@example.com"), day(8, 0)));
    let d1 = deal(1, &contact_key(7), day(9, 0), DealStatus::Won, Some(500_000));
    let d2 = deal(2, &contact_key(7), day(12, 0), DealStatus::Open, Some(100_000));
    facts
        .stage_changes
        .push(deal_stage(&d1, "Negotiation", DealStatus::Open, day(20, 0)));
    facts
        .stage_changes
        .push(deal_stage(&d1, "Closed Won", DealStatus::Won, day(30, 0)));
    facts.deals = vec![d2, d1];
    let m = milestones(&facts, &StageRules::default());
    assert_eq!(m.sql.as_ref().unwrap().at, day(8, 0));
    assert_eq!(
        m.sql.as_ref().unwrap().evidence,
        Evidence::LeadConverted { record: lead_key(1) }
    );
    assert_eq!(m.opportunity.as_ref().unwrap().at, day(9, 0), "the first deal created");
    assert_eq!(m.won.as_ref().unwrap().at, day(30, 0), "the first won stage change");
    assert!(m.lost.is_none());
    assert_eq!(m.deals.len(), 2);
    assert_eq!(m.deals[0].won_at, Some(day(30, 0)));
    assert_eq!(m.lifecycle_stage, Some(LifecycleStage::Customer));
}

#[test]
fn a_closed_deal_without_history_closes_on_its_close_date() {
    let mut facts = person();
    let mut d = deal(1, &lead_key(1), day(9, 0), DealStatus::Won, Some(1));
    d.close_date = Some(day(40, 0).date_naive());
    d.updated_at = day(41, 5);
    facts.deals = vec![d];
    let m = milestones(&facts, &StageRules::default());
    assert_eq!(m.won.unwrap().at, day(40, 0));
}

#[test]
fn lost_only_when_every_deal_is_lost() {
    let mut facts = person();
    let d1 = deal(1, &lead_key(1), day(9, 0), DealStatus::Lost, Some(1));
    let d2 = deal(2, &lead_key(1), day(10, 0), DealStatus::Lost, Some(1));
    facts
        .stage_changes
        .push(deal_stage(&d1, "Closed Lost", DealStatus::Lost, day(20, 0)));
    facts
        .stage_changes
        .push(deal_stage(&d2, "Closed Lost", DealStatus::Lost, day(25, 0)));
    facts.deals = vec![d1.clone(), d2];
    let m = milestones(&facts, &StageRules::default());
    assert_eq!(m.lost.as_ref().unwrap().at, day(25, 0), "the last loss");
    facts
        .deals
        .push(deal(3, &lead_key(1), day(26, 0), DealStatus::Open, None));
    assert!(milestones(&facts, &StageRules::default()).lost.is_none());
}

#[test]
fn skipped_stages_are_implied_and_say_so() {
    let mut facts = person();
    facts.marketing_contacts[0].lifecycle_dates.clear();
    facts.crm_leads.clear();
    facts.deals = vec![deal(1, &hs_key(101), day(9, 0), DealStatus::Open, None)];
    let m = milestones(&facts, &StageRules::default());
    for kind in [MilestoneKind::Lead, MilestoneKind::Mql, MilestoneKind::Sql] {
        let got = m.get(kind).unwrap();
        assert_eq!(got.at, day(9, 0), "{kind}");
        assert_eq!(
            got.evidence,
            Evidence::Implied {
                by: MilestoneKind::Opportunity
            }
        );
    }
    let strict = StageRules {
        imply_skipped_stages: false,
        ..StageRules::default()
    };
    assert!(milestones(&facts, &strict).mql.is_none());
}

#[test]
fn deleted_deals_and_their_history_are_ignored() {
    let mut facts = person();
    let mut d: Deal = deal(1, &lead_key(1), day(9, 0), DealStatus::Won, Some(1));
    facts
        .stage_changes
        .push(deal_stage(&d, "Closed Won", DealStatus::Won, day(11, 0)));
    d.deleted = true;
    facts.deals = vec![d];
    let m = milestones(&facts, &StageRules::default());
    assert!(m.opportunity.is_none() && m.won.is_none() && m.deals.is_empty());
}

#[test]
fn lifecycle_stage_never_moves_backwards_and_other_stays_other() {
    let mut facts = person();
    facts.marketing_contacts[0].lifecycle_stage = Some(LifecycleStage::Evangelist);
    assert_eq!(
        milestones(&facts, &StageRules::default()).lifecycle_stage,
        Some(LifecycleStage::Evangelist)
    );
    facts.marketing_contacts[0].lifecycle_stage = Some(LifecycleStage::Other);
    assert_eq!(
        milestones(&facts, &StageRules::default()).lifecycle_stage,
        Some(LifecycleStage::Other)
    );
}

#[test]
fn current_lead_status_comes_from_the_best_lead_with_its_reason_and_since() {
    let mut facts = person();
    facts.crm_leads[0].status = Some(LeadStatus::Disqualified);
    facts.crm_leads[0].status_raw = Some("Closed - Not Converted".into());
    facts.crm_leads[0].disqualification_reason = Some("no budget".into());
    facts.stage_changes.push(status_change(
        &lead_key(1),
        LeadStatus::Disqualified,
        Some("no budget"),
        day(7, 0),
    ));
    let m = milestones(&facts, &StageRules::default());
    let s = m.lead_status.unwrap();
    assert_eq!(s.status, Some(LeadStatus::Disqualified));
    assert_eq!(s.raw.as_deref(), Some("Closed - Not Converted"));
    assert_eq!(s.reason.as_deref(), Some("no budget"));
    assert_eq!(s.since, Some(day(7, 0)));
}
