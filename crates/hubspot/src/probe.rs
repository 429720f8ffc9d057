//! The connection probe `check-config --probe` prints: what works, and what is missing.
//!
//! Holds no state. Each check makes one small read (a page of one) through the account's client,
//! so it also proves the credentials and each stream's scope. The report then compares the
//! contact properties that exist with the ones closedloop reads and writes: written properties
//! that do not exist are created on first push (listed as "would create"), read-only or
//! wrongly-typed ones are problems, and read properties that exist nowhere are unreadable.

use crate::client::{CAMPAIGNS, EMAIL_EVENTS, FORMS, LIST, MARKETING_EVENTS, OWNERS, PIPELINES, SEARCH, WEB_EVENTS};
use crate::connector::Shared;
use crate::convert::contact;
use crate::properties::{self, hubspot_type, type_fits};
use closedloop_outbound::Endpoint;
use serde::Serialize;
use serde_json::json;
use std::fmt;

/// The outcome of one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProbeStatus {
    /// Works.
    Ok,
    /// Works, but something needs a decision (a property to create, a field that cannot be read).
    Warning,
    /// Does not work.
    Failed,
}

/// One check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProbeCheck {
    /// What was checked (`auth`, `hubspot.contacts list`...).
    pub name: String,
    /// The outcome.
    pub status: ProbeStatus,
    /// What was found, or HubSpot's words when it failed.
    pub detail: String,
}

/// What the probe found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ProbeReport {
    /// Every check, in order.
    pub checks: Vec<ProbeCheck>,
    /// Custom properties the first push will create: `(name, hubspot type)`.
    pub would_create: Vec<(String, String)>,
    /// Read-back or extra properties that exist nowhere in the portal.
    pub unreadable: Vec<String>,
}

impl ProbeReport {
    /// True when nothing failed (warnings allowed).
    pub fn is_ok(&self) -> bool {
        self.checks.iter().all(|c| c.status != ProbeStatus::Failed)
    }

    fn push(&mut self, name: &str, status: ProbeStatus, detail: impl Into<String>) {
        self.checks.push(ProbeCheck {
            name: name.to_owned(),
            status,
            detail: detail.into(),
        });
    }
}

impl fmt::Display for ProbeReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.checks {
            let mark = match c.status {
                ProbeStatus::Ok => "ok  ",
                ProbeStatus::Warning => "warn",
                ProbeStatus::Failed => "FAIL",
            };
            writeln!(f, "hubspot {mark} {}: {}", c.name, c.detail)?;
        }
        Ok(())
    }
}

/// Explains a failed call: HubSpot's words, and what usually causes the status.
fn explain(error: &closedloop_outbound::Error) -> String {
    let hint = match error.status().map(|s| s.as_u16()) {
        Some(401) => " (the token is invalid or expired; check hubspot.auth)",
        Some(403) => " (the app lacks the scope this call needs; add it to the private app or OAuth app)",
        _ if error.is_quota_exhausted() => " (the daily api quota is spent)",
        _ => "",
    };
    format!("{error}{hint}")
}

async fn check_get(
    shared: &Shared,
    report: &mut ProbeReport,
    name: &str,
    path: &str,
    endpoint: Endpoint,
    query: &[(&str, &str)],
) {
    match shared
        .client
        .get(path, endpoint)
        .query(query.iter().copied())
        .send()
        .await
    {
        Ok(_) => report.push(name, ProbeStatus::Ok, format!("GET {path} answered")),
        Err(e) => report.push(name, ProbeStatus::Failed, explain(&e)),
    }
}

