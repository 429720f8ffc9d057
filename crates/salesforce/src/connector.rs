//! [`SalesforceConnector`]: one org, its streams, its push target and its probe.
//!
//! State: [`Shared`], held by every stream and the push target of one connector: the API client,
//! the validated settings, what reading opportunities taught (stage flags, currencies), whether
//! the org has multiple currencies (asked once), and how far Salesforce's clock runs ahead of ours
//! (learnt from responses that state its time).

use crate::client::{Api, ConnectorOptions, SalesforceSecrets};
use crate::convert::Context;
use crate::convert::deal::StageFlags;
use crate::cursor::{
    ActivitiesCursor, CampaignsCursor, ContactsCursor, LeadStatusCursor, LeadsCursor, OpportunitiesCursor, UsersCursor,
};
use crate::error::SalesforceError;
use crate::push::SalesforcePush;
use crate::reader::Clock;
use crate::settings::{ReadFields, Settings};
use crate::streams::{Part, SalesforceStream};
use chrono::Utc;
use closedloop_config::salesforce::SalesforceConfig;
use closedloop_core::Timestamp;
use closedloop_outbound::QuotaStatus;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

/// `salesforce.leads`.
pub type LeadsStream = SalesforceStream<LeadsCursor>;
/// `salesforce.contacts`.
pub type ContactsStream = SalesforceStream<ContactsCursor>;
/// `salesforce.opportunities`.
pub type OpportunitiesStream = SalesforceStream<OpportunitiesCursor>;
/// `salesforce.activities`.
pub type ActivitiesStream = SalesforceStream<ActivitiesCursor>;
/// `salesforce.campaigns`.
pub type CampaignsStream = SalesforceStream<CampaignsCursor>;
/// `salesforce.users`.
pub type UsersStream = SalesforceStream<UsersCursor>;
/// `salesforce.lead_status_history`.
pub type LeadStatusStream = SalesforceStream<LeadStatusCursor>;

/// How much later than our clock a real row may be stamped before it counts as impossible.
const CLOCK_TOLERANCE: chrono::Duration = chrono::Duration::hours(1);

/// What every stream and the push target of one connector share.
pub(crate) struct Shared {
    pub api: Api,
    pub settings: Settings,
    learnt: Mutex<StageFlags>,
    multi_currency: tokio::sync::OnceCell<bool>,
    /// Milliseconds Salesforce's clock was seen ahead of ours (never negative).
    server_ahead_ms: AtomicI64,
}

impl Shared {
    /// The conversion context.
    pub(crate) fn context(&self) -> Context<'_> {
        Context {
            settings: &self.settings,
            latest_plausible: self.latest_plausible(),
        }
    }

    /// Stage flags and currencies learnt from opportunities.
    pub(crate) fn learnt(&self) -> MutexGuard<'_, StageFlags> {
        self.learnt.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Whether the org has multiple currencies (`Opportunity.CurrencyIsoCode` exists); asked once.
    pub(crate) async fn multi_currency(&self) -> Result<bool, SalesforceError> {
        self.multi_currency
            .get_or_try_init(|| async {
                let describe = self.api.describe("Opportunity").await?;
                Ok::<bool, SalesforceError>(
                    describe
                        .fields
                        .iter()
                        .any(|f| f.name.eq_ignore_ascii_case("CurrencyIsoCode")),
                )
            })
            .await
            .copied()
    }
}

impl Clock for Shared {
    fn server_now(&self) -> Timestamp {
        Utc::now() + chrono::Duration::milliseconds(self.server_ahead_ms.load(Ordering::Relaxed))
    }

    fn latest_plausible(&self) -> Timestamp {
        self.server_now() + CLOCK_TOLERANCE
    }

    fn observed_server_time(&self, now: Timestamp) {
        let ahead = (now - Utc::now()).num_milliseconds().max(0);
        self.server_ahead_ms.fetch_max(ahead, Ordering::Relaxed);
    }
}

