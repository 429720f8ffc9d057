//! The generator spec: the knobs of a generated world, parsed from `contacts=1000,seed=7,...`.
//!
//! Holds no state. Parsing is strict: every key must be known and given once, every value must
//! parse and lie in its range, and the error names the offending key and value. The canonical form
//! ([`GenerateSpec`]'s `Display`) lists every key, so a generated scenario's name says exactly how
//! to regenerate it.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime};
use std::fmt;
use std::str::FromStr;

/// Every knob of the generator. Output depends on these values only (never on the clock).
#[derive(Debug, Clone, PartialEq)]
pub struct GenerateSpec {
    /// People in the world (`PersonSpec` entries, duplicates included).
    pub contacts: usize,
    /// Seed of every random choice.
    pub seed: u64,
    /// Share of people with deliberately malformed records (0..=1).
    pub hostile: f64,
    /// Share of people involved in a duplicate: a second CRM lead, a lead plus a contact, a
    /// case-variant email in the CRM only, or a HubSpot contact merged into theirs (0..=1).
    pub duplicates: f64,
    /// The last day of the generated history; nothing happens after 23:59:59 UTC that day.
    pub anchor: NaiveDate,
    /// Length of the history in months, ending at `anchor`.
    pub months: u32,
    /// Deals live in HubSpot (HubSpot is the CRM) instead of Salesforce.
    pub hubspot_crm: bool,
    /// Webinars, each with its own campaign; of two or more, the last is announced for two weeks
    /// after the anchor and only has registrations.
    pub webinars: u32,
    /// Campaigns other than the per-webinar ones.
    pub campaigns: u32,
    /// Sales users (SDRs who work leads and AEs who own opportunities).
    pub reps: u32,
    /// Mean marketing touchpoints per person.
    pub touches: u32,
    /// Base share of MQLs that sales never follows up (the SLA breaches); campaigns and reps skew it.
    pub sla_breach: f64,
}

impl Default for GenerateSpec {
    fn default() -> Self {
        GenerateSpec {
            contacts: 1_000,
            seed: 1,
            hostile: 0.01,
            duplicates: 0.03,
            anchor: DEFAULT_ANCHOR,
            months: 18,
            hubspot_crm: false,
            webinars: 12,
            campaigns: 12,
            reps: 8,
            touches: 10,
            sla_breach: 0.08,
        }
    }
}

/// The default end of history: fixed, so a spec alone decides the output.
const DEFAULT_ANCHOR: NaiveDate = match NaiveDate::from_ymd_opt(2026, 9, 30) {
    Some(d) => d,
    None => NaiveDate::MIN,
};

/// The keys a spec accepts, in canonical order.
pub const SPEC_KEYS: [&str; 12] = [
    "contacts",
    "seed",
    "hostile",
    "duplicates",
    "anchor",
    "months",
    "hubspot_crm",
    "webinars",
    "campaigns",
    "reps",
    "touches",
    "sla_breach",
];

/// Why a generator spec was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SpecError {
    /// An item without `=`.
    #[error("generator spec item {item:?} is not key=value")]
    NotKeyValue {
        /// The item as given.
        item: String,
    },
    /// A key the generator does not know.
    #[error("unknown generator spec key {key:?} (known: {known})", known = SPEC_KEYS.join(", "))]
    UnknownKey {
        /// The key as given.
        key: String,
    },
    /// The same key twice.
    #[error("generator spec key {key:?} is given twice")]
    DuplicateKey {
        /// The key.
        key: String,
    },
    /// A value that does not parse or is out of range.
    #[error("generator spec {key}={value:?} is invalid: {reason}")]
    BadValue {
        /// The key.
        key: String,
        /// The value as given.
        value: String,
        /// What is wrong with it.
        reason: String,
    },
}

