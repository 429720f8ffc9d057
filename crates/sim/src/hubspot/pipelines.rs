//! CRM v3 deal pipelines: `GET /crm/v3/pipelines/deals[/{id}[/stages[/{stageId}]]]`.
//!
//! Holds no state; reads the world's pipelines. Stage metadata values are strings
//! (`{"isClosed": "false", "probability": "0.2"}`), as HubSpot sends them.

use super::content::{Pipeline, Stage};
use super::errors::{ApiError, json_response};
use super::objects::kind_of;
use super::record::ObjectKind;
use super::state::Hub;
use super::timefmt::iso;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

fn render_stage(stage: &Stage, pipeline: &Pipeline) -> Value {
    // A client tells won from lost by the probability ("1.0" / "0.0"), as with HubSpot.
    let metadata =
        json!({ "isClosed": stage.is_closed.to_string(), "probability": format_probability(stage.probability) });
    json!({
        "id": stage.id,
        "label": stage.label,
        "displayOrder": stage.display_order,
        "metadata": metadata,
        "archived": false,
        "createdAt": iso(pipeline.created_ms),
        "updatedAt": iso(pipeline.updated_ms),
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    })
}

/// `0.2`, `1.0`, `0.0`: HubSpot's probability strings keep one decimal at least.
fn format_probability(p: f64) -> String {
    let text = p.to_string();
    if text.contains('.') { text } else { format!("{text}.0") }
}

fn render_pipeline(p: &Pipeline) -> Value {
    json!({
        "id": p.id,
        "label": p.label,
        "displayOrder": p.display_order,
        "stages": p.stages.iter().map(|s| render_stage(s, p)).collect::<Vec<_>>(),
        "archived": false,
        "createdAt": iso(p.created_ms),
        "updatedAt": iso(p.updated_ms),
    })
}

fn deals_only(object_type: &str) -> Result<(), ApiError> {
    match kind_of(object_type)? {
        ObjectKind::Deal => Ok(()),
        other => Err(ApiError::validation(format!(
            "Pipelines are not served for object type {}",
            other.plural()
        ))),
    }
}

fn pipeline_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Unable to find pipeline {id}")).context("pipelineId", vec![id.to_owned()])
}

/// `GET /crm/v3/pipelines/{type}`.
pub async fn list(State(hub): State<Hub>, Path(object_type): Path<String>) -> Result<Response, ApiError> {
    deals_only(&object_type)?;
    let world = hub.read();
    let results: Vec<Value> = world.pipelines.iter().map(render_pipeline).collect();
    Ok(json_response(StatusCode::OK, &json!({ "results": results })))
}

/// `GET /crm/v3/pipelines/{type}/{pipelineId}`.
pub async fn get_one(
    State(hub): State<Hub>,
    Path((object_type, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    deals_only(&object_type)?;
    let world = hub.read();
    let p = world.pipeline(&id).ok_or_else(|| pipeline_not_found(&id))?;
    Ok(json_response(StatusCode::OK, &render_pipeline(p)))
}

/// `GET /crm/v3/pipelines/{type}/{pipelineId}/stages`.
pub async fn stages(
    State(hub): State<Hub>,
    Path((object_type, id)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    deals_only(&object_type)?;
    let world = hub.read();
    let p = world.pipeline(&id).ok_or_else(|| pipeline_not_found(&id))?;
    let results: Vec<Value> = p.stages.iter().map(|s| render_stage(s, p)).collect();
    Ok(json_response(StatusCode::OK, &json!({ "results": results })))
}

/// `GET /crm/v3/pipelines/{type}/{pipelineId}/stages/{stageId}`.
pub async fn stage(
    State(hub): State<Hub>,
    Path((object_type, id, stage_id)): Path<(String, String, String)>,
) -> Result<Response, ApiError> {
    deals_only(&object_type)?;
    let world = hub.read();
    let p = world.pipeline(&id).ok_or_else(|| pipeline_not_found(&id))?;
    let s = p
        .stage(&stage_id)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find stage {stage_id} in pipeline {id}")))?;
    Ok(json_response(StatusCode::OK, &render_stage(s, p)))
}
