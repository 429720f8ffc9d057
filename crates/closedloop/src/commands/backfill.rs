//! `closedloop backfill`: history for a date range, resumable, with progress and a dry run.

use super::common::{cancel_on_signal, cycle_result, load_startable, service_error};
use crate::cli::BackfillArgs;
use crate::exit::{CONFIG, ExitError};
use anyhow::anyhow;
use chrono::{NaiveTime, TimeZone, Utc};
use closedloop_core::System;
use closedloop_service::assemble::assemble;
use closedloop_service::backfill::DryRunPlan;
use closedloop_service::reconcile_step::RulesReconcile;

/// Runs the backfill.
pub async fn run(args: BackfillArgs) -> Result<(), ExitError> {
    let until_day = args.until.unwrap_or_else(|| Utc::now().date_naive());
    if until_day < args.since {
        return Err(ExitError::new(
            CONFIG,
            anyhow!("--until {until_day} is before --since {}", args.since),
        ));
    }
    let since = Utc.from_utc_datetime(&args.since.and_time(NaiveTime::MIN));
    let until = Utc.from_utc_datetime(&until_day.and_hms_opt(23, 59, 59).unwrap_or_default());
    let loaded = load_startable(&args.config.config)?;
    let reconcile = Box::new(RulesReconcile {
        rules: loaded.config.reconcile.clone(),
    });
    let assembled = assemble(&loaded, reconcile).await.map_err(service_error)?;
    let mut engine = assembled.engine;
    engine.dry_run |= args.dry_run;
    engine.store.close_abandoned_runs().await?;
    let cancel = cancel_on_signal();
    let started = Utc::now();
    tracing::info!(%since, %until, dry_run = engine.dry_run, streams = engine.streams.len(), "backfill starting");
    let report = closedloop_service::backfill::run(&mut engine, since, until, &cancel).await;
    engine.record(&report, started).await;
    closedloop_service::daemon::record_quotas(&engine.store, &assembled.quotas).await;
    println!("backfill: {}", report.summary_line());
    if cancel.is_cancelled() {
        println!("interrupted: run the same command again to continue where it stopped");
    }
    if engine.dry_run {
        let mut items = Vec::new();
        for system in [System::HubSpot, System::Salesforce] {
            items.extend(closedloop_engine::push::plan(&engine.store, system).await?);
        }
        print!("{}", DryRunPlan::from_items(&items).to_text());
    }
    engine.store.close().await;
    cycle_result(&report, "the backfill")
}
