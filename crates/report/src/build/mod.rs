//! Building a [`Report`]: validate the options, read the store in one transaction, and turn its
//! counts and value lists into the report's figures with `closedloop_core::stats`.
//!
//! State: none. Nothing here counts or sums: the store does (SQL); medians, percentiles, rates and
//! histograms come from the core; this module names rows and arranges sections.
//!
//! # Layout
//! - [`groups`]: what a row is called (campaign name, "(no campaign)"...).
//! - [`funnel`], [`attribution`], [`quality`], [`content`], [`sla`], [`health`]: one section each.

mod attribution;
mod content;
mod funnel;
mod groups;
mod health;
mod quality;
mod sla;

use crate::error::ReportError;
use crate::model::{Report, SCHEMA_VERSION, Summary};
use crate::options::ReportOptions;
use chrono::{Days, NaiveDate, NaiveTime};
use closedloop_core::Timestamp;
use closedloop_core::attribution::ModelName;
use closedloop_core::stats;
use closedloop_store::Store;
use closedloop_store::report::ReportQuery;

/// Builds the report from the store.
pub async fn build(store: &Store, options: &ReportOptions) -> Result<Report, ReportError> {
    let query = query(store, options).await?;
    let data = store.report_data(&query).await?;
    let funnel = funnel::section(&data.funnel);
    let attribution = attribution::section(&options.model, &data.attribution);
    let lead_quality = quality::section(&data.quality);
    let content = content::section(&data.content);
    let months = sla::months(options, &data.sla);
    let sla = sla::section(options, &data.sla, &months);
    let data_health = health::section(&data.health);

    let handoffs = sla.total.handoffs;
    let promised = options.mql_target_per_month.map(|t| u64::from(t) * months.len() as u64);
    let summary = Summary {
        reached: funnel.total.reached,
        leads: funnel.total.leads,
        mqls: funnel.total.mqls,
        sqls: funnel.total.sqls,
        opportunities: funnel.total.opportunities,
        won: funnel.total.won,
        pipeline: attribution.total.pipeline.clone(),
        revenue: attribution.total.revenue.clone(),
        mql_target_attainment: promised.and_then(|p| stats::rate(u64::try_from(handoffs).unwrap_or(0), p)),
        sla_met_rate: sla.total.met_rate,
        median_speed_to_lead_minutes: sla.total.median_minutes,
    };
    Ok(Report {
        schema_version: SCHEMA_VERSION,
        generated_at: options.now,
        data_as_of: data.computed_at,
        period: options.period,
        model: options.model.clone(),
        models: data.attribution.models.clone(),
        currency: data.attribution.currency.clone(),
        summary,
        funnel,
        attribution,
        lead_quality,
        content,
        sla,
        data_health,
    })
}

/// The store query the options ask for, after checking them.
async fn query(store: &Store, options: &ReportOptions) -> Result<ReportQuery, ReportError> {
    if let (Some(since), Some(until)) = (options.period.since, options.period.until)
        && since > until
    {
        return Err(ReportError::EmptyPeriod { since, until });
    }
    if options.top_campaigns == 0 {
        return Err(ReportError::ZeroLimit { what: "top_campaigns" });
    }
    if options.list_limit == 0 {
        return Err(ReportError::ZeroLimit { what: "list_limit" });
    }
    check_model(store, &options.model).await?;
    Ok(ReportQuery {
        since: options.period.since.map(start_of),
        // The last day is inclusive: the period ends at the next midnight.
        until: options
            .period
            .until
            .map(|d| start_of(d.checked_add_days(Days::new(1)).unwrap_or(d))),
        now: options.now,
        model: options.model.clone(),
        top_campaigns: options.top_campaigns,
        contact_activity_kinds: options
            .contact_activity_kinds
            .iter()
            .map(|k| k.as_str().to_owned())
            .collect(),
        contact_statuses: options.contact_statuses.iter().map(|s| s.as_str().to_owned()).collect(),
        list_limit: options.list_limit,
    })
}

/// A model must be one reconcile stores credits for; before any credits exist, any built-in or
/// custom model name is accepted (the report is then empty under every model).
async fn check_model(store: &Store, model: &str) -> Result<(), ReportError> {
    let stored = store.credited_models().await?;
    let known: Vec<String> = if stored.is_empty() {
        ModelName::BUILT_IN
            .iter()
            .chain([&ModelName::Custom])
            .map(|m| m.as_str().to_owned())
            .collect()
    } else {
        stored
    };
    if known.iter().any(|m| m == model) {
        Ok(())
    } else {
        Err(ReportError::UnknownModel {
            model: model.to_owned(),
            available: known,
        })
    }
}

fn start_of(day: NaiveDate) -> Timestamp {
    day.and_time(NaiveTime::MIN).and_utc()
}
