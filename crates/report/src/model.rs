//! The report as data: every section and figure, as the renderers show it and as the JSON output
//! carries it (docs/report-schema.md documents each field).
//!
//! Holds no state and computes nothing: [`crate::build`] fills it from the store's counts and the
//! core's statistics. Rates are fractions (0.25 is 25%), `None` when their denominator is zero;
//! amounts are integer cents with their currency; times are UTC.

use crate::options::Period;
use chrono::NaiveDate;
use closedloop_core::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The JSON layout's version: bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// The whole closed-loop report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// [`SCHEMA_VERSION`].
    pub schema_version: u32,
    /// When the report was made (SLA deadlines are judged at this instant).
    pub generated_at: Timestamp,
    /// When reconcile last computed anyone: the figures are as fresh as this.
    pub data_as_of: Option<Timestamp>,
    /// The days covered.
    pub period: Period,
    /// The attribution model of the main figures.
    pub model: String,
    /// Every model reconcile stored credits for.
    pub models: Vec<String>,
    /// The currency of the charts and the model comparison: the one with the most pipeline.
    pub currency: Option<String>,
    /// The headline figures.
    pub summary: Summary,
    /// The funnel.
    pub funnel: FunnelSection,
    /// Revenue and pipeline attribution.
    pub attribution: AttributionSection,
    /// Lead quality per campaign.
    pub lead_quality: LeadQualitySection,
    /// Content assets.
    pub content: ContentSection,
    /// The SLA between marketing and sales.
    pub sla: SlaSection,
    /// Data health.
    pub data_health: HealthSection,
}

/// A row's identity: a campaign, channel, content asset or owner.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Group {
    /// The key (campaign id, channel name, content key, owner id); `None` for the row of people
    /// without one and for totals.
    pub id: Option<String>,
    /// The key's system, for campaigns and owners.
    pub system: Option<String>,
    /// What to call it: the catalog's name, else the key, else a description of the row.
    pub name: String,
}

/// An amount of money.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Amount {
    /// ISO 4217 code.
    pub currency: String,
    /// Cents (minor units).
    pub minor: i64,
}

/// The figures a meeting opens with.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    /// People first reached in the period.
    pub reached: i64,
    /// Of them, leads.
    pub leads: i64,
    /// MQLs.
    pub mqls: i64,
    /// SQLs.
    pub sqls: i64,
    /// Opportunities.
    pub opportunities: i64,
    /// Customers.
    pub won: i64,
    /// Pipeline created in the period, per currency.
    pub pipeline: Vec<Amount>,
    /// Revenue won in the period, per currency.
    pub revenue: Vec<Amount>,
    /// MQLs handed over in the period against the target for its months.
    pub mql_target_attainment: Option<f64>,
    /// Hand-offs contacted within the SLA, as a share of those judged (met + breached).
    pub sla_met_rate: Option<f64>,
    /// Median minutes from hand-off to first contact.
    pub median_speed_to_lead_minutes: Option<f64>,
}

/// Stage-to-stage conversion: of the people who reached the first stage, the share who reached
/// the second.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct StageRates {
    /// Reached → lead.
    pub reached_to_lead: Option<f64>,
    /// Lead → MQL.
    pub lead_to_mql: Option<f64>,
    /// MQL → SQL.
    pub mql_to_sql: Option<f64>,
    /// SQL → opportunity.
    pub sql_to_opportunity: Option<f64>,
    /// Opportunity → won.
    pub opportunity_to_won: Option<f64>,
    /// Reached → won: the whole funnel.
    pub reached_to_won: Option<f64>,
}

/// Median days between consecutive stages, over the people with both (implied stages and stages
/// out of order left out).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct StageDays {
    /// Reached → lead.
    pub reached_to_lead: Option<f64>,
    /// Lead → MQL.
    pub lead_to_mql: Option<f64>,
    /// MQL → SQL.
    pub mql_to_sql: Option<f64>,
    /// SQL → opportunity.
    pub sql_to_opportunity: Option<f64>,
    /// Opportunity → won.
    pub opportunity_to_won: Option<f64>,
}

/// One funnel row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelRow {
    /// The campaign, channel or content asset (each person in the row of their first touch).
    pub group: Group,
    /// People first reached in the period.
    pub reached: i64,
    /// Leads.
    pub leads: i64,
    /// MQLs.
    pub mqls: i64,
    /// SQLs.
    pub sqls: i64,
    /// Opportunities.
    pub opportunities: i64,
    /// Customers.
    pub won: i64,
    /// Lost (every deal lost).
    pub lost: i64,
    /// Conversion rates.
    pub conversion: StageRates,
    /// Median days between stages.
    pub median_days: StageDays,
}

/// The funnel section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelSection {
    /// Per campaign of the first touch.
    pub by_campaign: Vec<FunnelRow>,
    /// Per channel.
    pub by_channel: Vec<FunnelRow>,
    /// Per content asset.
    pub by_content: Vec<FunnelRow>,
    /// Everyone.
    pub total: FunnelRow,
}

