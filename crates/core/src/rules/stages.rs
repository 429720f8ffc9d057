//! Stage rules: which evidence sets each funnel milestone, when the speed-to-lead clock starts,
//! the SLA, and who owns the person now.
//!
//! Holds no state.

use super::RulesError;
use crate::activity::ActivityKind;
use crate::stage::{LeadStatus, LifecycleStage};
use crate::timeline::MilestoneKind;
use serde::{Deserialize, Serialize};

/// How milestones, first sales contact, the SLA and the owner side are derived.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StageRules {
    /// When a person became a lead.
    pub lead: MilestoneRule,
    /// When a person became a marketing-qualified lead: the hand-off to sales.
    pub mql: MilestoneRule,
    /// When sales accepted the person.
    pub sql: MilestoneRule,
    /// When the first opportunity was opened.
    pub opportunity: MilestoneRule,
    /// When the first deal was won.
    pub won: MilestoneRule,
    /// When the person's deals were all lost (none open, none won).
    pub lost: MilestoneRule,
    /// A funnel milestone without evidence of its own takes the date of the next later one that has
    /// some (a person who became a customer was a lead, an MQL and an SQL). The milestone says it was
    /// implied, and an implied MQL starts no SLA clock: nobody handed that lead over.
    pub imply_skipped_stages: bool,
    /// What counts as the first sales contact.
    pub first_contact: FirstContactRules,
    /// Hours sales has to contact a new MQL before the SLA is breached (calendar hours).
    pub sla_hours: u32,
    /// Who owns the person now: marketing (nurture) or sales.
    pub owner: OwnerRules,
}

impl Default for StageRules {
    fn default() -> Self {
        StageRules {
            lead: MilestoneRule {
                lifecycle_stage: Some(LifecycleStage::Lead),
                crm_record_created: true,
                ..MilestoneRule::default()
            },
            mql: MilestoneRule {
                lifecycle_stage: Some(LifecycleStage::MarketingQualifiedLead),
                ..MilestoneRule::default()
            },
            sql: MilestoneRule {
                lifecycle_stage: Some(LifecycleStage::SalesQualifiedLead),
                lead_statuses: vec![LeadStatus::Qualified, LeadStatus::Converted],
                lead_conversion: true,
                ..MilestoneRule::default()
            },
            opportunity: MilestoneRule {
                lifecycle_stage: Some(LifecycleStage::Opportunity),
                deal_created: true,
                ..MilestoneRule::default()
            },
            won: MilestoneRule {
                lifecycle_stage: Some(LifecycleStage::Customer),
                deal_won: true,
                ..MilestoneRule::default()
            },
            lost: MilestoneRule {
                deal_lost: true,
                ..MilestoneRule::default()
            },
            imply_skipped_stages: true,
            first_contact: FirstContactRules::default(),
            sla_hours: 24,
            owner: OwnerRules::default(),
        }
    }
}

impl StageRules {
    /// The rule for one milestone.
    pub fn rule(&self, kind: MilestoneKind) -> &MilestoneRule {
        match kind {
            MilestoneKind::Lead => &self.lead,
            MilestoneKind::Mql => &self.mql,
            MilestoneKind::Sql => &self.sql,
            MilestoneKind::Opportunity => &self.opportunity,
            MilestoneKind::Won => &self.won,
            MilestoneKind::Lost => &self.lost,
        }
    }

    pub(super) fn validate(&self, errors: &mut Vec<RulesError>) {
        if self.sla_hours == 0 {
            errors.push(RulesError::NotPositive {
                path: "reconcile.stages.sla_hours",
            });
        }
    }
}

/// The evidence that sets one milestone: the earliest moment any listed evidence appears.
/// Everything is off unless listed, so a table written in the config says all it means.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MilestoneRule {
    /// The marketing platform's date for entering this lifecycle stage.
    #[serde(default)]
    pub lifecycle_stage: Option<LifecycleStage>,
    /// A CRM lead status change into any of these statuses.
    #[serde(default)]
    pub lead_statuses: Vec<LeadStatus>,
    /// The creation of the person's first CRM Lead or Contact.
    #[serde(default)]
    pub crm_record_created: bool,
    /// The creation of the person's first marketing-platform contact.
    #[serde(default)]
    pub marketing_record_created: bool,
    /// The conversion of a CRM Lead into a Contact.
    #[serde(default)]
    pub lead_conversion: bool,
    /// The creation of a deal.
    #[serde(default)]
    pub deal_created: bool,
    /// A deal reaching a won stage.
    #[serde(default)]
    pub deal_won: bool,
    /// A deal reaching a lost stage (for `lost`: the last of them, when no deal is open or won).
    #[serde(default)]
    pub deal_lost: bool,
}

/// What counts as the first sales contact, the end of the speed-to-lead clock.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FirstContactRules {
    /// The milestone that starts the clock: only activity at or after it counts.
    pub anchor: ContactAnchor,
    /// Activity kinds that count (`other` tasks are often internal to-dos, so not by default).
    pub activity_kinds: Vec<ActivityKind>,
    /// CRM lead status changes that also count as contact (e.g. `attempting_contact` when reps
    /// log attempts as a status rather than a task).
    pub lead_statuses: Vec<LeadStatus>,
}

impl Default for FirstContactRules {
    fn default() -> Self {
        FirstContactRules {
            anchor: ContactAnchor::Mql,
            activity_kinds: vec![ActivityKind::Call, ActivityKind::Email, ActivityKind::Meeting],
            lead_statuses: Vec::new(),
        }
    }
}

/// Which milestone starts the speed-to-lead clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactAnchor {
    /// The MQL date: the hand-off from marketing (the glossary's definition).
    #[default]
    Mql,
    /// The lead date: for teams whose sales works every lead.
    Lead,
}

impl ContactAnchor {
    /// The milestone it names.
    pub fn milestone(self) -> MilestoneKind {
        match self {
            ContactAnchor::Mql => MilestoneKind::Mql,
            ContactAnchor::Lead => MilestoneKind::Lead,
        }
    }
}

/// Who owns the person now.
///
/// The person is with sales while a deal is open or after a deal was won; otherwise from the
/// `handoff` milestone on, once a sales rep owns their CRM record, until sales returns them
/// (a status in `return_statuses`, or every deal lost); a later hand-off brings them back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct OwnerRules {
    /// The milestone at which marketing hands the person to sales.
    pub handoff: MilestoneKind,
    /// Sales owns the person only once their CRM Lead or Contact is owned by a sales rep (not a
    /// queue, not a nurture user). Off: the milestone alone hands over.
    pub require_crm_owner: bool,
    /// CRM owner ids that mean "still with marketing" (nurture users, integration users).
    pub nurture_owner_ids: Vec<String>,
    /// CRM owner id prefixes that mean "not assigned yet": Salesforce queues start with `00G`.
    pub nurture_owner_id_prefixes: Vec<String>,
    /// Lead statuses that return the person to marketing.
    pub return_statuses: Vec<LeadStatus>,
    /// When every deal is lost and none is open or won, the person returns to marketing.
    pub lost_deals_return_to_marketing: bool,
}

impl Default for OwnerRules {
    fn default() -> Self {
        OwnerRules {
            handoff: MilestoneKind::Mql,
            require_crm_owner: true,
            nurture_owner_ids: Vec::new(),
            nurture_owner_id_prefixes: vec!["00G".to_owned()],
            return_statuses: vec![LeadStatus::Recycled, LeadStatus::Disqualified],
            lost_deals_return_to_marketing: true,
        }
    }
}
