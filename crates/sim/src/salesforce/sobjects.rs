//! Single-record resources: `sobjects/{Type}` (create), `sobjects/{Type}/{id}` (get, update,
//! delete) and `sobjects/{Type}/{ExtIdField}/{value}` (get and upsert by external id).
//!
//! Holds no state. Writes go through [`super::dml`]. Status codes are Salesforce's: 201 with
//! `{id, success, errors}` on create, 204 on update and delete, 404 `NOT_FOUND` for a record that
//! does not exist and 404 `ENTITY_IS_DELETED` for one in the recycle bin, 400 with the record's
//! error otherwise; an upsert answers 201 (created) or 200 (updated) with `created`, and 300 with
//! the candidates' URLs when the external id matches more than one record.

use super::errors::{ApiError, RecordError, json_response};
use super::gate::ApiVersion;
use super::ids::SfId;
use super::render;
use super::shared::Shared;
use super::state::Org;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Parses a request body that must be one JSON object.
pub fn object_body(body: &[u8], object: &str) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::json_parser(format!(
            "Cannot deserialize instance of {object} from {} value",
            if other.is_array() {
                "START_ARRAY"
            } else {
                "VALUE_STRING"
            }
        ))),
        Err(e) => Err(ApiError::json_parser(format!("Unexpected character in JSON body: {e}"))),
    }
}

/// Maps a single-record write failure to its HTTP status.
fn write_error(error: RecordError) -> Response {
    let status = match error.code {
        "INVALID_CROSS_REFERENCE_KEY" if error.fields.is_empty() => {
            return ApiError::not_found().into_response();
        }
        "ENTITY_IS_DELETED" if error.fields.is_empty() => StatusCode::NOT_FOUND,
        _ => StatusCode::BAD_REQUEST,
    };
    let mut api = ApiError::from_record(error);
    if api.code != "JSON_PARSER_ERROR" {
        api.status = status;
    }
    api.into_response()
}

fn table_of(org: &Org, object: &str) -> Result<usize, ApiError> {
    org.table_index(object).ok_or_else(ApiError::not_found)
}

/// `POST sobjects/{Type}`.
pub async fn create(
    State(sim): State<Arc<Shared>>,
    Path((_, object)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let table = match table_of(&sim.read(), &object) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let input = match object_body(&body, &object) {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    match sim.transact(|w| w.create(table, &input)) {
        Ok(id) => json_response(
            StatusCode::CREATED,
            &json!({"id": id.to_string(), "success": true, "errors": []}),
        ),
        Err(e) => write_error(e),
    }
}

/// `GET sobjects/{Type}/{id}?fields=`.
pub async fn get(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    Path((_, object, id)): Path<(String, String, String)>,
    RawQuery(raw): RawQuery,
) -> Response {
    let org = sim.read();
    let table = match table_of(&org, &object) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let Some(id) = SfId::parse(&id) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {id}"),
        )
        .into_response();
    };
    let Some(row) = org.tables[table].find(id) else {
        return ApiError::not_found().into_response();
    };
    if org.is_deleted(table, row) {
        return ApiError::new(StatusCode::NOT_FOUND, "ENTITY_IS_DELETED", "entity is deleted").into_response();
    }
    let columns = match fields_param(&org, table, raw.as_deref()) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    json_response(
        StatusCode::OK,
        &render::record_value(&org, table, row, columns.as_deref(), &version),
    )
}

/// The `fields` query parameter as columns.
fn fields_param(org: &Org, table: usize, raw: Option<&str>) -> Result<Option<Vec<usize>>, ApiError> {
    let Some(list) = url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
        .find(|(k, _)| k == "fields")
        .map(|(_, v)| v.into_owned())
    else {
        return Ok(None);
    };
    let schema = &org.tables[table].schema;
    let mut columns = Vec::new();
    for name in list.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        let c = schema.column(name).ok_or_else(|| {
            ApiError::bad_request("INVALID_FIELD", format!("No such column '{name}' on entity '{}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.", schema.name))
        })?;
        if !columns.contains(&c) {
            columns.push(c);
        }
    }
    Ok(Some(columns))
}

