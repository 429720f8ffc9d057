//! The external records that stand for a person: a marketing contact, a CRM lead, a CRM contact.
//!
//! Holds no state. Connectors convert the vendors' wire types into these; reconcile links them to
//! one [`crate::ids::PersonId`]. `fields` carries the raw values of the configured extra and pushed
//! fields as the source reported them, so the engine can compare and never echo its own writes.

use crate::Timestamp;
use crate::email::Email;
use crate::ids::{ExternalId, HubSpotId, SalesforceId};
use crate::stage::{LeadStatus, LifecycleStage};
use crate::touchpoint::Channel;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Field values as the source reported them: name → string value (`None` when blank).
pub type FieldValues = BTreeMap<String, Option<String>>;

/// Where a person first (or most recently) came from, in the marketing platform's terms.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The channel bucket.
    pub channel: Option<Channel>,
    /// The first drill-down (HubSpot `hs_analytics_source_data_1`: a campaign, a site, a search engine).
    pub detail_1: Option<String>,
    /// The second drill-down (`hs_analytics_source_data_2`: a keyword, an ad, a URL).
    pub detail_2: Option<String>,
}

/// A contact in the marketing platform (HubSpot contact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarketingContact {
    /// HubSpot's id.
    pub id: HubSpotId,
    /// The email, when it has a valid one.
    pub email: Option<Email>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// The current lifecycle stage.
    pub lifecycle_stage: Option<LifecycleStage>,
    /// When the contact entered each stage (`hs_lifecyclestage_<stage>_date`).
    pub lifecycle_dates: BTreeMap<LifecycleStage, Timestamp>,
    /// HubSpot's own `hs_lead_status`, as set by sales or by closedloop.
    pub lead_status: Option<LeadStatus>,
    /// Original source.
    pub original_source: SourceInfo,
    /// Latest source.
    pub latest_source: SourceInfo,
    /// The HubSpot owner id.
    pub owner_id: Option<String>,
    /// Ids of contacts merged into this one (`hs_merged_object_ids`).
    pub merged_ids: Vec<HubSpotId>,
    /// Configured extra and pushed properties, raw.
    pub fields: FieldValues,
    /// `createdate`.
    pub created_at: Timestamp,
    /// `lastmodifieddate`: the incremental cursor field.
    pub updated_at: Timestamp,
    /// Archived (deleted) in HubSpot.
    pub archived: bool,
}

impl MarketingContact {
    /// The identity-map key.
    pub fn key(&self) -> ExternalId {
        ExternalId::hubspot(crate::system::ObjectType::Contact, &self.id)
    }
}

/// A lead's conversion in the CRM: the same human continues as a contact (and maybe an opportunity).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadConversion {
    /// The contact the lead became.
    pub contact_id: Option<SalesforceId>,
    /// The opportunity created at conversion, if any.
    pub opportunity_id: Option<SalesforceId>,
    /// When it was converted.
    pub converted_at: Option<Timestamp>,
}

/// A lead in the CRM (Salesforce Lead).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmLead {
    /// Salesforce's id.
    pub id: SalesforceId,
    /// The email, when it has a valid one.
    pub email: Option<Email>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Company.
    pub company: Option<String>,
    /// The raw status picklist value (`Status`).
    pub status_raw: Option<String>,
    /// The status in closedloop's vocabulary, by the configured mapping.
    pub status: Option<LeadStatus>,
    /// Why sales disqualified it (the configured reason field).
    pub disqualification_reason: Option<String>,
    /// `LeadSource`.
    pub lead_source: Option<String>,
    /// `OwnerId`.
    pub owner_id: Option<String>,
    /// Set once converted.
    pub conversion: Option<LeadConversion>,
    /// Configured extra and pushed fields, raw.
    pub fields: FieldValues,
    /// `CreatedDate`.
    pub created_at: Timestamp,
    /// `SystemModstamp`: the incremental cursor field.
    pub modified_at: Timestamp,
    /// Deleted in the CRM (`IsDeleted`).
    pub deleted: bool,
    /// When merged away, the survivor (`MasterRecordId`).
    pub merged_into: Option<SalesforceId>,
}

impl CrmLead {
    /// The identity-map key.
    pub fn key(&self) -> ExternalId {
        ExternalId::salesforce(crate::system::ObjectType::Lead, &self.id)
    }
}

/// A contact in the CRM (Salesforce Contact).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CrmContact {
    /// Salesforce's id.
    pub id: SalesforceId,
    /// The email, when it has a valid one.
    pub email: Option<Email>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// `AccountId`.
    pub account_id: Option<SalesforceId>,
    /// `LeadSource`.
    pub lead_source: Option<String>,
    /// `OwnerId`.
    pub owner_id: Option<String>,
    /// Configured extra and pushed fields, raw.
    pub fields: FieldValues,
    /// `CreatedDate`.
    pub created_at: Timestamp,
    /// `SystemModstamp`.
    pub modified_at: Timestamp,
    /// Deleted in the CRM.
    pub deleted: bool,
    /// When merged away, the survivor.
    pub merged_into: Option<SalesforceId>,
}

impl CrmContact {
    /// The identity-map key.
    pub fn key(&self) -> ExternalId {
        ExternalId::salesforce(crate::system::ObjectType::Contact, &self.id)
    }
}
