//! Talking to the simulators as the bench: their request counters, and the 1% of changes a
//! marketer and a sales rep make through the vendors' own APIs before the incremental runs.
//!
//! State: an HTTP client and the simulators' URLs and tokens ([`Vendors`]).

use crate::sims::Ready;
use anyhow::{Context, anyhow, bail};
use serde::Serialize;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// The simulators, as the bench reaches them.
pub struct Vendors {
    http: reqwest::Client,
    ready: Ready,
}

/// One simulator's counters (`GET /__sim/stats`).
#[derive(Debug, Clone, Default, PartialEq, serde::Deserialize, Serialize)]
pub struct Counters {
    /// Every vendor-route request.
    pub requests_total: u64,
    /// Per `METHOD /route`.
    pub by_route: BTreeMap<String, u64>,
    /// Per response status.
    pub by_status: BTreeMap<String, u64>,
}

impl Counters {
    /// What happened between `before` and `self`.
    pub fn since(&self, before: &Counters) -> Counters {
        let diff = |now: &BTreeMap<String, u64>, then: &BTreeMap<String, u64>| {
            now.iter()
                .map(|(k, v)| (k.clone(), v.saturating_sub(then.get(k).copied().unwrap_or(0))))
                .filter(|(_, v)| *v > 0)
                .collect()
        };
        Counters {
            requests_total: self.requests_total.saturating_sub(before.requests_total),
            by_route: diff(&self.by_route, &before.by_route),
            by_status: diff(&self.by_status, &before.by_status),
        }
    }

    /// Requests answered 429 (rate limited).
    pub fn rate_limited(&self) -> u64 {
        self.by_status.get("429").copied().unwrap_or(0)
    }

    /// Search requests (HubSpot's separate per-second limit).
    pub fn search(&self) -> u64 {
        self.by_route
            .iter()
            .filter(|(k, _)| k.ends_with("/search"))
            .map(|(_, v)| v)
            .sum()
    }
}

/// Both simulators' counters at one moment.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Snapshot {
    /// HubSpot.
    pub hubspot: Counters,
    /// Salesforce.
    pub salesforce: Counters,
}

impl Snapshot {
    /// What happened between `before` and `self`.
    pub fn since(&self, before: &Snapshot) -> Snapshot {
        Snapshot {
            hubspot: self.hubspot.since(&before.hubspot),
            salesforce: self.salesforce.since(&before.salesforce),
        }
    }
}

/// The records changed before the incremental runs.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ChangeSet {
    /// HubSpot contacts a marketer edited (lead → MQL, or a new job title).
    pub hubspot_contacts: u64,
    /// Of them, promoted to marketing-qualified lead.
    pub hubspot_mql: u64,
    /// Salesforce leads a sales rep edited (Open → Working, or a new title).
    pub salesforce_leads: u64,
    /// Of them, whose status moved.
    pub salesforce_status: u64,
    /// Seconds the edits took.
    pub seconds: f64,
}

impl Vendors {
    /// A client for the simulators `ready` describes.
    pub fn new(ready: &Ready) -> anyhow::Result<Vendors> {
        let http = reqwest::Client::builder().no_proxy().build()?;
        Ok(Vendors {
            http,
            ready: ready.clone(),
        })
    }

    async fn counters(&self, base: &str) -> anyhow::Result<Counters> {
        let url = format!("{base}/__sim/stats");
        Ok(self.http.get(&url).send().await?.error_for_status()?.json().await?)
    }

    /// Both simulators' counters now.
    pub async fn snapshot(&self) -> anyhow::Result<Snapshot> {
        Ok(Snapshot {
            hubspot: self.counters(&self.ready.hubspot_url).await?,
            salesforce: self.counters(&self.ready.salesforce_url).await?,
        })
    }

    /// The HubSpot simulator's counters now (for the sampler).
    pub async fn hubspot_counters(&self) -> anyhow::Result<Counters> {
        self.counters(&self.ready.hubspot_url).await
    }

