//! Forms: definitions (`/marketing/v3/forms`), legacy submissions
//! (`/form-integrations/v1/submissions/forms/{guid}`, newest first, epoch ms, at most 50 a page)
//! and the public submit endpoint (`/submissions/v3/integration/submit/{portal}/{guid}`), which
//! records a submission at run time as a visitor filling in the form would.
//!
//! Holds no state; reads and changes the world's [`Form`]s. A submission at run time creates or
//! updates the contact by email (values recorded as `FORM`), appends an `e_submitted_form` event,
//! and moves the contact's conversion properties, exactly what a sync must then pick up.

use super::content::{Form, Submission};
use super::errors::{ApiError, json_response};
use super::ids::{decode_number_cursor, encode_cursor, stable_uuid_n};
use super::record::{Author, ObjectKind, SourceType};
use super::render::{collection, paging};
use super::request::{Ctx, JsonBody, Params};
use super::state::{Hub, World};
use super::timefmt::iso;
use super::timeline::{NONE, WebEvent, WebEventKind};
use super::writes::{self, Changes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::sync::Arc;

/// Largest page of definitions.
pub const FORMS_MAX: usize = 50;
/// Largest page of submissions.
pub const SUBMISSIONS_MAX: usize = 50;

/// The contact fields every simulated form asks for.
pub const FORM_FIELDS: [(&str, &str); 5] = [
    ("email", "Email"),
    ("firstname", "First name"),
    ("lastname", "Last name"),
    ("company", "Company name"),
    ("country", "Country/Region"),
];

fn render_field(name: &str, label: &str) -> Value {
    let mut f = json!({
        "objectTypeId": "0-1",
        "name": name,
        "label": label,
        "required": name == "email",
        "hidden": false,
        "fieldType": if name == "email" { "email" } else { "single_line_text" },
        "dependentFields": [],
    });
    if name == "email"
        && let Some(map) = f.as_object_mut()
    {
        map.insert(
            "validation".into(),
            json!({ "blockedEmailDomains": [], "useDefaultBlockList": false }),
        );
    }
    f
}

fn render_form(f: &Form) -> Value {
    let style = json!({
        "fontFamily": "arial, helvetica, sans-serif",
        "backgroundWidth": "100%",
        "labelTextColor": "#33475b",
        "labelTextSize": "14px",
        "helpTextColor": "#7C98B6",
        "helpTextSize": "11px",
        "legalConsentTextColor": "#33475b",
        "legalConsentTextSize": "14px",
        "submitColor": "#ff7a59",
        "submitAlignment": "left",
        "submitFontColor": "#ffffff",
        "submitSize": "12px",
    });
    json!({
        "id": f.guid.to_string(),
        "name": f.name,
        "formType": "hubspot",
        "createdAt": iso(f.created_ms),
        "updatedAt": iso(f.updated_ms),
        "archived": false,
        "fieldGroups": FORM_FIELDS.iter().map(|(n, l)| json!({ "groupType": "default_group", "richTextType": "text", "fields": [render_field(n, l)] })).collect::<Vec<_>>(),
        "configuration": {
            "language": "en",
            "cloneable": true,
            "postSubmitAction": { "type": "thank_you", "value": "Thanks for submitting the form." },
            "editable": true,
            "archivable": true,
            "recaptchaEnabled": false,
            "notifyContactOwner": false,
            "notifyRecipients": [],
            "createNewContactForNewEmail": false,
            "prePopulateKnownValues": true,
            "allowLinkToResetKnownValues": false,
            "lifecycleStages": [],
        },
        "displayOptions": { "renderRawHtml": false, "theme": "default_style", "submitButtonText": "Submit", "style": style },
        "legalConsentOptions": { "type": "none" },
    })
}

fn form_not_found(id: &str) -> ApiError {
    ApiError::not_found(format!("Form {id} was not found")).context("formId", vec![id.to_owned()])
}

fn find_form(world: &World, id: &str) -> Option<usize> {
    world
        .forms
        .iter()
        .position(|f| f.guid.to_string().eq_ignore_ascii_case(id.trim()))
}

/// `GET /marketing/v3/forms`.
pub async fn list(State(hub): State<Hub>, ctx: Ctx, params: Params) -> Result<Response, ApiError> {
    let limit = params.limit(20, FORMS_MAX)?;
    if params.flag("archived", false)? {
        return Ok(json_response(StatusCode::OK, &collection(Vec::new(), None, &[])));
    }
    let from = match params.get("after") {
        None => 0,
        Some(a) => {
            decode_number_cursor(a).ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))? as usize
        }
    };
    let world = hub.read();
    let page: Vec<Value> = world.forms.iter().skip(from).take(limit).map(render_form).collect();
    let next = (world.forms.len() > from + limit).then(|| encode_cursor(&(from + limit).to_string()));
    Ok(json_response(
        StatusCode::OK,
        &collection(page, paging(&ctx.origin, &params, next), &[]),
    ))
}

