//! CRM v3 properties: read, create, update and archive definitions (`/crm/v3/properties/{type}`).
//!
//! Holds no state; reads and changes the object type's [`Schema`](super::schema::Schema).
//! Creating an existing name is a 409; names must be lower-case snake case and not start with
//! `hs_`; type and field type must fit together; HubSpot's own definitions cannot be changed.

use super::errors::{ApiError, json_response};
use super::objects::{json_response_empty, kind_of};
use super::record::ObjectKind;
use super::request::{Ctx, JsonBody, Params};
use super::schema::{GroupDef, OptionDef, PropType, PropertyDef, Schema};
use super::state::{Hub, World};
use super::timefmt::iso;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Value, json};

/// A property definition as HubSpot returns it.
pub fn render_property(def: &PropertyDef) -> Value {
    let options: Vec<Value> = def
        .options
        .iter()
        .map(|o| json!({ "label": o.label, "value": o.value, "displayOrder": o.display_order, "hidden": o.hidden, "description": o.description }))
        .collect();
    let mut out = json!({
        "name": def.name,
        "label": def.label,
        "type": def.kind.as_str(),
        "fieldType": def.field_type,
        "description": def.description,
        "groupName": def.group,
        "options": options,
        "displayOrder": def.display_order,
        "calculated": def.calculated,
        "externalOptions": def.name == "hubspot_owner_id",
        "hasUniqueValue": def.has_unique_value,
        "hidden": false,
        "hubspotDefined": def.hubspot_defined,
        "modificationMetadata": {
            "archivable": !def.hubspot_defined,
            "readOnlyDefinition": def.read_only_definition,
            "readOnlyValue": def.read_only_value,
        },
        "formField": def.form_field,
        "dataSensitivity": "non_sensitive",
        "archived": def.archived,
    });
    if let Some(map) = out.as_object_mut()
        && def.created_ms > 0
    {
        map.insert("createdAt".into(), json!(iso(def.created_ms)));
        map.insert("updatedAt".into(), json!(iso(def.updated_ms)));
    }
    out
}

fn not_found(kind: ObjectKind, name: &str) -> ApiError {
    ApiError::not_found(format!(
        "Unable to find property {name} for object type {}",
        kind.upper()
    ))
    .context("name", vec![name.to_owned()])
}

/// `GET /crm/v3/properties/{type}`.
pub async fn list(
    State(hub): State<Hub>,
    Path(object_type): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let archived = params.flag("archived", false)?;
    let world = hub.read();
    let schema = world.schema(kind);
    let results: Vec<Value> = if archived {
        schema.iter_archived().map(|(_, d)| render_property(d)).collect()
    } else {
        schema.iter().map(|(_, d)| render_property(d)).collect()
    };
    Ok(json_response(StatusCode::OK, &json!({ "results": results })))
}

/// `GET /crm/v3/properties/{type}/{name}`.
pub async fn get_one(
    State(hub): State<Hub>,
    Path((object_type, name)): Path<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let archived = params.flag("archived", false)?;
    let world = hub.read();
    let schema = world.schema(kind);
    let def = schema
        .id_any(&name)
        .map(|id| schema.def(id))
        .filter(|d| d.archived == archived)
        .ok_or_else(|| not_found(kind, &name))?;
    Ok(json_response(StatusCode::OK, &render_property(def)))
}

/// An option in a create or update body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OptionInput {
    /// Label.
    pub label: String,
    /// Value.
    pub value: String,
    /// Order.
    #[serde(default)]
    pub display_order: Option<i32>,
    /// Hidden.
    #[serde(default)]
    pub hidden: bool,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
}

/// `POST /crm/v3/properties/{type}` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyCreate {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Data type.
    #[serde(rename = "type")]
    pub kind: String,
    /// Field type.
    pub field_type: String,
    /// Group.
    pub group_name: String,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Options.
    #[serde(default)]
    pub options: Vec<OptionInput>,
    /// Order.
    #[serde(default)]
    pub display_order: Option<i32>,
    /// Unique values.
    #[serde(default)]
    pub has_unique_value: bool,
    /// Hidden.
    #[serde(default)]
    pub hidden: bool,
    /// On forms.
    #[serde(default)]
    pub form_field: bool,
    /// Calculation formula (accepted, not evaluated).
    #[serde(default)]
    pub calculation_formula: Option<String>,
    /// External options.
    #[serde(default)]
    pub external_options: bool,
    /// Referenced object type.
    #[serde(default)]
    pub referenced_object_type: Option<String>,
}

