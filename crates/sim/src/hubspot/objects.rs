//! CRM v3 objects: list, get, create, update, archive, merge (`/crm/v3/objects/{type}...`).
//!
//! Holds no state; reads and writes the [`World`](super::state::World). List pages in id order
//! with an opaque `after`; `archived=true` lists only archived records. A merged-away id still
//! answers GET and PATCH with the record it was merged into, as HubSpot redirects merged ids.

use super::errors::{ApiError, json_response};
use super::ids::{decode_number_cursor, encode_cursor};
use super::links::AssocType;
use super::record::{ObjectKind, Record};
use super::render::{ReadSpec, collection, paging, render_object};
use super::request::{Ctx, JsonBody, Params};
use super::state::{Hub, World};
use super::writes::{self, Changes, MergeError};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value};

/// Largest page of a list.
pub const LIST_MAX: usize = 100;
/// Largest page when `propertiesWithHistory` is asked for.
pub const HISTORY_MAX: usize = 50;

/// Resolves the `{objectType}` path segment.
pub fn kind_of(segment: &str) -> Result<ObjectKind, ApiError> {
    ObjectKind::parse(segment)
        .ok_or_else(|| ApiError::validation(format!("Unable to infer object type from: {segment}")))
}

/// 404 for an id that names no record.
pub fn object_not_found(id: &str) -> ApiError {
    if id.parse::<u64>().is_err() {
        return ApiError::not_found("Object not found.  objectId are usually numeric.")
            .context("id", vec![id.to_owned()]);
    }
    ApiError::not_found("resource not found").context("id", vec![id.to_owned()])
}

/// Finds a live record by id (following merges) or by a unique `idProperty`.
pub fn find_live(
    world: &World,
    kind: ObjectKind,
    id: &str,
    id_property: Option<&str>,
) -> Result<Option<u64>, ApiError> {
    let store = world.store(kind);
    match id_property.filter(|p| *p != "hs_object_id") {
        None => Ok(id.trim().parse::<u64>().ok().and_then(|n| store.resolve(n))),
        Some(prop) => {
            let schema = world.schema(kind);
            let def = schema.id(prop).map(|p| schema.def(p));
            match def {
                Some(d) if d.has_unique_value => Ok(store.find_unique(id).and_then(|n| store.resolve(n))),
                Some(_) => Err(ApiError::validation(format!(
                    "{prop} is not a unique identifier property"
                ))),
                None => Err(ApiError::validation(format!("Property \"{prop}\" does not exist"))),
            }
        }
    }
}

/// The read a request asks for.
pub fn read_spec(world: &World, kind: ObjectKind, params: &Params) -> ReadSpec {
    ReadSpec::new(
        world.schema(kind),
        kind,
        &params.list("properties"),
        &params.list("propertiesWithHistory"),
        &params.list("associations"),
    )
}

/// `GET /crm/v3/objects/{type}`.
pub async fn list(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(object_type): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let mut limit = params.limit(10, LIST_MAX)?;
    let archived = params.flag("archived", false)?;
    let from = match params.get("after") {
        None => 0,
        Some(after) => decode_number_cursor(after).ok_or_else(|| {
            ApiError::validation(format!("Invalid paging cursor: {after}")).context("after", vec![after.to_owned()])
        })?,
    };
    let world = hub.read();
    let spec = read_spec(&world, kind, &params);
    if !spec.history.is_empty() {
        limit = limit.min(HISTORY_MAX);
    }
    let store = world.store(kind);
    let page: Vec<&Record> = if archived {
        store.archived_from(from).take(limit + 1).collect()
    } else {
        store.live_from(from).take(limit + 1).collect()
    };
    let next = (page.len() > limit).then(|| encode_cursor(&page[limit].id.to_string()));
    let results = page
        .iter()
        .take(limit)
        .map(|r| render_object(&world, kind, r, &spec))
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &collection(results, paging(&ctx.origin, &params, next), &[]),
    ))
}

