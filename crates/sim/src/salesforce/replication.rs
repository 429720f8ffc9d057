//! Data replication: `sobjects/{Type}/deleted/?start&end` and `sobjects/{Type}/updated/?start&end`.
//!
//! Holds no state. Rules follow Salesforce's `getDeleted`/`getUpdated`: start and end are read to
//! the minute (seconds ignored); start must precede end by more than a minute; `latestDateCovered`
//! is the end, or now if the end is in the future; at most 600,000 ids. Deleted records are kept
//! for the org's retention window (15 days), counted from the start of the day: the window's
//! start, or the last purge if later, is `earliestDateAvailable`, and a `start` before it fails
//! with `INVALID_REPLICATION_DATE` — the caller's cue for a full resync. `updated` looks back at
//! most 30 days.

use super::errors::{ApiError, json_response};
use super::shared::Shared;
use super::time;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Days;
use serde_json::json;
use std::sync::Arc;

/// The most ids one call returns.
const MAX_IDS: usize = 600_000;
/// How far back `updated` may look.
const UPDATED_WINDOW_DAYS: u64 = 30;
const MINUTE: i64 = 60_000;

/// A raw query parameter, percent-decoded with `+` kept as `+` (clients send offsets unencoded).
fn param(raw: Option<&str>, name: &str) -> Option<String> {
    raw?.split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| percent_encoding::percent_decode_str(v).decode_utf8_lossy().into_owned())
}

/// Start and end, floored to the minute, and the end actually covered.
fn window(raw: Option<&str>, now: i64) -> Result<(i64, i64, i64), ApiError> {
    let read = |name: &str| -> Result<i64, ApiError> {
        let value = param(raw, name)
            .ok_or_else(|| ApiError::bad_request("MISSING_ARGUMENT", format!("{name} parameter not specified")))?;
        time::parse_datetime(&value)
            .map(|ms| ms.div_euclid(MINUTE) * MINUTE)
            .ok_or_else(|| {
                ApiError::bad_request(
                    "INVALID_DATE_FORMAT",
                    format!("{name}: invalid dateTime {value}, expected ISO-8601 such as 2024-01-31T09:15:00+00:00"),
                )
            })
    };
    let (start, end) = (read("start")?, read("end")?);
    if end - start <= MINUTE {
        return Err(ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            "startDate must chronologically precede endDate by more than one minute",
        ));
    }
    let covered = end.min(now.div_euclid(MINUTE) * MINUTE);
    Ok((start, end, covered))
}

/// `GET sobjects/{Type}/deleted/`.
pub async fn deleted(
    State(sim): State<Arc<Shared>>,
    Path((_, object)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let now = sim.clock.now_ms();
    let (start, _end, covered) = match window(raw.as_deref(), now) {
        Ok(w) => w,
        Err(e) => return e.into_response(),
    };
    let org = sim.read();
    let Some(table) = org.table_index(&object) else {
        return ApiError::not_found().into_response();
    };
    let t = &org.tables[table];
    let horizon = org.horizon(now);
    let window_start = sim
        .clock
        .today()
        .checked_sub_days(Days::new(u64::from(org.config.retention_days)))
        .map(time::start_of_day)
        .unwrap_or(horizon);
    let last_purge = t.recycle_bin().map(|(_, at)| at).filter(|at| *at < horizon).max();
    let earliest = last_purge.map_or(window_start, |p| p.max(window_start));
    if start < earliest {
        return ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            format!(
                "startDate {} is before earliestDateAvailable {}: deleted records before it are no longer available",
                time::format_datetime(start),
                time::format_datetime(earliest)
            ),
        )
        .into_response();
    }
    let mut found: Vec<(i64, u32)> = t
        .recycle_bin()
        .filter(|(_, at)| *at >= start && *at < covered && *at >= horizon)
        .map(|(row, at)| (at, row))
        .collect();
    if found.len() > MAX_IDS {
        return too_many();
    }
    found.sort_unstable();
    let records: Vec<serde_json::Value> = found
        .iter()
        .map(|(at, row)| json!({"id": t.row(*row).id.to_string(), "deletedDate": time::format_datetime(*at)}))
        .collect();
    json_response(
        StatusCode::OK,
        &json!({
            "deletedRecords": records,
            "earliestDateAvailable": time::format_datetime(earliest),
            "latestDateCovered": time::format_datetime(covered),
        }),
    )
}

/// `GET sobjects/{Type}/updated/`.
pub async fn updated(
    State(sim): State<Arc<Shared>>,
    Path((_, object)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let now = sim.clock.now_ms();
    let (start, _end, covered) = match window(raw.as_deref(), now) {
        Ok(w) => w,
        Err(e) => return e.into_response(),
    };
    let oldest = sim
        .clock
        .today()
        .checked_sub_days(Days::new(UPDATED_WINDOW_DAYS))
        .map(time::start_of_day)
        .unwrap_or(0);
    if start < oldest {
        return ApiError::bad_request(
            "INVALID_REPLICATION_DATE",
            format!("startDate cannot be more than {UPDATED_WINDOW_DAYS} days ago"),
        )
        .into_response();
    }
    let org = sim.read();
    let Some(table) = org.table_index(&object) else {
        return ApiError::not_found().into_response();
    };
    let t = &org.tables[table];
    let mut rows: Vec<u32> = t
        .modstamp_range(std::ops::Bound::Included(start), std::ops::Bound::Excluded(covered))
        .collect();
    rows.retain(|r| !org.is_deleted(table, *r));
    if rows.len() > MAX_IDS {
        return too_many();
    }
    rows.sort_unstable();
    let ids: Vec<String> = rows.iter().map(|r| t.row(*r).id.to_string()).collect();
    json_response(
        StatusCode::OK,
        &json!({"ids": ids, "latestDateCovered": time::format_datetime(covered)}),
    )
}

fn too_many() -> Response {
    ApiError::bad_request(
        "EXCEEDED_ID_LIMIT",
        format!("more than {MAX_IDS} ids found: choose start and end dates closer together"),
    )
    .into_response()
}
