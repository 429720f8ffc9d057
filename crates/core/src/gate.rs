//! The CRM gate: which people closedloop pushes to the CRM at all, and when it creates a Lead.
//!
//! Holds no state. The rule, first match wins:
//! 1. an email domain in `exclude_email_domains`: never pushed;
//! 2. an active CRM Lead or Contact and `include_existing_crm_records`: pushed (sales works them);
//! 3. not qualified (furthest lifecycle stage before `min_lifecycle_stage`, or `other`, and no
//!    `include_when` criterion matches): not pushed;
//! 4. qualified with an active CRM record: pushed;
//! 5. qualified, with CRM records that are all inactive (deleted, merged away, a converted lead
//!    whose contact closedloop has not read): not pushed and nothing created. A deleted Lead is
//!    sales' decision, and a converted one's contact will arrive with the next pull;
//! 6. qualified without any CRM record: pushed, and a Lead is created when `create_leads`, if the
//!    person has a valid email and an active marketing contact. Identity joins every record of
//!    one email into one person, so a Lead is never created beside one with the same email.

use crate::identity::RecordState;
use crate::records::FieldValues;
use crate::rules::GateRules;
use crate::timeline::{Milestones, PersonFacts};
use serde::{Deserialize, Serialize};

/// Whether a person reaches the CRM.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateDecision {
    /// Push field values to the person's CRM record.
    pub push: bool,
    /// Create a CRM Lead for them first.
    pub create_lead: bool,
    /// Why.
    pub reason: GateReason,
}

/// Why the gate decided as it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GateReason {
    /// The email domain is excluded.
    ExcludedDomain,
    /// The person has an active CRM record.
    ExistingCrmRecord,
    /// Not far enough in the funnel, and no criterion matched.
    NotQualified,
    /// Qualified by lifecycle stage or milestone.
    Qualified,
    /// Qualified by an `include_when` criterion.
    MatchedCriterion,
    /// Qualified, but every CRM record is inactive.
    InactiveCrmRecords,
    /// Qualified, but without a valid email a created Lead could never be matched again.
    NoEmail,
    /// Qualified, but the marketing contact is archived.
    ArchivedContact,
    /// Qualified and no CRM record, but `create_leads` is off.
    CreationDisabled,
}

impl GateDecision {
    fn no(reason: GateReason) -> Self {
        GateDecision {
            push: false,
            create_lead: false,
            reason,
        }
    }
}

/// Decides whether one person reaches the CRM.
pub fn gate(rules: &GateRules, facts: &PersonFacts, milestones: &Milestones) -> GateDecision {
    let email = facts.email();
    if let Some(domain) = email.map(|e| e.domain())
        && rules
            .exclude_email_domains
            .iter()
            .any(|d| d.trim().trim_start_matches('@').eq_ignore_ascii_case(domain))
    {
        return GateDecision::no(GateReason::ExcludedDomain);
    }
    let active_crm = facts.crm_records().any(|r| r.state() == RecordState::Active);
    if active_crm && rules.include_existing_crm_records {
        return GateDecision {
            push: true,
            create_lead: false,
            reason: GateReason::ExistingCrmRecord,
        };
    }
    let by_stage = milestones.lifecycle_stage.is_some_and(|s| {
        s.is_funnel_stage() && s >= rules.min_lifecycle_stage && rules.min_lifecycle_stage.is_funnel_stage()
    });
    let contact = facts.primary_marketing_contact();
    let by_criterion = contact.is_some_and(|c| {
        rules.include_when.iter().any(|crit| {
            c.fields.get(&crit.field).and_then(|v| v.as_deref()).is_some_and(|v| {
                crit.equals_any
                    .iter()
                    .any(|want| want.trim().eq_ignore_ascii_case(v.trim()))
            })
        })
    });
    if !by_stage && !by_criterion {
        return GateDecision::no(GateReason::NotQualified);
    }
    let qualified = if by_stage {
        GateReason::Qualified
    } else {
        GateReason::MatchedCriterion
    };
    if active_crm {
        return GateDecision {
            push: true,
            create_lead: false,
            reason: qualified,
        };
    }
    if facts.crm_records().next().is_some() {
        return GateDecision::no(GateReason::InactiveCrmRecords);
    }
    if email.is_none() {
        return GateDecision::no(GateReason::NoEmail);
    }
    if contact.is_some_and(|c| c.archived) {
        return GateDecision::no(GateReason::ArchivedContact);
    }
    if !rules.create_leads {
        return GateDecision::no(GateReason::CreationDisabled);
    }
    GateDecision {
        push: true,
        create_lead: true,
        reason: qualified,
    }
}

/// The standard fields of a Lead closedloop creates: `Email`, `FirstName`, `LastName` and
/// `Company` (both required by Salesforce: `[not provided]` when unknown, the convention
/// HubSpot's connector uses), and `LeadSource` when configured. The mapped fields come on top.
pub fn new_lead_fields(rules: &GateRules, facts: &PersonFacts) -> FieldValues {
    const UNKNOWN: &str = "[not provided]";
    let contact = facts.primary_marketing_contact();
    let raw = |name: &str| {
        contact
            .and_then(|c| c.fields.get(name))
            .and_then(|v| v.as_deref())
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
    };
    let mut fields = FieldValues::new();
    fields.insert("Email".to_owned(), facts.email().map(|e| e.as_str().to_owned()));
    fields.insert("FirstName".to_owned(), contact.and_then(|c| c.first_name.clone()));
    let last = contact
        .and_then(|c| c.last_name.clone())
        .filter(|s| !s.trim().is_empty());
    fields.insert("LastName".to_owned(), Some(last.unwrap_or_else(|| UNKNOWN.to_owned())));
    fields.insert(
        "Company".to_owned(),
        Some(raw("company").unwrap_or_else(|| UNKNOWN.to_owned())),
    );
    if let Some(source) = &rules.created_lead_source {
        fields.insert("LeadSource".to_owned(), Some(source.clone()));
    }
    fields
}
