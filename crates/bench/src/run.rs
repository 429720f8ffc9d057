//! The benchmark, size by size: simulators up, backfill, 1% of changes, incremental cycle, with
//! limits off and on, and the peer side by side; results written after every size.
//!
//! State: the settings, the closedloop binary and the results gathered so far.

use crate::cli::{BenchArgs, Limits};
use crate::closedloop::{Closedloop, CycleFigures, database_bytes};
use crate::peer::{self, Tap};
use crate::results::{Computed, ModeResult, PeerResult, Results, SizeResult, Step};
use crate::sampler::Sampler;
use crate::sims::{self, SimProcess};
use crate::vendor::Vendors;
use anyhow::{Context, anyhow, bail};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The date every backfill starts from (before the generated history begins).
const SINCE: &str = "2020-01-01";

/// Runs the benchmark.
pub async fn run(mut args: BenchArgs) -> anyhow::Result<()> {
    if args.quick {
        args.sizes = vec![2_000];
    }
    if !(args.change_share > 0.0 && args.change_share <= 0.5) {
        bail!("--change-share must be in (0, 0.5], got {}", args.change_share);
    }
    let work = args
        .work
        .clone()
        .unwrap_or_else(|| std::env::temp_dir().join("closedloop-bench"));
    std::fs::create_dir_all(&work).with_context(|| format!("create {}", work.display()))?;
    let out = args.out.clone().unwrap_or_else(|| {
        if args.quick {
            work.join("quick-results")
        } else {
            PathBuf::from("results")
        }
    });
    if !args.combine.is_empty() {
        return crate::table::combine(&args.combine, &out);
    }
    let closedloop = Closedloop {
        exe: locate_closedloop(args.closedloop.as_deref())?,
    };
    let python = if args.peer {
        Some(peer::install(&work.join("peer-venv")).await?)
    } else {
        None
    };
    let mut results = Results {
        run_at: chrono::Utc::now().format("%Y-%m-%d %H:%M UTC").to_string(),
        machine: crate::machine::describe(),
        command: std::env::args().collect::<Vec<_>>().join(" "),
        limits: serde_json::json!({
            "hubspot": {
                "tier": "Professional",
                "per_10_seconds": sims::HUBSPOT_TEN_SECOND,
                "search_per_second": sims::HUBSPOT_SEARCH_PER_SECOND,
                "daily": sims::HUBSPOT_DAILY,
            },
            "salesforce": {
                "edition": "Enterprise (100,000 + 1,000 per licence, 100 licences)",
                "daily": sims::SALESFORCE_DAILY,
            },
        }),
        sizes: Vec::new(),
    };
    for &size in &args.sizes {
        eprintln!("== {size} contacts");
        let result = bench_size(&args, &closedloop, python.as_deref(), &work, size).await?;
        results.sizes.push(result);
        crate::table::write(&out, &results, args.merge)?;
        eprintln!("results written to {}", out.display());
    }
    Ok(())
}

/// The closedloop binary: the one given, or the one next to this binary, built first when the
/// bench runs under cargo (so `cargo run -p closedloop-bench` needs no other step).
fn locate_closedloop(given: Option<&Path>) -> anyhow::Result<PathBuf> {
    if let Some(path) = given {
        return Ok(path.to_owned());
    }
    if let Ok(cargo) = std::env::var("CARGO") {
        eprintln!("building closedloop (release)");
        let status = std::process::Command::new(cargo)
            .args(["build", "--release", "-p", "closedloop", "--bin", "closedloop"])
            .status()
            .context("run cargo build")?;
        if !status.success() {
            bail!("cargo build --release -p closedloop failed");
        }
    }
    let exe = std::env::current_exe()?
        .parent()
        .ok_or_else(|| anyhow!("closedloop-bench has no directory"))?
        .join("closedloop");
    if !exe.exists() {
        bail!(
            "{} does not exist: build it with `cargo build --release -p closedloop` or pass --closedloop",
            exe.display()
        );
    }
    Ok(exe)
}

