//! `hubspot.email_events`: marketing email clicks and opens from the legacy email events API.
//!
//! State: none beyond the connector's caches (email names and campaigns); the position is the
//! [`EmailEventsCursor`]. The API pages newest first with a fixed `startTimestamp` (the type's
//! watermark minus `email_events.lookback_secs`); the watermark moves to the newest event read
//! once the type is done. Recipients are resolved to contacts with one batch read per page; each
//! event is one touchpoint keyed by its id, with the email as content and the email's campaign.

use super::lookup;
use super::stream_name;
use crate::client::EMAIL_EVENTS;
use crate::connector::Shared;
use crate::convert::engagement::{self, email_content};
use crate::convert::{Reject, from_millis, quarantine, watermark_limit};
use crate::cursor::{EmailEventsCursor, Range, TimelineScan};
use crate::error::HubSpotError;
use crate::wire;
use chrono::Utc;
use closedloop_core::Timestamp;
use closedloop_core::catalog::{ContentAsset, ContentKind};
use closedloop_core::cursor::StreamName;
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::sync::{PullMode, PullStream, PulledPage};
use std::collections::BTreeMap;
use std::sync::Arc;

const STREAM: &str = "hubspot.email_events";
/// Events per page: one batch read resolves a page's recipients.
const PAGE: &str = "100";

/// Reads email clicks and opens into touchpoints.
pub struct EmailEventsStream {
    shared: Arc<Shared>,
}

impl EmailEventsStream {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        EmailEventsStream { shared }
    }

    fn start(&self, cursor: &EmailEventsCursor, event_type: &str) -> Option<Timestamp> {
        match cursor.backfill {
            Some(range) => Some(range.since),
            None => cursor
                .watermarks
                .get(event_type)
                .map(|w| *w - self.shared.settings.email_lookback),
        }
    }
}

impl PullStream for EmailEventsStream {
    type Cursor = EmailEventsCursor;
    type Error = HubSpotError;

    fn name(&self) -> StreamName {
        stream_name(STREAM)
    }

    async fn next_page(
        &self,
        cursor: Option<&EmailEventsCursor>,
        mode: PullMode,
    ) -> Result<PulledPage<EmailEventsCursor>, HubSpotError> {
        let mut cursor = cursor.cloned().unwrap_or(EmailEventsCursor {
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
                let first = EmailEventsCursor::TYPES[0];
                TimelineScan {
                    event_type: first.to_owned(),
                    start: self.start(&cursor, first),
                    after: None,
                    pages: 0,
                    newest: None,
                }
            }
        };
        let mut query: Vec<(&str, String)> = vec![("eventType", scan.event_type.clone()), ("limit", PAGE.to_owned())];
        if let Some(start) = scan.start {
            query.push(("startTimestamp", start.timestamp_millis().to_string()));
        }
        if let Some(range) = cursor.backfill {
            query.push(("endTimestamp", range.until.timestamp_millis().to_string()));
        }
        if let Some(offset) = &scan.after {
            query.push(("offset", offset.clone()));
        }
        let page: wire::EmailEventPage = self
            .shared
            .client
            .get("/email/public/v1/events", EMAIL_EVENTS)
            .query(query.iter().map(|(k, v)| (*k, v.as_str())))
            .send_json()
            .await?;
        let now = Utc::now();
        let mut batch = PageBatch::default();
        let mut newest = scan.newest;
        let mut parsed = Vec::new();
        let limit = watermark_limit();
        for raw in &page.events {
            let at = raw
                .get("created")
                .and_then(serde_json::Value::as_i64)
                .and_then(from_millis);
            if let Some(at) = at.filter(|at| *at <= limit) {
                newest = Some(newest.map_or(at, |n: Timestamp| n.max(at)));
            }
            match engagement::email_event_recipient(raw) {
                Ok(ok) => parsed.push((ok, raw)),
                Err(reject) => quarantine(&mut batch, STREAM, reject, raw.clone()),
            }
        }
        let emails: Vec<_> = parsed.iter().map(|((_, email), _)| email.clone()).collect();
        let contacts = if emails.is_empty() {
            Default::default()
        } else {
            lookup::contacts_by_email(&self.shared, &emails).await?
        };
        let index = lookup::campaign_index(&self.shared, false).await?;
        let mut contexts: BTreeMap<u64, engagement::EmailContext> = BTreeMap::new();
        for ((event, email), raw) in parsed {
            let Some(contact) = contacts.get(&email) else {
                let reject = Reject::new(Some(&event.id), format!("no contact has the recipient's email {email}"));
                quarantine(&mut batch, STREAM, reject, raw.clone());
                continue;
            };
            let context = match event.email_campaign_id {
                Some(id) => match contexts.get(&id) {
                    Some(known) => known.clone(),
                    None => {
                        let c = lookup::email_context(&self.shared, id, &index).await?;
                        batch.records.push(Record::Content(ContentAsset {
                            key: email_content(&id.to_string()),
                            kind: ContentKind::Email,
                            title: c.name.clone().unwrap_or_else(|| format!("email {id}")),
                            url: None,
                            campaign: c.campaign.as_deref().and_then(engagement::campaign_key),
                            duration_seconds: None,
                        }));
                        contexts.insert(id, c.clone());
                        c
                    }
                },
                None => Default::default(),
            };
            match engagement::email_event(&event, contact, &context, now) {
                Ok(Some(t)) => batch.records.push(Record::Touchpoint(t)),
                Ok(None) => {}
                Err(reject) => quarantine(&mut batch, STREAM, reject, raw.clone()),
            }
        }
        let offset = page.offset.filter(|o| !o.is_empty());
        if page.has_more && !page.events.is_empty() && offset.is_some() {
            cursor.scan = Some(TimelineScan {
                after: offset,
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
        let position = EmailEventsCursor::TYPES.iter().position(|t| *t == scan.event_type);
        match position.and_then(|p| EmailEventsCursor::TYPES.get(p + 1)) {
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
