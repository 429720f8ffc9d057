//! Gate rules: which people closedloop pushes to the CRM, and when it creates a Lead.
//!
//! Holds no state.

use crate::stage::LifecycleStage;
use serde::{Deserialize, Serialize};

/// Which people reach the CRM. Sales should see qualified people, not every newsletter subscriber.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GateRules {
    /// A person whose furthest lifecycle stage (or derived milestone) is at or past this stage is
    /// pushed. `other` (partners, vendors) never passes.
    pub min_lifecycle_stage: LifecycleStage,
    /// A person who already has a Lead or Contact in the CRM is kept up to date whatever their stage:
    /// sales already works them.
    pub include_existing_crm_records: bool,
    /// People are also pushed when a raw marketing-platform field matches any of these criteria
    /// (a list-membership flag, a "send to sales" checkbox).
    pub include_when: Vec<FieldCriterion>,
    /// Create a CRM Lead for a person who passes and has no Lead or Contact. Never done when any
    /// CRM record (even deleted or converted) exists for the person: a deleted Lead is a decision
    /// by sales, not a gap to fill.
    pub create_leads: bool,
    /// People whose email domain is listed are never pushed or created (your own staff,
    /// competitors, test domains). Lower case, without `@`.
    pub exclude_email_domains: Vec<String>,
    /// `LeadSource` given to Leads closedloop creates; unset leaves the CRM's default.
    pub created_lead_source: Option<String>,
}

impl Default for GateRules {
    fn default() -> Self {
        GateRules {
            min_lifecycle_stage: LifecycleStage::MarketingQualifiedLead,
            include_existing_crm_records: true,
            include_when: Vec::new(),
            create_leads: true,
            exclude_email_domains: Vec::new(),
            created_lead_source: None,
        }
    }
}

/// A raw field criterion: `field` holds one of `equals_any` (compared trimmed, ignoring case).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FieldCriterion {
    /// The marketing-platform property name.
    pub field: String,
    /// The values that pass.
    pub equals_any: Vec<String>,
}
