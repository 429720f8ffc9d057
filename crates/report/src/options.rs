//! What a report is asked for: the period, the attribution model, the targets, and the rules that
//! decide what counts as sales contact.
//!
//! Holds no state. [`ReportOptions::from_config`] takes the defaults from the `[report]` and
//! `[reconcile]` sections; the CLI and the daemon override the period and the model.

use chrono::NaiveDate;
use closedloop_config::Config;
use closedloop_config::service::ReportConfig;
use closedloop_core::Timestamp;
use closedloop_core::activity::ActivityKind;
use closedloop_core::rules::ReconcileRules;
use closedloop_core::stage::LeadStatus;
use serde::{Deserialize, Serialize};

/// The days a report covers, both ends inclusive, in UTC. Open ends mean "from the beginning" and
/// "up to now".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Period {
    /// The first day.
    pub since: Option<NaiveDate>,
    /// The last day.
    pub until: Option<NaiveDate>,
}

/// Lead statuses that say sales spoke to the lead, whatever the activity log holds: a converted
/// or qualified lead was worked, and reps often log attempts as a status rather than a task.
pub const CONTACT_STATUSES: [LeadStatus; 5] = [
    LeadStatus::AttemptingContact,
    LeadStatus::Connected,
    LeadStatus::InProgress,
    LeadStatus::Qualified,
    LeadStatus::Converted,
];

/// Everything a report is built from besides the store.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOptions {
    /// The days covered.
    pub period: Period,
    /// The attribution model of the main figures (`w_shaped`, `first_touch`...).
    pub model: String,
    /// How many campaigns the all-models comparison names.
    pub top_campaigns: u32,
    /// MQLs marketing promised per month.
    pub mql_target_per_month: Option<u32>,
    /// The contact SLA in hours (shown; the deadlines themselves were stored by reconcile).
    pub sla_hours: u32,
    /// The instant the report is made at: SLA deadlines are judged at it.
    pub now: Timestamp,
    /// Activity kinds that count as sales contact.
    pub contact_activity_kinds: Vec<ActivityKind>,
    /// Lead statuses that count as sales contact.
    pub contact_statuses: Vec<LeadStatus>,
    /// At most this many people in each list (breaches, stalled MQLs, duplicates); the report
    /// says how many there are in all.
    pub list_limit: u32,
}

/// People per list unless told otherwise: enough to act on, few enough to print.
pub const DEFAULT_LIST_LIMIT: u32 = 200;

impl ReportOptions {
    /// The options a config implies, at `now`, for all time and the configured default model.
    pub fn from_config(config: &Config, now: Timestamp) -> ReportOptions {
        ReportOptions::from_parts(&config.report, &config.reconcile, now)
    }

    /// The options of a `[report]` section and the `[reconcile]` rules, at `now`.
    pub fn from_parts(report: &ReportConfig, rules: &ReconcileRules, now: Timestamp) -> ReportOptions {
        let contact = &rules.stages.first_contact;
        let mut statuses: Vec<LeadStatus> = CONTACT_STATUSES.to_vec();
        statuses.extend(
            contact
                .lead_statuses
                .iter()
                .copied()
                .filter(|s| !CONTACT_STATUSES.contains(s)),
        );
        ReportOptions {
            period: Period::default(),
            model: report.default_model.clone(),
            top_campaigns: report.top_campaigns,
            mql_target_per_month: report.mql_target_per_month,
            sla_hours: rules.stages.sla_hours,
            now,
            contact_activity_kinds: contact.activity_kinds.clone(),
            contact_statuses: statuses,
            list_limit: DEFAULT_LIST_LIMIT,
        }
    }

    /// The options of the default configuration at `now`.
    pub fn defaults(now: Timestamp) -> ReportOptions {
        ReportOptions::from_parts(&ReportConfig::default(), &ReconcileRules::default(), now)
    }
}
