//! The gate every authenticated vendor request passes: token check, rate limits, headers.
//!
//! Holds no state of its own (it reads and counts in [`Hub`]). Order, as at HubSpot: the token
//! is checked first (401s are not counted), then the daily quota and the request's bucket
//! (search has its own per-second bucket), then the handler runs. Every response gets an
//! `X-HubSpot-Correlation-Id`; non-search responses get the `X-HubSpot-RateLimit-*` headers.
//! The UI user's token is exempt from API limits: a human's clicks are not API calls.

use super::auth::{Principal, authorization};
use super::errors::{ApiError, CORRELATION_HEADER};
use super::limits::RateHeaders;
use super::record::{Author, SourceType};
use super::request::Ctx;
use super::state::{Hub, UI_USER_ID};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::Response;

/// Whether a request is a CRM search (its own rate bucket, no rate-limit headers).
pub fn is_search(method: &Method, path: &str) -> bool {
    method == Method::POST && path.starts_with("/crm/v3/objects/") && path.trim_end_matches('/').ends_with("/search")
}

/// The middleware (`from_fn_with_state`).
pub async fn gate(State(hub): State<Hub>, mut request: Request, next: Next) -> Response {
    let now = hub.clock.now_ms();
    let principal = match hub.token_store().check(authorization(request.headers()), now) {
        Ok(p) => p,
        Err(failure) => return failure.error().render(),
    };
    let search = is_search(request.method(), request.uri().path());
    let headers = match principal {
        Principal::User => None,
        Principal::Integration => {
            let limits = hub.edges().limits();
            match hub.limit_state().admit(&limits, search, now) {
                Ok(h) => h,
                Err(limited) => return ApiError::rate_limited(limited).render(),
            }
        }
    };
    let origin = request
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .map(|h| format!("http://{h}"))
        .unwrap_or_default();
    let author = match principal {
        Principal::Integration => Author {
            source: SourceType::Integration,
            actor: hub.app_id,
        },
        Principal::User => Author {
            source: SourceType::CrmUi,
            actor: UI_USER_ID,
        },
    };
    request.extensions_mut().insert(Ctx {
        principal,
        author,
        now_ms: now,
        origin,
    });
    let mut response = next.run(request).await;
    let out = response.headers_mut();
    if !out.contains_key(CORRELATION_HEADER)
        && let Ok(v) = HeaderValue::from_str(&uuid::Uuid::new_v4().to_string())
    {
        out.insert(CORRELATION_HEADER, v);
    }
    if let Some(h) = headers {
        add_rate_headers(out, &h);
    }
    response
}

fn add_rate_headers(out: &mut HeaderMap, h: &RateHeaders) {
    let mut put = |name: &'static str, value: String| {
        if let Ok(v) = HeaderValue::from_str(&value) {
            out.insert(name, v);
        }
    };
    if let Some((max, left)) = h.daily {
        put("x-hubspot-ratelimit-daily", max.to_string());
        put("x-hubspot-ratelimit-daily-remaining", left.to_string());
    }
    if let Some((max, left)) = h.ten_second {
        put("x-hubspot-ratelimit-interval-milliseconds", "10000".to_owned());
        put("x-hubspot-ratelimit-max", max.to_string());
        put("x-hubspot-ratelimit-remaining", left.to_string());
    }
    if let Some((max, left)) = h.secondly {
        put("x-hubspot-ratelimit-secondly", max.to_string());
        put("x-hubspot-ratelimit-secondly-remaining", left.to_string());
    }
}
