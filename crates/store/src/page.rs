//! Committing one page of a pull: records, snapshots, rejects and the cursor, in one transaction.
//!
//! State: none of its own; writes the record tables, `source_snapshots`, `quarantine` and
//! `stream_cursors`. **Invariant:** a cursor advances in the same transaction that stores the
//! records it covers, so a process killed at any instant either kept the page and its cursor, or
//! neither, and the next run re-reads exactly what was not kept.
//!
//! Unchanged re-reads are cheap: when an object's snapshot hash (raw payload plus its normalised
//! record) is what is already stored, the records about that object in this page are skipped and
//! nothing is marked dirty. A change in closedloop's own normalisation (a new status mapping,
//! say) changes the normalised record and so the hash: such re-reads are written.

use crate::Store;
use crate::cursors::{check_advance, stored_position};
use crate::error::StoreError;
use crate::quarantine::{quarantine, resolve};
use crate::records::write_record;
use crate::time::{now_ms, to_ms};
use closedloop_core::ExternalId;
use closedloop_core::cursor::{Checkpoint, StreamName};
use closedloop_core::hash::content_hash;
use closedloop_core::page::{PageBatch, Record};
use serde::Serialize;
use sqlx::SqliteConnection;
use std::collections::HashSet;

/// What committing a page did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PageOutcome {
    /// Records written.
    pub written: u64,
    /// Records skipped because their object was unchanged since the last read.
    pub unchanged: u64,
    /// Inputs quarantined.
    pub rejected: u64,
}

/// The object a record is about, when it is one with a snapshot.
fn object_of(record: &Record) -> Option<ExternalId> {
    match record {
        Record::MarketingContact(c) => Some(c.key()),
        Record::CrmLead(l) => Some(l.key()),
        Record::CrmContact(c) => Some(c.key()),
        Record::Deal(d) => Some(d.id.clone()),
        Record::StageChange(s) => Some(s.subject.clone()),
        Record::DealContact { deal, .. } => Some(deal.clone()),
        Record::Merge { survivor, .. } => Some(survivor.clone()),
        _ => None,
    }
}

/// The record that is the normalised form of an object (not a derived record about it).
fn is_primary_record(record: &Record) -> bool {
    matches!(
        record,
        Record::MarketingContact(_) | Record::CrmLead(_) | Record::CrmContact(_) | Record::Deal(_)
    )
}

#[derive(Serialize)]
struct HashInput<'a> {
    payload: &'a serde_json::Value,
    normalised: Option<&'a Record>,
}

/// Upserts the page's snapshots; returns the keys whose content did not change.
async fn write_snapshots(
    tx: &mut SqliteConnection,
    page: &PageBatch,
    now: i64,
) -> Result<HashSet<ExternalId>, StoreError> {
    let mut unchanged = HashSet::new();
    for snap in &page.snapshots {
        let normalised = page
            .records
            .iter()
            .find(|r| is_primary_record(r) && object_of(r).as_ref() == Some(&snap.key));
        let hash = content_hash(&serde_json::to_value(HashInput {
            payload: &snap.payload,
            normalised,
        })?);
        let (system, object) = (snap.key.system.as_str(), snap.key.object.as_str());
        let stored = sqlx::query_scalar!(
            "SELECT content_hash FROM source_snapshots WHERE system = ? AND object_type = ? AND external_id = ?",
            system,
            object,
            snap.key.id
        )
        .fetch_optional(&mut *tx)
        .await?;
        if stored.as_deref() == Some(hash.as_str()) {
            unchanged.insert(snap.key.clone());
            continue;
        }
        let payload = snap.payload.to_string();
        let source_updated = snap.source_updated_at.map(to_ms);
        sqlx::query!(
            r#"INSERT INTO source_snapshots (system, object_type, external_id, content_hash, payload, source_updated_at, fetched_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (system, object_type, external_id) DO UPDATE SET content_hash = excluded.content_hash,
                   payload = excluded.payload, source_updated_at = excluded.source_updated_at, fetched_at = excluded.fetched_at"#,
            system,
            object,
            snap.key.id,
            hash,
            payload,
            source_updated,
            now
        )
        .execute(&mut *tx)
        .await?;
    }
    Ok(unchanged)
}

impl Store {
    /// Stores one page and advances `stream`'s cursor from `previous` to `next`, atomically.
    ///
    /// `previous` must be the cursor the caller loaded (`None` for the first page ever); the call
    /// fails with a cursor error, writing nothing, if the stored cursor differs (another process
    /// syncs this stream) or if `next` is before it.
    pub async fn commit_page<C: Checkpoint>(
        &self,
        stream: &StreamName,
        previous: Option<&C>,
        next: &C,
        page: &PageBatch,
    ) -> Result<PageOutcome, StoreError> {
        let now = now_ms();
        // IMMEDIATE takes the write lock up front, so a concurrent writer waits (busy timeout)
        // instead of failing when a read transaction tries to upgrade.
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let stored = stored_position(&mut tx, stream).await?;
        check_advance(stream, stored, previous, next)?;

        let unchanged = write_snapshots(&mut tx, page, now).await?;
        let mut outcome = PageOutcome::default();
        for record in &page.records {
            if object_of(record).is_some_and(|k| unchanged.contains(&k)) {
                outcome.unchanged += 1;
                continue;
            }
            write_record(&mut tx, record, now).await?;
            outcome.written += 1;
            if let Some(key) = object_of(record).filter(|_| is_primary_record(record)) {
                resolve(&mut tx, stream.as_str(), &key.id, now).await?;
            }
        }
        for rejected in &page.rejected {
            quarantine(&mut tx, stream.system(), rejected, now).await?;
            outcome.rejected += 1;
        }

        let name = stream.as_str();
        let version = i64::from(C::VERSION);
        let position = serde_json::to_string(next)?;
        let records = i64::try_from(outcome.written + outcome.unchanged).unwrap_or(i64::MAX);
        let rejected = i64::try_from(outcome.rejected).unwrap_or(i64::MAX);
        sqlx::query!(
            r#"INSERT INTO stream_cursors (stream, version, position, updated_at, last_success_at, records_total,
                   rejected_total, pages_total)
               VALUES (?, ?, ?, ?, ?, ?, ?, 1)
               ON CONFLICT (stream) DO UPDATE SET version = excluded.version, position = excluded.position,
                   updated_at = excluded.updated_at, last_success_at = excluded.last_success_at,
                   records_total = stream_cursors.records_total + excluded.records_total,
                   rejected_total = stream_cursors.rejected_total + excluded.rejected_total,
                   pages_total = stream_cursors.pages_total + 1,
                   last_error = NULL, last_error_at = NULL"#,
            name,
            version,
            position,
            now,
            now,
            records,
            rejected
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }
}
