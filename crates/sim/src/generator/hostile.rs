//! Hostile records: deliberately malformed values that a real portal or org ends up holding
//! (imports, old integrations, hand edits), and that closedloop must quarantine, not crash on.
//!
//! State: a [`HugeBudget`] caps how many 100 KB strings one world gets, so a hostile share on a
//! million people stays cheap. Each corruption keeps the scenario loadable (values stay raw
//! strings or JSON values) and leaves a note in `PersonSpec::hostile` saying what was done.
//!
//! Categories, drawn by weight among those that apply to the person: invalid email 20, unknown
//! lifecycle stage 12, unknown lead status 10, wrong field type 10, bad amount 10, future date
//! 10, empty strings 8, huge string 6 (while the budget lasts), bad webinar percentage 5,
//! unknown source 5.

use super::sample::{DAY, Draw, HOUR, to_utc};
use crate::scenario::{PersonSpec, StageAt};

/// How many 100 KB strings a world may still get.
pub(crate) struct HugeBudget(pub u32);

/// The size of a huge string.
pub(crate) const HUGE_BYTES: usize = 100_000;

/// The huge strings one world gets at most.
pub(crate) const HUGE_MAX: u32 = 25;

/// What can be wrong with a person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Category {
    InvalidEmail,
    UnknownLifecycle,
    UnknownLeadStatus,
    WrongFieldType,
    BadAmount,
    FutureDate,
    EmptyStrings,
    HugeString,
    BadWebinarPercentage,
    UnknownSource,
}

