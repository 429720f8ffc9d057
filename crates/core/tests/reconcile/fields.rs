//! Derived values, formatting, ownership rules and loop prevention through the person-level plan.

use crate::support::*;
use closedloop_core::catalog::{ContentAsset, ContentKind};
use closedloop_core::fields::{
    DerivedField, DerivedValues, FieldKind, FieldMemory, FieldWrite, Pushed, References, Value, WriteReason,
    group_writes, plan_writes,
};
use closedloop_core::gate::{GateDecision, gate};
use closedloop_core::rules::{FieldMapping, FieldSource, OwnershipRule, ReconcileRules};
use closedloop_core::stage::{LeadStatus, LifecycleStage};
use closedloop_core::timeline::{Milestones, PersonFacts, Timeline, derive_milestones};
use closedloop_core::touchpoint::{Depth, Percent, TouchpointKind};
use closedloop_core::{ObjectType, System};
use std::collections::BTreeMap;

fn refs() -> References {
    let campaign = closedloop_core::catalog::Campaign {
        id: campaign_key("spring"),
        name: "Spring webinar series".into(),
        channel: None,
        kind: None,
        starts_on: None,
        ends_on: None,
    };
    let webinar = ContentAsset {
        key: content_key("webinar-1"),
        kind: ContentKind::Webinar,
        title: "Pricing deep dive".into(),
        url: None,
        campaign: Some(campaign_key("spring")),
        duration_seconds: Some(3600),
    };
    let paper = ContentAsset {
        key: content_key("paper-1"),
        kind: ContentKind::Whitepaper,
        title: "Specialist whitepaper".into(),
        url: None,
        campaign: None,
        duration_seconds: None,
    };
    References::new([campaign], [webinar, paper])
}

/// A person who downloaded a whitepaper, watched 12 minutes of a 60-minute webinar, became an MQL
/// right after, and has a Salesforce lead worked by sales.
pub fn nurtured() -> PersonFacts {
    let hs_id = hs_key(101);
    let mut hs = hs_contact(101, Some("ada@example.com"), day(0, 9));
    hs.lifecycle_dates = BTreeMap::from([
        (LifecycleStage::Lead, day(0, 9)),
        (LifecycleStage::MarketingQualifiedLead, day(5, 11)),
    ]);
    hs.lifecycle_stage = Some(LifecycleStage::MarketingQualifiedLead);
    let mut paper = touch(&hs_id, "f1", TouchpointKind::ContentDownload, day(0, 9));
    paper.content = Some(content_key("paper-1"));
    let mut webinar = touch(&hs_id, "w1", TouchpointKind::WebinarAttendance, day(5, 10));
    webinar.content = Some(content_key("webinar-1"));
    webinar.campaign = Some(campaign_key("spring"));
    webinar.depth = Some(Depth::Watched {
        seconds: 12 * 60 + 10,
        percent: Some(Percent::new(20.0).unwrap()),
    });
    let view = touch(&hs_id, "v1", TouchpointKind::PageView, day(6, 0));
    let mut lead = sf_lead(1, Some("ada@example.com"), day(5, 12));
    lead.status = Some(LeadStatus::Disqualified);
    lead.status_raw = Some("Closed - Not Converted".into());
    lead.disqualification_reason = Some("no budget".into());
    PersonFacts {
        marketing_contacts: vec![hs],
        crm_leads: vec![lead],
        touchpoints: vec![view, webinar, paper],
        ..PersonFacts::default()
    }
}

fn derive<'a>(
    facts: &'a PersonFacts,
    m: &'a Milestones,
    r: &'a References,
    rules: &ReconcileRules,
) -> Vec<(DerivedField, Option<Value>)> {
    let timeline = Timeline::build(facts);
    let d = DerivedValues::new(facts, &timeline, m, r, &rules.attribution);
    DerivedField::ALL.iter().map(|f| (*f, d.get(*f))).collect()
}

fn text(values: &[(DerivedField, Option<Value>)], f: DerivedField) -> Option<String> {
    match values.iter().find(|(g, _)| *g == f).and_then(|(_, v)| v.clone()) {
        Some(Value::Text(s)) => Some(s),
        Some(other) => Some(format!("{other:?}")),
        None => None,
    }
}

