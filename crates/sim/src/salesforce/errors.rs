//! Errors in Salesforce's shapes, and the simulator's own start-up errors.
//!
//! Holds no state. REST errors are JSON arrays `[{"message", "errorCode", "fields"?}]`; per-record
//! results of collections use `statusCode` instead of `errorCode` (see [`RecordError`]). Injected
//! faults are rendered the way Salesforce's edge would send them: throttling is Salesforce's
//! concurrent-request limit (403 `REQUEST_LIMIT_EXCEEDED`, "ConcurrentPerOrgLongTxn"), 500 is an
//! `UNKNOWN_EXCEPTION` with an error id, 502 is an HTML page from the load balancer, 503 is
//! `SERVER_UNAVAILABLE`.

use crate::faults::FaultKind;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;
use std::net::SocketAddr;

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    /// A listener could not be bound.
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The scenario cannot be turned into a Salesforce org.
    #[error("invalid salesforce scenario: {0}")]
    Scenario(String),
    /// The TLS certificate could not be made or written.
    #[error("cannot set up tls: {0}")]
    Tls(String),
}

/// One record's failure in a write.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordError {
    /// Salesforce's status code (`REQUIRED_FIELD_MISSING`).
    pub code: &'static str,
    /// The message.
    pub message: String,
    /// The fields concerned.
    pub fields: Vec<String>,
    /// Set when the failure is a value Salesforce's JSON deserializer rejects: single-record
    /// endpoints then fail the whole request with `JSON_PARSER_ERROR` and this message.
    pub parse_error: Option<String>,
}

impl RecordError {
    /// An error with fields.
    pub fn new(code: &'static str, message: impl Into<String>, fields: Vec<String>) -> RecordError {
        RecordError {
            code,
            message: message.into(),
            fields,
            parse_error: None,
        }
    }

    /// The collection-result shape: `{statusCode, message, fields}`.
    pub fn to_result_json(&self) -> serde_json::Value {
        json!({"statusCode": self.code, "message": self.message, "fields": self.fields})
    }
}

/// An error response of the REST API.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// `errorCode`.
    pub code: String,
    /// `message`.
    pub message: String,
    /// `fields`, shown when present.
    pub fields: Option<Vec<String>>,
}

impl ApiError {
    /// An error without fields.
    pub fn new(status: StatusCode, code: &str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code: code.to_owned(),
            message: message.into(),
            fields: None,
        }
    }

    /// 400 with a code.
    pub fn bad_request(code: &str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found() -> ApiError {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The requested resource does not exist",
        )
    }

    /// 401 `INVALID_SESSION_ID`.
    pub fn invalid_session() -> ApiError {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "INVALID_SESSION_ID",
            "Session expired or invalid",
        )
    }

    /// 400 `JSON_PARSER_ERROR`.
    pub fn json_parser(message: impl Into<String>) -> ApiError {
        ApiError::bad_request("JSON_PARSER_ERROR", message)
    }

    /// Adds `fields`.
    pub fn with_fields(mut self, fields: Vec<String>) -> ApiError {
        self.fields = Some(fields);
        self
    }

    /// A single-record write failure: 400 with the record's error, or `JSON_PARSER_ERROR`.
    pub fn from_record(error: RecordError) -> ApiError {
        match error.parse_error {
            Some(message) => ApiError::json_parser(message),
            None => ApiError::bad_request(error.code, error.message).with_fields(error.fields),
        }
    }

    /// The JSON body.
    pub fn body(&self) -> serde_json::Value {
        let mut entry = json!({"message": self.message, "errorCode": self.code});
        if let (Some(fields), Some(obj)) = (&self.fields, entry.as_object_mut()) {
            obj.insert("fields".into(), json!(fields));
        }
        json!([entry])
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        json_response(self.status, &self.body())
    }
}

/// A JSON response with Salesforce's content type.
pub fn json_response(status: StatusCode, body: &serde_json::Value) -> Response {
    raw_json_response(status, body.to_string())
}

/// A response from already-serialized JSON.
pub fn raw_json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json;charset=UTF-8"),
    );
    response
}

/// Renders an injected fault as Salesforce would send it.
pub fn render_fault(kind: FaultKind) -> Response {
    match kind {
        FaultKind::TooManyRequests => ApiError::new(
            StatusCode::FORBIDDEN,
            "REQUEST_LIMIT_EXCEEDED",
            "ConcurrentPerOrgLongTxn Limit exceeded.",
        )
        .into_response(),
        FaultKind::InternalError => ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN_EXCEPTION",
            "An unexpected error occurred. Please include this ErrorId if you contact support: 1841204347-31062 (-1421418403)",
        )
        .into_response(),
        FaultKind::BadGateway => {
            let mut response = (
                StatusCode::BAD_GATEWAY,
                "<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1></body></html>",
            )
                .into_response();
            response.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            response
        }
        FaultKind::Unavailable | FaultKind::Timeout | FaultKind::Reset => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "SERVER_UNAVAILABLE", "Server temporarily unavailable").into_response()
        }
    }
}
