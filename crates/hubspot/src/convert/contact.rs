//! Contacts: a HubSpot contact into a `MarketingContact`, its lifecycle stage changes and merges.
//!
//! Holds no state. What a contact must satisfy (anything else quarantines the contact with the
//! reason, and its page goes on):
//! - a positive integer id, a `createdate` and a `lastmodifieddate` (or the object's timestamps);
//! - an email that is blank or valid;
//! - `lifecyclestage`, `hs_lead_status` and the analytics sources blank or one of HubSpot's values;
//! - every `hs_lifecyclestage_<stage>_date` blank or a date, none in the future;
//! - every merged id (`hs_merged_object_ids`) a valid id, every string within HubSpot's length.
//!
//! The configured read-back properties go into `fields` exactly as HubSpot reports them
//! (blank as `None`): reconcile compares them with what it pushed, so its own writes are never
//! taken for a user's change.

use super::{Props, Reject, clip, not_future, parse_time};
use crate::wire::CrmObject;
use closedloop_core::deal::{StageChange, StageValue};
use closedloop_core::ids::{ExternalId, HubSpotId};
use closedloop_core::page::{Record, Snapshot};
use closedloop_core::records::{FieldValues, MarketingContact, SourceInfo};
use closedloop_core::stage::{LeadStatus, LifecycleStage};
use closedloop_core::system::{ObjectType, System};
use closedloop_core::touchpoint::Channel;
use closedloop_core::{Email, Timestamp};
use serde_json::Value;
use std::collections::BTreeMap;

/// The contact properties closedloop always reads (the read-back fields come on top).
pub const BASE_PROPERTIES: [&str; 17] = [
    "email",
    "firstname",
    "lastname",
    "lifecyclestage",
    "hs_lead_status",
    "hs_analytics_source",
    "hs_analytics_source_data_1",
    "hs_analytics_source_data_2",
    "hs_latest_source",
    "hs_latest_source_data_1",
    "hs_latest_source_data_2",
    "hubspot_owner_id",
    "createdate",
    "lastmodifieddate",
    "hs_object_id",
    "hs_merged_object_ids",
    "hs_additional_emails",
];

/// Every property a contact read asks for: the base ones, each lifecycle stage's date, and `read`.
pub fn properties(read: &[String]) -> Vec<String> {
    let mut all: Vec<String> = BASE_PROPERTIES.iter().map(|s| (*s).to_owned()).collect();
    all.extend(LifecycleStage::ALL.iter().map(|s| s.hubspot_date_property()));
    for name in read {
        if !all.contains(name) {
            all.push(name.clone());
        }
    }
    all
}

/// What one contact produced.
#[derive(Debug, Clone, PartialEq)]
pub struct ContactRecords {
    /// The contact, its stage changes and merges.
    pub records: Vec<Record>,
    /// Its raw payload.
    pub snapshot: Snapshot,
}

fn source(props: &Props<'_>, channel: &str, detail_1: &str, detail_2: &str) -> Result<SourceInfo, String> {
    let channel = match props.text(channel)? {
        None => None,
        Some(v) => {
            Some(Channel::from_hubspot(v).map_err(|_| format!("{channel} {:?} is not a hubspot source", clip(v)))?)
        }
    };
    Ok(SourceInfo {
        channel,
        detail_1: props.owned(detail_1)?,
        detail_2: props.owned(detail_2)?,
    })
}

