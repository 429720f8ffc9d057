//! What the platform computes when a record is saved: defaults, formula-like fields, audit stamps
//! and field-history rows.
//!
//! Holds no state. Both the scenario loader and API writes go through these functions, so a
//! record looks the same whether it was seeded or written by a client: `Name` from first and last
//! name, an opportunity's `Probability`, `IsClosed`, `IsWon` and forecast category from its stage,
//! a task's `IsClosed` from its status, a campaign member's `HasResponded`, and so on.

use super::ids::SfId;
use super::schema::ObjectSchema;
use super::state::{Org, OrgConfig};
use super::time;
use super::value::Val;
use chrono::NaiveDate;

/// Sets a field by name; standard fields always exist, so a miss is silently ignored.
pub fn set(schema: &ObjectSchema, vals: &mut [Val], name: &str, value: Val) {
    if let Some(c) = schema.column(name) {
        vals[c] = value;
    }
}

/// Reads a field by name.
pub fn get<'a>(schema: &ObjectSchema, vals: &'a [Val], name: &str) -> &'a Val {
    schema.column(name).map(|c| &vals[c]).unwrap_or(&Val::Null)
}

/// A row of nulls for an object.
pub fn blank(schema: &ObjectSchema) -> Vec<Val> {
    vec![Val::Null; schema.fields.len()]
}

/// Stamps a new record: created and modified at `at` by `user`, not deleted.
pub fn stamp_created(schema: &ObjectSchema, vals: &mut [Val], at: i64, user: SfId) {
    let s = schema.sys;
    for (col, v) in [
        (s.created_date, Val::DateTime(at)),
        (s.created_by, Val::Id(user)),
        (s.last_modified_date, Val::DateTime(at)),
        (s.last_modified_by, Val::Id(user)),
        (s.system_modstamp, Val::DateTime(at)),
        (s.is_deleted, Val::Bool(false)),
    ] {
        if let Some(c) = col {
            vals[c] = v;
        }
    }
}

/// Stamps an edit: modified at `at` by `user`.
pub fn stamp_modified(schema: &ObjectSchema, vals: &mut [Val], at: i64, user: SfId) {
    let s = schema.sys;
    for (col, v) in [
        (s.last_modified_date, Val::DateTime(at)),
        (s.last_modified_by, Val::Id(user)),
        (s.system_modstamp, Val::DateTime(at)),
    ] {
        if let Some(c) = col {
            vals[c] = v;
        }
    }
}

/// Bumps only `SystemModstamp`, as background jobs and re-parenting do.
pub fn stamp_system(schema: &ObjectSchema, vals: &mut [Val], at: i64) {
    if let Some(c) = schema.sys.system_modstamp {
        vals[c] = Val::DateTime(at);
    }
}

/// Fills defaults on insert for fields left null.
pub fn defaults(config: &OrgConfig, schema: &ObjectSchema, vals: &mut [Val], owner: SfId) {
    let mut default = |name: &str, value: Val| {
        if let Some(c) = schema.column(name)
            && vals[c].is_null()
        {
            vals[c] = value;
        }
    };
    default("OwnerId", Val::Id(owner));
    default("HasOptedOutOfEmail", Val::Bool(false));
    default("IsPrimary", Val::Bool(false));
    default("IsAllDayEvent", Val::Bool(false));
    default("IsActive", Val::Bool(false));
    match schema.name.as_str() {
        "Lead" => {
            if let Some(first) = config.lead_statuses.first() {
                default("Status", Val::text(&first.value));
            }
            default("IsConverted", Val::Bool(false));
            default("IsUnreadByOwner", Val::Bool(false));
        }
        "Task" => {
            default("Status", Val::text("Not Started"));
            default("Priority", Val::text("Normal"));
            default("TaskSubtype", Val::text("Task"));
        }
        "Event" => default("EventSubtype", Val::text("Event")),
        "CampaignMember" => default("Status", Val::text("Sent")),
        "Opportunity" => {
            if let Some(code) = config.currencies.first() {
                default("CurrencyIsoCode", Val::text(code));
            }
        }
        _ => {}
    }
}

