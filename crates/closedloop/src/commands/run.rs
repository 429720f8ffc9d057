//! `closedloop run`: the daemon, or one full cycle with `--once`.

use super::common::{cancel_on_signal, cycle_result, load_startable, service_error};
use crate::cli::RunArgs;
use crate::exit::ExitError;
use closedloop_core::sync::PullMode;
use closedloop_engine::pull::NoObserver;
use closedloop_service::assemble::assemble;
use closedloop_service::reconcile_step::RulesReconcile;
use closedloop_service::report_source::StoreReport;

/// Runs the daemon (or one cycle).
pub async fn run(args: RunArgs) -> Result<(), ExitError> {
    let loaded = load_startable(&args.config.config)?;
    let reconcile = Box::new(RulesReconcile {
        rules: loaded.config.reconcile.clone(),
    });
    let assembled = assemble(&loaded, reconcile).await.map_err(service_error)?;
    if !args.once {
        let report = StoreReport::new(assembled.engine.store.clone(), loaded.config.clone());
        return closedloop_service::daemon::run(&loaded, assembled.into_daemon(Some(Box::new(report))))
            .await
            .map_err(service_error);
    }
    let mut engine = assembled.engine;
    engine.store.close_abandoned_runs().await?;
    let cancel = cancel_on_signal();
    let started = chrono::Utc::now();
    let report = engine.run_once(PullMode::Incremental, &cancel, &NoObserver).await;
    engine.record(&report, started).await;
    closedloop_service::daemon::record_quotas(&engine.store, &assembled.quotas).await;
    engine.store.close().await;
    println!("{}", report.summary_line());
    cycle_result(&report, "the cycle")
}