/// The Salesforce connector of one org: build it once, then take its streams and push target.
///
/// ```no_run
/// # use closedloop_salesforce::{SalesforceConnector, SalesforceSecrets, FieldPlan};
/// # fn demo(config: &closedloop_config::Config, secrets: SalesforceSecrets) -> Result<(), Box<dyn std::error::Error>> {
/// let sf = config.salesforce.as_ref().ok_or("no [salesforce]")?;
/// let plan = FieldPlan::from_rules(&config.reconcile, sf);
/// let connector = SalesforceConnector::new(sf, secrets, plan.read.clone())?;
/// let leads = connector.leads()?; // a PullStream named salesforce.leads
/// let push = connector.push_target(); // a PushTarget of at most 200 records per call
/// # let _ = (leads, push); Ok(()) }
/// ```
#[derive(Clone)]
pub struct SalesforceConnector {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SalesforceConnector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforceConnector")
            .field("client", self.shared.api.client())
            .finish_non_exhaustive()
    }
}

impl SalesforceConnector {
    /// A connector for the org `config` describes, authenticated with `secrets`, reading back
    /// `read_fields` on Leads and Contacts (the mapped Salesforce fields; the configured
    /// `extra_fields` are added). Nothing is sent until a stream, the push or the probe runs.
    pub fn new(
        config: &SalesforceConfig,
        secrets: SalesforceSecrets,
        read_fields: ReadFields,
    ) -> Result<SalesforceConnector, SalesforceError> {
        SalesforceConnector::with_options(config, secrets, read_fields, ConnectorOptions::default())
    }

    /// [`SalesforceConnector::new`] with non-default retries, quota probing or certificates.
    pub fn with_options(
        config: &SalesforceConfig,
        secrets: SalesforceSecrets,
        read_fields: ReadFields,
        options: ConnectorOptions,
    ) -> Result<SalesforceConnector, SalesforceError> {
        let settings = Settings::new(config, &read_fields)?;
        let api = Api::connect(config, secrets, &options)?;
        Ok(SalesforceConnector {
            shared: Arc::new(Shared {
                api,
                settings,
                learnt: Mutex::new(StageFlags::default()),
                multi_currency: tokio::sync::OnceCell::new(),
                server_ahead_ms: AtomicI64::new(0),
            }),
        })
    }

    pub(crate) fn shared(&self) -> &Arc<Shared> {
        &self.shared
    }

    /// `salesforce.leads`: Leads.
    pub fn leads(&self) -> Result<LeadsStream, SalesforceError> {
        SalesforceStream::new(Arc::clone(&self.shared), "leads", &[Part::Leads])
    }

    /// `salesforce.contacts`: Contacts.
    pub fn contacts(&self) -> Result<ContactsStream, SalesforceError> {
        SalesforceStream::new(Arc::clone(&self.shared), "contacts", &[Part::Contacts])
    }

    /// `salesforce.opportunities`: Opportunities, OpportunityHistory, OpportunityContactRoles.
    pub fn opportunities(&self) -> Result<OpportunitiesStream, SalesforceError> {
        SalesforceStream::new(
            Arc::clone(&self.shared),
            "opportunities",
            &[Part::Opportunities, Part::OpportunityHistory, Part::ContactRoles],
        )
    }

    /// `salesforce.activities`: Tasks and Events.
    pub fn activities(&self) -> Result<ActivitiesStream, SalesforceError> {
        SalesforceStream::new(Arc::clone(&self.shared), "activities", &[Part::Tasks, Part::Events])
    }

    /// `salesforce.campaigns`: Campaigns and CampaignMembers.
    pub fn campaigns(&self) -> Result<CampaignsStream, SalesforceError> {
        SalesforceStream::new(
            Arc::clone(&self.shared),
            "campaigns",
            &[Part::Campaigns, Part::CampaignMembers],
        )
    }

    /// `salesforce.users`: Users.
    pub fn users(&self) -> Result<UsersStream, SalesforceError> {
        SalesforceStream::new(Arc::clone(&self.shared), "users", &[Part::Users])
    }

    /// `salesforce.lead_status_history`: LeadHistory status changes.
    pub fn lead_status_history(&self) -> Result<LeadStatusStream, SalesforceError> {
        SalesforceStream::new(Arc::clone(&self.shared), "lead_status_history", &[Part::LeadHistory])
    }

    /// The push target: updates of Leads and Contacts, creates of Leads.
    pub fn push_target(&self) -> SalesforcePush {
        SalesforcePush::new(Arc::clone(&self.shared))
    }

    /// The API quota figures (daily budget), for `status`.
    pub fn quota_status(&self) -> QuotaStatus {
        self.shared.api.client().quota_status()
    }
}
