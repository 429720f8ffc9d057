//! `closedloop sim`: serve the HubSpot and Salesforce simulators until interrupted.
//!
//! Holds the running simulators until a signal. With `--write-config` it also writes a closedloop
//! config that points at them, so `closedloop backfill --config PATH --since 2020-01-01` works as is.

use crate::cli::SimArgs;
use crate::exit::{CONFIG, ExitError};
use anyhow::{Context, anyhow};
use closedloop_service::sim_config::{self, SimEndpoints};
use closedloop_sim::Scenario;

/// Builds the scenario the arguments name: a named one, a file, or a generated world.
pub fn scenario(named_or_file: Option<&str>, generate: Option<&str>) -> Result<Scenario, ExitError> {
    let scenario = match (named_or_file, generate) {
        (_, Some(spec)) => {
            let spec = closedloop_sim::generator::GenerateSpec::parse(spec)
                .map_err(|e| ExitError::new(CONFIG, anyhow!("--generate: {e}")))?;
            closedloop_sim::generator::generate(&spec)
        }
        (Some(name), None) => match closedloop_sim::generator::named(name) {
            Some(s) => s,
            None => Scenario::from_file(std::path::Path::new(name)).map_err(|e| {
                ExitError::new(
                    CONFIG,
                    anyhow!(
                        "--scenario {name:?} is neither a named scenario (tiny, hostile, demo) nor a readable file: {e}"
                    ),
                )
            })?,
        },
        (None, None) => {
            closedloop_sim::generator::named("tiny").ok_or_else(|| anyhow!("the tiny scenario is missing"))?
        }
    };
    scenario.check_references().map_err(|e| ExitError::new(CONFIG, e))?;
    Ok(scenario)
}

/// Runs the simulators.
pub async fn run(args: SimArgs) -> Result<(), ExitError> {
    let scenario = scenario(args.scenario.as_deref(), args.generate.as_deref())?;
    let hubspot = closedloop_sim::hubspot::start(&scenario, args.hubspot_addr)
        .await
        .with_context(|| format!("start the HubSpot simulator on {}", args.hubspot_addr))?;
    let salesforce = closedloop_sim::salesforce::start(&scenario, args.salesforce_addr, args.salesforce_tls_addr)
        .await
        .with_context(|| format!("start the Salesforce simulator on {}", args.salesforce_addr))?;
    println!("scenario {:?}: {} people", scenario.name, scenario.people.len());
    println!("HubSpot simulator     {}", hubspot.base_url());
    println!("Salesforce simulator  {}", salesforce.base_url());
    if let (Some(url), Some(cert)) = (salesforce.tls_base_url(), salesforce.cert_pem_path()) {
        println!("Salesforce over TLS   {url} (certificate {})", cert.display());
    }
    println!("fault injection and counters: GET/PUT <simulator>/__sim/faults, GET <simulator>/__sim/stats");
    if let Some(path) = &args.write_config {
        let endpoints = SimEndpoints {
            hubspot_url: hubspot.base_url(),
            salesforce_url: salesforce.base_url().to_owned(),
        };
        let secrets = sim_config::write(path, &endpoints, &scenario, "127.0.0.1:9464")
            .with_context(|| format!("write {}", path.display()))?;
        println!(
            "config written to {} (credentials in {})",
            path.display(),
            secrets.display()
        );
        println!(
            "next: closedloop backfill --config {} --since 2020-01-01",
            path.display()
        );
    }
    println!("serving until interrupted (Ctrl-C)");
    wait_for_signal().await;
    hubspot.shutdown().await;
    salesforce.shutdown().await;
    Ok(())
}

/// Resolves on SIGINT or SIGTERM.
pub async fn wait_for_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(s) => s,
            Err(_) => {
                let _ = ctrl_c.await;
                return;
            }
        };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
}