/// `GET /marketing/v3/forms/{formId}`.
pub async fn get_one(State(hub): State<Hub>, Path(id): Path<String>) -> Result<Response, ApiError> {
    let world = hub.read();
    let i = find_form(&world, &id).ok_or_else(|| form_not_found(&id))?;
    Ok(json_response(StatusCode::OK, &render_form(&world.forms[i])))
}

/// The `conversionId` of a submission.
pub fn conversion_id(seq: u64) -> String {
    stable_uuid_n("form-submission", seq).to_string()
}

fn render_submission(s: &Submission) -> Value {
    let values: Vec<Value> = s
        .values
        .iter()
        .map(|(n, v)| json!({ "name": n, "value": v, "objectTypeId": "0-1" }))
        .collect();
    json!({ "conversionId": conversion_id(s.seq), "submittedAt": s.at_ms, "values": values, "pageUrl": &*s.page_url })
}

/// `GET /form-integrations/v1/submissions/forms/{formGuid}`: newest first.
pub async fn submissions(
    State(hub): State<Hub>,
    ctx: Ctx,
    Path(id): Path<String>,
    params: Params,
) -> Result<Response, ApiError> {
    let limit = params.limit(20, SUBMISSIONS_MAX)?;
    let world = hub.read();
    let i = find_form(&world, &id).ok_or_else(|| form_not_found(&id))?;
    let subs = &world.forms[i].submissions;
    // The cursor is the count of submissions older than the next one to return: stable while
    // newer submissions arrive at the end.
    let end = match params.get("after") {
        None => subs.len(),
        Some(a) => (decode_number_cursor(a)
            .ok_or_else(|| ApiError::validation(format!("Invalid paging cursor: {a}")))? as usize)
            .min(subs.len()),
    };
    let start = end.saturating_sub(limit);
    let results: Vec<Value> = subs[start..end].iter().rev().map(render_submission).collect();
    let next = (start > 0).then(|| encode_cursor(&start.to_string()));
    Ok(json_response(
        StatusCode::OK,
        &collection(results, paging(&ctx.origin, &params, next), &[]),
    ))
}

/// A submitted field.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitField {
    /// `0-1` for contact fields.
    #[serde(default)]
    pub object_type_id: Option<String>,
    /// Field name.
    pub name: String,
    /// Value.
    pub value: String,
}

/// Where the form was submitted.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitContext {
    /// Page URL.
    #[serde(default)]
    pub page_uri: Option<String>,
    /// Page title.
    #[serde(default)]
    pub page_name: Option<String>,
    /// Tracking cookie.
    #[serde(default)]
    pub hutk: Option<String>,
}

/// The submit body.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubmitBody {
    /// Fields.
    pub fields: Vec<SubmitField>,
    /// Context.
    #[serde(default)]
    pub context: Option<SubmitContext>,
    /// When (epoch ms); now when absent.
    #[serde(default)]
    pub submitted_at: Option<i64>,
}

fn submit_error(message: String, error_type: &str) -> ApiError {
    let mut e = ApiError::validation("The request is not valid");
    e.body.insert(
        "errors".into(),
        json!([{ "message": message, "errorType": error_type }]),
    );
    e
}

