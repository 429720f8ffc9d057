//! The router: every vendor path, the layers on them, and the admin routes beside them.
//!
//! Holds no state. Vendor routes pass the fault layer (outermost) and then, except the OAuth
//! token endpoint and the public form-submission endpoint, the gate (auth and limits). Paths
//! HubSpot serves with a trailing slash (owners, events, marketing events, forms, campaigns)
//! are served both ways. `/__sim/` routes are merged in without either layer.

use super::state::Hub;
use super::{
    admin, associations, auth, batch, campaigns, custom_schemas, email_events, errors, events, forms, gate,
    marketing_events, objects, owners, pipelines, properties, search,
};
use crate::faults::{admin_routes, fault_layer};
use axum::Router;
use axum::extract::{Path, State};
use axum::middleware::{from_fn_with_state, map_response};
use axum::response::Response;
use axum::routing::{MethodRouter, get, post, put};

/// Registers a route under its path and the same path with a trailing slash.
fn both(router: Router<Hub>, path: &str, method: MethodRouter<Hub>) -> Router<Hub> {
    router.route(path, method.clone()).route(&format!("{path}/"), method)
}

async fn associate_default(
    state: State<Hub>,
    ctx: super::request::Ctx,
    Path((from, to)): Path<(String, String)>,
    body: axum::body::Bytes,
) -> Result<Response, errors::ApiError> {
    associations::batch(state, ctx, Path((from, to, "associate".to_owned())), body).await
}

/// Unknown paths answer as HubSpot's edge does: a JSON 404.
async fn not_found() -> Response {
    errors::ApiError::not_found("resource not found").render()
}

