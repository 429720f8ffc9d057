//! The Events API: `GET /events/v3/events[/]` and `GET /events/v3/events/event-types`.
//!
//! Holds no state; pages the world's [`WebLog`](super::timeline::WebLog) through its time
//! indexes, so a page costs what it returns (plus a binary search), whatever the log's size.
//! Filters: `objectType`+`objectId` (or `objectProperty.email`), `eventType`, `occurredAfter` /
//! `occurredBefore` (exclusive, ISO-8601 or epoch ms), `id`. `sort` is `DESCENDING` unless asked,
//! as at HubSpot. A merged contact's events answer for the contact it was merged into.

use super::errors::{ApiError, json_response};
use super::ids::{decode_pair_cursor, encode_cursor, stable_uuid_n};
use super::record::ObjectKind;
use super::render::{collection, paging};
use super::request::{Ctx, Params};
use super::state::{Hub, World};
use super::timefmt::{iso, parse_instant};
use super::timeline::{NONE, WebEvent, WebEventKind};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

/// Largest page.
pub const EVENTS_MAX: usize = 100;

/// The id of the event in row `row`.
pub fn event_id(row: u32) -> String {
    stable_uuid_n("web-event", u64::from(row)).to_string()
}

fn utm_for_channel(channel: &str) -> (&'static str, &'static str) {
    match channel {
        "paid_search" => ("google", "cpc"),
        "paid_social" => ("linkedin", "paid_social"),
        "organic_social" | "social" => ("linkedin", "social"),
        "email" => ("hubspot", "email"),
        "referral" => ("partner", "referral"),
        "display" => ("display", "display"),
        "events" | "offline" => ("event", "offline"),
        _ => ("other", "other"),
    }
}

/// An event's properties, as HubSpot sends them (all strings).
pub fn event_properties(world: &World, e: &WebEvent) -> Map<String, Value> {
    let mut p = Map::new();
    if let Some(page) = world.web.pages.get(e.page as usize) {
        p.insert("hs_url".into(), json!(&*page.url));
        if let Some(t) = &page.title {
            p.insert("hs_title".into(), json!(&**t));
        }
        if e.kind == WebEventKind::VisitedPage {
            let kind = if page.content.is_some() {
                "LANDING_PAGE"
            } else {
                "STANDARD_PAGE"
            };
            p.insert("hs_page_content_type".into(), json!(kind));
        }
    }
    if e.campaign != NONE
        && let Some(c) = world.campaigns.get(e.campaign as usize)
    {
        p.insert("hs_utm_campaign".into(), json!(c.utm));
        if let Some(channel) = &c.channel {
            let (source, medium) = utm_for_channel(channel);
            p.insert("hs_utm_source".into(), json!(source));
            p.insert("hs_utm_medium".into(), json!(medium));
        }
    }
    if e.form != NONE
        && let Some(f) = world.forms.get(e.form as usize)
    {
        p.insert("hs_form_id".into(), json!(f.guid.to_string()));
        p.insert("hs_form_type".into(), json!("HUBSPOT"));
        p.insert("hs_form_title".into(), json!(f.name));
    }
    p
}

fn render(world: &World, row: u32) -> Value {
    let e = &world.web.rows[row as usize];
    let object_id = world.contacts.resolve(e.object_id).unwrap_or(e.object_id);
    json!({
        "objectType": "contact",
        "objectId": object_id.to_string(),
        "eventType": e.kind.name(),
        "occurredAt": iso(e.at_ms),
        "id": event_id(row),
        "properties": event_properties(world, e),
    })
}

fn bad(message: String) -> ApiError {
    ApiError::validation(message)
}

