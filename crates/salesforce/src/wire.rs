//! Salesforce's JSON, as serde types. Private to the crate: [`crate::convert`] turns rows into
//! closedloop's records, and nothing else reads these shapes.
//!
//! Holds no state. Query rows stay generic maps (`Row`): the selected fields differ per org and
//! configuration, and a row whose values have the wrong types must be quarantined with its
//! reason, not fail the whole page's decoding.

use serde::Deserialize;

/// One query result row: field name → JSON value (plus `attributes`).
pub(crate) type Row = serde_json::Map<String, serde_json::Value>;

/// `GET query` / `queryAll` / `nextRecordsUrl`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct QueryPage {
    /// Rows the whole query matched.
    #[allow(dead_code)]
    pub total_size: u64,
    /// True on the last page.
    pub done: bool,
    /// The next page, while not done.
    #[serde(default)]
    pub next_records_url: Option<String>,
    /// This page's rows.
    pub records: Vec<Row>,
}

/// `GET sobjects/{Type}/deleted/?start&end`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeletedWindow {
    /// Records deleted in the window.
    #[serde(default)]
    pub deleted_records: Vec<DeletedRecord>,
    /// The earliest deletion Salesforce still knows of (the last physical delete, or the start of
    /// the retention window).
    pub earliest_date_available: Option<String>,
    /// The end of the window actually covered (Salesforce's clock).
    pub latest_date_covered: Option<String>,
}

/// One deleted record.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeletedRecord {
    /// The record.
    pub id: String,
    /// When.
    pub deleted_date: Option<String>,
}

/// One result of `composite/sobjects` (update or upsert), in input order.
#[derive(Debug, Deserialize)]
pub(crate) struct CollectionResult {
    /// The record, when known.
    #[serde(default)]
    pub id: Option<String>,
    /// Whether this record was written.
    pub success: bool,
    /// Upserts: whether the record was created.
    #[serde(default)]
    #[allow(dead_code)]
    pub created: Option<bool>,
    /// Why not.
    #[serde(default)]
    pub errors: Vec<RecordError>,
}

/// One per-record error.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RecordError {
    /// `UNABLE_TO_LOCK_ROW`, `FIELD_CUSTOM_VALIDATION_EXCEPTION`...
    #[serde(default)]
    pub status_code: Option<String>,
    /// Salesforce's message.
    #[serde(default)]
    pub message: Option<String>,
    /// The fields it is about.
    #[serde(default)]
    pub fields: Vec<String>,
}

/// `GET sobjects/{Type}/describe` (the parts the connector checks).
#[derive(Debug, Deserialize)]
pub(crate) struct Describe {
    /// The object's API name.
    #[allow(dead_code)]
    pub name: String,
    /// Its fields.
    pub fields: Vec<DescribeField>,
}

/// One field of a describe.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DescribeField {
    /// The API name.
    pub name: String,
    /// `string`, `picklist`, `double`...
    #[serde(rename = "type")]
    pub kind: String,
    /// Writable on update.
    #[serde(default)]
    pub updateable: bool,
    /// Writable on create.
    #[serde(default)]
    pub createable: bool,
    /// An External ID field.
    #[serde(default)]
    pub external_id: bool,
    /// Values must be unique.
    #[serde(default)]
    pub unique: bool,
    /// Picklist values.
    #[serde(default)]
    pub picklist_values: Vec<PicklistValue>,
}

/// One picklist value.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct PicklistValue {
    /// The API value.
    pub value: String,
    /// Whether it can be chosen.
    #[serde(default)]
    pub active: bool,
}

/// `GET limits` (the daily API figure).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Limits {
    /// Daily API requests.
    pub daily_api_requests: Option<Limit>,
}

/// One limit.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub(crate) struct Limit {
    /// The allocation.
    pub max: u64,
    /// What is left.
    pub remaining: u64,
}
