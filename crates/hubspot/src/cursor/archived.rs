//! The cursor of the archived-records streams: one full read of the `archived=true` list per pass.
//!
//! Holds no state. HubSpot's search never returns archived records and its archived list has no
//! date filter, so each pass reads the whole list; unchanged records cost no write in the store.

use closedloop_core::cursor::Checkpoint;
use serde::{Deserialize, Serialize};

/// Where an archived-records pass stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum ArchivedCursor {
    /// Reading the archived list.
    Scanning {
        /// The pass.
        pass: u64,
        /// The next page's `after`.
        after: Option<String>,
        /// Pages read in this pass.
        pages: u64,
    },
    /// The pass read the whole list.
    Idle {
        /// The last pass.
        pass: u64,
    },
}

impl ArchivedCursor {
    fn order(&self) -> (u64, u8, u64) {
        match self {
            ArchivedCursor::Scanning { pass, pages, .. } => (*pass, 0, *pages),
            ArchivedCursor::Idle { pass } => (*pass, 1, 0),
        }
    }
}

impl Checkpoint for ArchivedCursor {
    const VERSION: u32 = 1;

    fn is_at_or_after(&self, previous: &Self) -> bool {
        self.order() >= previous.order()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_pass_is_after_the_finished_one() {
        let done = ArchivedCursor::Idle { pass: 3 };
        let next = ArchivedCursor::Scanning {
            pass: 4,
            after: None,
            pages: 1,
        };
        assert!(next.is_at_or_after(&done) && !done.is_at_or_after(&next));
    }
}