#[test]
fn derived_values_tell_sales_where_the_lead_came_from_and_what_it_engaged_with() {
    let facts = nurtured();
    let rules = ReconcileRules::default();
    let m = derive_milestones(&facts, &Timeline::build(&facts), &rules.stages, day(30, 0));
    let r = refs();
    let v = derive(&facts, &m, &r, &rules);
    use DerivedField as D;
    assert_eq!(text(&v, D::OriginalSource).as_deref(), Some("paid_search"));
    assert_eq!(text(&v, D::FirstTouchContent).as_deref(), Some("Specialist whitepaper"));
    assert_eq!(text(&v, D::FirstTouchKind).as_deref(), Some("content_download"));
    assert_eq!(text(&v, D::LastTouchCampaign).as_deref(), Some("Spring webinar series"));
    assert_eq!(
        text(&v, D::LeadCreationContent).as_deref(),
        Some("Specialist whitepaper")
    );
    assert_eq!(text(&v, D::ConversionContent).as_deref(), Some("Pricing deep dive"));
    assert_eq!(text(&v, D::ConversionContentKind).as_deref(), Some("webinar"));
    assert_eq!(
        text(&v, D::ConversionContentDepth).as_deref(),
        Some("watched 12 of 60 min")
    );
    assert_eq!(
        text(&v, D::EngagementSummary).as_deref(),
        Some("3 touches since 2024-01-01: 1 download, 1 webinar attended, 1 page view; last: page view on 2024-01-07")
    );
    assert_eq!(text(&v, D::CrmLeadStatus).as_deref(), Some("disqualified"));
    assert_eq!(text(&v, D::CrmLeadStatusHubSpot).as_deref(), Some("UNQUALIFIED"));
    assert_eq!(text(&v, D::CrmDisqualificationReason).as_deref(), Some("no budget"));
    assert_eq!(
        text(&v, D::OwnerSide).as_deref(),
        Some("marketing"),
        "disqualified: back to marketing"
    );
    assert_eq!(text(&v, D::LifecycleStage).as_deref(), Some("marketingqualifiedlead"));
    let count = v.iter().find(|(f, _)| *f == D::TouchpointCount).unwrap().1.clone();
    assert_eq!(count, Some(Value::Integer(3)));
    let mql = v.iter().find(|(f, _)| *f == D::MqlDate).unwrap().1.clone();
    assert_eq!(mql, Some(Value::DateTime(day(5, 11))));
    assert_eq!(text(&v, D::DealStage), None, "no deal");
}

fn mapping(target: System, object: ObjectType, field: &str, source: &str, rule: OwnershipRule) -> FieldMapping {
    FieldMapping {
        target,
        object,
        field: field.into(),
        source: FieldSource::parse(source).unwrap(),
        rule,
        kind: None,
        datetime_format: None,
        allow_clear: false,
        max_chars: None,
        tie_winner: None,
    }
}

fn with_mapping(mapping: Vec<FieldMapping>) -> ReconcileRules {
    ReconcileRules {
        mapping,
        ..ReconcileRules::default()
    }
}

fn plan(rules: &ReconcileRules, facts: &PersonFacts, memory: &FieldMemory) -> (GateDecision, Vec<FieldWrite>) {
    let timeline = Timeline::build(facts);
    let m = derive_milestones(facts, &timeline, &rules.stages, day(30, 0));
    let r = refs();
    let d = DerivedValues::new(facts, &timeline, &m, &r, &rules.attribution);
    let g = gate(&rules.gate, facts, &m);
    let writes = plan_writes(rules, facts, &d, &g, memory);
    (g, writes)
}

/// Applies writes to the person's records as the systems would store them, and remembers them
/// as pushed at `at`: one push-and-pull cycle.
fn apply(facts: &mut PersonFacts, memory: &mut FieldMemory, writes: &[FieldWrite], at: closedloop_core::Timestamp) {
    for w in writes {
        let record = w.record.clone().expect("update");
        match w.system {
            System::HubSpot => {
                let c = facts.marketing_contacts.iter_mut().find(|c| c.key() == record).unwrap();
                c.fields.insert(w.field.clone(), w.value.clone());
                c.updated_at = at;
            }
            _ => {
                let l = facts.crm_leads.iter_mut().find(|l| l.key() == record).unwrap();
                // Salesforce hands datetimes back in its own format.
                let stored = w.value.as_ref().map(|v| v.replace(".000Z", ".000+0000"));
                l.fields.insert(w.field.clone(), stored);
                l.modified_at = at;
            }
        }
        memory.set_pushed(
            record,
            &w.field,
            Pushed {
                value: w.value.clone(),
                at,
            },
        );
    }
}