/// `PATCH sobjects/{Type}/{id}`.
pub async fn update(
    State(sim): State<Arc<Shared>>,
    Path((_, object, id)): Path<(String, String, String)>,
    body: Bytes,
) -> Response {
    let table = match table_of(&sim.read(), &object) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let Some(id) = SfId::parse(&id) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            format!("Provided external ID field does not exist or is not accessible: {id}"),
        )
        .into_response();
    };
    let input = match object_body(&body, &object) {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    match sim.transact(|w| w.update(table, id, &input)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) if e.code == "MALFORMED_ID" && e.fields == ["Id"] => ApiError::not_found().into_response(),
        Err(e) => write_error(e),
    }
}

/// `DELETE sobjects/{Type}/{id}`.
pub async fn delete(State(sim): State<Arc<Shared>>, Path((_, object, id)): Path<(String, String, String)>) -> Response {
    let table = match table_of(&sim.read(), &object) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let Some(id) = SfId::parse(&id) else {
        return ApiError::not_found().into_response();
    };
    match sim.transact(|w| w.delete(table, id)) {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) if e.code == "MALFORMED_ID" => ApiError::not_found().into_response(),
        Err(e) => write_error(e),
    }
}

/// Resolves an External ID field of `object` (the `Id` field is accepted too).
fn key_field(org: &Org, table: usize, field: &str) -> Result<usize, ApiError> {
    let schema = &org.tables[table].schema;
    schema
        .column(field)
        .filter(|c| schema.fields[*c].external_id)
        .ok_or_else(|| {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "NOT_FOUND",
                format!("Provided external ID field does not exist or is not accessible: {field}"),
            )
        })
}

/// `GET sobjects/{Type}/{ExtIdField}/{value}`.
pub async fn get_by_key(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
) -> Response {
    let org = sim.read();
    let table = match table_of(&org, &object) {
        Ok(t) => t,
        Err(e) => return e.into_response(),
    };
    let column = match key_field(&org, table, &field) {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    let rows = org.tables[table].key_lookup(column, &value);
    match rows {
        [] => ApiError::not_found().into_response(),
        [row] => json_response(StatusCode::OK, &render::record_value(&org, table, *row, None, &version)),
        many => multiple_choices(&org, table, many, &version),
    }
}

fn multiple_choices(org: &Org, table: usize, rows: &[u32], version: &str) -> Response {
    let t = &org.tables[table];
    let urls: Vec<String> = rows
        .iter()
        .map(|r| format!("/services/data/v{version}/sobjects/{}/{}", t.schema.name, t.row(*r).id))
        .collect();
    json_response(StatusCode::MULTIPLE_CHOICES, &json!(urls))
}

/// `PATCH sobjects/{Type}/{ExtIdField}/{value}`: upsert one record.
pub async fn upsert_by_key(
    State(sim): State<Arc<Shared>>,
    Extension(ApiVersion(version)): Extension<ApiVersion>,
    Path((_, object, field, value)): Path<(String, String, String, String)>,
    body: Bytes,
) -> Response {
    let (table, column) = {
        let org = sim.read();
        let table = match table_of(&org, &object) {
            Ok(t) => t,
            Err(e) => return e.into_response(),
        };
        match key_field(&org, table, &field) {
            Ok(c) => {
                let rows = org.tables[table].key_lookup(c, &value);
                if rows.len() > 1 {
                    return multiple_choices(&org, table, rows, &version);
                }
                (table, c)
            }
            Err(e) => return e.into_response(),
        }
    };
    let mut input = match object_body(&body, &object) {
        Ok(m) => m,
        Err(e) => return e.into_response(),
    };
    let field_name = sim.read().tables[table].schema.field(column).name.clone();
    input.retain(|k, _| !k.eq_ignore_ascii_case(&field_name));
    input.insert(field_name, Value::String(value));
    match sim.transact(|w| w.upsert(table, column, &input)) {
        Ok((id, created)) => json_response(
            if created { StatusCode::CREATED } else { StatusCode::OK },
            &json!({"id": id.to_string(), "success": true, "errors": [], "created": created}),
        ),
        Err(e) => write_error(e),
    }
}