/// Recomputes derived fields after a write. `probability_given` says the client set
/// `Probability` explicitly (a stage change otherwise resets it to the stage's default).
pub fn derived(
    org: &Org,
    schema: &ObjectSchema,
    vals: &mut [Val],
    old: Option<&[Val]>,
    probability_given: bool,
    now: i64,
) {
    let changed = |name: &str| match (schema.column(name), old) {
        (Some(c), Some(old)) => old[c] != vals[c],
        (Some(_), None) => true,
        (None, _) => false,
    };
    match schema.name.as_str() {
        "Lead" | "Contact" | "User" => {
            let first = get(schema, vals, "FirstName").as_str().unwrap_or("").trim().to_owned();
            let last = get(schema, vals, "LastName").as_str().unwrap_or("").trim().to_owned();
            let name = [first, last]
                .into_iter()
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            set(
                schema,
                vals,
                "Name",
                if name.is_empty() { Val::Null } else { Val::text(&name) },
            );
        }
        "Opportunity" => opportunity(&org.config, schema, vals, changed("StageName") && !probability_given),
        "Task" => {
            let closed = get(schema, vals, "Status").as_str() == Some("Completed");
            let was_closed = old.is_some_and(|o| get(schema, o, "IsClosed").as_bool() == Some(true));
            set(schema, vals, "IsClosed", Val::Bool(closed));
            if closed && !was_closed {
                set(schema, vals, "CompletedDateTime", Val::DateTime(now));
            } else if !closed {
                set(schema, vals, "CompletedDateTime", Val::Null);
            }
            let account = activity_account(org, schema, vals);
            set(schema, vals, "AccountId", account);
        }
        "Event" => {
            event_times(schema, vals);
            let account = activity_account(org, schema, vals);
            set(schema, vals, "AccountId", account);
        }
        "CampaignMember" => {
            let responded = get(schema, vals, "Status")
                .as_str()
                .is_some_and(|s| org.config.responded_statuses.contains(s));
            set(schema, vals, "HasResponded", Val::Bool(responded));
            if responded && get(schema, vals, "FirstRespondedDate").is_null() {
                set(schema, vals, "FirstRespondedDate", Val::Date(time::date_of(now)));
            }
            let who = get(schema, vals, "ContactId").clone();
            let who = if who.is_null() {
                get(schema, vals, "LeadId").clone()
            } else {
                who
            };
            set(schema, vals, "LeadOrContactId", who);
        }
        _ => {}
    }
}

fn opportunity(config: &OrgConfig, schema: &ObjectSchema, vals: &mut [Val], reset_probability: bool) {
    let stage = get(schema, vals, "StageName")
        .as_str()
        .and_then(|s| config.stage(s))
        .cloned();
    if let Some(stage) = &stage {
        set(schema, vals, "IsClosed", Val::Bool(stage.is_closed));
        set(schema, vals, "IsWon", Val::Bool(stage.is_won));
        if reset_probability || get(schema, vals, "Probability").is_null() {
            set(
                schema,
                vals,
                "Probability",
                Val::Num((stage.probability * 100.0).round()),
            );
        }
        set(
            schema,
            vals,
            "ForecastCategoryName",
            Val::text(forecast_category(stage.is_closed, stage.is_won, stage.probability)),
        );
    }
    let expected = match (
        get(schema, vals, "Amount").as_f64(),
        get(schema, vals, "Probability").as_f64(),
    ) {
        (Some(a), Some(p)) => Val::Num(((a * p / 100.0) * 100.0).round() / 100.0),
        _ => Val::Null,
    };
    set(schema, vals, "ExpectedRevenue", expected);
}

/// Salesforce's default mapping from stage to forecast category.
pub fn forecast_category(closed: bool, won: bool, probability: f64) -> &'static str {
    match (closed, won) {
        (true, true) => "Closed",
        (true, false) => "Omitted",
        _ if probability >= 0.9 => "Commit",
        _ if probability >= 0.7 => "BestCase",
        _ => "Pipeline",
    }
}

/// An event's start, end, duration and date, from whichever of them the client gave.
fn event_times(schema: &ObjectSchema, vals: &mut [Val]) {
    let start = get(schema, vals, "ActivityDateTime")
        .as_ms()
        .or_else(|| get(schema, vals, "StartDateTime").as_ms());
    let Some(start) = start else { return };
    let duration = match get(schema, vals, "DurationInMinutes") {
        Val::Int(m) => Some(*m),
        _ => get(schema, vals, "EndDateTime")
            .as_ms()
            .map(|end| (end - start) / 60_000),
    };
    set(schema, vals, "ActivityDateTime", Val::DateTime(start));
    set(schema, vals, "StartDateTime", Val::DateTime(start));
    set(schema, vals, "ActivityDate", Val::Date(time::date_of(start)));
    if let Some(minutes) = duration {
        set(schema, vals, "DurationInMinutes", Val::Int(minutes));
        set(schema, vals, "EndDateTime", Val::DateTime(start + minutes * 60_000));
    }
}

