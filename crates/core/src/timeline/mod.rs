//! Timeline and stages: one person's touchpoints and stage changes in time order, and what they
//! mean: the funnel milestones, the first sales contact and speed to lead, the SLA, who owns the
//! person now, their current lead status and furthest lifecycle stage.
//!
//! Holds no state. The engine loads a [`PersonFacts`] for each person whose records changed,
//! builds a [`Timeline`] that borrows from it, and derives [`Milestones`] with the configured
//! [`crate::rules::StageRules`] and the current time (only the SLA depends on it).

mod contact;
mod event;
mod facts;
mod milestones;
mod owner;
mod status;

pub use contact::SlaStatus;
pub use event::{EventKind, Timeline, TimelineEvent};
pub use facts::{CrmRecord, PersonFacts};
pub use milestones::{DealOutcome, Evidence, Milestone, MilestoneKind, Milestones, derive_milestones};
pub use owner::{OwnerReason, OwnerSide, Side};
pub use status::CurrentLeadStatus;
