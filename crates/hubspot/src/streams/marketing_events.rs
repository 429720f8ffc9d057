//! `hubspot.marketing_events`: webinar registrations and attendance, with minutes and share watched.
//!
//! State: the events of the pass in progress (read once per pass); the position is the
//! [`MarketingEventsCursor`]. Participations have no modification filter, so a pass reads only the
//! events that may have changed: those whose fingerprint (update time, status and counters)
//! differs from the one of their last full read, and those recent enough that the webinar tool may
//! still be syncing attendance (`Tuning::recent_event`). Events are read in id order; an event's
//! fingerprint is stored once all its participations are read.

use super::lookup::{self, all_pages};
use super::stream_name;
use crate::client::MARKETING_EVENTS;
use crate::connector::Shared;
use crate::convert::catalog::marketing_event;
use crate::convert::engagement::{self, EventContext};
use crate::convert::{parse_time, quarantine};
use crate::cursor::{EventScan, MarketingEventsCursor};
use crate::error::HubSpotError;
use crate::wire;
use chrono::Utc;
use closedloop_core::cursor::StreamName;
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::sync::{PullMode, PullStream, PulledPage};
use std::sync::Arc;
use tokio::sync::Mutex;

const STREAM: &str = "hubspot.marketing_events";

/// Reads marketing-event participations into touchpoints.
pub struct MarketingEventsStream {
    shared: Arc<Shared>,
    events: Mutex<Option<(u64, Arc<Vec<wire::MarketingEvent>>)>>,
}

/// What tells whether an event's participations may have changed.
fn fingerprint(e: &wire::MarketingEvent) -> String {
    format!(
        "{}|{}|{}|{}|{}|{}",
        e.updated_at.as_deref().unwrap_or(""),
        e.event_status.as_deref().unwrap_or(""),
        e.registrants.unwrap_or(0),
        e.attendees.unwrap_or(0),
        e.cancellations.unwrap_or(0),
        e.no_shows.unwrap_or(0)
    )
}

impl MarketingEventsStream {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        MarketingEventsStream {
            shared,
            events: Mutex::new(None),
        }
    }

    async fn events(&self, pass: u64) -> Result<Arc<Vec<wire::MarketingEvent>>, HubSpotError> {
        let mut cache = self.events.lock().await;
        if let Some((p, events)) = cache.as_ref()
            && *p == pass
        {
            return Ok(Arc::clone(events));
        }
        let raw = all_pages(
            &self.shared,
            "/marketing/v3/marketing-events",
            MARKETING_EVENTS,
            &[("limit", "100".to_owned())],
        )
        .await?;
        let mut events: Vec<wire::MarketingEvent> = raw
            .into_iter()
            .filter_map(|v| serde_json::from_value(v).ok())
            .filter(|e: &wire::MarketingEvent| !e.object_id.is_empty())
            .collect();
        events.sort_by(|a, b| a.object_id.cmp(&b.object_id));
        let events = Arc::new(events);
        *cache = Some((pass, Arc::clone(&events)));
        Ok(events)
    }

    /// Whether an event's participations need reading in this pass.
    fn due(&self, e: &wire::MarketingEvent, cursor: &MarketingEventsCursor) -> bool {
        if cursor.fingerprints.get(&e.object_id) != Some(&fingerprint(e)) {
            return true;
        }
        let horizon = Utc::now() - self.shared.settings.tuning.recent_event;
        let last = e
            .end_date_time
            .as_deref()
            .or(e.start_date_time.as_deref())
            .and_then(parse_time);
        e.event_status.as_deref() != Some("COMPLETED") || last.is_none_or(|t| t >= horizon)
    }
}

impl PullStream for MarketingEventsStream {
    type Cursor = MarketingEventsCursor;
    type Error = HubSpotError;

    fn name(&self) -> StreamName {
        stream_name(STREAM)
    }

    async fn next_page(
        &self,
        cursor: Option<&MarketingEventsCursor>,
        _mode: PullMode,
    ) -> Result<PulledPage<MarketingEventsCursor>, HubSpotError> {
        let mut cursor = cursor.cloned().unwrap_or(MarketingEventsCursor {
            pass: 0,
            fingerprints: Default::default(),
            scan: None,
        });
        if cursor.scan.is_none() {
            cursor.pass += 1;
            *self.events.lock().await = None;
        }
        let events = self.events(cursor.pass).await?;
        let from = cursor.scan.as_ref().map(|s| s.event.clone());
        let next_due = |cursor: &MarketingEventsCursor, after: Option<&str>, inclusive: bool| {
            events.iter().position(|e| {
                let in_order = match after {
                    None => true,
                    Some(a) if inclusive => e.object_id.as_str() >= a,
                    Some(a) => e.object_id.as_str() > a,
                };
                in_order && self.due(e, cursor)
            })
        };
        let Some(i) = next_due(&cursor, from.as_deref(), true) else {
            cursor.scan = None;
            return Ok(PulledPage {
                batch: PageBatch::default(),
                cursor,
                more: false,
            });
        };
        let event = &events[i];
        let scan = match cursor.scan.clone().filter(|s| s.event == event.object_id) {
            Some(s) => s,
            None => EventScan {
                event: event.object_id.clone(),
                after: None,
                pages: 0,
                fingerprint: fingerprint(event),
            },
        };
        let index = lookup::campaign_index(&self.shared, false).await?;
        let campaign = index.event(&event.object_id);
        let context = EventContext {
            id: event.object_id.clone(),
            name: event.event_name.clone(),
            campaign: campaign.clone(),
        };
        let path = format!(
            "/marketing/v3/marketing-events/participations/{}/breakdown",
            event.object_id
        );
        let mut request = self
            .shared
            .client
            .get(&path, MARKETING_EVENTS)
            .query([("limit", "100")]);
        if let Some(after) = &scan.after {
            request = request.query([("after", after.as_str())]);
        }
        let page: wire::Page = request.send_json().await?;
        let now = Utc::now();
        let mut batch = PageBatch::default();
        if scan.pages == 0 {
            batch
                .records
                .push(Record::Content(marketing_event(event, campaign.as_deref())));
        }
        for raw in &page.results {
            match engagement::participation(raw, &context, now) {
                Ok(touches) => batch.records.extend(touches.into_iter().map(Record::Touchpoint)),
                Err(reject) => quarantine(&mut batch, STREAM, reject, raw.clone()),
            }
        }
        if let Some(after) = page.next_after().filter(|_| !page.results.is_empty()) {
            cursor.scan = Some(EventScan {
                after: Some(after),
                pages: scan.pages + 1,
                ..scan
            });
            return Ok(PulledPage {
                batch,
                cursor,
                more: true,
            });
        }
        cursor.fingerprints.insert(scan.event.clone(), scan.fingerprint.clone());
        match next_due(&cursor, Some(&scan.event), false) {
            Some(j) => {
                let next = &events[j];
                cursor.scan = Some(EventScan {
                    event: next.object_id.clone(),
                    after: None,
                    pages: 0,
                    fingerprint: fingerprint(next),
                });
                Ok(PulledPage {
                    batch,
                    cursor,
                    more: true,
                })
            }
            None => {
                cursor.scan = None;
                Ok(PulledPage {
                    batch,
                    cursor,
                    more: false,
                })
            }
        }
    }
}