impl GenerateSpec {
    /// Parses `key=value` items separated by commas; missing keys keep their defaults.
    pub fn parse(text: &str) -> Result<Self, SpecError> {
        let mut spec = GenerateSpec::default();
        let mut seen: Vec<&str> = Vec::new();
        for item in text.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let (key, value) = item
                .split_once('=')
                .map(|(k, v)| (k.trim(), v.trim()))
                .ok_or_else(|| SpecError::NotKeyValue { item: item.to_owned() })?;
            let Some(&known) = SPEC_KEYS.iter().find(|k| **k == key) else {
                return Err(SpecError::UnknownKey { key: key.to_owned() });
            };
            if seen.contains(&known) {
                return Err(SpecError::DuplicateKey { key: key.to_owned() });
            }
            seen.push(known);
            spec.set(known, value)?;
        }
        Ok(spec)
    }

    /// Sets one known key from its text value.
    fn set(&mut self, key: &'static str, value: &str) -> Result<(), SpecError> {
        let bad = |reason: String| SpecError::BadValue {
            key: key.to_owned(),
            value: value.to_owned(),
            reason,
        };
        match key {
            "contacts" => self.contacts = int_in(value, 0, 10_000_000).map_err(bad)? as usize,
            "seed" => self.seed = value.parse().map_err(|_| bad("expected an unsigned integer".into()))?,
            "hostile" => self.hostile = share(value).map_err(bad)?,
            "duplicates" => self.duplicates = share(value).map_err(bad)?,
            "anchor" => self.anchor = anchor(value).map_err(bad)?,
            "months" => self.months = int_in(value, 1, 120).map_err(bad)? as u32,
            "hubspot_crm" => self.hubspot_crm = boolean(value).map_err(bad)?,
            "webinars" => self.webinars = int_in(value, 0, 1_000).map_err(bad)? as u32,
            "campaigns" => self.campaigns = int_in(value, 1, 1_000).map_err(bad)? as u32,
            "reps" => self.reps = int_in(value, 2, 1_000).map_err(bad)? as u32,
            "touches" => self.touches = int_in(value, 1, 200).map_err(bad)? as u32,
            "sla_breach" => self.sla_breach = share(value).map_err(bad)?,
            _ => return Err(SpecError::UnknownKey { key: key.to_owned() }),
        }
        Ok(())
    }

    /// The last instant of the history (23:59:59 UTC on the anchor date), in Unix seconds.
    pub(crate) fn end_secs(&self) -> i64 {
        self.anchor.and_time(NaiveTime::MIN).and_utc().timestamp() + 86_399
    }

    /// The first instant of the history (midnight UTC, `months` before the anchor), in Unix seconds.
    pub(crate) fn start_secs(&self) -> i64 {
        let start = self
            .anchor
            .checked_sub_months(chrono::Months::new(self.months))
            .unwrap_or(self.anchor - chrono::Days::new(30 * u64::from(self.months)));
        start.and_time(NaiveTime::MIN).and_utc().timestamp()
    }
}

impl FromStr for GenerateSpec {
    type Err = SpecError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        GenerateSpec::parse(s)
    }
}

impl fmt::Display for GenerateSpec {
    /// The canonical form, every key in order; it parses back to the same spec.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "contacts={},seed={},hostile={},duplicates={},anchor={},months={},hubspot_crm={},\
             webinars={},campaigns={},reps={},touches={},sla_breach={}",
            self.contacts,
            self.seed,
            self.hostile,
            self.duplicates,
            self.anchor,
            self.months,
            self.hubspot_crm,
            self.webinars,
            self.campaigns,
            self.reps,
            self.touches,
            self.sla_breach
        )
    }
}

/// An integer in `min..=max`; underscores are allowed as digit separators (`1_000_000`).
fn int_in(value: &str, min: u64, max: u64) -> Result<u64, String> {
    let n: u64 = value
        .replace('_', "")
        .parse()
        .map_err(|_| format!("expected an integer between {min} and {max}"))?;
    if (min..=max).contains(&n) {
        Ok(n)
    } else {
        Err(format!("must be between {min} and {max}"))
    }
}

/// A share between 0 and 1, written `0.03` or `3%`.
fn share(value: &str) -> Result<f64, String> {
    let (number, scale) = match value.strip_suffix('%') {
        Some(pct) => (pct, 100.0),
        None => (value, 1.0),
    };
    let v: f64 = number
        .trim()
        .parse()
        .map_err(|_| "expected a number between 0 and 1 (or a percentage)".to_owned())?;
    let v = v / scale;
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err("must be between 0 and 1".to_owned())
    }
}

/// `true`/`false` (also `yes`/`no`, `1`/`0`).
fn boolean(value: &str) -> Result<bool, String> {
    match value.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err("expected true or false".to_owned()),
    }
}

/// A date `YYYY-MM-DD` (a full timestamp is accepted and its date kept), between 2000 and 2100.
fn anchor(value: &str) -> Result<NaiveDate, String> {
    let date = NaiveDate::parse_from_str(value, "%Y-%m-%d")
        .or_else(|_| chrono::DateTime::parse_from_rfc3339(value).map(|t| t.naive_utc().date()))
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S").map(|t| t.date()))
        .map_err(|_| "expected a date such as 2026-09-30".to_owned())?;
    let year = chrono::Datelike::year(&date);
    if (2000..=2100).contains(&year) {
        Ok(date)
    } else {
        Err("the year must be between 2000 and 2100".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn canonical_form_round_trips() {
        let spec = GenerateSpec::parse("contacts=250,seed=9,hostile=2%,hubspot_crm=yes,anchor=2025-01-31").unwrap();
        assert_eq!(spec.contacts, 250);
        assert!((spec.hostile - 0.02).abs() < 1e-12);
        assert!(spec.hubspot_crm);
        assert_eq!(GenerateSpec::parse(&spec.to_string()).unwrap(), spec);
    }

    #[test]
    fn history_bounds_follow_anchor_and_months() {
        let spec = GenerateSpec::parse("anchor=2026-04-30,months=1").unwrap();
        let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
        assert_eq!(spec.start_secs(), at("2026-03-30T00:00:00Z"));
        assert_eq!(spec.end_secs(), at("2026-04-30T23:59:59Z"));
        // Month ends clamp: a month before 31 March is 28 February.
        let spec = GenerateSpec::parse("anchor=2026-03-31,months=1").unwrap();
        assert_eq!(spec.start_secs(), at("2026-02-28T00:00:00Z"));
    }
}
