//! closedloop's domain model and pure logic. No I/O: no network, no SQL, no files, no clock reads
//! except where a caller passes the time in.
//!
//! # Layout
//! - [`system`]: the external systems and object types: the first parts of every key.
//! - [`ids`]: `PersonId` and one validated newtype per system's ids; `ExternalId` keys.
//! - [`email`]: validated, normalised email addresses (the identity key).
//! - [`money`]: amounts in cents with a currency.
//! - [`stage`]: lifecycle stage, lead status, deal status.
//! - [`touchpoint`]: marketing touchpoints, channels, content keys and engagement depth.
//! - [`records`]: the person records of each system (marketing contact, CRM lead, CRM contact).
//! - [`deal`]: deals and stage changes.
//! - [`activity`]: sales activities (the first sales contact).
//! - [`catalog`]: campaigns, content assets, owners, pipelines.
//! - [`cursor`]: stream names and the `Checkpoint` contract for cursors that only move forward.
//! - [`page`]: what one page of a pull hands to the store.
//! - [`hash`]: content hashes of raw payloads.
//! - [`secret`]: a string that never prints (tokens).
//! - [`sync`]: the connector/engine contract: `PullStream` pages, `PushTarget` batches.
//!
//! Reconcile (pure logic over the types above; the engine feeds it from the store):
//! - [`rules`]: the `[reconcile]` config: identity, stage, attribution, mapping and gate rules.
//! - [`identity`]: records into people, primary record per system, duplicates, re-link plans.
//! - [`timeline`]: one person's events in order; milestones, speed to lead, SLA, owner side.
//! - [`attribution`]: the models, and exact credit per touch for milestones, pipeline, revenue.
//! - [`fields`]: derived values, formatting per target, ownership rules, the echo-free diff.
//! - [`gate`]: who is pushed to the CRM, and when a Lead is created.
//! - [`reconcile`]: all of it for one person in one call.
//!
//! Report:
//! - [`stats`]: rates, medians, nearest-rank percentiles and histograms over the store's value lists.

#![warn(missing_docs)]

pub mod activity;
pub mod attribution;
pub mod catalog;
pub mod cursor;
pub mod deal;
pub mod email;
pub mod fields;
pub mod gate;
pub mod hash;
pub mod identity;
pub mod ids;
pub mod money;
pub mod page;
pub mod reconcile;
pub mod records;
pub mod rules;
pub mod secret;
pub mod stage;
pub mod stats;
pub mod sync;
pub mod system;
pub mod timeline;
pub mod touchpoint;

/// An instant in UTC. All timestamps in closedloop are UTC; vendors' local times are converted at the edge.
pub type Timestamp = chrono::DateTime<chrono::Utc>;

pub use email::Email;
pub use ids::{ExternalId, HubSpotId, PersonId, SalesforceId};
pub use system::{ObjectType, System};
