//! `hubspot.catalog`: owners, deal pipelines, campaigns, and forms and marketing events as content.
//!
//! State: none beyond the connector's caches, which a catalog pass refreshes (pipelines and the
//! campaign index); the position is the [`CatalogCursor`]. Each page reads one step (owners a
//! page at a time): reference data is small, so each pass reads it whole and the store writes
//! only what changed.

use super::lookup::{self, all_pages};
use super::stream_name;
use crate::client::{FORMS, MARKETING_EVENTS, OWNERS};
use crate::connector::Shared;
use crate::convert::catalog as convert;
use crate::convert::deal::pipeline;
use crate::convert::quarantine;
use crate::cursor::{CatalogCursor, CatalogStep};
use crate::error::HubSpotError;
use crate::wire;
use closedloop_core::cursor::StreamName;
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::sync::{PullMode, PullStream, PulledPage};
use std::sync::Arc;

const STREAM: &str = "hubspot.catalog";

/// Reads reference data.
pub struct CatalogStream {
    shared: Arc<Shared>,
}

impl CatalogStream {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        CatalogStream { shared }
    }

    /// Reads one page of `step`; returns the records and the next page's `after` within the step.
    async fn read(&self, step: CatalogStep, after: Option<&str>) -> Result<(PageBatch, Option<String>), HubSpotError> {
        let mut batch = PageBatch::default();
        match step {
            CatalogStep::Owners => {
                let mut request = self
                    .shared
                    .client
                    .get("/crm/v3/owners", OWNERS)
                    .query([("limit", "100")]);
                if let Some(a) = after {
                    request = request.query([("after", a)]);
                }
                let page: wire::Page = request.send_json().await?;
                for raw in &page.results {
                    match convert::owner(raw) {
                        Ok(owner) => batch.records.push(Record::Owner(owner)),
                        Err(reject) => quarantine(&mut batch, STREAM, reject, raw.clone()),
                    }
                }
                return Ok((batch, page.next_after().filter(|_| !page.results.is_empty())));
            }
            CatalogStep::Pipelines => {
                for p in lookup::pipelines(&self.shared, true).await?.iter() {
                    batch.records.push(Record::Pipeline(pipeline(p)));
                }
            }
            CatalogStep::Campaigns => {
                let index = lookup::campaign_index(&self.shared, true).await?;
                for c in &index.campaigns {
                    match convert::campaign(c) {
                        Ok(campaign) => batch.records.push(Record::Campaign(campaign)),
                        Err(reject) => {
                            let payload = serde_json::json!({ "id": c.id, "properties": c.properties });
                            quarantine(&mut batch, STREAM, reject, payload);
                        }
                    }
                }
            }
            CatalogStep::Forms => {
                let index = lookup::campaign_index(&self.shared, false).await?;
                let raw = all_pages(
                    &self.shared,
                    "/marketing/v3/forms",
                    FORMS,
                    &[("limit", "50".to_owned())],
                )
                .await?;
                for value in raw {
                    match serde_json::from_value::<wire::Form>(value.clone()) {
                        Ok(f) if !f.archived => {
                            let campaign = index.form(&f.id);
                            let asset = convert::form(&f, campaign.as_deref(), &self.shared.settings.content_kinds);
                            batch.records.push(Record::Content(asset));
                        }
                        Ok(_) => {}
                        Err(e) => {
                            let reject = crate::convert::Reject::new(None, format!("not a form: {e}"));
                            quarantine(&mut batch, STREAM, reject, value);
                        }
                    }
                }
            }
            CatalogStep::MarketingEvents => {
                let index = lookup::campaign_index(&self.shared, false).await?;
                let raw = all_pages(
                    &self.shared,
                    "/marketing/v3/marketing-events",
                    MARKETING_EVENTS,
                    &[("limit", "100".to_owned())],
                )
                .await?;
                for value in raw {
                    match serde_json::from_value::<wire::MarketingEvent>(value.clone()) {
                        Ok(e) => {
                            let campaign = index.event(&e.object_id);
                            batch
                                .records
                                .push(Record::Content(convert::marketing_event(&e, campaign.as_deref())));
                        }
                        Err(e) => {
                            let reject = crate::convert::Reject::new(None, format!("not a marketing event: {e}"));
                            quarantine(&mut batch, STREAM, reject, value);
                        }
                    }
                }
            }
            CatalogStep::Done => {}
        }
        Ok((batch, None))
    }
}

impl PullStream for CatalogStream {
    type Cursor = CatalogCursor;
    type Error = HubSpotError;

    fn name(&self) -> StreamName {
        stream_name(STREAM)
    }

    async fn next_page(
        &self,
        cursor: Option<&CatalogCursor>,
        _mode: PullMode,
    ) -> Result<PulledPage<CatalogCursor>, HubSpotError> {
        let mut cursor = match cursor {
            Some(c) if c.step != CatalogStep::Done => c.clone(),
            other => CatalogCursor {
                pass: other.map_or(0, |c| c.pass) + 1,
                step: CatalogStep::Owners,
                after: None,
                pages: 0,
            },
        };
        let (batch, after) = self.read(cursor.step, cursor.after.as_deref()).await?;
        match after {
            Some(a) => {
                cursor.after = Some(a);
                cursor.pages += 1;
            }
            None => {
                cursor.step = cursor.step.next();
                cursor.after = None;
                cursor.pages = 0;
            }
        }
        let more = cursor.step != CatalogStep::Done;
        Ok(PulledPage { batch, cursor, more })
    }
}
