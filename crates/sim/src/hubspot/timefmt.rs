//! Time in HubSpot's formats: ISO-8601 with milliseconds and `Z`, epoch milliseconds, dates.
//!
//! Holds no state. Property values of type `datetime` are stored normalised to the ISO form,
//! `date` values as `YYYY-MM-DD`; inputs may be either form or epoch milliseconds, as HubSpot
//! accepts.

use super::clock::Millis;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// `2024-01-31T09:15:00.000Z`.
pub fn iso(ms: Millis) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(t) => t.to_rfc3339_opts(SecondsFormat::Millis, true),
        None => "1970-01-01T00:00:00.000Z".to_owned(),
    }
}

/// `2024-01-31`.
pub fn date(ms: Millis) -> String {
    match DateTime::<Utc>::from_timestamp_millis(ms) {
        Some(t) => t.format("%Y-%m-%d").to_string(),
        None => "1970-01-01".to_owned(),
    }
}

/// Epoch milliseconds of a chrono timestamp.
pub fn ms_of(t: &DateTime<Utc>) -> Millis {
    t.timestamp_millis()
}

/// Midnight UTC of a date, in epoch milliseconds.
pub fn ms_of_date(d: &NaiveDate) -> Millis {
    d.and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc().timestamp_millis())
        .unwrap_or(0)
}

/// Parses a point in time as HubSpot accepts it: epoch milliseconds, an ISO-8601 timestamp
/// (any offset, with or without fractions), or a bare date (midnight UTC).
pub fn parse_instant(text: &str) -> Option<Millis> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| b.is_ascii_digit())
        || (text.starts_with('-') && text.len() > 1 && text[1..].bytes().all(|b| b.is_ascii_digit()))
    {
        return text.parse().ok();
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.timestamp_millis());
    }
    // `2024-01-31T09:15:00.000+0000` and `2024-01-31T09:15:00` (taken as UTC).
    if let Ok(t) = DateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f%z") {
        return Some(t.timestamp_millis());
    }
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f") {
        return Some(t.and_utc().timestamp_millis());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().map(|d| ms_of_date(&d))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_with_millis_and_z() {
        assert_eq!(iso(1_706_692_500_000), "2024-01-31T09:15:00.000Z");
        assert_eq!(date(1_706_692_500_000), "2024-01-31");
    }

    #[test]
    fn parses_every_accepted_form() {
        let t = 1_706_692_500_000;
        assert_eq!(parse_instant("1706692500000"), Some(t));
        assert_eq!(parse_instant("2024-01-31T09:15:00.000Z"), Some(t));
        assert_eq!(parse_instant("2024-01-31T09:15:00Z"), Some(t));
        assert_eq!(parse_instant("2024-01-31T10:15:00+01:00"), Some(t));
        assert_eq!(parse_instant("2024-01-31T09:15:00.000+0000"), Some(t));
        assert_eq!(parse_instant("2024-01-31"), Some(1_706_659_200_000));
        assert_eq!(parse_instant("yesterday"), None);
        assert_eq!(parse_instant(""), None);
    }
}
