//! The outbox: writes closedloop owes to a target system, and what it last wrote.
//!
//! State: the `outbox` and `pushed_values` tables. Reconcile enqueues desired field values; the
//! push phase takes due items, sends them in batches, and completes or fails each one.
//! **Invariants:** at most one pending update per target record (new values merge into it);
//! completing a push removes only the field values that were sent, so a value enqueued while a
//! batch was in flight is not lost; a create carries an idempotency key, so a crash between
//! sending and recording can never create the same record twice (connectors upsert by an
//! external id derived from it).

use crate::Store;
use crate::error::StoreError;
use crate::time::{from_ms, now_ms, to_ms};
use closedloop_core::records::FieldValues;
use closedloop_core::sync::{PushIntent, PushItem, PushOperation};
use closedloop_core::{ObjectType, PersonId, System, Timestamp};
use serde::Serialize;

/// An operation from its stored spelling.
fn parse_operation(s: &str) -> PushOperation {
    if s == "create" {
        PushOperation::Create
    } else {
        PushOperation::Update
    }
}

/// The stored spelling of an operation.
fn operation_name(op: PushOperation) -> &'static str {
    match op {
        PushOperation::Update => "update",
        PushOperation::Create => "create",
    }
}

/// A write that failed for good, for `status` and the report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DeadLetter {
    /// The outbox row.
    pub id: i64,
    /// The target system.
    pub target: String,
    /// The target object type.
    pub object: String,
    /// The target record.
    pub external_id: Option<String>,
    /// Attempts made.
    pub attempts: i64,
    /// The last error, in the target's words.
    pub last_error: Option<String>,
    /// When it was given up.
    pub updated_at: Timestamp,
}

/// The idempotency key of a person's create: one per person, target and object, ever.
pub(crate) fn person_create_key(target: System, object: ObjectType, person: PersonId) -> String {
    format!("create:{target}:{object}:{}", person.0)
}

fn create_key(intent: &PushIntent) -> String {
    // One create per person, target and object, ever: re-enqueueing merges into the same row.
    match intent.person_id {
        Some(p) => person_create_key(intent.target, intent.object, p),
        None => format!(
            "create:{}:{}:{}",
            intent.target,
            intent.object,
            uuid_like(&intent.fields)
        ),
    }
}

fn uuid_like(fields: &FieldValues) -> String {
    closedloop_core::hash::content_hash(&serde_json::to_value(fields).unwrap_or_default())[..32].to_owned()
}

/// A unique key for an update row. Called with the write lock held, so the next id is ours.
async fn update_key(
    tx: &mut sqlx::SqliteConnection,
    target: &str,
    object: &str,
    external_id: &str,
) -> Result<String, StoreError> {
    let next: i64 = sqlx::query_scalar!(r#"SELECT COALESCE(MAX(id), 0) + 1 AS "next!: i64" FROM outbox"#)
        .fetch_one(&mut *tx)
        .await?;
    Ok(format!("update:{target}:{object}:{external_id}:{next}"))
}

fn parse_fields(text: &str) -> Result<FieldValues, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt("outbox payload", e))
}

