//! `hubspot.form_submissions`: each form's submissions, newest first, down to what the last pass read.
//!
//! State: the forms of the pass in progress (read once per pass, reused by its pages); the
//! position is the [`FormsCursor`]. Forms are read in GUID order. A form's scan stops at the
//! first page reaching below its watermark minus the lookback (`form_submissions.lookback_secs`),
//! and the watermark moves to the newest submission only when the form is done. Submissions name
//! the person by email: each page's emails are resolved to contacts with one batch read
//! (merged-away addresses lead to the surviving contact). Each submission is one touchpoint keyed
//! by its `conversionId`: a content download when the form gates a whitepaper, e-book or case
//! study, else a form submission, with the form as content and its campaign.

use super::lookup::{self, all_pages};
use super::stream_name;
use crate::client::{FORMS, SUBMISSIONS};
use crate::connector::Shared;
use crate::convert::engagement::{self, FormContext};
use crate::convert::{Reject, from_millis, quarantine, watermark_limit};
use crate::cursor::{FormScan, FormsCursor, Range};
use crate::error::HubSpotError;
use crate::wire;
use chrono::Utc;
use closedloop_core::Timestamp;
use closedloop_core::cursor::StreamName;
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::sync::{PullMode, PullStream, PulledPage};
use std::sync::Arc;
use tokio::sync::Mutex;

const STREAM: &str = "hubspot.form_submissions";
/// Most submissions per page (HubSpot's legacy API allows 50).
const PAGE: u32 = 50;

/// Reads form submissions into touchpoints.
pub struct FormSubmissionsStream {
    shared: Arc<Shared>,
    forms: Mutex<Option<(u64, Arc<Vec<FormContext>>)>>,
}

