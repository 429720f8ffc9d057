//! The cursors of the web-events and email-events streams: per event type, a time watermark.
//!
//! Holds no state. Each pass reads each event type from its watermark minus the lookback (the
//! Events API in time order, the email events API newest first with a fixed start) and moves the
//! watermark to the newest event read once the type is done.

use super::Range;
use closedloop_core::Timestamp;
use closedloop_core::cursor::Checkpoint;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The event type being read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TimelineScan {
    /// The event type (`e_visited_page`, `CLICK`...).
    pub event_type: String,
    /// Events after this instant are read (`None`: all history).
    pub start: Option<Timestamp>,
    /// The next page's cursor (`after`, or the email API's `offset`).
    pub after: Option<String>,
    /// Pages read of this type.
    pub pages: u32,
    /// The newest event seen of this type in this pass.
    pub newest: Option<Timestamp>,
}

macro_rules! timeline_cursor {
    ($(#[$doc:meta])* $name:ident, $types:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            /// The pass.
            pub pass: u64,
            /// Per event type, the newest event read by a finished scan.
            pub watermarks: BTreeMap<String, Timestamp>,
            /// The type being read; `None` when the pass is finished.
            pub scan: Option<TimelineScan>,
            /// The range of a `backfill` pass.
            pub backfill: Option<Range>,
        }

        impl $name {
            /// The event types read, in order.
            pub const TYPES: &'static [&'static str] = $types;

            fn order(&self) -> (u64, u8, usize, u32) {
                match &self.scan {
                    Some(s) => (
                        self.pass,
                        0,
                        Self::TYPES.iter().position(|t| *t == s.event_type).unwrap_or(usize::MAX),
                        s.pages,
                    ),
                    None => (self.pass, 1, 0, 0),
                }
            }
        }

        impl Checkpoint for $name {
            const VERSION: u32 = 1;

            fn is_at_or_after(&self, previous: &Self) -> bool {
                self.order() >= previous.order()
            }
        }
    };
}

timeline_cursor!(
    /// Where the web-events stream stands.
    WebEventsCursor,
    &["e_visited_page", "e_clicked_cta"]
);
timeline_cursor!(
    /// Where the email-events stream stands.
    EmailEventsCursor,
    &["CLICK", "OPEN"]
);
