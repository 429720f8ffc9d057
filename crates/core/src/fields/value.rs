//! Typed field values: formatting for each target system, and comparison by type so a vendor's
//! own reformatting of a value closedloop wrote is never taken for a change.
//!
//! Holds no state.
//!
//! | kind       | Salesforce                     | HubSpot (`epoch_ms`, default) | HubSpot (`iso`)             |
//! |------------|--------------------------------|-------------------------------|-----------------------------|
//! | `datetime` | `2024-03-01T10:00:00.000Z`     | `1709287200000`               | `2024-03-01T10:00:00.000Z`  |
//! | `date`     | `2024-03-01`                   | `1709251200000` (midnight UTC)| `2024-03-01`                |
//! | `number`   | `1200.5`                       | `1200.5`                      | `1200.5`                    |
//! | `bool`     | `true` / `false`               | `true` / `false`              | `true` / `false`            |
//!
//! Comparison: text trimmed, ignoring case and whitespace style; numbers by value; datetimes to the second (Salesforce keeps no
//! milliseconds); dates by day; booleans by truth (`1`, `yes`, `true`). Blank and absent are equal.

use crate::Timestamp;
use crate::money::Money;
use crate::rules::DateTimeFormat;
use crate::system::System;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use serde::{Deserialize, Serialize};

/// The type a target field holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldKind {
    /// Free text or a picklist.
    Text,
    /// A number.
    Number,
    /// A calendar date.
    Date,
    /// An instant.
    DateTime,
    /// A checkbox.
    Bool,
}

/// A derived value before formatting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Value {
    /// Text.
    Text(String),
    /// A whole number.
    Integer(i64),
    /// An amount.
    Money(Money),
    /// An instant.
    DateTime(Timestamp),
    /// A date.
    Date(NaiveDate),
    /// A truth value.
    Bool(bool),
}

/// How to write a value into one target field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Format {
    /// The field's type.
    pub kind: FieldKind,
    /// The system written to.
    pub target: System,
    /// HubSpot date and datetime representation.
    pub datetime: DateTimeFormat,
    /// Longest text, in characters.
    pub max_chars: Option<u32>,
}

fn iso(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn midnight(d: NaiveDate) -> Timestamp {
    d.and_hms_opt(0, 0, 0).map(|n| n.and_utc()).unwrap_or_default()
}

fn format_datetime(t: Timestamp, f: &Format) -> String {
    match (f.target, f.datetime) {
        (System::HubSpot, DateTimeFormat::EpochMs) => t.timestamp_millis().to_string(),
        _ => iso(t),
    }
}

fn format_date(d: NaiveDate, f: &Format) -> String {
    match (f.target, f.datetime) {
        (System::HubSpot, DateTimeFormat::EpochMs) => midnight(d).timestamp_millis().to_string(),
        _ => d.format("%Y-%m-%d").to_string(),
    }
}

fn truncate(s: String, max_chars: Option<u32>) -> String {
    match max_chars {
        Some(max) if s.chars().count() > max as usize => {
            let keep = (max as usize).saturating_sub(1);
            let mut out: String = s.chars().take(keep).collect();
            out.push('…');
            out
        }
        _ => s,
    }
}

/// Formats a value for a target field; `None` when the value has no form in that type.
pub fn format_value(value: &Value, f: &Format) -> Option<String> {
    let text = match (f.kind, value) {
        (FieldKind::DateTime, Value::DateTime(t)) => format_datetime(*t, f),
        (FieldKind::DateTime, Value::Date(d)) => format_datetime(midnight(*d), f),
        (FieldKind::Date, Value::DateTime(t)) => format_date(t.date_naive(), f),
        (FieldKind::Date, Value::Date(d)) => format_date(*d, f),
        (FieldKind::Date | FieldKind::DateTime, Value::Text(s)) => return reformat(s, f),
        (FieldKind::Date | FieldKind::DateTime, _) => return None,
        (FieldKind::Bool, Value::Bool(b)) => b.to_string(),
        (FieldKind::Bool, Value::Text(s)) => return parse_bool(s).map(|b| b.to_string()),
        (FieldKind::Bool, _) => return None,
        (_, Value::Text(s)) => s.clone(),
        (_, Value::Integer(i)) => i.to_string(),
        (_, Value::Money(m)) => m.to_decimal_string(),
        (_, Value::DateTime(t)) => iso(*t),
        (_, Value::Date(d)) => d.format("%Y-%m-%d").to_string(),
        (_, Value::Bool(b)) => b.to_string(),
    };
    let trimmed = text.trim();
    if trimmed.is_empty() {
        return None;
    }
    let text = if trimmed.len() == text.len() {
        text
    } else {
        trimmed.to_owned()
    };
    Some(if f.kind == FieldKind::Text {
        truncate(text, f.max_chars)
    } else {
        text
    })
}

/// Re-writes a raw value read from one system for a field of another (two-way sync, `source:`
/// copies): dates and datetimes are parsed and formatted for the target; text is cut to size.
/// A value that does not parse as the field's type passes unchanged, so nothing is lost.
pub fn reformat(raw: &str, f: &Format) -> Option<String> {
    let s = raw.trim();
    if s.is_empty() {
        return None;
    }
    Some(match f.kind {
        FieldKind::DateTime => parse_datetime(s)
            .map(|t| format_datetime(t, f))
            .unwrap_or_else(|| s.to_owned()),
        FieldKind::Date => parse_date(s).map(|d| format_date(d, f)).unwrap_or_else(|| s.to_owned()),
        FieldKind::Bool => parse_bool(s).map(|b| b.to_string()).unwrap_or_else(|| s.to_owned()),
        FieldKind::Number => s.to_owned(),
        FieldKind::Text => truncate(s.to_owned(), f.max_chars),
    })
}

/// True when two raw values of a field of `kind` mean the same thing.
pub fn same_value(kind: FieldKind, a: Option<&str>, b: Option<&str>) -> bool {
    let (a, b) = (
        a.map(str::trim).filter(|s| !s.is_empty()),
        b.map(str::trim).filter(|s| !s.is_empty()),
    );
    let (a, b) = match (a, b) {
        (None, None) => return true,
        (Some(a), Some(b)) => (a, b),
        _ => return false,
    };
    if a == b {
        return true;
    }
    match kind {
        FieldKind::Text => normalised_text(a) == normalised_text(b),
        FieldKind::Number => matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y),
        FieldKind::DateTime => match (parse_datetime(a), parse_datetime(b)) {
            (Some(x), Some(y)) => x.timestamp() == y.timestamp(),
            _ => false,
        },
        FieldKind::Date => matches!((parse_date(a), parse_date(b)), (Some(x), Some(y)) if x == y),
        FieldKind::Bool => matches!((parse_bool(a), parse_bool(b)), (Some(x), Some(y)) if x == y),
    }
}

