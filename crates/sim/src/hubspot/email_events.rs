//! Legacy email analytics: `GET /email/public/v1/events` (opens and clicks, newest first, paged by
//! an opaque `offset` with `hasMore`) and the email campaigns behind them
//! (`GET /email/public/v1/campaigns/by-id`, `GET /email/public/v1/campaigns/{id}`).
//!
//! Holds no state; reads the world's [`EmailLog`](super::timeline::EmailLog). Email events are not
//! in the Events API, which is exactly why a connector needs this one.

use super::errors::{ApiError, json_response};
use super::ids::{decode_pair_cursor, encode_cursor, stable_uuid_n};
use super::request::Params;
use super::state::{Hub, World};
use super::timeline::{EmailEventKind, NONE};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Value, json};

/// Largest page.
pub const EVENTS_MAX: usize = 1000;
const APP_ID: u64 = 113;
const APP_NAME: &str = "Batch";

fn render(world: &World, row: u32) -> Value {
    let e = &world.email.rows[row as usize];
    let campaign = world.email.campaigns.get(e.email as usize);
    let mut out = json!({
        "id": stable_uuid_n("email-event", u64::from(row)).to_string(),
        "appId": APP_ID,
        "appName": APP_NAME,
        "portalId": world.portal_id,
        "recipient": &*e.recipient,
        "created": e.at_ms,
        "type": e.kind.as_str(),
        "emailCampaignId": campaign.map(|c| c.id).unwrap_or(0),
        "sentBy": { "id": stable_uuid_n("email-send", u64::from(row)).to_string(), "created": e.at_ms - 3_600_000 },
        "filteredEvent": false,
        "deviceType": "COMPUTER",
        "userAgent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
        "browser": { "name": "Google Chrome", "family": "Google Chrome", "producer": "Google Inc.", "producerUrl": "https://www.google.com/about/company/", "type": "Browser", "url": "https://www.google.com/chrome/", "version": ["120.0"] },
        "location": { "country": "Unknown", "state": "Unknown", "city": "Unknown" },
    });
    if let (Some(map), EmailEventKind::Click) = (out.as_object_mut(), e.kind)
        && e.url != NONE
        && let Some(page) = world.web.pages.get(e.url as usize)
    {
        map.insert("url".into(), json!(&*page.url));
    }
    out
}

fn number(params: &Params, name: &str) -> Result<Option<i64>, ApiError> {
    params
        .get(name)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| ApiError::validation(format!("Invalid {name}: {v} is not a number")))
        })
        .transpose()
}

/// `GET /email/public/v1/events`.
pub async fn list(State(hub): State<Hub>, params: Params) -> Result<Response, ApiError> {
    let limit = params.limit(10, EVENTS_MAX)?;
    let (start, end) = (number(&params, "startTimestamp")?, number(&params, "endTimestamp")?);
    let campaign = number(&params, "campaignId")?;
    let kind = match params.get("eventType") {
        None => None,
        Some("OPEN") => Some(EmailEventKind::Open),
        Some("CLICK") => Some(EmailEventKind::Click),
        // Other legacy types (SENT, DELIVERED, BOUNCE...) exist at HubSpot; none are simulated.
        Some(_) => {
            return Ok(json_response(
                StatusCode::OK,
                &json!({ "hasMore": false, "offset": "", "events": [] }),
            ));
        }
    };
    let cursor = params
        .get("offset")
        .filter(|o| !o.is_empty())
        .map(|o| decode_pair_cursor(o).ok_or_else(|| ApiError::validation(format!("Invalid offset: {o}"))))
        .transpose()?;
    let world = hub.read();
    // Candidate rows, ascending in time: a recipient's index, or every row (rows are kept in
    // time order, so position and row number coincide).
    let list: Option<&[u32]> = params.get("recipient").map(|r| {
        world
            .email
            .by_recipient
            .get(&r.to_lowercase())
            .map(Vec::as_slice)
            .unwrap_or(&[])
    });
    let len = list.map_or(world.email.rows.len(), <[u32]>::len);
    let row_at = |i: usize| -> u32 { list.map_or(i as u32, |l| l[i]) };
    let key = |r: &u32| (world.email.rows[*r as usize].at_ms, u64::from(*r));
    let partition = |pred: &dyn Fn(u32) -> bool| -> usize {
        let (mut lo, mut hi) = (0, len);
        while lo < hi {
            let mid = (lo + hi) / 2;
            if pred(row_at(mid)) { lo = mid + 1 } else { hi = mid }
        }
        lo
    };
    let upper = match cursor {
        Some(c) => partition(&|r| key(&r) < c),
        None => len,
    };
    let upper = match end {
        Some(t) => upper.min(partition(&|r| key(&r).0 <= t)),
        None => upper,
    };
    let lower = start.map(|t| partition(&|r| key(&r).0 < t)).unwrap_or(0).min(upper);
    let campaign_index = campaign.map(|id| {
        world
            .email
            .campaigns
            .iter()
            .position(|c| c.id as i64 == id)
            .map(|i| i as u32)
    });
    let wanted = |r: &u32| {
        let e = &world.email.rows[*r as usize];
        kind.is_none_or(|k| e.kind == k) && campaign_index.is_none_or(|c| c == Some(e.email))
    };
    let picked: Vec<u32> = (lower..upper)
        .rev()
        .map(row_at)
        .filter(wanted)
        .take(limit + 1)
        .collect();
    let has_more = picked.len() > limit;
    let offset = if has_more {
        let (t, r) = key(&picked[limit - 1]);
        encode_cursor(&format!("{t}:{r}"))
    } else {
        String::new()
    };
    let events: Vec<Value> = picked.iter().take(limit).map(|r| render(&world, *r)).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({ "hasMore": has_more, "offset": offset, "events": events }),
    ))
}

/// `GET /email/public/v1/campaigns/by-id`.
pub async fn campaigns(State(hub): State<Hub>, params: Params) -> Result<Response, ApiError> {
    let limit = params.limit(10, EVENTS_MAX)?;
    let from = params
        .get("offset")
        .filter(|o| !o.is_empty())
        .and_then(|o| o.parse::<usize>().ok())
        .unwrap_or(0);
    let world = hub.read();
    let page: Vec<Value> = world
        .email
        .campaigns
        .iter()
        .skip(from)
        .take(limit)
        .map(|c| json!({ "id": c.id, "appId": APP_ID, "appName": APP_NAME, "lastUpdatedTime": 0 }))
        .collect();
    let has_more = world.email.campaigns.len() > from + limit;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "campaigns": page, "hasMore": has_more, "offset": if has_more { (from + limit).to_string() } else { String::new() } }),
    ))
}

/// `GET /email/public/v1/campaigns/{campaignId}`.
pub async fn campaign(State(hub): State<Hub>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = hub.read();
    let n = id.trim().parse::<u64>().ok();
    let (i, c) = world
        .email
        .campaigns
        .iter()
        .enumerate()
        .find(|(_, c)| Some(c.id) == n)
        .ok_or_else(|| ApiError::not_found(format!("Email campaign {id} was not found")))?;
    let (mut opens, mut clicks) = (0u64, 0u64);
    for e in world.email.rows.iter().filter(|e| e.email as usize == i) {
        match e.kind {
            EmailEventKind::Open => opens += 1,
            EmailEventKind::Click => clicks += 1,
        }
    }
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "id": c.id,
            "appId": APP_ID,
            "appName": APP_NAME,
            "contentId": c.content_id,
            "name": c.name,
            "subject": c.name,
            "type": "BATCH_EMAIL",
            "subType": "batch",
            "counters": { "open": opens, "click": clicks },
        }),
    ))
}
