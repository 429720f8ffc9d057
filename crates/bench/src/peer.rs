//! The peer: the Singer `tap-hubspot` 4.5.0 from PyPI, in its own virtual environment, pointed at
//! the HubSpot simulator, contacts stream only.
//!
//! State: the virtual environment and the tap's files (config, catalog, state) in the work
//! directory. The tap has no setting for its API's address (`BASE_URL` is a module constant), so
//! a four-line wrapper sets that constant and calls the tap's own `main`; nothing of its logic is
//! changed. The catalog comes from the tap's own discovery of the contacts stream, with the
//! stream and all its fields selected, as a user selecting the stream in a Singer runner does.

use crate::child::{self, Measured};
use anyhow::{Context, bail};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};

/// The tap's version on PyPI.
pub const TAP_VERSION: &str = "4.5.0";

const WRAPPER: &str = r#""""Runs the Singer tap-hubspot against a local HubSpot: BASE_URL is a module constant with no config key."""
import json, os, sys
import tap_hubspot

tap_hubspot.BASE_URL = os.environ["TAP_HUBSPOT_BASE_URL"]

if sys.argv[1] == "--contacts-catalog":
    # The tap's own discovery, for the contacts stream only, with the stream and its fields selected.
    tap_hubspot.CONFIG.update(json.load(open(sys.argv[2])))
    stream = next(s for s in tap_hubspot.STREAMS if s.tap_stream_id == "contacts")
    schema, mdata = tap_hubspot.load_discovered_schema(stream)
    for entry in mdata:
        entry["metadata"]["selected"] = True
    json.dump({"streams": [{"stream": "contacts", "tap_stream_id": "contacts", "schema": schema, "metadata": mdata}]}, sys.stdout)
else:
    tap_hubspot.main()
"#;

/// The tap, installed and configured for one simulator.
pub struct Tap {
    python: PathBuf,
    wrapper: PathBuf,
    dir: PathBuf,
    base_url: String,
}

/// One run of the tap.
#[derive(Debug, Clone, Default, Serialize)]
pub struct TapRun {
    /// The process.
    pub process: Measured,
    /// Contact records it emitted.
    pub records: u64,
    /// Why it stopped, when it failed (the last error line of its log).
    pub error: Option<String>,
}

/// Makes sure the virtual environment at `venv` has tap-hubspot at [`TAP_VERSION`].
pub async fn install(venv: &Path) -> anyhow::Result<PathBuf> {
    let python = venv.join("bin/python");
    let check =
        format!("import importlib.metadata as m, tap_hubspot; assert m.version('tap-hubspot') == '{TAP_VERSION}'");
    let ok = |python: &Path| {
        Command::new(python)
            .args(["-c", &check])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if python.exists() && ok(&python) {
        return Ok(python);
    }
    eprintln!("installing tap-hubspot=={TAP_VERSION} into {}", venv.display());
    let status = Command::new("python3").arg("-m").arg("venv").arg(venv).status()?;
    if !status.success() {
        bail!("python3 -m venv {} failed", venv.display());
    }
    let status = Command::new(venv.join("bin/pip"))
        .args(["install", "--quiet", &format!("tap-hubspot=={TAP_VERSION}")])
        .status()?;
    if !status.success() || !ok(&python) {
        bail!("pip install tap-hubspot=={TAP_VERSION} failed");
    }
    Ok(python)
}

impl Tap {
    /// Prepares the tap's config and catalog for the simulator at `base_url`.
    pub async fn prepare(python: &Path, dir: &Path, base_url: &str, token: &str) -> anyhow::Result<Tap> {
        std::fs::create_dir_all(dir)?;
        let wrapper = dir.join("run_tap_hubspot.py");
        std::fs::write(&wrapper, WRAPPER)?;
        let config = serde_json::json!({
            "api_key": token,
            "start_date": "2000-01-01T00:00:00Z",
            "request_timeout": 300,
        });
        std::fs::write(dir.join("config.json"), serde_json::to_vec_pretty(&config)?)?;
        let tap = Tap {
            python: python.to_owned(),
            wrapper,
            dir: dir.to_owned(),
            base_url: base_url.to_owned(),
        };
        let output = tap
            .command()
            .arg("--contacts-catalog")
            .arg(dir.join("config.json"))
            .stderr(Stdio::piped())
            .output()
            .context("run the tap's discovery")?;
        if !output.status.success() {
            bail!(
                "tap-hubspot discovery failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        std::fs::write(dir.join("catalog.json"), &output.stdout)?;
        Ok(tap)
    }

    fn command(&self) -> Command {
        let mut c = Command::new(&self.python);
        c.arg(&self.wrapper)
            .env("TAP_HUBSPOT_BASE_URL", &self.base_url)
            .stdin(Stdio::null());
        c
    }

    /// One sync: from scratch (`incremental` false), or from the state the previous run left.
    /// Records are counted as they stream out; the last STATE message becomes the next state.
    pub async fn sync(&self, incremental: bool, log: &Path) -> anyhow::Result<TapRun> {
        let state_path = self.dir.join("state.json");
        let mut command = self.command();
        command
            .arg("--config")
            .arg(self.dir.join("config.json"))
            // This version reads the catalog from the legacy `--properties` flag (`--catalog` is ignored).
            .arg("--properties")
            .arg(self.dir.join("catalog.json"))
            .stderr(std::fs::File::create(log)?);
        if incremental {
            command.arg("--state").arg(&state_path);
        }
        let counted = Arc::new(Mutex::new((0u64, None::<String>)));
        let sink = counted.clone();
        let process = tokio::task::spawn_blocking(move || {
            child::run(command, move |line| {
                let head = line.get(..40).unwrap_or(line);
                if let Ok(mut c) = sink.lock() {
                    if head.contains("\"RECORD\"") {
                        c.0 += 1;
                    } else if head.contains("\"STATE\"") {
                        c.1 = Some(line.to_owned());
                    }
                }
            })
        })
        .await??;
        let error = (process.exit_code != 0).then(|| last_error(log));
        let (records, state) = counted.lock().map(|c| c.clone()).unwrap_or_default();
        if let Some(state) = state {
            let message: serde_json::Value = serde_json::from_str(&state)?;
            std::fs::write(&state_path, serde_json::to_vec(&message["value"])?)?;
        }
        Ok(TapRun {
            process,
            records,
            error,
        })
    }
}

/// The tap's last CRITICAL line (or the last line), shortened.
fn last_error(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let line = text
        .lines()
        .rev()
        .find(|l| l.starts_with("CRITICAL"))
        .or_else(|| text.lines().rev().find(|l| !l.trim().is_empty()))
        .unwrap_or("no log");
    line.chars().take(300).collect()
}
