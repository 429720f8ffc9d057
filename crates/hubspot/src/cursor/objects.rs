//! The cursor of the contacts and deals streams: a full list, then searches from where the last
//! page stopped.
//!
//! Holds no state. [`ObjectCursor::Listing`] pages the list endpoint (first run, `backfill`);
//! [`ObjectCursor::Searching`] reads changes since the last pass through search, each page a new
//! query starting at the last modification time read (its [`Window`]), so no query ever pages
//! toward HubSpot's 10,000-result cap; [`ObjectCursor::Idle`] is a finished pass, whose
//! high-water mark the next pass starts from.

use closedloop_core::Timestamp;
use closedloop_core::cursor::Checkpoint;
use closedloop_core::ids::HubSpotId;
use serde::{Deserialize, Serialize};

/// One search page's query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Window {
    /// Modified at or after `at`, in modification order.
    From {
        /// The lower bound.
        at: Timestamp,
    },
    /// Modified after `at`, in modification order.
    After {
        /// The lower bound, excluded.
        at: Timestamp,
    },
    /// Modified exactly at `at`, in id order, after `after_id`: used when a whole page shares one
    /// timestamp, so the next page cannot start after it by time.
    Ties {
        /// The shared timestamp.
        at: Timestamp,
        /// The last id read.
        after_id: Option<HubSpotId>,
    },
}

/// Where a search pass stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchScan {
    /// The pass's lower bound: the previous pass's high-water mark minus the lookback.
    pub since: Timestamp,
    /// The query of the next page.
    pub window: Window,
    /// Pages read in this pass (positions order by it).
    pub pages: u32,
    /// The latest modification time seen in this pass (or before it).
    pub high_water: Timestamp,
}

impl SearchScan {
    /// A pass reading everything modified at or after `since`.
    pub fn starting(since: Timestamp, high_water: Timestamp) -> Self {
        SearchScan {
            since,
            window: Window::From { at: since },
            pages: 0,
            high_water,
        }
    }
}

/// The contacts or deals stream's position.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case", deny_unknown_fields)]
pub enum ObjectCursor {
    /// Reading every record through the list endpoint.
    Listing {
        /// The pass.
        pass: u64,
        /// The next page's `after`.
        after: Option<String>,
        /// Pages read.
        pages: u64,
        /// Where incremental reads continue once the list is read: the newest modification
        /// time when the list started (changes made while listing are read after it).
        resume_from: Timestamp,
    },
    /// Reading changes through search.
    Searching {
        /// The pass.
        pass: u64,
        /// Where the pass stands.
        scan: SearchScan,
    },
    /// Caught up.
    Idle {
        /// The last pass.
        pass: u64,
        /// The latest modification time read; the next pass starts at it minus the lookback.
        high_water: Timestamp,
    },
}

impl ObjectCursor {
    fn order(&self) -> (u64, u8, u64, u64) {
        match self {
            ObjectCursor::Listing { pass, pages, .. } => (*pass, 0, *pages, 0),
            ObjectCursor::Searching { pass, scan } => (*pass, 1, u64::from(scan.pages), 0),
            ObjectCursor::Idle { pass, .. } => (*pass, 2, 0, 0),
        }
    }

    /// The pass number.
    pub fn pass(&self) -> u64 {
        self.order().0
    }
}

impl Checkpoint for ObjectCursor {
    const VERSION: u32 = 1;

    fn is_at_or_after(&self, previous: &Self) -> bool {
        self.order() >= previous.order()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn positions_grow_through_a_pass_and_across_passes() {
        let listing = ObjectCursor::Listing {
            pass: 1,
            after: Some("x".into()),
            pages: 3,
            resume_from: t("2025-01-01T00:00:00Z"),
        };
        let idle = ObjectCursor::Idle {
            pass: 1,
            high_water: t("2025-01-01T00:00:00Z"),
        };
        let mut scan = SearchScan::starting(t("2024-12-31T23:55:00Z"), t("2025-01-01T00:00:00Z"));
        let searching = ObjectCursor::Searching {
            pass: 2,
            scan: scan.clone(),
        };
        scan.window = Window::From {
            at: t("2025-01-01T00:00:00Z"),
        };
        scan.pages += 1;
        let later = ObjectCursor::Searching { pass: 2, scan };
        assert!(idle.is_at_or_after(&listing) && !listing.is_at_or_after(&idle));
        assert!(searching.is_at_or_after(&idle) && later.is_at_or_after(&searching));
        assert!(!searching.is_at_or_after(&later));
    }

    #[test]
    fn cursors_round_trip_and_refuse_unknown_fields() {
        let mut scan = SearchScan::starting(t("2025-01-01T00:00:00Z"), t("2025-01-01T00:00:00Z"));
        scan.window = Window::Ties {
            at: t("2025-01-01T00:00:00Z"),
            after_id: Some(HubSpotId::parse("17").unwrap()),
        };
        let cursor = ObjectCursor::Searching { pass: 4, scan };
        let json = serde_json::to_value(&cursor).unwrap();
        assert_eq!(json["state"], "searching");
        assert_eq!(serde_json::from_value::<ObjectCursor>(json.clone()).unwrap(), cursor);
        let mut extra = json;
        extra["surprise"] = serde_json::json!(1);
        assert!(serde_json::from_value::<ObjectCursor>(extra).is_err());
    }
}
