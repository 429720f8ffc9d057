//! Stored rows back into the core's types: the inverse of `records.rs`.
//!
//! Holds no state. Every value is parsed with the core's own validating constructors; a row that
//! does not parse is reported as [`StoreError::Corrupt`] naming the row, never replaced by a
//! default, because a guess here would be pushed to a vendor.

use crate::error::StoreError;
use crate::time::from_ms;
use chrono::NaiveDate;
use closedloop_core::activity::{ActivityKind, SalesActivity};
use closedloop_core::catalog::{Campaign, ContentAsset, ContentKind};
use closedloop_core::deal::{Deal, StageChange, StageValue};
use closedloop_core::identity::IdentityRecord;
use closedloop_core::money::{Currency, Money};
use closedloop_core::records::{CrmContact, CrmLead, FieldValues, LeadConversion, MarketingContact, SourceInfo};
use closedloop_core::stage::{DealStatus, LeadStatus, LifecycleStage, StageRef};
use closedloop_core::touchpoint::{Channel, ContentKey, Depth, Percent, Touchpoint, TouchpointKind};
use closedloop_core::{Email, ExternalId, HubSpotId, ObjectType, SalesforceId, System, Timestamp};
use std::collections::BTreeMap;
use std::fmt::Display;
use std::str::FromStr;

/// A person record of any system, as reconcile reads it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PersonRecord {
    /// A marketing-platform contact.
    Marketing(MarketingContact),
    /// A CRM lead.
    Lead(CrmLead),
    /// A CRM contact.
    Contact(CrmContact),
}

impl PersonRecord {
    pub(crate) fn identity(&self) -> IdentityRecord {
        match self {
            PersonRecord::Marketing(c) => c.into(),
            PersonRecord::Lead(l) => l.into(),
            PersonRecord::Contact(c) => c.into(),
        }
    }
}

/// Names the row in a corrupt-value error.
fn corrupt(what: &'static str, row: &str, e: impl Display) -> StoreError {
    StoreError::corrupt(what, format!("{row}: {e}"))
}

fn ms(what: &'static str, row: &str, v: i64) -> Result<Timestamp, StoreError> {
    from_ms(v).map_err(|e| corrupt(what, row, e))
}

fn opt_ms(what: &'static str, row: &str, v: Option<i64>) -> Result<Option<Timestamp>, StoreError> {
    v.map(|v| ms(what, row, v)).transpose()
}

fn email(row: &str, v: Option<String>) -> Result<Option<Email>, StoreError> {
    v.map(|e| Email::parse(&e).map_err(|err| corrupt("email", row, err)))
        .transpose()
}

fn parse<T, E: Display>(
    what: &'static str,
    row: &str,
    v: Option<&str>,
    f: impl Fn(&str) -> Result<T, E>,
) -> Result<Option<T>, StoreError> {
    v.map(|s| f(s).map_err(|e| corrupt(what, row, e))).transpose()
}

fn system(row: &str, v: &str) -> Result<System, StoreError> {
    System::from_str(v).map_err(|e| corrupt("system", row, e))
}

fn key(
    what: &'static str,
    row: &str,
    system_name: &str,
    object: ObjectType,
    id: &str,
) -> Result<ExternalId, StoreError> {
    ExternalId::new(system(row, system_name)?, object, id).map_err(|e| corrupt(what, row, e))
}

fn opt_key(
    what: &'static str,
    row: &str,
    system_name: Option<&str>,
    object: ObjectType,
    id: Option<&str>,
) -> Result<Option<ExternalId>, StoreError> {
    match (system_name, id) {
        (Some(s), Some(id)) => key(what, row, s, object, id).map(Some),
        _ => Ok(None),
    }
}

fn person_key(row: &str, system_name: &str, object: &str, id: &str) -> Result<ExternalId, StoreError> {
    let object = ObjectType::from_str(object).map_err(|e| corrupt("record key", row, e))?;
    key("record key", row, system_name, object, id)
}

fn fields(row: &str, v: &str) -> Result<FieldValues, StoreError> {
    serde_json::from_str(v).map_err(|e| corrupt("fields", row, e))
}

fn salesforce_id(what: &'static str, row: &str, v: Option<&str>) -> Result<Option<SalesforceId>, StoreError> {
    parse(what, row, v, SalesforceId::parse)
}

