//! `hubspot.contacts` and `hubspot.deals`: a full list on the first run (and on `backfill`, which
//! lists every record again: a record's current state has no date range), then incremental passes
//! through search by modification time.
//!
//! State: none beyond the connector's caches; the position is the [`ObjectCursor`]. A pass
//! starts at the previous pass's high-water mark minus the stream's lookback (`lookback_secs`),
//! so records that reach HubSpot's search index late are still read; re-reads are idempotent.
//! The list starts by asking search for the newest modification time, so changes made while a
//! long list runs are read by the first search pass after it.
//!
//! Contacts come from list and search with every property needed. Deals need their stage history,
//! which search cannot return: a deal search page is followed by a batch read of those deals with
//! `propertiesWithHistory`, and by a v4 batch read of their contact associations.

use super::lookup;
use super::search::{self, SearchSpec};
use super::stream_name;
use crate::client::{ASSOCIATIONS, BATCH_READ, LIST};
use crate::connector::Shared;
use crate::convert::deal::{self, PipelineIndex};
use crate::convert::{contact, quarantine};
use crate::cursor::{ObjectCursor, SearchScan};
use crate::error::HubSpotError;
use crate::wire::{self, id_text};
use chrono::{DateTime, Utc};
use closedloop_core::Timestamp;
use closedloop_core::cursor::StreamName;
use closedloop_core::ids::HubSpotId;
use closedloop_core::page::PageBatch;
use closedloop_core::sync::{PullMode, PullStream, PulledPage};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Most deals per batch read with histories.
const HISTORY_BATCH: usize = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Contacts,
    Deals,
}

impl Kind {
    fn object(self) -> &'static str {
        match self {
            Kind::Contacts => "contacts",
            Kind::Deals => "deals",
        }
    }

    fn modified(self) -> &'static str {
        match self {
            Kind::Contacts => "lastmodifieddate",
            Kind::Deals => "hs_lastmodifieddate",
        }
    }

    fn stream(self) -> &'static str {
        match self {
            Kind::Contacts => "hubspot.contacts",
            Kind::Deals => "hubspot.deals",
        }
    }
}

/// The reader behind both streams.
struct Reader {
    shared: Arc<Shared>,
    kind: Kind,
    properties: Vec<String>,
}

/// The lowest instant: "everything" for a portal with no records yet.
fn beginning() -> Timestamp {
    DateTime::<Utc>::UNIX_EPOCH
}

impl Reader {
    fn new(shared: Arc<Shared>, kind: Kind) -> Self {
        let properties = match kind {
            Kind::Contacts => contact::properties(&shared.settings.fields.read),
            Kind::Deals => deal::PROPERTIES.iter().map(|s| (*s).to_owned()).collect(),
        };
        Reader {
            shared,
            kind,
            properties,
        }
    }

    fn lookback(&self) -> chrono::Duration {
        match self.kind {
            Kind::Contacts => self.shared.settings.contacts_lookback,
            Kind::Deals => self.shared.settings.deals_lookback,
        }
    }

    fn list_page_size(&self) -> u32 {
        let size = self.shared.settings.tuning.list_page_size;
        match self.kind {
            Kind::Contacts => size,
            // Histories cap a list page at 50.
            Kind::Deals => size.min(50),
        }
    }