/// Conversions credited to a row (sums of shares: fractional).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Credited {
    /// Leads.
    pub leads: f64,
    /// MQLs.
    pub mqls: f64,
    /// SQLs.
    pub sqls: f64,
    /// Opportunities.
    pub opportunities: f64,
    /// Customers.
    pub won: f64,
}

/// One attribution row under the chosen model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionRow {
    /// The campaign or channel.
    pub group: Group,
    /// True for conversions no touch earned (no touches, or none in a weighted position).
    pub unattributed: bool,
    /// Credited funnel conversions.
    pub credited: Credited,
    /// Credited deals created (shares).
    pub deals_created: f64,
    /// Pipeline credited, per currency.
    pub pipeline: Vec<Amount>,
    /// Credited deals won (shares).
    pub deals_won: f64,
    /// Revenue credited, per currency.
    pub revenue: Vec<Amount>,
}

/// One row of the model comparison.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonRow {
    /// The campaign, or the bucket's description.
    pub group: Group,
    /// `top`, `other`, `no_campaign` or `unattributed`.
    pub bucket: String,
    /// Revenue credited per model, cents in the comparison's currency.
    pub revenue_minor: BTreeMap<String, i64>,
    /// Pipeline credited per model, cents.
    pub pipeline_minor: BTreeMap<String, i64>,
}

/// Every model side by side for the top campaigns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelComparison {
    /// The currency compared.
    pub currency: Option<String>,
    /// The models, in column order.
    pub models: Vec<String>,
    /// The top campaigns by revenue (then pipeline) under the chosen model, then the rest.
    pub rows: Vec<ComparisonRow>,
}

/// The attribution section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttributionSection {
    /// The model.
    pub model: String,
    /// Per campaign.
    pub by_campaign: Vec<AttributionRow>,
    /// Per channel.
    pub by_channel: Vec<AttributionRow>,
    /// Everything.
    pub total: AttributionRow,
    /// The comparison.
    pub comparison: ModelComparison,
}

/// A disqualification reason and how often.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    /// The reason (`(no reason given)` when sales gave none).
    pub reason: String,
    /// Leads.
    pub count: i64,
}

/// One campaign's lead quality.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadQualityRow {
    /// The campaign of the first touch.
    pub group: Group,
    /// Leads.
    pub leads: i64,
    /// MQLs among them.
    pub mqls: i64,
    /// Contacted by sales.
    pub contacted: i64,
    /// Contacted / leads.
    pub contacted_rate: Option<f64>,
    /// Disqualified.
    pub disqualified: i64,
    /// Disqualified / leads.
    pub disqualified_rate: Option<f64>,
    /// The three most frequent reasons.
    pub top_reasons: Vec<ReasonCount>,
    /// Recycled to marketing.
    pub recycled: i64,
    /// SQLs: "worth a call".
    pub sqls: i64,
    /// SQLs / leads.
    pub sql_rate: Option<f64>,
    /// Customers.
    pub won: i64,
}

/// The lead-quality section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeadQualitySection {
    /// Per campaign.
    pub by_campaign: Vec<LeadQualityRow>,
    /// All leads.
    pub total: LeadQualityRow,
}

/// One content asset.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentRow {
    /// The asset (key, title).
    pub group: Group,
    /// The kind (`webinar`, `whitepaper`...).
    pub kind: Option<String>,
    /// People engaged in the period.
    pub people: i64,
    /// Their touches.
    pub touches: i64,
    /// Downloads.
    pub downloads: i64,
    /// Webinar attendees.
    pub attendees: i64,
    /// Median minutes watched per attendance.
    pub median_minutes_watched: Option<f64>,
    /// Median percent of the running time watched per attendance.
    pub median_percent_watched: Option<f64>,
    /// Engaged people who became MQLs afterwards.
    pub mqls_influenced: i64,
    /// Deals created after an engaged person's engagement, on which they are.
    pub deals_influenced: i64,
    /// Of those, won.
    pub deals_won_influenced: i64,
    /// Pipeline credited under the chosen model, per currency.
    pub pipeline: Vec<Amount>,
    /// Revenue credited under the chosen model, per currency.
    pub revenue: Vec<Amount>,
}

/// The content section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContentSection {
    /// Every asset, most people first.
    pub assets: Vec<ContentRow>,
}

/// Speed to lead and the contact SLA of a group of hand-offs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedRow {
    /// The owner, month, or everyone.
    pub group: Group,
    /// MQLs (implied ones included).
    pub mqls: i64,
    /// Hand-offs (MQLs with evidence of their own).
    pub handoffs: i64,
    /// Contacted by the deadline.
    pub met: i64,
    /// Contacted late, or not with the deadline passed.
    pub breached: i64,
    /// Deadline ahead, not contacted yet.
    pub pending: i64,
    /// Not contacted (breached or pending).
    pub not_contacted: i64,
    /// met / (met + breached).
    pub met_rate: Option<f64>,
    /// Median minutes to first contact (contacted hand-offs).
    pub median_minutes: Option<f64>,
    /// 90th percentile (nearest rank).
    pub p90_minutes: Option<f64>,
}

