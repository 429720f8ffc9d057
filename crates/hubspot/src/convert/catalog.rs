//! Reference data: owners, campaigns, forms and marketing events into core catalog records.
//!
//! Holds no state. Forms and marketing events become content assets (keyed `hubspot:form:<guid>`,
//! `hubspot:event:<id>`), with the campaign that lists them among its assets.

use super::engagement::{campaign_key, event_content, form_content, form_kind};
use super::{Reject, parse_time};
use crate::wire;
use closedloop_core::Email;
use closedloop_core::catalog::{Campaign, ContentAsset, ContentKind, Owner};
use closedloop_core::ids::ExternalId;
use closedloop_core::system::{ObjectType, System};
use serde_json::Value;
use std::collections::BTreeMap;

/// An owner.
pub(crate) fn owner(raw: &Value) -> Result<Owner, Reject> {
    let o: wire::Owner = serde_json::from_value(raw.clone())
        .map_err(|e| Reject::new(raw.get("id").and_then(Value::as_str), format!("not an owner: {e}")))?;
    let id = ExternalId::new(System::HubSpot, ObjectType::Owner, &o.id)
        .map_err(|e| Reject::new(Some(&o.id), e.to_string()))?;
    let name = [o.first_name.as_deref(), o.last_name.as_deref()]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ");
    Ok(Owner {
        id,
        // An owner without a usable email is still an owner; it just cannot be joined to a CRM user.
        email: o.email.as_deref().and_then(|e| Email::parse(e).ok()),
        name: Some(name).filter(|n| !n.is_empty()),
        active: !o.archived,
    })
}

fn text(props: &BTreeMap<String, Value>, name: &str) -> Option<String> {
    props
        .get(name)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A campaign.
pub(crate) fn campaign(c: &wire::Campaign) -> Result<Campaign, Reject> {
    let id = campaign_key(&c.id).ok_or_else(|| Reject::new(Some(&c.id), "campaign id is empty or too long"))?;
    let date = |name: &str| {
        text(&c.properties, name)
            .and_then(|d| parse_time(&d))
            .map(|t| t.date_naive())
    };
    Ok(Campaign {
        id,
        name: text(&c.properties, "hs_name").unwrap_or_else(|| c.id.clone()),
        channel: None,
        kind: None,
        starts_on: date("hs_start_date"),
        ends_on: date("hs_end_date"),
    })
}

/// A form as a content asset.
pub(crate) fn form(f: &wire::Form, campaign: Option<&str>, kinds: &BTreeMap<String, ContentKind>) -> ContentAsset {
    ContentAsset {
        key: form_content(&f.id),
        kind: form_kind(&f.id, &f.name, kinds),
        title: if f.name.trim().is_empty() {
            f.id.clone()
        } else {
            f.name.clone()
        },
        url: None,
        campaign: campaign.and_then(campaign_key),
        duration_seconds: None,
    }
}

/// A marketing event as a content asset, with its running time.
pub(crate) fn marketing_event(e: &wire::MarketingEvent, campaign: Option<&str>) -> ContentAsset {
    let start = e.start_date_time.as_deref().and_then(parse_time);
    let end = e.end_date_time.as_deref().and_then(parse_time);
    let duration = match (start, end) {
        (Some(s), Some(e)) if e > s => u32::try_from((e - s).num_seconds()).ok(),
        _ => None,
    };
    ContentAsset {
        key: event_content(&e.object_id),
        kind: ContentKind::Webinar,
        title: if e.event_name.trim().is_empty() {
            e.object_id.clone()
        } else {
            e.event_name.clone()
        },
        url: e.event_url.clone(),
        campaign: campaign.and_then(campaign_key),
        duration_seconds: duration,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn owners_and_events_convert() {
        let o = owner(&json!({"id": "30000001", "email": "Morgan@X.example", "firstName": "Morgan", "lastName": "Reyes", "archived": false})).unwrap();
        assert_eq!(
            (o.name.as_deref(), o.email.unwrap().as_str()),
            (Some("Morgan Reyes"), "morgan@x.example")
        );
        let e: wire::MarketingEvent = serde_json::from_value(json!({"objectId": "60000001", "eventName": "Speed",
            "startDateTime": "2026-02-17T15:00:00Z", "endDateTime": "2026-02-17T16:00:00Z"}))
        .unwrap();
        let asset = marketing_event(&e, Some("c-1"));
        assert_eq!((asset.duration_seconds, asset.kind), (Some(3600), ContentKind::Webinar));
        assert_eq!(asset.campaign.unwrap().id, "c-1");
    }
}