/// Text as vendors may hand it back: picklists re-cased to their defined value, `\r\n` made
/// `\n`, runs of spaces kept or collapsed. Treating those as equal costs a case-only hand edit
/// (not propagated) and saves a write loop over a value the target keeps normalising.
fn normalised_text(s: &str) -> String {
    s.split_whitespace()
        .flat_map(|w| w.chars().flat_map(char::to_lowercase).chain([' ']))
        .collect()
}

/// An instant in any form the vendors send: RFC 3339, Salesforce's `+0000` offsets, epoch
/// milliseconds, or a bare date (midnight UTC).
fn parse_datetime(s: &str) -> Option<Timestamp> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.with_timezone(&Utc));
    }
    if !s.is_empty() && s.len() <= 16 && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<i64>().ok().and_then(DateTime::from_timestamp_millis);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(midnight)
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .or_else(|| parse_datetime(s).map(|t| t.date_naive()))
}

fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "on" => Some(true),
        "false" | "0" | "no" | "n" | "off" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn fmt(kind: FieldKind, target: System, datetime: DateTimeFormat) -> Format {
        Format {
            kind,
            target,
            datetime,
            max_chars: None,
        }
    }

    #[test]
    fn datetimes_and_dates_per_target() {
        let t = Utc.with_ymd_and_hms(2024, 3, 1, 10, 0, 0).unwrap();
        let v = Value::DateTime(t);
        let sf_dt = fmt(FieldKind::DateTime, System::Salesforce, DateTimeFormat::EpochMs);
        assert_eq!(format_value(&v, &sf_dt).unwrap(), "2024-03-01T10:00:00.000Z");
        let hs_ms = fmt(FieldKind::DateTime, System::HubSpot, DateTimeFormat::EpochMs);
        assert_eq!(format_value(&v, &hs_ms).unwrap(), "1709287200000");
        let hs_iso = fmt(FieldKind::DateTime, System::HubSpot, DateTimeFormat::Iso);
        assert_eq!(format_value(&v, &hs_iso).unwrap(), "2024-03-01T10:00:00.000Z");
        let hs_date = fmt(FieldKind::Date, System::HubSpot, DateTimeFormat::EpochMs);
        // 2024-03-01T00:00:00Z: HubSpot date properties hold midnight UTC.
        assert_eq!(format_value(&v, &hs_date).unwrap(), "1709251200000");
        let sf_date = fmt(FieldKind::Date, System::Salesforce, DateTimeFormat::EpochMs);
        assert_eq!(format_value(&v, &sf_date).unwrap(), "2024-03-01");
    }

    #[test]
    fn vendor_reformatting_is_the_same_value() {
        use FieldKind::*;
        assert!(same_value(
            DateTime,
            Some("2024-03-01T10:00:00.000Z"),
            Some("2024-03-01T10:00:00.000+0000")
        ));
        assert!(same_value(
            DateTime,
            Some("1709287200000"),
            Some("2024-03-01T10:00:00Z")
        ));
        assert!(same_value(
            DateTime,
            Some("2024-03-01T10:00:00.123Z"),
            Some("2024-03-01T10:00:00.000+0000")
        ));
        assert!(!same_value(
            DateTime,
            Some("2024-03-01T10:00:01Z"),
            Some("2024-03-01T10:00:00Z")
        ));
        assert!(same_value(Date, Some("1709251200000"), Some("2024-03-01")));
        assert!(same_value(Number, Some("12"), Some("12.00")));
        assert!(!same_value(Number, Some("12"), Some("12.01")));
        assert!(same_value(Bool, Some("true"), Some("1")));
        assert!(same_value(Text, Some(" x "), Some("x")));
        assert!(same_value(Text, Some("Closed Won"), Some("closed  won")));
        assert!(same_value(Text, Some("a\r\nb"), Some("a\nb")));
        assert!(!same_value(Text, Some("Closed Won"), Some("Closed Lost")));
        assert!(same_value(Text, None, Some("  ")));
        assert!(!same_value(Text, None, Some("x")));
    }

    #[test]
    fn text_is_cut_to_size() {
        let f = Format {
            kind: FieldKind::Text,
            target: System::Salesforce,
            datetime: DateTimeFormat::Iso,
            max_chars: Some(5),
        };
        assert_eq!(format_value(&Value::Text("abcdefgh".into()), &f).unwrap(), "abcd…");
        assert_eq!(format_value(&Value::Text("abcde".into()), &f).unwrap(), "abcde");
        assert_eq!(format_value(&Value::Text("   ".into()), &f), None);
    }
}
