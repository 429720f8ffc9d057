//! sObject Collections: `composite/sobjects` create (POST), update (PATCH), delete (DELETE),
//! retrieve (GET `composite/sobjects/{Type}`), and upsert by external id (PATCH
//! `composite/sobjects/{Type}/{ExtIdField}`).
//!
//! Holds no state. One request is one transaction. Results come back in input order as
//! `{id, success, errors: [{statusCode, message, fields}]}` (upserts add `created`). With
//! `allOrNone: false` each record stands alone: a failed record is undone and the rest commit.
//! With `allOrNone: true` any failure undoes the whole request, and the records that were fine
//! report `ALL_OR_NONE_OPERATION_ROLLED_BACK`. More than the org's record limit (200) is refused
//! as a whole with `EXCEEDED_ID_LIMIT`; two records of one upsert with the same external id
//! both fail with `DUPLICATE_EXTERNAL_ID`.

use super::dml::Writer;
use super::errors::{ApiError, RecordError, json_response};
use super::gate::ApiVersion;
use super::ids::SfId;
use super::render;
use super::shared::Shared;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// The records of a collection request and its `allOrNone` flag.
struct Batch {
    all_or_none: bool,
    records: Vec<Map<String, Value>>,
}

fn parse_batch(body: &[u8], max: usize) -> Result<Batch, ApiError> {
    let value: Value = serde_json::from_slice(body)
        .map_err(|e| ApiError::json_parser(format!("Unexpected character in JSON body: {e}")))?;
    let Value::Object(mut map) = value else {
        return Err(ApiError::json_parser(
            "Cannot deserialize instance of SObjectCollectionRequest from START_ARRAY value",
        ));
    };
    let all_or_none = match map.remove("allOrNone") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(other) => {
            return Err(ApiError::json_parser(format!(
                "Cannot deserialize instance of boolean from value {other}"
            )));
        }
    };
    let records = match map.remove("records") {
        Some(Value::Array(items)) => items,
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(ApiError::json_parser(
                "Cannot deserialize instance of List from VALUE_STRING value",
            ));
        }
    };
    if let Some(unknown) = map.keys().next() {
        return Err(ApiError::json_parser(format!(
            "Unrecognized field \"{unknown}\" (class SObjectCollectionRequest), not marked as ignorable"
        )));
    }
    if records.len() > max {
        return Err(ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            format!("record limit reached. cannot submit more than {max} records into this call"),
        ));
    }
    let records = records
        .into_iter()
        .map(|r| match r {
            Value::Object(m) => Ok(m),
            _ => Err(ApiError::json_parser(
                "Cannot deserialize instance of SObject from VALUE_STRING value",
            )),
        })
        .collect::<Result<_, _>>()?;
    Ok(Batch { all_or_none, records })
}

/// The `attributes.type` of a record.
fn record_type(record: &Map<String, Value>) -> Option<&str> {
    record.get("attributes")?.get("type")?.as_str()
}

fn concrete_type_error() -> RecordError {
    RecordError::new("INVALID_TYPE", "Must send a concrete entity type.", vec![])
}

/// A record that was written: its id, `created` for upserts, and whether the client named the id
/// (so a rolled-back result still shows it).
struct Done {
    id: SfId,
    created: Option<bool>,
    named: bool,
}

/// Per-record outcome before rendering: done, or failed with the id to show.
type Outcome = Result<Done, (Option<String>, RecordError)>;

