//! Integration tests of the Salesforce connector against the in-process simulator: one binary,
//! a module per area.

mod support;

mod auth_quota;
mod calls;

mod conversion;
mod deletions;
mod escaping;
mod history;
mod probe;
mod pull;
mod push;
mod resume;
mod world;