/// `GET /crm/v3/objects/{type}/{id}`.
pub async fn get_one(
    State(hub): State<Hub>,
    Path((object_type, id)): Path<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let archived = params.flag("archived", false)?;
    let world = hub.read();
    let spec = read_spec(&world, kind, &params);
    let record = if archived {
        id.trim()
            .parse::<u64>()
            .ok()
            .and_then(|n| world.store(kind).get_archived(n))
    } else {
        find_live(&world, kind, &id, params.get("idProperty"))?.and_then(|n| world.store(kind).get(n))
    };
    let record = record.ok_or_else(|| object_not_found(&id))?;
    Ok(json_response(
        StatusCode::OK,
        &render_object(&world, kind, record, &spec),
    ))
}

/// An association in a create body.
#[derive(Debug, Deserialize)]
pub struct AssociationInput {
    /// The target.
    pub to: IdInput,
    /// Association types.
    pub types: Vec<AssociationSpec>,
}

/// `{ "id": "123" }`.
#[derive(Debug, Deserialize)]
pub struct IdInput {
    /// The id (a string; a number is accepted too).
    pub id: IdValue,
}

/// An id sent as a string or a number.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum IdValue {
    /// `"123"`.
    Text(String),
    /// `123`.
    Number(u64),
}

impl IdValue {
    /// The id as text.
    pub fn text(&self) -> String {
        match self {
            IdValue::Text(s) => s.clone(),
            IdValue::Number(n) => n.to_string(),
        }
    }
}

/// `{associationCategory, associationTypeId}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AssociationSpec {
    /// `HUBSPOT_DEFINED`, `USER_DEFINED`, `INTEGRATOR_DEFINED`.
    pub association_category: String,
    /// The type id.
    pub association_type_id: u32,
}

/// Resolves a create body's associations to (target kind, target id, primary).
pub fn resolve_associations(
    world: &World,
    kind: ObjectKind,
    inputs: &[AssociationInput],
) -> Result<Vec<(ObjectKind, u64, bool)>, ApiError> {
    let mut out = Vec::new();
    for input in inputs {
        let target = input.to.id.text();
        for spec in &input.types {
            let t = AssocType::from_type_id(spec.association_type_id)
                .filter(|t| t.from == kind && spec.association_category == "HUBSPOT_DEFINED")
                .ok_or_else(|| {
                    ApiError::validation(format!(
                        "association type {} ({}) is not valid from {}",
                        spec.association_type_id,
                        spec.association_category,
                        kind.plural()
                    ))
                })?;
            let id = target
                .trim()
                .parse::<u64>()
                .ok()
                .and_then(|n| world.store(t.to).resolve(n))
                .ok_or_else(|| {
                    ApiError::validation(format!("{} {target} to associate with was not found", t.to.upper()))
                })?;
            out.push((t.to, id, t.primary));
        }
    }
    Ok(out)
}

/// `{properties, associations?}`.
#[derive(Debug, Deserialize)]
pub struct CreateBody {
    /// Property values.
    #[serde(default)]
    pub properties: Map<String, Value>,
    /// Associations to create with it.
    #[serde(default)]
    pub associations: Vec<AssociationInput>,
}

/// The read spec of a write's echo: the written and derived properties plus the always-present ones.
pub fn echo_spec(world: &World, kind: ObjectKind, record: &Record, changes: &Changes) -> ReadSpec {
    let mut spec = ReadSpec::new(world.schema(kind), kind, &[], &[], &[]);
    spec.props
        .retain(|p| super::schema::Schema::always_read(kind).contains(&world.schema(kind).def(*p).name.as_str()));
    spec.with_props(
        changes.iter().map(|(p, _)| *p).chain(
            record
                .props()
                .filter(|p| record.get(*p).is_some_and(|v| v.at_ms == record.updated_ms)),
        ),
    )
}