fn money(row: &str, minor: Option<i64>, currency: Option<&str>) -> Result<Option<Money>, StoreError> {
    match minor {
        None => Ok(None),
        Some(minor) => {
            let currency = match currency {
                Some(c) => Currency::parse(c).map_err(|e| corrupt("currency", row, e))?,
                None => return Err(corrupt("currency", row, "an amount without a currency")),
            };
            Ok(Some(Money { minor, currency }))
        }
    }
}

fn date(row: &str, v: Option<&str>) -> Result<Option<NaiveDate>, StoreError> {
    parse("date", row, v, |s| NaiveDate::parse_from_str(s, "%Y-%m-%d"))
}

/// A `marketing_contacts` row.
pub(crate) struct MarketingContactRow {
    pub system: String,
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub lifecycle_stage: Option<String>,
    pub lead_status: Option<String>,
    pub original_source: Option<String>,
    pub original_source_detail_1: Option<String>,
    pub original_source_detail_2: Option<String>,
    pub latest_source: Option<String>,
    pub latest_source_detail_1: Option<String>,
    pub latest_source_detail_2: Option<String>,
    pub owner_id: Option<String>,
    pub lifecycle_dates: String,
    pub merged_ids: String,
    pub fields: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub archived: bool,
}

impl TryFrom<MarketingContactRow> for MarketingContact {
    type Error = StoreError;
    fn try_from(r: MarketingContactRow) -> Result<Self, StoreError> {
        let row = format!("{}:contact:{}", r.system, r.id);
        let row = row.as_str();
        let dates: BTreeMap<String, i64> =
            serde_json::from_str(&r.lifecycle_dates).map_err(|e| corrupt("lifecycle dates", row, e))?;
        let lifecycle_dates = dates
            .into_iter()
            .map(|(stage, at)| {
                let stage = LifecycleStage::from_hubspot(&stage).map_err(|e| corrupt("lifecycle dates", row, e))?;
                Ok((stage, ms("lifecycle dates", row, at)?))
            })
            .collect::<Result<_, StoreError>>()?;
        let merged: Vec<String> = serde_json::from_str(&r.merged_ids).map_err(|e| corrupt("merged ids", row, e))?;
        let merged_ids = merged
            .iter()
            .map(|id| HubSpotId::parse(id).map_err(|e| corrupt("merged ids", row, e)))
            .collect::<Result<_, _>>()?;
        let source = |channel: Option<String>, d1, d2| -> Result<SourceInfo, StoreError> {
            Ok(SourceInfo {
                channel: parse("channel", row, channel.as_deref(), Channel::parse)?,
                detail_1: d1,
                detail_2: d2,
            })
        };
        Ok(MarketingContact {
            id: HubSpotId::parse(&r.id).map_err(|e| corrupt("contact id", row, e))?,
            email: email(row, r.email)?,
            first_name: r.first_name,
            last_name: r.last_name,
            lifecycle_stage: parse(
                "lifecycle stage",
                row,
                r.lifecycle_stage.as_deref(),
                LifecycleStage::from_hubspot,
            )?,
            lifecycle_dates,
            lead_status: parse("lead status", row, r.lead_status.as_deref(), LeadStatus::parse)?,
            original_source: source(
                r.original_source,
                r.original_source_detail_1,
                r.original_source_detail_2,
            )?,
            latest_source: source(r.latest_source, r.latest_source_detail_1, r.latest_source_detail_2)?,
            owner_id: r.owner_id,
            merged_ids,
            fields: fields(row, &r.fields)?,
            created_at: ms("created_at", row, r.created_at)?,
            updated_at: ms("updated_at", row, r.updated_at)?,
            archived: r.archived,
        })
    }
}

/// A `crm_leads` row.
pub(crate) struct CrmLeadRow {
    pub system: String,
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub company: Option<String>,
    pub status_raw: Option<String>,
    pub status: Option<String>,
    pub disqualification_reason: Option<String>,
    pub lead_source: Option<String>,
    pub owner_id: Option<String>,
    pub converted_contact_id: Option<String>,
    pub converted_opportunity_id: Option<String>,
    pub converted_at: Option<i64>,
    pub fields: String,
    pub created_at: i64,
    pub modified_at: i64,
    pub deleted: bool,
    pub merged_into: Option<String>,
}

