//! The person's current CRM lead status and furthest lifecycle stage.
//!
//! Holds no state. The current status is the record's own value (records say what is true now);
//! the timeline only supplies since when.

use super::event::{EventKind, Timeline};
use super::facts::PersonFacts;
use super::milestones::{MilestoneKind, Milestones};
use crate::Timestamp;
use crate::ids::ExternalId;
use crate::stage::{LeadStatus, LifecycleStage};
use serde::{Deserialize, Serialize};

/// The lead status of the person's best CRM Lead (an open one before a converted one).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CurrentLeadStatus {
    /// The lead.
    pub record: ExternalId,
    /// The status in closedloop's vocabulary; `converted` for a converted lead without one.
    pub status: Option<LeadStatus>,
    /// The CRM's own value.
    pub raw: Option<String>,
    /// The disqualification reason, when there is one.
    pub reason: Option<String>,
    /// Since when, when stage history shows it.
    pub since: Option<Timestamp>,
}

pub(super) fn current_lead_status(facts: &PersonFacts, timeline: &Timeline<'_>) -> Option<CurrentLeadStatus> {
    let lead = facts.best_crm_lead()?;
    let record = lead.key();
    let status = lead.status.or(lead.conversion.as_ref().map(|_| LeadStatus::Converted));
    let since = status.and_then(|current| {
        timeline
            .events
            .iter()
            .rev()
            .find(|e| {
                *e.subject == record && matches!(e.kind, EventKind::LeadStatus { status, .. } if status == current)
            })
            .map(|e| e.at)
    });
    Some(CurrentLeadStatus {
        record,
        status,
        raw: lead.status_raw.clone(),
        reason: lead.disqualification_reason.clone(),
        since,
    })
}

/// The furthest stage: the marketing platform's current stage or the one the milestones imply,
/// whichever is later, so a stage pushed from it never moves backwards. `other` (partners,
/// vendors) stays `other`: it is a decision, not a position in the funnel.
pub(super) fn furthest_lifecycle_stage(facts: &PersonFacts, m: &Milestones) -> Option<LifecycleStage> {
    let current = facts.primary_marketing_contact().and_then(|c| c.lifecycle_stage);
    if current == Some(LifecycleStage::Other) {
        return current;
    }
    let by_milestones = MilestoneKind::FUNNEL
        .into_iter()
        .rev()
        .find(|&k| m.get(k).is_some())
        .and_then(MilestoneKind::lifecycle_stage);
    current.max(by_milestones)
}
