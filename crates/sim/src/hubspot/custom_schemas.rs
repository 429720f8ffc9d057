//! Custom object schemas: `GET /crm/v3/schemas`.
//!
//! Holds no state. A simulated portal has no custom objects (the scenario format defines none),
//! so the list is empty, in HubSpot's shape: `{"results": []}`. Clients that discover custom
//! objects before syncing (the Singer tap-hubspot does, on every run) read it and move on.

use super::errors::json_response;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

/// `GET /crm/v3/schemas`: the portal's custom object schemas (none).
pub async fn list() -> Response {
    json_response(StatusCode::OK, &json!({"results": []}))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_portal_without_custom_objects_lists_none() {
        let response = list().await;
        assert_eq!(response.status(), StatusCode::OK);
        let body = axum::body::to_bytes(response.into_body(), 1 << 16).await.unwrap();
        let value: serde_json::Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(value, json!({"results": []}));
    }
}
