//! HubSpot's wire objects into closedloop's records, and quarantine of what does not convert.
//!
//! Holds no state. Every conversion takes one raw object and returns either its records (with a
//! snapshot of the raw payload) or a [`Reject`] naming the object and the reason, so the rest of
//! the page goes on. Values are checked at this edge: ids, emails, stages, sources, dates,
//! amounts, percentages, and the length of every string.
//!
//! - [`contact`]: contacts → `MarketingContact`, lifecycle `StageChange`s, merges.
//! - [`deal`]: deals → `Deal`, deal-stage `StageChange`s, pipelines.
//! - [`engagement`]: submissions, participations, web and email events → `Touchpoint`s.
//! - [`catalog`]: owners, campaigns, forms and events → reference records.

pub mod catalog;
pub mod contact;
pub mod deal;
pub mod engagement;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use closedloop_core::Timestamp;
use closedloop_core::page::{PageBatch, Rejected};
use serde_json::Value;

/// The longest string value accepted (HubSpot's own limit for text properties).
pub const MAX_TEXT_CHARS: usize = 65_536;

/// How far in the future a timestamp may lie before it is taken for bad data (clock skew aside).
const FUTURE_TOLERANCE_HOURS: i64 = 24;

/// How far ahead of our clock a modification time may be and still move a watermark: a record
/// dated in the future (bad data) must not make later passes skip everything before that date.
const WATERMARK_SKEW_MINUTES: i64 = 10;

/// The latest instant a watermark may move to now.
pub fn watermark_limit() -> Timestamp {
    Utc::now() + chrono::Duration::minutes(WATERMARK_SKEW_MINUTES)
}

/// Input that did not convert: which object, and why (lower case, no trailing period).
#[derive(Debug, Clone, PartialEq)]
pub struct Reject {
    /// The object's id, when it could be read.
    pub external_id: Option<String>,
    /// Why.
    pub reason: String,
}

impl Reject {
    /// A reject of object `id`.
    pub fn new(id: Option<&str>, reason: impl Into<String>) -> Self {
        Reject {
            external_id: id.map(|s| s.chars().take(64).collect()),
            reason: reason.into(),
        }
    }

    /// The quarantine entry, with the raw payload.
    pub fn into_rejected(self, stream: &str, payload: Value) -> Rejected {
        Rejected {
            stream: stream.to_owned(),
            external_id: self.external_id,
            reason: self.reason,
            payload,
        }
    }
}

/// Adds a reject to a page.
pub(crate) fn quarantine(batch: &mut PageBatch, stream: &str, reject: Reject, payload: Value) {
    tracing::debug!(stream, id = ?reject.external_id, reason = %reject.reason, "input quarantined");
    batch.rejected.push(reject.into_rejected(stream, payload));
}

/// Shortens a value for a message.
pub(crate) fn clip(text: &str) -> String {
    let mut out: String = text.chars().take(60).collect();
    if text.chars().count() > 60 {
        out.push('…');
    }
    out
}

/// Reads a HubSpot timestamp: ISO 8601 (`2024-03-01T10:00:00.000Z`), epoch milliseconds, or a
/// date (`2024-03-01`, midnight UTC).
pub fn parse_time(text: &str) -> Option<Timestamp> {
    let t = text.trim();
    if let Ok(dt) = DateTime::parse_from_rfc3339(t) {
        return Some(dt.with_timezone(&Utc));
    }
    if let Ok(ms) = t.parse::<i64>() {
        return Utc.timestamp_millis_opt(ms).single();
    }
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|n| n.and_utc())
}

/// Epoch milliseconds as an instant.
pub fn from_millis(ms: i64) -> Option<Timestamp> {
    Utc.timestamp_millis_opt(ms).single()
}

/// Checks that an instant is not implausibly far in the future.
pub(crate) fn not_future(name: &str, at: Timestamp, now: Timestamp) -> Result<Timestamp, String> {
    if at > now + chrono::Duration::hours(FUTURE_TOLERANCE_HOURS) {
        Err(format!("{name} {} is in the future", at.to_rfc3339()))
    } else {
        Ok(at)
    }
}

/// The string properties of one object, read with checks.
pub(crate) struct Props<'a> {
    map: &'a serde_json::Map<String, Value>,
}

impl<'a> Props<'a> {
    pub(crate) fn new(map: &'a serde_json::Map<String, Value>) -> Self {
        Props { map }
    }

    /// A property's value; `None` when absent, null or blank. Errors when it is not a string or
    /// longer than HubSpot allows.
    pub(crate) fn text(&self, name: &str) -> Result<Option<&'a str>, String> {
        match self.map.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                if s.chars().count() > MAX_TEXT_CHARS {
                    return Err(format!(
                        "{name} is {} characters long, more than the {MAX_TEXT_CHARS} hubspot allows",
                        s.chars().count()
                    ));
                }
                if s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
                    return Err(format!("{name} contains control characters"));
                }
                Ok(Some(s.as_str()).filter(|s| !s.trim().is_empty()))
            }
            Some(other) => Err(format!(
                "{name} is a {}, not a string",
                match other {
                    Value::Bool(_) => "boolean",
                    Value::Number(_) => "number",
                    Value::Array(_) => "list",
                    _ => "object",
                }
            )),
        }
    }

    /// A property's value, trimmed, as an owned string.
    pub(crate) fn owned(&self, name: &str) -> Result<Option<String>, String> {
        Ok(self.text(name)?.map(|s| s.trim().to_owned()))
    }

    /// A timestamp property.
    pub(crate) fn time(&self, name: &str) -> Result<Option<Timestamp>, String> {
        match self.text(name)? {
            None => Ok(None),
            Some(v) => parse_time(v)
                .map(Some)
                .ok_or_else(|| format!("{name} {:?} is not a date or time", clip(v))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn times_parse_in_hubspots_three_forms() {
        let iso = parse_time("2024-03-01T10:00:00.000Z").unwrap();
        assert_eq!(parse_time("1709287200000"), Some(iso));
        assert_eq!(
            parse_time("2024-03-01").unwrap().to_rfc3339(),
            "2024-03-01T00:00:00+00:00"
        );
        assert_eq!(parse_time("yesterday"), None);
    }

    #[test]
    fn props_refuse_wrong_types_and_huge_strings() {
        let map = json!({"a": "x", "b": 12, "c": "", "d": "y".repeat(MAX_TEXT_CHARS + 1), "e": null, "f": "Nul\u{0}Byte", "g": "two\nlines"});
        let map = map.as_object().unwrap();
        let p = Props::new(map);
        assert_eq!(p.text("a").unwrap(), Some("x"));
        assert_eq!(p.text("b").unwrap_err(), "b is a number, not a string");
        assert_eq!(p.text("c").unwrap(), None);
        assert!(p.text("d").unwrap_err().starts_with("d is 65537 characters long"));
        assert_eq!(p.text("e").unwrap(), None);
        assert_eq!(p.text("f").unwrap_err(), "f contains control characters");
        assert_eq!(p.text("g").unwrap(), Some("two\nlines"));
        assert_eq!(p.text("missing").unwrap(), None);
    }
}
