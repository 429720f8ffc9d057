//! From a validated config to running parts: connectors, their streams and targets, the webhook.
//!
//! Holds no state. Secrets are read here (and only here) from their references; a missing one
//! fails before anything starts, naming the config field. Each stream is built once and kept for
//! the life of the process: connectors keep small caches in their streams.

use crate::ServiceError;
use crate::daemon::QuotaSource;
use crate::http::WebhookSettings;
use closedloop_config::LoadedConfig;
use closedloop_config::hubspot::{HubSpotConfig, StreamConfig};
use closedloop_config::salesforce::{SalesforceAuth, SalesforceConfig};
use closedloop_core::System;
use closedloop_core::sync::PullStream;
use closedloop_engine::Scheduled;
use closedloop_engine::dynamic::DynTarget;
use closedloop_hubspot::{ContactFields, Credentials, HubSpotConnector};
use closedloop_outbound::QuotaStatus;
use closedloop_salesforce::{FieldPlan, SalesforceConnector, SalesforceSecrets};
use closedloop_store::QuotaSnapshot;
use std::time::Duration;
use tokio::time::Instant;

/// The connectors of a config, built once.
pub struct Connectors {
    /// HubSpot, when configured.
    pub hubspot: Option<HubSpotConnector>,
    /// Salesforce, when configured, with its field plan.
    pub salesforce: Option<(SalesforceConnector, FieldPlan)>,
}

/// What the wiring produces for the engine.
pub struct Wired {
    /// Every enabled stream with its schedule.
    pub streams: Vec<Scheduled>,
    /// Every system closedloop writes to.
    pub targets: Vec<Box<dyn DynTarget>>,
    /// Quota figures of each connector.
    pub quotas: Vec<Box<dyn QuotaSource>>,
    /// The HubSpot webhook, when configured.
    pub webhook: Option<WebhookSettings>,
}

fn secret_error(field: &str, e: impl std::fmt::Display) -> ServiceError {
    ServiceError::Config(format!("{field}: {e}"))
}

/// Builds the connectors, reading their secrets.
pub fn connectors(loaded: &LoadedConfig) -> Result<Connectors, ServiceError> {
    let config = &loaded.config;
    let base = loaded.base_dir();
    let hubspot = match &config.hubspot {
        None => None,
        Some(h) => {
            let credentials = Credentials::resolve(&h.auth, &base).map_err(|e| secret_error("hubspot.auth", e))?;
            let fields = ContactFields::from_mapping(&config.reconcile.mapping, &[]);
            Some(
                HubSpotConnector::new(h, credentials, fields).map_err(|e| ServiceError::Connector {
                    connector: "hubspot",
                    message: e.to_string(),
                })?,
            )
        }
    };
    let salesforce = match &config.salesforce {
        None => None,
        Some(s) => {
            let secrets = salesforce_secrets(s, &base)?;
            let plan = FieldPlan::from_rules(&config.reconcile, s);
            let connector =
                SalesforceConnector::new(s, secrets, plan.read.clone()).map_err(|e| ServiceError::Connector {
                    connector: "salesforce",
                    message: e.to_string(),
                })?;
            Some((connector, plan))
        }
    };
    Ok(Connectors { hubspot, salesforce })
}

fn salesforce_secrets(s: &SalesforceConfig, base: &std::path::Path) -> Result<SalesforceSecrets, ServiceError> {
    Ok(match &s.auth {
        SalesforceAuth::RefreshToken {
            client_secret,
            refresh_token,
            ..
        } => SalesforceSecrets {
            client_secret: client_secret
                .resolve(base)
                .map_err(|e| secret_error("salesforce.auth.client_secret", e))?,
            refresh_token: Some(
                refresh_token
                    .resolve(base)
                    .map_err(|e| secret_error("salesforce.auth.refresh_token", e))?,
            ),
        },
        SalesforceAuth::ClientCredentials { client_secret, .. } => SalesforceSecrets {
            client_secret: client_secret
                .resolve(base)
                .map_err(|e| secret_error("salesforce.auth.client_secret", e))?,
            refresh_token: None,
        },
    })
}

fn schedule<S: PullStream + 'static>(stream: S, system: System, interval_secs: u64) -> Scheduled {
    Scheduled {
        stream: Box::new(stream),
        system: system.to_string(),
        interval: Duration::from_secs(interval_secs.max(1)),
        next_due: Instant::now(),
        waiting_for_quota: None,
    }
}

fn hubspot_streams(h: &HubSpotConnector, c: &HubSpotConfig, out: &mut Vec<Scheduled>) {
    let s = &c.streams;
    let on = |sc: &StreamConfig| sc.enabled.then_some(sc.interval_secs);
    if s.contacts.enabled {
        out.push(schedule(h.contacts(), System::HubSpot, s.contacts.interval_secs));
    }
    if let Some(i) = on(&s.archived) {
        out.push(schedule(h.archived_contacts(), System::HubSpot, i));
    }
    if let Some(i) = on(&s.deals) {
        out.push(schedule(h.deals(), System::HubSpot, i));
        if let Some(a) = on(&s.archived) {
            out.push(schedule(h.archived_deals(), System::HubSpot, a));
        }
    }
    if let Some(i) = on(&s.form_submissions) {
        out.push(schedule(h.form_submissions(), System::HubSpot, i));
    }
    if let Some(i) = on(&s.marketing_events) {
        out.push(schedule(h.marketing_events(), System::HubSpot, i));
    }
    if let Some(i) = on(&s.web_events) {
        out.push(schedule(h.web_events(), System::HubSpot, i));
    }
    if let Some(i) = on(&s.email_events) {
        out.push(schedule(h.email_events(), System::HubSpot, i));
    }
    if let Some(i) = on(&s.catalog) {
        out.push(schedule(h.catalog(), System::HubSpot, i));
    }
}