/// `GET /events/v3/events`.
pub async fn list(State(hub): State<Hub>, ctx: Ctx, params: Params) -> Result<Response, ApiError> {
    let limit = params.limit(10, EVENTS_MAX)?;
    let descending = match params.get("sort").unwrap_or("DESCENDING") {
        "DESCENDING" | "-occurredAt" => true,
        "ASCENDING" | "occurredAt" => false,
        other => return Err(bad(format!("Invalid sort {other}: expected ASCENDING or DESCENDING"))),
    };
    let instant = |name: &str| -> Result<Option<i64>, ApiError> {
        params
            .get(name)
            .map(|v| parse_instant(v).ok_or_else(|| bad(format!("Invalid {name}: {v} is not a datetime"))))
            .transpose()
    };
    let (after_t, before_t) = (instant("occurredAfter")?, instant("occurredBefore")?);
    let kind = params
        .get("eventType")
        .map(|t| WebEventKind::parse(t).ok_or_else(|| bad(format!("Unknown event type {t}"))))
        .transpose()?;
    let cursor = params
        .get("after")
        .map(|a| decode_pair_cursor(a).ok_or_else(|| bad(format!("Invalid paging cursor: {a}"))))
        .transpose()?;
    let ids: Vec<String> = params.list("id");
    let object_type = params.get("objectType");
    if let Some(t) = object_type
        && ObjectKind::parse(t) != Some(ObjectKind::Contact)
    {
        return Ok(json_response(StatusCode::OK, &collection(Vec::new(), None, &[])));
    }
    let world = hub.read();
    let mut object_ids: Option<Vec<u64>> = None;
    if let Some(id) = params.get("objectId") {
        if object_type.is_none() {
            return Err(bad("objectType is required when objectId is given".into()));
        }
        let resolved = id
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|n| world.contacts.resolve(n).or(Some(n)));
        object_ids = Some(resolved.into_iter().collect());
    }
    for (prop, value) in params.prefixed("objectProperty.") {
        if prop != "email" {
            return Err(bad(format!(
                "objectProperty.{prop} is not a unique property of contacts"
            )));
        }
        object_ids = Some(
            world
                .contacts
                .find_unique(value)
                .and_then(|n| world.contacts.resolve(n))
                .into_iter()
                .collect(),
        );
    }
    let property_filters: Vec<(&str, &str)> = params.prefixed("property.").collect();
    // The candidate rows, in ascending (time, row) order.
    let owned: Vec<u32>;
    let list: &[u32] = match &object_ids {
        Some(objects) => {
            let mut rows: Vec<u32> = Vec::new();
            for &o in objects {
                for id in std::iter::once(o).chain(world.contacts.merged_ids_of(o).iter().copied()) {
                    rows.extend(world.web.by_object.get(&id).map(Vec::as_slice).unwrap_or(&[]));
                }
            }
            rows.sort_unstable_by_key(|r| (world.web.rows[*r as usize].at_ms, *r));
            owned = rows;
            &owned
        }
        None => match kind {
            Some(k) => &world.web.by_kind_time[k as usize],
            None => &world.web.by_time,
        },
    };
    let key = |r: &u32| (world.web.rows[*r as usize].at_ms, u64::from(*r));
    let lo = after_t.map(|t| list.partition_point(|r| key(r).0 <= t)).unwrap_or(0);
    let hi = before_t
        .map(|t| list.partition_point(|r| key(r).0 < t))
        .unwrap_or(list.len())
        .max(lo);
    let window = &list[lo..hi];
    let (start, end) = match (cursor, descending) {
        (None, _) => (0, window.len()),
        (Some(c), false) => (window.partition_point(|r| key(r) <= c), window.len()),
        (Some(c), true) => (0, window.partition_point(|r| key(r) < c)),
    };
    let slice = &window[start..end];
    let wanted = |r: &&u32| {
        let e = &world.web.rows[**r as usize];
        kind.is_none_or(|k| e.kind == k)
            && (ids.is_empty() || ids.contains(&event_id(**r)))
            && (property_filters.is_empty() || {
                let props = event_properties(&world, e);
                property_filters
                    .iter()
                    .all(|(k, v)| props.get(*k).and_then(Value::as_str) == Some(*v))
            })
    };
    let mut picked: Vec<u32> = Vec::with_capacity(limit + 1);
    if descending {
        picked.extend(slice.iter().rev().filter(wanted).take(limit + 1).copied());
    } else {
        picked.extend(slice.iter().filter(wanted).take(limit + 1).copied());
    }
    let next = (picked.len() > limit).then(|| {
        let (t, r) = key(&picked[limit - 1]);
        encode_cursor(&format!("{t}:{r}"))
    });
    let results = picked.iter().take(limit).map(|r| render(&world, *r)).collect();
    Ok(json_response(
        StatusCode::OK,
        &collection(results, paging(&ctx.origin, &params, next), &[]),
    ))
}

/// `GET /events/v3/events/event-types`.
pub async fn event_types() -> Response {
    let names: Vec<&str> = WebEventKind::ALL.iter().map(|k| k.name()).collect();
    json_response(StatusCode::OK, &json!({ "eventTypes": names }))
}
