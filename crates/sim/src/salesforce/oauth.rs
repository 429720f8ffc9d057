//! `POST /services/oauth2/token`: the refresh-token and client-credentials grants.
//!
//! Holds no state of its own; issued tokens go into the shared [`super::sessions::Sessions`].
//! Requests are form-encoded (parameters in the query string are read too, as Salesforce does).
//! Errors use OAuth's shape `{"error", "error_description"}` with Salesforce's codes and texts.
//! The response's `signature` is Salesforce's: base64 HMAC-SHA256 of `id + issued_at` keyed with
//! the consumer secret. Calls here do not count against the API quota.

use super::errors::json_response;
use super::shared::Shared;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;
use base64::Engine;
use hmac::{KeyInit, Mac};
use serde_json::json;
use std::collections::HashMap;
use std::sync::Arc;

/// The base URL clients reach this listener at (`http://127.0.0.1:PORT`), returned as
/// `instance_url`.
#[derive(Debug, Clone)]
pub struct InstanceUrl(pub String);

fn oauth_error(error: &str, description: &str) -> Response {
    json_response(
        StatusCode::BAD_REQUEST,
        &json!({"error": error, "error_description": description}),
    )
}

/// The token endpoint.
pub async fn token(
    State(sim): State<Arc<Shared>>,
    Extension(InstanceUrl(instance_url)): Extension<InstanceUrl>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut params: HashMap<String, String> = HashMap::new();
    params.extend(url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()).into_owned());
    params.extend(url::form_urlencoded::parse(&body).into_owned());
    let settings = &sim.settings;
    let param = |k: &str| params.get(k).map(String::as_str);
    let grant = param("grant_type").unwrap_or("");
    let scope = match grant {
        "refresh_token" => "api refresh_token",
        "client_credentials" => "api",
        _ => return oauth_error("unsupported_grant_type", "grant type not supported"),
    };
    if param("client_id") != Some(settings.client_id.as_str()) {
        return oauth_error("invalid_client_id", "client identifier invalid");
    }
    if param("client_secret") != Some(settings.client_secret.as_str()) {
        return oauth_error("invalid_client", "invalid client credentials");
    }
    if grant == "refresh_token" && param("refresh_token") != Some(settings.refresh_token.as_str()) {
        return oauth_error("invalid_grant", "expired access/refresh token");
    }
    let now = sim.clock.now_ms();
    let (org_id, user) = {
        let org = sim.read();
        (org.org_id.to_string(), org.api_user.to_string())
    };
    let access_token = sim.sessions.issue(&org_id, now);
    let id = format!("{instance_url}/id/{org_id}/{user}");
    let issued_at = now.to_string();
    json_response(
        StatusCode::OK,
        &json!({
            "access_token": access_token,
            "signature": signature(&settings.client_secret, &id, &issued_at),
            "scope": scope,
            "instance_url": instance_url,
            "id": id,
            "token_type": "Bearer",
            "issued_at": issued_at,
        }),
    )
}

/// Base64 HMAC-SHA256 of `id + issued_at`, keyed with the consumer secret.
pub fn signature(secret: &str, id: &str, issued_at: &str) -> String {
    let Ok(mut mac) = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()) else {
        return String::new();
    };
    mac.update(id.as_bytes());
    mac.update(issued_at.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_is_hmac_sha256_base64() {
        // HMAC-SHA256("key", "The quick brown fox jumps over the lazy dog"), a published vector.
        assert_eq!(
            signature("key", "The quick brown fox ", "jumps over the lazy dog"),
            "97yD9DBThCSxMpjmqm+xQ+9NWaFJRhdZl0edvC0aPNg="
        );
    }
}