impl TryFrom<CrmLeadRow> for CrmLead {
    type Error = StoreError;
    fn try_from(r: CrmLeadRow) -> Result<Self, StoreError> {
        let row = format!("{}:lead:{}", r.system, r.id);
        let row = row.as_str();
        // The table keeps no "is converted" flag of its own: a conversion is known by what it
        // names (a contact, an opportunity, a date), which is all identity and the timeline use.
        let converted =
            r.converted_contact_id.is_some() || r.converted_opportunity_id.is_some() || r.converted_at.is_some();
        let conversion = if converted {
            Some(LeadConversion {
                contact_id: salesforce_id("converted contact id", row, r.converted_contact_id.as_deref())?,
                opportunity_id: salesforce_id("converted opportunity id", row, r.converted_opportunity_id.as_deref())?,
                converted_at: opt_ms("converted_at", row, r.converted_at)?,
            })
        } else {
            None
        };
        Ok(CrmLead {
            id: SalesforceId::parse(&r.id).map_err(|e| corrupt("lead id", row, e))?,
            email: email(row, r.email)?,
            first_name: r.first_name,
            last_name: r.last_name,
            company: r.company,
            status_raw: r.status_raw,
            status: parse("lead status", row, r.status.as_deref(), LeadStatus::parse)?,
            disqualification_reason: r.disqualification_reason,
            lead_source: r.lead_source,
            owner_id: r.owner_id,
            conversion,
            fields: fields(row, &r.fields)?,
            created_at: ms("created_at", row, r.created_at)?,
            modified_at: ms("modified_at", row, r.modified_at)?,
            deleted: r.deleted,
            merged_into: salesforce_id("merged into", row, r.merged_into.as_deref())?,
        })
    }
}

/// A `crm_contacts` row.
pub(crate) struct CrmContactRow {
    pub system: String,
    pub id: String,
    pub email: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub account_id: Option<String>,
    pub lead_source: Option<String>,
    pub owner_id: Option<String>,
    pub fields: String,
    pub created_at: i64,
    pub modified_at: i64,
    pub deleted: bool,
    pub merged_into: Option<String>,
}

impl TryFrom<CrmContactRow> for CrmContact {
    type Error = StoreError;
    fn try_from(r: CrmContactRow) -> Result<Self, StoreError> {
        let row = format!("{}:contact:{}", r.system, r.id);
        let row = row.as_str();
        Ok(CrmContact {
            id: SalesforceId::parse(&r.id).map_err(|e| corrupt("contact id", row, e))?,
            email: email(row, r.email)?,
            first_name: r.first_name,
            last_name: r.last_name,
            account_id: salesforce_id("account id", row, r.account_id.as_deref())?,
            lead_source: r.lead_source,
            owner_id: r.owner_id,
            fields: fields(row, &r.fields)?,
            created_at: ms("created_at", row, r.created_at)?,
            modified_at: ms("modified_at", row, r.modified_at)?,
            deleted: r.deleted,
            merged_into: salesforce_id("merged into", row, r.merged_into.as_deref())?,
        })
    }
}

/// A `touchpoints` row.
pub(crate) struct TouchpointRow {
    pub id: i64,
    pub source_system: String,
    pub source_event_id: String,
    pub subject_system: String,
    pub subject_object: String,
    pub subject_id: String,
    pub kind: String,
    pub occurred_at: i64,
    pub channel: Option<String>,
    pub campaign_system: Option<String>,
    pub campaign_id: Option<String>,
    pub content_key: Option<String>,
    pub depth_kind: Option<String>,
    pub depth_seconds: Option<i64>,
    pub depth_percent_hundredths: Option<i64>,
    pub depth_count: Option<i64>,
    pub detail: Option<String>,
}

fn percent(row: &str, hundredths: i64) -> Result<Percent, StoreError> {
    // Stored as hundredths of a percent; the division is exact for every stored value.
    Percent::new(hundredths as f64 / 100.0).map_err(|e| corrupt("depth", row, e))
}

fn small(row: &str, v: i64) -> Result<u32, StoreError> {
    u32::try_from(v).map_err(|e| corrupt("depth", row, e))
}

