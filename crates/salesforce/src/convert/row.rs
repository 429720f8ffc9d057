//! Typed reads of one query row, each failing with a reason a person can act on.
//!
//! Holds no state. A row is JSON as Salesforce sent it; every accessor checks the value's type
//! and shape (ids with their checksum, emails, dates, lengths) and says which field of which
//! object was wrong, so a quarantined record explains itself.

use crate::wire::Row;
use chrono::{DateTime, NaiveDate, Utc};
use closedloop_core::email::Email;
use closedloop_core::{SalesforceId, Timestamp};
use serde_json::Value;

/// The longest value accepted in a standard text field closedloop interprets (Salesforce's own
/// limits are 40 to 255 characters; anything longer did not come from a real org).
pub(crate) const MAX_TEXT_CHARS: usize = 1_000;

/// The longest value accepted in a field read back as is (a Long Text Area holds 131,072).
pub(crate) const MAX_FIELD_CHARS: usize = 131_072;

/// A row of one object, with its object name for messages.
pub(crate) struct RowReader<'a> {
    pub row: &'a Row,
    pub object: &'static str,
}

/// Shortens a value for a message.
fn shown(value: &str) -> String {
    let cut: String = value.chars().take(60).collect();
    if cut.len() < value.len() {
        format!("{cut}…")
    } else {
        cut
    }
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Parses Salesforce's date-time format (`2024-01-31T09:15:00.000+0000`), or RFC 3339.
pub(crate) fn parse_datetime(s: &str) -> Option<Timestamp> {
    DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z")
        .or_else(|_| DateTime::parse_from_rfc3339(s))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl<'a> RowReader<'a> {
    pub(crate) fn new(row: &'a Row, object: &'static str) -> Self {
        RowReader { row, object }
    }

    /// The raw value of a field, matched without regard to case; `None` when absent.
    pub(crate) fn value(&self, field: &str) -> Option<&'a Value> {
        self.row.get(field).or_else(|| {
            self.row
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(field))
                .map(|(_, v)| v)
        })
    }

    fn wrong(&self, field: &str, expected: &str, v: &Value) -> String {
        format!("{}.{field} is {}, expected {expected}", self.object, kind(v))
    }

    /// A required id.
    pub(crate) fn id(&self, field: &str) -> Result<SalesforceId, String> {
        self.opt_id(field)?
            .ok_or_else(|| format!("{}.{field} is missing", self.object))
    }

    /// An optional id (a lookup).
    pub(crate) fn opt_id(&self, field: &str) -> Result<Option<SalesforceId>, String> {
        match self.value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => SalesforceId::parse(s)
                .map(Some)
                .map_err(|_| format!("{}.{field} {:?} is not a salesforce id", self.object, shown(s))),
            Some(v) => Err(self.wrong(field, "an id", v)),
        }
    }

    /// Optional text, at most `max` characters; blank is `None`.
    pub(crate) fn text(&self, field: &str, max: usize) -> Result<Option<String>, String> {
        match self.value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => {
                let chars = s.chars().count();
                if chars > max {
                    return Err(format!(
                        "{}.{field} is {chars} characters long, more than the {max} accepted",
                        self.object
                    ));
                }
                let trimmed = s.trim();
                Ok((!trimmed.is_empty()).then(|| trimmed.to_owned()))
            }
            Some(v) => Err(self.wrong(field, "text", v)),
        }
    }

    /// A boolean; absent or null is false (as Salesforce's checkboxes are never null).
    pub(crate) fn flag(&self, field: &str) -> Result<bool, String> {
        match self.value(field) {
            None | Some(Value::Null) => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(v) => Err(self.wrong(field, "a boolean", v)),
        }
    }

    /// An optional date-time.
    pub(crate) fn datetime(&self, field: &str) -> Result<Option<Timestamp>, String> {
        match self.value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => parse_datetime(s)
                .map(Some)
                .ok_or_else(|| format!("{}.{field} {:?} is not a date-time", self.object, shown(s))),
            Some(v) => Err(self.wrong(field, "a date-time", v)),
        }
    }

    /// A required date-time.
    pub(crate) fn required_datetime(&self, field: &str) -> Result<Timestamp, String> {
        self.datetime(field)?
            .ok_or_else(|| format!("{}.{field} is missing", self.object))
    }

    /// An optional date (`2024-01-31`).
    pub(crate) fn date(&self, field: &str) -> Result<Option<NaiveDate>, String> {
        match self.value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => NaiveDate::parse_from_str(s, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("{}.{field} {:?} is not a date", self.object, shown(s))),
            Some(v) => Err(self.wrong(field, "a date", v)),
        }
    }

    /// An optional number, as its decimal text (`1500.0`).
    pub(crate) fn number_text(&self, field: &str) -> Result<Option<String>, String> {
        match self.value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(v) => Err(self.wrong(field, "a number", v)),
        }
    }

    /// An optional email address; a value that is not one is an error.
    pub(crate) fn email(&self, field: &str) -> Result<Option<Email>, String> {
        match self.text(field, 254 * 4)? {
            None => Ok(None),
            Some(raw) => Email::parse(&raw)
                .map(Some)
                .map_err(|e| format!("{}.{field}: {e}", self.object)),
        }
    }

    /// A field read back as Salesforce reports it: text as is, numbers and booleans as their JSON
    /// text, blank as `None`. Arrays and objects are not values closedloop can write back.
    pub(crate) fn raw(&self, field: &str) -> Result<Option<String>, String> {
        match self.value(field) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) if s.is_empty() => Ok(None),
            Some(Value::String(s)) => {
                if s.chars().count() > MAX_FIELD_CHARS {
                    return Err(format!(
                        "{}.{field} is longer than the {MAX_FIELD_CHARS} characters a salesforce field holds",
                        self.object
                    ));
                }
                Ok(Some(s.clone()))
            }
            Some(Value::Number(n)) => Ok(Some(n.to_string())),
            Some(Value::Bool(b)) => Ok(Some(b.to_string())),
            Some(v) => Err(self.wrong(field, "a plain value", v)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn row(v: Value) -> Row {
        match v {
            Value::Object(m) => m,
            _ => Row::new(),
        }
    }

    #[test]
    fn reads_salesforce_shapes_and_explains_the_rest() {
        let r = row(json!({
            "Id": "00Q000000000001", "email": "  Ada@Example.COM ", "N": 1500.0, "B": true,
            "T": "2024-01-31T09:15:00.000+0000", "D": "2024-01-31", "Bad": "nope", "Arr": [1],
            "Huge": "x".repeat(2000),
        }));
        let r = RowReader::new(&r, "Lead");
        assert_eq!(r.id("Id").unwrap().as_str().len(), 18);
        assert_eq!(r.email("Email").unwrap().unwrap().as_str(), "ada@example.com");
        assert_eq!(r.number_text("N").unwrap().as_deref(), Some("1500.0"));
        assert_eq!(r.raw("B").unwrap().as_deref(), Some("true"));
        assert_eq!(r.raw("N").unwrap().as_deref(), Some("1500.0"));
        assert!(r.datetime("T").unwrap().is_some());
        assert!(r.date("D").unwrap().is_some());
        assert_eq!(r.id("Bad").unwrap_err(), "Lead.Bad \"nope\" is not a salesforce id");
        assert_eq!(r.flag("Bad").unwrap_err(), "Lead.Bad is a string, expected a boolean");
        assert_eq!(
            r.raw("Arr").unwrap_err(),
            "Lead.Arr is an array, expected a plain value"
        );
        assert!(r.text("Huge", MAX_TEXT_CHARS).unwrap_err().contains("2000 characters"));
        assert_eq!(r.id("Missing").unwrap_err(), "Lead.Missing is missing");
        assert!(!r.flag("Missing").unwrap());
        assert!(r.email("Bad").is_err());
    }
}
