//! Bearer-token authentication and the OAuth token endpoint (`POST /oauth/v1/token`).
//!
//! State: [`TokenStore`] knows every access token issued — the scenario's integration token,
//! the UI user's token, and those minted by refresh — with its expiry. Integration tokens expire
//! after `token_ttl_secs`; expired tokens stay known so a caller gets HubSpot's
//! `EXPIRED_AUTHENTICATION` (refresh and retry) rather than `INVALID_AUTHENTICATION`.

use super::clock::Millis;
use super::errors::{ApiError, json_response};
use super::state::Hub;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::Response;
use serde_json::json;
use std::collections::HashMap;
use uuid::Uuid;

/// Who a token belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Principal {
    /// The private app (closedloop): limits apply, writes are `INTEGRATION`.
    Integration,
    /// A human in HubSpot's UI: no API limits, writes are `CRM_UI`.
    User,
}

#[derive(Debug, Clone)]
struct TokenInfo {
    principal: Principal,
    issued_ms: Millis,
    expires_ms: Option<Millis>,
}

/// Why a request is not authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// No `Authorization: Bearer` header.
    Missing,
    /// A token the portal never issued.
    Invalid,
    /// A token that expired this long ago.
    Expired(Millis),
}

impl AuthFailure {
    /// HubSpot's 401.
    pub fn error(self) -> ApiError {
        match self {
            AuthFailure::Missing | AuthFailure::Invalid => ApiError::invalid_authentication(),
            AuthFailure::Expired(ago) => ApiError::expired_authentication(ago),
        }
    }
}

/// The access tokens the portal knows.
#[derive(Debug)]
pub struct TokenStore {
    tokens: HashMap<String, TokenInfo>,
    ttl_ms: Option<Millis>,
}

fn ttl_ms(ttl_secs: Option<u64>) -> Option<Millis> {
    ttl_secs.map(|s| (s.min(i64::MAX as u64 / 1000) * 1000) as Millis)
}

impl TokenStore {
    /// The scenario's tokens, issued at `now`.
    pub fn new(integration_token: &str, ui_token: &str, ttl_secs: Option<u64>, now: Millis) -> TokenStore {
        let ttl = ttl_ms(ttl_secs);
        let mut tokens = HashMap::new();
        tokens.insert(
            integration_token.to_owned(),
            TokenInfo {
                principal: Principal::Integration,
                issued_ms: now,
                expires_ms: ttl.map(|t| now + t),
            },
        );
        if !ui_token.is_empty() {
            tokens.insert(
                ui_token.to_owned(),
                TokenInfo {
                    principal: Principal::User,
                    issued_ms: now,
                    expires_ms: None,
                },
            );
        }
        TokenStore { tokens, ttl_ms: ttl }
    }

    /// Changes the lifetime of tokens issued from now on.
    pub fn set_ttl(&mut self, ttl_secs: Option<u64>) {
        self.ttl_ms = ttl_ms(ttl_secs);
    }

    /// Checks an `Authorization` header value.
    pub fn check(&self, authorization: Option<&str>, now: Millis) -> Result<Principal, AuthFailure> {
        let token = authorization
            .and_then(|h| {
                let (scheme, rest) = h.trim().split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            })
            .filter(|t| !t.is_empty())
            .ok_or(AuthFailure::Missing)?;
        let info = self.tokens.get(token).ok_or(AuthFailure::Invalid)?;
        match info.expires_ms {
            Some(at) if at <= now => Err(AuthFailure::Expired(now - at)),
            _ => Ok(info.principal),
        }
    }

    /// Mints an integration token; returns it with its lifetime in seconds.
    pub fn issue(&mut self, now: Millis) -> (String, u64) {
        let token = format!("sim-hs-oauth-{}", Uuid::new_v4().simple());
        self.tokens.insert(
            token.clone(),
            TokenInfo {
                principal: Principal::Integration,
                issued_ms: now,
                expires_ms: self.ttl_ms.map(|t| now + t),
            },
        );
        // HubSpot always states a lifetime; with expiry off the simulator states HubSpot's own.
        let lifetime = self.ttl_ms.map(|t| (t / 1000) as u64).unwrap_or(1800);
        (token, lifetime)
    }

    /// Expires every integration token at `now` (the UI user's session is unaffected).
    pub fn expire_all(&mut self, now: Millis) {
        for info in self.tokens.values_mut() {
            if info.principal == Principal::Integration {
                info.expires_ms = Some(info.expires_ms.map_or(now, |at| at.min(now)));
            }
        }
    }

