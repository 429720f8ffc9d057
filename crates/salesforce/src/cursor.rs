//! Cursors: where each stream stands in each Salesforce object it reads.
//!
//! Holds no state; the store persists cursors. Rows are read in `(SystemModstamp, Id)` order
//! (`(CreatedDate, Id)` for history objects, which have no modstamp), so a position is a [`Key`]:
//! the last row taken. Each object a stream reads has an [`ObjectCursor`]; each stream's cursor
//! (`LeadsCursor`, `OpportunitiesCursor`, ...) holds one per object, named.
//!
//! Positions only move forward (`closedloop_core::cursor`). Two moves look backwards but are not:
//!
//! | move | how it stays forward |
//! |------|----------------------|
//! | full resync (cursor older than the deleted-records window) | `epoch` + 1, position cleared: a later epoch is after any position of an earlier one |
//! | a backfill of another range | the `backfill` slot is replaced; the main position is untouched |
//!
//! Ordering: `(epoch, synced, after)`, then the backfill's progress when both cursors are
//! backfilling the same range. `None < Some(key)`, and keys compare by time, then id.

use closedloop_core::cursor::Checkpoint;
use closedloop_core::{SalesforceId, Timestamp};
use serde::{Deserialize, Serialize};

/// A row's place in the read order: its timestamp (`SystemModstamp` or `CreatedDate`) and id.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Key {
    /// The row's `SystemModstamp` (or `CreatedDate`).
    pub at: Timestamp,
    /// The row's id; breaks ties on `at`, as Salesforce's `ORDER BY ..., Id` does.
    pub id: SalesforceId,
}

/// Progress of a backfill over one range of the read order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackfillProgress {
    /// The range's start (inclusive).
    pub since: Timestamp,
    /// The range's end (exclusive).
    pub until: Timestamp,
    /// The last row taken.
    pub after: Option<Key>,
    /// True once the whole range was read.
    pub done: bool,
}

impl BackfillProgress {
    fn same_range(&self, other: &BackfillProgress) -> bool {
        self.since == other.since && self.until == other.until
    }

    fn is_at_or_after(&self, previous: &BackfillProgress) -> bool {
        if !self.same_range(previous) {
            // Another range replaces the old one: a new backfill, not a step back.
            return true;
        }
        self.done >= previous.done && (self.done || self.after >= previous.after)
    }
}

/// Where one stream stands in one object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ObjectCursor {
    /// Full resyncs so far. A resync starts the object over with the next epoch.
    pub epoch: u32,
    /// True once one complete read of the object finished: from then on reads are incremental
    /// (and re-read a lookback window for transactions that committed late).
    pub synced: bool,
    /// The last row taken, in read order.
    pub after: Option<Key>,
    /// Every change stamped before this instant (Salesforce's clock) has been read: the start of
    /// the last complete pass, less the lookback. The deleted-records window is checked against
    /// it, so an object that has not changed for weeks is not resynced for being quiet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seen_until: Option<Timestamp>,
    /// The latest backfill, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backfill: Option<BackfillProgress>,
}

impl ObjectCursor {
    /// The start of a first read.
    pub fn start() -> ObjectCursor {
        ObjectCursor {
            epoch: 0,
            synced: false,
            after: None,
            seen_until: None,
            backfill: None,
        }
    }

    /// The start of a full resync: the next epoch, nothing read, the backfill kept.
    pub fn resync(&self) -> ObjectCursor {
        ObjectCursor {
            epoch: self.epoch.saturating_add(1),
            synced: false,
            after: None,
            seen_until: None,
            backfill: self.backfill.clone(),
        }
    }

    /// True when `self` is the same position as `previous` or later. (`seen_until` is a note
    /// about the position, not part of it: it is only ever raised.)
    pub fn is_at_or_after(&self, previous: &ObjectCursor) -> bool {
        if self.epoch != previous.epoch {
            return self.epoch > previous.epoch;
        }
        let main = self.synced >= previous.synced && self.after >= previous.after;
        let backfill = match (&self.backfill, &previous.backfill) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some(now), Some(before)) => now.is_at_or_after(before),
        };
        main && backfill
    }
}

/// The objects a stream reads, and its cursor type: one [`ObjectCursor`] per object.
pub trait StreamCursor: Checkpoint {
    /// How many objects the stream reads.
    const PARTS: usize;

    /// The cursor of a stream that never ran.
    fn start() -> Self;

    /// The position in object `i`.
    fn part(&self, i: usize) -> &ObjectCursor;

    /// The position in object `i`, to change.
    fn part_mut(&mut self, i: usize) -> &mut ObjectCursor;
}

/// Defines a stream cursor with one named [`ObjectCursor`] per object.
macro_rules! stream_cursor {
    ($(#[$doc:meta])* $name:ident { $($(#[$fdoc:meta])* $field:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $($(#[$fdoc])* pub $field: ObjectCursor,)+
        }

        impl Checkpoint for $name {
            const VERSION: u32 = 1;

            fn is_at_or_after(&self, previous: &Self) -> bool {
                $(self.$field.is_at_or_after(&previous.$field))&&+
            }
        }

        impl StreamCursor for $name {
            const PARTS: usize = [$(stringify!($field)),+].len();

            fn start() -> Self {
                $name { $($field: ObjectCursor::start(),)+ }
            }

            fn part(&self, i: usize) -> &ObjectCursor {
                let parts = [$(&self.$field),+];
                parts[i.min(parts.len() - 1)]
            }

            fn part_mut(&mut self, i: usize) -> &mut ObjectCursor {
                let parts = [$(&mut self.$field),+];
                let target = i.min(parts.len() - 1);
                let mut found = None;
                for (j, part) in parts.into_iter().enumerate() {
                    if j == target {
                        found = Some(part);
                    }
                }
                match found {
                    Some(part) => part,
                    None => unreachable!("target is clamped to the parts"),
                }
            }
        }
    };
}

