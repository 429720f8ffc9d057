//! closedloop's HubSpot connector: incremental pulls of contacts, engagement, deals and reference
//! data, batched writes of contact properties, and the connection probe.
//!
//! Holds no global state. A [`HubSpotConnector`] owns one account's outbound client (quotas, token
//! refresh, retries: every call goes through `closedloop-outbound`) and the small caches its
//! streams share (pipelines, the campaign index, known contact properties). Each stream is a
//! [`closedloop_core::sync::PullStream`] with its own typed, versioned cursor; the engine drives
//! them and commits each page with its cursor.
//!
//! # Use
//!
//! ```no_run
//! # async fn run(config: &closedloop_config::HubSpotConfig) -> Result<(), Box<dyn std::error::Error>> {
//! use closedloop_hubspot::{ContactFields, Credentials, HubSpotConnector};
//! let credentials = Credentials::resolve(&config.auth, std::path::Path::new("/etc/closedloop"))?;
//! let fields = ContactFields::new(vec!["country".into()], vec![]);
//! let hubspot = HubSpotConnector::new(config, credentials, fields)?;
//! let contacts = hubspot.contacts(); // hubspot.contacts, a PullStream
//! let report = hubspot.probe().await; // what check-config --probe prints
//! println!("{report}");
//! # let _ = contacts; Ok(()) }
//! ```
//!
//! # Streams
//!
//! | stream | reads | cursor |
//! |---|---|---|
//! | `hubspot.contacts` | list on first run and backfill, then search by `lastmodifieddate`, one query per page (never near the 10,000-result cap) | [`ObjectCursor`] |
//! | `hubspot.contacts_archived` | `archived=true` list: deleted contacts | [`ArchivedCursor`] |
//! | `hubspot.deals` | as contacts, by `hs_lastmodifieddate`, with stage history and contact associations | [`ObjectCursor`] |
//! | `hubspot.deals_archived` | `archived=true` list: deleted deals | [`ArchivedCursor`] |
//! | `hubspot.form_submissions` | each form's submissions, newest first, down to the form's watermark | [`FormsCursor`] |
//! | `hubspot.marketing_events` | participations of events that changed | [`MarketingEventsCursor`] |
//! | `hubspot.web_events` | Events API page views and CTA clicks, by `occurredAt` | [`WebEventsCursor`] |
//! | `hubspot.email_events` | legacy email events, clicks and opens | [`EmailEventsCursor`] |
//! | `hubspot.catalog` | owners, pipelines, campaigns, forms and events as content | [`CatalogCursor`] |
//!
//! # Layout
//! - [`connector`]: [`HubSpotConnector`], the handle the engine builds from config.
//! - [`settings`]: [`Credentials`], [`ContactFields`], [`Tuning`] and the settings derived from config.
//! - [`client`]: the outbound client (quotas per tier, OAuth refresh) and one `Endpoint` per kind of call.
//! - `wire`: serde structs of HubSpot's JSON, private to the crate.
//! - [`convert`]: wire → core records, quarantining what does not convert.
//! - [`cursor`]: the streams' cursor types.
//! - [`streams`]: one file per stream, plus the windowed search and the lookups they share.
//! - [`properties`]: creating the custom contact properties pushes need.
//! - [`push`]: [`ContactPush`], the `PushTarget` writing contact properties through `batch/update`.
//! - [`probe`]: [`ProbeReport`] for `check-config --probe`.
//! - [`error`]: [`HubSpotError`] and its `SyncError` disposition.
//!
//! **Invariants.** Every HTTP call goes through the account's one `OutboundClient`. A cursor only
//! moves forward: each carries a pass number, and positions inside a pass only grow. Records are
//! keyed by HubSpot's own ids (touchpoints by their source event id), so a re-read stores nothing twice.

#![warn(missing_docs)]

pub mod client;
pub mod connector;
pub mod convert;
pub mod cursor;
pub mod error;
pub mod probe;
pub mod properties;
pub mod push;
pub mod settings;
pub mod streams;
mod wire;

pub use connector::HubSpotConnector;
pub use cursor::{
    ArchivedCursor, CatalogCursor, EmailEventsCursor, FormsCursor, MarketingEventsCursor, ObjectCursor, WebEventsCursor,
};
pub use error::HubSpotError;
pub use probe::{ProbeCheck, ProbeReport, ProbeStatus};
pub use push::ContactPush;
pub use settings::{ContactFields, Credentials, Tuning, WriteField};
pub use streams::{
    ArchivedStream, CatalogStream, ContactsStream, DealsStream, EmailEventsStream, FormSubmissionsStream,
    MarketingEventsStream, WebEventsStream,
};