/// Every vendor route that needs a token.
fn authenticated() -> Router<Hub> {
    let mut r = Router::new()
        .route(
            "/crm/v3/objects/{object_type}",
            get(objects::list).post(objects::create),
        )
        .route("/crm/v3/objects/{object_type}/search", post(search::search))
        .route("/crm/v3/objects/{object_type}/merge", post(objects::merge))
        .route("/crm/v3/objects/{object_type}/batch/{action}", post(batch::batch))
        .route(
            "/crm/v3/objects/{object_type}/{object_id}",
            get(objects::get_one).patch(objects::update).delete(objects::archive),
        )
        .route(
            "/crm/v3/properties/{object_type}",
            get(properties::list).post(properties::create),
        )
        .route(
            "/crm/v3/properties/{object_type}/groups",
            get(properties::list_groups).post(properties::create_group),
        )
        .route(
            "/crm/v3/properties/{object_type}/groups/{group_name}",
            get(properties::get_group).delete(properties::archive_group),
        )
        .route(
            "/crm/v3/properties/{object_type}/batch/{action}",
            post(properties::batch),
        )
        .route(
            "/crm/v3/properties/{object_type}/{name}",
            get(properties::get_one)
                .patch(properties::update)
                .delete(properties::archive),
        )
        .route("/crm/v3/pipelines/{object_type}", get(pipelines::list))
        .route("/crm/v3/pipelines/{object_type}/{pipeline_id}", get(pipelines::get_one))
        .route(
            "/crm/v3/pipelines/{object_type}/{pipeline_id}/stages",
            get(pipelines::stages),
        )
        .route(
            "/crm/v3/pipelines/{object_type}/{pipeline_id}/stages/{stage_id}",
            get(pipelines::stage),
        )
        .route("/crm/v3/owners/{owner_id}", get(owners::get_one))
        .route("/crm/v4/objects/{from}/{id}/associations/{to}", get(associations::list))
        .route(
            "/crm/v4/objects/{from}/{id}/associations/{to}/{to_id}",
            put(associations::put).delete(associations::delete),
        )
        .route(
            "/crm/v4/objects/{from}/{id}/associations/default/{to}/{to_id}",
            put(associations::put_default),
        )
        .route(
            "/crm/v4/associations/{from}/{to}/batch/associate/default",
            post(associate_default),
        )
        .route(
            "/crm/v4/associations/{from}/{to}/batch/{action}",
            post(associations::batch),
        )
        .route("/events/v3/events/event-types", get(events::event_types))
        .route(
            "/marketing/v3/marketing-events/{object_id}",
            get(marketing_events::get_one),
        )
        .route(
            "/marketing/v3/marketing-events/participations/{event_id}",
            get(marketing_events::counters),
        )
        .route(
            "/marketing/v3/marketing-events/participations/{event_id}/breakdown",
            get(marketing_events::breakdown),
        )
        // Same position, same parameter name: matchit requires it. Here `event_id` is the
        // external account id.
        .route(
            "/marketing/v3/marketing-events/participations/{event_id}/{external_event_id}",
            get(marketing_events::counters_external),
        )
        .route(
            "/marketing/v3/marketing-events/participations/{event_id}/{external_event_id}/breakdown",
            get(marketing_events::breakdown_external),
        )
        .route(
            "/marketing/v3/marketing-events/participations/contacts/{contact}/breakdown",
            get(marketing_events::contact_breakdown),
        )
        .route(
            "/marketing/v3/marketing-events/{object_id}/attendance/{state}/{action}",
            post(marketing_events::attendance_by_object),
        )
        .route(
            "/marketing/v3/marketing-events/attendance/{external_id}/{state}/{action}",
            post(marketing_events::attendance_by_external),
        )
        .route("/marketing/v3/forms/{form_id}", get(forms::get_one))
        .route(
            "/form-integrations/v1/submissions/forms/{form_guid}",
            get(forms::submissions),
        )
        .route("/marketing/v3/campaigns/{guid}", get(campaigns::get_one))
        .route(
            "/marketing/v3/campaigns/{guid}/assets/{asset_type}",
            get(campaigns::assets),
        )
        .route("/email/public/v1/events", get(email_events::list))
        .route("/email/public/v1/campaigns/by-id", get(email_events::campaigns))
        .route("/email/public/v1/campaigns/{campaign_id}", get(email_events::campaign));
    r = both(r, "/crm/v3/owners", get(owners::list));
    r = both(r, "/crm/v3/schemas", get(custom_schemas::list));
    r = both(r, "/events/v3/events", get(events::list));
    r = both(r, "/marketing/v3/marketing-events", get(marketing_events::list));
    r = both(r, "/marketing/v3/forms", get(forms::list));
    r = both(r, "/marketing/v3/campaigns", get(campaigns::list));
    r
}

/// Vendor routes that take no bearer token.
fn public() -> Router<Hub> {
    Router::new()
        .route("/oauth/v1/token", post(auth::token))
        .route("/oauth/v1/access-tokens/{token}", get(auth::access_token_info))
        .route(
            "/submissions/v3/integration/submit/{portal_id}/{form_guid}",
            post(forms::submit),
        )
}

/// The whole application.
pub fn app(hub: Hub) -> Router {
    let faults = hub.faults.clone();
    let vendor = authenticated()
        .route_layer(from_fn_with_state(hub.clone(), gate::gate))
        .merge(public())
        .route_layer(from_fn_with_state(faults.clone(), fault_layer))
        .fallback(not_found)
        .with_state(hub.clone());
    // Unused verbs on known paths answer 405 with HubSpot's JSON shape rather than an empty body.
    let vendor = vendor.layer(map_response(|r: Response| async move {
        if r.status() == axum::http::StatusCode::METHOD_NOT_ALLOWED
            && r.headers().get(axum::http::header::CONTENT_TYPE).is_none()
        {
            return errors::ApiError::new(
                axum::http::StatusCode::METHOD_NOT_ALLOWED,
                "VALIDATION_ERROR",
                "Method not allowed",
            )
            .render();
        }
        r
    }));
    admin_routes(faults).merge(admin::routes(hub)).merge(vendor)
}
