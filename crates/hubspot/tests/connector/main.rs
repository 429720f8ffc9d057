//! The HubSpot connector against the HubSpot simulator: one test binary, one module per area.
//!
//! Every test starts its own simulator on 127.0.0.1:0 from a scenario, drives the connector's
//! streams with the engine's page loop into a temporary store, and checks what the store holds
//! against what the simulator holds.

mod support;

mod contacts;
mod deals;
mod engagement;
mod faults;
mod measure;
mod probe;
mod push;
mod quota;
mod resume;