/// Runs `op` on every record in one transaction with `allOrNone` semantics and renders results.
fn run_batch(
    sim: &Shared,
    all_or_none: bool,
    count: usize,
    mut op: impl FnMut(&mut Writer<'_>, usize) -> Outcome,
) -> Response {
    let outcomes: Vec<Outcome> = {
        let result: Result<Vec<Outcome>, Vec<Outcome>> = sim.transact(|w| {
            let mut outcomes = Vec::with_capacity(count);
            for i in 0..count {
                let savepoint = w.txn.savepoint();
                let outcome = op(w, i);
                if outcome.is_err() && !all_or_none {
                    w.org.rollback_to(w.txn, savepoint);
                }
                outcomes.push(outcome);
            }
            if all_or_none && outcomes.iter().any(Result::is_err) {
                Err(outcomes)
            } else {
                Ok(outcomes)
            }
        });
        match result {
            Ok(outcomes) => outcomes,
            Err(outcomes) => outcomes
                .into_iter()
                .map(|o| match o {
                    Ok(done) => Err((
                        done.named.then(|| done.id.to_string()),
                        RecordError::new(
                            "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                            "Record rolled back because not all records were valid and the request was using AllOrNone header",
                            vec![],
                        ),
                    )),
                    err => err,
                })
                .collect(),
        }
    };
    let results: Vec<Value> = outcomes
        .into_iter()
        .map(|o| match o {
            Ok(done) => {
                let mut r = json!({"id": done.id.to_string(), "success": true, "errors": []});
                if let (Some(created), Some(obj)) = (done.created, r.as_object_mut()) {
                    obj.insert("created".into(), json!(created));
                }
                r
            }
            Err((id, e)) => {
                let mut r = json!({"success": false, "errors": [e.to_result_json()]});
                if let (Some(id), Some(obj)) = (id, r.as_object_mut()) {
                    obj.insert("id".into(), json!(id));
                }
                r
            }
        })
        .collect();
    json_response(StatusCode::OK, &json!(results))
}

/// `POST composite/sobjects`: create.
pub async fn create(State(sim): State<Arc<Shared>>, body: Bytes) -> Response {
    let batch = match parse_batch(&body, sim.settings.collection_max_records) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let records = batch.records;
    run_batch(&sim, batch.all_or_none, records.len(), |w, i| {
        let record = &records[i];
        let table = record_type(record).ok_or_else(|| (None, concrete_type_error()))?;
        let table = w.org.table_index(table).ok_or_else(|| (None, unknown_type(table)))?;
        w.create(table, record)
            .map(|id| Done {
                id,
                created: None,
                named: false,
            })
            .map_err(|e| (None, e))
    })
}

fn unknown_type(name: &str) -> RecordError {
    RecordError::new(
        "INVALID_TYPE",
        format!("sObject type '{name}' is not supported."),
        vec![],
    )
}

/// The `id` of an update record.
fn record_id(record: &Map<String, Value>) -> Result<SfId, (Option<String>, RecordError)> {
    let raw = record
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("id"))
        .map(|(_, v)| v);
    match raw {
        None | Some(Value::Null) => Err((
            None,
            RecordError::new("MISSING_ARGUMENT", "Id not specified in an update call", vec![]),
        )),
        Some(Value::String(s)) => SfId::parse(s).ok_or_else(|| {
            (
                Some(s.clone()),
                RecordError::new("MALFORMED_ID", format!("malformed id {s}"), vec![]),
            )
        }),
        Some(other) => Err((
            None,
            RecordError::new("MALFORMED_ID", format!("malformed id {other}"), vec![]),
        )),
    }
}

/// `PATCH composite/sobjects`: update.
pub async fn update(State(sim): State<Arc<Shared>>, body: Bytes) -> Response {
    let batch = match parse_batch(&body, sim.settings.collection_max_records) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let records = batch.records;
    run_batch(&sim, batch.all_or_none, records.len(), |w, i| {
        let record = &records[i];
        let id = record_id(record)?;
        let shown = Some(id.to_string());
        let table = record_type(record).ok_or_else(|| (shown.clone(), concrete_type_error()))?;
        let table = w
            .org
            .table_index(table)
            .ok_or_else(|| (shown.clone(), unknown_type(table)))?;
        w.update(table, id, record)
            .map(|_| Done {
                id,
                created: None,
                named: true,
            })
            .map_err(|e| (shown, e))
    })
}

