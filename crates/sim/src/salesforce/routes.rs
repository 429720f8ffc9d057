//! The HTTP surface: every route, its middleware, and path normalization.
//!
//! Holds no state. Layering, outermost first: trailing-slash normalization (clients such as
//! simple-salesforce call `query/` and `sobjects/Lead/`), the fault layer on vendor routes, then
//! the API gate (version, session, quota, `Sforce-Limit-Info`) on `/services/data/vNN.0/...`.
//! `/services/data` and the OAuth token endpoint need no session; `/__sim/` admin routes have no
//! layer at all. Unknown paths get Salesforce's 404 `NOT_FOUND` body.

use super::admin::{self, SalesforceAdmin};
use super::errors::ApiError;
use super::oauth::{self, InstanceUrl};
use super::shared::Shared;
use super::{collections, describe, gate, limits, query, replication, sobjects, versions};
use crate::faults::{self, fault_layer};
use axum::http::Request;
use axum::http::{Method, StatusCode, Uri};
use axum::middleware::from_fn_with_state;
use axum::routing::{get, patch, post};
use axum::{Extension, Router};
use std::sync::Arc;

/// The application for one listener; `instance_url` is what OAuth hands out as `instance_url`.
pub fn app(shared: Arc<Shared>, admin: SalesforceAdmin, instance_url: String) -> Router {
    const V: &str = "/services/data/{version}";
    let api = Router::new()
        .route(V, get(versions::resources))
        .route(&format!("{V}/limits"), get(limits::limits))
        .route(&format!("{V}/query"), get(query::query))
        .route(&format!("{V}/query/{{locator}}"), get(query::more))
        .route(&format!("{V}/queryAll"), get(query::query_all))
        .route(&format!("{V}/queryAll/{{locator}}"), get(query::more))
        .route(&format!("{V}/sobjects"), get(describe::list))
        .route(
            &format!("{V}/sobjects/{{object}}"),
            get(describe::basic).post(sobjects::create),
        )
        .route(&format!("{V}/sobjects/{{object}}/describe"), get(describe::describe))
        .route(&format!("{V}/sobjects/{{object}}/deleted"), get(replication::deleted))
        .route(&format!("{V}/sobjects/{{object}}/updated"), get(replication::updated))
        .route(
            &format!("{V}/sobjects/{{object}}/{{id}}"),
            get(sobjects::get).patch(sobjects::update).delete(sobjects::delete),
        )
        .route(
            &format!("{V}/sobjects/{{object}}/{{field}}/{{value}}"),
            get(sobjects::get_by_key).patch(sobjects::upsert_by_key),
        )
        .route(
            &format!("{V}/composite/sobjects"),
            post(collections::create)
                .patch(collections::update)
                .delete(collections::delete),
        )
        .route(
            &format!("{V}/composite/sobjects/{{object}}"),
            get(collections::retrieve),
        )
        .route(
            &format!("{V}/composite/sobjects/{{object}}/{{field}}"),
            patch(collections::upsert),
        )
        .route_layer(from_fn_with_state(Arc::clone(&shared), gate::api_gate));
    let open = Router::new()
        .route("/services/data", get(versions::list))
        .route("/services/oauth2/token", post(oauth::token));
    api.merge(open)
        .with_state(Arc::clone(&shared))
        .route_layer(from_fn_with_state(shared.faults.clone(), fault_layer))
        .merge(faults::admin_routes(shared.faults.clone()))
        .merge(admin::routes(admin))
        .fallback(|| async { ApiError::not_found() })
        .method_not_allowed_fallback(|method: Method| async move {
            ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "METHOD_NOT_ALLOWED",
                format!("HTTP Method '{method}' not allowed."),
            )
        })
        .layer(Extension(InstanceUrl(instance_url)))
}

/// Drops a trailing slash before routing (`/query/` → `/query`).
pub fn trim_trailing_slash<B>(mut request: Request<B>) -> Request<B> {
    let path = request.uri().path();
    if path.len() > 1 && path.ends_with('/') {
        let trimmed = path.trim_end_matches('/');
        let new = match request.uri().query() {
            Some(q) => format!("{trimmed}?{q}"),
            None => trimmed.to_owned(),
        };
        if let Ok(uri) = new.parse::<Uri>() {
            *request.uri_mut() = uri;
        }
    }
    request
}
