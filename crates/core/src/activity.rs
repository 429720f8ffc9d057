//! Sales activities: calls, emails and meetings. The first one after a lead becomes an MQL is its
//! first sales contact, the end of the speed-to-lead clock.
//!
//! Holds no state.

use crate::Timestamp;
use crate::ids::ExternalId;
use crate::system::UnknownName;
use serde::{Deserialize, Serialize};

/// What kind of sales activity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    /// A phone call (Task `TaskSubtype = Call`).
    Call,
    /// A sales email (Task `TaskSubtype = Email`).
    Email,
    /// A meeting (Salesforce Event).
    Meeting,
    /// Any other task a rep logged against the person.
    Other,
}

impl ActivityKind {
    /// The snake-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            ActivityKind::Call => "call",
            ActivityKind::Email => "email",
            ActivityKind::Meeting => "meeting",
            ActivityKind::Other => "other",
        }
    }

    /// Parses the snake-case name.
    pub fn parse(s: &str) -> Result<Self, UnknownName> {
        Ok(match s {
            "call" => ActivityKind::Call,
            "email" => ActivityKind::Email,
            "meeting" => ActivityKind::Meeting,
            "other" => ActivityKind::Other,
            _ => return Err(UnknownName::new("activity kind", s)),
        })
    }
}

/// One sales activity on a person record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SalesActivity {
    /// The activity's key (system, `activity`, id).
    pub id: ExternalId,
    /// The lead or contact it was logged on (`WhoId`).
    pub who: ExternalId,
    /// The deal it relates to (`WhatId`), when any.
    pub deal: Option<ExternalId>,
    /// Call, email, meeting.
    pub kind: ActivityKind,
    /// When it happened (`CreatedDate`, or `ActivityDateTime` for meetings).
    pub occurred_at: Timestamp,
    /// The rep who did it.
    pub owner_id: Option<String>,
    /// `Subject`.
    pub subject: Option<String>,
    /// `CallDisposition` or status.
    pub outcome: Option<String>,
    /// Deleted in the source.
    pub deleted: bool,
}
