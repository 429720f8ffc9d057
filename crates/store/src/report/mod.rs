//! The closed-loop report's reads: every count, sum and value list the report shows, in SQL over
//! reconcile's tables (0003) and the `report_people` / `report_credits` views (0004).
//!
//! State: none; [`Store::report_data`] reads everything in ONE read transaction, so the sections
//! agree with each other even while a sync writes. Counting and summing happen here; the
//! statistics that SQL has no function for (medians, percentiles, histograms) are computed by
//! `closedloop_core::stats` over the value lists these queries collect (`json_group_array`).
//!
//! Period semantics (the report documents them per section):
//! - funnel and lead quality: cohorts of people first *reached* in the period, followed to today;
//! - attribution and content revenue: conversions *dated* in the period;
//! - content engagement: touches in the period;
//! - SLA: MQLs dated in the period, judged at `now`;
//! - data health: the current state, whatever the period.
//!
//! # Layout
//! - [`funnel`]: people, stages and stage timings per campaign, channel, content, and in total.
//! - [`attribution`]: credited conversions, pipeline and revenue per campaign and channel; the
//!   all-models comparison.
//! - [`quality`]: contacted, disqualified (with reasons), SQL rate per campaign.
//! - [`content`]: engagement, depth, influence and attributed amounts per content asset.
//! - [`sla`]: MQLs per month, speed to lead per owner and month, breaches, stalled MQLs.
//! - [`health`]: coverage, duplicates, quarantine, dead letters.

pub mod attribution;
pub mod content;
pub mod funnel;
pub mod health;
pub mod quality;
pub mod sla;

use crate::Store;
use crate::error::StoreError;
use crate::time::to_ms;
use closedloop_core::Timestamp;

/// What the report asks for.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportQuery {
    /// The period's first instant (inclusive); `None`: from the beginning.
    pub since: Option<Timestamp>,
    /// The period's end (exclusive); `None`: up to now and beyond.
    pub until: Option<Timestamp>,
    /// The instant SLA deadlines are judged at.
    pub now: Timestamp,
    /// The attribution model of the main figures (`w_shaped`, ...).
    pub model: String,
    /// How many campaigns the all-models comparison names.
    pub top_campaigns: u32,
    /// Sales activity kinds that count as contact (`call`, `email`, `meeting`).
    pub contact_activity_kinds: Vec<String>,
    /// Lead statuses that mean the lead was contacted.
    pub contact_statuses: Vec<String>,
    /// At most this many rows in each person list (breaches, stalled MQLs, duplicates).
    pub list_limit: u32,
}

/// The period and judging instant as stored milliseconds, for binding.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Window {
    pub since: Option<i64>,
    pub until: Option<i64>,
    pub now: i64,
}

impl ReportQuery {
    pub(crate) fn window(&self) -> Window {
        Window {
            since: self.since.map(to_ms),
            until: self.until.map(to_ms),
            now: to_ms(self.now),
        }
    }
}

/// Everything the report reads, section by section.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportData {
    /// When reconcile last computed anyone (the figures are as fresh as this).
    pub computed_at: Option<Timestamp>,
    /// The funnel.
    pub funnel: Vec<funnel::FunnelGroup>,
    /// Attribution.
    pub attribution: attribution::AttributionData,
    /// Lead quality.
    pub quality: quality::QualityData,
    /// Content.
    pub content: content::ContentData,
    /// The SLA.
    pub sla: sla::SlaData,
    /// Data health.
    pub health: health::HealthData,
}

impl Store {
    /// Reads every figure of the closed-loop report in one read transaction.
    pub async fn report_data(&self, q: &ReportQuery) -> Result<ReportData, StoreError> {
        let mut tx = self.pool.begin().await?;
        let computed_at = sqlx::query_scalar!(r#"SELECT MAX(computed_at) AS "at?: i64" FROM person_results"#)
            .fetch_one(&mut *tx)
            .await?
            .map(crate::time::from_ms)
            .transpose()?;
        let data = ReportData {
            computed_at,
            funnel: funnel::read(&mut tx, q).await?,
            attribution: attribution::read(&mut tx, q).await?,
            quality: quality::read(&mut tx, q).await?,
            content: content::read(&mut tx, q).await?,
            sla: sla::read(&mut tx, q).await?,
            health: health::read(&mut tx, q).await?,
        };
        tx.commit().await?;
        Ok(data)
    }

    /// The attribution models reconcile stored credits for, by name.
    pub async fn credited_models(&self) -> Result<Vec<String>, StoreError> {
        Ok(
            sqlx::query_scalar!(r#"SELECT DISTINCT model AS "model!" FROM attribution_credits ORDER BY model"#)
                .fetch_all(&self.pool)
                .await?,
        )
    }
}

/// A JSON array of integers from `json_group_array`, as stored values.
pub(crate) fn int_list(what: &'static str, json: &str) -> Result<Vec<i64>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::corrupt(what, e))
}

/// A JSON array of numbers from `json_group_array`.
pub(crate) fn float_list(what: &'static str, json: &str) -> Result<Vec<f64>, StoreError> {
    serde_json::from_str(json).map_err(|e| StoreError::corrupt(what, e))
}

/// Key lists bound as one JSON parameter.
pub(crate) fn json_list(items: &[String]) -> String {
    serde_json::Value::from(items.to_vec()).to_string()
}

/// A GROUP BY key: which row of a dimension (campaign, channel, content, owner, month...).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct GroupKey {
    /// The key's system, for campaigns and owners (`hubspot`, `salesforce`).
    pub system: Option<String>,
    /// The key; `None` for the "none" row (people with no campaign, no owner...).
    pub id: Option<String>,
    /// The display name from the catalog (campaign name, content title, owner name), if known.
    pub label: Option<String>,
}
