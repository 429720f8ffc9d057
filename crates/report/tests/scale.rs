//! How long the report takes over a bigger store: 10,000 people, 50,000 touchpoints, 6,000 leads
//! with calls, 1,000 deals, reconciled, then the whole report built once. Ignored by default (it
//! measures, it asserts nothing about time): run it with
//! `cargo test -p closedloop-report --release --test scale -- --ignored --nocapture`.

mod support;

use chrono::Duration;
use closedloop_core::activity::{ActivityKind, SalesActivity};
use closedloop_core::cursor::StreamName;
use closedloop_core::deal::Deal;
use closedloop_core::money::{Currency, Money};
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::records::{CrmLead, FieldValues, MarketingContact, SourceInfo};
use closedloop_core::rules::ReconcileRules;
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage, StageRef};
use closedloop_core::touchpoint::{Channel, ContentKey, Touchpoint, TouchpointKind};
use closedloop_core::{Email, ExternalId, HubSpotId, ObjectType, System};
use closedloop_report::{ReportOptions, build, render_html};
use std::collections::BTreeMap;
use std::time::Instant;
use support::*;

const PEOPLE: u32 = 10_000;

fn person(n: u32) -> Vec<Record> {
    let created = day(i64::from(n % 55), i64::from(n % 600));
    let hs = HubSpotId::parse(&(10_000 + n).to_string()).unwrap();
    let key = ExternalId::hubspot(ObjectType::Contact, &hs);
    let mail = format!("p{n}@example.com");
    let qualified = n % 5 < 3;
    let mut dates = BTreeMap::from([(LifecycleStage::Lead, created)]);
    if qualified {
        dates.insert(LifecycleStage::MarketingQualifiedLead, created + Duration::hours(20));
    }
    let mut out = vec![Record::MarketingContact(MarketingContact {
        id: hs,
        email: Some(Email::parse(&mail).unwrap()),
        first_name: Some(format!("P{n}")),
        last_name: None,
        lifecycle_stage: Some(LifecycleStage::Lead),
        lifecycle_dates: dates,
        lead_status: None,
        original_source: SourceInfo::default(),
        latest_source: SourceInfo::default(),
        owner_id: None,
        merged_ids: vec![],
        fields: FieldValues::new(),
        created_at: created,
        updated_at: created,
        archived: false,
    })];
    for k in 0..5u32 {
        out.push(Record::Touchpoint(Touchpoint {
            source: System::HubSpot,
            source_event_id: format!("e{n}-{k}"),
            subject: key.clone(),
            kind: if k % 2 == 0 {
                TouchpointKind::FormSubmission
            } else {
                TouchpointKind::ContentDownload
            },
            occurred_at: created + Duration::days(i64::from(k)) - Duration::days(2),
            channel: Some(Channel::ALL[((n + k) % 9) as usize]),
            campaign: Some(
                ExternalId::new(System::HubSpot, ObjectType::Campaign, &format!("c{}", (n + k) % 40)).unwrap(),
            ),
            content: Some(ContentKey(format!("hubspot:form:f{}", (n * 7 + k) % 60))),
            depth: None,
            detail: None,
        }));
    }
    if qualified {
        let id = sfid("00Q", n + 1);
        let lead = ExternalId::salesforce(ObjectType::Lead, &id);
        let owner = if n.is_multiple_of(2) { ALICE } else { BOB };
        out.push(Record::CrmLead(CrmLead {
            id: id.clone(),
            email: Some(Email::parse(&mail).unwrap()),
            first_name: None,
            last_name: Some("X".into()),
            company: None,
            status_raw: Some("Open".into()),
            status: Some(if n.is_multiple_of(7) {
                LeadStatus::Disqualified
            } else {
                LeadStatus::Open
            }),
            disqualification_reason: n
                .is_multiple_of(7)
                .then(|| ["no budget", "wrong fit", "no answer"][(n % 3) as usize].into()),
            lead_source: None,
            owner_id: Some(owner.into()),
            conversion: None,
            fields: FieldValues::new(),
            created_at: created + Duration::hours(20),
            modified_at: created + Duration::hours(20),
            deleted: false,
            merged_into: None,
        }));
        if !n.is_multiple_of(4) {
            out.push(Record::Activity(SalesActivity {
                id: ExternalId::salesforce(ObjectType::Activity, &sfid("00T", n + 1)),
                who: lead.clone(),
                deal: None,
                kind: ActivityKind::Call,
                occurred_at: created + Duration::hours(20) + Duration::minutes(i64::from(n % 3_000)),
                owner_id: Some(owner.into()),
                subject: None,
                outcome: None,
                deleted: false,
            }));
        }
        if n.is_multiple_of(6) {
            out.push(Record::Deal(Deal {
                id: ExternalId::salesforce(ObjectType::Deal, &sfid("006", n + 1)),
                name: None,
                stage: StageRef {
                    pipeline: "default".into(),
                    id: "x".into(),
                },
                status: if n.is_multiple_of(12) {
                    DealStatus::Won
                } else {
                    DealStatus::Open
                },
                amount: Some(Money {
                    minor: 100_000 + i64::from(n) * 10,
                    currency: Currency::USD,
                }),
                close_date: n
                    .is_multiple_of(12)
                    .then(|| (created + Duration::days(10)).date_naive()),
                close_reason: None,
                lead_source: None,
                campaign: None,
                contacts: vec![lead],
                created_at: created + Duration::days(5),
                updated_at: created + Duration::days(10),
                deleted: false,
            }));
        }
    }
    out
}

#[tokio::test]
#[ignore]
async fn report_over_ten_thousand_people() {
    let dir = tempfile::tempdir().unwrap();
    let path = std::env::var_os("REPORT_SCALE_DB")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| dir.path().join("scale.db"));
    let _ = std::fs::remove_file(&path);
    let store = closedloop_store::Store::open(&path).await.unwrap();
    let stream = StreamName::new("test.records").unwrap();
    let mut prev: Option<Offset> = None;
    for chunk in (0..PEOPLE).collect::<Vec<_>>().chunks(1_000) {
        let records: Vec<Record> = chunk.iter().flat_map(|&n| person(n)).collect();
        let next = Offset(prev.as_ref().map_or(1, |o| o.0 + 1));
        let page = PageBatch {
            records,
            snapshots: vec![],
            rejected: vec![],
        };
        store.commit_page(&stream, prev.as_ref(), &next, &page).await.unwrap();
        prev = Some(next);
    }
    let t = Instant::now();
    closedloop_engine::reconcile::run(&store, &ReconcileRules::default(), now(), 1_000)
        .await
        .unwrap();
    eprintln!("reconcile: {:?}", t.elapsed());
    let t = Instant::now();
    let report = build(&store, &ReportOptions::defaults(now())).await.unwrap();
    let built = t.elapsed();
    let t = Instant::now();
    let html = render_html(&report);
    eprintln!(
        "report: build {built:?}, html {:?} ({} bytes); {} people, {} MQLs, {} campaigns",
        t.elapsed(),
        html.len(),
        report.funnel.total.reached,
        report.funnel.total.mqls,
        report.funnel.by_campaign.len()
    );
    assert_eq!(report.funnel.total.reached, i64::from(PEOPLE));
}
