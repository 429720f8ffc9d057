//! `GET query`, `GET queryAll` and their `nextRecordsUrl` pages.
//!
//! Holds no state of its own (cursors live in [`super::cursors`]). A query runs once, under the
//! org's read lock; the first page is rendered from the result and the rest of the rows stay in
//! a cursor. Page size is 2000 (or the scenario's `query_batch_size`), changed per request with
//! `Sforce-Query-Options: batchSize=N` (200..2000; values outside are clamped). `nextRecordsUrl`
//! is `/services/data/vNN.0/query/01g...-OFFSET` for both query and queryAll, and either path
//! serves either kind of locator, as in Salesforce.

use super::cursors::Cursor;
use super::errors::{ApiError, raw_json_response};
use super::gate::ApiVersion;
use super::render;
use super::shared::Shared;
use super::soql::{self, exec};
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Smallest page a client may ask for.
pub const MIN_BATCH: usize = 200;
/// Largest page.
pub const MAX_BATCH: usize = 2000;

/// `GET query?q=`.
pub async fn query(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    run(&sim, &version, &headers, raw.as_deref(), false)
}

/// `GET queryAll?q=`: deleted and merged rows too.
pub async fn query_all(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    run(&sim, &version, &headers, raw.as_deref(), true)
}

/// `GET query/{locator}-{offset}` (and the same under `queryAll/`).
pub async fn more(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    headers: HeaderMap,
    Path((_, locator)): Path<(String, String)>,
) -> Response {
    let invalid = || ApiError::bad_request("INVALID_QUERY_LOCATOR", "invalid query locator").into_response();
    let Some((id, offset)) = locator.rsplit_once('-') else {
        return invalid();
    };
    let Ok(offset) = offset.parse::<usize>() else {
        return invalid();
    };
    let now = sim.clock.now_ms();
    let cursor = {
        let mut cursors = sim.cursors();
        match cursors.get(id, now) {
            Some(c) => c.clone(),
            None => return invalid(),
        }
    };
    if offset == 0 || offset >= cursor.rows.len() {
        return invalid();
    }
    let batch = requested_batch(&headers).unwrap_or(cursor.batch);
    let end = (offset + batch).min(cursor.rows.len());
    let next = (end < cursor.rows.len()).then(|| format!("/services/data/v{version}/query/{id}-{end}"));
    if next.is_none() {
        sim.cursors().close(id);
    }
    let org = sim.read();
    let mut out = String::with_capacity(64 + (end - offset) * 256);
    page_head(&mut out, cursor.rows.len(), next.as_deref());
    for (i, row) in cursor.rows[offset..end].iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        render::record(&mut out, &org, cursor.table, *row, &cursor.columns, &version);
    }
    out.push_str("]}");
    raw_json_response(StatusCode::OK, out)
}

fn run(sim: &Shared, version: &str, headers: &HeaderMap, raw: Option<&str>, all: bool) -> Response {
    let q = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.into_owned());
    let Some(q) = q.filter(|q| !q.trim().is_empty()) else {
        return ApiError::bad_request("MALFORMED_QUERY", "A query string has to be specified").into_response();
    };
    let org = sim.read();
    let compiled = match soql::prepare(&q, &org.schema, sim.clock.today()) {
        Ok(c) => c,
        Err(e) => return ApiError::bad_request(e.code, e.message(&q)).into_response(),
    };
    let visibility = if all {
        exec::Visibility::All {
            horizon: org.horizon(sim.clock.now_ms()),
        }
    } else {
        exec::Visibility::Live
    };
    let rows: Arc<[u32]> = exec::run(&org, &compiled, visibility).into();
    if compiled.count {
        return raw_json_response(
            StatusCode::OK,
            format!("{{\"totalSize\":{},\"done\":true,\"records\":[]}}", rows.len()),
        );
    }
    let batch = requested_batch(headers).unwrap_or(sim.settings.query_batch_size.clamp(MIN_BATCH, MAX_BATCH));
    let first = batch.min(rows.len());
    let mut out = String::with_capacity(64 + first * 256);
    let next = if rows.len() > batch {
        let cursor = Cursor {
            table: compiled.table,
            columns: compiled.select.clone(),
            rows: Arc::clone(&rows),
            batch,
            touched_ms: sim.clock.now_ms(),
        };
        let locator = sim.cursors().open(cursor);
        Some(format!("/services/data/v{version}/query/{locator}-{batch}"))
    } else {
        None
    };
    page_head(&mut out, rows.len(), next.as_deref());
    for (i, row) in rows[..first].iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        render::record(&mut out, &org, compiled.table, *row, &compiled.select, version);
    }
    out.push_str("]}");
    raw_json_response(StatusCode::OK, out)
}

fn page_head(out: &mut String, total: usize, next: Option<&str>) {
    out.push_str(&format!("{{\"totalSize\":{total},\"done\":{},", next.is_none()));
    if let Some(next) = next {
        out.push_str(&format!("\"nextRecordsUrl\":\"{next}\","));
    }
    out.push_str("\"records\":[");
}

/// `Sforce-Query-Options: batchSize=N`, clamped to 200..2000.
pub fn requested_batch(headers: &HeaderMap) -> Option<usize> {
    let value = headers.get("Sforce-Query-Options")?.to_str().ok()?;
    value
        .split([',', ';'])
        .filter_map(|part| part.trim().split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("batchSize"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .map(|n| n.clamp(MIN_BATCH, MAX_BATCH))
}
