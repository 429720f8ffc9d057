//! Engagement into touchpoints: form submissions, webinar participations, page views and CTA
//! clicks, email clicks and opens.
//!
//! Holds no state. Every touchpoint is keyed by HubSpot's own id of the event (`conversionId`,
//! participation id, Events API id, email event id), so reading it again stores nothing new. A
//! participation gives up to two touchpoints: the registration (`<id>:registration`, at
//! `createdAt`) and the attendance (`<id>:attendance`, at `occurredAt`, with minutes and share
//! watched). Campaigns and content come from the campaign index the streams keep.

use super::{Reject, clip, from_millis, not_future, parse_time};
use crate::wire::{self, id_text};
use closedloop_core::catalog::ContentKind;
use closedloop_core::ids::{ExternalId, HubSpotId};
use closedloop_core::system::{ObjectType, System};
use closedloop_core::touchpoint::{Channel, ContentKey, Depth, Percent, Touchpoint, TouchpointKind};
use closedloop_core::{Email, Timestamp};
use serde_json::Value;

/// The longest detail kept on a touchpoint (a URL, a name).
const DETAIL_CHARS: usize = 500;

fn detail(text: Option<&str>) -> Option<String> {
    text.map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| t.chars().take(DETAIL_CHARS).collect())
}

/// A campaign's key.
pub fn campaign_key(guid: &str) -> Option<ExternalId> {
    ExternalId::new(System::HubSpot, ObjectType::Campaign, guid).ok()
}

/// The content key of a form.
pub fn form_content(guid: &str) -> ContentKey {
    ContentKey::new(System::HubSpot, "form", guid)
}

/// The content key of a marketing event.
pub fn event_content(id: &str) -> ContentKey {
    ContentKey::new(System::HubSpot, "event", id)
}

/// The content key of a marketing email.
pub fn email_content(id: &str) -> ContentKey {
    ContentKey::new(System::HubSpot, "email", id)
}

/// The content key of a landing page: its URL without query or fragment.
pub fn page_content(url: &str) -> ContentKey {
    let bare = url.split(['?', '#']).next().unwrap_or(url);
    ContentKey::new(System::HubSpot, "page", bare)
}

/// What a form gates: the configured kind, else one read from its name, else a plain form.
pub fn form_kind(guid: &str, name: &str, configured: &std::collections::BTreeMap<String, ContentKind>) -> ContentKind {
    if let Some(kind) = configured.get(guid).or_else(|| configured.get(name)) {
        return *kind;
    }
    let lower = name.to_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(&["whitepaper", "white paper", "report"]) {
        ContentKind::Whitepaper
    } else if has(&["e-book", "ebook", "guide", "playbook"]) {
        ContentKind::Ebook
    } else if has(&["case study", "customer story"]) {
        ContentKind::CaseStudy
    } else if has(&["demo", "trial"]) {
        ContentKind::Demo
    } else {
        ContentKind::Form
    }
}

/// A form as the submissions stream sees it.
#[derive(Debug, Clone)]
pub struct FormContext {
    /// The form's GUID.
    pub guid: String,
    /// Its name.
    pub name: String,
    /// What it gates.
    pub kind: ContentKind,
    /// The campaign it belongs to.
    pub campaign: Option<String>,
}

/// A submission and the email it was made with.
pub(crate) fn submission_email(raw: &Value) -> Result<(wire::Submission, Email), Reject> {
    let sub: wire::Submission = serde_json::from_value(raw.clone()).map_err(|e| {
        Reject::new(
            raw.get("conversionId").and_then(Value::as_str),
            format!("not a form submission: {e}"),
        )
    })?;
    let raw_email = sub
        .values
        .iter()
        .find(|v| v.name.eq_ignore_ascii_case("email"))
        .and_then(|v| v.value.as_str())
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| Reject::new(Some(&sub.conversion_id), "submission has no email"))?;
    let email = Email::parse(raw_email)
        .map_err(|e| Reject::new(Some(&sub.conversion_id), format!("submission email is invalid: {e}")))?;
    Ok((sub, email))
}

/// A submission's touchpoint.
pub(crate) fn submission(
    sub: &wire::Submission,
    contact: &HubSpotId,
    form: &FormContext,
    now: Timestamp,
) -> Result<Touchpoint, Reject> {
    let reject = |reason: String| Reject::new(Some(&sub.conversion_id), reason);
    let at = from_millis(sub.submitted_at)
        .ok_or_else(|| reject(format!("submittedAt {} is not a time", sub.submitted_at)))?;
    let at = not_future("submittedAt", at, now).map_err(reject)?;
    let kind = if form.kind.is_gated_offer() && form.kind != ContentKind::Webinar {
        TouchpointKind::ContentDownload
    } else {
        TouchpointKind::FormSubmission
    };
    Ok(Touchpoint {
        source: System::HubSpot,
        source_event_id: sub.conversion_id.chars().take(200).collect(),
        subject: ExternalId::hubspot(ObjectType::Contact, contact),
        kind,
        occurred_at: at,
        channel: None,
        campaign: form.campaign.as_deref().and_then(campaign_key),
        content: Some(form_content(&form.guid)),
        depth: None,
        detail: detail(sub.page_url.as_deref()).or_else(|| detail(Some(&form.name))),
    })
}

