//! Marketing events (webinars): list and read events, participation breakdowns and counters,
//! and the attendance write endpoints (`/marketing/v3/marketing-events/...`).
//!
//! Holds no state; reads and changes the world's [`MarketingEvent`]s. A participation is one
//! contact's latest state in one event; `occurredAt` is epoch milliseconds (a number) and
//! `attendancePercentage` a string, as HubSpot sends them.

use super::clock::Millis;
use super::content::{AttendanceState, MarketingEvent, Participation, percentage_of};
use super::errors::{ApiError, json_response};
use super::ids::{decode_number_cursor, encode_cursor};
use super::record::ObjectKind;
use super::render::{collection, paging};
use super::request::{Ctx, JsonBody, Params};
use super::state::{Hub, World};
use super::timefmt::{iso, parse_instant};
use super::writes;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Largest page.
pub const PAGE_MAX: usize = 100;
/// The webinar tool's account id, as the integration that syncs webinars knows it.
pub const EXTERNAL_ACCOUNT_ID: &str = "sim-webinar-account";
const APP_ID: &str = "150001";
const APP_NAME: &str = "Zoom";

fn render_event(e: &MarketingEvent, now: Millis) -> Value {
    let (registrants, attendees, cancellations, no_shows) = e.counters();
    let completed = e.end_ms.is_some_and(|end| end <= now);
    let status = match (e.start_ms, e.end_ms) {
        (_, Some(end)) if end <= now => "COMPLETED",
        (Some(start), _) if start <= now => "IN_PROGRESS",
        _ => "UPCOMING",
    };
    let mut out = json!({
        "objectId": e.object_id.to_string(),
        "eventName": e.name,
        "eventType": "WEBINAR",
        "eventOrganizer": "closedloop sim",
        "eventDescription": "",
        "eventCancelled": false,
        "eventCompleted": completed,
        "eventStatus": status,
        "customProperties": [],
        "appInfo": { "id": APP_ID, "name": APP_NAME },
        "externalEventId": e.external_event_id,
        "registrants": registrants,
        "attendees": attendees,
        "cancellations": cancellations,
        "noShows": no_shows,
        "createdAt": iso(e.created_ms),
        "updatedAt": iso(e.updated_ms),
    });
    if let Some(map) = out.as_object_mut() {
        if let Some(url) = &e.url {
            map.insert("eventUrl".into(), json!(url));
        }
        if let Some(s) = e.start_ms {
            map.insert("startDateTime".into(), json!(iso(s)));
        }
        if let Some(end) = e.end_ms {
            map.insert("endDateTime".into(), json!(iso(end)));
        }
    }
    out
}

fn render_participation(world: &World, e: &MarketingEvent, p: &Participation) -> Value {
    let contact_id = world.contacts.resolve(p.contact_id).unwrap_or(p.contact_id);
    let mut contact = json!({ "contactId": contact_id.to_string(), "email": &*p.email });
    if let (Some(map), Some(record)) = (contact.as_object_mut(), world.contacts.get(contact_id)) {
        for name in ["firstname", "lastname"] {
            if let Some(v) = world.contact_schema.id(name).and_then(|id| record.value(id)) {
                map.insert(name.into(), json!(v));
            }
        }
    }
    let mut properties = Map::new();
    properties.insert("attendanceState".into(), json!(p.state.as_str()));
    properties.insert("occurredAt".into(), json!(p.occurred_ms));
    if let Some(d) = p.duration_s {
        properties.insert("attendanceDurationSeconds".into(), json!(d));
    }
    if let Some(pct) = &p.percentage {
        properties.insert("attendancePercentage".into(), json!(pct));
    }
    json!({
        "id": p.id.to_string(),
        "createdAt": iso(p.created_ms),
        "associations": {
            "contact": contact,
            "marketingEvent": {
                "marketingEventId": e.object_id.to_string(),
                "name": e.name,
                "externalEventId": e.external_event_id,
                "externalAccountId": EXTERNAL_ACCOUNT_ID,
            },
        },
        "properties": properties,
    })
}

fn event_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Marketing event {id} was not found")).context("marketingEventId", vec![id.to_owned()])
}

fn find_event(world: &World, id: &str) -> Option<usize> {
    let n = id.trim().parse::<u64>().ok()?;
    world.marketing_events.iter().position(|e| e.object_id == n)
}

