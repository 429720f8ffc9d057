//! Running closedloop's own commands as child processes and reading what they did.
//!
//! Holds no state. Each command runs with warnings-only logs (to a file); its cycle report is
//! read back from the run log with `closedloop status --json`, so the figures are the ones
//! closedloop itself recorded.

use crate::child::{self, Measured};
use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The closedloop binary.
#[derive(Debug, Clone)]
pub struct Closedloop {
    /// Its path.
    pub exe: PathBuf,
}

/// What a cycle report says, in the figures the benchmark shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct CycleFigures {
    /// Records pulled (written and unchanged).
    pub records_pulled: u64,
    /// Records pulled per stream.
    pub per_stream: BTreeMap<String, u64>,
    /// Streams that failed.
    pub streams_failed: u64,
    /// People reconciled.
    pub people_reconciled: u64,
    /// Reconcile and attribution time (identity + load + compute + persist), seconds.
    pub reconcile_secs: f64,
    /// The phases.
    pub reconcile_phases: Value,
    /// Push API calls (batches sent), all targets.
    pub push_calls: u64,
    /// Records written by pushes.
    pub push_written: u64,
    /// Records created by pushes.
    pub push_created: u64,
    /// The cycle's wall time as closedloop measured it, seconds.
    pub cycle_secs: f64,
    /// Errors the cycle recorded.
    pub errors: Vec<String>,
}

impl CycleFigures {
    /// Reads the figures out of a recorded cycle report.
    pub fn from_report(report: &Value) -> CycleFigures {
        let mut f = CycleFigures::default();
        for s in report["streams"].as_array().map(Vec::as_slice).unwrap_or_default() {
            // `StreamResult` is tagged by `result`: `pulled` or `failed`.
            match s["result"].as_str() {
                Some("pulled") => {
                    let n = s["written"].as_u64().unwrap_or(0) + s["unchanged"].as_u64().unwrap_or(0);
                    f.records_pulled += n;
                    *f.per_stream
                        .entry(s["stream"].as_str().unwrap_or("?").to_owned())
                        .or_default() += n;
                }
                _ => {
                    f.streams_failed += 1;
                    f.errors.push(format!(
                        "{}: {}",
                        s["stream"].as_str().unwrap_or("?"),
                        s["error"].as_str().unwrap_or("?")
                    ));
                }
            }
        }
        let reconcile = &report["reconcile"];
        f.people_reconciled = reconcile["people"].as_u64().unwrap_or(0);
        let timings = &reconcile["detail"]["timings"];
        f.reconcile_secs = ["identity", "load", "compute", "persist"]
            .iter()
            .filter_map(|k| timings[k].as_f64())
            .sum();
        f.reconcile_phases = timings.clone();
        for p in report["pushes"].as_array().map(Vec::as_slice).unwrap_or_default() {
            f.push_calls += p["calls"].as_u64().unwrap_or(0);
            f.push_written += p["written"].as_u64().unwrap_or(0);
            f.push_created += p["created"].as_u64().unwrap_or(0);
        }
        f.cycle_secs = report["seconds"].as_f64().unwrap_or(0.0);
        for e in report["errors"].as_array().map(Vec::as_slice).unwrap_or_default() {
            f.errors.push(e.as_str().unwrap_or_default().to_owned());
        }
        f
    }
}

impl Closedloop {
    fn command(&self, args: &[&str], config: &Path, log: &Path) -> anyhow::Result<Command> {
        let mut c = Command::new(&self.exe);
        c.args(args)
            .arg("--config")
            .arg(config)
            .env("CLOSEDLOOP_LOG", "warn")
            .env("CLOSEDLOOP_LOG_FORMAT", "text")
            .stdin(Stdio::null())
            .stderr(std::fs::File::create(log).with_context(|| format!("create {}", log.display()))?);
        Ok(c)
    }

    /// Runs `closedloop <args> --config <config>` and measures it; fails on a non-zero exit.
    pub async fn measure(&self, args: &[&str], config: &Path, log: &Path) -> anyhow::Result<Measured> {
        let command = self.command(args, config, log)?;
        let measured = tokio::task::spawn_blocking(move || child::run(command, |_| {})).await??;
        if measured.exit_code != 0 {
            bail!(
                "closedloop {} exited with {} (log: {})",
                args.join(" "),
                measured.exit_code,
                log.display()
            );
        }
        Ok(measured)
    }

    /// The newest cycle report in the run log, with the database's path.
    pub async fn last_report(&self, config: &Path) -> anyhow::Result<(Value, PathBuf)> {
        let output = tokio::process::Command::new(&self.exe)
            .args(["status", "--json", "--limit", "1", "--config"])
            .arg(config)
            .env("CLOSEDLOOP_LOG", "warn")
            .output()
            .await
            .context("run closedloop status")?;
        if !output.status.success() {
            bail!("closedloop status: {}", String::from_utf8_lossy(&output.stderr));
        }
        let status: Value = serde_json::from_slice(&output.stdout).context("parse closedloop status --json")?;
        let report = status["status"]["recent_runs"][0]["summary"].clone();
        if report.is_null() {
            return Err(anyhow!("the run log of {} is empty", config.display()));
        }
        let db = PathBuf::from(status["database"].as_str().unwrap_or_default());
        Ok((report, db))
    }
}

/// Bytes of a SQLite database with its WAL and shared-memory files.
pub fn database_bytes(db: &Path) -> u64 {
    ["", "-wal", "-shm"]
        .iter()
        .filter_map(|suffix| {
            let mut p = db.as_os_str().to_owned();
            p.push(suffix);
            std::fs::metadata(PathBuf::from(p)).ok()
        })
        .map(|m| m.len())
        .sum()
}
