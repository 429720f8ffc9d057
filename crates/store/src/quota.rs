//! API quota figures observed by the connectors, kept so `status` (another process) can show them.
//!
//! State: the `api_quota` table, one row per connector and bucket, overwritten on each observation.

use crate::Store;
use crate::error::StoreError;
use crate::time::{from_ms, to_ms};
use closedloop_core::Timestamp;
use serde::Serialize;

/// One bucket's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotaSnapshot {
    /// The connector (`hubspot`, `salesforce`).
    pub connector: String,
    /// The bucket (`ten_second`, `search`, `daily`).
    pub bucket: String,
    /// Requests used in the current window, when known.
    pub used: Option<i64>,
    /// The window's maximum, when known.
    pub max: Option<i64>,
    /// Requests left, when known.
    pub remaining: Option<i64>,
    /// Set while the daily quota is spent: when it is expected back.
    pub exhausted_until: Option<Timestamp>,
    /// When observed.
    pub observed_at: Timestamp,
}

impl Store {
    /// Records the latest figures of one bucket.
    pub async fn record_quota(&self, q: &QuotaSnapshot) -> Result<(), StoreError> {
        let exhausted = q.exhausted_until.map(to_ms);
        let observed = to_ms(q.observed_at);
        sqlx::query!(
            r#"INSERT INTO api_quota (connector, bucket, used, max, remaining, exhausted_until, observed_at)
               VALUES (?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT (connector, bucket) DO UPDATE SET used = excluded.used, max = excluded.max,
                   remaining = excluded.remaining, exhausted_until = excluded.exhausted_until,
                   observed_at = excluded.observed_at"#,
            q.connector,
            q.bucket,
            q.used,
            q.max,
            q.remaining,
            exhausted,
            observed
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Every bucket's latest figures.
    pub async fn quota_snapshots(&self) -> Result<Vec<QuotaSnapshot>, StoreError> {
        let rows = sqlx::query!(
            "SELECT connector, bucket, used, max, remaining, exhausted_until, observed_at FROM api_quota ORDER BY connector, bucket"
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(QuotaSnapshot {
                    connector: r.connector,
                    bucket: r.bucket,
                    used: r.used,
                    max: r.max,
                    remaining: r.remaining,
                    exhausted_until: r.exhausted_until.map(from_ms).transpose()?,
                    observed_at: from_ms(r.observed_at)?,
                })
            })
            .collect()
    }
}