impl TryFrom<TouchpointRow> for (i64, Touchpoint) {
    type Error = StoreError;
    fn try_from(r: TouchpointRow) -> Result<Self, StoreError> {
        let row = format!("touchpoint {}:{}", r.source_system, r.source_event_id);
        let row = row.as_str();
        let depth = match (
            r.depth_kind.as_deref(),
            r.depth_seconds,
            r.depth_percent_hundredths,
            r.depth_count,
        ) {
            (None, ..) => None,
            (Some("watched"), Some(seconds), percent_h, _) => Some(Depth::Watched {
                seconds: small(row, seconds)?,
                percent: percent_h.map(|h| percent(row, h)).transpose()?,
            }),
            (Some("share"), _, Some(h), _) => Some(Depth::Share {
                percent: percent(row, h)?,
            }),
            (Some("count"), _, _, Some(count)) => Some(Depth::Count {
                count: small(row, count)?,
            }),
            (Some(other), ..) => return Err(corrupt("depth", row, format!("kind {other:?} without its value"))),
        };
        let touch = Touchpoint {
            source: system(row, &r.source_system)?,
            source_event_id: r.source_event_id.clone(),
            subject: person_key(row, &r.subject_system, &r.subject_object, &r.subject_id)?,
            kind: TouchpointKind::parse(&r.kind).map_err(|e| corrupt("touchpoint kind", row, e))?,
            occurred_at: ms("occurred_at", row, r.occurred_at)?,
            channel: parse("channel", row, r.channel.as_deref(), Channel::parse)?,
            campaign: opt_key(
                "campaign",
                row,
                r.campaign_system.as_deref(),
                ObjectType::Campaign,
                r.campaign_id.as_deref(),
            )?,
            content: r.content_key.map(ContentKey),
            depth,
            detail: r.detail,
        };
        Ok((r.id, touch))
    }
}

/// A `stage_changes` row.
pub(crate) struct StageChangeRow {
    pub subject_system: String,
    pub subject_object: String,
    pub subject_id: String,
    pub kind: String,
    pub value: String,
    pub raw: Option<String>,
    pub reason: Option<String>,
    pub pipeline: Option<String>,
    pub deal_status: Option<String>,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub occurred_at: i64,
    pub source_system: String,
    pub source_ref: Option<String>,
}

impl TryFrom<StageChangeRow> for StageChange {
    type Error = StoreError;
    fn try_from(r: StageChangeRow) -> Result<Self, StoreError> {
        let row = format!(
            "stage change {}:{}:{} at {}",
            r.subject_system, r.subject_object, r.subject_id, r.occurred_at
        );
        let row = row.as_str();
        let value = match r.kind.as_str() {
            "lifecycle" => StageValue::Lifecycle {
                stage: LifecycleStage::from_hubspot(&r.value).map_err(|e| corrupt("lifecycle stage", row, e))?,
            },
            "lead_status" => StageValue::LeadStatus {
                status: LeadStatus::parse(&r.value).map_err(|e| corrupt("lead status", row, e))?,
                raw: r.raw.unwrap_or_default(),
                reason: r.reason,
            },
            "deal_stage" => StageValue::DealStage {
                stage: StageRef {
                    pipeline: r.pipeline.unwrap_or_default(),
                    id: r.value,
                },
                status: match r.deal_status.as_deref() {
                    Some(s) => DealStatus::parse(s).map_err(|e| corrupt("deal status", row, e))?,
                    None => return Err(corrupt("deal status", row, "missing")),
                },
                amount: money(row, r.amount_minor, r.currency.as_deref())?,
            },
            other => return Err(corrupt("stage change kind", row, other)),
        };
        Ok(StageChange {
            subject: person_key(row, &r.subject_system, &r.subject_object, &r.subject_id)?,
            value,
            at: ms("occurred_at", row, r.occurred_at)?,
            source: system(row, &r.source_system)?,
            source_ref: r.source_ref,
        })
    }
}

/// A `sales_activities` row.
pub(crate) struct ActivityRow {
    pub system: String,
    pub id: String,
    pub who_system: String,
    pub who_object: String,
    pub who_id: String,
    pub deal_system: Option<String>,
    pub deal_id: Option<String>,
    pub kind: String,
    pub occurred_at: i64,
    pub owner_id: Option<String>,
    pub subject: Option<String>,
    pub outcome: Option<String>,
    pub deleted: bool,
}

impl TryFrom<ActivityRow> for SalesActivity {
    type Error = StoreError;
    fn try_from(r: ActivityRow) -> Result<Self, StoreError> {
        let row = format!("{}:activity:{}", r.system, r.id);
        let row = row.as_str();
        Ok(SalesActivity {
            id: key("activity id", row, &r.system, ObjectType::Activity, &r.id)?,
            who: person_key(row, &r.who_system, &r.who_object, &r.who_id)?,
            deal: opt_key(
                "deal",
                row,
                r.deal_system.as_deref(),
                ObjectType::Deal,
                r.deal_id.as_deref(),
            )?,
            kind: ActivityKind::parse(&r.kind).map_err(|e| corrupt("activity kind", row, e))?,
            occurred_at: ms("occurred_at", row, r.occurred_at)?,
            owner_id: r.owner_id,
            subject: r.subject,
            outcome: r.outcome,
            deleted: r.deleted,
        })
    }
}