/// `PATCH composite/sobjects/{Type}/{ExtIdField}`: upsert.
pub async fn upsert(
    State(sim): State<Arc<Shared>>,
    Path((_, object, field)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let (table, column, field_name) = {
        let org = sim.read();
        let Some(table) = org.table_index(&object) else {
            return ApiError::not_found().into_response();
        };
        let schema = &org.tables[table].schema;
        let Some(column) = schema.column(&field).filter(|c| schema.fields[*c].external_id) else {
            return ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provided external ID field does not exist or is not accessible: {field}"),
            )
            .into_response();
        };
        (table, column, schema.fields[column].name.clone())
    };
    let batch = match parse_batch(&body, sim.settings.collection_max_records) {
        Ok(b) => b,
        Err(e) => return e.into_response(),
    };
    let records = batch.records;
    // External ids named twice in one request fail on every record that names them.
    let key_of = |r: &Map<String, Value>| {
        r.iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(&field_name))
            .and_then(|(_, v)| match v {
                Value::String(s) if !s.is_empty() => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
    };
    let mut seen: HashMap<String, usize> = HashMap::new();
    for key in records.iter().filter_map(key_of) {
        *seen.entry(key.to_lowercase()).or_default() += 1;
    }
    run_batch(&sim, batch.all_or_none, records.len(), |w, i| {
        let record = &records[i];
        match record_type(record) {
            None => return Err((None, concrete_type_error())),
            Some(t) if w.org.table_index(t) != Some(table) => {
                return Err((
                    None,
                    RecordError::new(
                        "INVALID_TYPE",
                        format!("record type {t} does not match {object}"),
                        vec![],
                    ),
                ));
            }
            Some(_) => {}
        }
        if let Some(key) = key_of(record).filter(|k| seen.get(&k.to_lowercase()).is_some_and(|n| *n > 1)) {
            return Err((
                None,
                RecordError::new(
                    "DUPLICATE_EXTERNAL_ID",
                    format!("Duplicate external id specified: {key}"),
                    vec![field_name.clone()],
                ),
            ));
        }
        w.upsert(table, column, record)
            .map(|(id, created)| Done {
                id,
                created: Some(created),
                named: !created,
            })
            .map_err(|e| (None, e))
    })
}

fn query_param(raw: Option<&str>, name: &str) -> Option<String> {
    url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// `DELETE composite/sobjects?ids=...&allOrNone=`.
pub async fn delete(State(sim): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Response {
    let ids: Vec<String> = query_param(raw.as_deref(), "ids")
        .map(|s| {
            s.split(',')
                .map(|i| i.trim().to_owned())
                .filter(|i| !i.is_empty())
                .collect()
        })
        .unwrap_or_default();
    if ids.is_empty() {
        return ApiError::bad_request("MISSING_ARGUMENT", "ids parameter not specified").into_response();
    }
    if ids.len() > sim.settings.collection_max_records {
        return ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            format!(
                "record limit reached. cannot submit more than {} records into this call",
                sim.settings.collection_max_records
            ),
        )
        .into_response();
    }
    let all_or_none = query_param(raw.as_deref(), "allOrNone").is_some_and(|v| v.eq_ignore_ascii_case("true"));
    run_batch(&sim, all_or_none, ids.len(), |w, i| {
        let text = &ids[i];
        let id = SfId::parse(text).ok_or_else(|| {
            (
                Some(text.clone()),
                RecordError::new("MALFORMED_ID", format!("malformed id {text}"), vec![]),
            )
        })?;
        let shown = Some(id.to_string());
        let table = w.org.schema.index_of_prefix(id.prefix()).ok_or_else(|| {
            (
                shown.clone(),
                RecordError::new("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id", vec![]),
            )
        })?;
        w.delete(table, id)
            .map(|_| Done {
                id,
                created: None,
                named: true,
            })
            .map_err(|e| (shown, e))
    })
}

/// `GET composite/sobjects/{Type}?ids=...&fields=...`: up to 2000 records, null where missing.
pub async fn retrieve(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    Path((_, object)): Path<(String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let org = sim.read();
    let Some(table) = org.table_index(&object) else {
        return ApiError::not_found().into_response();
    };
    let schema = &org.tables[table].schema;
    let Some(fields) = query_param(raw.as_deref(), "fields") else {
        return ApiError::bad_request("MISSING_ARGUMENT", "fields parameter not specified").into_response();
    };
    let mut columns = Vec::new();
    for name in fields.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match schema.column(name) {
            Some(c) => columns.push(c),
            None => {
                return ApiError::bad_request(
                    "INVALID_FIELD",
                    format!("No such column '{name}' on entity '{}'", schema.name),
                )
                .into_response();
            }
        }
    }
    let ids: Vec<String> = query_param(raw.as_deref(), "ids")
        .map(|s| s.split(',').map(|i| i.trim().to_owned()).collect())
        .unwrap_or_default();
    if ids.len() > 2000 {
        return ApiError::bad_request(
            "EXCEEDED_ID_LIMIT",
            "record limit reached. cannot submit more than 2000 records into this call",
        )
        .into_response();
    }
    let records: Vec<Value> = ids
        .iter()
        .map(|i| {
            SfId::parse(i)
                .and_then(|id| org.tables[table].find(id))
                .filter(|r| !org.is_deleted(table, *r))
                .map(|r| render::record_value(&org, table, r, Some(&columns), &version))
                .unwrap_or(Value::Null)
        })
        .collect();
    json_response(StatusCode::OK, &json!(records))
}
