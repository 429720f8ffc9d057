//! Lead status history: LeadHistory rows → `StageChange::LeadStatus`, timestamped.
//!
//! Holds no state. Reconcile dates milestones (MQL by lead status, first contact, disqualified)
//! only from timestamped status changes, so each `Status` row becomes a change at its
//! `CreatedDate`, mapped through `lead_status_map` (an unknown value quarantines the row), and a
//! lead's `created` row becomes the status it was created with: the `OldValue` of its first
//! `Status` row, or its current `Status` when it never changed.
//!
//! The disqualification reason travels with a change to a disqualified or recycled status: from a
//! history row of the reason field at the same instant when the org tracks that field's history,
//! else from the lead's current reason when this change is the lead's latest and its status is
//! still the same. What a page cannot tell alone comes from two lookups the stream makes
//! ([`Needs`] → [`Lookups`]).

use super::row::{MAX_FIELD_CHARS, MAX_TEXT_CHARS, RowReader};
use super::{Context, Converted, check_created, names};
use crate::soql::{ApiName, Cond, Literal};
use crate::wire::Row;
use closedloop_core::deal::{StageChange, StageValue};
use closedloop_core::page::Record;
use closedloop_core::stage::LeadStatus;
use closedloop_core::{ExternalId, ObjectType, SalesforceId, System, Timestamp};
use std::collections::{BTreeSet, HashMap};

const HISTORY_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "LeadId",
    "Field",
    "OldValue",
    "NewValue",
    "CreatedDate",
];

/// The SELECT list of lead history.
pub(crate) fn history_select() -> Vec<ApiName> {
    names(HISTORY_FIELDS)
}

/// Only the rows this stream needs: creations, status changes, and the reason field's changes.
pub(crate) fn field_filter(ctx: &Context<'_>) -> Cond {
    let mut values = vec![Literal::Str("created".into()), Literal::Str("Status".into())];
    if let Some(reason) = &ctx.settings.disqualification_field {
        values.push(Literal::Str(reason.as_str().to_owned()));
    }
    Cond::In(names(&["Field"]).remove(0), values)
}

/// What a row is about.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Created,
    Status,
    Reason,
}

/// One usable history row.
#[derive(Debug, Clone)]
pub(crate) struct HistoryRow {
    index: usize,
    id: SalesforceId,
    lead: SalesforceId,
    kind: Kind,
    old: Option<String>,
    new: Option<String>,
    at: Timestamp,
}

/// A page of rows, read.
#[derive(Debug, Default)]
pub(crate) struct Parsed {
    rows: Vec<HistoryRow>,
    /// Rows that could not be read: (index in the page, reason).
    pub rejects: Vec<(usize, String)>,
}

/// A lead as it is now.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct LeadNow {
    /// Its `Status`.
    pub status: Option<String>,
    /// Its disqualification reason.
    pub reason: Option<String>,
}

/// What the page cannot tell alone.
#[derive(Debug, Default, PartialEq)]
pub(crate) struct Needs {
    /// Leads created in this page whose first `Status` change is not in it.
    pub first_status: BTreeSet<SalesforceId>,
    /// Leads whose current status and reason are needed.
    pub current: BTreeSet<SalesforceId>,
}

/// The answers to [`Needs`].
#[derive(Debug, Default)]
pub(crate) struct Lookups {
    /// Lead → the `OldValue` of its first `Status` row (absent: it has none).
    pub first_status: HashMap<SalesforceId, Option<String>>,
    /// Lead → its current values.
    pub current: HashMap<SalesforceId, LeadNow>,
}

/// Reads the page's rows; deleted rows and other fields are dropped.
pub(crate) fn parse(ctx: &Context<'_>, rows: &[Row]) -> Parsed {
    let reason_field = ctx.settings.disqualification_field.as_ref();
    let mut parsed = Parsed::default();
    for (index, row) in rows.iter().enumerate() {
        let read = || -> Result<Option<HistoryRow>, String> {
            let r = RowReader::new(row, "LeadHistory");
            let id = r.id("Id")?;
            if r.flag("IsDeleted")? {
                return Ok(None);
            }
            let field = r.text("Field", MAX_TEXT_CHARS)?.unwrap_or_default();
            let kind = if field.eq_ignore_ascii_case("created") {
                Kind::Created
            } else if field.eq_ignore_ascii_case("Status") {
                Kind::Status
            } else if reason_field.is_some_and(|f| f.same_as(&field)) {
                Kind::Reason
            } else {
                return Ok(None);
            };
            let at = r.required_datetime("CreatedDate")?;
            check_created("LeadHistory", at, ctx)?;
            Ok(Some(HistoryRow {
                index,
                id,
                lead: r.id("LeadId")?,
                kind,
                old: r.raw("OldValue")?,
                new: r.raw("NewValue")?,
                at,
            }))
        };
        match read() {
            Ok(Some(h)) => parsed.rows.push(h),
            Ok(None) => {}
            Err(reason) => parsed.rejects.push((index, reason)),
        }
    }
    parsed
}

