//! Lookups the streams share: contacts by email, deal pipelines, the campaign index, email names.
//!
//! State: the caches live in [`Shared`]; each is read again once older than the tuning's
//! reference TTL (and pipelines at once when a deal names a stage they lack). The campaign index
//! takes three calls per campaign, so it is built resumably ([`IndexBuild`]). Engagement that
//! names a person by email (form submissions, email events) is resolved to contact ids here, one
//! batch read per page, following merges through `hs_additional_emails`.

use crate::client::{BATCH_READ, CAMPAIGNS, EMAIL_EVENTS, PIPELINES};
use crate::connector::Shared;
use crate::convert::engagement::EmailContext;
use crate::error::HubSpotError;
use crate::wire::{self, id_text};
use closedloop_core::Email;
use closedloop_core::ids::HubSpotId;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::time::Instant;

/// Most inputs of one batch read.
const BATCH_MAX: usize = 100;

/// Which campaign each asset belongs to.
#[derive(Debug, Default)]
pub(crate) struct CampaignIndex {
    /// The campaigns, as listed.
    pub(crate) campaigns: Vec<wire::Campaign>,
    pub(crate) by_form: HashMap<String, String>,
    pub(crate) by_event: HashMap<String, String>,
    pub(crate) by_email_content: HashMap<String, String>,
    pub(crate) by_utm: HashMap<String, String>,
}

impl CampaignIndex {
    /// The campaign of a form.
    pub(crate) fn form(&self, guid: &str) -> Option<String> {
        self.by_form.get(&guid.to_ascii_lowercase()).cloned()
    }

    /// The campaign of a marketing event.
    pub(crate) fn event(&self, id: &str) -> Option<String> {
        self.by_event.get(id).cloned()
    }

    /// The campaign whose `utm_campaign` value this is.
    pub(crate) fn utm(&self, utm: &str) -> Option<String> {
        self.by_utm.get(&utm.to_ascii_lowercase()).cloned()
    }
}

/// Resolves emails to the live contacts holding them (a merged-away contact's email leads to the
/// contact it was merged into). Emails no contact holds are absent from the answer.
pub(crate) async fn contacts_by_email(
    shared: &Shared,
    emails: &[Email],
) -> Result<HashMap<Email, HubSpotId>, HubSpotError> {
    let mut unique: Vec<&Email> = emails.iter().collect();
    unique.sort();
    unique.dedup();
    let mut found = HashMap::new();
    for chunk in unique.chunks(BATCH_MAX) {
        let inputs: Vec<Value> = chunk.iter().map(|e| json!({ "id": e.as_str() })).collect();
        let body = json!({ "idProperty": "email", "inputs": inputs, "properties": ["email", "hs_additional_emails"] });
        let response: wire::BatchResponse = shared
            .client
            .post("/crm/v3/objects/contacts/batch/read", BATCH_READ)
            .json(&body)
            .send_json()
            .await?;
        for object in &response.results {
            let Some(id) = object
                .get("id")
                .and_then(Value::as_str)
                .and_then(|s| HubSpotId::parse(s).ok())
            else {
                continue;
            };
            let props = object.get("properties");
            let text = |name: &str| props.and_then(|p| p.get(name)).and_then(Value::as_str).unwrap_or("");
            let addresses = std::iter::once(text("email")).chain(text("hs_additional_emails").split(';'));
            for address in addresses.filter_map(|a| Email::parse(a).ok()) {
                if chunk.contains(&&address) {
                    found.insert(address, id.clone());
                }
            }
        }
    }
    Ok(found)
}

/// The deal pipelines, from the cache unless it is stale or `refresh` is asked.
pub(crate) async fn pipelines(shared: &Shared, refresh: bool) -> Result<Arc<Vec<wire::Pipeline>>, HubSpotError> {
    let mut cache = shared.pipelines.lock().await;
    if let Some((at, list)) = cache.as_ref()
        && !refresh
        && at.elapsed() < shared.settings.tuning.reference_ttl
    {
        return Ok(Arc::clone(list));
    }
    let page: wire::Results<wire::Pipeline> = shared
        .client
        .get("/crm/v3/pipelines/deals", PIPELINES)
        .send_json()
        .await?;
    let list = Arc::new(page.results.into_iter().filter(|p| !p.archived).collect::<Vec<_>>());
    *cache = Some((Instant::now(), Arc::clone(&list)));
    Ok(list)
}

