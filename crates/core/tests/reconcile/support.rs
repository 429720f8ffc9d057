//! Builders for records and events, so each test states only what matters to it.

#![allow(dead_code)]

use chrono::{Duration, TimeZone, Utc};
use closedloop_core::activity::{ActivityKind, SalesActivity};
use closedloop_core::deal::{Deal, StageChange, StageValue};
use closedloop_core::ids::{ExternalId, HubSpotId, SalesforceId};
use closedloop_core::money::{Currency, Money};
use closedloop_core::records::{CrmContact, CrmLead, FieldValues, LeadConversion, MarketingContact, SourceInfo};
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage, StageRef};
use closedloop_core::touchpoint::{Channel, ContentKey, Touchpoint, TouchpointKind};
use closedloop_core::{Email, ObjectType, System, Timestamp};
use std::collections::BTreeMap;

/// 2024-01-01 00:00 UTC plus `days` days and `hours` hours.
pub fn day(days: i64, hours: i64) -> Timestamp {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap() + Duration::days(days) + Duration::hours(hours)
}

pub fn email(s: &str) -> Email {
    Email::parse(s).unwrap()
}

/// A Salesforce id from a prefix (`00Q`, `003`, `006`, `00T`) and a number.
pub fn sfid(prefix: &str, n: u32) -> SalesforceId {
    SalesforceId::parse(&format!("{prefix}{n:012}")).unwrap()
}

pub fn hs_key(id: u64) -> ExternalId {
    ExternalId::hubspot(ObjectType::Contact, &HubSpotId::parse(&id.to_string()).unwrap())
}

pub fn lead_key(n: u32) -> ExternalId {
    ExternalId::salesforce(ObjectType::Lead, &sfid("00Q", n))
}

pub fn contact_key(n: u32) -> ExternalId {
    ExternalId::salesforce(ObjectType::Contact, &sfid("003", n))
}

pub fn hs_contact(id: u64, mail: Option<&str>, created: Timestamp) -> MarketingContact {
    MarketingContact {
        id: HubSpotId::parse(&id.to_string()).unwrap(),
        email: mail.map(email),
        first_name: Some("Ada".into()),
        last_name: Some("Lovelace".into()),
        lifecycle_stage: Some(LifecycleStage::Lead),
        lifecycle_dates: BTreeMap::from([(LifecycleStage::Lead, created)]),
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

pub fn sf_lead(n: u32, mail: Option<&str>, created: Timestamp) -> CrmLead {
    CrmLead {
        id: sfid("00Q", n),
        email: mail.map(email),
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
    lead
}

pub fn sf_contact(n: u32, mail: Option<&str>, created: Timestamp) -> CrmContact {
    CrmContact {
        id: sfid("003", n),
        email: mail.map(email),
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

pub fn touch(subject: &ExternalId, id: &str, kind: TouchpointKind, at: Timestamp) -> Touchpoint {
    Touchpoint {
        source: subject.system,
        source_event_id: id.to_owned(),
        subject: subject.clone(),
        kind,
        occurred_at: at,
        channel: Some(Channel::Email),
        campaign: None,
        content: None,
        depth: None,
        detail: None,
    }
}

pub fn campaign_key(id: &str) -> ExternalId {
    ExternalId::new(System::HubSpot, ObjectType::Campaign, id).unwrap()
}

pub fn content_key(id: &str) -> ContentKey {
    ContentKey::new(System::HubSpot, "form", id)
}

pub fn lifecycle(subject: &ExternalId, stage: LifecycleStage, at: Timestamp) -> StageChange {
    StageChange {
        subject: subject.clone(),
        value: StageValue::Lifecycle { stage },
        at,
        source: System::HubSpot,
        source_ref: None,
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

pub fn usd(minor: i64) -> Money {
    Money {
        minor,
        currency: Currency::USD,
    }
}

pub fn deal(n: u32, contact: &ExternalId, created: Timestamp, status: DealStatus, amount: Option<i64>) -> Deal {
    Deal {
        id: ExternalId::salesforce(ObjectType::Deal, &sfid("006", n)),
        name: Some(format!("Deal {n}")),
        stage: StageRef {
            pipeline: "default".into(),
            id: "Prospecting".into(),
        },
        status,
        amount: amount.map(usd),
        close_date: None,
        close_reason: None,
        lead_source: None,
        campaign: None,
        contacts: vec![contact.clone()],
        created_at: created,
        updated_at: created,
        deleted: false,
    }
}

pub fn deal_stage(deal: &Deal, stage: &str, status: DealStatus, at: Timestamp) -> StageChange {
    StageChange {
        subject: deal.id.clone(),
        value: StageValue::DealStage {
            stage: StageRef {
                pipeline: "default".into(),
                id: stage.into(),
            },
            status,
            amount: deal.amount,
        },
        at,
        source: System::Salesforce,
        source_ref: None,
    }
}

pub fn activity(n: u32, who: &ExternalId, kind: ActivityKind, at: Timestamp) -> SalesActivity {
    SalesActivity {
        id: ExternalId::salesforce(ObjectType::Activity, &sfid("00T", n)),
        who: who.clone(),
        deal: None,
        kind,
        occurred_at: at,
        owner_id: Some("005000000000001".into()),
        subject: Some("Call".into()),
        outcome: None,
        deleted: false,
    }
}