fn to_options(inputs: &[OptionInput]) -> Result<Vec<OptionDef>, ApiError> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for (i, o) in inputs.iter().enumerate() {
        if o.value.is_empty() || !seen.insert(o.value.clone()) {
            return Err(ApiError::validation(format!(
                "Option values must be non-empty and unique, got {:?}",
                o.value
            )));
        }
        out.push(OptionDef {
            label: o.label.clone(),
            value: o.value.clone(),
            display_order: o.display_order.unwrap_or(i as i32),
            hidden: o.hidden,
            description: o.description.clone().unwrap_or_default(),
        });
    }
    Ok(out)
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && name.len() <= 100
}

/// Builds a custom definition from a create body, or says why not.
pub fn definition_from(schema: &Schema, input: &PropertyCreate, now: i64) -> Result<PropertyDef, ApiError> {
    if !valid_name(&input.name) {
        return Err(ApiError::validation(format!(
            "Property name {:?} is invalid: use lower-case letters, digits and underscores, starting with a letter",
            input.name
        ))
        .sub_category("PropertyValidationError.INVALID_PROPERTY_NAME"));
    }
    if input.name.starts_with("hs_") {
        return Err(ApiError::validation(format!(
            "Property name {} is reserved: names starting with hs_ are HubSpot's",
            input.name
        )));
    }
    let t = PropType::parse(&input.kind).ok_or_else(|| {
        ApiError::validation(format!(
            "Invalid type {}: expected string, number, date, datetime, enumeration or bool",
            input.kind
        ))
    })?;
    if !t.field_types().contains(&input.field_type.as_str()) {
        return Err(ApiError::validation(format!(
            "Field type {} is not valid for type {}: expected one of {}",
            input.field_type,
            t.as_str(),
            t.field_types().join(", ")
        )));
    }
    if schema.group(&input.group_name).is_none() {
        return Err(ApiError::validation(format!(
            "Property group {} does not exist",
            input.group_name
        )));
    }
    let mut def = PropertyDef::builtin(&input.name, &input.label, t, &input.group_name);
    def.field_type = input.field_type.clone();
    def.description = input.description.clone().unwrap_or_default();
    def.options = to_options(&input.options)?;
    if t == PropType::Bool && def.options.is_empty() {
        def.set_options(&[("true", "Yes"), ("false", "No")]);
    }
    def.read_only_definition = false;
    def.hubspot_defined = false;
    def.has_unique_value = input.has_unique_value;
    def.form_field = input.form_field;
    def.display_order = input.display_order.unwrap_or(-1);
    def.created_ms = now;
    def.updated_ms = now;
    Ok(def)
}

fn create_in(world: &mut World, kind: ObjectKind, input: &PropertyCreate, now: i64) -> Result<Value, ApiError> {
    if world.schema(kind).id_any(&input.name).is_some() {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "OBJECT_ALREADY_EXISTS",
            format!("Property named '{}' already exists.", input.name),
        )
        .sub_category("PropertyValidationError.PROPERTY_EXISTS")
        .context("name", vec![input.name.clone()]));
    }
    let def = definition_from(world.schema(kind), input, now)?;
    let out = render_property(&def);
    world.schema_mut(kind).add(def);
    Ok(out)
}

/// `POST /crm/v3/properties/{type}`.
pub async fn create(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(object_type): Path<String>,
    JsonBody(input): JsonBody<PropertyCreate>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let out = create_in(&mut hub.write(), kind, &input, ctx.now_ms)?;
    Ok(json_response(StatusCode::CREATED, &out))
}

/// `PATCH /crm/v3/properties/{type}/{name}` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PropertyUpdate {
    /// Label.
    #[serde(default)]
    pub label: Option<String>,
    /// Description.
    #[serde(default)]
    pub description: Option<String>,
    /// Group.
    #[serde(default)]
    pub group_name: Option<String>,
    /// Options (replace the existing ones).
    #[serde(default)]
    pub options: Option<Vec<OptionInput>>,
    /// Order.
    #[serde(default)]
    pub display_order: Option<i32>,
    /// Hidden.
    #[serde(default)]
    pub hidden: Option<bool>,
    /// On forms.
    #[serde(default)]
    pub form_field: Option<bool>,
    /// Field type.
    #[serde(default)]
    pub field_type: Option<String>,
    /// Type.
    #[serde(default, rename = "type")]
    pub kind: Option<String>,
}