fn reason_status(status: LeadStatus) -> bool {
    matches!(status, LeadStatus::Disqualified | LeadStatus::Recycled)
}

impl Parsed {
    fn status_rows(&self, lead: &SalesforceId) -> impl Iterator<Item = &HistoryRow> {
        self.rows
            .iter()
            .filter(move |r| r.kind == Kind::Status && r.lead == *lead)
    }

    fn paired_reason(&self, change: &HistoryRow) -> Option<&HistoryRow> {
        self.rows
            .iter()
            .find(|r| r.kind == Kind::Reason && r.lead == change.lead && r.at == change.at)
    }

    /// The lookups this page needs.
    pub(crate) fn needs(&self, ctx: &Context<'_>) -> Needs {
        let mut needs = Needs::default();
        for row in &self.rows {
            match row.kind {
                Kind::Created if self.status_rows(&row.lead).next().is_none() => {
                    needs.first_status.insert(row.lead.clone());
                    needs.current.insert(row.lead.clone());
                }
                Kind::Status => {
                    let wants_reason = ctx.settings.disqualification_field.is_some()
                        && row
                            .new
                            .as_deref()
                            .and_then(|v| ctx.settings.lead_status(v))
                            .is_some_and(reason_status);
                    if wants_reason && self.paired_reason(row).is_none() {
                        needs.current.insert(row.lead.clone());
                    }
                }
                _ => {}
            }
        }
        needs
    }

    /// The stage changes, one result per usable row (by index in the page).
    pub(crate) fn convert(&self, ctx: &Context<'_>, lookups: &Lookups) -> Vec<(usize, Result<Converted, String>)> {
        let mut out = Vec::new();
        for row in &self.rows {
            let (raw, reason) = match row.kind {
                Kind::Reason => continue,
                Kind::Created => {
                    let first = self.status_rows(&row.lead).next().map(|s| s.old.clone());
                    let initial = match first {
                        Some(old) => old,
                        None => match lookups.first_status.get(&row.lead) {
                            Some(old) => old.clone(),
                            None => lookups.current.get(&row.lead).and_then(|l| l.status.clone()),
                        },
                    };
                    (initial, None)
                }
                Kind::Status => {
                    let reason = match self.paired_reason(row) {
                        Some(paired) => paired.new.clone(),
                        None => {
                            let latest = self.status_rows(&row.lead).last().is_some_and(|l| l.id == row.id);
                            lookups
                                .current
                                .get(&row.lead)
                                .filter(|now| latest && now.status.is_some() && now.status == row.new)
                                .and_then(|now| now.reason.clone())
                        }
                    };
                    (row.new.clone(), reason)
                }
            };
            let Some(raw) = raw else { continue };
            let result = match ctx.settings.lead_status(&raw) {
                None => Err(format!(
                    "LeadHistory status {raw:?} of lead {} is not in salesforce.lead_status_map",
                    row.lead
                )),
                Some(status) => Ok(Converted::records(vec![Record::StageChange(StageChange {
                    subject: ExternalId::salesforce(ObjectType::Lead, &row.lead),
                    value: StageValue::LeadStatus {
                        status,
                        raw,
                        reason: reason.filter(|_| reason_status(status)),
                    },
                    at: row.at,
                    source: System::Salesforce,
                    source_ref: Some(row.id.to_string()),
                })])),
            };
            out.push((row.index, result));
        }
        out
    }
}

/// The lookup of leads' first status change: `LeadId`, `OldValue` in time order.
pub(crate) fn first_status_select() -> Vec<ApiName> {
    names(&["Id", "LeadId", "OldValue", "CreatedDate"])
}

/// The lookup of leads' current values.
pub(crate) fn current_select(ctx: &Context<'_>) -> Vec<ApiName> {
    let mut fields = names(&["Id", "Status"]);
    fields.extend(ctx.settings.disqualification_field.iter().cloned());
    fields
}

/// Reads a row of the current-values lookup.
pub(crate) fn lead_now(ctx: &Context<'_>, row: &Row) -> Option<(SalesforceId, LeadNow)> {
    let r = RowReader::new(row, "Lead");
    let id = r.id("Id").ok()?;
    let reason = match &ctx.settings.disqualification_field {
        Some(f) => r.text(f.as_str(), MAX_FIELD_CHARS).ok().flatten(),
        None => None,
    };
    Some((
        id,
        LeadNow {
            status: r.text("Status", MAX_TEXT_CHARS).ok().flatten(),
            reason,
        },
    ))
}