fn salesforce_streams(
    sf: &SalesforceConnector,
    c: &SalesforceConfig,
    out: &mut Vec<Scheduled>,
) -> Result<(), ServiceError> {
    let err = |e: closedloop_salesforce::SalesforceError| ServiceError::Connector {
        connector: "salesforce",
        message: e.to_string(),
    };
    let s = &c.streams;
    if s.leads.enabled {
        out.push(schedule(
            sf.leads().map_err(err)?,
            System::Salesforce,
            s.leads.interval_secs,
        ));
        // Status history feeds milestone dates: it follows the leads' schedule.
        out.push(schedule(
            sf.lead_status_history().map_err(err)?,
            System::Salesforce,
            s.leads.interval_secs,
        ));
    }
    if s.contacts.enabled {
        out.push(schedule(
            sf.contacts().map_err(err)?,
            System::Salesforce,
            s.contacts.interval_secs,
        ));
    }
    if s.opportunities.enabled {
        out.push(schedule(
            sf.opportunities().map_err(err)?,
            System::Salesforce,
            s.opportunities.interval_secs,
        ));
    }
    if s.activities.enabled {
        out.push(schedule(
            sf.activities().map_err(err)?,
            System::Salesforce,
            s.activities.interval_secs,
        ));
    }
    if s.campaigns.enabled {
        out.push(schedule(
            sf.campaigns().map_err(err)?,
            System::Salesforce,
            s.campaigns.interval_secs,
        ));
    }
    if s.users.enabled {
        out.push(schedule(
            sf.users().map_err(err)?,
            System::Salesforce,
            s.users.interval_secs,
        ));
    }
    Ok(())
}

/// Quota figures of one connector's outbound client.
struct ConnectorQuota {
    connector: &'static str,
    read: Box<dyn Fn() -> QuotaStatus + Send + Sync>,
}

impl QuotaSource for ConnectorQuota {
    fn snapshots(&self) -> Vec<QuotaSnapshot> {
        let status = (self.read)();
        let now = chrono::Utc::now();
        let mut out: Vec<QuotaSnapshot> = status
            .buckets
            .iter()
            .map(|b| QuotaSnapshot {
                connector: self.connector.into(),
                bucket: b.name.into(),
                used: Some(i64::from(b.capacity.saturating_sub(b.remaining))),
                max: Some(i64::from(b.capacity)),
                remaining: Some(i64::from(b.remaining)),
                exhausted_until: None,
                observed_at: now,
            })
            .collect();
        if let Some(d) = status.daily {
            let n = |v: Option<u64>| v.and_then(|v| i64::try_from(v).ok());
            out.push(QuotaSnapshot {
                connector: self.connector.into(),
                bucket: "daily".into(),
                used: i64::try_from(d.used).ok(),
                max: n(d.max),
                remaining: n(d.remaining),
                exhausted_until: if d.exhausted { d.resets_at } else { None },
                observed_at: now,
            });
        }
        out
    }
}

/// Streams, targets, quotas and webhook for the config's connectors.
pub fn wire(loaded: &LoadedConfig, connectors: &Connectors) -> Result<Wired, ServiceError> {
    let config = &loaded.config;
    let mut wired = Wired {
        streams: Vec::new(),
        targets: Vec::new(),
        quotas: Vec::new(),
        webhook: None,
    };
    let writes_to = |system: System| config.reconcile.mapping.iter().any(|m| m.target == system);
    if let (Some(h), Some(c)) = (&connectors.hubspot, &config.hubspot) {
        hubspot_streams(h, c, &mut wired.streams);
        if writes_to(System::HubSpot) {
            wired.targets.push(Box::new(h.push_target()));
        }
        let client = h.clone();
        wired.quotas.push(Box::new(ConnectorQuota {
            connector: "hubspot",
            read: Box::new(move || client.quota_status()),
        }));
        if let Some(w) = &c.webhook {
            let secret = w
                .client_secret
                .resolve(&loaded.base_dir())
                .map_err(|e| secret_error("hubspot.webhook.client_secret", e))?;
            wired.webhook = Some(WebhookSettings {
                secret,
                path: w.path.clone(),
                public_url: w.public_url.clone(),
                max_age_secs: w.max_age_secs,
            });
        }
    }
    if let (Some((sf, _)), Some(c)) = (&connectors.salesforce, &config.salesforce) {
        salesforce_streams(sf, c, &mut wired.streams)?;
        if writes_to(System::Salesforce) {
            wired.targets.push(Box::new(sf.push_target()));
        }
        let client = sf.clone();
        wired.quotas.push(Box::new(ConnectorQuota {
            connector: "salesforce",
            read: Box::new(move || client.quota_status()),
        }));
    }
    Ok(wired)
}

/// `check-config --probe`: each connector's probe, as text; true when nothing failed.
pub async fn probe(connectors: &Connectors) -> (String, bool) {
    let mut text = String::new();
    let mut ok = true;
    if let Some(h) = &connectors.hubspot {
        let report = h.probe().await;
        ok &= report.is_ok();
        text.push_str(&format!("hubspot:\n{report}\n"));
    }
    if let Some((sf, plan)) = &connectors.salesforce {
        let report = sf.probe(plan).await;
        ok &= report.passed();
        text.push_str(&format!("salesforce:\n{report}\n"));
    }
    (text, ok)
}
