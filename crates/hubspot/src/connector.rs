//! [`HubSpotConnector`]: one HubSpot account, its streams, its push target and its probe.
//!
//! State: [`Shared`], behind an `Arc` every stream holds: the account's one outbound client,
//! the derived settings, and the caches of reference data (pipelines, the campaign index, email
//! names, the contact properties that exist). Streams are cheap handles; build them once and
//! reuse them, so their caches of form and event lists last across pages.

use crate::client::build_client;
use crate::convert::engagement::EmailContext;
use crate::error::HubSpotError;
use crate::probe::{self, ProbeReport};
use crate::push::ContactPush;
use crate::settings::{ContactFields, Credentials, Settings, Tuning};
use crate::streams::lookup::{CampaignIndex, IndexBuild};
use crate::streams::{
    ArchivedStream, CatalogStream, ContactsStream, DealsStream, EmailEventsStream, FormSubmissionsStream,
    MarketingEventsStream, WebEventsStream,
};
use crate::wire;
use closedloop_config::hubspot::HubSpotConfig;
use closedloop_outbound::{OutboundClient, QuotaStatus};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Mutex;
use tokio::time::Instant;

/// What every stream and the push target of one account share.
pub(crate) struct Shared {
    pub(crate) client: OutboundClient,
    pub(crate) settings: Settings,
    pub(crate) pipelines: Mutex<Option<(Instant, Arc<Vec<wire::Pipeline>>)>>,
    pub(crate) campaigns: Mutex<Option<(Instant, Arc<CampaignIndex>)>>,
    pub(crate) campaign_build: Mutex<IndexBuild>,
    pub(crate) emails: Mutex<HashMap<u64, EmailContext>>,
    /// The contact properties that exist, by name, once read (pushes create the missing ones).
    pub(crate) properties: Mutex<Option<HashMap<String, wire::PropertyDefinition>>>,
}

/// One HubSpot account: build it once from config and hand its streams to the engine.
#[derive(Clone)]
pub struct HubSpotConnector {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for HubSpotConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HubSpotConnector")
            .field("client", &self.shared.client)
            .finish_non_exhaustive()
    }
}

impl HubSpotConnector {
    /// A connector for the account in `config`, authenticated with `credentials`, reading back
    /// and writing `fields` (see [`ContactFields::from_mapping`]).
    pub fn new(config: &HubSpotConfig, credentials: Credentials, fields: ContactFields) -> Result<Self, HubSpotError> {
        Self::with_tuning(config, credentials, fields, Tuning::default())
    }

    /// As [`HubSpotConnector::new`], with non-default tuning (smaller pages and caps in tests).
    pub fn with_tuning(
        config: &HubSpotConfig,
        credentials: Credentials,
        fields: ContactFields,
        tuning: Tuning,
    ) -> Result<Self, HubSpotError> {
        let mut fields = fields;
        for extra in &config.streams.contacts.extra_properties {
            if !fields.read.contains(extra) {
                fields.read.push(extra.clone());
            }
        }
        let fields = ContactFields::new(fields.read, fields.write);
        let settings = Settings::new(config, fields, tuning).map_err(HubSpotError::Setting)?;
        let client = build_client(config, &credentials, &settings.tuning)?;
        Ok(HubSpotConnector {
            shared: Arc::new(Shared {
                client,
                settings,
                pipelines: Mutex::new(None),
                campaigns: Mutex::new(None),
                campaign_build: Mutex::new(IndexBuild::default()),
                emails: Mutex::new(HashMap::new()),
                properties: Mutex::new(None),
            }),
        })
    }

    /// `hubspot.contacts`.
    pub fn contacts(&self) -> ContactsStream {
        ContactsStream::new(Arc::clone(&self.shared))
    }

    /// `hubspot.contacts_archived`: deleted contacts.
    pub fn archived_contacts(&self) -> ArchivedStream {
        ArchivedStream::contacts(Arc::clone(&self.shared))
    }

    /// `hubspot.deals` (when HubSpot is the CRM).
    pub fn deals(&self) -> DealsStream {
        DealsStream::new(Arc::clone(&self.shared))
    }

    /// `hubspot.deals_archived`: deleted deals.
    pub fn archived_deals(&self) -> ArchivedStream {
        ArchivedStream::deals(Arc::clone(&self.shared))
    }

    /// `hubspot.form_submissions`.
    pub fn form_submissions(&self) -> FormSubmissionsStream {
        FormSubmissionsStream::new(Arc::clone(&self.shared))
    }

    /// `hubspot.marketing_events`.
    pub fn marketing_events(&self) -> MarketingEventsStream {
        MarketingEventsStream::new(Arc::clone(&self.shared))
    }

    /// `hubspot.web_events`.
    pub fn web_events(&self) -> WebEventsStream {
        WebEventsStream::new(Arc::clone(&self.shared))
    }

    /// `hubspot.email_events`.
    pub fn email_events(&self) -> EmailEventsStream {
        EmailEventsStream::new(Arc::clone(&self.shared))
    }

    /// `hubspot.catalog`.
    pub fn catalog(&self) -> CatalogStream {
        CatalogStream::new(Arc::clone(&self.shared))
    }

    /// The push target writing contact properties.
    pub fn push_target(&self) -> ContactPush {
        ContactPush::new(Arc::clone(&self.shared))
    }

    /// Checks what works and what is missing, for `check-config --probe`.
    pub async fn probe(&self) -> ProbeReport {
        probe::run(&self.shared).await
    }

    /// The account's quota figures, for `status`.
    pub fn quota_status(&self) -> QuotaStatus {
        self.shared.client.quota_status()
    }
}
