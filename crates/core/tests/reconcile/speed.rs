//! First sales contact, speed to lead, the SLA, and who owns the person.

use crate::support::*;
use closedloop_core::activity::ActivityKind;
use closedloop_core::rules::{ContactAnchor, StageRules};
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage};
use closedloop_core::timeline::{OwnerReason, PersonFacts, Side, SlaStatus, Timeline, derive_milestones};
use std::collections::BTreeMap;

/// An MQL on day 5 at 10:00 with a Salesforce lead owned by a rep.
fn mql_person() -> PersonFacts {
    let mut hs = hs_contact(101, Some("ada@example.com"), day(0, 9));
    hs.lifecycle_dates = BTreeMap::from([
        (LifecycleStage::Lead, day(0, 9)),
        (LifecycleStage::MarketingQualifiedLead, day(5, 10)),
    ]);
    hs.lifecycle_stage = Some(LifecycleStage::MarketingQualifiedLead);
    PersonFacts {
        marketing_contacts: vec![hs],
        crm_leads: vec![sf_lead(1, Some("ada@example.com"), day(1, 0))],
        ..PersonFacts::default()
    }
}

fn at(
    facts: &PersonFacts,
    rules: &StageRules,
    now: closedloop_core::Timestamp,
) -> closedloop_core::timeline::Milestones {
    derive_milestones(facts, &Timeline::build(facts), rules, now)
}

#[test]
fn speed_to_lead_counts_from_the_mql_to_the_first_activity_after_it() {
    let mut facts = mql_person();
    facts.activities = vec![
        activity(1, &lead_key(1), ActivityKind::Call, day(3, 0)), // before the MQL: not a response to it
        activity(2, &lead_key(1), ActivityKind::Other, day(5, 11)), // an internal to-do: not counted
        activity(
            3,
            &lead_key(1),
            ActivityKind::Email,
            day(5, 12) + chrono::Duration::minutes(30),
        ),
    ];
    let m = at(&facts, &StageRules::default(), day(30, 0));
    assert_eq!(
        m.first_sales_contact.as_ref().unwrap().at,
        day(5, 12) + chrono::Duration::minutes(30)
    );
    assert_eq!(m.speed_to_lead_minutes, Some(150));
    assert_eq!(
        m.sla,
        SlaStatus::Met {
            due_at: day(6, 10),
            minutes: 150
        }
    );

    // Anchored on lead creation instead, the call on day 3 counts.
    let mut rules = StageRules::default();
    rules.first_contact.anchor = ContactAnchor::Lead;
    let m = at(&facts, &rules, day(30, 0));
    assert_eq!(m.first_sales_contact.unwrap().at, day(3, 0));
    // Lead at day 0 09:00 to day 3 00:00 = 63 hours.
    assert_eq!(m.speed_to_lead_minutes, Some(63 * 60));
}

#[test]
fn sla_is_pending_then_breached_without_contact_and_breached_when_late() {
    let mut facts = mql_person();
    let rules = StageRules::default();
    assert_eq!(
        at(&facts, &rules, day(6, 9)).sla,
        SlaStatus::Pending { due_at: day(6, 10) }
    );
    assert_eq!(
        at(&facts, &rules, day(6, 10)).sla,
        SlaStatus::Pending { due_at: day(6, 10) },
        "due, not yet late"
    );
    assert_eq!(
        at(&facts, &rules, day(6, 11)).sla,
        SlaStatus::Breached {
            due_at: day(6, 10),
            contacted_at: None
        }
    );
    facts.activities = vec![activity(1, &lead_key(1), ActivityKind::Call, day(7, 0))];
    assert_eq!(
        at(&facts, &rules, day(30, 0)).sla,
        SlaStatus::Breached {
            due_at: day(6, 10),
            contacted_at: Some(day(7, 0))
        }
    );
    let tight = StageRules {
        sla_hours: 1,
        ..StageRules::default()
    };
    facts.activities = vec![activity(1, &lead_key(1), ActivityKind::Call, day(5, 11))];
    assert_eq!(
        at(&facts, &tight, day(30, 0)).sla,
        SlaStatus::Met {
            due_at: day(5, 11),
            minutes: 60
        }
    );
}