/// A marketing event as the participations stream sees it.
#[derive(Debug, Clone)]
pub struct EventContext {
    /// The event's object id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The campaign it belongs to.
    pub campaign: Option<String>,
}

fn number(value: Option<&Value>) -> Option<f64> {
    match value? {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    }
}

/// A participation's touchpoints: the registration, and the attendance with its depth.
pub(crate) fn participation(raw: &Value, event: &EventContext, now: Timestamp) -> Result<Vec<Touchpoint>, Reject> {
    let p: wire::Participation = serde_json::from_value(raw.clone()).map_err(|e| {
        Reject::new(
            raw.get("id").and_then(id_text).as_deref(),
            format!("not a participation: {e}"),
        )
    })?;
    let id = id_text(&p.id).ok_or_else(|| Reject::new(None, "participation has no id"))?;
    let reject = |reason: String| Reject::new(Some(&id), reason);
    let contact = id_text(&p.associations.contact.contact_id)
        .and_then(|c| HubSpotId::parse(&c).ok())
        .ok_or_else(|| reject("participation has no valid contact id".into()))?;
    let state = p
        .properties
        .get("attendanceState")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_ascii_uppercase();
    let occurred = match p.properties.get("occurredAt") {
        Some(Value::Number(n)) => n.as_i64().and_then(from_millis),
        Some(Value::String(s)) => parse_time(s),
        _ => None,
    }
    .ok_or_else(|| reject("participation has no occurredAt".into()))?;
    let occurred = not_future("occurredAt", occurred, now).map_err(reject)?;
    let created = p
        .created_at
        .as_deref()
        .and_then(parse_time)
        .unwrap_or(occurred)
        .min(occurred);
    let subject = ExternalId::hubspot(ObjectType::Contact, &contact);
    let touch = |suffix: &str, kind: TouchpointKind, at: Timestamp, depth: Option<Depth>| Touchpoint {
        source: System::HubSpot,
        source_event_id: format!("{id}:{suffix}"),
        subject: subject.clone(),
        kind,
        occurred_at: at,
        channel: None,
        campaign: event.campaign.as_deref().and_then(campaign_key),
        content: Some(event_content(&event.id)),
        depth,
        detail: detail(Some(&event.name)),
    };
    let mut out = Vec::new();
    match state.as_str() {
        "REGISTERED" | "CANCELLED" | "NO_SHOW" => {
            out.push(touch(
                "registration",
                TouchpointKind::WebinarRegistration,
                created,
                None,
            ));
        }
        "ATTENDED" => {
            let seconds = match p.properties.get("attendanceDurationSeconds") {
                None | Some(Value::Null) => None,
                Some(v) => Some(
                    number(Some(v))
                        .filter(|s| s.is_finite() && *s >= 0.0 && *s <= f64::from(u32::MAX))
                        .ok_or_else(|| reject(format!("attendanceDurationSeconds {v} is not a duration")))?,
                ),
            };
            let percent = match p.properties.get("attendancePercentage") {
                None | Some(Value::Null) => None,
                Some(Value::String(s)) if s.trim().is_empty() => None,
                Some(v) => Some(number(Some(v)).and_then(|x| Percent::new(x).ok()).ok_or_else(|| {
                    reject(format!(
                        "attendancePercentage {} is not a percentage",
                        clip(&v.to_string())
                    ))
                })?),
            };
            if created < occurred {
                out.push(touch(
                    "registration",
                    TouchpointKind::WebinarRegistration,
                    created,
                    None,
                ));
            }
            let depth = seconds.map(|s| Depth::Watched {
                // Bounded to u32 above.
                seconds: s.round() as u32,
                percent,
            });
            out.push(touch("attendance", TouchpointKind::WebinarAttendance, occurred, depth));
        }
        // EMPTY or anything HubSpot adds later: no interaction to record.
        _ => {}
    }
    Ok(out)
}

