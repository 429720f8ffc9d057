//! CRM v3 owners: `GET /crm/v3/owners[/]?email&after&limit` and `GET /crm/v3/owners/{ownerId}`.
//!
//! Holds no state; reads the world's owners, in id order, paged with an opaque `after`.

use super::content::Owner;
use super::errors::{ApiError, json_response};
use super::ids::{decode_number_cursor, encode_cursor};
use super::render::{collection, paging};
use super::request::{Ctx, Params};
use super::state::Hub;
use super::timefmt::iso;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// Largest page.
pub const OWNERS_MAX: usize = 500;

fn render_owner(o: &Owner) -> Value {
    json!({
        "id": o.id.to_string(),
        "email": o.email,
        "type": "PERSON",
        "firstName": o.first_name,
        "lastName": o.last_name,
        "userId": o.user_id,
        "userIdIncludingInactive": o.user_id,
        "createdAt": iso(o.created_ms),
        "updatedAt": iso(o.updated_ms),
        "archived": false,
        "teams": [],
    })
}

/// `GET /crm/v3/owners`.
pub async fn list(State(hub): State<Hub>, ctx: Ctx, params: Params) -> Result<Response, ApiError> {
    let limit = params.limit(100, OWNERS_MAX)?;
    if params.flag("archived", false)? {
        return Ok(json_response(StatusCode::OK, &collection(Vec::new(), None, &[])));
    }
    let from = match params.get("after") {
        None => 0,
        Some(a) => {
            decode_number_cursor(a).ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))?
        }
    };
    let email = params.get("email").map(str::to_lowercase);
    let world = hub.read();
    let mut matching = world
        .owners
        .iter()
        .filter(|o| o.id >= from)
        .filter(|o| email.as_ref().is_none_or(|e| o.email.to_lowercase() == *e));
    let page: Vec<&Owner> = matching.by_ref().take(limit).collect();
    let next = matching.next().map(|o| encode_cursor(&o.id.to_string()));
    let results = page.into_iter().map(render_owner).collect();
    Ok(json_response(
        StatusCode::OK,
        &collection(results, paging(&ctx.origin, &params, next), &[]),
    ))
}

/// `GET /crm/v3/owners/{ownerId}?idProperty=id|userId`.
pub async fn get_one(State(hub): State<Hub>, Path(id): Path<String>, params: Params) -> Result<Response, ApiError> {
    let by_user = match params.get("idProperty").unwrap_or("id") {
        "id" => false,
        "userId" => true,
        other => {
            return Err(ApiError::validation(format!(
                "Invalid idProperty {other}: expected id or userId"
            )));
        }
    };
    let n = id.trim().parse::<u64>().ok();
    let world = hub.read();
    let owner = world
        .owners
        .iter()
        .find(|o| Some(if by_user { o.user_id } else { o.id }) == n)
        .ok_or_else(|| ApiError::not_found(format!("Unable to find owner {id}")).context("id", vec![id.clone()]))?;
    Ok(json_response(StatusCode::OK, &render_owner(owner)))
}
