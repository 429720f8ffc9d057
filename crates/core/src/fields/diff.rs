//! The field diff: given what closedloop wants, what a target last reported and what closedloop
//! last pushed there, decide whether to write, and what. Two-way fields decide which side wins.
//!
//! Holds no state. See the module doc of [`crate::fields`] for the loop-prevention rules; the
//! ownership rules are documented on [`OwnershipRule`].

use super::value::{FieldKind, Format, reformat, same_value};
use crate::Timestamp;
use crate::rules::OwnershipRule;
use serde::{Deserialize, Serialize};

/// What a system last reported for one field of one record.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Observed {
    /// The raw value (`None` when blank).
    pub value: Option<String>,
    /// When the system says it last changed: the field's own history time when known, else the
    /// record's modification time. `None` when unknown.
    pub changed_at: Option<Timestamp>,
}

/// What closedloop last wrote to one field of one record (the store's `pushed_values`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pushed {
    /// The value written (`None` when it cleared the field).
    pub value: Option<String>,
    /// When the target accepted the write, in the target's clock when it says (HubSpot returns
    /// `updatedAt`), else closedloop's.
    pub at: Timestamp,
}

/// Why a value is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum WriteReason {
    /// The target was blank.
    Fill,
    /// The target held closedloop's own earlier value and the desired value changed.
    Update,
    /// The target held someone else's value and the rule lets closedloop replace it.
    Replace,
    /// The desired value is blank and the mapping allows clearing.
    Clear,
    /// Two-way sync: the other side changed last.
    Sync,
    /// The record is being created.
    Create,
}

/// A write to make.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WriteDecision {
    /// The value to write, formatted for the target (`None` clears).
    pub value: Option<String>,
    /// Why.
    pub reason: WriteReason,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Seen {
    /// The target holds what closedloop pushed.
    Ours,
    /// The read predates closedloop's push: the push has not been read back yet.
    Stale,
    /// Someone else's value (or a value from before closedloop ever pushed).
    Theirs,
}

fn blank(v: Option<&str>) -> bool {
    v.is_none_or(|s| s.trim().is_empty())
}

/// Classifies a read, and says what the target effectively holds.
fn seen<'a>(kind: FieldKind, observed: &'a Observed, pushed: Option<&'a Pushed>) -> (Seen, Option<&'a str>) {
    match pushed {
        Some(p) if same_value(kind, observed.value.as_deref(), p.value.as_deref()) => {
            (Seen::Ours, observed.value.as_deref())
        }
        Some(p) if observed.changed_at.is_some_and(|t| t <= p.at) => (Seen::Stale, p.value.as_deref()),
        _ => (Seen::Theirs, observed.value.as_deref()),
    }
}

/// Decides a one-way write of `desired` (already formatted for the target).
///
/// `two_way` is not a one-way rule: it is treated as `overwrite` here; use [`diff_two_way`].
pub fn diff_one_way(
    rule: OwnershipRule,
    kind: FieldKind,
    allow_clear: bool,
    desired: Option<&str>,
    target: &Observed,
    pushed: Option<&Pushed>,
) -> Option<WriteDecision> {
    let (seen, current) = seen(kind, target, pushed);
    if same_value(kind, desired, current) {
        return None;
    }
    let write = |reason| {
        Some(WriteDecision {
            value: desired.map(str::to_owned),
            reason,
        })
    };
    if blank(desired) {
        let may_clear = match rule {
            OwnershipRule::Overwrite | OwnershipRule::TwoWay => true,
            OwnershipRule::PreferTargetUnlessBlank => seen != Seen::Theirs,
            OwnershipRule::IfEmpty => false,
        };
        return if allow_clear && may_clear {
            write(WriteReason::Clear)
        } else {
            None
        };
    }
    if blank(current) {
        return write(WriteReason::Fill);
    }
    match (rule, seen) {
        (OwnershipRule::Overwrite | OwnershipRule::TwoWay, Seen::Theirs) => write(WriteReason::Replace),
        (OwnershipRule::Overwrite | OwnershipRule::TwoWay, _) => write(WriteReason::Update),
        (OwnershipRule::IfEmpty, _) => None,
        (OwnershipRule::PreferTargetUnlessBlank, Seen::Ours | Seen::Stale) => write(WriteReason::Update),
        (OwnershipRule::PreferTargetUnlessBlank, Seen::Theirs) => None,
    }
}

/// One side of a two-way field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SideState<'a> {
    /// What the side last reported.
    pub observed: &'a Observed,
    /// What closedloop last pushed to it.
    pub pushed: Option<&'a Pushed>,
    /// How values are written to it.
    pub format: &'a Format,
}

/// The two sides of a two-way mapping: the mapping's target, and the system of its `source:`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TwoWaySide {
    /// The mapping's target field.
    Target,
    /// The raw field on the other system.
    Source,
}

