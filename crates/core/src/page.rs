//! What a pull hands to the store: one page of records, their raw snapshots and the rejects.
//!
//! Holds no state. A [`PageBatch`] and the cursor that covers it are committed by the store in one
//! transaction, so a crash can never keep one without the other.

use crate::Timestamp;
use crate::activity::SalesActivity;
use crate::catalog::{Campaign, ContentAsset, Owner, Pipeline};
use crate::deal::{Deal, StageChange};
use crate::ids::ExternalId;
use crate::records::{CrmContact, CrmLead, MarketingContact};
use crate::touchpoint::Touchpoint;
use serde::{Deserialize, Serialize};

/// One normalised record from a source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Record {
    /// A marketing-platform contact.
    MarketingContact(MarketingContact),
    /// A CRM lead.
    CrmLead(CrmLead),
    /// A CRM contact.
    CrmContact(CrmContact),
    /// A deal or opportunity.
    Deal(Deal),
    /// A stage change of a person record or a deal.
    StageChange(StageChange),
    /// A marketing touchpoint.
    Touchpoint(Touchpoint),
    /// A sales activity.
    Activity(SalesActivity),
    /// A campaign.
    Campaign(Campaign),
    /// A content asset.
    Content(ContentAsset),
    /// An owner.
    Owner(Owner),
    /// A deal pipeline.
    Pipeline(Pipeline),
    /// An association between a deal and a person record, learnt separately from the deal.
    DealContact {
        /// The deal.
        deal: ExternalId,
        /// The contact or lead.
        contact: ExternalId,
    },
    /// The source deleted (archived) a record.
    Tombstone {
        /// The record.
        key: ExternalId,
        /// When, if the source says.
        at: Option<Timestamp>,
    },
    /// The source merged `merged` into `survivor`.
    Merge {
        /// The record that lives on.
        survivor: ExternalId,
        /// The record merged away.
        merged: ExternalId,
        /// When, if the source says.
        at: Option<Timestamp>,
    },
}

/// The raw payload of one source object, kept for audit and for detecting unchanged re-reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The object.
    pub key: ExternalId,
    /// The payload as received.
    pub payload: serde_json::Value,
    /// The source's modification time, when it has one.
    pub source_updated_at: Option<Timestamp>,
}

/// Input the connector could not accept, with the reason. The sync goes on without it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rejected {
    /// The stream it came from.
    pub stream: String,
    /// The object's id in the source, when it could be read.
    pub external_id: Option<String>,
    /// Why it was rejected: lower case, no trailing period.
    pub reason: String,
    /// The raw input (truncated by the store if huge).
    pub payload: serde_json::Value,
}

/// Everything one page of a pull produced.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PageBatch {
    /// Normalised records.
    pub records: Vec<Record>,
    /// Raw snapshots of the objects on the page.
    pub snapshots: Vec<Snapshot>,
    /// Rejected input.
    pub rejected: Vec<Rejected>,
}

impl PageBatch {
    /// True when the page carries nothing.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty() && self.snapshots.is_empty() && self.rejected.is_empty()
    }
}
