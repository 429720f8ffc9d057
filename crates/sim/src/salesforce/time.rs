//! The simulator's clock and Salesforce's date and time formats.
//!
//! State: [`Clock`] holds an offset from the wall clock that tests and `/__sim/clock/advance` move
//! forward, so session expiry and the deleted-records retention window can be exercised without
//! waiting. Times are kept as milliseconds since the Unix epoch. Salesforce stores date-times with
//! whole-second precision (the API always shows `.000`), which is why bulk writes share a
//! `SystemModstamp`: [`Clock::stamp`] truncates the same way.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use std::sync::atomic::{AtomicI64, Ordering};

/// Wall-clock time plus an adjustable offset.
#[derive(Debug, Default)]
pub struct Clock {
    offset_ms: AtomicI64,
}

impl Clock {
    /// The current time in milliseconds since the epoch.
    pub fn now_ms(&self) -> i64 {
        Utc::now().timestamp_millis() + self.offset_ms.load(Ordering::Relaxed)
    }

    /// The current time truncated to the second, as Salesforce stamps records.
    pub fn stamp(&self) -> i64 {
        truncate_to_second(self.now_ms())
    }

    /// Moves the clock forward by `seconds`.
    pub fn advance(&self, seconds: i64) {
        self.offset_ms
            .fetch_add(seconds.saturating_mul(1000), Ordering::Relaxed);
    }

    /// Today's date (UTC, the simulated org's time zone).
    pub fn today(&self) -> NaiveDate {
        date_of(self.now_ms())
    }
}

/// Drops the milliseconds.
pub fn truncate_to_second(ms: i64) -> i64 {
    ms.div_euclid(1000) * 1000
}

/// Milliseconds of a chrono time, truncated to the second.
pub fn stamp_of(at: &DateTime<Utc>) -> i64 {
    truncate_to_second(at.timestamp_millis())
}

/// The UTC date of an instant.
pub fn date_of(ms: i64) -> NaiveDate {
    utc(ms).date_naive()
}

/// Midnight UTC at the start of `date`, in milliseconds.
pub fn start_of_day(date: NaiveDate) -> i64 {
    date.and_hms_opt(0, 0, 0)
        .map(|dt| dt.and_utc().timestamp_millis())
        .unwrap_or_default()
}

fn utc(ms: i64) -> DateTime<Utc> {
    Utc.timestamp_millis_opt(ms).single().unwrap_or_default()
}

/// `2024-01-31T09:15:00.000+0000`, Salesforce's date-time format in JSON.
pub fn format_datetime(ms: i64) -> String {
    utc(ms).format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
}

/// `2024-01-31`.
pub fn format_date(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// Parses an ISO-8601 date-time as Salesforce accepts it in JSON bodies and query parameters:
/// `2024-01-31T09:15:00Z`, `2024-01-31T09:15:00.000+0000`, `2024-01-31T09:15:00+01:00`.
/// A space where the offset's `+` belongs is accepted too: that is what an unencoded `+` in a
/// query string becomes.
pub fn parse_datetime(text: &str) -> Option<i64> {
    let text = text.trim_end();
    if text.len() < 19 || !text.is_char_boundary(19) || text.as_bytes().get(10) != Some(&b'T') {
        return None;
    }
    let (head, zone) = split_zone(text)?;
    let normalized = format!("{head}{zone}");
    DateTime::parse_from_str(&normalized, "%Y-%m-%dT%H:%M:%S%.f%z")
        .ok()
        .map(|dt| dt.timestamp_millis())
}

/// Splits off the zone designator and returns it as `+hhmm`.
fn split_zone(text: &str) -> Option<(&str, String)> {
    if let Some(head) = text.strip_suffix('Z').or_else(|| text.strip_suffix('z')) {
        return Some((head, "+0000".into()));
    }
    let idx = text[19..].find(['+', '-', ' ']).map(|i| i + 19)?;
    let (head, zone) = text.split_at(idx);
    let sign = if zone.starts_with('-') { '-' } else { '+' };
    let digits: String = zone[1..].chars().filter(|c| *c != ':').collect();
    if digits.len() != 4 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    Some((head, format!("{sign}{digits}")))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    if text.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_salesforce() {
        let ms = parse_datetime("2024-01-31T09:15:00Z").unwrap_or_default();
        assert_eq!(format_datetime(ms), "2024-01-31T09:15:00.000+0000");
        assert_eq!(format_date(date_of(ms)), "2024-01-31");
    }

    #[test]
    fn parses_every_offset_spelling() {
        let base = parse_datetime("2024-01-31T09:15:00Z");
        assert!(base.is_some());
        for text in [
            "2024-01-31T09:15:00.000+0000",
            "2024-01-31T09:15:00+00:00",
            "2024-01-31T09:15:00 00:00",
            "2024-01-31T10:15:00+01:00",
            "2024-01-31T08:15:00.000-0100",
        ] {
            assert_eq!(parse_datetime(text), base, "{text}");
        }
        for bad in [
            "2024-01-31",
            "2024-01-31T09:15:00",
            "2024-01-31T09:15:00+1",
            "yesterday",
            "2024-13-01T00:00:00Z",
        ] {
            assert_eq!(parse_datetime(bad), None, "{bad}");
        }
    }

    #[test]
    fn stamps_have_whole_seconds() {
        let clock = Clock::default();
        assert_eq!(clock.stamp() % 1000, 0);
        let before = clock.now_ms();
        clock.advance(3600);
        assert!(clock.now_ms() >= before + 3_600_000);
        assert_eq!(truncate_to_second(-1), -1000);
    }
}
