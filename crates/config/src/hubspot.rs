//! The `[hubspot]` section: connection, credentials and per-stream settings for HubSpot.
//!
//! Holds no state. Connection and credentials are kept apart from the streams (conventions.md):
//! changing what is pulled never touches how the connector authenticates.

use crate::secret::SecretRef;
use closedloop_core::catalog::ContentKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// HubSpot as the marketing platform (and optionally as the CRM).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSpotConfig {
    /// API base URL. Change it only to point at the simulator or a proxy.
    #[serde(default = "default_base_url")]
    pub base_url: String,
    /// The account's subscription tier; sets the rate limits the connector keeps under.
    pub tier: HubSpotTier,
    /// How closedloop authenticates.
    pub auth: HubSpotAuth,
    /// Seconds a request may take before it is abandoned and retried.
    #[serde(default = "default_request_timeout_secs")]
    pub request_timeout_secs: u64,
    /// Seconds to establish a connection.
    #[serde(default = "default_connect_timeout_secs")]
    pub connect_timeout_secs: u64,
    /// Overrides the tier's daily request limit (for accounts with the API add-on).
    #[serde(default)]
    pub daily_limit: Option<u64>,
    /// Share of the limits (percent) left for other integrations on the same account.
    #[serde(default = "default_reserve_percent")]
    pub reserve_percent: u8,
    /// The property group that holds the custom properties closedloop creates.
    #[serde(default = "default_property_group")]
    pub property_group: String,
    /// What the content behind each form is, by form name or form GUID (`whitepaper`, `ebook`,
    /// `case_study`, `demo`, `form`...). HubSpot does not record it; forms not listed are
    /// classified from their names ("... whitepaper", "e-book", "case study", "demo"), else `form`.
    /// A submission of a whitepaper, e-book or case-study form is a content download.
    #[serde(default)]
    pub content_kinds: BTreeMap<String, ContentKind>,
    /// What to pull, and how often.
    #[serde(default)]
    pub streams: HubSpotStreams,
    /// Webhook deliveries that trigger an immediate pull (optional).
    #[serde(default)]
    pub webhook: Option<HubSpotWebhook>,
}

/// HubSpot subscription tiers, which set the API limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HubSpotTier {
    /// Free: 100 requests / 10 s, 250,000 / day.
    Free,
    /// Starter: 100 / 10 s, 250,000 / day.
    Starter,
    /// Professional: 190 / 10 s, 625,000 / day.
    Professional,
    /// Enterprise: 190 / 10 s, 1,000,000 / day.
    Enterprise,
}

impl HubSpotTier {
    /// Requests per rolling 10-second window for a private app.
    pub fn ten_second_limit(self) -> u32 {
        match self {
            HubSpotTier::Free | HubSpotTier::Starter => 100,
            HubSpotTier::Professional | HubSpotTier::Enterprise => 190,
        }
    }

    /// Requests per day.
    pub fn daily_limit(self) -> u64 {
        match self {
            HubSpotTier::Free | HubSpotTier::Starter => 250_000,
            HubSpotTier::Professional => 625_000,
            HubSpotTier::Enterprise => 1_000_000,
        }
    }

    /// Search requests per second (the same on every tier).
    pub fn search_per_second(self) -> u32 {
        5
    }
}

/// How closedloop authenticates to HubSpot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum HubSpotAuth {
    /// A private app's access token.
    PrivateApp {
        /// The token.
        token: SecretRef,
    },
    /// An OAuth app: access tokens (30 minutes) are refreshed from the refresh token.
    Oauth {
        /// The app's client id (not secret).
        client_id: String,
        /// The app's client secret.
        client_secret: SecretRef,
        /// The refresh token granted to closedloop.
        refresh_token: SecretRef,
    },
}

