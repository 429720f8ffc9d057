//! The status snapshot behind `closedloop status`: streams, outbox, dead letters, quarantine,
//! quota, people and duplicates, recent runs.
//!
//! State: none; reads many tables in one read transaction so the figures agree with each other.

use crate::Store;
use crate::error::StoreError;
use crate::outbox::DeadLetter;
use crate::quarantine::QuarantineEntry;
use crate::quota::QuotaSnapshot;
use crate::runs::RunRecord;
use crate::time::from_ms;
use closedloop_core::Timestamp;
use serde::Serialize;

/// One stream's cursor and health.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StreamStatus {
    /// The stream.
    pub stream: String,
    /// The cursor's shape version (0: no position yet).
    pub version: i64,
    /// The cursor, as the connector wrote it.
    pub position: serde_json::Value,
    /// Last cursor change.
    pub updated_at: Timestamp,
    /// Last page committed.
    pub last_success_at: Option<Timestamp>,
    /// Last error, if the latest attempt failed.
    pub last_error: Option<String>,
    /// When it failed.
    pub last_error_at: Option<Timestamp>,
    /// Records read since the stream started.
    pub records_total: i64,
    /// Inputs quarantined since the stream started.
    pub rejected_total: i64,
    /// Pages committed.
    pub pages_total: i64,
}

/// How many writes wait for one target, by state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OutboxBacklog {
    /// The target system.
    pub target: String,
    /// The object type.
    pub object: String,
    /// `pending`, `done` or `dead`.
    pub state: String,
    /// How many.
    pub count: i64,
}

/// Quarantined inputs grouped by stream and reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuarantineGroup {
    /// The stream.
    pub stream: String,
    /// The reason.
    pub reason: String,
    /// Open entries.
    pub count: i64,
}

/// A person with active records beside their primary record in one system (identity keeps one
/// primary per person and system: a Contact before a Lead, then the oldest).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuplicateGroup {
    /// closedloop's person id.
    pub person_id: i64,
    /// The person's email.
    pub email: Option<String>,
    /// The system.
    pub system: String,
    /// The object types involved, the primary's first (`contact+lead` for a Lead beside a Contact).
    pub object: String,
    /// The records' ids, the primary first.
    pub external_ids: Vec<String>,
}

/// Everything `closedloop status` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    /// The schema version of the database.
    pub schema_version: i64,
    /// Every stream.
    pub streams: Vec<StreamStatus>,
    /// Outbox counts by target, object and state.
    pub outbox: Vec<OutboxBacklog>,
    /// The latest writes given up, with their errors.
    pub dead_letters: Vec<DeadLetter>,
    /// Open quarantine entries in all.
    pub quarantine_open: i64,
    /// Open quarantine entries by stream and reason.
    pub quarantine_by_reason: Vec<QuarantineGroup>,
    /// The latest quarantined inputs.
    pub quarantine_latest: Vec<QuarantineEntry>,
    /// API quota figures.
    pub quota: Vec<QuotaSnapshot>,
    /// People known.
    pub persons: i64,
    /// External records linked to people.
    pub linked_records: i64,
    /// Records waiting for reconcile.
    pub dirty_records: i64,
    /// People with duplicate records in one system.
    pub duplicates: Vec<DuplicateGroup>,
    /// The latest runs.
    pub recent_runs: Vec<RunRecord>,
}

impl Store {
    /// Reads the status snapshot. `limit` bounds each list.
    pub async fn status(&self, limit: i64) -> Result<StatusReport, StoreError> {
        let schema_version = crate::open::applied_schema_version(&self.pool).await?;
        let mut tx = self.pool.begin().await?;
        let streams = sqlx::query!(
            r#"SELECT stream AS "stream!", version, position, updated_at, last_success_at, last_error, last_error_at,
                   records_total, rejected_total, pages_total FROM stream_cursors ORDER BY stream"#
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| {
            Ok(StreamStatus {
                stream: r.stream,
                version: r.version,
                position: serde_json::from_str(&r.position)?,
                updated_at: from_ms(r.updated_at)?,
                last_success_at: r.last_success_at.map(from_ms).transpose()?,
                last_error: r.last_error,
                last_error_at: r.last_error_at.map(from_ms).transpose()?,
                records_total: r.records_total,
                rejected_total: r.rejected_total,
                pages_total: r.pages_total,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
        let outbox = sqlx::query!(
            r#"SELECT target_system, object_type, state, COUNT(*) AS "count!: i64" FROM outbox
               GROUP BY target_system, object_type, state ORDER BY target_system, object_type, state"#
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| OutboxBacklog {
            target: r.target_system,
            object: r.object_type,
            state: r.state,
            count: r.count,
        })
        .collect();
        let quarantine_open =
            sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM quarantine WHERE resolved_at IS NULL"#)
                .fetch_one(&mut *tx)
                .await?;
        let quarantine_by_reason = sqlx::query!(
            r#"SELECT stream, reason, COUNT(*) AS "count!: i64" FROM quarantine WHERE resolved_at IS NULL
               GROUP BY stream, reason ORDER BY 3 DESC, stream, reason LIMIT ?"#,
            limit
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| QuarantineGroup {
            stream: r.stream,
            reason: r.reason,
            count: r.count,
        })
        .collect();
        let persons = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM persons WHERE merged_into IS NULL"#)
            .fetch_one(&mut *tx)
            .await?;
        let linked_records = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM identity_links"#)
            .fetch_one(&mut *tx)
            .await?;
        let dirty_records = sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM dirty_records"#)
            .fetch_one(&mut *tx)
            .await?;
        // Reconcile lists duplicates (identity_duplicates) per person and system; the primary
        // comes first, then the duplicates in key order.
        let duplicates = sqlx::query!(
            r#"SELECT d.person_id AS "person_id!", p.email, d.system AS "system!",
                   d.primary_object || CASE WHEN MAX(d.duplicate_object <> d.primary_object) = 1
                       THEN '+' || MIN(CASE WHEN d.duplicate_object <> d.primary_object THEN d.duplicate_object END)
                       ELSE '' END AS "object!: String",
                   d.primary_id || ',' || group_concat(d.duplicate_id, ',') AS "ids!: String"
               FROM (SELECT * FROM identity_duplicates ORDER BY person_id, system, duplicate_object, duplicate_id) AS d
               JOIN persons AS p ON p.id = d.person_id
               GROUP BY d.person_id, d.system, d.primary_object, d.primary_id
               ORDER BY d.person_id, d.system LIMIT ?"#,
            limit
        )
        .fetch_all(&mut *tx)
        .await?
        .into_iter()
        .map(|r| DuplicateGroup {
            person_id: r.person_id,
            email: r.email,
            system: r.system,
            object: r.object,
            external_ids: r.ids.split(',').map(str::to_owned).collect(),
        })
        .collect();
        tx.commit().await?;
        Ok(StatusReport {
            schema_version,
            streams,
            outbox,
            dead_letters: self.dead_letters(limit).await?,
            quarantine_open,
            quarantine_by_reason,
            quarantine_latest: self.open_quarantine(limit).await?,
            quota: self.quota_snapshots().await?,
            persons,
            linked_records,
            dirty_records,
            duplicates,
            recent_runs: self.recent_runs(limit).await?,
        })
    }
}
