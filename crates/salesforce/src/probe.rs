//! `check-config --probe`: does this configuration work against this org, and what would not?
//!
//! Holds no state. The probe makes real, read-only calls: the token and the org's limits, each
//! stream's own query cut to one row, and the describes of Lead, Contact and Opportunity, against
//! which every configured and mapped field is checked (it exists; it is updateable if pushed,
//! createable if a created Lead carries it; the person-id field is an External ID). Each finding
//! is a [`ProbeCheck`]; a failure means the daemon would not work as configured, a warning that
//! something would be quarantined or missing.

use crate::connector::SalesforceConnector;
use crate::error::SalesforceError;
use crate::fields::FieldPlan;
use crate::reader::first_row_query;
use crate::soql::{ApiName, Cond, Literal, Op, Query};
use crate::streams::ALL_PARTS;
use crate::wire::{Describe, DescribeField};
use closedloop_core::ObjectType;
use serde::Serialize;
use std::fmt;

/// How a check came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeOutcome {
    /// Works.
    Ok,
    /// Works, but something will be quarantined or missing.
    Warning,
    /// Does not work as configured.
    Failed,
}

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeCheck {
    /// What was checked (`auth`, `query Lead`, `field Lead.MQL_Date__c`).
    pub name: String,
    /// How it came out.
    pub outcome: ProbeOutcome,
    /// What was found, in words.
    pub detail: String,
}

/// Everything the probe found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProbeReport {
    /// The findings, in the order they were made.
    pub checks: Vec<ProbeCheck>,
}

impl ProbeReport {
    /// True when nothing failed (warnings allowed).
    pub fn passed(&self) -> bool {
        self.checks.iter().all(|c| c.outcome != ProbeOutcome::Failed)
    }

    /// The checks with this outcome.
    pub fn with_outcome(&self, outcome: ProbeOutcome) -> impl Iterator<Item = &ProbeCheck> {
        self.checks.iter().filter(move |c| c.outcome == outcome)
    }

    fn push(&mut self, name: impl Into<String>, outcome: ProbeOutcome, detail: impl Into<String>) {
        // Salesforce's query errors span lines (the query, a caret, the reason): one line each here.
        let detail = detail.into().split_whitespace().collect::<Vec<_>>().join(" ");
        self.checks.push(ProbeCheck {
            name: name.into(),
            outcome,
            detail,
        });
    }
}

impl fmt::Display for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            let tag = match c.outcome {
                ProbeOutcome::Ok => "ok",
                ProbeOutcome::Warning => "warning",
                ProbeOutcome::Failed => "FAILED",
            };
            writeln!(f, "{tag:<8} salesforce {}: {}", c.name, c.detail)?;
        }
        Ok(())
    }
}

fn field<'a>(describe: &'a Describe, name: &str) -> Option<&'a DescribeField> {
    describe.fields.iter().find(|f| f.name.eq_ignore_ascii_case(name))
}

/// Checks that `fields` exist on `object` (and are updateable / createable when asked).
fn check_fields(
    report: &mut ProbeReport,
    object: &str,
    describe: &Describe,
    fields: &[String],
    purpose: &str,
    needs: fn(&DescribeField) -> bool,
    needs_what: &str,
) {
    for name in fields {
        let check = format!("field {object}.{name}");
        match field(describe, name) {
            None => report.push(
                check,
                ProbeOutcome::Failed,
                format!("does not exist on {object} (it is {purpose}); create it or change the mapping"),
            ),
            Some(f) if !needs(f) => report.push(
                check,
                ProbeOutcome::Failed,
                format!("exists but is not {needs_what} (it is {purpose})"),
            ),
            Some(f) => report.push(check, ProbeOutcome::Ok, format!("{} field, {purpose}", f.kind)),
        }
    }
}

impl SalesforceConnector {
    /// Probes the org with this configuration and `plan` (see [`FieldPlan::from_rules`]).
    pub async fn probe(&self, plan: &FieldPlan) -> ProbeReport {
        let shared = self.shared();
        let mut report = ProbeReport::default();
        match shared.api.limits().await {
            Ok(limits) => {
                let detail = match limits.daily_api_requests {
                    Some(l) => format!("signed in; {} of {} daily api requests left", l.remaining, l.max),
                    None => "signed in".to_owned(),
                };
                report.push("auth", ProbeOutcome::Ok, detail);
            }
            Err(e) => {
                report.push("auth", ProbeOutcome::Failed, e.to_string());
                // Nothing else can work without a session.
                return report;
            }
        }
        let configured = shared.api.client().base_url().as_str().trim_end_matches('/').to_owned();
        if let Some(from_token) = shared.api.instance_from_token()
            && !from_token.eq_ignore_ascii_case(&configured)
        {
            report.push(
                "instance_url",
                ProbeOutcome::Warning,
                format!("the token response names {from_token}, the configuration {configured}: set salesforce.instance_url to it"),
            );
        }
        for (stream, part) in ALL_PARTS {
            let result: Result<String, SalesforceError> = async {
                let read = part.read(shared, stream).await?;
                let soql = first_row_query(&read).to_soql()?;
                shared.api.query(&soql, read.query_all).await?;
                Ok(read.object.to_string())
            }
            .await;
            match result {
                Ok(object) => report.push(
                    format!("stream {stream}"),
                    ProbeOutcome::Ok,
                    format!("the {object} query runs"),
                ),
                Err(e) => report.push(format!("stream {stream}"), ProbeOutcome::Failed, e.to_string()),
            }
        }
        self.probe_lead_history(&mut report).await;
        for object in ["Lead", "Contact", "Opportunity"] {
            match shared.api.describe(object).await {
                Ok(describe) => self.probe_object(&mut report, object, &describe, plan),
                Err(e) => report.push(format!("describe {object}"), ProbeOutcome::Failed, e.to_string()),
            }
        }
        report
    }

