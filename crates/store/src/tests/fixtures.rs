//! Sample records and a temporary store for the tests.

use crate::Store;
use chrono::{TimeZone, Utc};
use closedloop_core::activity::{ActivityKind, SalesActivity};
use closedloop_core::cursor::{Checkpoint, StreamName};
use closedloop_core::deal::{Deal, StageChange, StageValue};
use closedloop_core::money::{Currency, Money};
use closedloop_core::page::{PageBatch, Record, Snapshot};
use closedloop_core::records::{CrmLead, LeadConversion, MarketingContact, SourceInfo};
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage, StageRef};
use closedloop_core::touchpoint::{Channel, ContentKey, Depth, Percent, Touchpoint, TouchpointKind};
use closedloop_core::{Email, ExternalId, HubSpotId, ObjectType, SalesforceId, System, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub struct TempStore {
    pub store: Store,
    pub _dir: tempfile::TempDir,
}

pub async fn temp_store() -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("closedloop.db")).await.unwrap();
    TempStore { store, _dir: dir }
}

pub fn at(day: u32, hour: u32) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 4, day, hour, 0, 0).unwrap()
}

/// A cursor like a connector's: a timestamp and an id, ordered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TestCursor {
    pub since_ms: i64,
    pub last_id: u64,
}

impl Checkpoint for TestCursor {
    const VERSION: u32 = 1;
    fn is_at_or_after(&self, previous: &Self) -> bool {
        (self.since_ms, self.last_id) >= (previous.since_ms, previous.last_id)
    }
}

pub fn cursor(since_ms: i64, last_id: u64) -> TestCursor {
    TestCursor { since_ms, last_id }
}

pub fn stream() -> StreamName {
    StreamName::new("hubspot.contacts").unwrap()
}

pub fn contact(id: &str, email: &str, updated: Timestamp) -> MarketingContact {
    MarketingContact {
        id: HubSpotId::parse(id).unwrap(),
        email: Some(Email::parse(email).unwrap()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        lifecycle_stage: Some(LifecycleStage::MarketingQualifiedLead),
        lifecycle_dates: BTreeMap::from([
            (LifecycleStage::Lead, at(1, 9)),
            (LifecycleStage::MarketingQualifiedLead, at(3, 9)),
        ]),
        lead_status: Some(LeadStatus::New),
        original_source: SourceInfo {
            channel: Some(Channel::PaidSearch),
            detail_1: Some("google".into()),
            detail_2: None,
        },
        latest_source: SourceInfo::default(),
        owner_id: Some("77".into()),
        merged_ids: vec![],
        fields: BTreeMap::from([("country".into(), Some("DE".into()))]),
        created_at: at(1, 9),
        updated_at: updated,
        archived: false,
    }
}

pub fn lead(id15: &str, email: &str, modified: Timestamp) -> CrmLead {
    CrmLead {
        id: SalesforceId::parse(id15).unwrap(),
        email: Some(Email::parse(email).unwrap()),
        first_name: None,
        last_name: Some("Lovelace".into()),
        company: Some("Analytical Engines".into()),
        status_raw: Some("Closed - Converted".into()),
        status: Some(LeadStatus::Converted),
        disqualification_reason: None,
        lead_source: Some("Web".into()),
        owner_id: Some("005000000000001".into()),
        conversion: Some(LeadConversion {
            contact_id: Some(SalesforceId::parse("003000000000001").unwrap()),
            opportunity_id: None,
            converted_at: Some(at(5, 10)),
        }),
        fields: BTreeMap::new(),
        created_at: at(3, 10),
        modified_at: modified,
        deleted: false,
        merged_into: None,
    }
}

pub fn touch(event: &str, subject: &ExternalId, when: Timestamp) -> Touchpoint {
    Touchpoint {
        source: System::HubSpot,
        source_event_id: event.into(),
        subject: subject.clone(),
        kind: TouchpointKind::WebinarAttendance,
        occurred_at: when,
        channel: Some(Channel::Email),
        campaign: Some(ExternalId::new(System::HubSpot, ObjectType::Campaign, "c-1").unwrap()),
        content: Some(ContentKey::new(System::HubSpot, "event", "w-1")),
        depth: Some(Depth::Watched {
            seconds: 720,
            percent: Some(Percent::new(20.0).unwrap()),
        }),
        detail: None,
    }
}

pub fn deal(id: &str, contact: &ExternalId) -> Deal {
    Deal {
        id: ExternalId::new(System::Salesforce, ObjectType::Deal, id).unwrap(),
        name: Some("Big deal".into()),
        stage: StageRef {
            pipeline: "default".into(),
            id: "Closed Won".into(),
        },
        status: DealStatus::Won,
        amount: Some(Money {
            minor: 1_250_000,
            currency: Currency::parse("EUR").unwrap(),
        }),
        close_date: Some(chrono::NaiveDate::from_ymd_opt(2026, 4, 20).unwrap()),
        close_reason: None,
        lead_source: None,
        campaign: None,
        contacts: vec![contact.clone()],
        created_at: at(6, 9),
        updated_at: at(20, 9),
        deleted: false,
    }
}

pub fn activity(id: &str, who: &ExternalId) -> SalesActivity {
    SalesActivity {
        id: ExternalId::new(System::Salesforce, ObjectType::Activity, id).unwrap(),
        who: who.clone(),
        deal: None,
        kind: ActivityKind::Call,
        occurred_at: at(3, 15),
        owner_id: Some("005000000000001".into()),
        subject: Some("Intro call".into()),
        outcome: Some("Connected".into()),
        deleted: false,
    }
}

pub fn deal_stage(deal: &ExternalId, stage: &str, when: Timestamp) -> StageChange {
    StageChange {
        subject: deal.clone(),
        value: StageValue::DealStage {
            stage: StageRef {
                pipeline: "default".into(),
                id: stage.into(),
            },
            status: DealStatus::Open,
            amount: None,
        },
        at: when,
        source: System::Salesforce,
        source_ref: Some(format!("008-{stage}")),
    }
}

pub fn page_of(records: Vec<Record>) -> PageBatch {
    let snapshots = records
        .iter()
        .filter_map(|r| match r {
            Record::MarketingContact(c) => Some(Snapshot {
                key: c.key(),
                payload: serde_json::to_value(c).unwrap(),
                source_updated_at: Some(c.updated_at),
            }),
            Record::CrmLead(l) => Some(Snapshot {
                key: l.key(),
                payload: serde_json::to_value(l).unwrap(),
                source_updated_at: Some(l.modified_at),
            }),
            _ => None,
        })
        .collect();
    PageBatch {
        records,
        snapshots,
        rejected: vec![],
    }
}

pub async fn count(store: &Store, sql: &'static str) -> i64 {
    sqlx::query_scalar::<_, i64>(sql).fetch_one(&store.pool).await.unwrap()
}