#[test]
fn a_lead_status_change_can_count_as_contact() {
    let mut facts = mql_person();
    facts.stage_changes.push(status_change(
        &lead_key(1),
        LeadStatus::AttemptingContact,
        None,
        day(5, 10) + chrono::Duration::minutes(5),
    ));
    assert!(
        at(&facts, &StageRules::default(), day(30, 0))
            .first_sales_contact
            .is_none()
    );
    let mut rules = StageRules::default();
    rules.first_contact.lead_statuses = vec![LeadStatus::AttemptingContact];
    assert_eq!(at(&facts, &rules, day(30, 0)).speed_to_lead_minutes, Some(5));
}

#[test]
fn an_implied_mql_starts_no_sla() {
    let mut facts = mql_person();
    facts.marketing_contacts[0]
        .lifecycle_dates
        .remove(&LifecycleStage::MarketingQualifiedLead);
    facts
        .stage_changes
        .push(status_change(&lead_key(1), LeadStatus::Qualified, None, day(8, 0)));
    let m = at(&facts, &StageRules::default(), day(30, 0));
    assert!(m.mql.as_ref().unwrap().is_implied());
    assert_eq!(m.sla, SlaStatus::NotApplicable);
}

#[test]
fn owner_side_follows_handoff_assignment_return_and_deals() {
    let rules = StageRules::default();
    let now = day(30, 0);

    // Before the MQL: marketing nurtures.
    let mut facts = mql_person();
    facts.marketing_contacts[0]
        .lifecycle_dates
        .remove(&LifecycleStage::MarketingQualifiedLead);
    facts.marketing_contacts[0].lifecycle_stage = Some(LifecycleStage::Lead);
    let o = at(&facts, &rules, now).owner;
    assert_eq!((o.side, o.reason), (Side::Marketing, OwnerReason::Nurture));

    // MQL, but the lead sits in a queue: still marketing, awaiting assignment.
    let mut facts = mql_person();
    facts.crm_leads[0].owner_id = Some("00G000000000001".into());
    let o = at(&facts, &rules, now).owner;
    assert_eq!((o.side, o.reason), (Side::Marketing, OwnerReason::AwaitingAssignment));

    // MQL and owned by a rep: sales, since the MQL.
    let facts = mql_person();
    let o = at(&facts, &rules, now).owner;
    assert_eq!(
        (o.side, o.reason, o.since),
        (Side::Sales, OwnerReason::Assigned, Some(day(5, 10)))
    );

    // Recycled by sales: back to marketing.
    let mut facts = mql_person();
    facts.crm_leads[0].status = Some(LeadStatus::Recycled);
    facts.stage_changes.push(status_change(
        &lead_key(1),
        LeadStatus::Recycled,
        Some("bad timing"),
        day(9, 0),
    ));
    let o = at(&facts, &rules, now).owner;
    assert_eq!(o.side, Side::Marketing);
    assert_eq!(
        o.reason,
        OwnerReason::Returned {
            status: Some(LeadStatus::Recycled)
        }
    );
    assert_eq!(o.since, Some(day(9, 0)));

    // ...and marketing re-qualifies them later: sales again.
    facts.stage_changes.push(lifecycle(
        &hs_key(101),
        LifecycleStage::MarketingQualifiedLead,
        day(20, 0),
    ));
    assert_eq!(at(&facts, &rules, now).owner.side, Side::Sales);

    // An open deal keeps them with sales whatever the status says.
    let mut facts = mql_person();
    facts.crm_leads[0].status = Some(LeadStatus::Disqualified);
    facts.deals = vec![deal(1, &lead_key(1), day(12, 0), DealStatus::Open, None)];
    let o = at(&facts, &rules, now).owner;
    assert_eq!((o.side, o.reason), (Side::Sales, OwnerReason::OpenDeal));

    // Every deal lost: marketing nurtures again.
    let mut facts = mql_person();
    facts.deals = vec![deal(1, &lead_key(1), day(12, 0), DealStatus::Lost, None)];
    let o = at(&facts, &rules, now).owner;
    assert_eq!((o.side, o.reason), (Side::Marketing, OwnerReason::DealsLost));

    // Without the owner requirement, the MQL alone hands over.
    let mut facts = mql_person();
    facts.crm_leads.clear();
    let mut loose = StageRules::default();
    assert_eq!(at(&facts, &loose, now).owner.side, Side::Marketing);
    loose.owner.require_crm_owner = false;
    assert_eq!(at(&facts, &loose, now).owner.side, Side::Sales);
}