/// Corrupts one person and returns the note describing the damage. `slot` keeps broken emails
/// distinct between people, `end` is the end of the history.
pub(crate) fn corrupt(person: &mut PersonSpec, slot: usize, end: i64, huge: &mut HugeBudget, d: &mut Draw) -> String {
    let has_lifecycle = person.hubspot.as_ref().is_some_and(|h| !h.lifecycle.is_empty());
    let has_sf_lead = person
        .salesforce
        .as_ref()
        .is_some_and(|s| s.leads.iter().any(|l| !l.statuses.is_empty()));
    let has_hs_status = person.hubspot.as_ref().is_some_and(|h| h.lead_status.is_some());
    let has_amount =
        person.salesforce.as_ref().is_some_and(|s| !s.opportunities.is_empty()) || !person.hubspot_deals.is_empty();
    let has_attendance = person
        .touchpoints
        .iter()
        .any(|t| t.attendance.as_ref().is_some_and(|a| a.state == "ATTENDED"));
    let weights = [
        (Category::InvalidEmail, 20.0),
        (Category::UnknownLifecycle, if has_lifecycle { 12.0 } else { 0.0 }),
        (
            Category::UnknownLeadStatus,
            if has_sf_lead || has_hs_status { 10.0 } else { 0.0 },
        ),
        (Category::WrongFieldType, 10.0),
        (Category::BadAmount, if has_amount { 10.0 } else { 0.0 }),
        (Category::FutureDate, 10.0),
        (Category::EmptyStrings, 8.0),
        (Category::HugeString, if huge.0 > 0 { 6.0 } else { 0.0 }),
        (Category::BadWebinarPercentage, if has_attendance { 5.0 } else { 0.0 }),
        (
            Category::UnknownSource,
            if person.hubspot.is_some() { 5.0 } else { 0.0 },
        ),
    ];
    match d.weighted_pick(&weights) {
        Category::InvalidEmail => {
            let (local, domain) = person
                .email
                .split_once('@')
                .map_or(("someone", "example.com"), |(l, r)| (l, r));
            let local = format!("{local}.{slot}");
            let first = person.first_name.clone().unwrap_or_default();
            let last = person.last_name.clone().unwrap_or_default();
            let broken = match d.index(9) {
                0 => format!("{local}@"),
                1 => local.clone(),
                2 => format!("{local}@@{domain}"),
                3 => format!("{first} {last} {slot}@{domain}"),
                4 => format!("{local}@{domain}."),
                5 => format!("@{slot}.{domain}"),
                6 => format!("{local}@localhost"),
                7 => format!("{local}@{domain}, other.{slot}@{domain}"),
                _ => format!("{local}@-{domain}"),
            };
            person.email = broken;
            format!("invalid_email: {:?}", person.email)
        }
        Category::UnknownLifecycle => {
            let value = d.pick(&[
                "prospect",
                "MQL",
                "Marketing Qualified Lead",
                "hot_lead",
                "sql",
                "lead-ish",
                "42",
            ]);
            if let Some(h) = person.hubspot.as_mut() {
                let at = h.lifecycle.last().map_or(h.created_at, |s| s.at) + chrono::Duration::hours(1);
                h.lifecycle.push(StageAt {
                    stage: value.to_owned(),
                    at,
                });
            }
            format!("unknown_lifecycle_stage: {value:?}")
        }
        Category::UnknownLeadStatus => {
            let value = d.pick(&[
                "Contacted",
                "Working – Contacted",
                "HOT",
                "Open-Not Contacted",
                "??",
                "MAYBE",
            ]);
            if has_sf_lead {
                if let Some(status) = person
                    .salesforce
                    .as_mut()
                    .and_then(|s| s.leads.iter_mut().find(|l| !l.statuses.is_empty()))
                    .and_then(|l| l.statuses.last_mut())
                {
                    status.stage = value.to_owned();
                }
                format!("unknown_lead_status: Lead.Status={value:?}")
            } else {
                if let Some(h) = person.hubspot.as_mut() {
                    h.lead_status = Some(value.to_owned());
                }
                format!("unknown_lead_status: hs_lead_status={value:?}")
            }
        }
        Category::WrongFieldType => {
            let lead = person.salesforce.as_mut().and_then(|s| s.leads.first_mut());
            match lead {
                Some(lead) => {
                    let (field, value) = match d.index(4) {
                        0 => ("NumberOfEmployees", serde_json::json!("fifty")),
                        1 => ("AnnualRevenue", serde_json::json!(true)),
                        2 => ("HasOptedOutOfEmail", serde_json::json!("yes")),
                        _ => ("NumberOfEmployees", serde_json::json!([1, 2])),
                    };
                    lead.fields.insert(field.to_owned(), value.clone());
                    format!("wrong_field_type: Lead.{field}={value}")
                }
                None => {
                    let (name, value) = d.pick(&[
                        ("numemployees", "lots"),
                        ("annualrevenue", "1.2M"),
                        ("hs_lifecyclestage_lead_date", "yesterday"),
                        ("closedloop_engagement_score", "high"),
                    ]);
                    if let Some(h) = person.hubspot.as_mut() {
                        h.properties.insert(name.to_owned(), value.to_owned());
                    }
                    format!("wrong_field_type: {name}={value:?}")
                }
            }
        }
        Category::BadAmount => {
            let value = d.pick(&["12,5", "abc", "1.000.000,00", "-", "NaN", "1e999", "€ 5000", "12 500"]);
            if let Some(o) = person.salesforce.as_mut().and_then(|s| s.opportunities.first_mut()) {
                o.amount = Some(value.to_owned());
                format!("bad_amount: Opportunity.Amount={value:?}")
            } else if let Some(deal) = person.hubspot_deals.first_mut() {
                deal.amount = Some(value.to_owned());
                format!("bad_amount: deal amount={value:?}")
            } else {
                String::from("bad_amount")
            }
        }
        Category::FutureDate => {
            let future = to_utc(end + d.int(5 * 365, 30 * 365) * DAY + d.int(0, 23) * HOUR);
            if let Some(t) = person.touchpoints.last_mut() {
                t.at = future;
                format!("future_date: touchpoint {} at {future}", t.kind)
            } else if let Some(l) = person.salesforce.as_mut().and_then(|s| s.leads.first_mut()) {
                l.created_at = future;
                format!("future_date: Lead.CreatedDate {future}")
            } else if let Some(h) = person.hubspot.as_mut() {
                h.created_at = future;
                format!("future_date: createdate {future}")
            } else if let Some(c) = person.salesforce.as_mut().and_then(|s| s.contact.as_mut()) {
                c.created_at = future;
                format!("future_date: Contact.CreatedDate {future}")
            } else {
                String::from("future_date")
            }
        }
        Category::EmptyStrings => {
            person.first_name = Some(String::new());
            person.last_name = Some(String::new());
            person.company = Some(String::new());
            "empty_strings: first_name, last_name, company".to_owned()
        }
        Category::HugeString => {
            huge.0 = huge.0.saturating_sub(1);
            let seed = person
                .last_name
                .clone()
                .filter(|s| !s.is_empty())
                .unwrap_or_else(|| "Huge".to_owned());
            let mut s = String::with_capacity(HUGE_BYTES + seed.len());
            while s.len() < HUGE_BYTES {
                s.push_str(&seed);
            }
            // Cut on a character boundary at exactly 100 KB where possible.
            let mut cut = HUGE_BYTES.min(s.len());
            while !s.is_char_boundary(cut) {
                cut -= 1;
            }
            s.truncate(cut);
            let field = if d.chance(0.5) {
                person.last_name = Some(s);
                "last_name"
            } else {
                person.company = Some(s);
                "company"
            };
            format!("huge_string: {field} of {cut} bytes")
        }
        Category::BadWebinarPercentage => {
            let value = d.pick(&["abc", "150", "-3", "NaN", "12,5"]);
            if let Some(a) = person
                .touchpoints
                .iter_mut()
                .filter_map(|t| t.attendance.as_mut())
                .find(|a| a.state == "ATTENDED")
            {
                a.percentage = Some(value.to_owned());
            }
            format!("bad_webinar_percentage: {value:?}")
        }
        Category::UnknownSource => {
            let value = d.pick(&["TV", "paid search", "Offline", "BILLBOARD"]);
            if let Some(h) = person.hubspot.as_mut() {
                h.source = Some(value.to_owned());
            }
            format!("unknown_source: hs_analytics_source={value:?}")
        }
    }
}
