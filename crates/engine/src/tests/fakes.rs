//! A fake stream over a fixed list of contacts and a fake push target, both able to fail.

use chrono::{TimeZone, Utc};
use closedloop_core::cursor::{Checkpoint, StreamName};
use closedloop_core::page::{PageBatch, Record};
use closedloop_core::records::{MarketingContact, SourceInfo};
use closedloop_core::sync::{
    ErrorDisposition, PullMode, PullStream, PulledPage, PushItem, PushOutcome, PushTarget, SyncError,
};
use closedloop_core::{Email, HubSpotId, System};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, thiserror::Error)]
#[error("fake failure: {0}")]
pub struct FakeError(pub &'static str, pub ErrorDisposition);

impl SyncError for FakeError {
    fn disposition(&self) -> ErrorDisposition {
        self.1.clone()
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Offset(pub usize);

impl Checkpoint for Offset {
    const VERSION: u32 = 1;
    fn is_at_or_after(&self, previous: &Self) -> bool {
        self.0 >= previous.0
    }
}

pub fn contact(n: usize) -> MarketingContact {
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(n as i64);
    MarketingContact {
        id: HubSpotId::parse(&(1000 + n).to_string()).unwrap(),
        email: Some(Email::parse(&format!("p{n}@example.com")).unwrap()),
        first_name: None,
        last_name: None,
        lifecycle_stage: None,
        lifecycle_dates: BTreeMap::new(),
        lead_status: None,
        original_source: SourceInfo::default(),
        latest_source: SourceInfo::default(),
        owner_id: None,
        merged_ids: vec![],
        fields: BTreeMap::new(),
        created_at: at,
        updated_at: at,
        archived: false,
    }
}

/// Serves `total` contacts `page_size` at a time; every call whose number is in `fail_on` fails.
pub struct FakeStream {
    pub name: &'static str,
    pub total: usize,
    pub page_size: usize,
    pub calls: AtomicU64,
    pub fail_every_other: bool,
    pub quota_after_calls: Option<u64>,
}

impl FakeStream {
    pub fn new(total: usize, page_size: usize) -> Self {
        FakeStream {
            name: "fake.contacts",
            total,
            page_size,
            calls: AtomicU64::new(0),
            fail_every_other: false,
            quota_after_calls: None,
        }
    }
}

impl PullStream for FakeStream {
    type Cursor = Offset;
    type Error = FakeError;

    fn name(&self) -> StreamName {
        StreamName::new(self.name).unwrap()
    }

    async fn next_page(&self, cursor: Option<&Offset>, _mode: PullMode) -> Result<PulledPage<Offset>, FakeError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if self.quota_after_calls.is_some_and(|q| call > q) {
            return Err(FakeError(
                "daily quota",
                ErrorDisposition::QuotaExhausted { until: None },
            ));
        }
        if self.fail_every_other && call.is_multiple_of(2) {
            return Err(FakeError("503 after retries", ErrorDisposition::Transient));
        }
        let start = cursor.map(|c| c.0).unwrap_or(0);
        let end = (start + self.page_size).min(self.total);
        let records = (start..end).map(|n| Record::MarketingContact(contact(n))).collect();
        Ok(PulledPage {
            batch: PageBatch {
                records,
                snapshots: vec![],
                rejected: vec![],
            },
            cursor: Offset(end),
            more: end < self.total,
        })
    }
}

/// A target that records what it was sent and fails as told.
pub struct FakeTarget {
    pub max_batch: usize,
    pub sent: Mutex<Vec<Vec<i64>>>,
    /// Items whose first field value is this fail permanently.
    pub reject_value: Option<String>,
    /// Items whose first field value is this fail retriably.
    pub lock_value: Option<String>,
    /// Every batch fails as a whole with this disposition.
    pub whole_batch_error: Option<ErrorDisposition>,
}

impl FakeTarget {
    pub fn new(max_batch: usize) -> Self {
        FakeTarget {
            max_batch,
            sent: Mutex::new(vec![]),
            reject_value: None,
            lock_value: None,
            whole_batch_error: None,
        }
    }
}

impl PushTarget for FakeTarget {
    type Error = FakeError;

    fn system(&self) -> System {
        System::Salesforce
    }

    fn max_batch(&self) -> usize {
        self.max_batch
    }

    async fn push(&self, items: &[PushItem]) -> Result<Vec<PushOutcome>, FakeError> {
        if let Some(d) = &self.whole_batch_error {
            return Err(FakeError("batch refused", d.clone()));
        }
        self.sent.lock().unwrap().push(items.iter().map(|i| i.id).collect());
        Ok(items
            .iter()
            .map(|i| {
                let first = i.fields.values().next().cloned().flatten();
                if first.is_some() && first == self.reject_value {
                    PushOutcome::Failed {
                        message: "FIELD_CUSTOM_VALIDATION_EXCEPTION: nope".into(),
                        retriable: false,
                    }
                } else if first.is_some() && first == self.lock_value {
                    PushOutcome::Failed {
                        message: "UNABLE_TO_LOCK_ROW".into(),
                        retriable: true,
                    }
                } else {
                    PushOutcome::Written { created_id: None }
                }
            })
            .collect())
    }
}