#[test]
fn the_default_mapping_writes_once_then_reading_back_is_no_change() {
    let rules = ReconcileRules::default();
    let mut facts = nurtured();
    let mut memory = FieldMemory::default();
    let (g, writes) = plan(&rules, &facts, &memory);
    assert!(g.push && !g.create_lead);
    let sf: BTreeMap<&str, Option<&str>> = writes
        .iter()
        .filter(|w| w.system == System::Salesforce)
        .map(|w| (w.field.as_str(), w.value.as_deref()))
        .collect();
    assert_eq!(sf["Conversion_Content__c"], Some("Pricing deep dive"));
    assert_eq!(sf["Conversion_Content_Depth__c"], Some("watched 12 of 60 min"));
    assert_eq!(sf["MQL_Date__c"], Some("2024-01-06T11:00:00.000Z"));
    assert!(
        !sf.contains_key("First_Touch_Campaign__c"),
        "the first touch has no campaign: nothing to write"
    );
    let hs: BTreeMap<&str, Option<&str>> = writes
        .iter()
        .filter(|w| w.system == System::HubSpot)
        .map(|w| (w.field.as_str(), w.value.as_deref()))
        .collect();
    assert_eq!(hs["hs_lead_status"], Some("UNQUALIFIED"));
    assert_eq!(hs["closedloop_disqualification_reason"], Some("no budget"));
    assert!(!hs.contains_key("lifecyclestage"), "HubSpot already holds the stage");
    assert!(writes.iter().all(|w| w.reason == WriteReason::Fill));
    let grouped = group_writes(&writes);
    assert_eq!(grouped.len(), 2, "one update per record");

    apply(&mut facts, &mut memory, &writes, day(30, 1));
    let (_, again) = plan(&rules, &facts, &memory);
    assert_eq!(again, Vec::new(), "reading back our own writes changes nothing");
}

#[test]
fn ownership_rules_decide_who_wins_after_a_hand_edit() {
    let sf = |field: &str, rule| mapping(System::Salesforce, ObjectType::Lead, field, "conversion_content", rule);
    let rules = with_mapping(vec![
        sf("Over__c", OwnershipRule::Overwrite),
        sf("Once__c", OwnershipRule::IfEmpty),
        sf("Prefer__c", OwnershipRule::PreferTargetUnlessBlank),
    ]);
    let mut facts = nurtured();
    let mut memory = FieldMemory::default();
    let (_, writes) = plan(&rules, &facts, &memory);
    assert_eq!(writes.len(), 3);
    apply(&mut facts, &mut memory, &writes, day(30, 1));

    // A rep edits all three fields by hand, later.
    for f in ["Over__c", "Once__c", "Prefer__c"] {
        facts.crm_leads[0]
            .fields
            .insert(f.into(), Some("typed by a rep".into()));
    }
    facts.crm_leads[0].modified_at = day(31, 0);
    let (_, writes) = plan(&rules, &facts, &memory);
    let fields: Vec<(&str, WriteReason)> = writes.iter().map(|w| (w.field.as_str(), w.reason)).collect();
    assert_eq!(
        fields,
        [("Over__c", WriteReason::Replace)],
        "only overwrite replaces a hand edit"
    );

    // The rep clears the prefer-target field: closedloop fills it again.
    facts.crm_leads[0].fields.insert("Prefer__c".into(), None);
    facts.crm_leads[0].modified_at = day(32, 0);
    let (_, writes) = plan(&rules, &facts, &memory);
    assert!(
        writes
            .iter()
            .any(|w| w.field == "Prefer__c" && w.reason == WriteReason::Fill)
    );
}

#[test]
fn a_stale_read_after_a_push_does_not_push_again() {
    let rules = with_mapping(vec![mapping(
        System::Salesforce,
        ObjectType::Lead,
        "Depth__c",
        "conversion_content.depth",
        OwnershipRule::Overwrite,
    )]);
    let mut facts = nurtured();
    facts.crm_leads[0].fields.insert("Depth__c".into(), None);
    let mut memory = FieldMemory::default();
    let (_, writes) = plan(&rules, &facts, &memory);
    assert_eq!(writes.len(), 1);
    // Pushed at day 30; the stored record was read on day 5 and still shows the field blank.
    memory.set_pushed(
        lead_key(1),
        "Depth__c",
        Pushed {
            value: writes[0].value.clone(),
            at: day(30, 1),
        },
    );
    let (_, again) = plan(&rules, &facts, &memory);
    assert!(again.is_empty());
}

