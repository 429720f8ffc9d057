//! The checks every REST API call passes before its handler runs: API version, session, quota.
//!
//! Holds no state. Order matters and follows Salesforce: an unknown version is a 404 that costs
//! nothing; a missing, invalid or expired session is a 401 `INVALID_SESSION_ID` that costs
//! nothing; then the call is counted, and refused with 403 `REQUEST_LIMIT_EXCEEDED` when the
//! daily allocation is spent. Every counted response carries `Sforce-Limit-Info`.

use super::errors::ApiError;
use super::shared::Shared;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// The API version of a request (`59.0`), as handlers need it to build URLs.
#[derive(Debug, Clone)]
pub struct ApiVersion(pub String);

/// The oldest version served.
const OLDEST: u32 = 52;

/// Parses `v59.0` into `59.0` when it is a version the simulator serves.
pub fn parse_version(segment: &str) -> Option<String> {
    let number = segment.strip_prefix('v')?;
    let (major, minor) = number.split_once('.')?;
    let major: u32 = major.parse().ok()?;
    (minor == "0" && major >= OLDEST).then(|| number.to_owned())
}

/// The bearer (or `OAuth`) token of a request.
pub fn bearer(request: &Request) -> Option<&str> {
    let value = request.headers().get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("oauth")).then_some(token.trim())
}

/// The middleware on every `/services/data/vNN.0/...` route.
pub async fn api_gate(State(sim): State<Arc<Shared>>, mut request: Request, next: Next) -> Response {
    let segment = request
        .uri()
        .path()
        .trim_start_matches("/services/data/")
        .split('/')
        .next()
        .unwrap_or("")
        .to_owned();
    let Some(version) = parse_version(&segment) else {
        return ApiError::not_found().into_response();
    };
    let now = sim.clock.now_ms();
    if !bearer(&request).is_some_and(|t| sim.sessions.check(t, now)) {
        let mut response = ApiError::invalid_session().into_response();
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Token"));
        return response;
    }
    let mut response = match sim.quota.take() {
        Err(_) => ApiError::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "TotalRequests Limit exceeded.",
        )
        .into_response(),
        Ok(_) => {
            request.extensions_mut().insert(ApiVersion(version));
            next.run(request).await
        }
    };
    if let Ok(value) = HeaderValue::from_str(&sim.quota.header()) {
        response.headers_mut().insert("Sforce-Limit-Info", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_from_52_on_are_served() {
        assert_eq!(parse_version("v59.0").as_deref(), Some("59.0"));
        assert_eq!(parse_version("v52.0").as_deref(), Some("52.0"));
        assert_eq!(parse_version("v64.0").as_deref(), Some("64.0"));
        for bad in ["v51.0", "59.0", "v59", "v59.1", "vx.0", ""] {
            assert_eq!(parse_version(bad), None, "{bad}");
        }
    }
}
