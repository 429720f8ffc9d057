//! Deals (HubSpot deals, Salesforce opportunities) and the stage changes of people and deals.
//!
//! Holds no state. A stage change is an event with a timestamp and the system it came from; the
//! timeline of a person is built from these and from touchpoints.

use crate::Timestamp;
use crate::ids::ExternalId;
use crate::money::Money;
use crate::stage::{DealStatus, LeadStatus, LifecycleStage, StageRef};
use crate::system::System;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// A deal or opportunity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Deal {
    /// The deal's key (system, `deal`, id).
    pub id: ExternalId,
    /// `dealname` / `Name`.
    pub name: Option<String>,
    /// The current stage.
    pub stage: StageRef,
    /// Open, won or lost.
    pub status: DealStatus,
    /// The amount, when set.
    pub amount: Option<Money>,
    /// The expected or actual close date.
    pub close_date: Option<NaiveDate>,
    /// Why it was won or lost (`closed_lost_reason`, or the configured Salesforce field).
    pub close_reason: Option<String>,
    /// `LeadSource` on the opportunity, when the CRM keeps one.
    pub lead_source: Option<String>,
    /// The primary campaign (`CampaignId`), when the CRM keeps one.
    pub campaign: Option<ExternalId>,
    /// The people records tied to it (HubSpot associations, Salesforce `ContactId` / contact roles).
    pub contacts: Vec<ExternalId>,
    /// When it was created: the opportunity-creation milestone.
    pub created_at: Timestamp,
    /// Last modification in the source.
    pub updated_at: Timestamp,
    /// Deleted in the source.
    pub deleted: bool,
}

/// What changed in a stage change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StageValue {
    /// A person's lifecycle stage (marketing).
    Lifecycle {
        /// The stage entered.
        stage: LifecycleStage,
    },
    /// A lead's status (sales), with the disqualification reason when there is one.
    LeadStatus {
        /// The status in closedloop's vocabulary.
        status: LeadStatus,
        /// The raw value in the CRM.
        raw: String,
        /// The reason, for disqualified or recycled leads.
        reason: Option<String>,
    },
    /// A deal's stage.
    DealStage {
        /// The stage entered.
        stage: StageRef,
        /// Open, won or lost after the change.
        status: DealStatus,
        /// The amount at that moment, when recorded.
        amount: Option<Money>,
    },
}

impl StageValue {
    /// A short stable name of the kind, for storage.
    pub fn kind(&self) -> &'static str {
        match self {
            StageValue::Lifecycle { .. } => "lifecycle",
            StageValue::LeadStatus { .. } => "lead_status",
            StageValue::DealStage { .. } => "deal_stage",
        }
    }
}

/// One change of stage of a person record or a deal, at a moment, reported by a system.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StageChange {
    /// The record that changed (a contact, a lead, a deal).
    pub subject: ExternalId,
    /// What it changed to.
    pub value: StageValue,
    /// When.
    pub at: Timestamp,
    /// The system that reported it.
    pub source: System,
    /// The source's own id for the change, when it has one (an `OpportunityHistory` id).
    pub source_ref: Option<String>,
}