/// The channel behind UTM parameters, as HubSpot's tracking records them.
pub fn utm_channel(source: Option<&str>, medium: Option<&str>) -> Option<Channel> {
    let medium = medium.map(str::to_ascii_lowercase)?;
    let source = source.map(str::to_ascii_lowercase).unwrap_or_default();
    Some(match medium.as_str() {
        "cpc" | "ppc" | "paid_search" | "paidsearch" => Channel::PaidSearch,
        "paid_social" | "paidsocial" => Channel::PaidSocial,
        "social" | "organic_social" => Channel::OrganicSocial,
        "email" => Channel::Email,
        "referral" => Channel::Referral,
        "offline" | "event" => Channel::Offline,
        "organic" if source.contains("google") || source.contains("bing") => Channel::OrganicSearch,
        "display" | "other" => Channel::OtherCampaigns,
        _ => return None,
    })
}

/// A page view or CTA click; `None` for event types that are not touchpoints here (form
/// submissions come from the submissions stream, with their `conversionId`).
pub(crate) fn web_event(
    raw: &Value,
    campaign_of_utm: &dyn Fn(&str) -> Option<String>,
    now: Timestamp,
) -> Result<Option<Touchpoint>, Reject> {
    let e: wire::WebEvent = serde_json::from_value(raw.clone())
        .map_err(|err| Reject::new(raw.get("id").and_then(Value::as_str), format!("not an event: {err}")))?;
    let reject = |reason: String| Reject::new(Some(&e.id), reason);
    let kind = match e.event_type.as_str() {
        "e_visited_page" => TouchpointKind::PageView,
        "e_clicked_cta" => TouchpointKind::CtaClick,
        _ => return Ok(None),
    };
    if e.object_type.as_deref().is_some_and(|t| t != "contact" && t != "0-1") {
        return Ok(None);
    }
    let contact = id_text(&e.object_id)
        .and_then(|c| HubSpotId::parse(&c).ok())
        .ok_or_else(|| reject(format!("objectId {} is not a contact id", e.object_id)))?;
    let at = parse_time(&e.occurred_at)
        .ok_or_else(|| reject(format!("occurredAt {:?} is not a time", clip(&e.occurred_at))))?;
    let at = not_future("occurredAt", at, now).map_err(reject)?;
    let prop = |name: &str| e.properties.get(name).and_then(Value::as_str);
    let url = prop("hs_url");
    let landing = prop("hs_page_content_type") == Some("LANDING_PAGE");
    Ok(Some(Touchpoint {
        source: System::HubSpot,
        source_event_id: e.id.chars().take(200).collect(),
        subject: ExternalId::hubspot(ObjectType::Contact, &contact),
        kind,
        occurred_at: at,
        channel: utm_channel(prop("hs_utm_source"), prop("hs_utm_medium")),
        campaign: prop("hs_utm_campaign")
            .and_then(campaign_of_utm)
            .as_deref()
            .and_then(campaign_key),
        content: url.filter(|_| landing).map(page_content),
        depth: None,
        detail: detail(url),
    }))
}

/// A landing page seen in an event, as a content asset (title and URL).
pub(crate) fn landing_page(raw: &Value) -> Option<(ContentKey, String, String)> {
    let props = raw.get("properties")?;
    if props.get("hs_page_content_type").and_then(Value::as_str) != Some("LANDING_PAGE") {
        return None;
    }
    let url = props.get("hs_url").and_then(Value::as_str)?;
    let title = props.get("hs_title").and_then(Value::as_str).unwrap_or(url);
    Some((
        page_content(url),
        title.chars().take(DETAIL_CHARS).collect(),
        url.chars().take(2000).collect(),
    ))
}

/// An email event and the recipient's address.
pub(crate) fn email_event_recipient(raw: &Value) -> Result<(wire::EmailEvent, Email), Reject> {
    let e: wire::EmailEvent = serde_json::from_value(raw.clone()).map_err(|err| {
        Reject::new(
            raw.get("id").and_then(Value::as_str),
            format!("not an email event: {err}"),
        )
    })?;
    let email =
        Email::parse(&e.recipient).map_err(|err| Reject::new(Some(&e.id), format!("recipient is invalid: {err}")))?;
    Ok((e, email))
}

/// What the email stream knows of the email behind an event.
#[derive(Debug, Clone, Default)]
pub struct EmailContext {
    /// The email's name.
    pub name: Option<String>,
    /// The campaign it belongs to.
    pub campaign: Option<String>,
}