/// The account an activity rolls up to: its contact's, or the account or opportunity's it is about.
fn activity_account(org: &Org, schema: &ObjectSchema, vals: &[Val]) -> Val {
    let account_of = |id: Option<SfId>| -> Option<Val> {
        let (table, row) = org.locate(id?)?;
        let t = &org.tables[table];
        match t.schema.name.as_str() {
            "Account" => Some(Val::Id(t.row(row).id)),
            "Contact" | "Opportunity" => {
                let c = t.schema.column("AccountId")?;
                let v = t.get(row, c);
                (!v.is_null()).then(|| v.clone())
            }
            _ => None,
        }
    };
    account_of(get(schema, vals, "WhoId").as_id())
        .or_else(|| account_of(get(schema, vals, "WhatId").as_id()))
        .unwrap_or(Val::Null)
}

/// A `LeadHistory` row: `field` changed from `old` to `new` at `at`.
pub fn lead_history(
    org: &Org,
    lead: SfId,
    field: &str,
    old: Option<String>,
    new: Option<String>,
    at: i64,
    user: SfId,
) -> Vec<Val> {
    let schema = org.object(org.std_table("LeadHistory"));
    let mut vals = blank(schema);
    stamp_created(schema, &mut vals, at, user);
    set(schema, &mut vals, "LeadId", Val::Id(lead));
    set(schema, &mut vals, "Field", Val::text(field));
    let data_type = if matches!(field, "created" | "leadConverted" | "leadMerged") {
        None
    } else {
        Some("Text")
    };
    set(
        schema,
        &mut vals,
        "DataType",
        data_type.map(Val::text).unwrap_or(Val::Null),
    );
    set(
        schema,
        &mut vals,
        "OldValue",
        old.map(|s| Val::text(&s)).unwrap_or(Val::Null),
    );
    set(
        schema,
        &mut vals,
        "NewValue",
        new.map(|s| Val::text(&s)).unwrap_or(Val::Null),
    );
    vals
}

/// An `OpportunityHistory` row: a snapshot of the opportunity's stage, amount, probability and
/// close date at `at`.
pub fn opportunity_history(org: &Org, opp_schema: &ObjectSchema, opp: &[Val], at: i64, user: SfId) -> Vec<Val> {
    let schema = org.object(org.std_table("OpportunityHistory"));
    let mut vals = blank(schema);
    stamp_created(schema, &mut vals, at, user);
    set(schema, &mut vals, "OpportunityId", opp[0].clone());
    for (from, to) in [
        ("StageName", "StageName"),
        ("Amount", "Amount"),
        ("ExpectedRevenue", "ExpectedRevenue"),
        ("CloseDate", "CloseDate"),
        ("Probability", "Probability"),
        ("ForecastCategoryName", "ForecastCategory"),
    ] {
        set(schema, &mut vals, to, get(opp_schema, opp, from).clone());
    }
    vals
}

/// The end of the quarter `date` falls in: the close date conversion gives a new opportunity.
pub fn end_of_quarter(date: NaiveDate) -> NaiveDate {
    use chrono::Datelike;
    let quarter_end_month = ((date.month() - 1) / 3 + 1) * 3;
    let (year, month) = if quarter_end_month == 12 {
        (date.year() + 1, 1)
    } else {
        (date.year(), quarter_end_month + 1)
    };
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quarter_ends() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default();
        assert_eq!(end_of_quarter(d(2024, 2, 10)), d(2024, 3, 31));
        assert_eq!(end_of_quarter(d(2024, 4, 1)), d(2024, 6, 30));
        assert_eq!(end_of_quarter(d(2024, 12, 31)), d(2024, 12, 31));
    }

    #[test]
    fn forecast_categories_follow_stage() {
        assert_eq!(forecast_category(true, true, 1.0), "Closed");
        assert_eq!(forecast_category(true, false, 0.0), "Omitted");
        assert_eq!(forecast_category(false, false, 0.9), "Commit");
        assert_eq!(forecast_category(false, false, 0.75), "BestCase");
        assert_eq!(forecast_category(false, false, 0.1), "Pipeline");
    }
}