    fn search_spec(&self) -> SearchSpec<'_> {
        let tuning = &self.shared.settings.tuning;
        SearchSpec {
            object: self.kind.object(),
            modified: self.kind.modified(),
            properties: &self.properties,
            page_size: match self.kind {
                Kind::Contacts => tuning.search_page_size,
                // Each deal search page is re-read with histories, 50 at a time.
                Kind::Deals => tuning.search_page_size.min(HISTORY_BATCH as u32),
            },
        }
    }

    async fn next_page(
        &self,
        cursor: Option<&ObjectCursor>,
        mode: PullMode,
    ) -> Result<PulledPage<ObjectCursor>, HubSpotError> {
        let backfill = matches!(mode, PullMode::Backfill { .. });
        match cursor {
            Some(ObjectCursor::Listing {
                pass,
                after,
                pages,
                resume_from,
            }) => self.list(*pass, after.clone(), *pages, *resume_from).await,
            None => {
                let resume_from = search::newest(&self.shared, self.kind.object(), self.kind.modified())
                    .await?
                    .unwrap_or_else(beginning);
                self.list(1, None, 0, resume_from).await
            }
            // A backfill lists every record again (a record's current state has no date range;
            // the range applies to engagement); incremental reads then continue from where they
            // stood.
            Some(current @ (ObjectCursor::Searching { .. } | ObjectCursor::Idle { .. })) if backfill => {
                let resume_from = match current {
                    ObjectCursor::Searching { scan, .. } => scan.since,
                    ObjectCursor::Idle { high_water, .. } => *high_water,
                    ObjectCursor::Listing { resume_from, .. } => *resume_from,
                };
                self.list(current.pass() + 1, None, 0, resume_from).await
            }
            Some(ObjectCursor::Searching { pass, scan }) => self.search(*pass, scan).await,
            Some(ObjectCursor::Idle { pass, high_water }) => {
                let scan = SearchScan::starting(*high_water - self.lookback(), *high_water);
                self.search(pass + 1, &scan).await
            }
        }
    }

    async fn list(
        &self,
        pass: u64,
        after: Option<String>,
        pages: u64,
        resume_from: Timestamp,
    ) -> Result<PulledPage<ObjectCursor>, HubSpotError> {
        let mut query: Vec<(&str, String)> = vec![
            ("limit", self.list_page_size().to_string()),
            ("properties", self.properties.join(",")),
            ("archived", "false".to_owned()),
        ];
        if self.kind == Kind::Deals {
            query.push(("propertiesWithHistory", deal::HISTORY.join(",")));
            query.push(("associations", "contacts".to_owned()));
        }
        if let Some(a) = &after {
            query.push(("after", a.clone()));
        }
        let path = format!("/crm/v3/objects/{}", self.kind.object());
        let page: wire::Page = self
            .shared
            .client
            .get(&path, LIST)
            .query(query.iter().map(|(k, v)| (*k, v.as_str())))
            .send_json()
            .await?;
        let next = page.next_after();
        let batch = self.convert(&page.results, None).await?;
        let cursor = match &next {
            Some(after) => ObjectCursor::Listing {
                pass,
                after: Some(after.clone()),
                pages: pages + 1,
                resume_from,
            },
            None => ObjectCursor::Idle {
                pass,
                high_water: resume_from,
            },
        };
        Ok(PulledPage {
            batch,
            cursor,
            more: next.is_some(),
        })
    }

    async fn search(&self, pass: u64, scan: &SearchScan) -> Result<PulledPage<ObjectCursor>, HubSpotError> {
        let spec = self.search_spec();
        let page = search::step(&self.shared, &spec, scan).await?;
        let batch = match self.kind {
            Kind::Contacts => self.convert(&page.objects, None).await?,
            Kind::Deals => {
                let ids: Vec<String> = page
                    .objects
                    .iter()
                    .filter_map(|o| o.get("id").and_then(Value::as_str).map(str::to_owned))
                    .collect();
                let (objects, mut batch) = self.deals_with_history(&ids).await?;
                let associations = self.deal_contacts(&ids).await?;
                let converted = self.convert(&objects, Some(&associations)).await?;
                batch.records.extend(converted.records);
                batch.snapshots.extend(converted.snapshots);
                batch.rejected.extend(converted.rejected);
                batch
            }
        };
        let cursor = if page.finished {
            ObjectCursor::Idle {
                pass,
                high_water: page.scan.high_water,
            }
        } else {
            ObjectCursor::Searching { pass, scan: page.scan }
        };
        Ok(PulledPage {
            batch,
            cursor,
            more: !page.finished,
        })
    }

    /// Deals by id, with their stage and amount histories (deals archived since are absent).
    async fn deals_with_history(&self, ids: &[String]) -> Result<(Vec<Value>, PageBatch), HubSpotError> {
        let mut objects = Vec::new();
        for chunk in ids.chunks(HISTORY_BATCH) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
            let body =
                json!({ "inputs": inputs, "properties": self.properties, "propertiesWithHistory": deal::HISTORY });
            let response: wire::BatchResponse = self
                .shared
                .client
                .post("/crm/v3/objects/deals/batch/read", BATCH_READ)
                .json(&body)
                .send_json()
                .await?;
            objects.extend(response.results);
        }
        Ok((objects, PageBatch::default()))
    }

    /// The contacts associated with each deal (v4 batch read; a deal with none is simply absent).
    async fn deal_contacts(&self, ids: &[String]) -> Result<HashMap<String, Vec<HubSpotId>>, HubSpotError> {
        let mut out: HashMap<String, Vec<HubSpotId>> = ids.iter().map(|id| (id.clone(), Vec::new())).collect();
        for chunk in ids.chunks(1000) {
            let inputs: Vec<Value> = chunk.iter().map(|id| json!({ "id": id })).collect();
            let response: wire::BatchResponse = self
                .shared
                .client
                .post("/crm/v4/associations/deals/contacts/batch/read", ASSOCIATIONS)
                .json(&json!({ "inputs": inputs }))
                .send_json()
                .await?;
            for raw in response.results {
                let Ok(result) = serde_json::from_value::<wire::AssociationResult>(raw) else {
                    continue;
                };
                if result.paging.as_ref().and_then(|p| p.next.as_ref()).is_some() {
                    tracing::warn!(deal = ?result.from.id, "deal has more than 500 contacts; reading the first 500");
                }
                let Some(from) = id_text(&result.from.id) else { continue };
                let contacts = result
                    .to
                    .iter()
                    .filter_map(|t| id_text(&t.to_object_id))
                    .filter_map(|id| HubSpotId::parse(&id).ok());
                out.entry(from).or_default().extend(contacts);
            }
        }
        Ok(out)
    }

    async fn convert(
        &self,
        objects: &[Value],
        associations: Option<&HashMap<String, Vec<HubSpotId>>>,
    ) -> Result<PageBatch, HubSpotError> {
        let now = Utc::now();
        let stream = self.kind.stream();
        let mut batch = PageBatch::default();
        match self.kind {
            Kind::Contacts => {
                for raw in objects {
                    match contact::convert(raw, &self.shared.settings.fields.read, now) {
                        Ok(c) => {
                            batch.records.extend(c.records);
                            batch.snapshots.push(c.snapshot);
                        }
                        Err(reject) => quarantine(&mut batch, stream, reject, raw.clone()),
                    }
                }
            }
            Kind::Deals => {
                let index = pipeline_index(&self.shared, objects).await?;
                for raw in objects {
                    let id = raw.get("id").and_then(Value::as_str).unwrap_or("");
                    let contacts = associations.and_then(|a| a.get(id)).map(Vec::as_slice);
                    match deal::convert(raw, contacts, &index, now) {
                        Ok((records, snapshot)) => {
                            batch.records.extend(records);
                            batch.snapshots.push(snapshot);
                        }
                        Err(reject) => quarantine(&mut batch, stream, reject, raw.clone()),
                    }
                }
            }
        }
        Ok(batch)
    }
}

