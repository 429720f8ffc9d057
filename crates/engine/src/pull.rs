//! Driving one stream: load its cursor, read a page, commit page and cursor together, repeat.
//!
//! State: none of its own; the cursor lives in the store. Cancellation is only honoured between
//! pages, so a shutdown never leaves a page half-written: the page in flight is either committed
//! whole (with its cursor) or not at all.

use crate::error::EngineError;
use closedloop_core::sync::{PullMode, PullStream, SyncError};
use closedloop_store::Store;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

/// What one drive of a stream did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct StreamOutcome {
    /// The stream.
    pub stream: String,
    /// Pages committed.
    pub pages: u64,
    /// Records written.
    pub written: u64,
    /// Records skipped as unchanged.
    pub unchanged: u64,
    /// Inputs quarantined.
    pub rejected: u64,
    /// True when the stream caught up (no more pages now); false when stopped early.
    pub caught_up: bool,
}

/// Called after each committed page (progress bars, log lines).
pub trait PageObserver: Send + Sync {
    /// A page was committed; `position_time` is how far through time the stream's cursor is, if it knows.
    fn page_committed(&self, outcome: &StreamOutcome, position_time: Option<closedloop_core::Timestamp>);
}

/// Observes nothing.
pub struct NoObserver;

impl PageObserver for NoObserver {
    fn page_committed(&self, _: &StreamOutcome, _: Option<closedloop_core::Timestamp>) {}
}

/// Reads `stream` until it has caught up, `max_pages` pages were read, or `cancel` fires.
/// On a connector error the stream's error is recorded in the store (cursor untouched).
pub async fn drive_stream<S: PullStream>(
    store: &Store,
    stream: &S,
    mode: PullMode,
    max_pages: Option<u64>,
    cancel: &CancellationToken,
    observer: &dyn PageObserver,
) -> Result<StreamOutcome, EngineError> {
    let name = stream.name();
    let mut outcome = StreamOutcome {
        stream: name.to_string(),
        ..StreamOutcome::default()
    };
    loop {
        if cancel.is_cancelled() || max_pages.is_some_and(|m| outcome.pages >= m) {
            return Ok(outcome);
        }
        let cursor = store.load_cursor::<S::Cursor>(&name).await?;
        let page = match stream.next_page(cursor.as_ref(), mode).await {
            Ok(page) => page,
            Err(e) => {
                store.record_stream_error(&name, &e.to_string()).await?;
                tracing::warn!(stream = %name, error = %e, disposition = ?e.disposition(), "pull failed");
                metrics::counter!("closedloop_stream_errors_total", "stream" => name.to_string()).increment(1);
                return Err(EngineError::connector(name.as_str(), &e));
            }
        };
        let committed = store
            .commit_page(&name, cursor.as_ref(), &page.cursor, &page.batch)
            .await?;
        outcome.pages += 1;
        outcome.written += committed.written;
        outcome.unchanged += committed.unchanged;
        outcome.rejected += committed.rejected;
        let labels = [("stream", name.to_string())];
        metrics::counter!("closedloop_records_pulled_total", &labels)
            .increment(committed.written + committed.unchanged);
        metrics::counter!("closedloop_records_rejected_total", &labels).increment(committed.rejected);
        observer.page_committed(
            &outcome,
            closedloop_core::cursor::Checkpoint::position_time(&page.cursor),
        );
        if !page.more {
            outcome.caught_up = true;
            return Ok(outcome);
        }
    }
}
