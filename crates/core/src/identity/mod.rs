//! Identity: which external records are the same human, which of them is each system's primary
//! record, which are duplicates, and how existing person ids move when that changes.
//!
//! Holds no state; the store keeps the links (`identity_links`). The engine calls [`resolve`] with
//! the records of the clusters a change touched and their current links, and applies the
//! [`IdentityPlan`] it returns.
//!
//! # Rules
//! - Records are the same human when they share a normalised email ([`crate::Email`]), when a CRM
//!   lead was converted into a contact, when a system merged one record into another
//!   (`merged_into`, `merged_ids`, [`crate::page::Record::Merge`]), or (with
//!   [`crate::rules::EmailChangePolicy::KeepLinks`]) when they are already linked. Joins are
//!   transitive. A record without a valid email belongs to whoever such a link ties it to, and
//!   is its own person otherwise. Ids named only by a link (a merged-away HubSpot contact never
//!   read) become alias members, so touchpoints recorded against them still find their person.
//! - Primary record per system, best first ([`rank`]): an active record (not deleted, not merged
//!   away, not a converted lead); then a Contact before a Lead (sales works contacts, and a Lead
//!   beside a Contact is a duplicate to clean up); then the oldest (the record with the longest
//!   history, which merges in both vendors keep too); then the smallest id, so the choice is
//!   deterministic. Pushes go to the primary only.
//! - Every other active person record of the same system is reported as a [`Duplicate`].
//! - Person ids: a cluster keeps the oldest (smallest) person id among those its records had; the
//!   others are merged into it. When a person's records split (an email changed), the id stays
//!   with the part holding most of its records; on a tie, with the part that has no other id to
//!   keep (a record that moved to another person leaves its old id behind), then with the part
//!   holding its smallest record key. Parts without an id are new people. Touchpoints and history
//!   hang off records, so moving a record moves them: nothing is lost.
//!
//! # Incremental use
//! The input must be closed: every record linked to a person id that appears in it, every record
//! sharing an email with an input record, and every record a conversion or merge names. The engine
//! grows its set with [`IdentityRecord::match_keys`] until nothing new appears.

mod rank;
mod record;
mod resolve;

pub use rank::{RankKey, rank};
pub use record::{IdentityEdge, IdentityRecord, LinkReason, MatchKey, RecordState};
pub use resolve::{Duplicate, DuplicateKind, IdentityPlan, Member, PersonMerge, PersonPlan, resolve};
