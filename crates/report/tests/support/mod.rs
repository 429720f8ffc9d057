//! The hand-built world the report tests run on: five people, two campaigns, two content assets,
//! two sales reps, one won deal, a disqualified lead, a recycled one, a duplicate lead, a
//! quarantined input and a push given up. It goes through the real pipeline: `commit_page`, then
//! reconcile (`closedloop_engine::reconcile::run`). The expected figures are worked out by hand in
//! each test from the facts written here.

#![allow(dead_code)]

use chrono::{Duration, NaiveDate, TimeZone, Utc};
use closedloop_core::activity::{ActivityKind, SalesActivity};
use closedloop_core::catalog::{Campaign, ContentAsset, ContentKind, Owner};
use closedloop_core::cursor::{Checkpoint, StreamName};
use closedloop_core::deal::{Deal, StageChange, StageValue};
use closedloop_core::money::{Currency, Money};
use closedloop_core::page::{PageBatch, Record, Rejected};
use closedloop_core::records::{CrmLead, FieldValues, MarketingContact, SourceInfo};
use closedloop_core::rules::ReconcileRules;
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage, StageRef};
use closedloop_core::touchpoint::{Channel, ContentKey, Depth, Touchpoint, TouchpointKind};
use closedloop_core::{Email, ExternalId, HubSpotId, ObjectType, SalesforceId, System, Timestamp};
use closedloop_store::Store;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offset(pub usize);

impl Checkpoint for Offset {
    const VERSION: u32 = 1;
    fn is_at_or_after(&self, previous: &Self) -> bool {
        self.0 >= previous.0
    }
}

/// 2026-03-01 00:00 UTC plus days and minutes.
pub fn day(days: i64, minutes: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::days(days) + Duration::minutes(minutes)
}

/// The report's "now": 2026-05-01 (day 61).
pub fn now() -> Timestamp {
    day(61, 0)
}

pub fn sfid(prefix: &str, n: u32) -> SalesforceId {
    SalesforceId::parse(&format!("{prefix}{n:012}")).unwrap()
}

pub const ALICE: &str = "005000000000001";
pub const BOB: &str = "005000000000002";
pub const WEBINAR: &str = "hubspot:event:w1";
pub const PAPER: &str = "hubspot:form:wp";

fn campaign_key(id: &str) -> ExternalId {
    ExternalId::new(System::HubSpot, ObjectType::Campaign, id).unwrap()
}

/// A HubSpot contact: a lead when created, an MQL a day later (or a subscriber).
fn contact(id: u64, mail: &str, first: &str, created: Timestamp, qualified: bool, source: Channel) -> MarketingContact {
    let dates = if qualified {
        BTreeMap::from([
            (LifecycleStage::Lead, created),
            (LifecycleStage::MarketingQualifiedLead, created + Duration::days(1)),
        ])
    } else {
        BTreeMap::from([(LifecycleStage::Subscriber, created)])
    };
    MarketingContact {
        id: HubSpotId::parse(&id.to_string()).unwrap(),
        email: Some(Email::parse(mail).unwrap()),
        first_name: Some(first.into()),
        last_name: Some("Example".into()),
        lifecycle_stage: Some(if qualified {
            LifecycleStage::MarketingQualifiedLead
        } else {
            LifecycleStage::Subscriber
        }),
        lifecycle_dates: dates,
        lead_status: None,
        original_source: SourceInfo {
            channel: Some(source),
            detail_1: None,
            detail_2: None,
        },
        latest_source: SourceInfo::default(),
        owner_id: None,
        merged_ids: Vec::new(),
        fields: FieldValues::new(),
        created_at: created,
        updated_at: created,
        archived: false,
    }
}

fn lead(n: u32, mail: &str, owner: &str, created: Timestamp, status: LeadStatus, reason: Option<&str>) -> CrmLead {
    CrmLead {
        id: sfid("00Q", n),
        email: Some(Email::parse(mail).unwrap()),
        first_name: None,
        last_name: Some("Example".into()),
        company: Some("Example GmbH".into()),
        status_raw: Some(status.as_str().into()),
        status: Some(status),
        disqualification_reason: reason.map(str::to_owned),
        lead_source: Some("Web".into()),
        owner_id: Some(owner.into()),
        conversion: None,
        fields: FieldValues::new(),
        created_at: created,
        modified_at: created,
        deleted: false,
        merged_into: None,
    }
}

pub fn lead_key(n: u32) -> ExternalId {
    ExternalId::salesforce(ObjectType::Lead, &sfid("00Q", n))
}

fn hs_key(id: u64) -> ExternalId {
    ExternalId::hubspot(ObjectType::Contact, &HubSpotId::parse(&id.to_string()).unwrap())
}