/// `GET /marketing/v3/marketing-events`.
pub async fn list(State(hub): State<Hub>, ctx: Ctx, params: Params) -> Result<Response, ApiError> {
    let limit = params.limit(10, PAGE_MAX)?;
    let from = match params.get("after") {
        None => 0,
        Some(a) => {
            decode_number_cursor(a).ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))?
        }
    };
    let world = hub.read();
    let mut events = world.marketing_events.iter().filter(|e| e.object_id >= from);
    let page: Vec<Value> = events
        .by_ref()
        .take(limit)
        .map(|e| render_event(e, ctx.now_ms))
        .collect();
    let next = events.next().map(|e| encode_cursor(&e.object_id.to_string()));
    Ok(json_response(
        StatusCode::OK,
        &collection(page, paging(&ctx.origin, &params, next), &[]),
    ))
}

/// `GET /marketing/v3/marketing-events/{objectId}`.
pub async fn get_one(State(hub): State<Hub>, ctx: Ctx, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = hub.read();
    let i = find_event(&world, &id).ok_or_else(|| event_not_found(&id))?;
    Ok(json_response(
        StatusCode::OK,
        &render_event(&world.marketing_events[i], ctx.now_ms),
    ))
}

fn state_filter(params: &Params) -> Result<Option<AttendanceState>, ApiError> {
    params
        .get("state")
        .map(|s| {
            AttendanceState::parse(s).ok_or_else(|| {
                ApiError::validation(format!(
                    "Invalid state {s}: expected REGISTERED, ATTENDED, CANCELLED, NO_SHOW or EMPTY"
                ))
            })
        })
        .transpose()
}

fn contact_filter(world: &World, params: &Params) -> Option<Option<u64>> {
    params.get("contactIdentifier").map(|c| contact_by_identifier(world, c))
}

fn contact_by_identifier(world: &World, identifier: &str) -> Option<u64> {
    if identifier.contains('@') {
        world
            .contacts
            .find_unique(identifier)
            .and_then(|n| world.contacts.resolve(n))
    } else {
        identifier
            .trim()
            .parse::<u64>()
            .ok()
            .and_then(|n| world.contacts.resolve(n))
    }
}

/// `GET /marketing/v3/marketing-events/participations/{marketingEventId}/breakdown`.
pub async fn breakdown(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let world = hub.read();
    let i = find_event(&world, &id).ok_or_else(|| event_not_found(&id))?;
    breakdown_of(&world, i, &ctx, &params)
}

/// `GET /marketing/v3/marketing-events/participations/{externalAccountId}/{externalEventId}/breakdown`.
pub async fn breakdown_external(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((account, external)): Path<(String, String)>,
    params: Params,
) -> Result<Response, ApiError> {
    let world = hub.read();
    let i = find_external(&world, &account, &external)?;
    breakdown_of(&world, i, &ctx, &params)
}

fn find_external(world: &World, account: &str, external: &str) -> Result<usize, ApiError> {
    world
        .marketing_events
        .iter()
        .position(|e| account == EXTERNAL_ACCOUNT_ID && e.external_event_id == external)
        .ok_or_else(|| event_not_found(external))
}

fn breakdown_of(world: &World, i: usize, ctx: &Ctx, params: &Params) -> Result<Response, ApiError> {
    let limit = params.limit(10, PAGE_MAX)?;
    let state = state_filter(params)?;
    let from = match params.get("after") {
        None => 0,
        Some(a) => {
            decode_number_cursor(a).ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))? as usize
        }
    };
    let event = &world.marketing_events[i];
    let contact = contact_filter(world, params);
    let wanted = |p: &&Participation| {
        state.is_none_or(|s| p.state == s)
            && contact.is_none_or(|c| c.is_some() && world.contacts.resolve(p.contact_id) == c)
    };
    let total = event.participations.iter().filter(wanted).count();
    let mut rest = event
        .participations
        .iter()
        .enumerate()
        .skip(from)
        .filter(|(_, p)| wanted(p));
    let page: Vec<Value> = rest
        .by_ref()
        .take(limit)
        .map(|(_, p)| render_participation(world, event, p))
        .collect();
    let next = rest.next().map(|(idx, _)| encode_cursor(&idx.to_string()));
    Ok(json_response(
        StatusCode::OK,
        &collection(page, paging(&ctx.origin, params, next), &[("total", json!(total))]),
    ))
}

