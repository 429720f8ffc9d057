//! Marketing campaigns: `GET /marketing/v3/campaigns[/]`, one campaign, and its assets
//! (`/marketing/v3/campaigns/{guid}/assets/{FORM|MARKETING_EVENT|MARKETING_EMAIL}`), which is how
//! a client learns which campaign a form, a webinar or an email belongs to.
//!
//! Holds no state; reads the world's campaigns. As at HubSpot, a campaign carries only the
//! properties the request names (`properties=hs_name,...`), and empty ones are left out.

use super::content::Campaign;
use super::errors::{ApiError, json_response};
use super::ids::{decode_number_cursor, encode_cursor};
use super::render::{collection, paging};
use super::request::{Ctx, Params};
use super::state::{Hub, World};
use super::timefmt::iso;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// Largest page.
pub const CAMPAIGNS_MAX: usize = 100;

fn property(c: &Campaign, name: &str, now: i64) -> Option<String> {
    Some(match name {
        "hs_name" => c.name.clone(),
        "hs_start_date" => c.starts_on?.to_string(),
        "hs_end_date" => c.ends_on?.to_string(),
        "hs_utm" => c.utm.clone(),
        "hs_currency_code" => "USD".to_owned(),
        "hs_campaign_status" => {
            let today = chrono::DateTime::<chrono::Utc>::from_timestamp_millis(now).map(|t| t.date_naive());
            match (c.starts_on, c.ends_on, today) {
                (_, Some(end), Some(t)) if end < t => "completed",
                (Some(start), _, Some(t)) if start > t => "planned",
                _ => "in_progress",
            }
            .to_owned()
        }
        "hs_object_id" => c.guid.to_string(),
        _ => return None,
    })
}

fn render_campaign(c: &Campaign, names: &[String], now: i64) -> Value {
    let mut props = Map::new();
    for name in names {
        if let Some(v) = property(c, name, now).filter(|v| !v.is_empty()) {
            props.insert(name.clone(), json!(v));
        }
    }
    json!({ "id": c.guid.to_string(), "properties": props, "createdAt": iso(c.created_ms), "updatedAt": iso(c.updated_ms) })
}

/// `GET /marketing/v3/campaigns`.
pub async fn list(State(hub): State<Hub>, ctx: Ctx, params: Params) -> Result<Response, ApiError> {
    let limit = params.limit(50, CAMPAIGNS_MAX)?;
    let from = match params.get("after") {
        None => 0,
        Some(a) => {
            decode_number_cursor(a).ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))? as usize
        }
    };
    let name = params.get("name").map(str::to_lowercase);
    let names = params.list("properties");
    let world = hub.read();
    let matching: Vec<&Campaign> = world
        .campaigns
        .iter()
        .filter(|c| name.as_ref().is_none_or(|n| c.name.to_lowercase().contains(n.as_str())))
        .collect();
    let page: Vec<Value> = matching
        .iter()
        .skip(from)
        .take(limit)
        .map(|c| render_campaign(c, &names, ctx.now_ms))
        .collect();
    let next = (matching.len() > from + limit).then(|| encode_cursor(&(from + limit).to_string()));
    Ok(json_response(
        StatusCode::OK,
        &collection(
            page,
            paging(&ctx.origin, &params, next),
            &[("total", json!(matching.len()))],
        ),
    ))
}

fn find(world: &World, guid: &str) -> Result<usize, ApiError> {
    world
        .campaigns
        .iter()
        .position(|c| c.guid.to_string().eq_ignore_ascii_case(guid.trim()))
        .ok_or_else(|| {
            ApiError::not_found(format!("Campaign {guid} was not found")).context("campaignGuid", vec![guid.to_owned()])
        })
}

/// `GET /marketing/v3/campaigns/{campaignGuid}`.
pub async fn get_one(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(guid): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let world = hub.read();
    let i = find(&world, &guid)?;
    Ok(json_response(
        StatusCode::OK,
        &render_campaign(&world.campaigns[i], &params.list("properties"), ctx.now_ms),
    ))
}

/// `GET /marketing/v3/campaigns/{campaignGuid}/assets/{assetType}`.
pub async fn assets(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((guid, asset_type)): Path<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = params.limit(10, CAMPAIGNS_MAX)?;
    let from = match params.get("after") {
        None => 0,
        Some(a) => {
            decode_number_cursor(a).ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))? as usize
        }
    };
    let world = hub.read();
    let i = find(&world, &guid)?;
    let all: Vec<Value> = match asset_type.as_str() {
        "FORM" => world
            .forms
            .iter()
            .filter(|f| f.campaign == Some(i))
            .map(|f| json!({ "id": f.guid.to_string(), "name": f.name }))
            .collect(),
        "MARKETING_EVENT" => world
            .marketing_events
            .iter()
            .filter(|e| e.campaign == Some(i))
            .map(|e| json!({ "id": e.object_id.to_string(), "name": e.name }))
            .collect(),
        "MARKETING_EMAIL" => world
            .email
            .campaigns
            .iter()
            .filter(|e| e.campaign == Some(i))
            .map(|e| json!({ "id": e.content_id.to_string(), "name": e.name }))
            .collect(),
        "LANDING_PAGE" | "BLOG_POST" | "SOCIAL_BROADCAST" | "WEB_INTERACTIVE" | "CTA" | "AD_CAMPAIGN" | "SITE_PAGE"
        | "EXTERNAL_WEB_URL" => Vec::new(),
        other => return Err(ApiError::validation(format!("Invalid asset type {other}"))),
    };
    let next = (all.len() > from + limit).then(|| encode_cursor(&(from + limit).to_string()));
    let page = all.into_iter().skip(from).take(limit).collect();
    Ok(json_response(
        StatusCode::OK,
        &collection(page, paging(&ctx.origin, &params, next), &[]),
    ))
}
