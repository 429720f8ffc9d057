//! The `[store]`, `[service]`, `[sync]` and `[report]` sections.
//!
//! Holds no state.

use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// Where the SQLite database lives.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreConfig {
    /// The database file. A relative path is relative to `$STATE_DIRECTORY` when systemd sets it,
    /// else to the config file's directory.
    #[serde(default = "default_db_path")]
    pub path: PathBuf,
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: default_db_path(),
        }
    }
}

fn default_db_path() -> PathBuf {
    PathBuf::from("closedloop.db")
}

/// The daemon's HTTP listener: health, metrics, the report, webhooks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServiceConfig {
    /// Address to listen on. Loopback by default: expose it deliberately.
    #[serde(default = "default_listen_addr")]
    pub listen_addr: String,
    /// Seconds a shutdown may take to reach a safe point before the process exits anyway.
    #[serde(default = "default_shutdown_grace_secs")]
    pub shutdown_grace_secs: u64,
    /// Seconds between systemd watchdog pings (when the unit sets `WatchdogSec=`, its half is used).
    #[serde(default = "default_watchdog_secs")]
    pub watchdog_secs: u64,
}

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            listen_addr: default_listen_addr(),
            shutdown_grace_secs: default_shutdown_grace_secs(),
            watchdog_secs: default_watchdog_secs(),
        }
    }
}

fn default_listen_addr() -> String {
    "127.0.0.1:9464".into()
}
fn default_shutdown_grace_secs() -> u64 {
    30
}
fn default_watchdog_secs() -> u64 {
    30
}

/// How pushes behave. (Which system is the CRM is `reconcile.systems.crm`.)
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SyncConfig {
    /// Seconds between push passes over the outbox.
    #[serde(default = "default_push_interval_secs")]
    pub push_interval_secs: u64,
    /// Attempts before a failing write becomes a dead letter.
    #[serde(default = "default_push_max_attempts")]
    pub push_max_attempts: u32,
    /// Seconds before a failed write is retried; doubled on each attempt.
    #[serde(default = "default_push_retry_secs")]
    pub push_retry_secs: u64,
    /// Compute and record what would be pushed, but push nothing.
    #[serde(default)]
    pub dry_run: bool,
}

impl Default for SyncConfig {
    fn default() -> Self {
        SyncConfig {
            push_interval_secs: default_push_interval_secs(),
            push_max_attempts: default_push_max_attempts(),
            push_retry_secs: default_push_retry_secs(),
            dry_run: false,
        }
    }
}

fn default_push_interval_secs() -> u64 {
    60
}
fn default_push_max_attempts() -> u32 {
    5
}
fn default_push_retry_secs() -> u64 {
    300
}

/// Targets and defaults of the closed-loop report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportConfig {
    /// MQLs marketing promised per month (the SLA's marketing side).
    #[serde(default)]
    pub mql_target_per_month: Option<u32>,
    /// The attribution model shown unless `--model` says otherwise.
    #[serde(default = "default_model")]
    pub default_model: String,
    /// How many campaigns the all-models comparison shows.
    #[serde(default = "default_top_campaigns")]
    pub top_campaigns: u32,
}

impl Default for ReportConfig {
    fn default() -> Self {
        ReportConfig {
            mql_target_per_month: None,
            default_model: default_model(),
            top_campaigns: default_top_campaigns(),
        }
    }
}

fn default_model() -> String {
    "w_shaped".into()
}
fn default_top_campaigns() -> u32 {
    10
}