#[test]
fn a_field_never_read_back_is_assumed_to_hold_our_write() {
    let rules = with_mapping(vec![mapping(
        System::Salesforce,
        ObjectType::Lead,
        "Depth__c",
        "conversion_content.depth",
        OwnershipRule::Overwrite,
    )]);
    let mut facts = nurtured();
    let mut memory = FieldMemory::default();
    let (_, writes) = plan(&rules, &facts, &memory);
    memory.set_pushed(
        lead_key(1),
        "Depth__c",
        Pushed {
            value: writes[0].value.clone(),
            at: day(30, 1),
        },
    );
    // The record was modified after the push, but the connector does not read the field.
    facts.crm_leads[0].modified_at = day(31, 0);
    assert!(plan(&rules, &facts, &memory).1.is_empty());
}

#[test]
fn raw_copies_and_two_way_fields_flow_between_systems_without_echo() {
    let rules = with_mapping(vec![
        mapping(
            System::Salesforce,
            ObjectType::Lead,
            "Title",
            "source:jobtitle",
            OwnershipRule::TwoWay,
        ),
        mapping(
            System::HubSpot,
            ObjectType::Contact,
            "industry",
            "source:Industry",
            OwnershipRule::IfEmpty,
        ),
    ]);
    let mut facts = nurtured();
    facts.marketing_contacts[0]
        .fields
        .insert("jobtitle".into(), Some("CTO".into()));
    facts.marketing_contacts[0].updated_at = day(10, 0);
    facts.crm_leads[0].fields.insert("Title".into(), None);
    facts.crm_leads[0].fields.insert("Industry".into(), Some("Rail".into()));
    facts.marketing_contacts[0].fields.insert("industry".into(), None);
    let mut memory = FieldMemory::default();
    let (_, writes) = plan(&rules, &facts, &memory);
    let got: Vec<(System, &str, Option<&str>)> = writes
        .iter()
        .map(|w| (w.system, w.field.as_str(), w.value.as_deref()))
        .collect();
    assert_eq!(
        got,
        [
            (System::Salesforce, "Title", Some("CTO")),
            (System::HubSpot, "industry", Some("Rail"))
        ]
    );
    apply(&mut facts, &mut memory, &writes, day(30, 1));
    assert!(
        plan(&rules, &facts, &memory).1.is_empty(),
        "values read back are not changes"
    );

    // Sales edits the title in Salesforce later: it flows to HubSpot, and only there.
    facts.crm_leads[0].fields.insert("Title".into(), Some("CEO".into()));
    facts.crm_leads[0].modified_at = day(31, 0);
    let (_, writes) = plan(&rules, &facts, &memory);
    let got: Vec<(System, &str, Option<&str>)> = writes
        .iter()
        .map(|w| (w.system, w.field.as_str(), w.value.as_deref()))
        .collect();
    assert_eq!(got, [(System::HubSpot, "jobtitle", Some("CEO"))]);
    apply(&mut facts, &mut memory, &writes, day(31, 1));
    assert!(plan(&rules, &facts, &memory).1.is_empty());
}

#[test]
fn a_created_lead_gets_its_mapped_values() {
    let mut facts = nurtured();
    facts.crm_leads.clear();
    let rules = ReconcileRules::default();
    let (g, writes) = plan(&rules, &facts, &FieldMemory::default());
    assert!(g.push && g.create_lead);
    assert!(!writes.is_empty());
    assert!(
        writes
            .iter()
            .filter(|w| w.system == System::Salesforce)
            .all(|w| { w.record.is_none() && w.object == ObjectType::Lead && w.reason == WriteReason::Create })
    );
    let grouped = group_writes(&writes);
    assert!(
        grouped
            .iter()
            .any(|g| g.record.is_none() && g.fields.contains_key("Conversion_Content__c"))
    );
}

#[test]
fn datetime_kinds_default_sensibly() {
    assert_eq!(DerivedField::MqlDate.kind(), FieldKind::DateTime);
    assert_eq!(DerivedField::DealCloseDate.kind(), FieldKind::Date);
    assert_eq!(DerivedField::SpeedToLeadMinutes.kind(), FieldKind::Number);
}
