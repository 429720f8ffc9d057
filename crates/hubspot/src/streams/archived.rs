//! `hubspot.contacts_archived` and `hubspot.deals_archived`: deletions, read from the
//! `archived=true` list because search never returns archived records.
//!
//! State: none beyond the connector's caches; the position is the [`ArchivedCursor`]. Each pass
//! reads the whole archived list. An archived record becomes its normal record marked archived
//! (`MarketingContact::archived`, `Deal::deleted`) with a snapshot, so an unchanged re-read costs
//! the store nothing; one whose data no longer converts still becomes a `Tombstone`, so the
//! deletion is never lost. Merges need no pass of their own: the surviving contact changes, the
//! contacts stream reads its `hs_merged_object_ids`, and the merged-away id is mapped onto it.

use super::objects::pipeline_index;
use super::stream_name;
use crate::client::LIST;
use crate::connector::Shared;
use crate::convert::{contact, deal, parse_time, quarantine};
use crate::cursor::ArchivedCursor;
use crate::error::HubSpotError;
use crate::wire;
use chrono::Utc;
use closedloop_core::cursor::StreamName;
use closedloop_core::ids::{ExternalId, HubSpotId};
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::sync::{PullMode, PullStream, PulledPage};
use closedloop_core::system::ObjectType;
use serde_json::Value;
use std::sync::Arc;

/// Reads one object type's archived records.
pub struct ArchivedStream {
    shared: Arc<Shared>,
    object: ObjectType,
    properties: Vec<String>,
}

impl ArchivedStream {
    pub(crate) fn contacts(shared: Arc<Shared>) -> Self {
        let properties = contact::properties(&shared.settings.fields.read);
        ArchivedStream {
            shared,
            object: ObjectType::Contact,
            properties,
        }
    }

    pub(crate) fn deals(shared: Arc<Shared>) -> Self {
        ArchivedStream {
            shared,
            object: ObjectType::Deal,
            properties: deal::PROPERTIES.iter().map(|s| (*s).to_owned()).collect(),
        }
    }

    fn path(&self) -> &'static str {
        match self.object {
            ObjectType::Deal => "/crm/v3/objects/deals",
            _ => "/crm/v3/objects/contacts",
        }
    }

    fn stream(&self) -> &'static str {
        match self.object {
            ObjectType::Deal => "hubspot.deals_archived",
            _ => "hubspot.contacts_archived",
        }
    }

    async fn convert(&self, objects: &[Value]) -> Result<PageBatch, HubSpotError> {
        let now = Utc::now();
        let mut batch = PageBatch::default();
        let index = match self.object {
            ObjectType::Deal => Some(pipeline_index(&self.shared, objects).await?),
            _ => None,
        };
        for raw in objects {
            let converted = match &index {
                Some(index) => deal::convert(raw, None, index, now),
                None => contact::convert(raw, &self.shared.settings.fields.read, now).map(|c| (c.records, c.snapshot)),
            };
            match converted {
                Ok((records, snapshot)) => {
                    // Only the record itself: its history was read while it lived.
                    batch.records.extend(
                        records
                            .into_iter()
                            .filter(|r| matches!(r, Record::MarketingContact(_) | Record::Deal(_))),
                    );
                    batch.snapshots.push(snapshot);
                }
                Err(reject) => {
                    if let Some(tombstone) = self.tombstone(raw) {
                        batch.records.push(tombstone);
                    }
                    quarantine(&mut batch, self.stream(), reject, raw.clone());
                }
            }
        }
        Ok(batch)
    }

    fn tombstone(&self, raw: &Value) -> Option<Record> {
        let object: wire::CrmObject = serde_json::from_value(raw.clone()).ok()?;
        let id = HubSpotId::parse(&object.id).ok()?;
        Some(Record::Tombstone {
            key: ExternalId::hubspot(self.object, &id),
            at: object.archived_at.as_deref().and_then(parse_time),
        })
    }
}

impl PullStream for ArchivedStream {
    type Cursor = ArchivedCursor;
    type Error = HubSpotError;

    fn name(&self) -> StreamName {
        stream_name(self.stream())
    }

    async fn next_page(
        &self,
        cursor: Option<&ArchivedCursor>,
        _mode: PullMode,
    ) -> Result<PulledPage<ArchivedCursor>, HubSpotError> {
        let (pass, after, pages) = match cursor {
            Some(ArchivedCursor::Scanning { pass, after, pages }) => (*pass, after.clone(), *pages),
            Some(ArchivedCursor::Idle { pass }) => (pass + 1, None, 0),
            None => (1, None, 0),
        };
        let limit = self.shared.settings.tuning.list_page_size.to_string();
        let properties = self.properties.join(",");
        let mut query = vec![
            ("limit", limit.as_str()),
            ("properties", properties.as_str()),
            ("archived", "true"),
        ];
        if let Some(a) = &after {
            query.push(("after", a.as_str()));
        }
        let page: wire::Page = self
            .shared
            .client
            .get(self.path(), LIST)
            .query(query)
            .send_json()
            .await?;
        let next = page.next_after();
        let batch = self.convert(&page.results).await?;
        let cursor = match &next {
            Some(a) => ArchivedCursor::Scanning {
                pass,
                after: Some(a.clone()),
                pages: pages + 1,
            },
            None => ArchivedCursor::Idle { pass },
        };
        Ok(PulledPage {
            batch,
            cursor,
            more: next.is_some(),
        })
    }
}
