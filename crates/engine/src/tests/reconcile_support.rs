//! Builders for reconcile's engine tests: a temporary store fed through `commit_page` with core
//! types, and records that state only what a test needs.

use super::fakes::Offset;
use chrono::{Duration, TimeZone, Utc};
use closedloop_core::activity::{ActivityKind, SalesActivity};
use closedloop_core::cursor::StreamName;
use closedloop_core::deal::{Deal, StageChange, StageValue};
use closedloop_core::money::{Currency, Money};
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::records::{CrmContact, CrmLead, FieldValues, LeadConversion, MarketingContact, SourceInfo};
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage, StageRef};
use closedloop_core::touchpoint::{Channel, ContentKey, Touchpoint, TouchpointKind};
use closedloop_core::{Email, ExternalId, HubSpotId, ObjectType, SalesforceId, System, Timestamp};
use closedloop_store::Store;
use std::collections::BTreeMap;

pub struct TempStore {
    pub store: Store,
    pub _dir: tempfile::TempDir,
}

pub async fn temp_store() -> TempStore {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("reconcile.db")).await.unwrap();
    TempStore { store, _dir: dir }
}

/// 2026-03-01 00:00 UTC plus days and hours.
pub fn day(days: i64, hours: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::days(days) + Duration::hours(hours)
}

/// The time reconcile runs at in these tests.
pub fn now() -> Timestamp {
    day(60, 0)
}

/// Commits `records` as one page of a test stream (cursor one step further each time).
pub async fn commit(store: &Store, records: Vec<Record>) {
    let stream = StreamName::new("test.records").unwrap();
    let prev: Option<Offset> = store.load_cursor(&stream).await.unwrap();
    let next = Offset(prev.as_ref().map_or(1, |o| o.0 + 1));
    let page = PageBatch {
        records,
        snapshots: vec![],
        rejected: vec![],
    };
    store.commit_page(&stream, prev.as_ref(), &next, &page).await.unwrap();
}

pub fn sfid(prefix: &str, n: u32) -> SalesforceId {
    SalesforceId::parse(&format!("{prefix}{n:012}")).unwrap()
}

pub fn hs_key(id: u64) -> ExternalId {
    ExternalId::hubspot(ObjectType::Contact, &HubSpotId::parse(&id.to_string()).unwrap())
}

pub fn lead_key(n: u32) -> ExternalId {
    ExternalId::salesforce(ObjectType::Lead, &sfid("00Q", n))
}

/// A HubSpot contact that became a lead when created and an MQL a day later.
pub fn hs_contact(id: u64, mail: &str, created: Timestamp) -> MarketingContact {
    MarketingContact {
        id: HubSpotId::parse(&id.to_string()).unwrap(),
        email: Some(Email::parse(mail).unwrap()),
        first_name: Some("Ada".into()),
        last_name: Some(format!("Person{id}")),
        lifecycle_stage: Some(LifecycleStage::MarketingQualifiedLead),
        lifecycle_dates: BTreeMap::from([
            (LifecycleStage::Lead, created),
            (LifecycleStage::MarketingQualifiedLead, created + Duration::days(1)),
        ]),
        lead_status: None,
        original_source: SourceInfo {
            channel: Some(Channel::PaidSearch),
            detail_1: Some("google".into()),
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

/// A subscriber that never qualified.
pub fn subscriber(id: u64, mail: &str, created: Timestamp) -> MarketingContact {
    MarketingContact {
        lifecycle_stage: Some(LifecycleStage::Subscriber),
        lifecycle_dates: BTreeMap::from([(LifecycleStage::Subscriber, created)]),
        ..hs_contact(id, mail, created)
    }
}

pub fn sf_lead(n: u32, mail: &str, created: Timestamp) -> CrmLead {
    CrmLead {
        id: sfid("00Q", n),
        email: Some(Email::parse(mail).unwrap()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        company: Some("Engines Ltd".into()),
        status_raw: Some("Open - Not Contacted".into()),
        status: Some(LeadStatus::Open),
        disqualification_reason: None,
        lead_source: Some("Web".into()),
        owner_id: Some("005000000000001".into()),
        conversion: None,
        fields: FieldValues::new(),
        created_at: created,
        modified_at: created,
        deleted: false,
        merged_into: None,
    }
}

pub fn converted(mut lead: CrmLead, contact: u32, at: Timestamp) -> CrmLead {
    lead.conversion = Some(LeadConversion {
        contact_id: Some(sfid("003", contact)),
        opportunity_id: None,
        converted_at: Some(at),
    });
    lead.status = Some(LeadStatus::Converted);
    lead.status_raw = Some("Closed - Converted".into());
    lead.modified_at = at;
    lead
}

pub fn sf_contact(n: u32, mail: &str, created: Timestamp) -> CrmContact {
    CrmContact {
        id: sfid("003", n),
        email: Some(Email::parse(mail).unwrap()),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        account_id: None,
        lead_source: None,
        owner_id: Some("005000000000001".into()),
        fields: FieldValues::new(),
        created_at: created,
        modified_at: created,
        deleted: false,
        merged_into: None,
    }
}

pub fn campaign(id: &str) -> ExternalId {
    ExternalId::new(System::HubSpot, ObjectType::Campaign, id).unwrap()
}

/// A form submission on `subject` for campaign `c-<n>`.
pub fn touch(event: &str, subject: &ExternalId, at: Timestamp, campaign_n: u32) -> Touchpoint {
    Touchpoint {
        source: System::HubSpot,
        source_event_id: event.to_owned(),
        subject: subject.clone(),
        kind: TouchpointKind::FormSubmission,
        occurred_at: at,
        channel: Some(Channel::Email),
        campaign: Some(campaign(&format!("c-{campaign_n}"))),
        content: Some(ContentKey::new(System::HubSpot, "form", &format!("f-{campaign_n}"))),
        depth: None,
        detail: None,
    }
}

pub fn deal(n: u32, contacts: &[ExternalId], created: Timestamp, status: DealStatus, amount: i64) -> Deal {
    Deal {
        id: ExternalId::salesforce(ObjectType::Deal, &sfid("006", n)),
        name: Some(format!("Deal {n}")),
        stage: StageRef {
            pipeline: "default".into(),
            id: "Prospecting".into(),
        },
        status,
        amount: Some(Money {
            minor: amount,
            currency: Currency::USD,
        }),
        close_date: None,
        close_reason: None,
        lead_source: None,
        campaign: None,
        contacts: contacts.to_vec(),
        created_at: created,
        updated_at: created,
        deleted: false,
    }
}

pub fn call(n: u32, who: &ExternalId, at: Timestamp) -> SalesActivity {
    SalesActivity {
        id: ExternalId::salesforce(ObjectType::Activity, &sfid("00T", n)),
        who: who.clone(),
        deal: None,
        kind: ActivityKind::Call,
        occurred_at: at,
        owner_id: Some("005000000000001".into()),
        subject: Some("Intro call".into()),
        outcome: None,
        deleted: false,
    }
}

pub fn status_change(lead: &ExternalId, status: LeadStatus, reason: Option<&str>, at: Timestamp) -> StageChange {
    StageChange {
        subject: lead.clone(),
        value: StageValue::LeadStatus {
            status,
            raw: status.as_str().to_owned(),
            reason: reason.map(str::to_owned),
        },
        at,
        source: System::Salesforce,
        source_ref: None,
    }
}
