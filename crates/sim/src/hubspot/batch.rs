//! CRM v3 batch endpoints: `POST /crm/v3/objects/{type}/batch/{read|create|update|upsert|archive}`.
//!
//! Holds no state. Inputs past the batch limit (100; 50 with `propertiesWithHistory`) are refused
//! whole with a 400. Otherwise each input succeeds or fails on its own: failures come back as a
//! 207 multi-status with `errors` and `numErrors` — ids that do not exist (`OBJECT_NOT_FOUND`,
//! grouped), refused values (`VALIDATION_ERROR` with `PROPERTY_DOESNT_EXIST`, `INVALID_OPTION`...).
//! One exception, as at HubSpot: batch create of a contact whose email exists fails the whole
//! batch with 409 `CONFLICT` and creates nothing.

use super::clock::Millis;
use super::errors::{ApiError, error_detail, json_response, property_errors_message};
use super::objects::{AssociationInput, HISTORY_MAX, IdValue, echo_spec, find_live, kind_of, resolve_associations};
use super::record::ObjectKind;
use super::render::{ReadSpec, render_object};
use super::request::Ctx;
use super::schema::PropError;
use super::state::{Hub, World};
use super::timefmt::iso;
use super::writes::{self, Changes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashSet;

fn too_many(n: usize, max: usize, history: bool) -> ApiError {
    if history {
        ApiError::validation(format!(
            "The maximum number of inputs supported in a batch request for property histories is {max}. Please reduce the number of items and try again"
        ))
    } else {
        ApiError::validation(format!(
            "The maximum number of inputs supported in a batch request is {max}, got {n}. Please reduce the number of items and try again"
        ))
    }
    .context("inputs", vec![n.to_string()])
}

fn check_size(hub: &Hub, n: usize, history: bool) -> Result<(), ApiError> {
    if let Some(max) = hub.edges().batch_max_inputs {
        if n > max {
            return Err(too_many(n, max, false));
        }
        if history && n > HISTORY_MAX.min(max) {
            return Err(too_many(n, HISTORY_MAX.min(max), true));
        }
    }
    Ok(())
}

/// One `errors[]` entry of a multi-status response (HubSpot's `StandardError`).
fn standard_error(category: &str, message: String, context: Map<String, Value>, errors: Vec<Value>) -> Value {
    json!({ "status": "error", "category": category, "message": message, "context": context, "errors": errors, "links": {} })
}

fn not_found_error(kind: ObjectKind, ids: Vec<String>) -> Value {
    let mut ctx = Map::new();
    ctx.insert("ids".into(), json!(ids));
    standard_error(
        "OBJECT_NOT_FOUND",
        format!(
            "Could not get some {} objects, they may be deleted or not exist. Check that ids are valid.",
            kind.upper()
        ),
        ctx,
        Vec::new(),
    )
}

fn input_context(id: Option<&str>, trace: Option<&str>) -> Map<String, Value> {
    let mut ctx = Map::new();
    if let Some(id) = id {
        ctx.insert("ids".into(), json!([id]));
    }
    if let Some(trace) = trace {
        ctx.insert("objectWriteTraceId".into(), json!([trace]));
    }
    ctx
}

fn validation_error(errors: &[PropError], portal_id: u64, ctx: Map<String, Value>) -> Value {
    standard_error(
        "VALIDATION_ERROR",
        property_errors_message(errors, portal_id),
        ctx,
        errors.iter().map(error_detail).collect(),
    )
}

/// The batch envelope: 200 (or `ok`) without errors, 207 with them.
fn envelope(ok: StatusCode, results: Vec<Value>, errors: Vec<Value>, now: Millis) -> Response {
    let mut body = Map::new();
    body.insert("status".into(), json!("COMPLETE"));
    body.insert("results".into(), Value::Array(results));
    let status = if errors.is_empty() {
        ok
    } else {
        body.insert("numErrors".into(), json!(errors.len()));
        body.insert("errors".into(), Value::Array(errors));
        StatusCode::MULTI_STATUS
    };
    body.insert("startedAt".into(), json!(iso(now)));
    body.insert("completedAt".into(), json!(iso(now)));
    json_response(status, &Value::Object(body))
}

/// `{id}`.
#[derive(Debug, Deserialize)]
pub struct IdOnly {
    /// The id.
    pub id: IdValue,
}

/// Batch read body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadBody {
    /// Ids to read.
    pub inputs: Vec<IdOnly>,
    /// Properties.
    #[serde(default)]
    pub properties: Vec<String>,
    /// Properties with history.
    #[serde(default)]
    pub properties_with_history: Vec<String>,
    /// A unique property the ids are values of.
    #[serde(default)]
    pub id_property: Option<String>,
}