/// Records a submission of form `form` by the contact with these fields at `at_ms`.
pub fn record_submission(
    world: &mut World,
    form: usize,
    fields: &[(String, String)],
    page_url: &str,
    at_ms: i64,
    now: i64,
    lag: i64,
) -> Result<u64, ApiError> {
    let email = fields
        .iter()
        .find(|(n, _)| n == "email")
        .map(|(_, v)| v.clone())
        .filter(|v| !v.is_empty());
    let Some(email) = email else {
        return Err(submit_error(
            "Error in 'fields.email'. Required field 'email' is missing".into(),
            "REQUIRED_FIELD",
        ));
    };
    let mut props = Map::new();
    for (n, v) in fields {
        props.insert(n.clone(), json!(v));
    }
    let mut changes: Changes = writes::validate(world, ObjectKind::Contact, &props).map_err(|e| {
        let first = e
            .first()
            .map(|p| format!("Error in 'fields.{}'. {}", p.name, p.message))
            .unwrap_or_default();
        submit_error(first, "INVALID_FIELD")
    })?;
    let schema = &world.contact_schema;
    let form_name = world.forms[form].name.clone();
    let existing = world
        .contacts
        .find_unique(&email)
        .and_then(|n| world.contacts.resolve(n));
    let count_prop = schema.builtin_id("num_conversion_events");
    let count = existing
        .and_then(|c| world.contacts.get(c))
        .and_then(|r| r.value(count_prop))
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(0);
    changes.push((schema.builtin_id("recent_conversion_event_name"), form_name.clone()));
    changes.push((schema.builtin_id("recent_conversion_date"), iso(at_ms)));
    changes.push((count_prop, (count + 1).to_string()));
    let first_set = existing
        .and_then(|c| world.contacts.get(c))
        .and_then(|r| r.value(schema.builtin_id("first_conversion_event_name")))
        .is_some();
    if !first_set {
        changes.push((schema.builtin_id("first_conversion_event_name"), form_name));
        changes.push((schema.builtin_id("first_conversion_date"), iso(at_ms)));
    }
    let author = Author::system(SourceType::Form);
    let contact = match existing {
        Some(c) => {
            writes::update(world, ObjectKind::Contact, c, &changes, author, now, lag);
            c
        }
        None => {
            changes.push((world.contact_schema.builtin_id("lifecyclestage"), "lead".to_owned()));
            writes::create(world, ObjectKind::Contact, &changes, author, now, lag)
        }
    };
    let values: Arc<[(Box<str>, Box<str>)]> = fields
        .iter()
        .map(|(n, v)| (n.as_str().into(), v.as_str().into()))
        .collect();
    let seq = world.next_submission_seq;
    world.next_submission_seq += 1;
    let campaign = world.forms[form].campaign.map_or(NONE, |c| c as u32);
    let title = world.forms[form].name.clone();
    let page = world
        .web
        .page(page_url, Some(&title), Some(&world.forms[form].key.clone()));
    world.forms[form].submissions.push(Submission {
        at_ms,
        contact_id: contact,
        values,
        page_url: page_url.into(),
        seq,
    });
    world.forms[form].submissions.sort_by_key(|s| (s.at_ms, s.seq));
    world.web.push(WebEvent {
        object_id: contact,
        at_ms,
        kind: WebEventKind::SubmittedForm,
        page,
        campaign,
        form: form as u32,
    });
    Ok(contact)
}

/// `POST /submissions/v3/integration/submit/{portalId}/{formGuid}` (no authentication, as HubSpot's).
pub async fn submit(
    State(hub): State<Hub>,
    Path((portal, id)): Path<(String, String)>,
    JsonBody(body): JsonBody<SubmitBody>,
) -> Result<Response, ApiError> {
    let now = hub.clock.now_ms();
    let lag = hub.edges().lag();
    let mut world = hub.write();
    if portal.trim() != world.portal_id.to_string() {
        return Err(ApiError::not_found(format!("Portal {portal} was not found")));
    }
    let i = find_form(&world, &id).ok_or_else(|| form_not_found(&id))?;
    let fields: Vec<(String, String)> = body
        .fields
        .iter()
        .filter(|f| f.object_type_id.as_deref().is_none_or(|t| t == "0-1"))
        .map(|f| (f.name.clone(), f.value.clone()))
        .collect();
    let ctx = body.context.unwrap_or_default();
    let url = ctx
        .page_uri
        .or_else(|| world.forms[i].url.clone())
        .unwrap_or_else(|| format!("https://www.example.com/forms/{}", world.forms[i].key));
    record_submission(&mut world, i, &fields, &url, body.submitted_at.unwrap_or(now), now, lag)?;
    Ok(json_response(
        StatusCode::OK,
        &json!({ "inlineMessage": "Thanks for submitting the form." }),
    ))
}
