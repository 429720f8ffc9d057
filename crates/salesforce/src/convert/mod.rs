//! Salesforce rows → closedloop's records, with quarantine of whatever does not convert.
//!
//! Holds no state. Each object has a converter that reads one row with [`row::RowReader`] and
//! returns the records it stands for and its [`Snapshot`], or the reason it was rejected; the
//! stream then files the result in the page ([`Page::add`]): a rejected row becomes a
//! [`Rejected`] with the raw row, and the rest of the page goes on.
//!
//! - [`person`]: Lead → `CrmLead`, Contact → `CrmContact`.
//! - [`deal`]: Opportunity → `Deal`, OpportunityHistory → `StageChange::DealStage`,
//!   OpportunityContactRole → `Record::DealContact`.
//! - [`activity`]: Task → call, email or other; Event → meeting.
//! - [`campaign`]: Campaign → `Campaign`; responded CampaignMember → `Touchpoint`.
//! - [`owner`]: User → `Owner`.
//! - [`status`]: LeadHistory → `StageChange::LeadStatus` with the disqualification reason.

pub(crate) mod activity;
pub(crate) mod campaign;
pub(crate) mod deal;
#[cfg(test)]
mod fuzz_tests;
pub(crate) mod owner;
pub(crate) mod person;
pub(crate) mod row;
pub(crate) mod status;

use crate::settings::Settings;
use crate::soql::ApiName;
use crate::wire::Row;
use closedloop_core::page::{PageBatch, Record, Rejected, Snapshot};
use closedloop_core::{ExternalId, ObjectType, SalesforceId, Timestamp};
use row::RowReader;

/// What converting one row needs to know.
pub(crate) struct Context<'a> {
    /// The connector's settings.
    pub settings: &'a Settings,
    /// No real record is stamped after this: later `CreatedDate`s are rejected as impossible.
    pub latest_plausible: Timestamp,
}

/// What one row stands for.
#[derive(Debug, Default)]
pub(crate) struct Converted {
    /// Normalised records.
    pub records: Vec<Record>,
    /// The raw row, for audit and unchanged-detection.
    pub snapshot: Option<Snapshot>,
}

impl Converted {
    /// Records with a snapshot of `row` under `key`.
    pub(crate) fn with_snapshot(records: Vec<Record>, key: ExternalId, row: &Row, at: Option<Timestamp>) -> Self {
        Converted {
            records,
            snapshot: Some(snapshot(key, row, at)),
        }
    }

    /// Records without a snapshot (immutable history rows).
    pub(crate) fn records(records: Vec<Record>) -> Self {
        Converted {
            records,
            snapshot: None,
        }
    }
}

/// A snapshot of `row` without its `attributes` (whose URL names the API version, which would
/// make every record look changed after an upgrade).
pub(crate) fn snapshot(key: ExternalId, row: &Row, at: Option<Timestamp>) -> Snapshot {
    let mut payload = row.clone();
    payload.remove("attributes");
    Snapshot {
        key,
        payload: serde_json::Value::Object(payload),
        source_updated_at: at,
    }
}

/// The page being built by one stream.
pub(crate) struct Page {
    /// The stream's name, for rejects.
    pub stream: String,
    /// What the page holds so far.
    pub batch: PageBatch,
}

impl Page {
    pub(crate) fn new(stream: &str) -> Self {
        Page {
            stream: stream.to_owned(),
            batch: PageBatch::default(),
        }
    }

    /// Files one row's conversion: its records and snapshot, or a reject with the raw row.
    pub(crate) fn add(&mut self, row: &Row, object: &'static str, result: Result<Converted, String>) {
        match result {
            Ok(converted) => {
                self.batch.records.extend(converted.records);
                self.batch.snapshots.extend(converted.snapshot);
            }
            Err(reason) => self.reject(row, object, reason),
        }
    }

    /// Quarantines a row.
    pub(crate) fn reject(&mut self, row: &Row, object: &'static str, reason: String) {
        let reader = RowReader::new(row, object);
        // The 18-character id when it parses, so a later good read of the record resolves it.
        let external_id = match reader.id("Id") {
            Ok(id) => Some(id.to_string()),
            Err(_) => reader
                .value("Id")
                .and_then(|v| v.as_str())
                .map(|s| s.chars().take(40).collect()),
        };
        let mut payload = row.clone();
        payload.remove("attributes");
        tracing::debug!(stream = %self.stream, object, id = ?external_id, %reason, "row quarantined");
        self.batch.rejected.push(Rejected {
            stream: self.stream.clone(),
            external_id,
            reason,
            payload: serde_json::Value::Object(payload),
        });
    }
}

/// API names of standard fields (all valid by construction; a test checks every list).
pub(crate) fn names(list: &[&str]) -> Vec<ApiName> {
    list.iter().filter_map(|n| ApiName::parse(n).ok()).collect()
}

/// The key of the Lead or Contact an id names, by its key prefix (`00Q`, `003`); `None` for
/// anything else (an account, a user, a queue).
pub(crate) fn person_key(id: &SalesforceId) -> Option<ExternalId> {
    match id.key_prefix() {
        "00Q" => Some(ExternalId::salesforce(ObjectType::Lead, id)),
        "003" => Some(ExternalId::salesforce(ObjectType::Contact, id)),
        _ => None,
    }
}

/// Rejects a creation date no real record can have.
pub(crate) fn check_created(object: &str, created: Timestamp, ctx: &Context<'_>) -> Result<(), String> {
    if created > ctx.latest_plausible {
        return Err(format!(
            "{object}.CreatedDate {} is in the future",
            created.format("%Y-%m-%dT%H:%M:%SZ")
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod test_support {
    use super::*;
    use closedloop_config::salesforce::SalesforceConfig;

    pub(crate) fn settings() -> Settings {
        let config: SalesforceConfig = toml::from_str(
            r#"
            instance_url = "https://acme.my.salesforce.com"
            close_reason_field = "Loss_Reason__c"
            [auth]
            kind = "client_credentials"
            client_id = "x"
            client_secret = { env = "X" }
            "#,
        )
        .unwrap();
        let read = std::collections::BTreeMap::from([
            (
                ObjectType::Lead,
                vec!["First_Touch_Campaign__c".to_owned(), "Title".to_owned()],
            ),
            (ObjectType::Contact, vec!["MQL_Date__c".to_owned()]),
        ]);
        Settings::new(&config, &read).unwrap()
    }

    pub(crate) fn row(v: serde_json::Value) -> Row {
        match v {
            serde_json::Value::Object(m) => m,
            _ => Row::new(),
        }
    }

    pub(crate) fn ctx(settings: &Settings) -> Context<'_> {
        Context {
            settings,
            latest_plausible: chrono::Utc::now() + chrono::Duration::days(1),
        }
    }
}
