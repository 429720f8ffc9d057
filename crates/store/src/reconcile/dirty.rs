//! The reconcile queue beyond what page commits mark: everything at once (rules changed), and the
//! people whose contact deadline passed since reconcile last looked at them.
//!
//! State: none of its own; inserts into `dirty_records`.

use crate::Store;
use crate::error::StoreError;
use crate::time::{now_ms, to_ms};
use closedloop_core::Timestamp;

impl Store {
    /// Queues every person record (and every linked id) for reconcile: a full recompute, for a
    /// rules change. Returns how many entries the queue gained.
    pub async fn mark_all_dirty(&self) -> Result<u64, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query!(
            r#"INSERT INTO dirty_records (system, object_type, external_id, marked_at)
               SELECT system, object_type, id, ?1 FROM (
                   SELECT system, 'contact' AS object_type, id FROM marketing_contacts
                   UNION SELECT system, 'lead', id FROM crm_leads
                   UNION SELECT system, 'contact', id FROM crm_contacts
                   UNION SELECT system, object_type, external_id FROM identity_links)
               WHERE true
               ON CONFLICT DO NOTHING"#,
            now
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Queues the records of people whose SLA was pending and whose deadline is at or before
    /// `now`: without a new fact they would stay "pending" forever, and the SLA status is pushed.
    pub async fn mark_sla_due_dirty(&self, now: Timestamp) -> Result<u64, StoreError> {
        let (now, marked) = (to_ms(now), now_ms());
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let done = sqlx::query!(
            r#"INSERT INTO dirty_records (system, object_type, external_id, marked_at)
               SELECT l.system, l.object_type, l.external_id, ?
               FROM person_results AS r JOIN identity_links AS l ON l.person_id = r.person_id
               WHERE r.sla_status = 'pending' AND r.sla_due_at <= ?
               ON CONFLICT DO NOTHING"#,
            marked,
            now
        )
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(done.rows_affected())
    }

    /// Person records waiting for reconcile.
    pub async fn dirty_count(&self) -> Result<i64, StoreError> {
        Ok(
            sqlx::query_scalar!(r#"SELECT COUNT(*) AS "n!: i64" FROM dirty_records"#)
                .fetch_one(&self.pool)
                .await?,
        )
    }
}
