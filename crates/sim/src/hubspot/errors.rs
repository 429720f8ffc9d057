//! HubSpot's error responses: the JSON body every failure carries, and injected faults in that shape.
//!
//! Holds no state. Every error body has `status: "error"`, `message`, a `correlationId` (a UUID,
//! also sent as `X-HubSpot-Correlation-Id`) and a `category`, plus `errors`/`context` where
//! HubSpot sends them. Messages are HubSpot's own wording where known.

use super::limits::Limited;
use super::schema::PropError;
use crate::faults::FaultKind;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use uuid::Uuid;

/// `X-HubSpot-Correlation-Id`.
pub const CORRELATION_HEADER: &str = "x-hubspot-correlation-id";

/// HubSpot's JSON content type.
pub const JSON_CONTENT_TYPE: &str = "application/json;charset=utf-8";

/// A failed request, rendered as HubSpot renders it.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Fields of the body other than `correlationId`, in order.
    pub body: Map<String, Value>,
    /// Extra response headers.
    pub headers: Vec<(HeaderName, String)>,
}

impl ApiError {
    /// An error with HubSpot's standard body.
    pub fn new(status: StatusCode, category: &str, message: impl Into<String>) -> ApiError {
        let mut body = Map::new();
        body.insert("status".into(), json!("error"));
        body.insert("message".into(), json!(message.into()));
        body.insert("category".into(), json!(category));
        ApiError {
            status,
            body,
            headers: Vec::new(),
        }
    }

    /// 400 `VALIDATION_ERROR`.
    pub fn validation(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, "VALIDATION_ERROR", message)
    }

    /// 404 `OBJECT_NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, "OBJECT_NOT_FOUND", message)
    }

    /// 409 `CONFLICT`.
    pub fn conflict(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::CONFLICT, "CONFLICT", message)
    }

    /// 400 for property values HubSpot refuses: `Property values were not valid: [...]`.
    pub fn invalid_properties(errors: &[PropError], portal_id: u64) -> ApiError {
        let mut e = ApiError::validation(property_errors_message(errors, portal_id));
        e.body
            .insert("errors".into(), Value::Array(errors.iter().map(error_detail).collect()));
        e
    }

    /// Adds `subCategory`.
    pub fn sub_category(mut self, sub: &str) -> ApiError {
        self.body.insert("subCategory".into(), json!(sub));
        self
    }

    /// Adds `context` (values are lists of strings, as HubSpot sends them).
    pub fn context(mut self, key: &str, values: Vec<String>) -> ApiError {
        let ctx = self.body.entry("context").or_insert_with(|| json!({}));
        if let Some(map) = ctx.as_object_mut() {
            map.insert(key.to_owned(), json!(values));
        }
        self
    }

    /// Adds `errors[]` entries.
    pub fn errors(mut self, errors: Vec<Value>) -> ApiError {
        self.body.insert("errors".into(), Value::Array(errors));
        self
    }

    /// 401 when the bearer token is missing or unknown.
    pub fn invalid_authentication() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview",
        )
    }

    /// 401 when the token expired `ago_ms` ago.
    pub fn expired_authentication(ago_ms: i64) -> ApiError {
        let (n, unit) = if ago_ms >= 3_600_000 {
            (ago_ms / 3_600_000, "hour(s)")
        } else if ago_ms >= 60_000 {
            (ago_ms / 60_000, "minute(s)")
        } else {
            (ago_ms.max(0) / 1000, "second(s)")
        };
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "EXPIRED_AUTHENTICATION",
            format!("The OAuth token used to make this call expired {n} {unit} ago."),
        )
    }

    /// 429 with HubSpot's rate-limit body and `Retry-After`.
    pub fn rate_limited(limited: Limited) -> ApiError {
        let mut body = Map::new();
        body.insert("status".into(), json!("error"));
        body.insert("message".into(), json!(limited.policy.message()));
        body.insert("errorType".into(), json!("RATE_LIMIT"));
        body.insert("policyName".into(), json!(limited.policy.name()));
        ApiError {
            status: StatusCode::TOO_MANY_REQUESTS,
            body,
            headers: vec![(header::RETRY_AFTER, limited.retry_after_secs.to_string())],
        }
    }

    /// Renders the error with a fresh correlation id.
    pub fn render(self) -> Response {
        let correlation = Uuid::new_v4().to_string();
        let mut body = Map::new();
        let mut fields = self.body.into_iter();
        // `status` and `message` lead, then the correlation id, then the rest (HubSpot's order).
        for (k, v) in fields.by_ref() {
            let done = k == "message";
            body.insert(k, v);
            if done {
                break;
            }
        }
        body.insert("correlationId".into(), json!(correlation));
        body.extend(fields);
        let mut response = json_response(self.status, &Value::Object(body));
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                response.headers_mut().insert(name, v);
            }
        }
        if let Ok(v) = HeaderValue::from_str(&correlation) {
            response.headers_mut().insert(CORRELATION_HEADER, v);
        }
        response
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.render()
    }
}

/// A JSON response with HubSpot's content type.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let text = serde_json::to_string(body).unwrap_or_else(|_| "{}".to_owned());
    (status, [(header::CONTENT_TYPE, JSON_CONTENT_TYPE)], text).into_response()
}

/// `Property values were not valid: [{"isValid":false,...}]`, HubSpot's message for refused values.
pub fn property_errors_message(errors: &[PropError], portal_id: u64) -> String {
    let items: Vec<Value> = errors
        .iter()
        .map(|e| {
            json!({
                "isValid": false,
                "message": e.message,
                "error": e.code,
                "name": e.name,
                "localizedErrorMessage": e.message,
                "portalId": portal_id,
            })
        })
        .collect();
    format!("Property values were not valid: {}", Value::Array(items))
}

/// One `errors[]` entry for a refused property value.
pub fn error_detail(e: &PropError) -> Value {
    json!({ "message": e.message, "code": e.code, "context": { "propertyName": [e.name] } })
}

/// Renders injected faults as HubSpot's edge would send them.
pub fn render_fault(kind: FaultKind) -> Response {
    match kind {
        FaultKind::TooManyRequests => ApiError::rate_limited(Limited {
            policy: super::limits::Policy::TenSecondlyRolling,
            retry_after_secs: 1,
        })
        .render(),
        FaultKind::InternalError => {
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "internal error").render()
        }
        // HubSpot's CDN answers 502 with an HTML page, not JSON: clients must not assume a body shape.
        FaultKind::BadGateway => (
            StatusCode::BAD_GATEWAY,
            [(header::CONTENT_TYPE, "text/html")],
            "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>",
        )
            .into_response(),
        FaultKind::Unavailable | FaultKind::Timeout | FaultKind::Reset => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "SERVICE_UNAVAILABLE", "Service Unavailable").render()
        }
    }
}
