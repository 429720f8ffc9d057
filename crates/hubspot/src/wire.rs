//! HubSpot's JSON as serde structs, private to the connector.
//!
//! Holds no state. Envelopes (pages, batch results) are decoded strictly enough to page on; the
//! objects inside them stay `serde_json::Value`s until `convert` reads them one by one, so one
//! malformed object is quarantined instead of failing its page. Field names follow
//! `shared/api-contracts.md`; unknown fields are ignored, as HubSpot adds fields freely.

use serde::Deserialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// `paging.next` of a CRM page.
#[derive(Debug, Deserialize)]
pub(crate) struct Paging {
    #[serde(default)]
    pub(crate) next: Option<NextPage>,
}

/// The cursor of the next page.
#[derive(Debug, Deserialize)]
pub(crate) struct NextPage {
    pub(crate) after: String,
}

/// `{results, paging?}`: lists of objects, owners, campaigns, forms, events, participations.
#[derive(Debug, Deserialize)]
pub(crate) struct Page {
    #[serde(default)]
    pub(crate) results: Vec<Value>,
    #[serde(default)]
    pub(crate) paging: Option<Paging>,
}

impl Page {
    /// The next page's cursor, if there is a next page.
    pub(crate) fn next_after(&self) -> Option<String> {
        self.paging
            .as_ref()
            .and_then(|p| p.next.as_ref())
            .map(|n| n.after.clone())
            .filter(|a| !a.is_empty())
    }
}

/// A CRM object (contact, deal) as list, search and batch read return it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CrmObject {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) properties: serde_json::Map<String, Value>,
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
    #[serde(default)]
    pub(crate) archived: bool,
    #[serde(default)]
    pub(crate) archived_at: Option<String>,
    #[serde(default)]
    pub(crate) associations: BTreeMap<String, AssociationList>,
    #[serde(default)]
    pub(crate) properties_with_history: BTreeMap<String, Vec<HistoryEntry>>,
}

/// `associations.{type}` of a v3 object.
#[derive(Debug, Deserialize)]
pub(crate) struct AssociationList {
    #[serde(default)]
    pub(crate) results: Vec<AssociatedId>,
}

/// One associated object.
#[derive(Debug, Deserialize)]
pub(crate) struct AssociatedId {
    pub(crate) id: String,
}

/// One value in a property's history.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct HistoryEntry {
    #[serde(default)]
    pub(crate) value: Option<String>,
    pub(crate) timestamp: String,
}

/// A batch response: 200, or 207 with per-input errors.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BatchResponse {
    #[serde(default)]
    pub(crate) results: Vec<Value>,
    #[serde(default)]
    pub(crate) errors: Vec<BatchError>,
}

/// One entry of a 207's `errors`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BatchError {
    #[serde(default)]
    pub(crate) category: Option<String>,
    #[serde(default)]
    pub(crate) sub_category: Option<String>,
    #[serde(default)]
    pub(crate) message: Option<String>,
    #[serde(default)]
    pub(crate) context: BTreeMap<String, Value>,
    #[serde(default)]
    pub(crate) errors: Vec<Value>,
}

impl BatchError {
    /// The ids the error is about (`context.ids`, or v4's `context.fromObjectId`).
    pub(crate) fn ids(&self) -> Vec<String> {
        ["ids", "fromObjectId"]
            .iter()
            .filter_map(|k| self.context.get(*k))
            .filter_map(Value::as_array)
            .flatten()
            .filter_map(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            })
            .collect()
    }

    /// Whether the error is about a property HubSpot does not have.
    pub(crate) fn missing_property(&self) -> bool {
        let nested = self
            .errors
            .iter()
            .any(|e| e.to_string().contains("PROPERTY_DOESNT_EXIST"));
        nested
            || self
                .sub_category
                .as_deref()
                .is_some_and(|s| s.contains("PROPERTY_DOESNT_EXIST"))
    }

    /// `CATEGORY: message`, as it is recorded against a record.
    pub(crate) fn describe(&self) -> String {
        let category = self.category.as_deref().unwrap_or("ERROR");
        let message = self.message.as_deref().unwrap_or("no message");
        format!("{category}: {message}")
    }
}

/// One result of a v4 association batch read.
#[derive(Debug, Deserialize)]
pub(crate) struct AssociationResult {
    pub(crate) from: FromId,
    #[serde(default)]
    pub(crate) to: Vec<AssociationTarget>,
    #[serde(default)]
    pub(crate) paging: Option<Paging>,
}

/// `from` of a v4 association result.
#[derive(Debug, Deserialize)]
pub(crate) struct FromId {
    pub(crate) id: Value,
}

/// One target of a v4 association.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AssociationTarget {
    pub(crate) to_object_id: Value,
}

/// A property definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PropertyDefinition {
    pub(crate) name: String,
    #[serde(rename = "type", default)]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) modification_metadata: Option<ModificationMetadata>,
}

