//! Everything known about one person: their records in every system and what hangs off them.
//!
//! Holds the loaded facts of one person (owned, so the engine can build it from store rows).
//! Primary records are chosen by [`crate::identity::rank`], the same rule identity uses.

use crate::Timestamp;
use crate::activity::SalesActivity;
use crate::deal::{Deal, StageChange};
use crate::email::Email;
use crate::identity::{RecordState, rank};
use crate::ids::ExternalId;
use crate::records::{CrmContact, CrmLead, FieldValues, MarketingContact};
use crate::system::ObjectType;
use crate::touchpoint::Touchpoint;
use serde::{Deserialize, Serialize};

/// One person's records and events, across systems.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PersonFacts {
    /// Marketing-platform contacts (usually one; more after merges).
    pub marketing_contacts: Vec<MarketingContact>,
    /// CRM leads, converted and deleted ones included: they carry history.
    pub crm_leads: Vec<CrmLead>,
    /// CRM contacts.
    pub crm_contacts: Vec<CrmContact>,
    /// Touchpoints of any of the person's records, in any order.
    pub touchpoints: Vec<Touchpoint>,
    /// Stage changes of the person's records and of their deals.
    pub stage_changes: Vec<StageChange>,
    /// Sales activities on any of the person's records.
    pub activities: Vec<SalesActivity>,
    /// Deals tied to any of the person's records.
    pub deals: Vec<Deal>,
}

/// A CRM person record: a Lead or a Contact.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CrmRecord<'a> {
    /// A Lead.
    Lead(&'a CrmLead),
    /// A Contact.
    Contact(&'a CrmContact),
}

impl<'a> CrmRecord<'a> {
    /// The record's key.
    pub fn key(&self) -> ExternalId {
        match self {
            CrmRecord::Lead(l) => l.key(),
            CrmRecord::Contact(c) => c.key(),
        }
    }

    /// `lead` or `contact`.
    pub fn object(&self) -> ObjectType {
        match self {
            CrmRecord::Lead(_) => ObjectType::Lead,
            CrmRecord::Contact(_) => ObjectType::Contact,
        }
    }

    /// The CRM owner id.
    pub fn owner_id(&self) -> Option<&'a str> {
        match self {
            CrmRecord::Lead(l) => l.owner_id.as_deref(),
            CrmRecord::Contact(c) => c.owner_id.as_deref(),
        }
    }

    /// The raw field values read from the CRM.
    pub fn fields(&self) -> &'a FieldValues {
        match self {
            CrmRecord::Lead(l) => &l.fields,
            CrmRecord::Contact(c) => &c.fields,
        }
    }

    /// The CRM's last modification time of the record.
    pub fn modified_at(&self) -> Timestamp {
        match self {
            CrmRecord::Lead(l) => l.modified_at,
            CrmRecord::Contact(c) => c.modified_at,
        }
    }

    /// The email.
    pub fn email(&self) -> Option<&'a Email> {
        match self {
            CrmRecord::Lead(l) => l.email.as_ref(),
            CrmRecord::Contact(c) => c.email.as_ref(),
        }
    }

    /// Where the record stands.
    pub fn state(&self) -> RecordState {
        match self {
            CrmRecord::Lead(l) => RecordState::of_crm_lead(l),
            CrmRecord::Contact(c) => RecordState::of_crm_contact(c),
        }
    }
}

impl PersonFacts {
    /// The marketing contact pushes go to: the best by [`rank`].
    pub fn primary_marketing_contact(&self) -> Option<&MarketingContact> {
        if let [only] = self.marketing_contacts.as_slice() {
            return Some(only);
        }
        let keys: Vec<ExternalId> = self.marketing_contacts.iter().map(MarketingContact::key).collect();
        let rank_of = |i: usize| {
            let c = &self.marketing_contacts[i];
            rank(&keys[i], RecordState::of_marketing_contact(c), Some(c.created_at))
        };
        (0..keys.len())
            .min_by(|&a, &b| rank_of(a).cmp(&rank_of(b)))
            .map(|i| &self.marketing_contacts[i])
    }

    /// Every CRM Lead and Contact.
    pub fn crm_records(&self) -> impl Iterator<Item = CrmRecord<'_>> {
        self.crm_contacts
            .iter()
            .map(CrmRecord::Contact)
            .chain(self.crm_leads.iter().map(CrmRecord::Lead))
    }

    /// The CRM record pushes go to: the best Lead or Contact by [`rank`].
    pub fn primary_crm_record(&self) -> Option<CrmRecord<'_>> {
        best(self.crm_records())
    }

    /// The CRM Lead that speaks for the person's lead status: the best Lead by [`rank`]
    /// (an open Lead before a converted one).
    pub fn best_crm_lead(&self) -> Option<&CrmLead> {
        best(self.crm_leads.iter().map(CrmRecord::Lead)).and_then(|r| match r {
            CrmRecord::Lead(l) => Some(l),
            CrmRecord::Contact(_) => None,
        })
    }

    /// The person's email: the primary marketing contact's, else the primary CRM record's.
    pub fn email(&self) -> Option<&Email> {
        self.primary_marketing_contact()
            .and_then(|c| c.email.as_ref())
            .or_else(|| self.primary_crm_record().and_then(|r| r.email()))
    }
}

fn best<'a>(records: impl Iterator<Item = CrmRecord<'a>>) -> Option<CrmRecord<'a>> {
    let mut records = records.peekable();
    let first = records.next()?;
    if records.peek().is_none() {
        // The common case, one record: no keys to build.
        return Some(first);
    }
    let mut best = (first, first.key());
    for r in records {
        let key = r.key();
        if rank(&key, r.state(), Some(created(&r))) < rank(&best.1, best.0.state(), Some(created(&best.0))) {
            best = (r, key);
        }
    }
    Some(best.0)
}

fn created(r: &CrmRecord<'_>) -> Timestamp {
    match r {
        CrmRecord::Lead(l) => l.created_at,
        CrmRecord::Contact(c) => c.created_at,
    }
}