/// `PATCH /crm/v3/properties/{type}/{name}`.
pub async fn update(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((object_type, name)): Path<(String, String)>,
    JsonBody(input): JsonBody<PropertyUpdate>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let mut world = hub.write();
    let id = world.schema(kind).id(&name).ok_or_else(|| not_found(kind, &name))?;
    if let Some(g) = &input.group_name
        && world.schema(kind).group(g).is_none()
    {
        return Err(ApiError::validation(format!("Property group {g} does not exist")));
    }
    let def = world.schema_mut(kind).def_mut(id);
    if def.read_only_definition {
        return Err(ApiError::validation(format!(
            "Property {name} is read-only: HubSpot-defined definitions cannot be changed"
        )));
    }
    if let Some(t) = &input.kind
        && PropType::parse(t) != Some(def.kind)
    {
        return Err(ApiError::validation(format!(
            "Changing the type of property {name} is not supported"
        )));
    }
    if let Some(ft) = &input.field_type {
        if !def.kind.field_types().contains(&ft.as_str()) {
            return Err(ApiError::validation(format!(
                "Field type {ft} is not valid for type {}",
                def.kind.as_str()
            )));
        }
        def.field_type = ft.clone();
    }
    if let Some(g) = &input.group_name {
        def.group = g.clone();
    }
    if let Some(options) = &input.options {
        def.options = to_options(options)?;
    }
    if let Some(l) = &input.label {
        def.label = l.clone();
    }
    if let Some(d) = &input.description {
        def.description = d.clone();
    }
    if let Some(o) = input.display_order {
        def.display_order = o;
    }
    if let Some(f) = input.form_field {
        def.form_field = f;
    }
    def.updated_ms = ctx.now_ms;
    Ok(json_response(StatusCode::OK, &render_property(def)))
}

