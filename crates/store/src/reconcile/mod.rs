//! Reconcile's side of the store: one batch of the dirty queue as one write transaction.
//!
//! State: [`ReconcileBatch`] holds the open transaction, the time of the run, and the person
//! records it has read (identity reads them to cluster; the facts of the same people reuse them).
//! The engine drives a batch step by step: [`ReconcileBatch::take_dirty`], then identity
//! ([`ReconcileBatch::load_identity`], [`ReconcileBatch::apply_identity`]), the facts
//! ([`ReconcileBatch::load_people`], references, field memory), the pure core computation (in the
//! engine), the results ([`ReconcileBatch::write_results`]) and the outbox
//! ([`ReconcileBatch::replace_writes`]), and [`ReconcileBatch::commit`].
//!
//! **Invariant:** the dirty records a batch processed are removed in the same transaction that
//! stores what they produced, so a process killed mid-reconcile redoes at most the batch in
//! flight; a batch dropped without `commit` rolls back entirely. The batch takes the write lock
//! when it begins (`BEGIN IMMEDIATE`), so its reads and writes see one consistent database, and
//! a page commit waits (busy timeout) rather than racing it: keep batches small enough to finish
//! well within that timeout.
//!
//! # Layout
//! - `keys`: key lists bound as one JSON parameter (`json_each`), chunked.
//! - `rows`: stored rows back into core types.
//! - [`identity`]: the closed identity input, and applying an `IdentityPlan`.
//! - [`facts`]: `PersonFacts` for a batch of people, references, field memory.
//! - [`results`]: milestones, person results, conversions and attribution credits.
//! - [`writes`]: the people's pending outbox writes, replaced by what reconcile wants now.
//! - [`dirty`]: the queue: marking everything, or people whose SLA deadline passed.
//! - [`read`]: typed reads of the results (a person's links and results, the whole state).

pub mod dirty;
pub mod facts;
pub mod identity;
mod keys;
pub mod read;
pub mod results;
mod rows;
pub mod writes;

use crate::Store;
use crate::error::StoreError;
use crate::time::to_ms;
use closedloop_core::{ExternalId, ObjectType, System, Timestamp};
use keys::{CHUNK, keys_json};
use rows::PersonRecord;
use sqlx::{Sqlite, Transaction};
use std::collections::HashMap;
use std::str::FromStr;

/// One reconcile batch: an open write transaction. Dropped without [`ReconcileBatch::commit`], it
/// rolls back and leaves the dirty queue as it was.
pub struct ReconcileBatch {
    tx: Transaction<'static, Sqlite>,
    /// The run's time, in stored milliseconds: `computed_at`, `linked_at`, new persons.
    now: i64,
    /// Person records read so far, by key.
    records: HashMap<ExternalId, PersonRecord>,
    /// The connection's page cache size before the batch raised it (restored at commit).
    cache_before: i64,
}

/// The page cache of a batch's connection, in KiB. A batch writes several indexes of tables that
/// grow to millions of rows; with SQLite's default (2 MiB) each batch re-reads their hot pages.
const BATCH_CACHE_KIB: i64 = 65_536;

impl std::fmt::Debug for ReconcileBatch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReconcileBatch")
            .field("now", &self.now)
            .field("records", &self.records.len())
            .finish_non_exhaustive()
    }
}

impl Store {
    /// Begins a reconcile batch at `now` (the run's time, stored as `computed_at`).
    pub async fn begin_reconcile(&self, now: Timestamp) -> Result<ReconcileBatch, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let cache_before: i64 = sqlx::query_scalar("PRAGMA cache_size").fetch_one(&mut *tx).await?;
        // A PRAGMA takes no parameters; the value is an integer constant.
        sqlx::query(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = {}", -BATCH_CACHE_KIB)))
            .execute(&mut *tx)
            .await?;
        Ok(ReconcileBatch {
            tx,
            now: to_ms(now),
            records: HashMap::new(),
            cache_before,
        })
    }
}

impl ReconcileBatch {
    /// Up to `limit` dirty person records, in key order (the queue's primary key, so taking a
    /// batch never sorts the whole queue). They stay queued until [`ReconcileBatch::commit`].
    pub async fn take_dirty(&mut self, limit: usize) -> Result<Vec<ExternalId>, StoreError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let rows = sqlx::query!(
            "SELECT system, object_type, external_id FROM dirty_records
             ORDER BY system, object_type, external_id LIMIT ?",
            limit
        )
        .fetch_all(&mut *self.tx)
        .await?;
        rows.into_iter()
            .map(|r| stored_key(&r.system, &r.object_type, &r.external_id))
            .collect()
    }

    /// Removes `processed` from the dirty queue and commits everything the batch wrote.
    pub async fn commit(mut self, processed: &[ExternalId]) -> Result<(), StoreError> {
        for chunk in processed.chunks(CHUNK) {
            let keys = keys_json(chunk);
            sqlx::query!(
                "DELETE FROM dirty_records WHERE (system, object_type, external_id) IN
                     (SELECT j.value ->> 0, j.value ->> 1, j.value ->> 2 FROM json_each(?) AS j)",
                keys
            )
            .execute(&mut *self.tx)
            .await?;
        }
        // The pooled connection goes back to its usual cache size; the dirty pages stay cached
        // until the commit writes them.
        // An integer read from SQLite itself.
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "PRAGMA cache_size = {}",
            self.cache_before
        )))
        .execute(&mut *self.tx)
        .await?;
        self.tx.commit().await?;
        Ok(())
    }
}

/// A key from its stored parts, validated; a row that does not parse is reported, not guessed at.
pub(crate) fn stored_key(system: &str, object: &str, id: &str) -> Result<ExternalId, StoreError> {
    let bad = |e: &dyn std::fmt::Display| StoreError::corrupt("record key", format!("{system}:{object}:{id}: {e}"));
    let system = System::from_str(system).map_err(|e| bad(&e))?;
    let object = ObjectType::from_str(object).map_err(|e| bad(&e))?;
    ExternalId::new(system, object, id).map_err(|e| bad(&e))
}
