//! The identity view of one person record: its key, email, state and the links it states itself.
//!
//! Holds no state. Built from the connectors' records (or from store rows) with the `From` impls.

use crate::Timestamp;
use crate::email::Email;
use crate::ids::ExternalId;
use crate::records::{CrmContact, CrmLead, MarketingContact};
use crate::system::ObjectType;
use serde::{Deserialize, Serialize};

/// Where a record stands, best first: the order primary selection uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// Live and workable.
    Active,
    /// A CRM lead converted into a contact: history, read-only in the CRM.
    Converted,
    /// Merged into another record by its system.
    MergedAway,
    /// Deleted or archived in its system.
    Deleted,
    /// Known only as an id named by a merge or conversion; never read as a record.
    Alias,
}

impl RecordState {
    /// A marketing contact's state: archived contacts are deleted.
    pub fn of_marketing_contact(c: &MarketingContact) -> Self {
        if c.archived {
            RecordState::Deleted
        } else {
            RecordState::Active
        }
    }

    /// A CRM lead's state. Salesforce marks merged-away rows deleted too; the merge is the more
    /// useful fact, so it wins.
    pub fn of_crm_lead(l: &CrmLead) -> Self {
        if l.merged_into.is_some() {
            RecordState::MergedAway
        } else if l.deleted {
            RecordState::Deleted
        } else if l.conversion.is_some() {
            RecordState::Converted
        } else {
            RecordState::Active
        }
    }

    /// A CRM contact's state.
    pub fn of_crm_contact(c: &CrmContact) -> Self {
        if c.merged_into.is_some() {
            RecordState::MergedAway
        } else if c.deleted {
            RecordState::Deleted
        } else {
            RecordState::Active
        }
    }

    /// The snake-case name, for storage and status output.
    pub fn as_str(self) -> &'static str {
        match self {
            RecordState::Active => "active",
            RecordState::Converted => "converted",
            RecordState::MergedAway => "merged_away",
            RecordState::Deleted => "deleted",
            RecordState::Alias => "alias",
        }
    }
}

/// Why a record belongs to its person (stored as `identity_links.reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LinkReason {
    /// A CRM lead→contact conversion ties it to another record.
    Conversion,
    /// A system merged it with another record.
    Merge,
    /// It shares a normalised email with another record.
    Email,
    /// It stays where it was linked (`keep_links` policy).
    Kept,
    /// It is the person's only record, or the one the others joined.
    Own,
}

impl LinkReason {
    /// The stored name: `conversion`, `merge`, `email`, `kept`, `own`.
    pub fn as_str(self) -> &'static str {
        match self {
            LinkReason::Conversion => "conversion",
            LinkReason::Merge => "merge",
            LinkReason::Email => "email",
            LinkReason::Kept => "kept",
            LinkReason::Own => "own",
        }
    }
}

/// A link one system states between two records. For a merge, `record` is the one merged away
/// and `other` the survivor; for a conversion, `record` is the lead and `other` the contact.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdentityEdge {
    /// The merged-away record, or the converted lead.
    pub record: ExternalId,
    /// The survivor, or the contact.
    pub other: ExternalId,
    /// `Conversion` or `Merge`.
    pub reason: LinkReason,
}

/// What identity needs to know about one person record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IdentityRecord {
    /// The record's key.
    pub key: ExternalId,
    /// Its valid, normalised email, if any.
    pub email: Option<Email>,
    /// When its system created it.
    pub created_at: Option<Timestamp>,
    /// Where it stands (a record named as merged away by another record's link is treated as
    /// merged away whatever this says).
    pub state: RecordState,
    /// The links this record states itself (conversion target, merge survivor, merged ids).
    pub edges: Vec<IdentityEdge>,
}

/// A key to look up more records with, to make the engine's input closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchKey<'a> {
    /// Records with this email.
    Email(&'a Email),
    /// The record with this key.
    Record(&'a ExternalId),
}

impl IdentityRecord {
    /// The emails and records this record can join with; see the module doc on closed input.
    pub fn match_keys(&self) -> impl Iterator<Item = MatchKey<'_>> {
        let me = &self.key;
        self.email.iter().map(MatchKey::Email).chain(
            self.edges
                .iter()
                .flat_map(|e| [&e.record, &e.other])
                .filter(move |k| *k != me)
                .map(MatchKey::Record),
        )
    }
}

impl From<&MarketingContact> for IdentityRecord {
    fn from(c: &MarketingContact) -> Self {
        let key = c.key();
        let edges = c
            .merged_ids
            .iter()
            .map(|m| IdentityEdge {
                record: ExternalId::hubspot(ObjectType::Contact, m),
                other: key.clone(),
                reason: LinkReason::Merge,
            })
            .filter(|e| e.record != key)
            .collect();
        IdentityRecord {
            key,
            email: c.email.clone(),
            created_at: Some(c.created_at),
            state: RecordState::of_marketing_contact(c),
            edges,
        }
    }
}

impl From<&CrmLead> for IdentityRecord {
    fn from(l: &CrmLead) -> Self {
        let key = l.key();
        let mut edges = Vec::new();
        if let Some(contact) = l.conversion.as_ref().and_then(|c| c.contact_id.as_ref()) {
            edges.push(IdentityEdge {
                record: key.clone(),
                other: ExternalId::salesforce(ObjectType::Contact, contact),
                reason: LinkReason::Conversion,
            });
        }
        if let Some(survivor) = &l.merged_into {
            let other = ExternalId::salesforce(ObjectType::Lead, survivor);
            if other != key {
                edges.push(IdentityEdge {
                    record: key.clone(),
                    other,
                    reason: LinkReason::Merge,
                });
            }
        }
        IdentityRecord {
            key,
            email: l.email.clone(),
            created_at: Some(l.created_at),
            state: RecordState::of_crm_lead(l),
            edges,
        }
    }
}

impl From<&CrmContact> for IdentityRecord {
    fn from(c: &CrmContact) -> Self {
        let key = c.key();
        let mut edges = Vec::new();
        if let Some(survivor) = &c.merged_into {
            let other = ExternalId::salesforce(ObjectType::Contact, survivor);
            if other != key {
                edges.push(IdentityEdge {
                    record: key.clone(),
                    other,
                    reason: LinkReason::Merge,
                });
            }
        }
        IdentityRecord {
            key,
            email: c.email.clone(),
            created_at: Some(c.created_at),
            state: RecordState::of_crm_contact(c),
            edges,
        }
    }
}
