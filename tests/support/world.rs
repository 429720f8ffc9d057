//! A test world: both simulators for one scenario, a temporary directory with a closedloop
//! config pointing at them, and the means to run closedloop against it — in process (an
//! [`Engine`]) or as the real binary in a child process — and to capture the final state of the
//! store and of both simulators for comparing two runs.
//!
//! State: the running simulators and the temporary directory (config, secrets, database, logs);
//! all of it goes away with the [`World`].

use crate::snapshot::Snapshot;
use closedloop_core::sync::PullMode;
use closedloop_engine::pull::NoObserver;
use closedloop_engine::{CycleReport, Engine};
use closedloop_service::assemble::assemble;
use closedloop_service::reconcile_step::RulesReconcile;
use closedloop_service::sim_config::{self, SimEndpoints};
use closedloop_sim::Scenario;
use closedloop_sim::hubspot::HubSpotServer;
use closedloop_sim::salesforce::SalesforceServer;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::OnceLock;
use tokio_util::sync::CancellationToken;

/// Both simulators for one scenario and a config pointing at them.
pub struct World {
    /// The scenario both simulators loaded.
    pub scenario: Scenario,
    /// The HubSpot simulator.
    pub hubspot: HubSpotServer,
    /// The Salesforce simulator.
    pub salesforce: SalesforceServer,
    /// The config file (the database and logs live beside it).
    pub config: PathBuf,
    dir: tempfile::TempDir,
}

impl World {
    /// Starts both simulators on 127.0.0.1:0 and writes the config the simulators' `sim_config`
    /// writer produces, with `listen_addr` 127.0.0.1:0.
    pub async fn start(scenario: Scenario) -> World {
        // Build (or find) the binary first, so no test measures the build.
        tokio::task::spawn_blocking(closedloop_bin)
            .await
            .expect("locate the closedloop binary");
        let hubspot = closedloop_sim::hubspot::start(&scenario, "127.0.0.1:0".parse().expect("address"))
            .await
            .expect("start the HubSpot simulator");
        let salesforce = closedloop_sim::salesforce::start(&scenario, "127.0.0.1:0".parse().expect("address"), None)
            .await
            .expect("start the Salesforce simulator");
        let dir = tempfile::tempdir().expect("temporary directory");
        let config = dir.path().join("closedloop.toml");
        let endpoints = SimEndpoints {
            hubspot_url: hubspot.base_url(),
            salesforce_url: salesforce.base_url().to_owned(),
        };
        sim_config::write(&config, &endpoints, &scenario, "127.0.0.1:0").expect("write the config");
        World {
            scenario,
            hubspot,
            salesforce,
            config,
            dir,
        }
    }

    /// A generated world (`contacts=…,seed=…`, the simulator's generator spec).
    pub async fn generated(spec: &str) -> World {
        let spec = closedloop_sim::generator::GenerateSpec::parse(spec).expect("a valid generator spec");
        World::start(closedloop_sim::generator::generate(&spec)).await
    }

    /// The temporary directory holding the config, the database and the logs.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The SQLite database the config names.
    pub fn database(&self) -> PathBuf {
        self.dir.path().join("closedloop.db")
    }

    /// Rewrites the config text (e.g. shorter intervals).
    pub fn edit_config(&self, edit: impl FnOnce(String) -> String) {
        let text = std::fs::read_to_string(&self.config).expect("read the config");
        std::fs::write(&self.config, edit(text)).expect("write the config");
    }

    /// Settings for fast tests: 1-second stream intervals and push retries, 1-second request
    /// timeouts (so a hung request costs a second, not thirty), and the given shutdown grace.
    pub fn make_fast(&self, grace_secs: u64) {
        self.edit_config(|text| {
            let text = text
                .replace("interval_secs = 10\n", "interval_secs = 1\n")
                .replace("interval_secs = 30\n", "interval_secs = 1\n")
                .replace("push_retry_secs = 10\n", "push_retry_secs = 1\n")
                .replace(
                    "listen_addr = \"127.0.0.1:0\"\n",
                    &format!("listen_addr = \"127.0.0.1:0\"\nshutdown_grace_secs = {grace_secs}\nwatchdog_secs = 1\n"),
                )
                .replace(
                    "tier = \"professional\"\n",
                    "tier = \"professional\"\nrequest_timeout_secs = 1\nconnect_timeout_secs = 1\n",
                );
            text.replace(
                "close_reason_field = \"Loss_Reason__c\"\n",
                "close_reason_field = \"Loss_Reason__c\"\nrequest_timeout_secs = 1\nconnect_timeout_secs = 1\n",
            )
        });
    }