    /// Seconds left on a token (`None`: unknown token; `Some(None)`: never expires).
    pub fn remaining_secs(&self, token: &str, now: Millis) -> Option<Option<i64>> {
        let info = self.tokens.get(token)?;
        Some(info.expires_ms.map(|at| (at - now).max(0) / 1000))
    }

    /// When a token was issued.
    pub fn issued_ms(&self, token: &str) -> Option<Millis> {
        self.tokens.get(token).map(|t| t.issued_ms)
    }
}

/// The `Authorization` header's value.
pub fn authorization(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok())
}

fn oauth_error(status: &str, message: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({ "status": status, "message": message, "correlationId": Uuid::new_v4().to_string() }),
    )
}

/// `POST /oauth/v1/token` (form-encoded): the refresh-token grant.
pub async fn token(State(hub): State<Hub>, body: Bytes) -> Response {
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body).into_owned().collect();
    let field = |name: &str| form.get(name).map(String::as_str).unwrap_or("");
    match field("grant_type") {
        "refresh_token" => {}
        "authorization_code" => return oauth_error("BAD_AUTH_CODE", "missing or unknown auth code"),
        _ => return oauth_error("BAD_GRANT_TYPE", "missing or invalid grant type"),
    }
    if field("client_id") != hub.oauth.client_id {
        return oauth_error("BAD_CLIENT_ID", "missing or unknown client id");
    }
    if field("client_secret") != hub.oauth.client_secret {
        return oauth_error("BAD_CLIENT_SECRET", "missing or invalid client secret");
    }
    if field("refresh_token") != hub.oauth.refresh_token {
        return oauth_error("BAD_REFRESH_TOKEN", "missing or invalid refresh token");
    }
    let now = hub.clock.now_ms();
    let (access_token, expires_in) = hub.token_store().issue(now);
    json_response(
        StatusCode::OK,
        &json!({
            "token_type": "bearer",
            "refresh_token": hub.oauth.refresh_token,
            "access_token": access_token,
            "expires_in": expires_in,
        }),
    )
}

/// `GET /oauth/v1/access-tokens/{token}`: what a token is for (portal, app, lifetime).
pub async fn access_token_info(State(hub): State<Hub>, Path(token): Path<String>) -> Response {
    let now = hub.clock.now_ms();
    let remaining = hub.token_store().remaining_secs(&token, now);
    match remaining {
        Some(Some(secs)) if secs <= 0 => oauth_error("BAD_ACCESS_TOKEN", "access token expired"),
        None => oauth_error("BAD_ACCESS_TOKEN", "missing or unknown access token"),
        Some(left) => {
            let world = hub.read();
            json_response(
                StatusCode::OK,
                &json!({
                    "token": token,
                    "user": "integration@closedloop.sim",
                    "hub_domain": format!("portal-{}.sim.hubspot", world.portal_id),
                    "scopes": ["oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.deals.read", "crm.objects.deals.write", "crm.objects.companies.read", "crm.objects.owners.read", "crm.schemas.contacts.write", "content", "forms", "marketing-email"],
                    "hub_id": world.portal_id,
                    "app_id": world.app_id,
                    "expires_in": left.unwrap_or(1800),
                    "user_id": super::state::UI_USER_ID,
                    "token_type": "access",
                }),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_expire_and_refresh() {
        let mut s = TokenStore::new("static", "ui", Some(1800), 0);
        assert_eq!(s.check(Some("Bearer static"), 1_000), Ok(Principal::Integration));
        assert_eq!(s.check(Some("bearer ui"), 1_000), Ok(Principal::User));
        assert_eq!(s.check(None, 0), Err(AuthFailure::Missing));
        assert_eq!(s.check(Some("Basic abc"), 0), Err(AuthFailure::Missing));
        assert_eq!(s.check(Some("Bearer nope"), 0), Err(AuthFailure::Invalid));
        assert_eq!(
            s.check(Some("Bearer static"), 1_800_000 + 60_000),
            Err(AuthFailure::Expired(60_000))
        );
        let (fresh, life) = s.issue(2_000_000);
        assert_eq!(life, 1800);
        assert_eq!(
            s.check(Some(&format!("Bearer {fresh}")), 2_000_001),
            Ok(Principal::Integration)
        );
        s.expire_all(2_000_002);
        assert_eq!(
            s.check(Some(&format!("Bearer {fresh}")), 2_000_003),
            Err(AuthFailure::Expired(1))
        );
        assert_eq!(
            s.check(Some("Bearer ui"), 9_999_999),
            Ok(Principal::User),
            "the UI session lives on"
        );
    }
}
