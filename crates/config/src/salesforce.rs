//! The `[salesforce]` section: connection, credentials, field choices and streams for Salesforce.
//!
//! Holds no state.

use crate::hubspot::StreamConfig;
use crate::secret::SecretRef;
use closedloop_core::stage::LeadStatus;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Salesforce as the CRM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesforceConfig {
    /// The org's instance URL (`https://yourorg.my.salesforce.com`). A token response may move it.
    pub instance_url: String,
    /// Where tokens are requested (`https://login.salesforce.com`, or `https://test.salesforce.com` for sandboxes).
    #[serde(default = "default_login_url")]
    pub login_url: String,
    /// REST API version, such as `59.0`.
    #[serde(default = "default_api_version")]
    pub api_version: String,
    /// How closedloop authenticates.
    pub auth: SalesforceAuth,
    /// Seconds a request may take before it is abandoned and retried.
    #[serde(default = "default_request_timeout_secs")]
    pub request_timeout_secs: u64,
    /// Seconds to establish a connection.
    #[serde(default = "default_connect_timeout_secs")]
    pub connect_timeout_secs: u64,
    /// Share of the org's daily API requests (percent) left for other integrations.
    #[serde(default = "default_reserve_percent")]
    pub reserve_percent: u8,
    /// Records per query page (`Sforce-Query-Options: batchSize`, 200 to 2000).
    #[serde(default = "default_query_batch_size")]
    pub query_batch_size: u32,
    /// The org's Lead `Status` values and what each means to closedloop. Unlisted values are
    /// quarantined with the lead, so a new picklist value is noticed, not guessed.
    #[serde(default = "default_lead_status_map")]
    pub lead_status_map: BTreeMap<String, LeadStatus>,
    /// The Lead field holding the disqualification reason, if the org has one.
    #[serde(default = "default_disqualification_field")]
    pub disqualification_reason_field: Option<String>,
    /// The Opportunity field holding the won/lost reason, if the org has one.
    #[serde(default)]
    pub close_reason_field: Option<String>,
    /// The external-id field on Lead that holds closedloop's person id, so creating a Lead is an
    /// idempotent upsert. It must exist as an External ID, Unique text field.
    #[serde(default = "default_person_id_field")]
    pub person_id_field: String,
    /// The org's corporate currency (ISO 4217), for opportunity amounts of a single-currency org.
    /// A multi-currency org reports each opportunity's own `CurrencyIsoCode`, which wins.
    #[serde(default = "default_currency")]
    pub currency: String,
    /// What to pull, and how often.
    #[serde(default)]
    pub streams: SalesforceStreams,
}

/// How closedloop authenticates to Salesforce.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum SalesforceAuth {
    /// OAuth refresh-token flow of a connected app.
    RefreshToken {
        /// The connected app's consumer key (not secret).
        client_id: String,
        /// The consumer secret.
        client_secret: SecretRef,
        /// The refresh token.
        refresh_token: SecretRef,
    },
    /// OAuth client-credentials flow (a connected app with a run-as user).
    ClientCredentials {
        /// The consumer key.
        client_id: String,
        /// The consumer secret.
        client_secret: SecretRef,
    },
}

/// The Salesforce streams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SalesforceStreams {
    /// Leads: status, source, owner, conversion, and the extra fields.
    #[serde(default)]
    pub leads: RecordStream,
    /// Contacts.
    #[serde(default)]
    pub contacts: RecordStream,
    /// Opportunities with their stage history and contact roles.
    #[serde(default = "default_every_5_minutes")]
    pub opportunities: StreamConfig,
    /// Tasks (calls, emails) and Events (meetings): the first sales contact.
    #[serde(default = "default_every_5_minutes")]
    pub activities: StreamConfig,
    /// Campaigns and campaign members.
    #[serde(default = "default_every_hour")]
    pub campaigns: StreamConfig,
    /// Users (record owners).
    #[serde(default = "default_every_hour")]
    pub users: StreamConfig,
    /// Lead status history (`LeadHistory` rows of `Status`): the timestamped status changes
    /// milestones and speed to lead are derived from, with the disqualification reason.
    #[serde(default = "default_every_5_minutes")]
    pub lead_status_history: StreamConfig,
}

impl Default for SalesforceStreams {
    fn default() -> Self {
        SalesforceStreams {
            leads: RecordStream::default(),
            contacts: RecordStream::default(),
            opportunities: default_every_5_minutes(),
            activities: default_every_5_minutes(),
            campaigns: default_every_hour(),
            users: default_every_hour(),
            lead_status_history: default_every_5_minutes(),
        }
    }
}

/// A person-record stream (leads, contacts): a stream plus the extra fields to read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordStream {
    /// Pull this stream at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Seconds between incremental pulls.
    #[serde(default = "default_interval_secs")]
    pub interval_secs: u64,
    /// Fields to read besides the ones closedloop always reads, e.g. `["Industry", "Country"]`.
    /// Checked against the object's describe by `check-config --probe`.
    #[serde(default)]
    pub extra_fields: Vec<String>,
    /// Seconds of `SystemModstamp` re-read on each incremental pull: Salesforce stamps a record
    /// when its transaction starts, so a long transaction commits rows older than rows already
    /// read. Re-reads are idempotent.
    #[serde(default = "default_lookback_secs")]
    pub lookback_secs: u64,
}

impl Default for RecordStream {
    fn default() -> Self {
        RecordStream {
            enabled: true,
            interval_secs: default_interval_secs(),
            extra_fields: Vec::new(),
            lookback_secs: default_lookback_secs(),
        }
    }
}

fn yes() -> bool {
    true
}
fn default_interval_secs() -> u64 {
    300
}
fn default_lookback_secs() -> u64 {
    300
}
fn default_every_5_minutes() -> StreamConfig {
    StreamConfig {
        enabled: true,
        interval_secs: 300,
        lookback_secs: default_lookback_secs(),
    }
}
fn default_every_hour() -> StreamConfig {
    StreamConfig {
        enabled: true,
        interval_secs: 3600,
        lookback_secs: default_lookback_secs(),
    }
}
fn default_login_url() -> String {
    "https://login.salesforce.com".into()
}
fn default_api_version() -> String {
    "59.0".into()
}
fn default_request_timeout_secs() -> u64 {
    30
}
fn default_connect_timeout_secs() -> u64 {
    10
}
fn default_reserve_percent() -> u8 {
    20
}
fn default_query_batch_size() -> u32 {
    2000
}
fn default_disqualification_field() -> Option<String> {
    Some("Unqualified_Reason__c".into())
}
fn default_person_id_field() -> String {
    "Closedloop_Person_Id__c".into()
}
fn default_currency() -> String {
    "USD".into()
}

/// Salesforce's default Lead statuses, plus the common "Nurturing".
pub fn default_lead_status_map() -> BTreeMap<String, LeadStatus> {
    BTreeMap::from([
        ("Open - Not Contacted".to_owned(), LeadStatus::New),
        ("Working - Contacted".to_owned(), LeadStatus::Connected),
        ("Nurturing".to_owned(), LeadStatus::Recycled),
        ("Closed - Converted".to_owned(), LeadStatus::Converted),
        ("Closed - Not Converted".to_owned(), LeadStatus::Disqualified),
    ])
}
