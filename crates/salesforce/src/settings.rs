//! The connector's settings: the `[salesforce]` configuration checked and turned into the forms the
//! streams, conversions and the push use (API names, the status map, durations).
//!
//! Holds no state beyond the settings themselves. Everything that is put into a query is an
//! [`ApiName`] by now, so a name from the configuration can never change a query's meaning.

use crate::error::SalesforceError;
use crate::soql::ApiName;
use closedloop_config::salesforce::SalesforceConfig;
use closedloop_core::ObjectType;
use closedloop_core::money::Currency;
use closedloop_core::stage::LeadStatus;
use std::collections::BTreeMap;
use std::time::Duration;

/// The fields read back into `fields` of Leads and Contacts, per object, as the caller configured
/// them (mapped Salesforce fields and `extra_fields`). See [`crate::FieldPlan`].
pub type ReadFields = BTreeMap<ObjectType, Vec<String>>;

/// Validated settings.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// Lead `Status` values and what they mean.
    pub status_map: BTreeMap<String, LeadStatus>,
    /// The Lead field holding the disqualification reason.
    pub disqualification_field: Option<ApiName>,
    /// The Opportunity field holding the won/lost reason.
    pub close_reason_field: Option<ApiName>,
    /// The Lead External ID field holding closedloop's person key.
    pub person_id_field: ApiName,
    /// The org's corporate currency.
    pub currency: Currency,
    /// Fields read back on Leads.
    pub lead_fields: Vec<ApiName>,
    /// Fields read back on Contacts.
    pub contact_fields: Vec<ApiName>,
    /// Lookback per stream name (`leads`, `contacts`...).
    pub lookback: BTreeMap<&'static str, Duration>,
}

impl Settings {
    /// Checks `config` and the fields to read.
    pub fn new(config: &SalesforceConfig, read_fields: &ReadFields) -> Result<Settings, SalesforceError> {
        let name = |what: &str, value: &str| {
            ApiName::parse(value).map_err(|e| SalesforceError::Config(format!("{what}: {e}")))
        };
        let mut lead_fields = Vec::new();
        let mut contact_fields = Vec::new();
        for (object, fields) in read_fields {
            let target = match object {
                ObjectType::Lead => &mut lead_fields,
                ObjectType::Contact => &mut contact_fields,
                other => {
                    return Err(SalesforceError::Config(format!(
                        "fields to read are given for {other}, but only lead and contact records carry them"
                    )));
                }
            };
            for f in fields {
                let parsed = name(&format!("{object} field to read"), f)?;
                if !target.iter().any(|t: &ApiName| t.same_as(f)) {
                    target.push(parsed);
                }
            }
        }
        for (list, extra, what) in [
            (&mut lead_fields, &config.streams.leads.extra_fields, "leads"),
            (&mut contact_fields, &config.streams.contacts.extra_fields, "contacts"),
        ] {
            for (i, f) in extra.iter().enumerate() {
                let parsed = name(&format!("salesforce.streams.{what}.extra_fields[{i}]"), f)?;
                if !list.iter().any(|t| t.same_as(f)) {
                    list.push(parsed);
                }
            }
        }
        if config.lead_status_map.is_empty() {
            return Err(SalesforceError::Config(
                "salesforce.lead_status_map must map at least one Lead Status value".into(),
            ));
        }
        let currency = Currency::parse(&config.currency)
            .map_err(|e| SalesforceError::Config(format!("salesforce.currency: {e}")))?;
        let streams = &config.streams;
        let secs = Duration::from_secs;
        let lookback = BTreeMap::from([
            ("leads", secs(streams.leads.lookback_secs)),
            ("contacts", secs(streams.contacts.lookback_secs)),
            ("opportunities", secs(streams.opportunities.lookback_secs)),
            ("activities", secs(streams.activities.lookback_secs)),
            ("campaigns", secs(streams.campaigns.lookback_secs)),
            ("users", secs(streams.users.lookback_secs)),
            ("lead_status_history", secs(streams.lead_status_history.lookback_secs)),
        ]);
        Ok(Settings {
            status_map: config.lead_status_map.clone(),
            disqualification_field: config
                .disqualification_reason_field
                .as_deref()
                .map(|f| name("salesforce.disqualification_reason_field", f))
                .transpose()?,
            close_reason_field: config
                .close_reason_field
                .as_deref()
                .map(|f| name("salesforce.close_reason_field", f))
                .transpose()?,
            person_id_field: name("salesforce.person_id_field", &config.person_id_field)?,
            currency,
            lead_fields,
            contact_fields,
            lookback,
        })
    }

    /// What a raw `Status` value means: exactly as configured, or else ignoring case and
    /// surrounding spaces (picklist values are edited by hand in Setup).
    pub fn lead_status(&self, raw: &str) -> Option<LeadStatus> {
        self.status_map.get(raw).copied().or_else(|| {
            let wanted = raw.trim();
            self.status_map
                .iter()
                .find(|(k, _)| k.trim().eq_ignore_ascii_case(wanted))
                .map(|(_, v)| *v)
        })
    }

    /// The lookback of a stream.
    pub fn lookback(&self, stream: &str) -> Duration {
        self.lookback.get(stream).copied().unwrap_or_default()
    }
}