/// `GET /marketing/v3/marketing-events/participations/contacts/{contactIdentifier}/breakdown`.
pub async fn contact_breakdown(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(identifier): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = params.limit(10, PAGE_MAX)?;
    let state = state_filter(&params)?;
    let from = match params.get("after") {
        None => 0,
        Some(a) => {
            decode_number_cursor(a).ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))? as usize
        }
    };
    let world = hub.read();
    let Some(contact) = contact_by_identifier(&world, &identifier) else {
        return Ok(json_response(
            StatusCode::OK,
            &collection(Vec::new(), None, &[("total", json!(0))]),
        ));
    };
    let ids: Vec<u64> = std::iter::once(contact)
        .chain(world.contacts.merged_ids_of(contact).iter().copied())
        .collect();
    let all: Vec<(&MarketingEvent, &Participation)> = world
        .marketing_events
        .iter()
        .flat_map(|e| {
            ids.iter()
                .filter_map(move |c| e.by_contact.get(c).map(|&i| (e, &e.participations[i])))
        })
        .filter(|(_, p)| state.is_none_or(|s| p.state == s))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(from)
        .take(limit)
        .map(|(e, p)| render_participation(&world, e, p))
        .collect();
    let next = (all.len() > from + limit).then(|| encode_cursor(&(from + limit).to_string()));
    Ok(json_response(
        StatusCode::OK,
        &collection(page, paging(&ctx.origin, &params, next), &[("total", json!(all.len()))]),
    ))
}

/// `GET /marketing/v3/marketing-events/participations/{marketingEventId}`: the counters.
pub async fn counters(State(hub): State<Hub>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = hub.read();
    let i = find_event(&world, &id).ok_or_else(|| event_not_found(&id))?;
    Ok(counters_of(&world.marketing_events[i]))
}

/// `GET /marketing/v3/marketing-events/participations/{externalAccountId}/{externalEventId}`: the counters.
pub async fn counters_external(
    State(hub): State<Hub>,
    Path((account, external)): Path<(String, String)>,
) -> Result<Response, ApiError> {
    let world = hub.read();
    let i = find_external(&world, &account, &external)?;
    Ok(counters_of(&world.marketing_events[i]))
}

fn counters_of(event: &MarketingEvent) -> Response {
    let (registered, attended, cancelled, no_shows) = event.counters();
    json_response(
        StatusCode::OK,
        &json!({ "registered": registered, "attended": attended, "cancelled": cancelled, "noShows": no_shows }),
    )
}

/// One attendee in an attendance write.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscriber {
    /// Contact id (`create`).
    #[serde(default)]
    pub vid: Option<u64>,
    /// Email (`email-create`).
    #[serde(default)]
    pub email: Option<String>,
    /// When (epoch ms).
    pub interaction_date_time: i64,
    /// Participation properties (`joinedAt`, `leftAt`, `attendanceDurationSeconds`, ...).
    #[serde(default)]
    pub properties: HashMap<String, Value>,
    /// Contact properties for a contact created by `email-create`.
    #[serde(default)]
    pub contact_properties: serde_json::Map<String, Value>,
}

