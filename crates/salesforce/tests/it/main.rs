//! Integration tests of the Salesforce connector against the in-process simulator: one binary,
//! a module per area.

mod support;

mod pull;
