//! CRM v4 associations: per-object reads with paging, batch read, and the writes tests use to
//! associate records (`/crm/v4/objects/...`, `/crm/v4/associations/{from}/{to}/batch/...`).
//!
//! Holds no state; reads and changes the world's [`Links`](super::links::Links). `toObjectId` is
//! a number in v4 responses, as HubSpot sends it. A batch read of an object with no associations
//! of the requested type yields a 207 error entry for it, as at HubSpot.

use super::errors::{ApiError, json_response};
use super::ids::{decode_number_cursor, encode_cursor};
use super::links::{AssocType, Edge};
use super::objects::{IdValue, json_response_empty, kind_of};
use super::record::ObjectKind;
use super::render::{collection, paging};
use super::request::{Ctx, JsonBody, Params};
use super::state::{Hub, World};
use super::timefmt::iso;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

/// Largest page of a per-object read.
pub const PAGE_MAX: usize = 500;
/// Most inputs in a batch read.
pub const BATCH_READ_MAX: usize = 1000;
/// Most inputs in a batch write.
pub const BATCH_WRITE_MAX: usize = 2000;

fn live_edges(world: &World, from_kind: ObjectKind, from: u64, to_kind: ObjectKind) -> Vec<Edge> {
    let mut edges: Vec<Edge> = world
        .links
        .get(from_kind, from, to_kind)
        .iter()
        .copied()
        .filter(|e| world.store(to_kind).get(e.to).is_some())
        .collect();
    edges.sort_by_key(|e| e.to);
    edges
}

fn render_edge(from: ObjectKind, to: ObjectKind, edge: Edge) -> Value {
    let types: Vec<Value> = AssocType::of_edge(from, to, edge)
        .into_iter()
        .map(|t| json!({ "category": "HUBSPOT_DEFINED", "typeId": t.type_id(), "label": if t.primary { json!("Primary") } else { Value::Null } }))
        .collect();
    json!({ "toObjectId": edge.to, "associationTypes": types })
}

fn parse_id(text: &str) -> Option<u64> {
    text.trim().parse().ok()
}

/// `GET /crm/v4/objects/{from}/{id}/associations/{to}`.
pub async fn list(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((from, id, to)): Path<(String, String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let (from_kind, to_kind) = (kind_of(&from)?, kind_of(&to)?);
    let limit = params.limit(PAGE_MAX, PAGE_MAX)?;
    let start = match params.get("after") {
        None => 0,
        Some(a) => {
            decode_number_cursor(a).ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))?
        }
    };
    let world = hub.read();
    let Some(from_id) = parse_id(&id).and_then(|n| world.store(from_kind).resolve(n)) else {
        return Ok(json_response(StatusCode::OK, &collection(Vec::new(), None, &[])));
    };
    let edges: Vec<Edge> = live_edges(&world, from_kind, from_id, to_kind)
        .into_iter()
        .filter(|e| e.to >= start)
        .collect();
    let next = edges.get(limit).map(|e| encode_cursor(&e.to.to_string()));
    let results = edges
        .iter()
        .take(limit)
        .map(|e| render_edge(from_kind, to_kind, *e))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &collection(results, paging(&ctx.origin, &params, next), &[]),
    ))
}

/// `{associationCategory, associationTypeId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TypeSpec {
    /// Category.
    pub association_category: String,
    /// Type id.
    pub association_type_id: u32,
}

fn check_types(from: ObjectKind, to: ObjectKind, types: &[TypeSpec]) -> Result<bool, ApiError> {
    if types.is_empty() {
        return Err(ApiError::validation("At least one association type is required"));
    }
    let mut primary = false;
    for t in types {
        let ok = AssocType::from_type_id(t.association_type_id)
            .filter(|a| a.from == from && a.to == to && t.association_category == "HUBSPOT_DEFINED");
        match ok {
            Some(a) => primary |= a.primary,
            None => {
                return Err(ApiError::validation(format!(
                    "association type {} ({}) is not valid between {} and {}",
                    t.association_type_id,
                    t.association_category,
                    from.plural(),
                    to.plural()
                )));
            }
        }
    }
    Ok(primary)
}

fn both_live(
    world: &World,
    from: ObjectKind,
    from_id: &str,
    to: ObjectKind,
    to_id: &str,
) -> Result<(u64, u64), ApiError> {
    let a = parse_id(from_id).and_then(|n| world.store(from).resolve(n));
    let b = parse_id(to_id).and_then(|n| world.store(to).resolve(n));
    match (a, b) {
        (Some(a), Some(b)) => Ok((a, b)),
        (None, _) => Err(ApiError::not_found(format!("{} {from_id} was not found", from.upper()))),
        (_, None) => Err(ApiError::not_found(format!("{} {to_id} was not found", to.upper()))),
    }
}

