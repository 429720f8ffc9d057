//! `closedloop check-config`: validate a config file before anything starts.
//!
//! Holds no state. Exit 0 when valid; exit 3 with every problem (field and line) otherwise.
//! `--secrets` also reads each secret the config names; `--probe` also calls the APIs.

use crate::cli::CheckConfigArgs;
use crate::exit::{CONFIG, ExitError};
use anyhow::anyhow;

/// Runs the check.
pub async fn run(args: CheckConfigArgs) -> Result<(), ExitError> {
    let path = args
        .file
        .or(args.config)
        .ok_or_else(|| ExitError::new(CONFIG, anyhow!("no config file given")))?;
    let loaded = closedloop_config::load(&path).map_err(|e| ExitError::new(CONFIG, e))?;
    if args.secrets || args.probe {
        let problems = loaded.check_secrets();
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(|p| format!("  - {p}")).collect();
            return Err(ExitError::new(
                CONFIG,
                anyhow!("{}: secrets missing:\n{}", path.display(), list.join("\n")),
            ));
        }
    }
    if args.probe {
        // The same read calls a pull makes, per connector: what works, what is missing.
        let connectors = closedloop_service::wiring::connectors(&loaded).map_err(super::common::service_error)?;
        let (text, ok) = closedloop_service::wiring::probe(&connectors).await;
        print!("{text}");
        if !ok {
            return Err(ExitError::new(
                CONFIG,
                anyhow!("{}: the probe found problems (listed above)", path.display()),
            ));
        }
    }
    let c = &loaded.config;
    let systems: Vec<&str> = [
        c.hubspot.as_ref().map(|_| "hubspot"),
        c.salesforce.as_ref().map(|_| "salesforce"),
    ]
    .into_iter()
    .flatten()
    .collect();
    println!(
        "{}: valid ({}; crm: {}; database: {})",
        path.display(),
        systems.join(" + "),
        serde_json::to_value(c.reconcile.systems.crm)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        loaded.database_path().display()
    );
    if !(args.secrets || args.probe) {
        println!("secrets were not read: add --secrets to check they are available, --probe to call the APIs");
    }
    Ok(())
}
