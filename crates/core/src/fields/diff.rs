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
    /// The desired value is blank and the mapping allows clearing someone else's value.
    Clear,
    /// The desired value is blank and the target holds closedloop's own earlier value.
    Retract,
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
        // closedloop's own earlier value is retracted when the facts no longer support it (it was
        // derived before every system had been read, say): otherwise the final state would depend
        // on the order in which facts arrived. Someone else's value is cleared only when allowed.
        let retract = seen != Seen::Theirs && rule != OwnershipRule::IfEmpty;
        let may_clear = match rule {
            OwnershipRule::Overwrite | OwnershipRule::TwoWay => true,
            OwnershipRule::PreferTargetUnlessBlank => seen != Seen::Theirs,
            OwnershipRule::IfEmpty => false,
        };
        return if retract {
            write(WriteReason::Retract)
        } else if allow_clear && may_clear {
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
/// The base is the value closedloop last agreed on: its latest push to either side (every sync
/// writes the agreed value to one side, and the other already holds it). A side has changed when
/// it differs from the base; a read older than closedloop's push to that side is stale and counts
/// as holding the push. Then:
/// - one side changed: it wins, whatever the timestamps say (a later unrelated edit of the other
///   record cannot take its place);
/// - both changed (or nothing was ever synced): the later change by the systems' own times wins;
///   a known time beats an unknown one; equal or unknown times go to `tie`;
/// - neither changed but they differ (a push still in flight): the side holding the base wins;
/// - a blank value never beats a non-blank one unless `allow_clear`: the non-blank side wins.
///
/// The winner's value is written only to the loser, reformatted for it: it never flows back to
/// where it came from.
pub fn diff_two_way(
    kind: FieldKind,
    allow_clear: bool,
    tie: TwoWaySide,
    target: SideState<'_>,
    source: SideState<'_>,
) -> Option<(TwoWaySide, WriteDecision)> {
    let base = match (target.pushed, source.pushed) {
        (Some(t), Some(s)) => Some(if s.at > t.at { s } else { t }),
        (t, s) => t.or(s),
    };
    let side = |state: &SideState<'_>| -> (bool, Option<String>) {
        let observed = state.observed;
        if let Some(p) = state.pushed
            && !same_value(kind, observed.value.as_deref(), p.value.as_deref())
            && observed.changed_at.is_some_and(|t| t <= p.at)
        {
            return (false, p.value.clone());
        }
        let changed = base.is_none_or(|b| !same_value(kind, observed.value.as_deref(), b.value.as_deref()));
        (changed, observed.value.clone())
    };
    let (t_changed, t_value) = side(&target);
    let (s_changed, s_value) = side(&source);
    if same_value(kind, t_value.as_deref(), s_value.as_deref()) {
        return None;
    }
    let later = |a: Option<Timestamp>, b: Option<Timestamp>| match (a, b) {
        (Some(a), Some(b)) if a != b => Some(if a > b { TwoWaySide::Target } else { TwoWaySide::Source }),
        (Some(_), None) => Some(TwoWaySide::Target),
        (None, Some(_)) => Some(TwoWaySide::Source),
        _ => None,
    };
    let holds_base = |v: &Option<String>| base.is_some_and(|b| same_value(kind, v.as_deref(), b.value.as_deref()));
    let mut winner = match (t_changed, s_changed) {
        (true, false) => TwoWaySide::Target,
        (false, true) => TwoWaySide::Source,
        (true, true) => later(target.observed.changed_at, source.observed.changed_at).unwrap_or(tie),
        (false, false) if holds_base(&t_value) => TwoWaySide::Target,
        (false, false) if holds_base(&s_value) => TwoWaySide::Source,
        (false, false) => tie,
    };
    let value_of = |w: TwoWaySide| if w == TwoWaySide::Target { &t_value } else { &s_value };
    if blank(value_of(winner).as_deref()) && !allow_clear {
        winner = if winner == TwoWaySide::Target {
            TwoWaySide::Source
        } else {
            TwoWaySide::Target
        };
    }
    let (loser, loser_format) = match winner {
        TwoWaySide::Target => (TwoWaySide::Source, source.format),
        TwoWaySide::Source => (TwoWaySide::Target, target.format),
    };
    match value_of(winner).as_deref().and_then(|v| reformat(v, loser_format)) {
        Some(v) => Some((
            loser,
            WriteDecision {
                value: Some(v),
                reason: WriteReason::Sync,
            },
        )),
        None => Some((
            loser,
            WriteDecision {
                value: None,
                reason: WriteReason::Clear,
            },
        )),
    }
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
    fn empty_never_beats_someone_elses_value_unless_allowed() {
        // "a" was typed by a user (closedloop pushed "b" long before).
        let theirs = obs(Some("a"), 10);
        let ours_before = pushed(Some("b"), 0);
        assert_eq!(
            diff_one_way(Overwrite, Text, false, None, &theirs, Some(&ours_before)),
            None
        );
        assert_eq!(diff_one_way(Overwrite, Text, false, None, &theirs, None), None);
        let d = diff_one_way(Overwrite, Text, true, None, &theirs, Some(&ours_before)).unwrap();
        assert_eq!(
            d,
            WriteDecision {
                value: None,
                reason: WriteReason::Clear
            }
        );
    }

    #[test]
    fn closedloops_own_value_is_retracted_when_the_facts_no_longer_support_it() {
        let retract = Some(WriteDecision {
            value: None,
            reason: WriteReason::Retract,
        });
        // Read back as pushed, or not read back yet (stale): either way the value is ours.
        for target in [obs(Some("a"), 1), obs(None, 0)] {
            for rule in [Overwrite, PreferTargetUnlessBlank] {
                assert_eq!(
                    diff_one_way(rule, Text, false, None, &target, Some(&pushed(Some("a"), 0))),
                    retract,
                    "{rule:?} {target:?}"
                );
            }
        }
        // if_empty writes once and never again, not even to retract.
        assert_eq!(
            diff_one_way(
                IfEmpty,
                Text,
                false,
                None,
                &obs(Some("a"), 1),
                Some(&pushed(Some("a"), 0))
            ),
            None
        );
        // Nothing to retract when the target is already blank.
        assert_eq!(
            diff_one_way(Overwrite, Text, false, None, &obs(None, 1), Some(&pushed(None, 0))),
            None
        );
    }
}