    /// The engine the config describes, in this process.
    pub async fn engine(&self) -> Engine {
        let loaded = closedloop_config::load(&self.config).expect("load the config");
        let reconcile = Box::new(RulesReconcile {
            rules: loaded.config.reconcile.clone(),
        });
        assemble(&loaded, reconcile).await.expect("assemble the engine").engine
    }

    /// Runs in-process cycles until one pulls and pushes without error and neither queues nor
    /// writes anything (the loop has settled); returns the cycles run. Panics after `max` cycles.
    pub async fn settle_in_process(&self, mode: PullMode, max: usize) -> Vec<CycleReport> {
        let mut engine = self.engine().await;
        let cancel = CancellationToken::new();
        let mut reports = Vec::new();
        let mut mode = mode;
        for _ in 0..max {
            let report = engine.run_once(mode, &cancel, &NoObserver).await;
            mode = PullMode::Incremental;
            let settled = is_settled(&report);
            reports.push(report);
            if settled {
                engine.store.close().await;
                return reports;
            }
        }
        engine.store.close().await;
        panic!("the loop did not settle in {max} cycles: {:#?}", reports.last());
    }

    /// A `closedloop` command for this world: `args` then `--config <config>`, run in the world's
    /// directory, logging to stderr at `info`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(closedloop_bin());
        cmd.args(args)
            .arg("--config")
            .arg(&self.config)
            .current_dir(self.dir.path())
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .env_remove("NOTIFY_SOCKET")
            .stdin(Stdio::null());
        cmd
    }

    /// Runs a `closedloop` command to its end and returns its output (without blocking the
    /// runtime the simulators serve on).
    pub async fn run(&self, args: &[&str]) -> Output {
        tokio::process::Command::from(self.command(args))
            .output()
            .await
            .expect("run closedloop")
    }

    /// Starts a `closedloop` command in the background, its output appended to `log` in the
    /// world's directory.
    pub fn spawn(&self, args: &[&str], log: &str) -> Child {
        let out = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.path().join(log))
            .expect("open the log file");
        let err = out.try_clone().expect("clone the log file");
        self.command(args)
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("start closedloop")
    }

    /// The text of a log file written by [`World::spawn`], without terminal colour codes.
    pub fn log(&self, log: &str) -> String {
        let text = std::fs::read_to_string(self.dir.path().join(log)).unwrap_or_default();
        strip_ansi(&text)
    }

    /// Runs `closedloop run --once` until a cycle pushes nothing and reconciles nobody; panics
    /// (with the output) when a cycle fails or the loop has not settled after `max` cycles.
    pub async fn settle_with_binary(&self, max: usize) -> usize {
        for cycle in 1..=max {
            let out = self.run(&["run", "--once"]).await;
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert!(
                out.status.success(),
                "run --once failed ({:?}):\n{stdout}\n{}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr)
            );
            if stdout.contains("reconciled 0 people, pushed 0 writes") {
                return cycle;
            }
        }
        panic!("the loop did not settle in {max} cycles of `run --once`");
    }

    /// The final state of the store and both simulators.
    pub async fn snapshot(&self) -> Snapshot {
        Snapshot::capture(self).await
    }

    /// Stops both simulators.
    pub async fn shutdown(self) {
        self.hubspot.shutdown().await;
        self.salesforce.shutdown().await;
    }
}