/// Every page of a `{results, paging}` list.
pub(crate) async fn all_pages(
    shared: &Shared,
    path: &str,
    endpoint: closedloop_outbound::Endpoint,
    query: &[(&str, String)],
) -> Result<Vec<Value>, HubSpotError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    // A page cursor that repeats would loop for ever; HubSpot never repeats one.
    for _ in 0..10_000 {
        let mut request = shared
            .client
            .get(path, endpoint)
            .query(query.iter().map(|(k, v)| (*k, v.as_str())));
        if let Some(a) = &after {
            request = request.query([("after", a.as_str())]);
        }
        let page: wire::Page = request.send_json().await?;
        let next = page.next_after();
        out.extend(page.results);
        match next {
            Some(n) if Some(&n) != after.as_ref() => after = Some(n),
            _ => return Ok(out),
        }
    }
    Err(HubSpotError::Unexpected {
        call: "list",
        detail: format!("{path} did not stop paging"),
    })
}

/// A campaign index being read: kept between attempts, so a failure part-way through (a portal
/// with hundreds of campaigns takes three calls per campaign) resumes instead of starting over.
#[derive(Default)]
pub(crate) struct IndexBuild {
    started: Option<Instant>,
    campaigns: Option<Vec<wire::Campaign>>,
    done: usize,
    index: CampaignIndex,
}

/// The campaign index, from the cache unless it is stale or `refresh` is asked.
pub(crate) async fn campaign_index(shared: &Shared, refresh: bool) -> Result<Arc<CampaignIndex>, HubSpotError> {
    let ttl = shared.settings.tuning.reference_ttl;
    {
        let cache = shared.campaigns.lock().await;
        if let Some((at, index)) = cache.as_ref()
            && !refresh
            && at.elapsed() < ttl
        {
            return Ok(Arc::clone(index));
        }
    }
    let mut build = shared.campaign_build.lock().await;
    if build.started.is_none_or(|at| at.elapsed() >= ttl) {
        *build = IndexBuild {
            started: Some(Instant::now()),
            ..IndexBuild::default()
        };
    }
    if build.campaigns.is_none() {
        let raw = all_pages(
            shared,
            "/marketing/v3/campaigns",
            CAMPAIGNS,
            &[
                ("limit", "100".to_owned()),
                ("properties", "hs_name,hs_start_date,hs_end_date,hs_utm".to_owned()),
            ],
        )
        .await?;
        build.campaigns = Some(
            raw.into_iter()
                .filter_map(|v| serde_json::from_value::<wire::Campaign>(v).ok())
                .collect(),
        );
    }
    let campaigns = build.campaigns.clone().unwrap_or_default();
    while let Some(campaign) = campaigns.get(build.done) {
        let mut found: Vec<(usize, String)> = Vec::new();
        for (slot, asset_type) in ["FORM", "MARKETING_EVENT", "MARKETING_EMAIL"].into_iter().enumerate() {
            let path = format!("/marketing/v3/campaigns/{}/assets/{asset_type}", campaign.id);
            for asset in all_pages(shared, &path, CAMPAIGNS, &[("limit", "100".to_owned())]).await? {
                if let Some(id) = serde_json::from_value::<wire::CampaignAsset>(asset)
                    .ok()
                    .and_then(|a| id_text(&a.id))
                {
                    found.push((slot, id.to_ascii_lowercase()));
                }
            }
        }
        let index = &mut build.index;
        for (slot, id) in found {
            let map = match slot {
                0 => &mut index.by_form,
                1 => &mut index.by_event,
                _ => &mut index.by_email_content,
            };
            map.entry(id).or_insert_with(|| campaign.id.clone());
        }
        if let Some(utm) = campaign
            .properties
            .get("hs_utm")
            .and_then(Value::as_str)
            .filter(|u| !u.is_empty())
        {
            index.by_utm.insert(utm.to_ascii_lowercase(), campaign.id.clone());
        }
        index.campaigns.push(campaign.clone());
        build.done += 1;
    }
    let index = Arc::new(std::mem::take(&mut *build).index);
    *shared.campaigns.lock().await = Some((Instant::now(), Arc::clone(&index)));
    Ok(index)
}

/// The name and campaign of the marketing email behind an email event's `emailCampaignId`.
pub(crate) async fn email_context(
    shared: &Shared,
    email_campaign_id: u64,
    index: &CampaignIndex,
) -> Result<EmailContext, HubSpotError> {
    if let Some(known) = shared.emails.lock().await.get(&email_campaign_id) {
        return Ok(known.clone());
    }
    let path = format!("/email/public/v1/campaigns/{email_campaign_id}");
    let context = match shared
        .client
        .get(&path, EMAIL_EVENTS)
        .send_json::<wire::EmailCampaign>()
        .await
    {
        Ok(c) => EmailContext {
            name: c.name.filter(|n| !n.trim().is_empty()),
            campaign: c
                .content_id
                .as_ref()
                .and_then(id_text)
                .and_then(|id| index.by_email_content.get(&id.to_ascii_lowercase()).cloned()),
        },
        // An email deleted since: its events still count, without a name.
        Err(e) if e.status().map(|s| s.as_u16()) == Some(404) => EmailContext::default(),
        Err(e) => return Err(e.into()),
    };
    shared.emails.lock().await.insert(email_campaign_id, context.clone());
    Ok(context)
}
