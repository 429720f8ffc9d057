//! Tasks and Events: the sales activities on leads and contacts (calls, emails, meetings).
//!
//! Holds no state. A Task's kind comes from `TaskSubtype` (`Call`, `Email`/`ListEmail`), else its
//! `Type`; it happened at its `CreatedDate` (a logged call is logged when made). An Event is a
//! meeting at its `ActivityDateTime` (or `StartDateTime`). Only activities on a Lead or Contact
//! (`WhoId` 00Q/003) are sales contact with a person; the rest (an account, nobody) are skipped,
//! and a deleted one that names nobody is tombstoned so an earlier read of it is retired.

use super::row::{MAX_TEXT_CHARS, RowReader};
use super::{Context, Converted, check_created, names, person_key};
use crate::soql::ApiName;
use crate::wire::Row;
use closedloop_core::activity::{ActivityKind, SalesActivity};
use closedloop_core::page::Record;
use closedloop_core::{ExternalId, ObjectType};

const TASK_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "WhoId",
    "WhatId",
    "Subject",
    "Status",
    "TaskSubtype",
    "Type",
    "CallDisposition",
    "OwnerId",
    "CreatedDate",
    "SystemModstamp",
];

const EVENT_FIELDS: &[&str] = &[
    "Id",
    "IsDeleted",
    "WhoId",
    "WhatId",
    "Subject",
    "Type",
    "ActivityDateTime",
    "StartDateTime",
    "OwnerId",
    "CreatedDate",
    "SystemModstamp",
];

/// The SELECT list of tasks.
pub(crate) fn task_select() -> Vec<ApiName> {
    names(TASK_FIELDS)
}

/// The SELECT list of events.
pub(crate) fn event_select() -> Vec<ApiName> {
    names(EVENT_FIELDS)
}

fn task_kind(subtype: Option<&str>, kind: Option<&str>) -> ActivityKind {
    match (subtype, kind) {
        (Some("Call"), _) => ActivityKind::Call,
        (Some("Email" | "ListEmail"), _) => ActivityKind::Email,
        (_, Some("Call")) => ActivityKind::Call,
        (_, Some("Email")) => ActivityKind::Email,
        (_, Some("Meeting")) => ActivityKind::Meeting,
        _ => ActivityKind::Other,
    }
}

/// A Task or Event row (`object` says which).
pub(crate) fn activity(ctx: &Context<'_>, row: &Row, object: &'static str) -> Result<Converted, String> {
    let r = RowReader::new(row, object);
    let id = r.id("Id")?;
    let key = ExternalId::salesforce(ObjectType::Activity, &id);
    let created = r.required_datetime("CreatedDate")?;
    check_created(object, created, ctx)?;
    let modified = r.required_datetime("SystemModstamp")?;
    let deleted = r.flag("IsDeleted")?;
    let who = r.opt_id("WhoId")?.as_ref().and_then(person_key);
    let Some(who) = who else {
        if deleted {
            return Ok(Converted::records(vec![Record::Tombstone {
                key,
                at: Some(modified),
            }]));
        }
        return Ok(Converted::default());
    };
    let deal = r
        .opt_id("WhatId")?
        .filter(|w| w.key_prefix() == "006")
        .map(|w| ExternalId::salesforce(ObjectType::Deal, &w));
    let (kind, occurred_at, outcome) = if object == "Event" {
        let at = match r.datetime("ActivityDateTime")? {
            Some(t) => Some(t),
            None => r.datetime("StartDateTime")?,
        };
        (ActivityKind::Meeting, at.unwrap_or(created), None)
    } else {
        let subtype = r.text("TaskSubtype", MAX_TEXT_CHARS)?;
        let kind = r.text("Type", MAX_TEXT_CHARS)?;
        let outcome = match r.text("CallDisposition", MAX_TEXT_CHARS)? {
            Some(d) => Some(d),
            None => r.text("Status", MAX_TEXT_CHARS)?,
        };
        (task_kind(subtype.as_deref(), kind.as_deref()), created, outcome)
    };
    let activity = SalesActivity {
        id: key.clone(),
        who,
        deal,
        kind,
        occurred_at,
        owner_id: r.opt_id("OwnerId")?.map(|o| o.to_string()),
        subject: r.text("Subject", MAX_TEXT_CHARS)?,
        outcome,
        deleted,
    };
    Ok(Converted::with_snapshot(
        vec![Record::Activity(activity)],
        key,
        row,
        Some(modified),
    ))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{ctx, row, settings};
    use super::*;
    use serde_json::json;

    fn task(who: serde_json::Value, subtype: &str, deleted: bool) -> Row {
        row(json!({
            "Id": "00T5g0000000001", "IsDeleted": deleted, "WhoId": who, "WhatId": "0065g0000000001",
            "Subject": "Call", "Status": "Completed", "TaskSubtype": subtype, "Type": null,
            "CallDisposition": "Left voicemail", "OwnerId": "0055g0000000001",
            "CreatedDate": "2024-03-01T10:05:00.000+0000", "SystemModstamp": "2024-03-01T10:05:00.000+0000",
        }))
    }

    #[test]
    fn tasks_on_people_are_calls_and_emails() {
        let s = settings();
        let out = activity(&ctx(&s), &task(json!("00Q5g0000000001"), "Call", false), "Task").unwrap();
        let Some(Record::Activity(a)) = out.records.first() else {
            panic!()
        };
        assert_eq!((a.kind, a.who.object), (ActivityKind::Call, ObjectType::Lead));
        assert_eq!(a.outcome.as_deref(), Some("Left voicemail"));
        assert_eq!(a.deal.as_ref().unwrap().object, ObjectType::Deal);
        assert_eq!(task_kind(Some("ListEmail"), None), ActivityKind::Email);
        assert_eq!(task_kind(Some("Task"), Some("Meeting")), ActivityKind::Meeting);
        assert_eq!(task_kind(Some("Task"), None), ActivityKind::Other);
    }

    #[test]
    fn activities_without_a_person_are_skipped_or_tombstoned() {
        let s = settings();
        assert!(
            activity(&ctx(&s), &task(json!("0015g0000000001"), "Call", false), "Task")
                .unwrap()
                .records
                .is_empty()
        );
        let gone = activity(&ctx(&s), &task(json!(null), "Call", true), "Task").unwrap();
        assert!(matches!(gone.records.as_slice(), [Record::Tombstone { .. }]));
    }

    #[test]
    fn events_are_meetings_at_their_start() {
        let s = settings();
        let r = row(json!({
            "Id": "00U5g0000000001", "IsDeleted": false, "WhoId": "0035g0000000001", "WhatId": null,
            "Subject": "Demo", "Type": "Meeting", "ActivityDateTime": "2024-03-04T15:00:00.000+0000",
            "StartDateTime": "2024-03-04T15:00:00.000+0000", "OwnerId": "0055g0000000001",
            "CreatedDate": "2024-03-01T10:05:00.000+0000", "SystemModstamp": "2024-03-01T10:05:00.000+0000",
        }));
        let out = activity(&ctx(&s), &r, "Event").unwrap();
        let Some(Record::Activity(a)) = out.records.first() else {
            panic!()
        };
        assert_eq!(a.kind, ActivityKind::Meeting);
        assert_eq!(a.occurred_at.to_rfc3339(), "2024-03-04T15:00:00+00:00");
    }

    #[test]
    fn every_standard_field_list_is_valid() {
        assert_eq!(names(TASK_FIELDS).len(), TASK_FIELDS.len());
        assert_eq!(names(EVENT_FIELDS).len(), EVENT_FIELDS.len());
    }
}