    async fn probe_lead_history(&self, report: &mut ProbeReport) {
        let names = crate::convert::names;
        let q = Query::select(&names(&["LeadHistory"]).remove(0), &names(&["Id"]))
            .filter(Cond::cmp(
                &names(&["Field"]).remove(0),
                Op::Eq,
                Literal::Str("Status".into()),
            ))
            .limit(1);
        let soql = match q.to_soql() {
            Ok(s) => s,
            Err(e) => return report.push("lead status history", ProbeOutcome::Failed, e.to_string()),
        };
        match self.shared().api.query(&soql, true).await {
            Ok(page) if page.records.is_empty() => report.push(
                "lead status history",
                ProbeOutcome::Warning,
                "no Lead Status history found: track the history of Lead.Status (Setup, Object Manager, Lead, \
                 Set History Tracking), or status milestones and speed to lead have no dates",
            ),
            Ok(_) => report.push(
                "lead status history",
                ProbeOutcome::Ok,
                "Lead.Status changes are tracked",
            ),
            Err(e) => report.push("lead status history", ProbeOutcome::Failed, e.to_string()),
        }
    }

    fn probe_object(&self, report: &mut ProbeReport, object: &str, describe: &Describe, plan: &FieldPlan) {
        let settings = &self.shared().settings;
        let of = |t: ObjectType| plan.read.get(&t).cloned().unwrap_or_default();
        let pushed = |t: ObjectType| plan.pushed.get(&t).cloned().unwrap_or_default();
        let exists: fn(&DescribeField) -> bool = |_| true;
        match object {
            "Lead" => {
                let mut read = of(ObjectType::Lead);
                read.extend(settings.lead_fields.iter().map(ApiName::to_string));
                read.sort();
                read.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
                check_fields(report, object, describe, &read, "read back", exists, "readable");
                check_fields(
                    report,
                    object,
                    describe,
                    &pushed(ObjectType::Lead),
                    "pushed",
                    |f| f.updateable,
                    "updateable",
                );
                check_fields(
                    report,
                    object,
                    describe,
                    &plan.created,
                    "set on created Leads",
                    |f| f.createable,
                    "createable",
                );
                let key = settings.person_id_field.as_str();
                match field(describe, key) {
                    Some(f) if f.external_id && f.unique => report.push(
                        format!("field Lead.{key}"),
                        ProbeOutcome::Ok,
                        "External ID, unique: creates are idempotent",
                    ),
                    Some(f) if f.external_id => report.push(
                        format!("field Lead.{key}"),
                        ProbeOutcome::Warning,
                        "External ID but not Unique: mark it Unique so no two Leads can share a person",
                    ),
                    Some(_) => report.push(
                        format!("field Lead.{key}"),
                        ProbeOutcome::Failed,
                        "is not an External ID field: creating Leads needs one (salesforce.person_id_field)",
                    ),
                    None if plan.created.is_empty() => {}
                    None => report.push(
                        format!("field Lead.{key}"),
                        ProbeOutcome::Failed,
                        "does not exist: create it as an External ID, Unique text field (salesforce.person_id_field)",
                    ),
                }
                if let Some(reason) = &settings.disqualification_field {
                    check_fields(
                        report,
                        object,
                        describe,
                        &[reason.to_string()],
                        "the disqualification reason",
                        exists,
                        "readable",
                    );
                }
                if let Some(status) = field(describe, "Status") {
                    let unmapped: Vec<&str> = status
                        .picklist_values
                        .iter()
                        .filter(|v| v.active && settings.lead_status(&v.value).is_none())
                        .map(|v| v.value.as_str())
                        .collect();
                    if unmapped.is_empty() {
                        report.push("lead_status_map", ProbeOutcome::Ok, "every Lead Status value is mapped");
                    } else {
                        report.push(
                            "lead_status_map",
                            ProbeOutcome::Warning,
                            format!(
                                "Lead Status values not in salesforce.lead_status_map (leads with them are quarantined): {}",
                                unmapped.join(", ")
                            ),
                        );
                    }
                    let stale: Vec<&str> = settings
                        .status_map
                        .keys()
                        .filter(|k| !status.picklist_values.iter().any(|v| v.value == **k))
                        .map(String::as_str)
                        .collect();
                    if !stale.is_empty() {
                        report.push(
                            "lead_status_map",
                            ProbeOutcome::Warning,
                            format!(
                                "mapped values the org's Lead Status does not have: {}",
                                stale.join(", ")
                            ),
                        );
                    }
                }
            }
            "Contact" => {
                let mut read = of(ObjectType::Contact);
                read.extend(settings.contact_fields.iter().map(ApiName::to_string));
                read.sort();
                read.dedup_by(|a, b| a.eq_ignore_ascii_case(b));
                check_fields(report, object, describe, &read, "read back", exists, "readable");
                check_fields(
                    report,
                    object,
                    describe,
                    &pushed(ObjectType::Contact),
                    "pushed",
                    |f| f.updateable,
                    "updateable",
                );
            }
            _ => {
                if let Some(reason) = &settings.close_reason_field {
                    check_fields(
                        report,
                        object,
                        describe,
                        &[reason.to_string()],
                        "the close reason",
                        exists,
                        "readable",
                    );
                }
                let multi = field(describe, "CurrencyIsoCode").is_some();
                report.push(
                    "currency",
                    ProbeOutcome::Ok,
                    if multi {
                        "multi-currency org: each opportunity's CurrencyIsoCode is used".to_owned()
                    } else {
                        format!("single-currency org: amounts are in {}", settings.currency.as_str())
                    },
                );
            }
        }
    }
}
