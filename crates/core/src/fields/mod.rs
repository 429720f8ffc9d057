//! Fields: the catalog of values closedloop derives for each person, how they are formatted for
//! each target, and what to write where under each ownership rule, without ever echoing.
//!
//! Holds no state; what closedloop last pushed comes in as [`FieldMemory`] (the store's
//! `pushed_values`).
//!
//! # Loop prevention
//! - A value read back that equals what closedloop last pushed there is closedloop's own write,
//!   never a user change. Equality is by the field's type ([`same_value`]): `12` equals `12.0`,
//!   `2024-03-01T10:00:00.000+0000` equals `1709287200000`, so a vendor's reformatting is no change.
//! - A read older than closedloop's last push (the target's change time is at or before the push)
//!   is stale: the target counts as holding the pushed value until a newer read arrives.
//! - A value never flows back to the system it came from: derived values read from one system
//!   cannot be mapped to it (config validation), and two-way sync only writes the losing side.
//! - A non-empty value never loses to an empty one unless the mapping sets `allow_clear`: a
//!   one-way blank never clears someone else's value, and in two-way sync a side cleared by hand
//!   is filled again from the other side (clear both, or set `allow_clear`, to empty a two-way
//!   field). The one exception is closedloop's own earlier value (read back as pushed, or not yet
//!   read back): when the facts no longer support it, it is retracted (`WriteReason::Retract`),
//!   except under `if_empty`, so the final state never depends on the order facts arrived in.
//! - Two-way fields converge: after edits stop, one cycle writes the winner to the other side and
//!   the next writes nothing (a property test runs random edits, stale reads and pushes).

mod catalog;
mod derive;
mod diff;
mod plan;
mod summary;
mod value;

pub use catalog::{DerivedField, Origin, UnknownDerivedField};
pub use derive::{DerivedValues, References};
pub use diff::{Observed, Pushed, SideState, TwoWaySide, WriteDecision, WriteReason, diff_one_way, diff_two_way};
pub use plan::{FieldMemory, FieldTrace, FieldWrite, RecordWrites, group_writes, plan_writes};
pub use summary::{depth_text, engagement_summary};
pub use value::{FieldKind, Format, Value, format_value, reformat, same_value};
