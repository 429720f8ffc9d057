//! Local simulators of the HubSpot and Salesforce APIs, faithful to `../shared/api-contracts.md`.
//!
//! They are part of the product: `closedloop sim` serves them for users to try a config without
//! credentials, `closedloop demo` runs on them, and every integration test and benchmark talks to them.
//!
//! # Layout
//! - [`scenario`]: the JSON world format both simulators load.
//! - [`generator`]: deterministic generation of realistic scenarios of any size.
//! - [`faults`]: fault injection middleware and request counters (`/__sim/faults`, `/__sim/stats`).
//! - [`hubspot`]: the HubSpot simulator (CRM v3, search, batch, properties, pipelines, owners,
//!   associations v4, events, marketing events, forms, campaigns, OAuth).
//! - [`salesforce`]: the Salesforce simulator (OAuth, SOQL query/queryAll, sObjects, collections,
//!   deleted/updated, limits).

pub mod faults;
pub mod generator;
pub mod hubspot;
pub mod salesforce;
pub mod scenario;

pub use faults::{FaultConfig, FaultKind, Stats};
pub use scenario::Scenario;
