//! The streams: one file per stream, plus the windowed search and the lookups they share.
//!
//! Holds no state of its own: each stream is a handle on the connector's [`crate::connector::Shared`],
//! plus, for streams that walk a list of forms or events, that list for the pass in progress.
//! Each `next_page` makes the calls for one page, converts what it read, and returns the page
//! with the cursor after it; nothing is remembered between calls that the cursor does not hold,
//! so a stream resumes from any stored cursor.

mod archived;
mod catalog;
mod email_events;
mod form_submissions;
pub(crate) mod lookup;
mod marketing_events;
mod objects;
pub(crate) mod search;
mod web_events;

pub use archived::ArchivedStream;
pub use catalog::CatalogStream;
pub use email_events::EmailEventsStream;
pub use form_submissions::FormSubmissionsStream;
pub use marketing_events::MarketingEventsStream;
pub use objects::{ContactsStream, DealsStream};
pub use web_events::WebEventsStream;

use closedloop_core::cursor::StreamName;

/// A stream's name; the names used here are valid by construction.
pub(crate) fn stream_name(name: &'static str) -> StreamName {
    StreamName::new(name).unwrap_or_else(|_| unreachable!("{name} is a valid stream name"))
}
