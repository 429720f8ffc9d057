//! The contract between connectors and the engine: a stream yields pages, a target takes pushes.
//!
//! Holds no state. Connectors implement [`PullStream`] (one per stream, each with its own typed
//! cursor) and [`PushTarget`]; the engine drives them and talks to the store. Cursor types never
//! leave their connector, and connectors never depend on the engine.

use crate::cursor::{Checkpoint, StreamName};
use crate::page::PageBatch;
use crate::records::FieldValues;
use crate::{ObjectType, PersonId, System, Timestamp};
use serde::{Deserialize, Serialize};
use std::future::Future;

/// How a pull reads its source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PullMode {
    /// From the stored cursor on: the daemon's normal cycle. A stream with no cursor starts with
    /// a full read (list endpoints), then continues incrementally.
    Incremental,
    /// History for a range through the list endpoints (`closedloop backfill`). The cursor still
    /// advances page by page, so a killed backfill resumes where it stopped.
    Backfill {
        /// The start of the range.
        since: Timestamp,
        /// The end of the range.
        until: Timestamp,
    },
}

/// One page read from a stream, with the cursor that covers it.
#[derive(Debug, Clone)]
pub struct PulledPage<C> {
    /// What the page produced.
    pub batch: PageBatch,
    /// The position after this page. Committed with the page, atomically.
    pub cursor: C,
    /// True when more pages are available now; false when the stream has caught up.
    pub more: bool,
}

/// What an error means for the stream that hit it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ErrorDisposition {
    /// Try again on the next cycle (network trouble, 5xx after retries).
    Transient,
    /// The API's daily quota is spent: stop the stream cleanly, cursor intact, until then.
    QuotaExhausted {
        /// When the quota is expected back, if known.
        until: Option<Timestamp>,
    },
    /// Needs a person: bad credentials, missing scope or field. Retried, but reported loudly.
    NeedsAttention,
}

/// An error a connector reports to the engine.
pub trait SyncError: std::error::Error + Send + Sync + 'static {
    /// What the error means for the stream or push that hit it.
    fn disposition(&self) -> ErrorDisposition;
}

/// One stream of one connector.
pub trait PullStream: Send + Sync {
    /// The stream's cursor type.
    type Cursor: Checkpoint;
    /// The connector's error type.
    type Error: SyncError;

    /// The stream's name (`hubspot.contacts`).
    fn name(&self) -> StreamName;

    /// Reads the page after `cursor` (`None`: the stream has never run, or the cursor was reset).
    /// Must be safe to call again with the same cursor after a crash: the page it returns then
    /// may differ, but together the pages never skip a record.
    fn next_page(
        &self,
        cursor: Option<&Self::Cursor>,
        mode: PullMode,
    ) -> impl Future<Output = Result<PulledPage<Self::Cursor>, Self::Error>> + Send;
}

/// Update an existing record, or create a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PushOperation {
    /// Change fields of an existing record.
    Update,
    /// Create a record (a Lead for a qualified person with none).
    Create,
}

/// A write reconcile wants made; the store merges it into the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct PushIntent {
    /// The target system.
    pub target: System,
    /// The target object type.
    pub object: ObjectType,
    /// The target record; `None` for a create.
    pub external_id: Option<String>,
    /// The person it is about.
    pub person_id: Option<PersonId>,
    /// Update or create.
    pub operation: PushOperation,
    /// Field values to write (`None` clears a field).
    pub fields: FieldValues,
}

/// One write for a target system, as the outbox holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PushItem {
    /// The outbox row (results are reported against it).
    pub id: i64,
    /// The target system.
    pub target: System,
    /// The target object type.
    pub object: ObjectType,
    /// The target record; `None` for a create.
    pub external_id: Option<String>,
    /// The person it is about.
    pub person_id: Option<PersonId>,
    /// Update or create.
    pub operation: PushOperation,
    /// The field values to write (`None` clears a field).
    pub fields: FieldValues,
    /// For creates: a key to derive an external id from, so the create is an idempotent upsert.
    pub idempotency_key: String,
    /// Failed attempts so far.
    pub attempts: i64,
}

/// The outcome of one item of a push batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// Written. For a create, the new record's id.
    Written {
        /// The created record's id (creates only).
        created_id: Option<String>,
    },
    /// Refused for this record, in the target's words; `retriable` when a later attempt may pass
    /// (a locked row), not when it never will (a validation rule).
    Failed {
        /// The target's message, with its error code.
        message: String,
        /// Whether to try again later.
        retriable: bool,
    },
}

/// A system closedloop writes to.
pub trait PushTarget: Send + Sync {
    /// The connector's error type (for failures of a whole batch).
    type Error: SyncError;

    /// The system written to.
    fn system(&self) -> System;

    /// Items per call the target accepts (HubSpot 100, Salesforce 200).
    fn max_batch(&self) -> usize;

    /// Writes a batch. Returns one outcome per item, in order; a whole-batch failure is an error.
    /// A failing batch should be split by the connector to isolate the bad record.
    fn push(&self, items: &[PushItem]) -> impl Future<Output = Result<Vec<PushOutcome>, Self::Error>> + Send;
}