/// Runs every check.
pub(crate) async fn run(shared: &Shared) -> ProbeReport {
    let mut report = ProbeReport::default();
    let settings = &shared.settings;
    // The property list proves the credentials and is needed below.
    let existing = match properties::existing(shared, true).await {
        Ok(list) => {
            report.push(
                "auth",
                ProbeStatus::Ok,
                format!("authenticated; {} contact properties readable", list.len()),
            );
            Some(list)
        }
        Err(e) => {
            let detail = e.api().map(explain).unwrap_or_else(|| e.to_string());
            report.push("auth", ProbeStatus::Failed, detail);
            None
        }
    };
    check_get(
        shared,
        &mut report,
        "hubspot.contacts list",
        "/crm/v3/objects/contacts",
        LIST,
        &[("limit", "1")],
    )
    .await;
    let search = json!({ "filterGroups": [], "properties": ["lastmodifieddate"], "limit": 1 });
    match shared
        .client
        .post("/crm/v3/objects/contacts/search", SEARCH)
        .json(&search)
        .send()
        .await
    {
        Ok(_) => report.push("hubspot.contacts search", ProbeStatus::Ok, "incremental reads work"),
        Err(e) => report.push("hubspot.contacts search", ProbeStatus::Failed, explain(&e)),
    }
    check_get(
        shared,
        &mut report,
        "hubspot.contacts_archived",
        "/crm/v3/objects/contacts",
        LIST,
        &[("limit", "1"), ("archived", "true")],
    )
    .await;
    if settings.deals_enabled {
        check_get(
            shared,
            &mut report,
            "hubspot.deals list",
            "/crm/v3/objects/deals",
            LIST,
            &[("limit", "1")],
        )
        .await;
        check_get(
            shared,
            &mut report,
            "hubspot.deals pipelines",
            "/crm/v3/pipelines/deals",
            PIPELINES,
            &[],
        )
        .await;
    }
    check_get(
        shared,
        &mut report,
        "hubspot.catalog owners",
        "/crm/v3/owners",
        OWNERS,
        &[("limit", "1")],
    )
    .await;
    check_get(
        shared,
        &mut report,
        "hubspot.catalog campaigns",
        "/marketing/v3/campaigns",
        CAMPAIGNS,
        &[("limit", "1")],
    )
    .await;
    check_get(
        shared,
        &mut report,
        "hubspot.form_submissions forms",
        "/marketing/v3/forms",
        FORMS,
        &[("limit", "1")],
    )
    .await;
    check_get(
        shared,
        &mut report,
        "hubspot.marketing_events",
        "/marketing/v3/marketing-events",
        MARKETING_EVENTS,
        &[("limit", "1")],
    )
    .await;
    check_get(
        shared,
        &mut report,
        "hubspot.web_events",
        "/events/v3/events",
        WEB_EVENTS,
        &[
            ("objectType", "contact"),
            ("eventType", "e_visited_page"),
            ("limit", "1"),
        ],
    )
    .await;
    check_get(
        shared,
        &mut report,
        "hubspot.email_events",
        "/email/public/v1/events",
        EMAIL_EVENTS,
        &[("eventType", "CLICK"), ("limit", "1")],
    )
    .await;

    let Some(existing) = existing else {
        return report;
    };
    let mut problems = Vec::new();
    for field in &settings.fields.write {
        match existing.get(&field.name) {
            None => {
                let (kind, _) = hubspot_type(field.kind);
                report.would_create.push((field.name.clone(), kind.to_owned()));
            }
            Some(def) if def.modification_metadata.as_ref().is_some_and(|m| m.read_only_value) => {
                problems.push(format!("{} is read-only in hubspot", field.name));
            }
            Some(def) if !type_fits(&def.kind, field.kind) => problems.push(format!(
                "{} is a {} property, but closedloop writes {:?} values to it",
                field.name, def.kind, field.kind
            )),
            Some(_) => {}
        }
    }
    let always: Vec<String> = contact::BASE_PROPERTIES.iter().map(|s| (*s).to_owned()).collect();
    for name in settings.fields.read.iter().chain(&always) {
        let written = settings.fields.write.iter().any(|w| &w.name == name);
        if !existing.contains_key(name) && !written {
            report.unreadable.push(name.clone());
        }
    }
    if report.would_create.is_empty() {
        report.push("contact properties", ProbeStatus::Ok, "every written property exists");
    } else {
        let names: Vec<String> = report.would_create.iter().map(|(n, k)| format!("{n} ({k})")).collect();
        let group = match properties::group_exists(shared, &settings.property_group).await {
            Ok(true) => format!("in group {}", settings.property_group),
            Ok(false) => format!("in group {}, which will be created too", settings.property_group),
            Err(e) => format!("in group {} (cannot list groups: {e})", settings.property_group),
        };
        report.push(
            "contact properties",
            ProbeStatus::Warning,
            format!("the first push will create {} {group}", names.join(", ")),
        );
    }
    if !problems.is_empty() {
        report.push("contact property types", ProbeStatus::Failed, problems.join("; "));
    }
    if !report.unreadable.is_empty() {
        report.push(
            "read properties",
            ProbeStatus::Warning,
            format!("no such contact properties: {}", report.unreadable.join(", ")),
        );
    }
    report
}