stream_cursor!(
    /// `salesforce.leads`: Leads.
    LeadsCursor { /// `Lead`.
        leads }
);
stream_cursor!(
    /// `salesforce.contacts`: Contacts.
    ContactsCursor { /// `Contact`.
        contacts }
);
stream_cursor!(
    /// `salesforce.opportunities`: Opportunities, their stage history and contact roles.
    OpportunitiesCursor {
        /// `Opportunity`.
        opportunities,
        /// `OpportunityHistory` (by `SystemModstamp`).
        history,
        /// `OpportunityContactRole`.
        contact_roles,
    }
);
stream_cursor!(
    /// `salesforce.activities`: Tasks (calls, emails) and Events (meetings).
    ActivitiesCursor {
        /// `Task`.
        tasks,
        /// `Event`.
        events,
    }
);
stream_cursor!(
    /// `salesforce.campaigns`: Campaigns and CampaignMembers.
    CampaignsCursor {
        /// `Campaign`.
        campaigns,
        /// `CampaignMember`.
        members,
    }
);
stream_cursor!(
    /// `salesforce.users`: Users (record owners).
    UsersCursor { /// `User`.
        users }
);
stream_cursor!(
    /// `salesforce.lead_status_history`: LeadHistory rows of `Status` (by `CreatedDate`).
    LeadStatusCursor { /// `LeadHistory`.
        history }
);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn key(sec: u32, id: &str) -> Option<Key> {
        Some(Key {
            at: chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, sec).unwrap(),
            id: SalesforceId::parse(id).unwrap(),
        })
    }

    fn at(epoch: u32, synced: bool, after: Option<Key>) -> ObjectCursor {
        ObjectCursor {
            epoch,
            synced,
            after,
            seen_until: None,
            backfill: None,
        }
    }

    #[test]
    fn positions_order_by_time_then_id() {
        let a = at(0, false, key(5, "00Q000000000002"));
        assert!(a.is_at_or_after(&at(0, false, None)));
        assert!(a.is_at_or_after(&a));
        assert!(a.is_at_or_after(&at(0, false, key(5, "00Q000000000001"))));
        assert!(!a.is_at_or_after(&at(0, false, key(5, "00Q000000000003"))));
        assert!(!a.is_at_or_after(&at(0, false, key(6, "00Q000000000001"))));
        assert!(at(0, true, key(5, "00Q000000000002")).is_at_or_after(&a));
        assert!(!at(0, false, key(9, "00Q000000000002")).is_at_or_after(&at(0, true, key(1, "00Q000000000001"))));
    }

    #[test]
    fn a_resync_is_forward_and_an_older_epoch_is_not() {
        let deep = at(0, true, key(50, "00Q000000000009"));
        let resynced = deep.resync();
        assert_eq!((resynced.epoch, resynced.synced, &resynced.after), (1, false, &None));
        assert!(resynced.is_at_or_after(&deep));
        assert!(!deep.is_at_or_after(&resynced));
    }

    #[test]
    fn a_backfill_moves_forward_within_its_range_and_a_new_range_replaces_it() {
        let t = |s| chrono::Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, s).unwrap();
        let progress = |after, done| BackfillProgress {
            since: t(0),
            until: t(30),
            after,
            done,
        };
        let with = |b: BackfillProgress| ObjectCursor {
            backfill: Some(b),
            ..at(0, true, key(50, "00Q000000000009"))
        };
        let early = with(progress(key(3, "00Q000000000001"), false));
        let later = with(progress(key(7, "00Q000000000001"), false));
        assert!(later.is_at_or_after(&early));
        assert!(!early.is_at_or_after(&later));
        assert!(with(progress(key(7, "00Q000000000001"), true)).is_at_or_after(&later));
        let other_range = with(BackfillProgress {
            since: t(1),
            ..progress(None, false)
        });
        assert!(other_range.is_at_or_after(&later));
        assert!(!at(0, true, key(50, "00Q000000000009")).is_at_or_after(&later));
    }

    #[test]
    fn stream_cursors_compare_every_part_and_round_trip() {
        let mut c = OpportunitiesCursor::start();
        assert_eq!(OpportunitiesCursor::PARTS, 3);
        c.part_mut(1).after = key(3, "00K000000000001");
        assert_eq!(c.part(1).after, key(3, "00K000000000001"));
        assert!(c.is_at_or_after(&OpportunitiesCursor::start()));
        assert!(!OpportunitiesCursor::start().is_at_or_after(&c));
        let json = serde_json::to_string(&c).unwrap();
        assert_eq!(serde_json::from_str::<OpportunitiesCursor>(&json).unwrap(), c);
        assert!(
            serde_json::from_str::<LeadsCursor>(r#"{"leads":{"epoch":0,"synced":false,"after":null},"x":1}"#).is_err()
        );
    }
}