/// Converts one contact. `read` are the read-back properties; `now` bounds plausible dates.
pub fn convert(raw: &Value, read: &[String], now: Timestamp) -> Result<ContactRecords, Reject> {
    let object: CrmObject = serde_json::from_value(raw.clone()).map_err(|e| {
        Reject::new(
            raw.get("id").and_then(Value::as_str),
            format!("not a hubspot object: {e}"),
        )
    })?;
    let id = HubSpotId::parse(&object.id).map_err(|e| Reject::new(Some(&object.id), e.to_string()))?;
    let reject = |reason: String| Reject::new(Some(id.as_str()), reason);
    let props = Props::new(&object.properties);
    let key = ExternalId::hubspot(ObjectType::Contact, &id);

    let email = match props.text("email").map_err(reject)? {
        None => None,
        Some(raw_email) => Some(Email::parse(raw_email).map_err(|e| reject(format!("invalid email: {e}")))?),
    };
    let lifecycle_stage = match props.text("lifecyclestage").map_err(reject)? {
        None => None,
        Some(v) => Some(LifecycleStage::from_hubspot(v).map_err(|e| reject(e.to_string()))?),
    };
    let lead_status = match props.text("hs_lead_status").map_err(reject)? {
        None => None,
        Some(v) => Some(LeadStatus::from_hubspot(v).map_err(|e| reject(e.to_string()))?),
    };
    let mut lifecycle_dates = BTreeMap::new();
    for stage in LifecycleStage::ALL {
        let name = stage.hubspot_date_property();
        if let Some(at) = props.time(&name).map_err(reject)? {
            lifecycle_dates.insert(stage, not_future(&name, at, now).map_err(reject)?);
        }
    }
    let created_at = match props.time("createdate").map_err(reject)? {
        Some(t) => Some(t),
        None => object.created_at.as_deref().and_then(parse_time),
    }
    .ok_or_else(|| reject("contact has no createdate".into()))?;
    let created_at = not_future("createdate", created_at, now).map_err(reject)?;
    let updated_at = match props.time("lastmodifieddate").map_err(reject)? {
        Some(t) => Some(t),
        None => object.updated_at.as_deref().and_then(parse_time),
    }
    .ok_or_else(|| reject("contact has no lastmodifieddate".into()))?;
    // A modification in the future is bad data, and would outrank every later real change.
    let mut updated_at = not_future("lastmodifieddate", updated_at, now).map_err(reject)?;
    let archived_at = object.archived_at.as_deref().and_then(parse_time);
    if let Some(at) = archived_at {
        // An archive is a change: it must win over the last live read of the contact.
        updated_at = updated_at.max(at);
    }
    let merged_ids = match props.text("hs_merged_object_ids").map_err(reject)? {
        None => Vec::new(),
        Some(list) => list
            .split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| {
                HubSpotId::parse(s)
                    .map_err(|_| reject(format!("hs_merged_object_ids holds {:?}, not a contact id", clip(s))))
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let mut fields = FieldValues::new();
    for name in read {
        fields.insert(name.clone(), props.text(name).map_err(reject)?.map(str::to_owned));
    }
    let contact = MarketingContact {
        id: id.clone(),
        email,
        first_name: props.owned("firstname").map_err(reject)?,
        last_name: props.owned("lastname").map_err(reject)?,
        lifecycle_stage,
        lifecycle_dates: lifecycle_dates.clone(),
        lead_status,
        original_source: source(
            &props,
            "hs_analytics_source",
            "hs_analytics_source_data_1",
            "hs_analytics_source_data_2",
        )
        .map_err(reject)?,
        latest_source: source(
            &props,
            "hs_latest_source",
            "hs_latest_source_data_1",
            "hs_latest_source_data_2",
        )
        .map_err(reject)?,
        owner_id: props.owned("hubspot_owner_id").map_err(reject)?,
        merged_ids: merged_ids.clone(),
        fields,
        created_at,
        updated_at,
        archived: object.archived,
    };
    let mut records = vec![Record::MarketingContact(contact)];
    for (stage, at) in lifecycle_dates {
        records.push(Record::StageChange(StageChange {
            subject: key.clone(),
            value: StageValue::Lifecycle { stage },
            at,
            source: System::HubSpot,
            source_ref: None,
        }));
    }
    for merged in merged_ids {
        records.push(Record::Merge {
            survivor: key.clone(),
            merged: ExternalId::hubspot(ObjectType::Contact, &merged),
            at: None,
        });
    }
    Ok(ContactRecords {
        records,
        snapshot: Snapshot {
            key,
            payload: raw.clone(),
            source_updated_at: Some(updated_at),
        },
    })
}

/// The `lastmodifieddate` and id of a contact as search orders them, when readable.
pub fn position(raw: &Value, modified_property: &str) -> Option<(Timestamp, HubSpotId)> {
    let id = raw
        .get("id")
        .and_then(Value::as_str)
        .and_then(|s| HubSpotId::parse(s).ok())?;
    let at = raw
        .get("properties")
        .and_then(|p| p.get(modified_property))
        .and_then(Value::as_str)
        .and_then(parse_time)
        .or_else(|| raw.get("updatedAt").and_then(Value::as_str).and_then(parse_time))?;
    Some((at, id))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        parse_time("2026-01-01T00:00:00Z").unwrap()
    }

    fn contact(props: Value) -> Value {
        let mut base = json!({
            "email": "Ada@Example.com", "createdate": "2025-01-01T10:00:00.000Z",
            "lastmodifieddate": "2025-02-01T10:00:00.000Z", "lifecyclestage": "marketingqualifiedlead",
            "hs_lifecyclestage_lead_date": "2025-01-01T10:00:00.000Z",
            "hs_lifecyclestage_marketingqualifiedlead_date": "2025-01-20T10:00:00.000Z",
            "hs_analytics_source": "PAID_SEARCH", "hs_analytics_source_data_1": "google",
            "hs_lead_status": "OPEN", "hs_merged_object_ids": "17;18", "closedloop_sql_date": "1709287200000",
            "country": ""
        });
        if let (Some(b), Some(p)) = (base.as_object_mut(), props.as_object()) {
            for (k, v) in p {
                b.insert(k.clone(), v.clone());
            }
        }
        json!({"id": "101", "properties": base, "createdAt": "2025-01-01T10:00:00Z", "updatedAt": "2025-02-01T10:00:00Z", "archived": false})
    }

    fn read() -> Vec<String> {
        vec!["closedloop_sql_date".into(), "country".into()]
    }

    #[test]
    fn a_contact_converts_with_stages_merges_and_raw_fields() {
        let out = convert(&contact(json!({})), &read(), now()).unwrap();
        let Record::MarketingContact(c) = &out.records[0] else {
            panic!("{:?}", out.records[0])
        };
        assert_eq!(c.email.as_ref().unwrap().as_str(), "ada@example.com");
        assert_eq!(c.lifecycle_stage, Some(LifecycleStage::MarketingQualifiedLead));
        assert_eq!(c.lead_status, Some(LeadStatus::Open));
        assert_eq!(c.original_source.channel, Some(Channel::PaidSearch));
        assert_eq!(c.fields["closedloop_sql_date"].as_deref(), Some("1709287200000"));
        assert_eq!(c.fields["country"], None);
        assert_eq!(c.merged_ids.len(), 2);
        let stages = out
            .records
            .iter()
            .filter(|r| matches!(r, Record::StageChange(_)))
            .count();
        let merges = out.records.iter().filter(|r| matches!(r, Record::Merge { .. })).count();
        assert_eq!((stages, merges), (2, 2));
        assert_eq!(out.snapshot.key.id, "101");
    }

    #[test]
    fn bad_values_are_rejected_with_a_reason() {
        let cases = [
            (json!({"email": "ada@@example.com"}), "invalid email"),
            (json!({"lifecyclestage": "prospect"}), "unknown lifecycle stage"),
            (json!({"hs_lead_status": "MAYBE"}), "unknown hubspot lead status"),
            (
                json!({"hs_analytics_source": "TV"}),
                "hs_analytics_source \"TV\" is not a hubspot source",
            ),
            (
                json!({"hs_lifecyclestage_lead_date": "yesterday"}),
                "hs_lifecyclestage_lead_date",
            ),
            (json!({"createdate": "2040-01-01T00:00:00Z"}), "is in the future"),
            (json!({"firstname": 12}), "firstname is a number"),
            (
                json!({"lastname": "x".repeat(100_000)}),
                "lastname is 100000 characters long",
            ),
            (json!({"hs_merged_object_ids": "17;abc"}), "hs_merged_object_ids"),
        ];
        for (props, reason) in cases {
            let err = convert(&contact(props.clone()), &read(), now()).unwrap_err();
            assert!(err.reason.contains(reason), "{props}: {}", err.reason);
            assert_eq!(err.external_id.as_deref(), Some("101"));
        }
        let err = convert(&json!({"id": "x1", "properties": {}}), &read(), now()).unwrap_err();
        assert!(err.reason.contains("not a positive integer"), "{}", err.reason);
    }

    #[test]
    fn an_archived_contact_is_newer_than_its_last_live_read() {
        let mut raw = contact(json!({}));
        raw["archived"] = json!(true);
        raw["archivedAt"] = json!("2025-03-01T00:00:00Z");
        let out = convert(&raw, &read(), now()).unwrap();
        let Record::MarketingContact(c) = &out.records[0] else {
            panic!()
        };
        assert!(c.archived);
        assert_eq!(c.updated_at, parse_time("2025-03-01T00:00:00Z").unwrap());
    }
}
