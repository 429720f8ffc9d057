//! What the sync commands share: loading a config that can start, signals, error mapping.

use crate::exit::{CONFIG, ExitError, FAILURE, QUOTA};
use anyhow::anyhow;
use closedloop_config::LoadedConfig;
use closedloop_engine::CycleReport;
use closedloop_engine::cycle::StreamResult;
use closedloop_service::ServiceError;
use std::path::Path;
use tokio_util::sync::CancellationToken;

/// Loads and validates the config and reads every secret: exit 3 naming the field otherwise.
pub fn load_startable(path: &Path) -> Result<LoadedConfig, ExitError> {
    let loaded = closedloop_config::load(path).map_err(|e| ExitError::new(CONFIG, e))?;
    let problems = loaded.check_secrets();
    if !problems.is_empty() {
        let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
        return Err(ExitError::new(
            CONFIG,
            anyhow!("{}: secrets missing:\n{}", path.display(), list.join("\n")),
        ));
    }
    Ok(loaded)
}

/// Maps a service error to its exit code.
pub fn service_error(e: ServiceError) -> ExitError {
    match e {
        ServiceError::Config(_) => ExitError::new(CONFIG, e),
        other => ExitError::new(FAILURE, other),
    }
}

/// A token cancelled by SIGINT or SIGTERM (work stops at its next safe point).
pub fn cancel_on_signal() -> CancellationToken {
    let cancel = CancellationToken::new();
    let token = cancel.clone();
    tokio::spawn(async move {
        closedloop_service::daemon::shutdown_signal().await;
        tracing::warn!("signal received: stopping at the next safe point (run the same command again to continue)");
        token.cancel();
    });
    cancel
}

/// The exit status a finished cycle deserves: 0, 4 when the only failures were spent quotas, 1 otherwise.
pub fn cycle_result(report: &CycleReport, what: &str) -> Result<(), ExitError> {
    let failures: Vec<String> = report
        .streams
        .iter()
        .filter_map(|s| match s {
            StreamResult::Failed { stream, error, kind } => Some(format!("{stream} ({kind}): {error}")),
            StreamResult::Pulled(_) => None,
        })
        .chain(report.quota_exhausted.iter().map(|e| format!("{e} (quota_exhausted)")))
        .chain(report.errors.iter().cloned())
        .collect();
    if failures.is_empty() {
        return Ok(());
    }
    let only_quota = report.errors.is_empty()
        && report
            .streams
            .iter()
            .all(|s| !matches!(s, StreamResult::Failed { kind, .. } if kind != "quota_exhausted"));
    let code = if only_quota { QUOTA } else { FAILURE };
    Err(ExitError::new(
        code,
        anyhow!("{what} finished with errors:\n  - {}", failures.join("\n  - ")),
    ))
}