/// The HubSpot streams.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSpotStreams {
    /// Contacts: lifecycle, lead status, sources, owner, and the extra properties.
    #[serde(default)]
    pub contacts: ContactsStream,
    /// Deals with stage history and contact associations (when HubSpot is the CRM too).
    #[serde(default = "StreamConfig::every_5_minutes_off")]
    pub deals: StreamConfig,
    /// Form submissions → touchpoints.
    #[serde(default = "StreamConfig::every_15_minutes")]
    pub form_submissions: StreamConfig,
    /// Marketing-event (webinar) participations → touchpoints.
    #[serde(default = "StreamConfig::every_hour")]
    pub marketing_events: StreamConfig,
    /// Page views and CTA clicks from the Events API → touchpoints.
    #[serde(default = "StreamConfig::every_15_minutes")]
    pub web_events: StreamConfig,
    /// Marketing email clicks and opens → touchpoints.
    #[serde(default = "StreamConfig::every_15_minutes")]
    pub email_events: StreamConfig,
    /// Campaigns, forms, owners and pipelines (reference data).
    #[serde(default = "StreamConfig::every_hour")]
    pub catalog: StreamConfig,
    /// Deleted (archived) contacts and deals. HubSpot's search never returns archived records,
    /// so each run reads the whole `archived=true` list: keep the interval long on large portals.
    #[serde(default = "StreamConfig::every_hour")]
    pub archived: StreamConfig,
}

impl Default for HubSpotStreams {
    fn default() -> Self {
        HubSpotStreams {
            contacts: ContactsStream::default(),
            deals: StreamConfig::every_5_minutes_off(),
            form_submissions: StreamConfig::every_15_minutes(),
            marketing_events: StreamConfig::every_hour(),
            web_events: StreamConfig::every_15_minutes(),
            email_events: StreamConfig::every_15_minutes(),
            catalog: StreamConfig::every_hour(),
            archived: StreamConfig::every_hour(),
        }
    }
}

/// Settings shared by every stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StreamConfig {
    /// Pull this stream at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Seconds between incremental pulls.
    pub interval_secs: u64,
    /// Seconds of overlap re-read on each incremental pull, for records that reach the source's
    /// search index late. Re-reads are idempotent.
    #[serde(default = "default_lookback_secs")]
    pub lookback_secs: u64,
}

/// The contacts stream.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContactsStream {
    /// Pull contacts at all.
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Seconds between incremental pulls.
    #[serde(default = "default_contacts_interval_secs")]
    pub interval_secs: u64,
    /// Seconds of overlap re-read on each incremental pull (search-index lag).
    #[serde(default = "default_lookback_secs")]
    pub lookback_secs: u64,
    /// Contact properties to read besides the ones closedloop always reads (for `source:` mappings
    /// and reports), e.g. `["country", "industry"]`.
    #[serde(default)]
    pub extra_properties: Vec<String>,
}

impl Default for ContactsStream {
    fn default() -> Self {
        ContactsStream {
            enabled: true,
            interval_secs: default_contacts_interval_secs(),
            lookback_secs: default_lookback_secs(),
            extra_properties: Vec::new(),
        }
    }
}

fn default_contacts_interval_secs() -> u64 {
    300
}

impl StreamConfig {
    fn every(interval_secs: u64, enabled: bool) -> Self {
        StreamConfig {
            enabled,
            interval_secs,
            lookback_secs: default_lookback_secs(),
        }
    }
    fn every_5_minutes_off() -> Self {
        Self::every(300, false)
    }
    fn every_15_minutes() -> Self {
        Self::every(900, true)
    }
    fn every_hour() -> Self {
        Self::every(3600, true)
    }
}

/// HubSpot webhook deliveries (signature v3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HubSpotWebhook {
    /// The app's client secret, which signs deliveries.
    pub client_secret: SecretRef,
    /// The path deliveries are posted to on the service's listener.
    #[serde(default = "default_webhook_path")]
    pub path: String,
    /// Deliveries older than this many seconds are rejected (HubSpot: 300).
    #[serde(default = "default_webhook_max_age_secs")]
    pub max_age_secs: u64,
    /// The public base URL HubSpot posts to (`https://sync.example.com`) when closedloop sits
    /// behind a proxy: the signature covers the URL HubSpot used, not the one the proxy forwards to.
    #[serde(default)]
    pub public_url: Option<String>,
}

fn yes() -> bool {
    true
}
fn default_base_url() -> String {
    "https://api.hubapi.com".into()
}
fn default_request_timeout_secs() -> u64 {
    30
}
fn default_connect_timeout_secs() -> u64 {
    10
}
fn default_reserve_percent() -> u8 {
    10
}
fn default_property_group() -> String {
    "closedloop".into()
}
fn default_lookback_secs() -> u64 {
    300
}
fn default_webhook_path() -> String {
    "/webhooks/hubspot".into()
}
fn default_webhook_max_age_secs() -> u64 {
    300
}
