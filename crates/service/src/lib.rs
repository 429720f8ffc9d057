//! closedloop as a service: everything an operator installs and lives with around the engine.
//!
//! # Layout
//! - [`webhook`]: HubSpot signature v3 verification and delivery parsing.

#![warn(missing_docs)]

pub mod webhook;
