//! The first sales contact, and the SLA between marketing and sales.
//!
//! Holds no state. The clock starts at the anchor milestone (the MQL date by default); the first
//! activity of a counted kind at or after it ends it. The SLA is breached when that contact came
//! later than `sla_hours` after the start, or has not come and the deadline has passed at `now`.
//! An implied anchor (an MQL date taken from a later stage) starts no SLA: nobody handed that lead
//! over, sales found it.

use super::event::{EventKind, Timeline};
use super::milestones::{Evidence, Milestone};
use crate::Timestamp;
use crate::rules::FirstContactRules;
use chrono::Duration;
use serde::{Deserialize, Serialize};

/// Where a person stands against the contact SLA.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum SlaStatus {
    /// No hand-off to measure (not an MQL, or an implied one).
    #[default]
    NotApplicable,
    /// Contacted in time.
    Met {
        /// The deadline.
        due_at: Timestamp,
        /// Minutes from the hand-off to the contact.
        minutes: i64,
    },
    /// Not contacted yet, deadline still ahead.
    Pending {
        /// The deadline.
        due_at: Timestamp,
    },
    /// Contacted late, or not at all and the deadline has passed.
    Breached {
        /// The deadline.
        due_at: Timestamp,
        /// The late contact, if it came.
        contacted_at: Option<Timestamp>,
    },
}

impl SlaStatus {
    /// `not_applicable`, `met`, `pending`, `breached`.
    pub fn as_str(&self) -> &'static str {
        match self {
            SlaStatus::NotApplicable => "not_applicable",
            SlaStatus::Met { .. } => "met",
            SlaStatus::Pending { .. } => "pending",
            SlaStatus::Breached { .. } => "breached",
        }
    }

    /// True for a breach.
    pub fn is_breached(&self) -> bool {
        matches!(self, SlaStatus::Breached { .. })
    }
}

/// The first counted activity or lead status change at or after `start`.
pub(super) fn first_sales_contact(
    timeline: &Timeline<'_>,
    rules: &FirstContactRules,
    start: Timestamp,
) -> Option<Milestone> {
    let from = timeline.events.partition_point(|e| e.at < start);
    timeline.events[from..].iter().find_map(|e| match &e.kind {
        EventKind::Activity(a) if rules.activity_kinds.contains(&a.kind) => Some(Milestone {
            at: e.at,
            evidence: Evidence::Activity {
                activity: a.id.clone(),
                activity_kind: a.kind,
            },
        }),
        EventKind::LeadStatus { status, .. } if rules.lead_statuses.contains(status) => Some(Milestone {
            at: e.at,
            evidence: Evidence::LeadStatus {
                status: *status,
                record: e.subject.clone().into_owned(),
            },
        }),
        _ => None,
    })
}

/// The SLA state at `now`.
pub(super) fn sla_status(anchor: &Milestone, contact: Option<&Milestone>, sla_hours: u32, now: Timestamp) -> SlaStatus {
    if anchor.is_implied() {
        return SlaStatus::NotApplicable;
    }
    let due_at = anchor.at + Duration::hours(i64::from(sla_hours));
    match contact {
        Some(c) if c.at <= due_at => SlaStatus::Met {
            due_at,
            minutes: (c.at - anchor.at).num_minutes(),
        },
        Some(c) => SlaStatus::Breached {
            due_at,
            contacted_at: Some(c.at),
        },
        None if now > due_at => SlaStatus::Breached {
            due_at,
            contacted_at: None,
        },
        None => SlaStatus::Pending { due_at },
    }
}
