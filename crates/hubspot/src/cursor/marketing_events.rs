//! The cursor of the marketing-events stream: which events' participations were read, and as of when.
//!
//! Holds no state. Participations have no modification filter; an event's fingerprint (its
//! counters, status and update time) tells whether they changed since its last full read.

use closedloop_core::cursor::Checkpoint;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The event being read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EventScan {
    /// The event's object id (events are read in id order).
    pub event: String,
    /// The next page's `after`.
    pub after: Option<String>,
    /// Pages read of this event.
    pub pages: u32,
    /// The event's fingerprint when its read started.
    pub fingerprint: String,
}

/// Where the marketing-events stream stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MarketingEventsCursor {
    /// The pass.
    pub pass: u64,
    /// Per event id, its fingerprint when its participations were last read whole.
    pub fingerprints: BTreeMap<String, String>,
    /// The event being read; `None` when the pass is finished.
    pub scan: Option<EventScan>,
}

impl MarketingEventsCursor {
    fn order(&self) -> (u64, u8, &str, u32) {
        match &self.scan {
            Some(s) => (self.pass, 0, s.event.as_str(), s.pages),
            None => (self.pass, 1, "", 0),
        }
    }
}

impl Checkpoint for MarketingEventsCursor {
    const VERSION: u32 = 1;

    fn is_at_or_after(&self, previous: &Self) -> bool {
        self.order() >= previous.order()
    }
}