/// Batch update and upsert input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WriteInput {
    /// The id (or the unique value, with `idProperty`).
    pub id: IdValue,
    /// A unique property `id` is a value of.
    #[serde(default)]
    pub id_property: Option<String>,
    /// A caller's tag, echoed in errors.
    #[serde(default)]
    pub object_write_trace_id: Option<String>,
    /// Property values.
    #[serde(default)]
    pub properties: Map<String, Value>,
}

/// Batch create input.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateInput {
    /// Property values.
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Associations.
    #[serde(default)]
    pub associations: Vec<AssociationInput>,
    /// A caller's tag, echoed in results and errors.
    #[serde(default)]
    pub object_write_trace_id: Option<String>,
}

/// `{inputs: [...]}`.
#[derive(Debug, Deserialize)]
pub struct Inputs<T> {
    /// The inputs.
    pub inputs: Vec<T>,
}

/// `POST /crm/v3/objects/{type}/batch/{action}`.
pub async fn batch(
    State(hub): State<Hub>,
    ctx: Ctx,
    params: super::request::Params,
    Path((object_type, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    match action.as_str() {
        "read" => read(&hub, kind, &params, super::request::parse_json(&body)?),
        "create" => create(&hub, &ctx, kind, super::request::parse_json(&body)?),
        "update" => update(&hub, &ctx, kind, super::request::parse_json(&body)?),
        "upsert" => upsert(&hub, &ctx, kind, super::request::parse_json(&body)?),
        "archive" => archive(&hub, &ctx, kind, super::request::parse_json(&body)?),
        other => Err(ApiError::not_found(format!("Unknown batch action: {other}"))),
    }
}

fn read(hub: &Hub, kind: ObjectKind, params: &super::request::Params, body: ReadBody) -> Result<Response, ApiError> {
    check_size(hub, body.inputs.len(), !body.properties_with_history.is_empty())?;
    let archived = params.flag("archived", false)?;
    let world = hub.read();
    let spec = ReadSpec::new(
        world.schema(kind),
        kind,
        &body.properties,
        &body.properties_with_history,
        &[],
    );
    let mut seen = HashSet::new();
    let mut results = Vec::new();
    let mut missing = Vec::new();
    for input in &body.inputs {
        let id = input.id.text();
        let found = if archived {
            id.trim()
                .parse::<u64>()
                .ok()
                .and_then(|n| world.store(kind).get_archived(n).map(|r| r.id))
        } else {
            find_live(&world, kind, &id, body.id_property.as_deref())?
        };
        match found {
            Some(n) if seen.insert(n) => {
                let record = if archived {
                    world.store(kind).get_archived(n)
                } else {
                    world.store(kind).get(n)
                };
                if let Some(r) = record {
                    results.push(render_object(&world, kind, r, &spec));
                }
            }
            Some(_) => {}
            None => missing.push(id),
        }
    }
    let errors = if missing.is_empty() {
        Vec::new()
    } else {
        vec![not_found_error(kind, missing)]
    };
    Ok(envelope(StatusCode::OK, results, errors, hub.clock.now_ms()))
}

fn duplicate_ids(inputs: &[WriteInput]) -> Result<(), ApiError> {
    let mut seen = HashSet::new();
    let dupes: Vec<String> = inputs
        .iter()
        .map(|i| i.id.text())
        .filter(|id| !seen.insert(id.clone()))
        .collect();
    if dupes.is_empty() {
        Ok(())
    } else {
        Err(ApiError::validation(format!(
            "Duplicate IDs found in batch input: [{}]. IDs must be unique",
            dupes.join(", ")
        ))
        .context("ids", dupes))
    }
}

/// Validates one write input's values (and, for deals, stage against pipeline).
fn check_input(
    world: &World,
    kind: ObjectKind,
    target: Option<u64>,
    properties: &Map<String, Value>,
) -> Result<Changes, Vec<PropError>> {
    let changes = writes::validate(world, kind, properties)?;
    if kind == ObjectKind::Deal {
        writes::check_deal(world, target.and_then(|t| world.deals.get(t)), &changes).map_err(|e| vec![e])?;
    }
    Ok(changes)
}

fn conflict_error(email: &str, existing: u64, ctx: Map<String, Value>) -> Value {
    standard_error(
        "CONFLICT",
        format!("A contact with the email '{email}' already exists. Existing ID: {existing}"),
        ctx,
        Vec::new(),
    )
}

fn update(hub: &Hub, ctx: &Ctx, kind: ObjectKind, body: Inputs<WriteInput>) -> Result<Response, ApiError> {
    check_size(hub, body.inputs.len(), false)?;
    duplicate_ids(&body.inputs)?;
    let lag = hub.edges().lag();
    let mut world = hub.write();
    let mut errors = Vec::new();
    let mut missing = Vec::new();
    let mut planned: Vec<(u64, Changes)> = Vec::new();
    for input in &body.inputs {
        let id = input.id.text();
        let Some(target) = find_live(&world, kind, &id, input.id_property.as_deref())? else {
            missing.push(id);
            continue;
        };
        let ctx_map = input_context(Some(&id), input.object_write_trace_id.as_deref());
        match check_input(&world, kind, Some(target), &input.properties) {
            Err(e) => errors.push(validation_error(&e, world.portal_id, ctx_map)),
            Ok(changes) => match writes::unique_conflict(&world, kind, Some(target), &changes) {
                Some((email, existing)) => errors.push(conflict_error(&email, existing, ctx_map)),
                None => planned.push((target, changes)),
            },
        }
    }
    if !missing.is_empty() {
        errors.insert(0, not_found_error(kind, missing));
    }
    let mut results = Vec::new();
    for (target, changes) in &planned {
        writes::update(&mut world, kind, *target, changes, ctx.author, ctx.now_ms, lag);
    }
    for (target, changes) in &planned {
        if let Some(record) = world.store(kind).get(*target) {
            let spec = echo_spec(&world, kind, record, changes);
            results.push(render_object(&world, kind, record, &spec));
        }
    }
    Ok(envelope(StatusCode::OK, results, errors, ctx.now_ms))
}

fn create(hub: &Hub, ctx: &Ctx, kind: ObjectKind, body: Inputs<CreateInput>) -> Result<Response, ApiError> {
    check_size(hub, body.inputs.len(), false)?;
    let lag = hub.edges().lag();
    let mut world = hub.write();
    let mut errors = Vec::new();
    let mut planned = Vec::new();
    let mut emails = HashSet::new();
    for input in &body.inputs {
        let ctx_map = input_context(None, input.object_write_trace_id.as_deref());
        match check_input(&world, kind, None, &input.properties) {
            Err(e) => errors.push(validation_error(&e, world.portal_id, ctx_map)),
            Ok(changes) => {
                if let Some((_, existing)) = writes::unique_conflict(&world, kind, None, &changes) {
                    return Err(ApiError::conflict(format!(
                        "Contact already exists. Existing ID: {existing}"
                    )));
                }
                if kind == ObjectKind::Contact {
                    let email = world.contact_schema.builtin_id("email");
                    if let Some((_, v)) = changes.iter().find(|(p, _)| *p == email).filter(|(_, v)| !v.is_empty())
                        && !emails.insert(v.to_lowercase())
                    {
                        return Err(ApiError::validation(format!(
                            "Duplicate values found in batch input for property email: [{v}]"
                        ))
                        .context("email", vec![v.clone()]));
                    }
                }
                let links = resolve_associations(&world, kind, &input.associations)?;
                planned.push((changes, links, input.object_write_trace_id.clone()));
            }
        }
    }
    let mut results = Vec::new();
    for (changes, links, trace) in planned {
        let id = writes::create(&mut world, kind, &changes, ctx.author, ctx.now_ms, lag);
        for (to, target, primary) in links {
            world.links.add(kind, id, to, target, primary);
        }
        if let Some(record) = world.store(kind).get(id) {
            let spec = echo_spec(&world, kind, record, &changes);
            let mut obj = render_object(&world, kind, record, &spec);
            if let (Some(trace), Some(map)) = (trace, obj.as_object_mut()) {
                map.insert("objectWriteTraceId".into(), json!(trace));
            }
            results.push(obj);
        }
    }
    Ok(envelope(StatusCode::CREATED, results, errors, ctx.now_ms))
}

fn upsert(hub: &Hub, ctx: &Ctx, kind: ObjectKind, body: Inputs<WriteInput>) -> Result<Response, ApiError> {
    check_size(hub, body.inputs.len(), false)?;
    duplicate_ids(&body.inputs)?;
    let lag = hub.edges().lag();
    let mut world = hub.write();
    let mut errors = Vec::new();
    enum Plan {
        Update(u64, Changes),
        Create(Changes),
    }
    let mut planned = Vec::new();
    for input in &body.inputs {
        let id = input.id.text();
        let ctx_map = input_context(Some(&id), input.object_write_trace_id.as_deref());
        let prop = input.id_property.as_deref().filter(|p| *p != "hs_object_id");
        let target = find_live(&world, kind, &id, prop)?;
        let Some(prop) = prop else {
            // Upsert by record id can only update: an id cannot be chosen for a new record.
            match target {
                Some(t) => match check_input(&world, kind, Some(t), &input.properties) {
                    Ok(changes) => planned.push(Plan::Update(t, changes)),
                    Err(e) => errors.push(validation_error(&e, world.portal_id, ctx_map)),
                },
                None => errors.push(not_found_error(kind, vec![id])),
            }
            continue;
        };
        let mut properties = input.properties.clone();
        if target.is_none() {
            properties.entry(prop.to_owned()).or_insert_with(|| json!(id));
        }
        match check_input(&world, kind, target, &properties) {
            Err(e) => errors.push(validation_error(&e, world.portal_id, ctx_map)),
            Ok(changes) => match writes::unique_conflict(&world, kind, target, &changes) {
                Some((email, existing)) => errors.push(conflict_error(&email, existing, ctx_map)),
                None => planned.push(match target {
                    Some(t) => Plan::Update(t, changes),
                    None => Plan::Create(changes),
                }),
            },
        }
    }
    let mut done = Vec::new();
    for plan in planned {
        match plan {
            Plan::Update(t, changes) => {
                writes::update(&mut world, kind, t, &changes, ctx.author, ctx.now_ms, lag);
                done.push((t, changes, false));
            }
            Plan::Create(changes) => {
                let id = writes::create(&mut world, kind, &changes, ctx.author, ctx.now_ms, lag);
                done.push((id, changes, true));
            }
        }
    }
    let mut results = Vec::new();
    for (id, changes, new) in done {
        if let Some(record) = world.store(kind).get(id) {
            let spec = echo_spec(&world, kind, record, &changes);
            let mut obj = render_object(&world, kind, record, &spec);
            if let Some(map) = obj.as_object_mut() {
                map.insert("new".into(), json!(new));
            }
            results.push(obj);
        }
    }
    Ok(envelope(StatusCode::OK, results, errors, ctx.now_ms))
}

fn archive(hub: &Hub, ctx: &Ctx, kind: ObjectKind, body: Inputs<IdOnly>) -> Result<Response, ApiError> {
    check_size(hub, body.inputs.len(), false)?;
    let lag = hub.edges().lag();
    let mut world = hub.write();
    for input in &body.inputs {
        if let Ok(n) = input.id.text().trim().parse::<u64>() {
            world.store_mut(kind).archive(n, ctx.now_ms, lag);
        }
    }
    Ok(super::objects::json_response_empty())
}
