//! The CRM gate.

use crate::support::*;
use closedloop_core::gate::{GateReason, gate, new_lead_fields};
use closedloop_core::rules::{FieldCriterion, GateRules, StageRules};
use closedloop_core::stage::LifecycleStage;
use closedloop_core::timeline::{PersonFacts, Timeline, derive_milestones};
use std::collections::BTreeMap;

fn contact_at(stage: LifecycleStage) -> PersonFacts {
    let mut hs = hs_contact(101, Some("ada@example.com"), day(0, 0));
    hs.lifecycle_stage = Some(stage);
    hs.lifecycle_dates = BTreeMap::from([(stage, day(1, 0))]);
    hs.fields.insert("company".into(), Some("Engines Ltd".into()));
    PersonFacts {
        marketing_contacts: vec![hs],
        ..PersonFacts::default()
    }
}

fn decide(facts: &PersonFacts, rules: &GateRules) -> closedloop_core::gate::GateDecision {
    let m = derive_milestones(facts, &Timeline::build(facts), &StageRules::default(), day(10, 0));
    gate(rules, facts, &m)
}

#[test]
fn subscribers_and_leads_stay_out_mqls_get_a_lead() {
    let rules = GateRules::default();
    for stage in [LifecycleStage::Subscriber, LifecycleStage::Lead, LifecycleStage::Other] {
        let d = decide(&contact_at(stage), &rules);
        assert!(!d.push && !d.create_lead, "{stage}");
        assert_eq!(d.reason, GateReason::NotQualified);
    }
    for stage in [LifecycleStage::MarketingQualifiedLead, LifecycleStage::Customer] {
        let d = decide(&contact_at(stage), &rules);
        assert!(d.push && d.create_lead, "{stage}");
        assert_eq!(d.reason, GateReason::Qualified);
    }
}

#[test]
fn existing_crm_records_are_kept_up_to_date_and_never_duplicated() {
    let rules = GateRules::default();
    let mut facts = contact_at(LifecycleStage::Subscriber);
    facts.crm_leads.push(sf_lead(1, Some("ada@example.com"), day(2, 0)));
    let d = decide(&facts, &rules);
    assert!(d.push && !d.create_lead);
    assert_eq!(d.reason, GateReason::ExistingCrmRecord);

    // A deleted Lead is sales' decision: no new Lead for that person, even as an MQL.
    let mut facts = contact_at(LifecycleStage::MarketingQualifiedLead);
    let mut lead = sf_lead(1, Some("ada@example.com"), day(2, 0));
    lead.deleted = true;
    facts.crm_leads.push(lead);
    let d = decide(&facts, &rules);
    assert!(!d.push && !d.create_lead);
    assert_eq!(d.reason, GateReason::InactiveCrmRecords);
}

#[test]
fn criteria_exclusions_and_missing_emails() {
    let mut rules = GateRules {
        include_when: vec![FieldCriterion {
            field: "send_to_sales".into(),
            equals_any: vec!["true".into()],
        }],
        ..GateRules::default()
    };
    let mut facts = contact_at(LifecycleStage::Lead);
    facts.marketing_contacts[0]
        .fields
        .insert("send_to_sales".into(), Some(" TRUE ".into()));
    let d = decide(&facts, &rules);
    assert!(d.push && d.create_lead);
    assert_eq!(d.reason, GateReason::MatchedCriterion);

    rules.exclude_email_domains = vec!["@Example.com".into()];
    assert_eq!(decide(&facts, &rules).reason, GateReason::ExcludedDomain);

    let mut no_email = contact_at(LifecycleStage::MarketingQualifiedLead);
    no_email.marketing_contacts[0].email = None;
    let d = decide(&no_email, &GateRules::default());
    assert_eq!((d.push, d.reason), (false, GateReason::NoEmail));

    let off = GateRules {
        create_leads: false,
        ..GateRules::default()
    };
    let d = decide(&contact_at(LifecycleStage::MarketingQualifiedLead), &off);
    assert_eq!(
        (d.push, d.create_lead, d.reason),
        (false, false, GateReason::CreationDisabled)
    );
}

#[test]
fn a_created_lead_carries_the_required_fields() {
    let mut facts = contact_at(LifecycleStage::MarketingQualifiedLead);
    facts.marketing_contacts[0].last_name = None;
    let rules = GateRules {
        created_lead_source: Some("Web".into()),
        ..GateRules::default()
    };
    let f = new_lead_fields(&rules, &facts);
    assert_eq!(f["Email"].as_deref(), Some("ada@example.com"));
    assert_eq!(f["LastName"].as_deref(), Some("[not provided]"));
    assert_eq!(f["Company"].as_deref(), Some("Engines Ltd"));
    assert_eq!(f["LeadSource"].as_deref(), Some("Web"));
}
