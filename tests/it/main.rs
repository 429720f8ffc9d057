//! The integration-test binary: one module per area. Each module starts what it needs (simulators
//! on 127.0.0.1:0, a temporary SQLite file) and talks to nothing beyond loopback.

mod daemon_process;
mod e2e_loop;
mod fuzz_parsers;
mod report_browser;
mod resilience_disk;
mod resilience_hostile;
mod resilience_kill;
mod resilience_quota;
mod resilience_storm;
mod sdk_hubspot;
mod sdk_salesforce;
mod webhook_signature;