async fn bench_size(
    args: &BenchArgs,
    closedloop: &Closedloop,
    python: Option<&Path>,
    work: &Path,
    size: usize,
) -> anyhow::Result<SizeResult> {
    let mut result = SizeResult {
        contacts: size,
        ..SizeResult::default()
    };
    let want_off = matches!(args.limits, Limits::Off | Limits::Both);
    let want_on = matches!(args.limits, Limits::On | Limits::Both);
    let peer = python.filter(|_| size <= args.max_peer_size);
    if want_off {
        let dir = fresh_dir(&work.join(format!("{size}-off")))?;
        result.limits_off = Some(bench_mode(args, closedloop, &dir, size, false, peer, &mut result).await?);
        std::fs::remove_dir_all(&dir).ok();
    }
    if want_on {
        if size <= args.max_limited_size {
            let dir = fresh_dir(&work.join(format!("{size}-on")))?;
            result.limits_on = Some(bench_mode(args, closedloop, &dir, size, true, None, &mut result).await?);
            std::fs::remove_dir_all(&dir).ok();
        } else if let Some(off) = &result.limits_off {
            result.limits_on_computed = Some(compute(off));
        } else {
            eprintln!("limits on at {size}: too large to run and no limits-off run to compute from");
        }
    }
    if let Some(python) = peer {
        let dir = fresh_dir(&work.join(format!("{size}-peer")))?;
        result.peer = Some(bench_peer(args, closedloop, python, &dir, size).await?);
        std::fs::remove_dir_all(&dir).ok();
    }
    Ok(result)
}