fn labels_pair(from: ObjectKind, a: u64, to: ObjectKind, b: u64, primary: bool) -> Value {
    json!({
        "fromObjectTypeId": from.type_id(),
        "fromObjectId": a,
        "toObjectTypeId": to.type_id(),
        "toObjectId": b,
        "labels": if primary { vec!["Primary"] } else { Vec::new() },
    })
}

/// `PUT /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}`.
pub async fn put(
    State(hub): State<Hub>,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
    JsonBody(types): JsonBody<Vec<TypeSpec>>,
) -> Result<Response, ApiError> {
    let (fk, tk) = (kind_of(&from)?, kind_of(&to)?);
    let primary = check_types(fk, tk, &types)?;
    let mut world = hub.write();
    let (a, b) = both_live(&world, fk, &from_id, tk, &to_id)?;
    world.links.add(fk, a, tk, b, primary);
    Ok(json_response(StatusCode::CREATED, &labels_pair(fk, a, tk, b, primary)))
}

/// `PUT /crm/v4/objects/{from}/{fromId}/associations/default/{to}/{toId}`.
pub async fn put_default(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let (fk, tk) = (kind_of(&from)?, kind_of(&to)?);
    let mut world = hub.write();
    let (a, b) = both_live(&world, fk, &from_id, tk, &to_id)?;
    world.links.add(fk, a, tk, b, false);
    let t = AssocType {
        from: fk,
        to: tk,
        primary: false,
    };
    let result = json!({ "from": { "id": a.to_string() }, "to": { "id": b.to_string() }, "associationSpec": { "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t.type_id() } });
    Ok(json_response(
        StatusCode::OK,
        &json!({ "status": "COMPLETE", "results": [result], "startedAt": iso(ctx.now_ms), "completedAt": iso(ctx.now_ms) }),
    ))
}

/// `DELETE /crm/v4/objects/{from}/{fromId}/associations/{to}/{toId}`.
pub async fn delete(
    State(hub): State<Hub>,
    Path((from, from_id, to, to_id)): Path<(String, String, String, String)>,
) -> Result<Response, ApiError> {
    let (fk, tk) = (kind_of(&from)?, kind_of(&to)?);
    if let (Some(a), Some(b)) = (parse_id(&from_id), parse_id(&to_id)) {
        hub.write().links.remove(fk, a, tk, b);
    }
    Ok(json_response_empty())
}

/// `{id}` with an optional `after`.
#[derive(Debug, Deserialize)]
pub struct ReadInput {
    /// The object id.
    pub id: IdValue,
    /// Cursor into its associations.
    #[serde(default)]
    pub after: Option<String>,
}

/// `{from: {id}, to: {id}, types?}`.
#[derive(Debug, Deserialize)]
pub struct PairInput {
    /// From.
    pub from: super::objects::IdInput,
    /// To.
    pub to: super::objects::IdInput,
    /// Types (create only).
    #[serde(default)]
    pub types: Vec<TypeSpec>,
}

/// `{from: {id}, to: [{id}]}`.
#[derive(Debug, Deserialize)]
pub struct ArchiveInput {
    /// From.
    pub from: super::objects::IdInput,
    /// To.
    pub to: Vec<super::objects::IdInput>,
}

/// `{inputs}`.
#[derive(Debug, Deserialize)]
pub struct Inputs<T> {
    /// Inputs.
    pub inputs: Vec<T>,
}

fn envelope(status: StatusCode, results: Vec<Value>, errors: Vec<Value>, now: i64) -> Response {
    let mut body = json!({ "status": "COMPLETE", "results": results, "startedAt": iso(now), "completedAt": iso(now) });
    let status = if errors.is_empty() {
        status
    } else {
        StatusCode::MULTI_STATUS
    };
    if !errors.is_empty()
        && let Some(map) = body.as_object_mut()
    {
        map.insert("numErrors".into(), json!(errors.len()));
        map.insert("errors".into(), Value::Array(errors));
    }
    json_response(status, &body)
}

/// `POST /crm/v4/associations/{from}/{to}/batch/{read|create|associate/default|archive}`.
pub async fn batch(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((from, to, action)): Path<(String, String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let (fk, tk) = (kind_of(&from)?, kind_of(&to)?);
    let too_many = |n: usize, max: usize| {
        (n > max).then(|| {
            ApiError::validation(format!(
                "Too many inputs: {n}. The maximum number of inputs supported in a batch request is {max}"
            ))
        })
    };
    match action.as_str() {
        "read" => {
            let input: Inputs<ReadInput> = super::request::parse_json(&body)?;
            if let Some(e) = too_many(input.inputs.len(), BATCH_READ_MAX) {
                return Err(e);
            }
            let world = hub.read();
            let mut results = Vec::new();
            let mut errors = Vec::new();
            for i in &input.inputs {
                let id = i.id.text();
                let start = i.after.as_deref().and_then(decode_number_cursor).unwrap_or(0);
                let edges: Vec<Edge> = parse_id(&id)
                    .and_then(|n| world.store(fk).resolve(n))
                    .map(|n| live_edges(&world, fk, n, tk))
                    .unwrap_or_default()
                    .into_iter()
                    .filter(|e| e.to >= start)
                    .collect();
                if edges.is_empty() {
                    errors.push(json!({
                        "status": "error",
                        "category": "OBJECT_NOT_FOUND",
                        "subCategory": "crm.associations.NO_ASSOCIATIONS_FOUND",
                        "message": format!("No {} is associated with {} {id}.", tk.singular(), fk.singular()),
                        "context": { "fromObjectId": [id] },
                        "errors": [],
                        "links": {},
                    }));
                    continue;
                }
                let mut result = json!({
                    "from": { "id": id },
                    "to": edges.iter().take(PAGE_MAX).map(|e| render_edge(fk, tk, *e)).collect::<Vec<_>>(),
                });
                if let (Some(next), Some(map)) = (edges.get(PAGE_MAX), result.as_object_mut()) {
                    map.insert(
                        "paging".into(),
                        json!({ "next": { "after": encode_cursor(&next.to.to_string()) } }),
                    );
                }
                results.push(result);
            }
            Ok(envelope(StatusCode::OK, results, errors, ctx.now_ms))
        }
        "create" => {
            let input: Inputs<PairInput> = super::request::parse_json(&body)?;
            if let Some(e) = too_many(input.inputs.len(), BATCH_WRITE_MAX) {
                return Err(e);
            }
            let mut world = hub.write();
            let mut results = Vec::new();
            let mut errors = Vec::new();
            for i in &input.inputs {
                let made = check_types(fk, tk, &i.types).and_then(|primary| {
                    both_live(&world, fk, &i.from.id.text(), tk, &i.to.id.text()).map(|(a, b)| (a, b, primary))
                });
                match made {
                    Ok((a, b, primary)) => {
                        world.links.add(fk, a, tk, b, primary);
                        results.push(labels_pair(fk, a, tk, b, primary));
                    }
                    Err(e) => {
                        let mut err = e.body.clone();
                        err.insert(
                            "context".into(),
                            json!({ "fromObjectId": [i.from.id.text()], "toObjectId": [i.to.id.text()] }),
                        );
                        err.insert("errors".into(), json!([]));
                        err.insert("links".into(), json!({}));
                        errors.push(Value::Object(err));
                    }
                }
            }
            Ok(envelope(StatusCode::CREATED, results, errors, ctx.now_ms))
        }
        "associate" | "associate/default" => {
            let input: Inputs<PairInput> = super::request::parse_json(&body)?;
            if let Some(e) = too_many(input.inputs.len(), BATCH_WRITE_MAX) {
                return Err(e);
            }
            let mut world = hub.write();
            let mut results = Vec::new();
            for i in &input.inputs {
                let (a, b) = both_live(&world, fk, &i.from.id.text(), tk, &i.to.id.text())?;
                world.links.add(fk, a, tk, b, false);
                let t = AssocType {
                    from: fk,
                    to: tk,
                    primary: false,
                };
                results.push(json!({ "from": { "id": a.to_string() }, "to": { "id": b.to_string() }, "associationSpec": { "associationCategory": "HUBSPOT_DEFINED", "associationTypeId": t.type_id() } }));
            }
            Ok(envelope(StatusCode::OK, results, Vec::new(), ctx.now_ms))
        }
        "archive" => {
            let input: Inputs<ArchiveInput> = super::request::parse_json(&body)?;
            let mut world = hub.write();
            for i in &input.inputs {
                if let Some(a) = parse_id(&i.from.id.text()) {
                    for t in &i.to {
                        if let Some(b) = parse_id(&t.id.text()) {
                            world.links.remove(fk, a, tk, b);
                        }
                    }
                }
            }
            Ok(json_response_empty())
        }
        other => Err(ApiError::not_found(format!("Unknown batch action: {other}"))),
    }
}
