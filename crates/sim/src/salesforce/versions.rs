//! `GET /services/data` (the versions served) and `GET /services/data/vNN.0` (its resources).
//!
//! Holds no state. Versions run from 52.0 (Summer '21) to the scenario's `api_version`; release
//! names follow Salesforce's three-a-year cadence.

use super::errors::json_response;
use super::gate::ApiVersion;
use super::shared::Shared;
use axum::Extension;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;

/// The release name of a major version: 52 is Summer '21, then Winter, Spring, Summer...
pub fn release_name(major: u32) -> String {
    let step = major.saturating_sub(52);
    let season = ["Summer", "Winter", "Spring"][(step % 3) as usize];
    format!("{season} '{:02}", 21 + step.div_ceil(3))
}

/// `GET /services/data`.
pub async fn list(State(sim): State<Arc<Shared>>) -> Response {
    let newest = sim
        .settings
        .api_version
        .split('.')
        .next()
        .and_then(|m| m.parse::<u32>().ok())
        .unwrap_or(59)
        .max(52);
    let versions: Vec<serde_json::Value> = (52..=newest)
        .map(
            |m| json!({"label": release_name(m), "url": format!("/services/data/v{m}.0"), "version": format!("{m}.0")}),
        )
        .collect();
    json_response(StatusCode::OK, &json!(versions))
}

/// `GET /services/data/vNN.0`.
pub async fn resources(Extension(ApiVersion(version)): Extension<ApiVersion>) -> Response {
    let base = format!("/services/data/v{version}");
    json_response(
        StatusCode::OK,
        &json!({
            "sobjects": format!("{base}/sobjects"),
            "query": format!("{base}/query"),
            "queryAll": format!("{base}/queryAll"),
            "limits": format!("{base}/limits"),
            "composite": format!("{base}/composite"),
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn release_names_follow_the_cadence() {
        assert_eq!(release_name(52), "Summer '21");
        assert_eq!(release_name(53), "Winter '22");
        assert_eq!(release_name(54), "Spring '22");
        assert_eq!(release_name(59), "Winter '24");
        assert_eq!(release_name(60), "Spring '24");
    }
}
