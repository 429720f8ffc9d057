//! Who owns the person now: marketing (nurture) or sales.
//!
//! Holds no state. The rule, first match wins:
//! 1. an open deal: sales;
//! 2. a won deal: sales (a customer);
//! 3. returned by sales (current lead status in `return_statuses`, or every deal lost when
//!    `lost_deals_return_to_marketing`) and not handed over again since (a lifecycle change into
//!    the hand-off stage or later after the return): marketing;
//! 4. the hand-off milestone reached and (when `require_crm_owner`) the primary CRM record owned
//!    by a sales rep (not a queue, not a nurture user): sales; without that owner: marketing,
//!    awaiting assignment;
//! 5. otherwise: marketing, nurturing.

use super::event::{EventKind, Timeline};
use super::facts::PersonFacts;
use super::milestones::Milestones;
use crate::Timestamp;
use crate::rules::OwnerRules;
use crate::stage::{DealStatus, LeadStatus};
use serde::{Deserialize, Serialize};

/// Marketing or sales.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    /// Marketing nurtures the person.
    #[default]
    Marketing,
    /// Sales works the person.
    Sales,
}

impl Side {
    /// `marketing` or `sales`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Marketing => "marketing",
            Side::Sales => "sales",
        }
    }
}

/// Why the person is on their side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum OwnerReason {
    /// Not handed over yet.
    #[default]
    Nurture,
    /// Handed over, but no sales rep owns the CRM record yet.
    AwaitingAssignment,
    /// Handed over and owned by a sales rep.
    Assigned,
    /// A deal is open.
    OpenDeal,
    /// A deal was won.
    Customer,
    /// Sales returned the person with this status.
    Returned {
        /// The status, when the return was a status.
        status: Option<LeadStatus>,
    },
    /// Every deal was lost.
    DealsLost,
}

/// The side and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct OwnerSide {
    /// Marketing or sales.
    pub side: Side,
    /// Since when, when known.
    pub since: Option<Timestamp>,
    /// Why.
    pub reason: OwnerReason,
}

pub(super) fn owner_side(
    facts: &PersonFacts,
    timeline: &Timeline<'_>,
    m: &Milestones,
    rules: &OwnerRules,
) -> OwnerSide {
    let sales = |since, reason| OwnerSide {
        side: Side::Sales,
        since,
        reason,
    };
    let marketing = |since, reason| OwnerSide {
        side: Side::Marketing,
        since,
        reason,
    };

    if let Some(open) = m
        .deals
        .iter()
        .filter(|d| d.status == DealStatus::Open)
        .map(|d| d.created_at)
        .min()
    {
        return sales(Some(open), OwnerReason::OpenDeal);
    }
    if let Some(won) = &m.won {
        return sales(Some(won.at), OwnerReason::Customer);
    }

    let current = m.lead_status.as_ref().and_then(|s| s.status);
    let returned_by_status = current.filter(|s| rules.return_statuses.contains(s));
    let status_since = m.lead_status.as_ref().and_then(|s| s.since);
    let returned = match returned_by_status {
        Some(status) => Some((status_since, OwnerReason::Returned { status: Some(status) })),
        None if rules.lost_deals_return_to_marketing && m.lost.is_some() => {
            Some((m.lost.as_ref().map(|l| l.at), OwnerReason::DealsLost))
        }
        None => None,
    };
    let handoff_stage = rules.handoff.lifecycle_stage();
    if let Some((since, reason)) = returned {
        let handed_back = since.is_some_and(|since| {
            timeline.events.iter().any(|e| {
                e.at > since
                    && matches!(e.kind, EventKind::Lifecycle { stage } if stage.is_funnel_stage() && Some(stage) >= handoff_stage)
            })
        });
        if !handed_back {
            return marketing(since, reason);
        }
    }

    match m.get(rules.handoff) {
        Some(handoff) => {
            let owned_by_sales = facts
                .primary_crm_record()
                .and_then(|r| r.owner_id())
                .is_some_and(|owner| {
                    !rules.nurture_owner_ids.iter().any(|n| n == owner)
                        && !rules
                            .nurture_owner_id_prefixes
                            .iter()
                            .any(|p| owner.starts_with(p.as_str()))
                });
            if owned_by_sales || !rules.require_crm_owner {
                sales(Some(handoff.at), OwnerReason::Assigned)
            } else {
                marketing(Some(handoff.at), OwnerReason::AwaitingAssignment)
            }
        }
        None => marketing(None, OwnerReason::Nurture),
    }
}