impl Store {
    /// Enqueues writes. An update merges into the pending update of the same record, if any; a
    /// create merges into the person's create row while it is pending (and is ignored once done).
    pub async fn enqueue_pushes(&self, intents: &[PushIntent]) -> Result<u64, StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let mut enqueued = 0;
        for intent in intents {
            if intent.fields.is_empty() {
                continue;
            }
            let (target, object, op) = (
                intent.target.as_str(),
                intent.object.as_str(),
                operation_name(intent.operation),
            );
            let person = intent.person_id.map(|p| p.0);
            let existing = match intent.operation {
                PushOperation::Update => sqlx::query!(
                    r#"SELECT id AS "id!", payload FROM outbox WHERE state = 'pending' AND operation = 'update'
                           AND target_system = ? AND object_type = ? AND external_id = ?"#,
                    target,
                    object,
                    intent.external_id
                )
                .fetch_optional(&mut *tx)
                .await?
                .map(|r| (r.id, r.payload, "pending".to_owned())),
                PushOperation::Create => {
                    let key = create_key(intent);
                    sqlx::query!(
                        r#"SELECT id AS "id!", payload, state FROM outbox WHERE idempotency_key = ?"#,
                        key
                    )
                    .fetch_optional(&mut *tx)
                    .await?
                    .map(|r| (r.id, r.payload, r.state))
                }
            };
            match existing {
                Some((_, _, state)) if state != "pending" => continue,
                Some((id, payload, _)) => {
                    let mut fields = parse_fields(&payload)?;
                    fields.extend(intent.fields.clone());
                    let payload = serde_json::to_string(&fields)?;
                    sqlx::query!(
                        "UPDATE outbox SET payload = ?, updated_at = ? WHERE id = ?",
                        payload,
                        now,
                        id
                    )
                    .execute(&mut *tx)
                    .await?;
                }
                None => {
                    let key = match intent.operation {
                        PushOperation::Update => {
                            update_key(&mut tx, target, object, intent.external_id.as_deref().unwrap_or("")).await?
                        }
                        PushOperation::Create => create_key(intent),
                    };
                    let payload = serde_json::to_string(&intent.fields)?;
                    sqlx::query!(
                        r#"INSERT INTO outbox (target_system, object_type, external_id, person_id, operation, payload,
                               idempotency_key, next_attempt_at, created_at, updated_at)
                           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                           ON CONFLICT (idempotency_key) DO NOTHING"#,
                        target,
                        object,
                        intent.external_id,
                        person,
                        op,
                        payload,
                        key,
                        now,
                        now,
                        now
                    )
                    .execute(&mut *tx)
                    .await?;
                }
            }
            enqueued += 1;
        }
        tx.commit().await?;
        Ok(enqueued)
    }

    /// Pending writes to `target` that are due at `now`, oldest first.
    pub async fn due_pushes(&self, target: System, now: Timestamp, limit: i64) -> Result<Vec<PushItem>, StoreError> {
        let (target_name, now) = (target.as_str(), to_ms(now));
        let rows = sqlx::query!(
            r#"SELECT id AS "id!", object_type, external_id, person_id, operation, payload, idempotency_key, attempts
               FROM outbox WHERE state = 'pending' AND target_system = ? AND next_attempt_at <= ?
               ORDER BY id LIMIT ?"#,
            target_name,
            now,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(PushItem {
                    id: r.id,
                    target,
                    object: r
                        .object_type
                        .parse()
                        .map_err(|e| StoreError::corrupt("outbox object type", e))?,
                    external_id: r.external_id,
                    person_id: r.person_id.map(PersonId),
                    operation: parse_operation(&r.operation),
                    fields: parse_fields(&r.payload)?,
                    idempotency_key: r.idempotency_key,
                    attempts: r.attempts,
                })
            })
            .collect()
    }

    /// Records a successful write of `sent` (the values the push carried). For a create, `created_id`
    /// is the new record's id. Fields merged in after the batch was taken stay pending.
    pub async fn complete_push(&self, id: i64, sent: &FieldValues, created_id: Option<&str>) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await?;
        let Some(row) = sqlx::query!(
            "SELECT target_system, object_type, external_id, payload FROM outbox WHERE id = ? AND state = 'pending'",
            id
        )
        .fetch_optional(&mut *tx)
        .await?
        else {
            return Ok(());
        };
        let external_id = created_id.map(str::to_owned).or(row.external_id);
        let mut remaining = parse_fields(&row.payload)?;
        for (field, value) in sent {
            if remaining.get(field) == Some(value) {
                remaining.remove(field);
            }
            if let Some(ext) = &external_id {
                sqlx::query!(
                    r#"INSERT INTO pushed_values (target_system, object_type, external_id, field, value, pushed_at)
                       VALUES (?, ?, ?, ?, ?, ?)
                       ON CONFLICT DO UPDATE SET value = excluded.value, pushed_at = excluded.pushed_at"#,
                    row.target_system,
                    row.object_type,
                    ext,
                    field,
                    value,
                    now
                )
                .execute(&mut *tx)
                .await?;
            }
        }
        if remaining.is_empty() {
            sqlx::query!(
                "UPDATE outbox SET state = 'done', external_id = ?, last_error = NULL, updated_at = ? WHERE id = ?",
                external_id,
                now,
                id
            )
            .execute(&mut *tx)
            .await?;
        } else if created_id.is_some() {
            // The create happened; what is left becomes an update of the new record.
            let payload = serde_json::to_string(&remaining)?;
            sqlx::query!(
                "UPDATE outbox SET state = 'done', external_id = ?, updated_at = ? WHERE id = ?",
                external_id,
                now,
                id
            )
            .execute(&mut *tx)
            .await?;
            let key = update_key(
                &mut tx,
                &row.target_system,
                &row.object_type,
                external_id.as_deref().unwrap_or(""),
            )
            .await?;
            sqlx::query!(
                r#"INSERT INTO outbox (target_system, object_type, external_id, operation, payload, idempotency_key,
                       next_attempt_at, created_at, updated_at)
                   VALUES (?, ?, ?, 'update', ?, ?, ?, ?, ?)"#,
                row.target_system,
                row.object_type,
                external_id,
                payload,
                key,
                now,
                now,
                now
            )
            .execute(&mut *tx)
            .await?;
        } else {
            let payload = serde_json::to_string(&remaining)?;
            sqlx::query!(
                "UPDATE outbox SET payload = ?, updated_at = ? WHERE id = ?",
                payload,
                now,
                id
            )
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Records a failed write. With `retry_at`, the item is tried again then; without, or once
    /// `max_attempts` is reached, it becomes a dead letter with the target's message.
    pub async fn fail_push(
        &self,
        id: i64,
        error: &str,
        retry_at: Option<Timestamp>,
        max_attempts: i64,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let error: String = error.chars().take(2000).collect();
        let retry = retry_at.map(to_ms);
        sqlx::query!(
            r#"UPDATE outbox SET attempts = attempts + 1, last_error = ?, updated_at = ?,
                   state = CASE WHEN ? IS NULL OR attempts + 1 >= ? THEN 'dead' ELSE 'pending' END,
                   next_attempt_at = COALESCE(?, next_attempt_at)
               WHERE id = ? AND state = 'pending'"#,
            error,
            now,
            retry,
            max_attempts,
            retry,
            id
        )
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The value closedloop last wrote to a target field, if any.
    pub async fn pushed_value(
        &self,
        target: System,
        object: ObjectType,
        external_id: &str,
        field: &str,
    ) -> Result<Option<Option<String>>, StoreError> {
        let (t, o) = (target.as_str(), object.as_str());
        let row = sqlx::query!(
            "SELECT value FROM pushed_values WHERE target_system = ? AND object_type = ? AND external_id = ? AND field = ?",
            t,
            o,
            external_id,
            field
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.value))
    }

    /// Writes that failed for good, most recent first.
    pub async fn dead_letters(&self, limit: i64) -> Result<Vec<DeadLetter>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT id AS "id!", target_system, object_type, external_id, attempts, last_error, updated_at
               FROM outbox WHERE state = 'dead' ORDER BY updated_at DESC, id DESC LIMIT ?"#,
            limit
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(DeadLetter {
                    id: r.id,
                    target: r.target_system,
                    object: r.object_type,
                    external_id: r.external_id,
                    attempts: r.attempts,
                    last_error: r.last_error,
                    updated_at: from_ms(r.updated_at)?,
                })
            })
            .collect()
    }
}
