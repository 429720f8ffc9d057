//! What handlers get from a request: its context, its query parameters, its JSON body.
//!
//! Holds no state. [`Ctx`] is put into the request by the gate (`gate.rs`) after authentication:
//! who is calling, the simulated time, the origin for paging links. [`Params`] reads query
//! strings the way HubSpot does (arrays either repeated or comma-separated). [`JsonBody`] parses
//! JSON and answers malformed input with HubSpot's 400 instead of axum's plain-text rejection.

use super::auth::Principal;
use super::clock::Millis;
use super::errors::ApiError;
use super::record::Author;
use axum::body::Bytes;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;

/// The authenticated context of one request.
#[derive(Debug, Clone)]
pub struct Ctx {
    /// Who is calling.
    pub principal: Principal,
    /// Who writes are recorded as.
    pub author: Author,
    /// The simulated time of the request.
    pub now_ms: Millis,
    /// `http://host:port`, for `paging.next.link`.
    pub origin: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Ctx {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Ctx, ApiError> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or_else(ApiError::invalid_authentication)
    }
}

/// Query parameters in order, decoded.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
    /// The path the request was made to (for paging links).
    pub path: String,
}

impl<S: Send + Sync> FromRequestParts<S> for Params {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Params, ApiError> {
        Ok(Params::parse(parts.uri.path(), parts.uri.query().unwrap_or("")))
    }
}

impl Params {
    /// Parses a query string.
    pub fn parse(path: &str, query: &str) -> Params {
        Params {
            pairs: url::form_urlencoded::parse(query.as_bytes()).into_owned().collect(),
            path: path.to_owned(),
        }
    }

    /// The first value of a parameter.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// Every value of an array parameter, repeated or comma-separated, empty ones dropped.
    pub fn list(&self, name: &str) -> Vec<String> {
        self.pairs
            .iter()
            .filter(|(k, _)| k == name)
            .flat_map(|(_, v)| v.split(','))
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(str::to_owned)
            .collect()
    }

    /// Every parameter whose name starts with `prefix`, with the rest of the name.
    pub fn prefixed<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.pairs
            .iter()
            .filter_map(move |(k, v)| k.strip_prefix(prefix).map(|rest| (rest, v.as_str())))
    }

    /// A boolean parameter (`true`/`false`), `default` when absent.
    pub fn flag(&self, name: &str, default: bool) -> Result<bool, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "true" => Ok(true),
                "false" => Ok(false),
                _ => Err(ApiError::validation(format!(
                    "Invalid value for query parameter {name}: {v} is not a boolean"
                ))),
            },
        }
    }

    /// `limit`: `default` when absent; 400 when not a number, below 1 or above `max`.
    pub fn limit(&self, default: usize, max: usize) -> Result<usize, ApiError> {
        self.bounded("limit", default, max)
    }

    /// A positive integer parameter bounded by `max`.
    pub fn bounded(&self, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => match v.trim().parse::<usize>() {
                Ok(n) if n >= 1 && n <= max => Ok(n),
                Ok(n) if n > max => Err(ApiError::validation(format!(
                    "{name} must be less than or equal to {max}, got {n}"
                ))
                .context(name, vec![v.to_owned()])),
                _ => Err(
                    ApiError::validation(format!("Invalid value for query parameter {name}: {v}"))
                        .context(name, vec![v.to_owned()]),
                ),
            },
        }
    }

    /// The query string with `after` replaced by `after` (for `paging.next.link`).
    pub fn with_after(&self, after: &str) -> String {
        let mut out = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in &self.pairs {
            if k != "after" {
                out.append_pair(k, v);
            }
        }
        out.append_pair("after", after);
        out.finish()
    }
}

/// A JSON request body, refused with HubSpot's 400 when malformed.
#[derive(Debug)]
pub struct JsonBody<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<JsonBody<T>, ApiError> {
        let bytes = Bytes::from_request(req, state)
            .await
            .map_err(|e| ApiError::validation(format!("Unable to read the request body: {e}")))?;
        parse_json(&bytes).map(JsonBody)
    }
}

/// Parses JSON with HubSpot's error for malformed input.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::validation("Invalid input JSON: the request body is empty"));
    }
    let de = &mut serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let inner = e.inner();
        let at = e.path().to_string();
        let message = if at == "." || at.is_empty() {
            format!(
                "Invalid input JSON on line {}, column {}: {inner}",
                inner.line(),
                inner.column()
            )
        } else {
            format!(
                "Invalid input JSON on line {}, column {}: {inner} (at {at})",
                inner.line(),
                inner.column()
            )
        };
        ApiError::validation(message)
    })
}