#[allow(clippy::too_many_arguments)]
fn touch(
    event: &str,
    who: u64,
    kind: TouchpointKind,
    at: Timestamp,
    channel: Channel,
    campaign: Option<&str>,
    content: Option<&str>,
    depth: Option<Depth>,
) -> Record {
    Record::Touchpoint(Touchpoint {
        source: System::HubSpot,
        source_event_id: event.into(),
        subject: hs_key(who),
        kind,
        occurred_at: at,
        channel: Some(channel),
        campaign: campaign.map(campaign_key),
        content: content.map(|c| ContentKey(c.into())),
        depth,
        detail: None,
    })
}

fn call(n: u32, who: &ExternalId, at: Timestamp, owner: &str) -> Record {
    Record::Activity(SalesActivity {
        id: ExternalId::salesforce(ObjectType::Activity, &sfid("00T", n)),
        who: who.clone(),
        deal: None,
        kind: ActivityKind::Call,
        occurred_at: at,
        owner_id: Some(owner.into()),
        subject: Some("Call".into()),
        outcome: None,
        deleted: false,
    })
}

fn status_change(lead: &ExternalId, status: LeadStatus, reason: Option<&str>, at: Timestamp) -> Record {
    Record::StageChange(StageChange {
        subject: lead.clone(),
        value: StageValue::LeadStatus {
            status,
            raw: status.as_str().to_owned(),
            reason: reason.map(str::to_owned),
        },
        at,
        source: System::Salesforce,
        source_ref: None,
    })
}