/// MQLs of one month against the target.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthRow {
    /// `YYYY-MM`.
    pub month: String,
    /// MQLs (implied included).
    pub mqls: i64,
    /// Implied MQLs (skipped the stage: not marketing's hand-off).
    pub implied: i64,
    /// Hand-offs: what the target is about.
    pub handoffs: i64,
    /// The monthly target.
    pub target: Option<u32>,
    /// handoffs / target.
    pub attainment: Option<f64>,
    /// The month's speed to lead and SLA.
    pub speed: SpeedRow,
}

/// One bucket of the speed-to-lead distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SpeedBucket {
    /// `< 5 min`, `5–30 min`, ..., `not contacted`.
    pub label: String,
    /// Lower bound in minutes (inclusive); `None` for "not contacted".
    pub from_minutes: Option<i64>,
    /// Upper bound in minutes (exclusive); `None` for the last bucket and "not contacted".
    pub to_minutes: Option<i64>,
    /// Hand-offs.
    pub count: i64,
}

/// One MQL in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MqlPerson {
    /// closedloop's person id.
    pub person_id: i64,
    /// Email.
    pub email: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// CRM owner.
    pub owner: Group,
    /// `YYYY-MM` of the MQL.
    pub month: String,
    /// When the person became an MQL.
    pub mql_at: Timestamp,
    /// The contact deadline.
    pub due_at: Option<Timestamp>,
    /// The first sales contact after the hand-off.
    pub first_contact_at: Option<Timestamp>,
    /// Hours past the deadline (to the contact, or to now without one).
    pub hours_late: Option<f64>,
    /// Days since the MQL.
    pub days_since_mql: f64,
    /// Current lead status.
    pub lead_status: Option<String>,
    /// Disqualification reason.
    pub disqualification_reason: Option<String>,
    /// `marketing` or `sales`: who owns the person now.
    pub owner_side: String,
    /// Breaches: `late` or `not_contacted`; stalled: `recycled` or `never_contacted`.
    pub what_happened: String,
}

/// A list of people and how many there are in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PersonList {
    /// All matching people.
    pub total: i64,
    /// The first of them (oldest MQL first), at most the list limit.
    pub people: Vec<MqlPerson>,
}

/// The SLA section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaSection {
    /// The contact SLA in hours.
    pub sla_hours: u32,
    /// MQLs promised per month.
    pub mql_target_per_month: Option<u32>,
    /// Every month of the period.
    pub by_month: Vec<MonthRow>,
    /// Per CRM owner.
    pub by_owner: Vec<SpeedRow>,
    /// Every hand-off.
    pub total: SpeedRow,
    /// Speed-to-lead distribution.
    pub distribution: Vec<SpeedBucket>,
    /// MQLs not contacted within the SLA.
    pub breaches: PersonList,
    /// MQLs recycled, or never contacted after the deadline.
    pub stalled: PersonList,
}

/// Duplicate records of one system and kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DuplicateCount {
    /// The system.
    pub system: String,
    /// `same_object` or `lead_beside_contact`.
    pub kind: String,
    /// Duplicate records.
    pub records: i64,
    /// People affected.
    pub people: i64,
}

/// One duplicate record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Duplicate {
    /// The person.
    pub person_id: i64,
    /// Email.
    pub email: Option<String>,
    /// The system.
    pub system: String,
    /// The kind.
    pub kind: String,
    /// The duplicate record (`lead 00Q...`).
    pub duplicate: String,
    /// The record it duplicates.
    pub primary: String,
    /// First found.
    pub first_found_at: Timestamp,
}

/// Quarantined input of one stream and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuarantineCount {
    /// The source system.
    pub system: String,
    /// The stream.
    pub stream: String,
    /// The reason.
    pub reason: String,
    /// Distinct inputs.
    pub entries: i64,
    /// Times seen.
    pub occurrences: i64,
    /// Last seen.
    pub last_seen_at: Option<Timestamp>,
}

/// Writes given up for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PushErrorCount {
    /// The target system.
    pub target: String,
    /// The object.
    pub object: String,
    /// The error.
    pub reason: String,
    /// Writes.
    pub writes: i64,
    /// The latest.
    pub last_at: Option<Timestamp>,
}

/// Who the figures cover.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coverage {
    /// People reconcile computed.
    pub people: i64,
    /// Records waiting for reconcile.
    pub awaiting_reconcile: i64,
    /// People in both systems.
    pub both_systems: i64,
    /// Marketing platform only.
    pub marketing_only: i64,
    /// CRM only.
    pub crm_only: i64,
}

/// The data-health section.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HealthSection {
    /// Coverage.
    pub coverage: Coverage,
    /// Duplicates by system and kind.
    pub duplicates: Vec<DuplicateCount>,
    /// The duplicate records (at most the list limit).
    pub duplicate_records: Vec<Duplicate>,
    /// Open quarantine by reason.
    pub quarantine: Vec<QuarantineCount>,
    /// Dead letters by reason.
    pub push_errors: Vec<PushErrorCount>,
}

/// A month as `YYYY-MM`.
pub fn month_of(date: NaiveDate) -> String {
    date.format("%Y-%m").to_string()
}