/// `text` without ANSI escape sequences (`ESC [ … letter`).
pub fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' && chars.peek() == Some(&'[') {
            for d in chars.by_ref() {
                if d.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// A cycle after which nothing is left to do: no error, nothing queued, nothing written.
pub fn is_settled(report: &CycleReport) -> bool {
    let enqueued = report.reconcile.as_ref().map(|r| r.enqueued).unwrap_or(0);
    let people = report.reconcile.as_ref().map(|r| r.people).unwrap_or(0);
    let pushed: u64 = report.pushes.iter().map(|p| p.written + p.created + p.retrying).sum();
    !report.has_errors() && enqueued == 0 && people == 0 && pushed == 0
}

/// The `closedloop` binary of this build.
///
/// `cargo test --workspace` builds it before any test runs (the `closedloop` package has
/// integration tests, so cargo builds its binary into the same target directory, next to this
/// test binary's `deps/`). That binary is used when it is newer than every source file of the
/// workspace. Otherwise (only this crate was built, or a source changed since) this runs
/// `cargo build -p closedloop` once per test process, into that same target directory, so a stale
/// binary is never tested. `CLOSEDLOOP_BIN` overrides both.
pub fn closedloop_bin() -> PathBuf {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(path) = std::env::var_os("CLOSEDLOOP_BIN") {
            return PathBuf::from(path);
        }
        // The test binary is <target>/<profile>/deps/it-<hash>.
        let exe = std::env::current_exe().expect("the test binary's path");
        let profile_dir = exe
            .parent()
            .and_then(Path::parent)
            .expect("the test binary lives in <target>/<profile>/deps");
        let target_dir = profile_dir.parent().expect("the profile directory has a parent");
        let bin = profile_dir.join("closedloop");
        let root = crate::python::workspace_root();
        let built = std::fs::metadata(&bin).and_then(|m| m.modified()).ok();
        if built.is_some_and(|b| newest_source(&root).is_some_and(|s| s <= b)) {
            return bin;
        }
        let mut build = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
        build
            .args(["build", "--quiet", "-p", "closedloop", "--bin", "closedloop"])
            .env("CARGO_TARGET_DIR", target_dir)
            .current_dir(&root);
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("run cargo build -p closedloop");
        assert!(status.success(), "cargo build -p closedloop failed");
        assert!(bin.exists(), "{} is missing after the build", bin.display());
        bin
    })
    .clone()
}

/// The newest modification time among the workspace's manifests and the files under `crates/`
/// (sources, migrations, scenarios) that the binary is built from.
fn newest_source(root: &Path) -> Option<std::time::SystemTime> {
    fn walk(dir: &Path, newest: &mut Option<std::time::SystemTime>) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name == "target" || name == "tests" || name == "benches" || name.to_string_lossy().starts_with('.') {
                continue;
            }
            if path.is_dir() {
                walk(&path, newest);
            } else if let Ok(modified) = entry.metadata().and_then(|m| m.modified()) {
                *newest = (*newest).max(Some(modified));
            }
        }
    }
    let mut newest = None;
    for file in ["Cargo.toml", "Cargo.lock"] {
        if let Ok(m) = std::fs::metadata(root.join(file)).and_then(|m| m.modified()) {
            newest = newest.max(Some(m));
        }
    }
    walk(&root.join("crates"), &mut newest);
    newest
}

/// Sends a signal to a child process by its id (`kill -<signal> <pid>`).
pub fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -{signal} {} failed", child.id());
}

/// Waits for a child process without blocking the runtime (the simulators serve on it). A hang
/// guard, not a timing assertion: after `HANG_GUARD` the child is killed and the test fails.
pub async fn wait(child: &mut Child) -> std::process::ExitStatus {
    const HANG_GUARD: std::time::Duration = std::time::Duration::from_secs(300);
    let started = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("poll the child") {
            return status;
        }
        if started.elapsed() > HANG_GUARD {
            let _ = child.kill();
            panic!("closedloop (pid {}) still running after {HANG_GUARD:?}", child.id());
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
}

/// Kills a child with SIGKILL if it is still running; returns whether it was.
pub async fn kill9(child: &mut Child) -> bool {
    let running = child.try_wait().expect("poll the child").is_none();
    if running {
        // `Child::kill` sends SIGKILL on Unix: no handler runs, nothing is flushed.
        child.kill().expect("SIGKILL the child");
    }
    wait(child).await;
    running
}
