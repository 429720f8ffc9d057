//! `hubspot.web_events`: page views and CTA clicks from the Events API.
//!
//! State: none beyond the connector's caches; the position is the [`WebEventsCursor`]. Each event
//! type is read in time order from its watermark minus the lookback (`web_events.lookback_secs`),
//! so events HubSpot records late are still read; each event is one touchpoint keyed by its id.
//! Form submissions (`e_submitted_form`) are not read here: the submissions stream records them
//! under their `conversionId`, and reading both would count each submission twice.

use super::lookup;
use super::stream_name;
use crate::client::WEB_EVENTS;
use crate::connector::Shared;
use crate::convert::engagement;
use crate::convert::{parse_time, quarantine, watermark_limit};
use crate::cursor::{Range, TimelineScan, WebEventsCursor};
use crate::error::HubSpotError;
use crate::wire;
use chrono::{SecondsFormat, Utc};
use closedloop_core::Timestamp;
use closedloop_core::catalog::{ContentAsset, ContentKind};
use closedloop_core::cursor::StreamName;
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::sync::{PullMode, PullStream, PulledPage};
use serde_json::Value;
use std::collections::BTreeSet;
use std::sync::Arc;

const STREAM: &str = "hubspot.web_events";

/// Reads page views and CTA clicks into touchpoints.
pub struct WebEventsStream {
    shared: Arc<Shared>,
}

fn iso(t: Timestamp) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

impl WebEventsStream {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        WebEventsStream { shared }
    }

    fn start(&self, cursor: &WebEventsCursor, event_type: &str) -> Option<Timestamp> {
        match cursor.backfill {
            // `occurredAfter` excludes its instant.
            Some(range) => Some(range.since - chrono::Duration::milliseconds(1)),
            None => cursor
                .watermarks
                .get(event_type)
                .map(|w| *w - self.shared.settings.web_lookback),
        }
    }
}

impl PullStream for WebEventsStream {
    type Cursor = WebEventsCursor;
    type Error = HubSpotError;

    fn name(&self) -> StreamName {
        stream_name(STREAM)
    }

    async fn next_page(
        &self,
        cursor: Option<&WebEventsCursor>,
        mode: PullMode,
    ) -> Result<PulledPage<WebEventsCursor>, HubSpotError> {
        let mut cursor = cursor.cloned().unwrap_or(WebEventsCursor {
            pass: 0,
            watermarks: Default::default(),
            scan: None,
            backfill: None,
        });
        let scan = match cursor.scan.clone() {
            Some(s) => s,
            None => {
                cursor.pass += 1;
                cursor.backfill = match mode {
                    PullMode::Backfill { since, until } => Some(Range { since, until }),
                    PullMode::Incremental => None,
                };
                let first = WebEventsCursor::TYPES[0];
                TimelineScan {
                    event_type: first.to_owned(),
                    start: self.start(&cursor, first),
                    after: None,
                    pages: 0,
                    newest: None,
                }
            }
        };
        let mut query: Vec<(&str, String)> = vec![
            ("objectType", "contact".to_owned()),
            ("eventType", scan.event_type.clone()),
            ("sort", "occurredAt".to_owned()),
            ("limit", "100".to_owned()),
        ];
        if let Some(start) = scan.start {
            query.push(("occurredAfter", iso(start)));
        }
        if let Some(range) = cursor.backfill {
            query.push(("occurredBefore", iso(range.until + chrono::Duration::milliseconds(1))));
        }
        if let Some(after) = &scan.after {
            query.push(("after", after.clone()));
        }
        let page: wire::Page = self
            .shared
            .client
            .get("/events/v3/events", WEB_EVENTS)
            .query(query.iter().map(|(k, v)| (*k, v.as_str())))
            .send_json()
            .await?;
        let index = lookup::campaign_index(&self.shared, false).await?;
        let campaign_of = |utm: &str| index.utm(utm);
        let now = Utc::now();
        let mut batch = PageBatch::default();
        let mut pages_seen = BTreeSet::new();
        let mut newest = scan.newest;
        let limit = watermark_limit();
        for raw in &page.results {
            let at = raw.get("occurredAt").and_then(Value::as_str).and_then(parse_time);
            if let Some(at) = at.filter(|at| *at <= limit) {
                newest = Some(newest.map_or(at, |n: Timestamp| n.max(at)));
            }
            match engagement::web_event(raw, &campaign_of, now) {
                Ok(Some(t)) => {
                    if let Some((key, title, url)) = engagement::landing_page(raw)
                        && pages_seen.insert(key.clone())
                    {
                        batch.records.push(Record::Content(ContentAsset {
                            key,
                            kind: ContentKind::Page,
                            title,
                            url: Some(url),
                            campaign: t.campaign.clone(),
                            duration_seconds: None,
                        }));
                    }
                    batch.records.push(Record::Touchpoint(t));
                }
                Ok(None) => {}
                Err(reject) => quarantine(&mut batch, STREAM, reject, raw.clone()),
            }
        }
        if let Some(after) = page.next_after().filter(|_| !page.results.is_empty()) {
            cursor.scan = Some(TimelineScan {
                after: Some(after),
                pages: scan.pages + 1,
                newest,
                ..scan
            });
            return Ok(PulledPage {
                batch,
                cursor,
                more: true,
            });
        }
        if let Some(n) = newest {
            let w = cursor.watermarks.entry(scan.event_type.clone()).or_insert(n);
            *w = (*w).max(n);
        }
        let position = WebEventsCursor::TYPES.iter().position(|t| *t == scan.event_type);
        match position.and_then(|p| WebEventsCursor::TYPES.get(p + 1)) {
            Some(next) => {
                cursor.scan = Some(TimelineScan {
                    event_type: (*next).to_owned(),
                    start: self.start(&cursor, next),
                    after: None,
                    pages: 0,
                    newest: None,
                });
                Ok(PulledPage {
                    batch,
                    cursor,
                    more: true,
                })
            }
            None => {
                cursor.scan = None;
                cursor.backfill = None;
                Ok(PulledPage {
                    batch,
                    cursor,
                    more: false,
                })
            }
        }
    }
}