/// `{inputs}`.
#[derive(Debug, Deserialize)]
pub struct Subscribers {
    /// The attendees.
    pub inputs: Vec<Subscriber>,
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn duration_of(s: &Subscriber) -> Option<u64> {
    if let Some(d) = s
        .properties
        .get("attendanceDurationSeconds")
        .and_then(|v| text(v).trim().parse::<u64>().ok())
    {
        return Some(d);
    }
    let joined = s.properties.get("joinedAt").and_then(|v| parse_instant(&text(v)))?;
    let left = s.properties.get("leftAt").and_then(|v| parse_instant(&text(v)))?;
    (left > joined).then(|| ((left - joined) / 1000) as u64)
}

fn record_attendance(
    world: &mut World,
    event: usize,
    state: AttendanceState,
    inputs: &[Subscriber],
    by_email: bool,
    ctx: &Ctx,
    lag: Millis,
) -> Value {
    let mut results = Vec::new();
    let mut errors = Vec::new();
    for s in inputs {
        let contact = if by_email {
            let Some(email) = s.email.as_deref().filter(|e| !e.is_empty()) else {
                errors.push(json!({ "status": "error", "category": "VALIDATION_ERROR", "message": "email is required", "context": {}, "errors": [], "links": {} }));
                continue;
            };
            match world
                .contacts
                .find_unique(email)
                .and_then(|n| world.contacts.resolve(n))
            {
                Some(c) => Some(c),
                None => {
                    let mut props = s.contact_properties.clone();
                    props.insert("email".into(), json!(email));
                    match writes::validate(world, ObjectKind::Contact, &props) {
                        Ok(changes) => Some(writes::create(
                            world,
                            ObjectKind::Contact,
                            &changes,
                            ctx.author,
                            ctx.now_ms,
                            lag,
                        )),
                        Err(e) => {
                            errors.push(json!({ "status": "error", "category": "VALIDATION_ERROR", "message": super::errors::property_errors_message(&e, world.portal_id), "context": { "email": [email] }, "errors": [], "links": {} }));
                            None
                        }
                    }
                }
            }
        } else {
            let found = s.vid.and_then(|v| world.contacts.resolve(v));
            if found.is_none() {
                let vid = s.vid.map(|v| v.to_string()).unwrap_or_default();
                errors.push(json!({ "status": "error", "category": "OBJECT_NOT_FOUND", "message": format!("Contact {vid} was not found"), "context": { "vid": [vid] }, "errors": [], "links": {} }));
            }
            found
        };
        let Some(contact) = contact else { continue };
        let email: Arc<str> = world
            .contact_schema
            .id("email")
            .and_then(|p| world.contacts.get(contact).and_then(|r| r.value(p)))
            .unwrap_or("")
            .into();
        let duration = (state == AttendanceState::Attended).then(|| duration_of(s)).flatten();
        let e = &world.marketing_events[event];
        let percentage = s
            .properties
            .get("attendancePercentage")
            .map(text)
            .or_else(|| duration.and_then(|d| e.duration_s().and_then(|run| percentage_of(d, run))));
        let mut next = world.next_participation_id;
        world.marketing_events[event].record(
            &mut next,
            Participation {
                id: 0,
                contact_id: contact,
                email: email.clone(),
                state,
                occurred_ms: s.interaction_date_time,
                created_ms: ctx.now_ms,
                duration_s: duration,
                percentage: percentage.map(Into::into),
            },
        );
        world.next_participation_id = next;
        world.marketing_events[event].updated_ms = ctx.now_ms;
        let mut r = json!({ "vid": contact });
        if by_email && let Some(map) = r.as_object_mut() {
            map.insert("email".into(), json!(&*email));
        }
        results.push(r);
    }
    let mut body = json!({ "status": "COMPLETE", "results": results, "startedAt": iso(ctx.now_ms), "completedAt": iso(ctx.now_ms) });
    if !errors.is_empty()
        && let Some(map) = body.as_object_mut()
    {
        map.insert("numErrors".into(), json!(errors.len()));
        map.insert("errors".into(), Value::Array(errors));
    }
    body
}

fn subscriber_state(text: &str) -> Result<AttendanceState, ApiError> {
    AttendanceState::from_subscriber_state(text).ok_or_else(|| {
        ApiError::validation(format!(
            "Invalid subscriberState {text}: expected register, attend or cancel"
        ))
    })
}

/// Attendance writes answer 200 even with per-attendee errors in the body (`numErrors`): the
/// endpoint documents no multi-status, and the SDK reads only a 200.
fn attendance_reply(body: Value) -> Response {
    json_response(StatusCode::OK, &body)
}

/// `POST /marketing/v3/marketing-events/{objectId}/attendance/{subscriberState}/{create|email-create}`.
pub async fn attendance_by_object(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((id, state, action)): Path<(String, String, String)>,
    JsonBody(body): JsonBody<Subscribers>,
) -> Result<Response, ApiError> {
    let state = subscriber_state(&state)?;
    let by_email = attendance_action(&action)?;
    let lag = hub.edges().lag();
    let mut world = hub.write();
    let i = find_event(&world, &id).ok_or_else(|| event_not_found(&id))?;
    Ok(attendance_reply(record_attendance(
        &mut world,
        i,
        state,
        &body.inputs,
        by_email,
        &ctx,
        lag,
    )))
}

/// `POST /marketing/v3/marketing-events/attendance/{externalEventId}/{subscriberState}/{create|email-create}`.
pub async fn attendance_by_external(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path((external, state, action)): Path<(String, String, String)>,
    params: Params,
    JsonBody(body): JsonBody<Subscribers>,
) -> Result<Response, ApiError> {
    let state = subscriber_state(&state)?;
    let by_email = attendance_action(&action)?;
    if let Some(account) = params.get("externalAccountId")
        && account != EXTERNAL_ACCOUNT_ID
    {
        return Err(event_not_found(&external));
    }
    let lag = hub.edges().lag();
    let mut world = hub.write();
    let i = world
        .marketing_events
        .iter()
        .position(|e| e.external_event_id == external)
        .ok_or_else(|| event_not_found(&external))?;
    Ok(attendance_reply(record_attendance(
        &mut world,
        i,
        state,
        &body.inputs,
        by_email,
        &ctx,
        lag,
    )))
}

fn attendance_action(action: &str) -> Result<bool, ApiError> {
    match action {
        "create" => Ok(false),
        "email-create" => Ok(true),
        other => Err(ApiError::not_found(format!("Unknown attendance action {other}"))),
    }
}
