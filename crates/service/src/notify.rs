//! systemd notification: READY, STATUS, WATCHDOG, STOPPING.
//!
//! Holds no state. Every call is a no-op when the process is not run by systemd (no
//! `NOTIFY_SOCKET`), and a failure to notify is logged, never fatal.

use sd_notify::NotifyState;
use std::time::Duration;

fn send(states: &[NotifyState<'_>]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::debug!(error = %e, "systemd notification failed");
    }
}

/// Start-up is done: migrations ran, config and secrets are valid, connectors are built.
pub fn ready(status: &str) {
    send(&[NotifyState::Ready, NotifyState::Status(status)]);
}

/// A one-line summary shown by `systemctl status`.
pub fn status(line: &str) {
    send(&[NotifyState::Status(line)]);
}

/// The engine loop is alive. Called from the loop itself, so a stuck loop stops pinging.
pub fn watchdog() {
    send(&[NotifyState::Watchdog]);
}

/// Shutdown began.
pub fn stopping() {
    send(&[NotifyState::Stopping, NotifyState::Status("stopping at a safe point")]);
}

/// How often the loop must wake to ping: half of `WatchdogSec=` when systemd sets it, else `fallback`.
pub fn tick_interval(fallback: Duration) -> Duration {
    match sd_notify::watchdog_enabled() {
        Some(timeout) => (timeout / 2).max(Duration::from_secs(1)),
        None => fallback,
    }
}