/// Decides a two-way field: which side wins, and the write to the other side, if any.
///
/// A side counts as changed when it holds neither closedloop's last push nor a read older than
/// it. One changed side wins; two changed sides are decided by their change times (a known time
/// beats an unknown one; equal or unknown times go to `tie`); with no changed side but different
/// values (closedloop's own pushes disagree, e.g. after a mapping change), the side pushed last
/// wins. A blank winner writes nothing unless `allow_clear`. The winner's value is written only
/// to the loser, reformatted for it: it never flows back to where it came from.
pub fn diff_two_way(
    kind: FieldKind,
    allow_clear: bool,
    tie: TwoWaySide,
    target: SideState<'_>,
    source: SideState<'_>,
) -> Option<(TwoWaySide, WriteDecision)> {
    let (t_seen, t_value) = seen(kind, target.observed, target.pushed);
    let (s_seen, s_value) = seen(kind, source.observed, source.pushed);
    if same_value(kind, t_value, s_value) {
        return None;
    }
    let later = |a: Option<Timestamp>, b: Option<Timestamp>| match (a, b) {
        (Some(a), Some(b)) if a != b => Some(if a > b { TwoWaySide::Target } else { TwoWaySide::Source }),
        (Some(_), None) => Some(TwoWaySide::Target),
        (None, Some(_)) => Some(TwoWaySide::Source),
        _ => None,
    };
    let winner = match (t_seen == Seen::Theirs, s_seen == Seen::Theirs) {
        (true, false) => TwoWaySide::Target,
        (false, true) => TwoWaySide::Source,
        (true, true) => later(target.observed.changed_at, source.observed.changed_at).unwrap_or(tie),
        (false, false) => later(target.pushed.map(|p| p.at), source.pushed.map(|p| p.at)).unwrap_or(tie),
    };
    let (value, loser, loser_format) = match winner {
        TwoWaySide::Target => (t_value, TwoWaySide::Source, source.format),
        TwoWaySide::Source => (s_value, TwoWaySide::Target, target.format),
    };
    if blank(value) {
        return allow_clear.then_some((
            loser,
            WriteDecision {
                value: None,
                reason: WriteReason::Clear,
            },
        ));
    }
    let value = value.and_then(|v| reformat(v, loser_format));
    Some((
        loser,
        WriteDecision {
            value,
            reason: WriteReason::Sync,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeZone, Utc};

    fn at(s: i64) -> Timestamp {
        Utc.timestamp_opt(1_700_000_000 + s, 0).unwrap()
    }
    fn obs(v: Option<&str>, t: i64) -> Observed {
        Observed {
            value: v.map(str::to_owned),
            changed_at: Some(at(t)),
        }
    }
    fn pushed(v: Option<&str>, t: i64) -> Pushed {
        Pushed {
            value: v.map(str::to_owned),
            at: at(t),
        }
    }
    use FieldKind::Text;
    use OwnershipRule::*;

    #[test]
    fn reading_back_our_own_write_is_no_change() {
        assert_eq!(
            diff_one_way(
                Overwrite,
                Text,
                false,
                Some("a"),
                &obs(Some("a"), 10),
                Some(&pushed(Some("a"), 5))
            ),
            None
        );
        assert_eq!(
            diff_one_way(
                PreferTargetUnlessBlank,
                Text,
                false,
                Some("a"),
                &obs(Some("a"), 10),
                Some(&pushed(Some("a"), 5))
            ),
            None
        );
    }

    #[test]
    fn a_stale_read_does_not_trigger_a_second_push() {
        // Pushed "b" at 20; the last read (from 10) still shows "a".
        let d = diff_one_way(
            Overwrite,
            Text,
            false,
            Some("b"),
            &obs(Some("a"), 10),
            Some(&pushed(Some("b"), 20)),
        );
        assert_eq!(d, None);
    }

    #[test]
    fn overwrite_replaces_a_hand_edit_prefer_target_keeps_it() {
        let edited = obs(Some("hand"), 30);
        let p = pushed(Some("a"), 20);
        let d = diff_one_way(Overwrite, Text, false, Some("a"), &edited, Some(&p)).unwrap();
        assert_eq!(
            d,
            WriteDecision {
                value: Some("a".into()),
                reason: WriteReason::Replace
            }
        );
        assert_eq!(
            diff_one_way(PreferTargetUnlessBlank, Text, false, Some("b"), &edited, Some(&p)),
            None
        );
        // Still ours: keep it up to date.
        let ours = obs(Some("a"), 25);
        let d = diff_one_way(PreferTargetUnlessBlank, Text, false, Some("b"), &ours, Some(&p)).unwrap();
        assert_eq!(d.reason, WriteReason::Update);
    }

    #[test]
    fn if_empty_writes_once() {
        assert_eq!(
            diff_one_way(IfEmpty, Text, false, Some("a"), &obs(None, 1), None)
                .unwrap()
                .reason,
            WriteReason::Fill
        );
        assert_eq!(
            diff_one_way(
                IfEmpty,
                Text,
                false,
                Some("b"),
                &obs(Some("a"), 30),
                Some(&pushed(Some("a"), 20))
            ),
            None
        );
        assert_eq!(diff_one_way(IfEmpty, Text, true, None, &obs(Some("a"), 30), None), None);
    }

    #[test]
    fn empty_never_beats_a_value_unless_allowed() {
        assert_eq!(
            diff_one_way(
                Overwrite,
                Text,
                false,
                None,
                &obs(Some("a"), 1),
                Some(&pushed(Some("a"), 0))
            ),
            None
        );
        let d = diff_one_way(
            Overwrite,
            Text,
            true,
            None,
            &obs(Some("a"), 1),
            Some(&pushed(Some("a"), 0)),
        )
        .unwrap();
        assert_eq!(
            d,
            WriteDecision {
                value: None,
                reason: WriteReason::Clear
            }
        );
    }
}