/// The pipeline index, read again when the page names a stage the cached one lacks.
pub(crate) async fn pipeline_index(shared: &Shared, objects: &[Value]) -> Result<PipelineIndex, HubSpotError> {
    let index = PipelineIndex::new(&lookup::pipelines(shared, false).await?);
    let stage_of = |o: &Value| {
        let props = o.get("properties")?;
        let stage = props.get("dealstage")?.as_str()?.to_owned();
        let pipeline = props
            .get("pipeline")
            .and_then(Value::as_str)
            .unwrap_or("default")
            .to_owned();
        Some((pipeline, stage))
    };
    let unknown = objects
        .iter()
        .filter_map(stage_of)
        .any(|(pipeline, stage)| index.flags(&pipeline, &stage).is_none());
    if unknown {
        return Ok(PipelineIndex::new(&lookup::pipelines(shared, true).await?));
    }
    Ok(index)
}

/// `hubspot.contacts`: contacts with lifecycle stages, lead status, sources, owner, merges and
/// the read-back properties. Cursor: [`ObjectCursor`].
pub struct ContactsStream {
    reader: Reader,
}

impl ContactsStream {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        ContactsStream {
            reader: Reader::new(shared, Kind::Contacts),
        }
    }
}

impl PullStream for ContactsStream {
    type Cursor = ObjectCursor;
    type Error = HubSpotError;

    fn name(&self) -> StreamName {
        stream_name("hubspot.contacts")
    }

    async fn next_page(
        &self,
        cursor: Option<&ObjectCursor>,
        mode: PullMode,
    ) -> Result<PulledPage<ObjectCursor>, HubSpotError> {
        self.reader.next_page(cursor, mode).await
    }
}

/// `hubspot.deals`: deals with stage history, amounts, close reasons and contacts. Cursor:
/// [`ObjectCursor`].
pub struct DealsStream {
    reader: Reader,
}

impl DealsStream {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        DealsStream {
            reader: Reader::new(shared, Kind::Deals),
        }
    }
}

impl PullStream for DealsStream {
    type Cursor = ObjectCursor;
    type Error = HubSpotError;

    fn name(&self) -> StreamName {
        stream_name("hubspot.deals")
    }

    async fn next_page(
        &self,
        cursor: Option<&ObjectCursor>,
        mode: PullMode,
    ) -> Result<PulledPage<ObjectCursor>, HubSpotError> {
        self.reader.next_page(cursor, mode).await
    }
}