/// The world (times as day offsets from 2026-03-01):
/// - P1 Ada (hs 101, lead L1 of Alice): contact day 0 (lead day 0, MQL day 1). Touches: t1 webinar
///   attendance (campaign A, webinar W, 30 of 60 min) day 0; t2 whitepaper download (campaign B,
///   paper P) day 10. Call 2 h after the MQL. Deal D1 on L1: created day 20, won, closes day 30,
///   USD 12,000.00.
/// - P2 Ben (hs 102, lead L2 of Bob): contact day 2 (MQL day 3). t3 paper download (B) day 2. Call
///   day 5 (48 h after the MQL). Disqualified day 6, "no budget".
/// - P3 Cleo (hs 103, lead L3 of Alice): contact day 4 (MQL day 5). t4 webinar registration (A, W)
///   day 4. Never called. Recycled day 20.
/// - P4 Dan (hs 104): subscriber day 40. t5 email click (B, no content) day 40. No lead.
/// - P5 Eve (hs 105, lead L5 of Bob, duplicate lead L55 of Bob): contact day 45 (MQL day 46), no
///   touches, original source organic search. Call 30 min after the MQL.
pub fn world() -> Vec<Record> {
    use TouchpointKind::*;
    let watched = Depth::Watched {
        seconds: 1_800,
        percent: None,
    };
    let mut out = vec![
        Record::Campaign(Campaign {
            id: campaign_key("A"),
            name: "Webinar DE".into(),
            channel: Some(Channel::Email),
            kind: Some("Webinar".into()),
            starts_on: NaiveDate::from_ymd_opt(2026, 3, 1),
            ends_on: None,
        }),
        Record::Campaign(Campaign {
            id: campaign_key("B"),
            name: "Paid search X".into(),
            channel: Some(Channel::PaidSearch),
            kind: Some("Paid search".into()),
            starts_on: None,
            ends_on: None,
        }),
        Record::Content(ContentAsset {
            key: ContentKey(WEBINAR.into()),
            kind: ContentKind::Webinar,
            title: "Closing the loop (webinar)".into(),
            url: None,
            campaign: Some(campaign_key("A")),
            duration_seconds: Some(3_600),
        }),
        Record::Content(ContentAsset {
            key: ContentKey(PAPER.into()),
            kind: ContentKind::Whitepaper,
            title: "Attribution whitepaper".into(),
            url: None,
            campaign: Some(campaign_key("B")),
            duration_seconds: None,
        }),
    ];
    for (id, name) in [(ALICE, "Alice Rep"), (BOB, "Bob Rep")] {
        out.push(Record::Owner(Owner {
            id: ExternalId::new(System::Salesforce, ObjectType::Owner, id).unwrap(),
            email: None,
            name: Some(name.into()),
            active: true,
        }));
    }
    // P1
    out.push(Record::MarketingContact(contact(
        101,
        "ada@example.com",
        "Ada",
        day(0, 0),
        true,
        Channel::Email,
    )));
    out.push(touch(
        "t1",
        101,
        WebinarAttendance,
        day(0, 0),
        Channel::Email,
        Some("A"),
        Some(WEBINAR),
        Some(watched),
    ));
    out.push(touch(
        "t2",
        101,
        ContentDownload,
        day(10, 0),
        Channel::PaidSearch,
        Some("B"),
        Some(PAPER),
        None,
    ));
    out.push(Record::CrmLead(lead(
        1,
        "ada@example.com",
        ALICE,
        day(1, 0),
        LeadStatus::Open,
        None,
    )));
    out.push(call(1, &lead_key(1), day(1, 120), ALICE));
    let mut d1 = Deal {
        id: ExternalId::salesforce(ObjectType::Deal, &sfid("006", 1)),
        name: Some("Ada's deal".into()),
        stage: StageRef {
            pipeline: "default".into(),
            id: "Closed Won".into(),
        },
        status: DealStatus::Won,
        amount: Some(Money {
            minor: 1_200_000,
            currency: Currency::USD,
        }),
        close_date: Some(day(30, 0).date_naive()),
        close_reason: None,
        lead_source: None,
        campaign: None,
        contacts: vec![lead_key(1)],
        created_at: day(20, 0),
        updated_at: day(30, 0),
        deleted: false,
    };
    d1.updated_at = day(30, 0);
    out.push(Record::Deal(d1));
    // P2
    out.push(Record::MarketingContact(contact(
        102,
        "ben@example.com",
        "Ben",
        day(2, 0),
        true,
        Channel::PaidSearch,
    )));
    out.push(touch(
        "t3",
        102,
        ContentDownload,
        day(2, 0),
        Channel::PaidSearch,
        Some("B"),
        Some(PAPER),
        None,
    ));
    out.push(Record::CrmLead(lead(
        2,
        "ben@example.com",
        BOB,
        day(3, 0),
        LeadStatus::Disqualified,
        Some("no budget"),
    )));
    out.push(call(2, &lead_key(2), day(5, 0), BOB));
    out.push(status_change(
        &lead_key(2),
        LeadStatus::Disqualified,
        Some("no budget"),
        day(6, 0),
    ));
    // P3
    out.push(Record::MarketingContact(contact(
        103,
        "cleo@example.com",
        "Cleo",
        day(4, 0),
        true,
        Channel::Email,
    )));
    out.push(touch(
        "t4",
        103,
        WebinarRegistration,
        day(4, 0),
        Channel::Email,
        Some("A"),
        Some(WEBINAR),
        None,
    ));
    out.push(Record::CrmLead(lead(
        3,
        "cleo@example.com",
        ALICE,
        day(5, 0),
        LeadStatus::Recycled,
        None,
    )));
    out.push(status_change(&lead_key(3), LeadStatus::Recycled, None, day(20, 0)));
    // P4
    out.push(Record::MarketingContact(contact(
        104,
        "dan@example.com",
        "Dan",
        day(40, 0),
        false,
        Channel::PaidSearch,
    )));
    out.push(touch(
        "t5",
        104,
        EmailClick,
        day(40, 0),
        Channel::PaidSearch,
        Some("B"),
        None,
        None,
    ));
    // P5
    out.push(Record::MarketingContact(contact(
        105,
        "eve@example.com",
        "Eve",
        day(45, 0),
        true,
        Channel::OrganicSearch,
    )));
    out.push(Record::CrmLead(lead(
        5,
        "eve@example.com",
        BOB,
        day(46, 0),
        LeadStatus::Open,
        None,
    )));
    out.push(Record::CrmLead(lead(
        55,
        "eve@example.com",
        BOB,
        day(50, 0),
        LeadStatus::Open,
        None,
    )));
    out.push(call(5, &lead_key(5), day(46, 30), BOB));
    out
}

/// A store with the world committed, reconciled at [`now`], one quarantined input and one push
/// given up.
pub async fn reconciled_store(dir: &std::path::Path) -> Store {
    let store = Store::open(&dir.join("report.db")).await.unwrap();
    let stream = StreamName::new("test.records").unwrap();
    let page = PageBatch {
        records: world(),
        snapshots: vec![],
        rejected: vec![Rejected {
            stream: "hubspot.contacts".into(),
            external_id: Some("999".into()),
            reason: "email is not an address".into(),
            payload: serde_json::json!({"email": "not-an-address"}),
        }],
    };
    store.commit_page(&stream, None, &Offset(1), &page).await.unwrap();
    closedloop_engine::reconcile::run(&store, &ReconcileRules::default(), now(), 100)
        .await
        .unwrap();
    let due = store.due_pushes(System::Salesforce, Utc::now(), 1).await.unwrap();
    let item = due.first().expect("reconcile queued a push to salesforce");
    store
        .fail_push(
            item.id,
            "INVALID_FIELD: No such column 'Closedloop_MQL_Date__c'",
            None,
            5,
        )
        .await
        .unwrap();
    store
}
