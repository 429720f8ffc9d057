//! The run log: every daemon cycle, backfill and push pass, with its outcome.
//!
//! State: the `runs` table. A run left `running` by a killed process is marked `interrupted`
//! when the store is next opened for writing, so the log never claims a dead process is working.

use crate::Store;
use crate::error::StoreError;
use crate::time::{from_ms, now_ms};
use closedloop_core::Timestamp;
use serde::Serialize;

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Finished its work.
    Ok,
    /// Stopped by an error.
    Failed,
    /// Stopped by a signal or a kill before finishing.
    Interrupted,
}

impl RunStatus {
    fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Failed => "failed",
            RunStatus::Interrupted => "interrupted",
        }
    }
}

/// One run, for `status`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunRecord {
    /// The run's id.
    pub id: i64,
    /// `cycle`, `backfill`, `push`, `cursor_reset`...
    pub kind: String,
    /// Started.
    pub started_at: Timestamp,
    /// Finished, if it did.
    pub finished_at: Option<Timestamp>,
    /// `running`, `ok`, `failed`, `interrupted`.
    pub status: String,
    /// Counters and figures, as JSON.
    pub summary: serde_json::Value,
    /// The error, when it failed.
    pub error: Option<String>,
}

impl Store {
    /// Starts a run of `kind`; returns its id.
    pub async fn start_run(&self, kind: &str) -> Result<i64, StoreError> {
        let now = now_ms();
        let id = sqlx::query_scalar!(
            r#"INSERT INTO runs (kind, started_at, status) VALUES (?, ?, 'running') RETURNING id AS "id!: i64""#,
            kind,
            now
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Finishes a run with its status, summary and error.
    pub async fn finish_run(
        &self,
        id: i64,
        status: RunStatus,
        summary: &serde_json::Value,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let status = status.as_str();
        let summary = summary.to_string();
        sqlx::query!(
            "UPDATE runs SET finished_at = ?, status = ?, summary = ?, error = ? WHERE id = ?",
            now,
            status,
            summary,
            error,
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records a run that already finished (a daemon turn), in one write.
    pub async fn record_run(
        &self,
        kind: &str,
        started_at: closedloop_core::Timestamp,
        status: RunStatus,
        summary: &serde_json::Value,
        error: Option<&str>,
    ) -> Result<i64, StoreError> {
        let (started, finished) = (crate::time::to_ms(started_at), now_ms());
        let status = status.as_str();
        let summary = summary.to_string();
        let id = sqlx::query_scalar!(
            r#"INSERT INTO runs (kind, started_at, finished_at, status, summary, error) VALUES (?, ?, ?, ?, ?, ?)
               RETURNING id AS "id!: i64""#,
            kind,
            started,
            finished,
            status,
            summary,
            error
        )
        .fetch_one(&self.pool)
        .await?;
        Ok(id)
    }

    /// Marks runs left `running` by a process that died as `interrupted`. Call once at start-up,
    /// when this process is the only writer.
    pub async fn close_abandoned_runs(&self) -> Result<u64, StoreError> {
        let now = now_ms();
        let done = sqlx::query!(
            "UPDATE runs SET status = 'interrupted', finished_at = ?, error = 'the process stopped before the run finished' WHERE status = 'running'",
            now
        )
        .execute(&self.pool)
        .await?;
        Ok(done.rows_affected())
    }

    /// The most recent runs, newest first.
    pub async fn recent_runs(&self, limit: i64) -> Result<Vec<RunRecord>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT id AS "id!", kind, started_at, finished_at, status, summary, error FROM runs
               ORDER BY started_at DESC, id DESC LIMIT ?"#,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(RunRecord {
                    id: r.id,
                    kind: r.kind,
                    started_at: from_ms(r.started_at)?,
                    finished_at: r.finished_at.map(from_ms).transpose()?,
                    status: r.status,
                    summary: serde_json::from_str(&r.summary)?,
                    error: r.error,
                })
            })
            .collect()
    }
}
