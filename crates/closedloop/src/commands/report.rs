//! `closedloop report`: the closed-loop report from the database the config names, as terminal
//! tables (default), JSON, CSV files (one per section, into `--out DIR`) or one HTML file.
//!
//! Holds no state; reads the database (creating and migrating it if it does not exist yet).

use crate::cli::{ReportArgs, ReportFormat};
use crate::exit::{CONFIG, ExitError};
use closedloop_report::{
    Period, ReportError, ReportOptions, build, render_html, render_json, render_tables, write_csv,
};
use closedloop_store::Store;

/// Builds and writes the report.
pub async fn run(args: ReportArgs) -> Result<(), ExitError> {
    let loaded = closedloop_config::load(&args.config.config).map_err(|e| ExitError::new(CONFIG, e))?;
    let mut options = ReportOptions::from_config(&loaded.config, chrono::Utc::now());
    options.period = Period {
        since: args.since,
        until: args.until,
    };
    if let Some(model) = args.model {
        options.model = model;
    }
    if args.format == ReportFormat::Csv && args.out.is_none() {
        return Err(ExitError::new(
            CONFIG,
            anyhow::anyhow!("--format csv writes one file per section: give a directory with --out"),
        ));
    }
    let store = Store::open(&loaded.database_path()).await?;
    let report = build(&store, &options).await.map_err(|e| match e {
        // A wrong period or model is the caller's to fix, like a config error.
        ReportError::EmptyPeriod { .. } | ReportError::UnknownModel { .. } | ReportError::ZeroLimit { .. } => {
            ExitError::new(CONFIG, e)
        }
        other => ExitError::from(other),
    })?;
    store.close().await;
    let text = match args.format {
        ReportFormat::Table => render_tables(&report),
        ReportFormat::Json => render_json(&report),
        ReportFormat::Html => render_html(&report),
        ReportFormat::Csv => {
            let dir = args.out.as_deref().unwrap_or(std::path::Path::new("."));
            let written: Vec<String> = write_csv(&report, dir)?
                .iter()
                .map(|p| format!("{}\n", p.display()))
                .collect();
            return print_out(&written.concat());
        }
    };
    match args.out {
        Some(path) => {
            std::fs::write(&path, text).map_err(|source| ReportError::Write {
                path: path.clone(),
                source,
            })?;
            eprintln!("report written to {}", path.display());
        }
        None => print_out(&text)?,
    }
    Ok(())
}

/// Writes to standard output; a reader that stops early (`| head`) is not an error.
fn print_out(text: &str) -> Result<(), ExitError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(e.into()),
        _ => Ok(()),
    }
}