/// Reads a row of the first-status lookup.
pub(crate) fn first_status_row(row: &Row) -> Option<(SalesforceId, Option<String>)> {
    let r = RowReader::new(row, "LeadHistory");
    Some((r.id("LeadId").ok()?, r.raw("OldValue").ok().flatten()))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ctx, row, settings};
    use super::*;
    use serde_json::json;

    const LEAD: &str = "00Q5g0000000001";

    fn h(id: u32, field: &str, old: Option<&str>, new: Option<&str>, at: &str) -> Row {
        row(json!({
            "Id": format!("0175g000000{id:04}"), "IsDeleted": false, "LeadId": LEAD, "Field": field,
            "OldValue": old, "NewValue": new, "CreatedDate": format!("2024-03-0{at}.000+0000"),
        }))
    }

    fn changes(out: &[(usize, Result<Converted, String>)]) -> Vec<(String, Option<String>, String)> {
        out.iter()
            .filter_map(|(_, r)| r.as_ref().ok())
            .flat_map(|c| c.records.iter())
            .filter_map(|r| match r {
                Record::StageChange(StageChange {
                    value: StageValue::LeadStatus { raw, reason, .. },
                    at,
                    ..
                }) => Some((raw.clone(), reason.clone(), at.format("%d %H:%M").to_string())),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_page_with_the_whole_story_needs_no_lookup_but_the_latest_reason() {
        let s = settings();
        let c = ctx(&s);
        let rows = vec![
            h(1, "created", None, None, "1T09:00:00"),
            h(
                2,
                "Status",
                Some("Open - Not Contacted"),
                Some("Working - Contacted"),
                "1T10:00:00",
            ),
            h(
                3,
                "Status",
                Some("Working - Contacted"),
                Some("Closed - Not Converted"),
                "2T10:00:00",
            ),
        ];
        let parsed = parse(&c, &rows);
        let needs = parsed.needs(&c);
        assert!(needs.first_status.is_empty());
        assert_eq!(
            needs.current.len(),
            1,
            "the disqualification reason is the lead's current one"
        );
        let mut lookups = Lookups::default();
        lookups.current.insert(
            SalesforceId::parse(LEAD).unwrap(),
            LeadNow {
                status: Some("Closed - Not Converted".into()),
                reason: Some("No budget".into()),
            },
        );
        assert_eq!(
            changes(&parsed.convert(&c, &lookups)),
            vec![
                ("Open - Not Contacted".into(), None, "01 09:00".into()),
                ("Working - Contacted".into(), None, "01 10:00".into()),
                (
                    "Closed - Not Converted".into(),
                    Some("No budget".into()),
                    "02 10:00".into()
                ),
            ]
        );
    }

    #[test]
    fn a_reason_tracked_in_history_wins_and_an_older_disqualification_gets_no_current_reason() {
        let s = settings();
        let c = ctx(&s);
        let rows = vec![
            h(
                2,
                "Status",
                Some("Open - Not Contacted"),
                Some("Closed - Not Converted"),
                "1T10:00:00",
            ),
            h(3, "Unqualified_Reason__c", None, Some("Wrong region"), "1T10:00:00"),
            h(
                4,
                "Status",
                Some("Closed - Not Converted"),
                Some("Nurturing"),
                "2T10:00:00",
            ),
        ];
        let parsed = parse(&c, &rows);
        let mut lookups = Lookups::default();
        lookups.current.insert(
            SalesforceId::parse(LEAD).unwrap(),
            LeadNow {
                status: Some("Nurturing".into()),
                reason: Some("Bad timing".into()),
            },
        );
        assert_eq!(
            changes(&parsed.convert(&c, &lookups)),
            vec![
                (
                    "Closed - Not Converted".into(),
                    Some("Wrong region".into()),
                    "01 10:00".into()
                ),
                ("Nurturing".into(), Some("Bad timing".into()), "02 10:00".into()),
            ]
        );
    }

    #[test]
    fn a_creation_alone_takes_the_first_change_or_the_current_status() {
        let s = settings();
        let c = ctx(&s);
        let parsed = parse(&c, &[h(1, "created", None, None, "1T09:00:00")]);
        let needs = parsed.needs(&c);
        assert_eq!(needs.first_status.len(), 1);
        let lead = SalesforceId::parse(LEAD).unwrap();
        let mut lookups = Lookups::default();
        lookups.first_status.insert(lead.clone(), Some("Nurturing".into()));
        assert_eq!(changes(&parsed.convert(&c, &lookups))[0].0, "Nurturing");
        let mut never_changed = Lookups::default();
        never_changed.current.insert(
            lead,
            LeadNow {
                status: Some("Open - Not Contacted".into()),
                reason: None,
            },
        );
        assert_eq!(
            changes(&parsed.convert(&c, &never_changed))[0].0,
            "Open - Not Contacted"
        );
    }

    #[test]
    fn unmapped_values_quarantine_the_row() {
        let s = settings();
        let c = ctx(&s);
        let parsed = parse(&c, &[h(2, "Status", Some("Nurturing"), Some("MAYBE"), "1T10:00:00")]);
        let out = parsed.convert(&c, &Lookups::default());
        assert!(out[0].1.as_ref().unwrap_err().contains("\"MAYBE\""));
    }
}