/// `DELETE /crm/v3/properties/{type}/{name}`: archives a custom property.
pub async fn archive(
    State(hub): State<Hub>,
    Path((object_type, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let mut world = hub.write();
    let id = world.schema(kind).id(&name).ok_or_else(|| not_found(kind, &name))?;
    let def = world.schema_mut(kind).def_mut(id);
    if def.hubspot_defined {
        return Err(ApiError::validation(format!(
            "Property {name} is defined by HubSpot and cannot be archived"
        )));
    }
    def.archived = true;
    Ok(json_response_empty())
}

/// `{name}`.
#[derive(Debug, Deserialize)]
pub struct NameInput {
    /// A property name.
    pub name: String,
}

/// Batch read body.
#[derive(Debug, Deserialize)]
pub struct BatchRead {
    /// Names.
    pub inputs: Vec<NameInput>,
    /// Read archived definitions.
    #[serde(default)]
    pub archived: bool,
}

/// Batch create body.
#[derive(Debug, Deserialize)]
pub struct BatchCreate {
    /// Definitions.
    pub inputs: Vec<PropertyCreate>,
}

fn batch_envelope(status: StatusCode, results: Vec<Value>, errors: Vec<Value>, now: i64) -> Response {
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

/// `POST /crm/v3/properties/{type}/batch/{read|create}`.
pub async fn batch(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((object_type, action)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    match action.as_str() {
        "read" => {
            let input: BatchRead = super::request::parse_json(&body)?;
            let world = hub.read();
            let schema = world.schema(kind);
            let mut results = Vec::new();
            let mut missing = Vec::new();
            for n in &input.inputs {
                match schema
                    .id_any(&n.name)
                    .map(|id| schema.def(id))
                    .filter(|d| d.archived == input.archived)
                {
                    Some(d) => results.push(render_property(d)),
                    None => missing.push(n.name.clone()),
                }
            }
            let errors = if missing.is_empty() {
                Vec::new()
            } else {
                vec![
                    json!({ "status": "error", "category": "OBJECT_NOT_FOUND", "message": format!("Unable to find some properties for object type {}", kind.upper()), "context": { "names": missing }, "errors": [], "links": {} }),
                ]
            };
            Ok(batch_envelope(StatusCode::OK, results, errors, ctx.now_ms))
        }
        "create" => {
            let input: BatchCreate = super::request::parse_json(&body)?;
            let mut world = hub.write();
            let mut results = Vec::new();
            let mut errors = Vec::new();
            for p in &input.inputs {
                match create_in(&mut world, kind, p, ctx.now_ms) {
                    Ok(v) => results.push(v),
                    Err(e) => {
                        let mut err = e.body.clone();
                        err.insert("context".into(), json!({ "name": [p.name] }));
                        err.insert("errors".into(), json!([]));
                        err.insert("links".into(), json!({}));
                        errors.push(Value::Object(err));
                    }
                }
            }
            Ok(batch_envelope(StatusCode::CREATED, results, errors, ctx.now_ms))
        }
        other => Err(ApiError::not_found(format!("Unknown batch action: {other}"))),
    }
}

fn render_group(g: &GroupDef) -> Value {
    json!({ "name": g.name, "label": g.label, "displayOrder": g.display_order, "archived": g.archived })
}

fn group_not_found(kind: ObjectKind, name: &str) -> ApiError {
    ApiError::not_found(format!(
        "Unable to find property group {name} for object type {}",
        kind.upper()
    ))
    .context("groupName", vec![name.to_owned()])
}

/// `GET /crm/v3/properties/{type}/groups`.
pub async fn list_groups(State(hub): State<Hub>, Path(object_type): Path<String>) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let world = hub.read();
    let results: Vec<Value> = world.schema(kind).groups().map(render_group).collect();
    Ok(json_response(StatusCode::OK, &json!({ "results": results })))
}

/// `GET /crm/v3/properties/{type}/groups/{groupName}`.
pub async fn get_group(
    State(hub): State<Hub>,
    Path((object_type, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    let world = hub.read();
    let group = world
        .schema(kind)
        .group(&name)
        .ok_or_else(|| group_not_found(kind, &name))?;
    Ok(json_response(StatusCode::OK, &render_group(group)))
}

/// `POST /crm/v3/properties/{type}/groups` body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupCreate {
    /// Internal name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Order.
    #[serde(default)]
    pub display_order: Option<i32>,
}

/// `POST /crm/v3/properties/{type}/groups`: 201, or 409 when the name is taken.
pub async fn create_group(
    State(hub): State<Hub>,
    Path(object_type): Path<String>,
    JsonBody(input): JsonBody<GroupCreate>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    if !valid_name(&input.name) {
        return Err(ApiError::validation(format!(
            "Property group name {:?} is invalid: use lower-case letters, digits and underscores, starting with a letter",
            input.name
        )));
    }
    let mut world = hub.write();
    let schema = world.schema_mut(kind);
    if let Some(existing) = schema.group_mut(&input.name) {
        if !existing.archived {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                "OBJECT_ALREADY_EXISTS",
                format!("A property group named '{}' already exists.", input.name),
            )
            .context("name", vec![input.name.clone()]));
        }
        // Re-creating an archived group brings it back, as HubSpot restores archived groups.
        existing.archived = false;
        existing.label = input.label.clone();
        let out = render_group(existing);
        return Ok(json_response(StatusCode::CREATED, &out));
    }
    let group = GroupDef {
        name: input.name.clone(),
        label: input.label,
        display_order: input.display_order.unwrap_or(-1),
        archived: false,
    };
    let out = render_group(&group);
    schema.add_group(group);
    Ok(json_response(StatusCode::CREATED, &out))
}

/// `DELETE /crm/v3/properties/{type}/groups/{groupName}`: archives a custom group.
pub async fn archive_group(
    State(hub): State<Hub>,
    Path((object_type, name)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let kind = kind_of(&object_type)?;
    if super::schema::default_groups(kind).iter().any(|(g, _)| *g == name) {
        return Err(ApiError::validation(format!(
            "Property group {name} is defined by HubSpot and cannot be archived"
        )));
    }
    let mut world = hub.write();
    let group = world
        .schema_mut(kind)
        .group_mut(&name)
        .filter(|g| !g.archived)
        .ok_or_else(|| group_not_found(kind, &name))?;
    group.archived = true;
    Ok(json_response_empty())
}
