//! The simulator process: `serve-sims` (run in a child so closedloop's peak RSS is measured
//! alone) and [`SimProcess`], the bench's handle on it.
//!
//! State: the child process and the simulators' URLs. The child generates the world, applies
//! the vendors' limits when asked, starts both simulators, writes a closedloop config, prints one
//! JSON line ([`Ready`]) and serves until its standard input closes, so it never outlives the bench.

use crate::cli::ServeArgs;
use anyhow::{Context, anyhow, bail};
use closedloop_service::sim_config::{self, SimEndpoints};
use closedloop_sim::generator::{GenerateSpec, generate};
use serde::{Deserialize, Serialize};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};
use std::time::Instant;

/// HubSpot Professional: requests per rolling 10 seconds.
pub const HUBSPOT_TEN_SECOND: u32 = 190;
/// HubSpot: search requests per second.
pub const HUBSPOT_SEARCH_PER_SECOND: u32 = 5;
/// HubSpot Professional: requests per day.
pub const HUBSPOT_DAILY: u64 = 625_000;
/// Salesforce Enterprise: 100,000 requests per 24 h plus 1,000 per Salesforce licence; an org
/// of 100 licences has 200,000.
pub const SALESFORCE_DAILY: u64 = 200_000;

/// What the simulator process reports once it serves.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Ready {
    /// The HubSpot simulator's base URL.
    pub hubspot_url: String,
    /// The Salesforce simulator's base URL.
    pub salesforce_url: String,
    /// People in the generated world.
    pub people: usize,
    /// Seconds spent generating the world.
    pub generate_secs: f64,
    /// Seconds spent loading it into both simulators.
    pub load_secs: f64,
    /// The private-app token of the HubSpot simulator.
    pub hubspot_token: String,
    /// The token of a human in HubSpot's UI (no API limits), used for the 1% of changes.
    pub hubspot_ui_token: String,
    /// A Salesforce session id.
    pub salesforce_token: String,
    /// The Salesforce API version served.
    pub salesforce_api_version: String,
}

/// Runs the simulators until standard input closes.
pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut text = format!("contacts={},seed={}", args.contacts, args.seed);
    if let Some(hostile) = args.hostile {
        text.push_str(&format!(",hostile={hostile}"));
    }
    let spec = GenerateSpec::parse(&text).map_err(|e| anyhow!("{e}"))?;
    let mut scenario = generate(&spec);
    let generate_secs = started.elapsed().as_secs_f64();
    if args.limits {
        scenario.hubspot.ten_second_limit = Some(HUBSPOT_TEN_SECOND);
        scenario.hubspot.search_per_second = Some(HUBSPOT_SEARCH_PER_SECOND);
        scenario.hubspot.daily_limit = Some(HUBSPOT_DAILY);
        scenario.salesforce.daily_limit = Some(SALESFORCE_DAILY);
    }
    let loading = Instant::now();
    let local = "127.0.0.1:0".parse()?;
    let hubspot = closedloop_sim::hubspot::start(&scenario, local)
        .await
        .context("start the HubSpot simulator")?;
    let salesforce = closedloop_sim::salesforce::start(&scenario, local, None)
        .await
        .context("start the Salesforce simulator")?;
    let load_secs = loading.elapsed().as_secs_f64();
    let endpoints = SimEndpoints {
        hubspot_url: hubspot.base_url(),
        salesforce_url: salesforce.base_url().to_owned(),
    };
    sim_config::write(&args.config, &endpoints, &scenario, "127.0.0.1:0")
        .with_context(|| format!("write {}", args.config.display()))?;
    let ready = Ready {
        hubspot_url: endpoints.hubspot_url.clone(),
        salesforce_url: endpoints.salesforce_url.clone(),
        people: scenario.people.len(),
        generate_secs,
        load_secs,
        hubspot_token: scenario.hubspot.access_token.clone(),
        hubspot_ui_token: scenario.hubspot.ui_access_token.clone(),
        salesforce_token: scenario.salesforce.access_token.clone(),
        salesforce_api_version: scenario.salesforce.api_version.clone(),
    };
    // The simulators hold their own copy of the world; the scenario is not needed any more.
    drop(scenario);
    println!("{}", serde_json::to_string(&ready)?);
    tokio::task::spawn_blocking(|| {
        let mut sink = Vec::new();
        let _ = std::io::stdin().read_to_end(&mut sink);
    })
    .await?;
    hubspot.shutdown().await;
    salesforce.shutdown().await;
    Ok(())
}

/// The bench's handle on a running simulator process.
pub struct SimProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    /// What it reported.
    pub ready: Ready,
    /// Seconds from spawn to ready.
    pub startup_secs: f64,
}

impl SimProcess {
    /// Starts the simulators on a world of `contacts` (with `hostile` malformed people, default
    /// when `None`) and waits until they serve.
    pub fn start(
        contacts: usize,
        seed: u64,
        limits: bool,
        hostile: Option<f64>,
        config: &Path,
        log: &Path,
    ) -> anyhow::Result<SimProcess> {
        let exe = std::env::current_exe().context("locate closedloop-bench")?;
        // Rebuilt while running, Linux names the old image `<path> (deleted)`: use the new one.
        let exe = match exe.to_str().and_then(|p| p.strip_suffix(" (deleted)")) {
            Some(path) => std::path::PathBuf::from(path),
            None => exe,
        };
        let started = Instant::now();
        let mut command = Command::new(exe);
        command
            .args([
                "serve-sims",
                "--contacts",
                &contacts.to_string(),
                "--seed",
                &seed.to_string(),
            ])
            .arg("--config")
            .arg(config)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(std::fs::File::create(log).with_context(|| format!("create {}", log.display()))?);
        if limits {
            command.arg("--limits");
        }
        if let Some(hostile) = hostile {
            command.arg("--hostile").arg(hostile.to_string());
        }
        let mut child = command.spawn().context("start the simulator process")?;
        let stdin = child.stdin.take();
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| anyhow!("the simulator process has no stdout"))?;
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line)?;
        if line.trim().is_empty() {
            let _ = child.wait();
            bail!("the simulator process exited before serving (see {})", log.display());
        }
        let ready: Ready = serde_json::from_str(line.trim()).context("read the simulator process's ready line")?;
        Ok(SimProcess {
            child,
            stdin,
            ready,
            startup_secs: started.elapsed().as_secs_f64(),
        })
    }

    /// The simulator process's current resident memory in MiB (its high-water mark).
    pub fn peak_rss_mib(&self) -> Option<f64> {
        crate::child::vm_hwm_mib(self.child.id())
    }

    /// Stops the simulators and waits for the process.
    pub fn stop(mut self) -> anyhow::Result<()> {
        drop(self.stdin.take());
        self.child.wait()?;
        Ok(())
    }
}