fn fresh_dir(dir: &Path) -> anyhow::Result<PathBuf> {
    if dir.exists() {
        std::fs::remove_dir_all(dir)?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(dir.to_owned())
}

async fn start_sims(
    args: &BenchArgs,
    dir: &Path,
    size: usize,
    limits: bool,
    hostile: Option<f64>,
    label: &str,
) -> anyhow::Result<SimProcess> {
    let (seed, config, log) = (args.seed, dir.join("sim.toml"), dir.join("sims.log"));
    eprintln!("[{label}] generating and loading the world");
    let sims =
        tokio::task::spawn_blocking(move || SimProcess::start(size, seed, limits, hostile, &config, &log)).await??;
    eprintln!(
        "[{label}] simulators ready in {:.1}s ({} people)",
        sims.startup_secs, sims.ready.people
    );
    Ok(sims)
}

/// One world under one limit setting: backfill, settling cycle, changes, incremental. With limits off and a
/// peer, the tap is first tried on the same (default, partly malformed) world.
async fn bench_mode(
    args: &BenchArgs,
    closedloop: &Closedloop,
    dir: &Path,
    size: usize,
    limits: bool,
    python: Option<&Path>,
    result: &mut SizeResult,
) -> anyhow::Result<ModeResult> {
    let label = if limits { "limits on" } else { "limits off" };
    let config = dir.join("sim.toml");
    let sims = start_sims(args, dir, size, limits, None, label).await?;
    let vendors = Arc::new(Vendors::new(&sims.ready)?);
    if result.dataset.is_null() {
        result.dataset = vendors.summaries().await?;
        result.simulator_startup_secs = sims.startup_secs;
    }
    let outcome = async {
        if let Some(python) = python {
            let tap = Tap::prepare(
                python,
                &dir.join("tap"),
                &sims.ready.hubspot_url,
                &sims.ready.hubspot_token,
            )
            .await?;
            eprintln!("[peer] tap-hubspot on the default world");
            let run = tap.sync(false, &dir.join("tap-default.log")).await?;
            eprintln!(
                "[peer] tap: {} records in {:.1}s, {}",
                run.records,
                run.process.wall_secs,
                run.error.as_deref().unwrap_or("no error")
            );
            result.peer_default_world = Some(run);
        }
        eprintln!("[{label}] closedloop backfill");
        let backfill = step(
            closedloop,
            &vendors,
            &["backfill", "--since", SINCE],
            &config,
            dir,
            "backfill",
            limits,
        )
        .await?;
        eprintln!(
            "[{label}] backfill: {:.1}s, {} records, {} calls",
            backfill.process.wall_secs,
            backfill.cycle.records_pulled,
            backfill.calls()
        );
        let settle = step(closedloop, &vendors, &["run", "--once"], &config, dir, "settle", limits).await?;
        eprintln!(
            "[{label}] settling cycle: {:.1}s, {} records, {} calls",
            settle.process.wall_secs,
            settle.cycle.records_pulled,
            settle.calls()
        );
        let contacts = result.dataset["hubspot"]["contacts"].as_u64().unwrap_or(size as u64);
        let changes = vendors.change(args.change_share, contacts).await?;
        eprintln!(
            "[{label}] changed {} HubSpot contacts and {} Salesforce leads",
            changes.hubspot_contacts, changes.salesforce_leads
        );
        let incremental = step(
            closedloop,
            &vendors,
            &["run", "--once"],
            &config,
            dir,
            "incremental",
            limits,
        )
        .await?;
        eprintln!(
            "[{label}] incremental: {:.1}s, {} calls, {} push calls",
            incremental.process.wall_secs,
            incremental.calls(),
            incremental.cycle.push_calls
        );
        anyhow::Ok(ModeResult {
            backfill,
            settle,
            changes,
            incremental,
        })
    }
    .await;
    note_simulator_rss(result, &sims);
    sims.stop()?;
    outcome
}

fn note_simulator_rss(result: &mut SizeResult, sims: &SimProcess) {
    result.simulator_peak_rss_mib = match (result.simulator_peak_rss_mib, sims.peak_rss_mib()) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
}

/// The tap and closedloop's contacts stream on one world without malformed records (the tap
/// stops at the first one): full pull, 1% of changes, incremental run, each measured.
async fn bench_peer(
    args: &BenchArgs,
    closedloop: &Closedloop,
    python: &Path,
    dir: &Path,
    size: usize,
) -> anyhow::Result<PeerResult> {
    let sims = start_sims(args, dir, size, false, Some(0.0), "peer").await?;
    let vendors = Arc::new(Vendors::new(&sims.ready)?);
    let outcome = async {
        let config = dir.join("sim.toml");
        let contacts_config = dir.join("contacts.toml");
        crate::configs::contacts_only(&config, &contacts_config, "contacts-only.db")?;
        let tap = Tap::prepare(
            python,
            &dir.join("tap"),
            &sims.ready.hubspot_url,
            &sims.ready.hubspot_token,
        )
        .await?;
        eprintln!("[peer] tap-hubspot full pull");
        let before = vendors.snapshot().await?;
        let tap_full = tap.sync(false, &dir.join("tap-full.log")).await?;
        let tap_full_calls = vendors.snapshot().await?.since(&before).hubspot.requests_total;
        if let Some(e) = &tap_full.error {
            bail!("tap-hubspot failed on the clean world: {e}");
        }
        eprintln!(
            "[peer] tap: {} records in {:.1}s",
            tap_full.records, tap_full.process.wall_secs
        );
        eprintln!("[peer] closedloop contacts-only backfill");
        let closedloop_full = step(
            closedloop,
            &vendors,
            &["backfill", "--since", SINCE],
            &contacts_config,
            dir,
            "contacts-backfill",
            false,
        )
        .await?;
        eprintln!(
            "[peer] closedloop: {} records in {:.1}s",
            closedloop_full.cycle.records_pulled, closedloop_full.process.wall_secs
        );
        let contacts = vendors.summaries().await?["hubspot"]["contacts"]
            .as_u64()
            .unwrap_or(size as u64);
        let changes = vendors.change(args.change_share, contacts).await?;
        let closedloop_incremental = step(
            closedloop,
            &vendors,
            &["run", "--once"],
            &contacts_config,
            dir,
            "contacts-incremental",
            false,
        )
        .await?;
        let before = vendors.snapshot().await?;
        let tap_incremental = tap.sync(true, &dir.join("tap-incremental.log")).await?;
        let tap_incremental_calls = vendors.snapshot().await?.since(&before).hubspot.requests_total;
        if let Some(e) = &tap_incremental.error {
            bail!("tap-hubspot failed on its incremental run: {e}");
        }
        eprintln!(
            "[peer] incremental: tap {:.1}s / {} calls / {} records, closedloop {:.1}s / {} calls / {} records",
            tap_incremental.process.wall_secs,
            tap_incremental_calls,
            tap_incremental.records,
            closedloop_incremental.process.wall_secs,
            closedloop_incremental.calls(),
            closedloop_incremental.cycle.records_pulled
        );
        anyhow::Ok(PeerResult {
            tap_full,
            tap_full_calls,
            tap_incremental,
            tap_incremental_calls,
            closedloop_full,
            closedloop_incremental,
            changed_contacts: changes.hubspot_contacts,
        })
    }
    .await;
    sims.stop()?;
    outcome
}

/// Runs one closedloop command and gathers its figures.
async fn step(
    closedloop: &Closedloop,
    vendors: &Arc<Vendors>,
    command: &[&str],
    config: &Path,
    dir: &Path,
    name: &str,
    sample: bool,
) -> anyhow::Result<Step> {
    let before = vendors.snapshot().await?;
    let sampler = sample.then(|| Sampler::start(vendors.clone()));
    let process = closedloop
        .measure(command, config, &dir.join(format!("{name}.log")))
        .await;
    let peaks = match sampler {
        Some(s) => Some(s.finish().await),
        None => None,
    };
    let process = process?;
    let calls = vendors.snapshot().await?.since(&before);
    let (report, db) = closedloop.last_report(config).await?;
    Ok(Step {
        process,
        cycle: CycleFigures::from_report(&report),
        hubspot: calls.hubspot,
        salesforce: calls.salesforce,
        peaks,
        database_bytes: database_bytes(&db),
    })
}

/// What the limits imply for a backfill measured with limits off.
fn compute(off: &ModeResult) -> Computed {
    let b = &off.backfill;
    let search = b.hubspot.search();
    let general = b.hubspot.requests_total.saturating_sub(search);
    let hubspot_min_secs = general as f64 / (f64::from(sims::HUBSPOT_TEN_SECOND) / 10.0);
    let hubspot_search_min_secs = search as f64 / f64::from(sims::HUBSPOT_SEARCH_PER_SECOND);
    let hubspot_quota_days = b.hubspot.requests_total as f64 / sims::HUBSPOT_DAILY as f64;
    let salesforce_quota_days = b.salesforce.requests_total as f64 / sims::SALESFORCE_DAILY as f64;
    // A day's quota spent means waiting for the next day: whole days beyond the first.
    let quota_wait = (hubspot_quota_days.max(salesforce_quota_days).ceil() - 1.0).max(0.0) * 86_400.0;
    Computed {
        hubspot_calls: general,
        hubspot_search_calls: search,
        salesforce_calls: b.salesforce.requests_total,
        hubspot_min_secs,
        hubspot_search_min_secs,
        hubspot_quota_days,
        salesforce_quota_days,
        backfill_min_secs: b
            .process
            .wall_secs
            .max(hubspot_min_secs.max(hubspot_search_min_secs))
            .max(quota_wait),
        incremental_hubspot_calls: off.incremental.hubspot.requests_total,
        incremental_salesforce_calls: off.incremental.salesforce.requests_total,
    }
}
