//! The streams' cursors: typed, versioned positions that only move forward.
//!
//! Holds no state (the store persists cursors). Every cursor carries a `pass` number: a pass is
//! one read of a stream from its previous high-water mark (minus the lookback) up to now, or one
//! full list. A new pass always has a higher number, and positions inside a pass only grow, so
//! re-reading an overlap for late-indexed records never moves a cursor backwards.
//!
//! | cursor | stream(s) | position order |
//! |---|---|---|
//! | [`ObjectCursor`] | contacts, deals | pass, then listing < searching < idle, then pages or windows |
//! | [`ArchivedCursor`] | archived contacts and deals | pass, then scanning < idle, then pages |
//! | [`FormsCursor`] | form submissions | pass, then form (in GUID order), then pages; a finished pass last |
//! | [`MarketingEventsCursor`] | marketing events | pass, then event (in id order), then pages |
//! | [`WebEventsCursor`] | web events | pass, then event type, then pages |
//! | [`EmailEventsCursor`] | email events | pass, then event type, then pages |
//! | [`CatalogCursor`] | catalog | pass, then step, then pages |

mod archived;
mod catalog;
mod forms;
mod marketing_events;
mod objects;
mod timeline;

pub use archived::ArchivedCursor;
pub use catalog::{CatalogCursor, CatalogStep};
pub use forms::{FormScan, FormsCursor};
pub use marketing_events::{EventScan, MarketingEventsCursor};
pub use objects::{ObjectCursor, SearchScan, Window};
pub use timeline::{EmailEventsCursor, TimelineScan, WebEventsCursor};

use closedloop_core::Timestamp;
use serde::{Deserialize, Serialize};

/// A `backfill` range a pass was started with, kept so a killed backfill resumes with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    /// The start.
    pub since: Timestamp,
    /// The end.
    pub until: Timestamp,
}

impl Range {
    /// True when `at` lies in the range.
    pub fn contains(&self, at: Timestamp) -> bool {
        self.since <= at && at <= self.until
    }
}
