//! The primary-record order: which of a person's records in one system pushes go to.
//!
//! Holds no state. See the module doc of [`crate::identity`] for the rule and why.

use super::record::RecordState;
use crate::Timestamp;
use crate::ids::ExternalId;
use crate::system::ObjectType;

/// A sort key for one record: smaller is a better primary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct RankKey<'a> {
    state: RecordState,
    object: u8,
    /// `None` sorts last: a record of unknown age cannot claim to be the oldest.
    created: (bool, Option<Timestamp>),
    id_len: usize,
    id: &'a str,
}

/// The rank of a record: active first, then Contact before Lead, then oldest, then smallest id
/// (numerically for HubSpot's decimal ids, which the length-then-text order gives).
pub fn rank<'a>(key: &'a ExternalId, state: RecordState, created_at: Option<Timestamp>) -> RankKey<'a> {
    let object = match key.object {
        ObjectType::Contact => 0,
        ObjectType::Lead => 1,
        _ => 2,
    };
    RankKey {
        state,
        object,
        created: (created_at.is_none(), created_at),
        id_len: key.id.len(),
        id: &key.id,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::system::System;
    use chrono::TimeZone;

    fn key(object: ObjectType, id: &str) -> ExternalId {
        ExternalId {
            system: System::Salesforce,
            object,
            id: id.to_owned(),
        }
    }

    #[test]
    fn order_is_state_object_age_id() {
        let t = |d| Some(chrono::Utc.with_ymd_and_hms(2024, 1, d, 0, 0, 0).unwrap());
        let (c, l, l2) = (
            key(ObjectType::Contact, "b"),
            key(ObjectType::Lead, "a"),
            key(ObjectType::Lead, "c"),
        );
        assert!(rank(&l, RecordState::Active, t(9)) < rank(&c, RecordState::Deleted, t(1)));
        assert!(rank(&c, RecordState::Active, t(9)) < rank(&l, RecordState::Active, t(1)));
        assert!(rank(&l, RecordState::Active, t(1)) < rank(&l2, RecordState::Active, t(2)));
        assert!(rank(&l2, RecordState::Active, t(1)) < rank(&l, RecordState::Active, None));
        assert!(rank(&l, RecordState::Active, t(1)) < rank(&l2, RecordState::Active, t(1)));
        let (small, big) = (key(ObjectType::Lead, "99"), key(ObjectType::Lead, "100"));
        assert!(rank(&small, RecordState::Active, t(1)) < rank(&big, RecordState::Active, t(1)));
    }
}