/// Whether a property's value may be written.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ModificationMetadata {
    #[serde(default)]
    pub(crate) read_only_value: bool,
}

/// `{results: [..]}` of properties or groups (no paging).
#[derive(Debug, Deserialize)]
pub(crate) struct Results<T> {
    #[serde(default = "Vec::new")]
    pub(crate) results: Vec<T>,
}

/// A property group.
#[derive(Debug, Deserialize)]
pub(crate) struct PropertyGroup {
    pub(crate) name: String,
}

/// A deal pipeline.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Pipeline {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) label: String,
    #[serde(default)]
    pub(crate) archived: bool,
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
    #[serde(default)]
    pub(crate) stages: Vec<PipelineStage>,
}

/// A pipeline stage; its metadata values are strings.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PipelineStage {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) label: String,
    #[serde(default)]
    pub(crate) display_order: i32,
    #[serde(default)]
    pub(crate) archived: bool,
    #[serde(default)]
    pub(crate) metadata: BTreeMap<String, Value>,
}

/// An owner.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Owner {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) email: Option<String>,
    #[serde(default)]
    pub(crate) first_name: Option<String>,
    #[serde(default)]
    pub(crate) last_name: Option<String>,
    #[serde(default)]
    pub(crate) archived: bool,
}

/// A marketing campaign; only the properties asked for are present.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Campaign {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) properties: BTreeMap<String, Value>,
}

/// A campaign asset (a form, a marketing event, an email).
#[derive(Debug, Deserialize)]
pub(crate) struct CampaignAsset {
    pub(crate) id: Value,
}

/// A form definition.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Form {
    pub(crate) id: String,
    #[serde(default)]
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) archived: bool,
}

/// A legacy form submission.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Submission {
    pub(crate) conversion_id: String,
    pub(crate) submitted_at: i64,
    #[serde(default)]
    pub(crate) values: Vec<SubmittedValue>,
    #[serde(default)]
    pub(crate) page_url: Option<String>,
}

/// One submitted field.
#[derive(Debug, Deserialize)]
pub(crate) struct SubmittedValue {
    pub(crate) name: String,
    #[serde(default)]
    pub(crate) value: Value,
}

/// A marketing event (webinar).
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct MarketingEvent {
    pub(crate) object_id: String,
    #[serde(default)]
    pub(crate) event_name: String,
    #[serde(default)]
    pub(crate) event_url: Option<String>,
    #[serde(default)]
    pub(crate) event_status: Option<String>,
    #[serde(default)]
    pub(crate) start_date_time: Option<String>,
    #[serde(default)]
    pub(crate) end_date_time: Option<String>,
    #[serde(default)]
    pub(crate) updated_at: Option<String>,
    #[serde(default)]
    pub(crate) registrants: Option<u64>,
    #[serde(default)]
    pub(crate) attendees: Option<u64>,
    #[serde(default)]
    pub(crate) cancellations: Option<u64>,
    #[serde(default)]
    pub(crate) no_shows: Option<u64>,
}

/// One contact's participation in a marketing event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Participation {
    pub(crate) id: Value,
    #[serde(default)]
    pub(crate) created_at: Option<String>,
    pub(crate) associations: ParticipationAssociations,
    #[serde(default)]
    pub(crate) properties: BTreeMap<String, Value>,
}

/// Who and what a participation is about.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ParticipationAssociations {
    pub(crate) contact: ParticipationContact,
}

/// The participating contact.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ParticipationContact {
    pub(crate) contact_id: Value,
}

/// One behavioural event of the Events API.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebEvent {
    pub(crate) id: String,
    pub(crate) event_type: String,
    #[serde(default)]
    pub(crate) object_type: Option<String>,
    pub(crate) object_id: Value,
    pub(crate) occurred_at: String,
    #[serde(default)]
    pub(crate) properties: BTreeMap<String, Value>,
}

/// A page of legacy email events.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmailEventPage {
    #[serde(default)]
    pub(crate) has_more: bool,
    #[serde(default)]
    pub(crate) offset: Option<String>,
    #[serde(default)]
    pub(crate) events: Vec<Value>,
}

/// One legacy email event.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmailEvent {
    pub(crate) id: String,
    pub(crate) recipient: String,
    pub(crate) created: i64,
    #[serde(rename = "type")]
    pub(crate) kind: String,
    #[serde(default)]
    pub(crate) email_campaign_id: Option<u64>,
    #[serde(default)]
    pub(crate) url: Option<String>,
}

/// A legacy email campaign (one send of a marketing email).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EmailCampaign {
    #[serde(default)]
    pub(crate) content_id: Option<Value>,
    #[serde(default)]
    pub(crate) name: Option<String>,
}

/// A value that HubSpot sends as a string or as a number, as text.
pub(crate) fn id_text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}