    /// Record counts of both simulators (`/__sim/summary`, `/__sim/salesforce/summary`).
    pub async fn summaries(&self) -> anyhow::Result<Value> {
        let hubspot: Value = self
            .http
            .get(format!("{}/__sim/summary", self.ready.hubspot_url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        let salesforce: Value = self
            .http
            .get(format!("{}/__sim/salesforce/summary", self.ready.salesforce_url))
            .send()
            .await?
            .error_for_status()?
            .json()
            .await?;
        Ok(json!({"hubspot": hubspot, "salesforce": salesforce}))
    }

    /// Changes `share` of HubSpot's contacts and of Salesforce's leads through their APIs.
    pub async fn change(&self, share: f64, hubspot_contacts: u64) -> anyhow::Result<ChangeSet> {
        let started = std::time::Instant::now();
        let mut set = ChangeSet::default();
        self.change_hubspot(share, hubspot_contacts, &mut set)
            .await
            .context("change HubSpot contacts")?;
        self.change_salesforce(share, &mut set)
            .await
            .context("change Salesforce leads")?;
        set.seconds = started.elapsed().as_secs_f64();
        Ok(set)
    }

    /// A marketer's edits in HubSpot, with the UI user's token (so they are `CRM_UI` edits and
    /// not the integration's): contacts at one stride over the id range, leads promoted to MQL,
    /// the others given a new job title.
    async fn change_hubspot(&self, share: f64, contacts: u64, set: &mut ChangeSet) -> anyhow::Result<()> {
        const FIRST_CONTACT_ID: u64 = 1_000_001;
        let wanted = ((contacts as f64) * share).round().max(1.0) as u64;
        let stride = (1.0 / share).round().max(1.0) as u64;
        let base = &self.ready.hubspot_url;
        let token = &self.ready.hubspot_ui_token;
        let mut next_id = FIRST_CONTACT_ID + stride / 2;
        let last_id = FIRST_CONTACT_ID + contacts.saturating_mul(2);
        while set.hubspot_contacts < wanted && next_id < last_id {
            let ids: Vec<u64> = (0..100).map(|i| next_id + i * stride).collect();
            next_id += 100 * stride;
            let inputs: Vec<Value> = ids.iter().map(|id| json!({"id": id.to_string()})).collect();
            let read: Value = self
                .http
                .post(format!("{base}/crm/v3/objects/contacts/batch/read"))
                .bearer_auth(token)
                .json(&json!({"properties": ["lifecyclestage", "jobtitle"], "inputs": inputs}))
                .send()
                .await?
                .json()
                .await?;
            let results = read["results"].as_array().cloned().unwrap_or_default();
            let mut updates = Vec::new();
            for r in results {
                if set.hubspot_contacts + updates.len() as u64 >= wanted {
                    break;
                }
                let Some(id) = r["id"].as_str() else { continue };
                let stage = r["properties"]["lifecyclestage"].as_str().unwrap_or("");
                let properties = if matches!(stage, "subscriber" | "lead") {
                    set.hubspot_mql += 1;
                    json!({"lifecyclestage": "marketingqualifiedlead"})
                } else {
                    json!({"jobtitle": format!("Head of Revenue Operations {id}")})
                };
                updates.push(json!({"id": id, "properties": properties}));
            }
            if updates.is_empty() {
                continue;
            }
            let n = updates.len() as u64;
            let response = self
                .http
                .post(format!("{base}/crm/v3/objects/contacts/batch/update"))
                .bearer_auth(token)
                .json(&json!({"inputs": updates}))
                .send()
                .await?;
            if !response.status().is_success() {
                bail!(
                    "batch update: {} {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                );
            }
            set.hubspot_contacts += n;
        }
        Ok(())
    }

    /// A sales rep's edits in Salesforce: open leads worked (Open → Working - Contacted), the
    /// others given a new title, `share` of all unconverted leads, evenly spread.
    async fn change_salesforce(&self, share: f64, set: &mut ChangeSet) -> anyhow::Result<()> {
        let base = &self.ready.salesforce_url;
        let version = &self.ready.salesforce_api_version;
        let token = &self.ready.salesforce_token;
        let mut leads: Vec<(String, String)> = Vec::new();
        let mut url = format!("{base}/services/data/v{version}/query");
        let mut query = Some("SELECT Id, Status FROM Lead WHERE IsConverted = false");
        loop {
            let mut request = self.http.get(&url).bearer_auth(token);
            if let Some(q) = query.take() {
                request = request.query(&[("q", q)]);
            }
            let page: Value = request.send().await?.error_for_status()?.json().await?;
            for r in page["records"].as_array().map(Vec::as_slice).unwrap_or_default() {
                if let (Some(id), Some(status)) = (r["Id"].as_str(), r["Status"].as_str()) {
                    leads.push((id.to_owned(), status.to_owned()));
                }
            }
            match page["nextRecordsUrl"].as_str() {
                Some(next) if page["done"] != json!(true) => url = format!("{base}{next}"),
                _ => break,
            }
        }
        let stride = (1.0 / share).round().max(1.0) as usize;
        let chosen: Vec<&(String, String)> = leads.iter().skip(stride / 2).step_by(stride).collect();
        for chunk in chosen.chunks(200) {
            let records: Vec<Value> = chunk
                .iter()
                .map(|(id, status)| {
                    if status == "Open - Not Contacted" {
                        json!({"attributes": {"type": "Lead"}, "id": id, "Status": "Working - Contacted"})
                    } else {
                        json!({"attributes": {"type": "Lead"}, "id": id, "Title": format!("VP Sales Operations {id}")})
                    }
                })
                .collect();
            let response: Value = self
                .http
                .patch(format!("{base}/services/data/v{version}/composite/sobjects"))
                .bearer_auth(token)
                .json(&json!({"allOrNone": false, "records": records}))
                .send()
                .await?
                .error_for_status()?
                .json()
                .await?;
            let results = response
                .as_array()
                .ok_or_else(|| anyhow!("composite update: not a list"))?;
            for ((_, status), r) in chunk.iter().zip(results) {
                if r["success"] == json!(true) {
                    set.salesforce_leads += 1;
                    set.salesforce_status += u64::from(status == "Open - Not Contacted");
                }
            }
        }
        Ok(())
    }
}