/// A `deals` row; its contacts come from `deal_contacts`.
pub(crate) struct DealRow {
    pub system: String,
    pub id: String,
    pub name: Option<String>,
    pub pipeline: String,
    pub stage_id: String,
    pub status: String,
    pub amount_minor: Option<i64>,
    pub currency: Option<String>,
    pub close_date: Option<String>,
    pub close_reason: Option<String>,
    pub lead_source: Option<String>,
    pub campaign_system: Option<String>,
    pub campaign_id: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub deleted: bool,
}

impl DealRow {
    pub(crate) fn into_deal(self, contacts: Vec<ExternalId>) -> Result<Deal, StoreError> {
        let row = format!("{}:deal:{}", self.system, self.id);
        let row = row.as_str();
        Ok(Deal {
            id: key("deal id", row, &self.system, ObjectType::Deal, &self.id)?,
            name: self.name,
            stage: StageRef {
                pipeline: self.pipeline,
                id: self.stage_id,
            },
            status: DealStatus::parse(&self.status).map_err(|e| corrupt("deal status", row, e))?,
            amount: money(row, self.amount_minor, self.currency.as_deref())?,
            close_date: date(row, self.close_date.as_deref())?,
            close_reason: self.close_reason,
            lead_source: self.lead_source,
            campaign: opt_key(
                "campaign",
                row,
                self.campaign_system.as_deref(),
                ObjectType::Campaign,
                self.campaign_id.as_deref(),
            )?,
            contacts,
            created_at: ms("created_at", row, self.created_at)?,
            updated_at: ms("updated_at", row, self.updated_at)?,
            deleted: self.deleted,
        })
    }
}

/// A `deal_contacts` row.
pub(crate) struct DealContactRow {
    pub deal_system: String,
    pub deal_id: String,
    pub contact_system: String,
    pub contact_object: String,
    pub contact_id: String,
}

impl DealContactRow {
    pub(crate) fn keys(&self) -> Result<(ExternalId, ExternalId), StoreError> {
        let row = format!("deal contact {}:{}", self.deal_system, self.deal_id);
        Ok((
            key("deal id", &row, &self.deal_system, ObjectType::Deal, &self.deal_id)?,
            person_key(&row, &self.contact_system, &self.contact_object, &self.contact_id)?,
        ))
    }
}

/// A `campaigns` row.
pub(crate) struct CampaignRow {
    pub system: String,
    pub id: String,
    pub name: String,
    pub channel: Option<String>,
    pub kind: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
}

impl TryFrom<CampaignRow> for Campaign {
    type Error = StoreError;
    fn try_from(r: CampaignRow) -> Result<Self, StoreError> {
        let row = format!("{}:campaign:{}", r.system, r.id);
        let row = row.as_str();
        Ok(Campaign {
            id: key("campaign id", row, &r.system, ObjectType::Campaign, &r.id)?,
            name: r.name,
            channel: parse("channel", row, r.channel.as_deref(), Channel::parse)?,
            kind: r.kind,
            starts_on: date(row, r.starts_on.as_deref())?,
            ends_on: date(row, r.ends_on.as_deref())?,
        })
    }
}

/// A `content_assets` row.
pub(crate) struct ContentRow {
    pub key: String,
    pub kind: String,
    pub title: String,
    pub url: Option<String>,
    pub campaign_system: Option<String>,
    pub campaign_id: Option<String>,
    pub duration_seconds: Option<i64>,
}

impl TryFrom<ContentRow> for ContentAsset {
    type Error = StoreError;
    fn try_from(r: ContentRow) -> Result<Self, StoreError> {
        let row = format!("content {}", r.key);
        let row = row.as_str();
        Ok(ContentAsset {
            kind: ContentKind::parse(&r.kind).map_err(|e| corrupt("content kind", row, e))?,
            title: r.title,
            url: r.url,
            campaign: opt_key(
                "campaign",
                row,
                r.campaign_system.as_deref(),
                ObjectType::Campaign,
                r.campaign_id.as_deref(),
            )?,
            duration_seconds: r
                .duration_seconds
                .map(|d| u32::try_from(d).map_err(|e| corrupt("duration", row, e)))
                .transpose()?,
            key: ContentKey(r.key),
        })
    }
}
