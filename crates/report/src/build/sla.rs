//! The SLA section: MQLs per month against the target, speed to lead per owner and month, the
//! speed-to-lead distribution, and the breach and stalled lists.
//!
//! Holds no state. Every month of the period gets a row, with zeros when nothing happened: a month
//! without MQLs is the one the target talks about.

use super::groups::group;
use crate::model::{Group, MonthRow, MqlPerson, PersonList, SlaSection, SpeedBucket, SpeedRow};
use crate::options::ReportOptions;
use chrono::{Datelike, NaiveDate};
use closedloop_core::stats::{histogram, median, ms_to_days, percentile, rate};
use closedloop_store::report::GroupKey;
use closedloop_store::report::sla::{self, SlaData, SlaGroup};

/// Bucket bounds of the speed-to-lead distribution, in minutes: 5 min, 30 min, 1 h, 4 h, 1 day,
/// 3 days: the thresholds inbound-lead research and SLAs are written in.
const BOUNDS_MINUTES: [i64; 6] = [5, 30, 60, 240, 1_440, 4_320];
const BUCKET_LABELS: [&str; 7] = [
    "< 5 min",
    "5–30 min",
    "30 min–1 h",
    "1–4 h",
    "4–24 h",
    "1–3 days",
    "≥ 3 days",
];

/// The months the section shows: the period's, or the data's when the period is open.
pub(super) fn months(options: &ReportOptions, data: &SlaData) -> Vec<String> {
    let seen: Vec<&str> = data
        .groups
        .iter()
        .filter(|g| g.dimension == "month")
        .filter_map(|g| g.key.id.as_deref())
        .collect();
    let first = options
        .period
        .since
        .or_else(|| seen.iter().min().and_then(|m| parse_month(m)));
    let last = options
        .period
        .until
        .or_else(|| options.period.since.map(|_| options.now.date_naive()))
        .or_else(|| seen.iter().max().and_then(|m| parse_month(m)));
    let (Some(first), Some(last)) = (first, last) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let (mut y, mut m) = (first.year(), first.month());
    while (y, m) <= (last.year(), last.month()) {
        out.push(format!("{y:04}-{m:02}"));
        (y, m) = if m == 12 { (y + 1, 1) } else { (y, m + 1) };
    }
    out
}

fn parse_month(m: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok()
}

fn count(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn speed_row(group: Group, g: &SlaGroup) -> SpeedRow {
    let minutes: Vec<f64> = g.speed_minutes.iter().map(|&m| m as f64).collect();
    SpeedRow {
        group,
        mqls: g.mqls,
        handoffs: g.handoffs,
        met: g.met,
        breached: g.breached,
        pending: g.pending,
        not_contacted: g.not_contacted,
        met_rate: rate(count(g.met), count(g.met + g.breached)),
        median_minutes: median(&minutes),
        p90_minutes: percentile(&minutes, 90.0),
    }
}

pub(super) fn section(options: &ReportOptions, data: &SlaData, months: &[String]) -> SlaSection {
    let empty = |dimension: &str, id: Option<String>| SlaGroup {
        dimension: dimension.to_owned(),
        key: GroupKey {
            id,
            ..GroupKey::default()
        },
        ..SlaGroup::default()
    };
    let by_month = months
        .iter()
        .map(|month| {
            let g = data
                .groups
                .iter()
                .find(|g| g.dimension == "month" && g.key.id.as_deref() == Some(month))
                .cloned()
                .unwrap_or_else(|| empty("month", Some(month.clone())));
            MonthRow {
                month: month.clone(),
                mqls: g.mqls,
                implied: g.implied,
                handoffs: g.handoffs,
                target: options.mql_target_per_month,
                attainment: options
                    .mql_target_per_month
                    .and_then(|t| rate(count(g.handoffs), u64::from(t))),
                speed: speed_row(group("month", &g.key), &g),
            }
        })
        .collect();
    let by_owner = data
        .groups
        .iter()
        .filter(|g| g.dimension == "owner")
        .map(|g| speed_row(group("owner", &g.key), g))
        .collect();
    let total_group = data
        .groups
        .iter()
        .find(|g| g.dimension == "total")
        .cloned()
        .unwrap_or_else(|| empty("total", None));
    let total = speed_row(group("total", &total_group.key), &total_group);
    SlaSection {
        sla_hours: options.sla_hours,
        mql_target_per_month: options.mql_target_per_month,
        by_month,
        by_owner,
        total,
        distribution: distribution(&total_group),
        breaches: list(&data.breaches),
        stalled: list(&data.stalled),
    }
}

fn distribution(total: &SlaGroup) -> Vec<SpeedBucket> {
    let minutes: Vec<f64> = total.speed_minutes.iter().map(|&m| m as f64).collect();
    let bounds: Vec<f64> = BOUNDS_MINUTES.iter().map(|&b| b as f64).collect();
    let counts = histogram(&minutes, &bounds);
    let mut out: Vec<SpeedBucket> = counts
        .iter()
        .enumerate()
        .map(|(i, &n)| SpeedBucket {
            label: BUCKET_LABELS[i].to_owned(),
            from_minutes: Some(if i == 0 { 0 } else { BOUNDS_MINUTES[i - 1] }),
            to_minutes: BOUNDS_MINUTES.get(i).copied(),
            count: i64::try_from(n).unwrap_or(i64::MAX),
        })
        .collect();
    out.push(SpeedBucket {
        label: "not contacted".to_owned(),
        from_minutes: None,
        to_minutes: None,
        count: total.not_contacted,
    });
    out
}

fn list(l: &sla::PersonList) -> PersonList {
    PersonList {
        total: l.total,
        people: l
            .people
            .iter()
            .map(|p| MqlPerson {
                person_id: p.person.0,
                email: p.email.clone(),
                name: p.name.clone(),
                owner: group("owner", &p.owner),
                month: p.mql_at.format("%Y-%m").to_string(),
                mql_at: p.mql_at,
                due_at: p.due_at,
                first_contact_at: p.first_contact_at,
                hours_late: p.late_ms.map(|ms| ms_to_days(ms) * 24.0),
                days_since_mql: ms_to_days(p.age_ms),
                lead_status: p.lead_status.clone(),
                disqualification_reason: p.disqualification_reason.clone(),
                owner_side: p.owner_side.clone(),
                what_happened: p.what_happened.clone(),
            })
            .collect(),
    }
}