impl FormSubmissionsStream {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        FormSubmissionsStream {
            shared,
            forms: Mutex::new(None),
        }
    }

    /// The forms of `pass`, in GUID order.
    async fn forms(&self, pass: u64) -> Result<Arc<Vec<FormContext>>, HubSpotError> {
        let mut cache = self.forms.lock().await;
        if let Some((p, forms)) = cache.as_ref()
            && *p == pass
        {
            return Ok(Arc::clone(forms));
        }
        let raw = all_pages(
            &self.shared,
            "/marketing/v3/forms",
            FORMS,
            &[("limit", "50".to_owned())],
        )
        .await?;
        let index = lookup::campaign_index(&self.shared, false).await?;
        let kinds = &self.shared.settings.content_kinds;
        let mut forms: Vec<FormContext> = raw
            .into_iter()
            .filter_map(|v| serde_json::from_value::<wire::Form>(v).ok())
            .filter(|f| !f.archived && !f.id.is_empty())
            .map(|f| FormContext {
                guid: f.id.to_ascii_lowercase(),
                kind: engagement::form_kind(&f.id, &f.name, kinds),
                campaign: index.form(&f.id),
                name: f.name,
            })
            .collect();
        forms.sort_by(|a, b| a.guid.cmp(&b.guid));
        forms.dedup_by(|a, b| a.guid == b.guid);
        let forms = Arc::new(forms);
        *cache = Some((pass, Arc::clone(&forms)));
        Ok(forms)
    }

    async fn read_page(
        &self,
        form: &FormContext,
        scan: &FormScan,
        stop: Option<Timestamp>,
        backfill: Option<Range>,
    ) -> Result<(PageBatch, Option<String>, bool, Option<Timestamp>), HubSpotError> {
        let path = format!("/form-integrations/v1/submissions/forms/{}", form.guid);
        let mut request = self
            .shared
            .client
            .get(&path, SUBMISSIONS)
            .query([("limit", PAGE.to_string())]);
        if let Some(after) = &scan.after {
            request = request.query([("after", after.as_str())]);
        }
        let page: wire::Page = request.send_json().await?;
        let now = Utc::now();
        let mut batch = PageBatch::default();
        let mut parsed = Vec::new();
        let mut newest: Option<Timestamp> = None;
        let mut oldest: Option<Timestamp> = None;
        for raw in &page.results {
            let at = raw
                .get("submittedAt")
                .and_then(serde_json::Value::as_i64)
                .and_then(from_millis);
            if let Some(at) = at {
                oldest = Some(oldest.map_or(at, |o: Timestamp| o.min(at)));
            }
            let wanted = at.is_none_or(|at| stop.is_none_or(|s| at >= s) && backfill.is_none_or(|r| r.contains(at)));
            if !wanted {
                continue;
            }
            if let Some(at) = at.filter(|at| *at <= watermark_limit()) {
                newest = Some(newest.map_or(at, |n: Timestamp| n.max(at)));
            }
            match engagement::submission_email(raw) {
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
        for ((sub, email), raw) in parsed {
            let Some(contact) = contacts.get(&email) else {
                let reject = Reject::new(
                    Some(&sub.conversion_id),
                    format!("no contact has the submission's email {email}"),
                );
                quarantine(&mut batch, STREAM, reject, raw.clone());
                continue;
            };
            match engagement::submission(&sub, contact, form, now) {
                Ok(t) => batch.records.push(Record::Touchpoint(t)),
                Err(reject) => quarantine(&mut batch, STREAM, reject, raw.clone()),
            }
        }
        let next = page.next_after();
        // Newest first: once a page reaches below the stop, older pages hold nothing new.
        let below = match (stop.or(backfill.map(|r| r.since)), oldest) {
            (Some(s), Some(o)) => o < s,
            _ => false,
        };
        let more_of_form = next.is_some() && !below && !page.results.is_empty();
        Ok((batch, next.filter(|_| more_of_form), more_of_form, newest))
    }
}

impl PullStream for FormSubmissionsStream {
    type Cursor = FormsCursor;
    type Error = HubSpotError;

    fn name(&self) -> StreamName {
        stream_name(STREAM)
    }

    async fn next_page(
        &self,
        cursor: Option<&FormsCursor>,
        mode: PullMode,
    ) -> Result<PulledPage<FormsCursor>, HubSpotError> {
        let mut cursor = cursor.cloned().unwrap_or(FormsCursor {
            pass: 0,
            watermarks: Default::default(),
            scan: None,
            backfill: None,
        });
        if cursor.scan.is_none() {
            cursor.pass += 1;
            cursor.backfill = match mode {
                PullMode::Backfill { since, until } => Some(Range { since, until }),
                PullMode::Incremental => None,
            };
            // A new pass reads the forms again (new forms appear, deleted ones go).
            *self.forms.lock().await = None;
        }
        let forms = self.forms(cursor.pass).await?;
        // The form to read: the scan's, or the first one at or after it (it may be gone).
        let scan = cursor.scan.clone();
        let position = match &scan {
            Some(s) => forms.iter().position(|f| f.guid >= s.form),
            None => (!forms.is_empty()).then_some(0),
        };
        let Some(i) = position else {
            cursor.scan = None;
            cursor.backfill = None;
            return Ok(PulledPage {
                batch: PageBatch::default(),
                cursor,
                more: false,
            });
        };
        let form = &forms[i];
        let scan = match scan.filter(|s| s.form == form.guid) {
            Some(s) => s,
            None => FormScan {
                form: form.guid.clone(),
                after: None,
                pages: 0,
                newest: None,
            },
        };
        let stop = match cursor.backfill {
            Some(range) => Some(range.since),
            None => cursor
                .watermarks
                .get(&form.guid)
                .map(|w| *w - self.shared.settings.forms_lookback),
        };
        let (batch, after, more_of_form, newest) = self.read_page(form, &scan, stop, cursor.backfill).await?;
        let newest = match (scan.newest, newest) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        if more_of_form {
            cursor.scan = Some(FormScan {
                form: form.guid.clone(),
                after,
                pages: scan.pages + 1,
                newest,
            });
            return Ok(PulledPage {
                batch,
                cursor,
                more: true,
            });
        }
        if let Some(n) = newest {
            let w = cursor.watermarks.entry(form.guid.clone()).or_insert(n);
            *w = (*w).max(n);
        }
        match forms.get(i + 1) {
            Some(next) => {
                cursor.scan = Some(FormScan {
                    form: next.guid.clone(),
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