/// `POST /crm/v3/objects/{type}`.
pub async fn create(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(object_type): Path<String>,
    JsonBody(body): JsonBody<CreateBody>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let lag = hub.edges().lag();
    let mut world = hub.write();
    let changes = writes::validate(&world, kind, &body.properties)
        .map_err(|e| ApiError::invalid_properties(&e, world.portal_id))?;
    if kind == ObjectKind::Deal {
        writes::check_deal(&world, None, &changes).map_err(|e| ApiError::invalid_properties(&[e], world.portal_id))?;
    }
    if let Some((_, existing)) = writes::unique_conflict(&world, kind, None, &changes) {
        return Err(ApiError::conflict(format!(
            "Contact already exists. Existing ID: {existing}"
        )));
    }
    let links = resolve_associations(&world, kind, &body.associations)?;
    let id = writes::create(&mut world, kind, &changes, ctx.author, ctx.now_ms, lag);
    for (to, target, primary) in links {
        world.links.add(kind, id, to, target, primary);
    }
    let record = world
        .store(kind)
        .get(id)
        .ok_or_else(|| object_not_found(&id.to_string()))?;
    let spec = echo_spec(&world, kind, record, &changes);
    Ok(json_response(
        StatusCode::CREATED,
        &render_object(&world, kind, record, &spec),
    ))
}

/// `{properties}`.
#[derive(Debug, Deserialize)]
pub struct UpdateBody {
    /// Property values.
    pub properties: Map<String, Value>,
}

/// `PATCH /crm/v3/objects/{type}/{id}`.
pub async fn update(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((object_type, id)): Path<(String, String)>,
    params: Params,
    JsonBody(body): JsonBody<UpdateBody>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let lag = hub.edges().lag();
    let mut world = hub.write();
    let target = find_live(&world, kind, &id, params.get("idProperty"))?.ok_or_else(|| object_not_found(&id))?;
    let changes = writes::validate(&world, kind, &body.properties)
        .map_err(|e| ApiError::invalid_properties(&e, world.portal_id))?;
    if kind == ObjectKind::Deal {
        writes::check_deal(&world, world.deals.get(target), &changes)
            .map_err(|e| ApiError::invalid_properties(&[e], world.portal_id))?;
    }
    if let Some((email, existing)) = writes::unique_conflict(&world, kind, Some(target), &changes) {
        return Err(ApiError::conflict(format!(
            "A contact with the email '{email}' already exists. Existing ID: {existing}"
        )));
    }
    writes::update(&mut world, kind, target, &changes, ctx.author, ctx.now_ms, lag);
    let record = world.store(kind).get(target).ok_or_else(|| object_not_found(&id))?;
    let spec = echo_spec(&world, kind, record, &changes);
    Ok(json_response(
        StatusCode::OK,
        &render_object(&world, kind, record, &spec),
    ))
}

/// `DELETE /crm/v3/objects/{type}/{id}`: 204 whether or not the record existed, as HubSpot.
pub async fn archive(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((object_type, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let lag = hub.edges().lag();
    if let Ok(n) = id.trim().parse::<u64>() {
        hub.write().store_mut(kind).archive(n, ctx.now_ms, lag);
    }
    Ok(json_response_empty())
}

/// 204 with no body.
pub fn json_response_empty() -> Response {
    let mut r = Response::new(axum::body::Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// `{primaryObjectId, objectIdToMerge}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MergeBody {
    /// The record that survives.
    pub primary_object_id: IdValue,
    /// The record merged into it.
    pub object_id_to_merge: IdValue,
}

/// `POST /crm/v3/objects/{type}/merge`.
pub async fn merge(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(object_type): Path<String>,
    JsonBody(body): JsonBody<MergeBody>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let lag = hub.edges().lag();
    let parse = |v: &IdValue| v.text().trim().parse::<u64>().map_err(|_| object_not_found(&v.text()));
    let (primary, merged) = (parse(&body.primary_object_id)?, parse(&body.object_id_to_merge)?);
    let mut world = hub.write();
    let survivor = writes::merge(&mut world, kind, primary, merged, ctx.now_ms, lag).map_err(|e| match e {
        MergeError::NotFound(id) => {
            ApiError::validation(format!("{} {id} was not found or was already merged", kind.upper()))
        }
        MergeError::Same => ApiError::validation("Cannot merge an object with itself"),
    })?;
    let record = world
        .store(kind)
        .get(survivor)
        .ok_or_else(|| object_not_found(&survivor.to_string()))?;
    let spec = ReadSpec::new(world.schema(kind), kind, &[], &[], &[]);
    Ok(json_response(
        StatusCode::OK,
        &render_object(&world, kind, record, &spec),
    ))
}