/// An email click or open.
pub(crate) fn email_event(
    e: &wire::EmailEvent,
    contact: &HubSpotId,
    email: &EmailContext,
    now: Timestamp,
) -> Result<Option<Touchpoint>, Reject> {
    let reject = |reason: String| Reject::new(Some(&e.id), reason);
    let kind = match e.kind.as_str() {
        "CLICK" => TouchpointKind::EmailClick,
        "OPEN" => TouchpointKind::EmailOpen,
        _ => return Ok(None),
    };
    let at = from_millis(e.created).ok_or_else(|| reject(format!("created {} is not a time", e.created)))?;
    let at = not_future("created", at, now).map_err(reject)?;
    Ok(Some(Touchpoint {
        source: System::HubSpot,
        source_event_id: e.id.chars().take(200).collect(),
        subject: ExternalId::hubspot(ObjectType::Contact, contact),
        kind,
        occurred_at: at,
        channel: Some(Channel::Email),
        campaign: email.campaign.as_deref().and_then(campaign_key),
        content: e.email_campaign_id.map(|id| email_content(&id.to_string())),
        depth: None,
        detail: detail(email.name.as_deref()).or_else(|| detail(e.url.as_deref())),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn now() -> Timestamp {
        parse_time("2026-06-01T00:00:00Z").unwrap()
    }

    fn event() -> EventContext {
        EventContext {
            id: "60000001".into(),
            name: "Speed to lead".into(),
            campaign: Some("c-1".into()),
        }
    }

    fn part(state: &str, extra: Value) -> Value {
        let mut props = json!({"attendanceState": state, "occurredAt": 1_771_340_520_000_i64});
        if let (Some(p), Some(e)) = (props.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                p.insert(k.clone(), v.clone());
            }
        }
        json!({"id": "80000000001", "createdAt": "2026-02-10T09:16:05Z",
               "associations": {"contact": {"contactId": "1000001", "email": "a@b.io"}, "marketingEvent": {"marketingEventId": "60000001"}},
               "properties": props})
    }

    #[test]
    fn an_attendance_gives_a_registration_and_a_watched_touch() {
        let touches = participation(
            &part(
                "ATTENDED",
                json!({"attendanceDurationSeconds": 720, "attendancePercentage": "20"}),
            ),
            &event(),
            now(),
        )
        .unwrap();
        assert_eq!(touches.len(), 2);
        assert_eq!(touches[0].source_event_id, "80000000001:registration");
        assert_eq!(touches[1].kind, TouchpointKind::WebinarAttendance);
        assert_eq!(
            touches[1].depth,
            Some(Depth::Watched {
                seconds: 720,
                percent: Some(Percent::new(20.0).unwrap())
            })
        );
        assert_eq!(touches[1].content, Some(event_content("60000001")));
        let bad = participation(
            &part("ATTENDED", json!({"attendancePercentage": "150"})),
            &event(),
            now(),
        );
        assert!(bad.unwrap_err().reason.contains("attendancePercentage"));
        let registered = participation(&part("NO_SHOW", json!({})), &event(), now()).unwrap();
        assert_eq!(registered.len(), 1);
        assert_eq!(registered[0].kind, TouchpointKind::WebinarRegistration);
    }

    #[test]
    fn forms_are_classified_by_configuration_then_by_name() {
        let mut configured = std::collections::BTreeMap::new();
        configured.insert("State of RevOps".to_owned(), ContentKind::Whitepaper);
        assert_eq!(form_kind("g", "State of RevOps", &configured), ContentKind::Whitepaper);
        assert_eq!(form_kind("g", "The SLA playbook", &configured), ContentKind::Ebook);
        assert_eq!(form_kind("g", "Request a demo", &configured), ContentKind::Demo);
        assert_eq!(form_kind("g", "Contact us", &configured), ContentKind::Form);
    }

    #[test]
    fn web_events_keep_their_id_channel_and_landing_page() {
        let raw = json!({"id": "ev-1", "eventType": "e_visited_page", "objectType": "contact", "objectId": "1000001",
            "occurredAt": "2026-02-03T14:15:02Z",
            "properties": {"hs_url": "https://x.example/lp?utm=1", "hs_page_content_type": "LANDING_PAGE",
                           "hs_utm_source": "google", "hs_utm_medium": "cpc", "hs_utm_campaign": "generic"}});
        let t = web_event(&raw, &|utm| (utm == "generic").then(|| "c-9".to_owned()), now())
            .unwrap()
            .unwrap();
        assert_eq!(
            (t.kind, t.channel, t.source_event_id.as_str()),
            (TouchpointKind::PageView, Some(Channel::PaidSearch), "ev-1")
        );
        assert_eq!(t.campaign.unwrap().id, "c-9");
        assert_eq!(t.content, Some(page_content("https://x.example/lp")));
        let form = json!({"id": "ev-2", "eventType": "e_submitted_form", "objectId": "1", "occurredAt": "2026-02-03T14:15:02Z"});
        assert!(web_event(&form, &|_| None, now()).unwrap().is_none());
    }
}
