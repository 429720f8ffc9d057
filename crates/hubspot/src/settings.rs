//! What the connector is set up with: credentials, the contact fields it reads back and writes,
//! tuning knobs, and the settings it derives from the `[hubspot]` config section.
//!
//! Holds no state beyond those values. Connection and credentials stay apart from per-stream
//! settings: the engine resolves secrets, the connector never reads the environment itself.

use closedloop_config::hubspot::{HubSpotAuth, HubSpotConfig};
use closedloop_config::secret::SecretError;
use closedloop_core::catalog::ContentKind;
use closedloop_core::fields::FieldKind;
use closedloop_core::rules::{FieldMapping, FieldSource};
use closedloop_core::secret::Secret;
use closedloop_core::system::{ObjectType, System};
use closedloop_outbound::RetryPolicy;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

/// Resolved credentials for one HubSpot account.
#[derive(Clone)]
pub enum Credentials {
    /// A private app's access token.
    PrivateApp {
        /// The token.
        token: Secret,
    },
    /// An OAuth app: access tokens are refreshed from the refresh token.
    OAuth {
        /// The app's client id (not secret).
        client_id: String,
        /// The app's client secret.
        client_secret: Secret,
        /// The refresh token granted to closedloop.
        refresh_token: Secret,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::PrivateApp { .. } => f.write_str("Credentials::PrivateApp([redacted])"),
            Credentials::OAuth { client_id, .. } => write!(f, "Credentials::OAuth({client_id}, [redacted])"),
        }
    }
}

impl Credentials {
    /// Reads the secrets the config's `[hubspot.auth]` refers to; `base_dir` resolves relative
    /// secret files (the config file's directory).
    pub fn resolve(auth: &HubSpotAuth, base_dir: &Path) -> Result<Credentials, SecretError> {
        Ok(match auth {
            HubSpotAuth::PrivateApp { token } => Credentials::PrivateApp {
                token: token.resolve(base_dir)?,
            },
            HubSpotAuth::Oauth {
                client_id,
                client_secret,
                refresh_token,
            } => Credentials::OAuth {
                client_id: client_id.clone(),
                client_secret: client_secret.resolve(base_dir)?,
                refresh_token: refresh_token.resolve(base_dir)?,
            },
        })
    }
}

/// A contact property closedloop writes, and the type it must have.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WriteField {
    /// The property's internal name (`closedloop_sql_date`).
    pub name: String,
    /// Its type, which decides the HubSpot property type when closedloop creates it.
    pub kind: FieldKind,
}

/// The contact properties closedloop reads back and writes, besides the ones it always reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactFields {
    /// Properties read into `MarketingContact::fields`, values exactly as HubSpot reports them:
    /// the mapped HubSpot fields (so reconcile recognises its own writes) and the configured
    /// `streams.contacts.extra_properties`.
    pub read: Vec<String>,
    /// Properties pushes write; custom ones are created on first use.
    pub write: Vec<WriteField>,
}

impl ContactFields {
    /// Fields from explicit lists. Every written field is also read back.
    pub fn new(read: Vec<String>, write: Vec<WriteField>) -> Self {
        let mut fields = ContactFields { read, write };
        fields.normalise();
        fields
    }

    /// The fields a reconcile mapping implies: every HubSpot contact field it writes (read back
    /// and written), every `source:<field>` it reads from HubSpot, and `extra` (the configured
    /// extra properties).
    pub fn from_mapping(mapping: &[FieldMapping], extra: &[String]) -> Self {
        let mut read: Vec<String> = extra.to_vec();
        let mut write = Vec::new();
        for m in mapping {
            if m.target == System::HubSpot && m.object == ObjectType::Contact {
                write.push(WriteField {
                    name: m.field.to_ascii_lowercase(),
                    kind: m.effective_kind(),
                });
            } else if let FieldSource::Raw(field) = &m.source {
                // A CRM field filled from a raw HubSpot property: read it.
                read.push(field.to_ascii_lowercase());
            }
        }
        ContactFields::new(read, write)
    }

    /// The kind closedloop expects of a written property.
    pub fn write_kind(&self, name: &str) -> Option<FieldKind> {
        self.write.iter().find(|w| w.name == name).map(|w| w.kind)
    }

    fn normalise(&mut self) {
        for w in &self.write {
            if !self.read.contains(&w.name) {
                self.read.push(w.name.clone());
            }
        }
        self.read.sort();
        self.read.dedup();
        self.write.sort_by(|a, b| a.name.cmp(&b.name));
        self.write.dedup_by(|a, b| a.name == b.name);
    }
}

/// Knobs that are not part of the user's config: HubSpot's documented edges, and what tests and
/// benchmarks shrink to exercise them cheaply. The defaults are HubSpot's.
#[derive(Debug, Clone)]
pub struct Tuning {
    /// Objects per list page (HubSpot: at most 100; 50 when histories are read).
    pub list_page_size: u32,
    /// Objects per search page (HubSpot: at most 200).
    pub search_page_size: u32,
    /// Retries of one call.
    pub retry: RetryPolicy,
    /// Once the daily quota is spent, how often one call may ask whether it is back.
    pub daily_probe_every: Duration,
    /// How long campaign, pipeline and form lists are reused before they are read again.
    pub reference_ttl: Duration,
    /// A marketing event's participations are re-read while it is this recent (webinar tools
    /// sync attendance after the event).
    pub recent_event: Duration,
    /// Requests of this account in flight at once.
    pub max_in_flight: usize,
}

impl Default for Tuning {
    fn default() -> Self {
        Tuning {
            list_page_size: 100,
            search_page_size: 200,
            retry: RetryPolicy::default(),
            daily_probe_every: Duration::from_secs(15 * 60),
            reference_ttl: Duration::from_secs(3600),
            recent_event: Duration::from_secs(7 * 86_400),
            max_in_flight: 8,
        }
    }
}

/// Everything the streams need to know, derived once from config, fields and tuning.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub(crate) contacts_lookback: chrono::Duration,
    pub(crate) deals_lookback: chrono::Duration,
    pub(crate) forms_lookback: chrono::Duration,
    pub(crate) web_lookback: chrono::Duration,
    pub(crate) email_lookback: chrono::Duration,
    pub(crate) deals_enabled: bool,
    pub(crate) property_group: String,
    pub(crate) content_kinds: BTreeMap<String, ContentKind>,
    pub(crate) fields: ContactFields,
    pub(crate) tuning: Tuning,
}

fn lookback(secs: u64) -> chrono::Duration {
    chrono::Duration::seconds(i64::try_from(secs).unwrap_or(i64::MAX / 1000).min(365 * 86_400))
}

impl Settings {
    pub(crate) fn new(config: &HubSpotConfig, fields: ContactFields, tuning: Tuning) -> Result<Self, String> {
        if !(1..=100).contains(&tuning.list_page_size) {
            return Err("list page size must be between 1 and 100".into());
        }
        if !(1..=200).contains(&tuning.search_page_size) {
            return Err("search page size must be between 1 and 200".into());
        }
        let s = &config.streams;
        Ok(Settings {
            contacts_lookback: lookback(s.contacts.lookback_secs),
            deals_lookback: lookback(s.deals.lookback_secs),
            forms_lookback: lookback(s.form_submissions.lookback_secs),
            web_lookback: lookback(s.web_events.lookback_secs),
            email_lookback: lookback(s.email_events.lookback_secs),
            deals_enabled: s.deals.enabled,
            property_group: config.property_group.clone(),
            content_kinds: config.content_kinds.clone(),
            fields,
            tuning,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use closedloop_core::fields::DerivedField;
    use closedloop_core::rules::OwnershipRule;

    #[test]
    fn a_mapping_gives_written_and_read_fields() {
        let mut raw = FieldMapping::derived(
            System::Salesforce,
            ObjectType::Lead,
            "Job_Title__c",
            DerivedField::OriginalSource,
            OwnershipRule::Overwrite,
        );
        raw.source = FieldSource::Raw("jobtitle".into());
        let mapping = vec![
            FieldMapping::derived(
                System::HubSpot,
                ObjectType::Contact,
                "closedloop_sql_date",
                DerivedField::SqlDate,
                OwnershipRule::Overwrite,
            ),
            raw,
        ];
        let fields = ContactFields::from_mapping(&mapping, &["country".into()]);
        assert_eq!(fields.read, vec!["closedloop_sql_date", "country", "jobtitle"]);
        assert_eq!(fields.write_kind("closedloop_sql_date"), Some(FieldKind::DateTime));
        assert_eq!(fields.write.len(), 1);
    }

    #[test]
    fn credentials_never_print_secrets() {
        let c = Credentials::OAuth {
            client_id: "app".into(),
            client_secret: Secret::new("s3cret"),
            refresh_token: Secret::new("r3fresh"),
        };
        let shown = format!("{c:?}");
        assert!(!shown.contains("s3cret") && !shown.contains("r3fresh"), "{shown}");
    }
}
