//! The people's pending outbox writes, replaced by what reconcile wants now.
//!
//! State: none of its own; reads and writes the `outbox` rows of the batch's people (the schema
//! and its invariants are `outbox.rs`'s: at most one pending update per target record, one create
//! per person, target and object, ever).
//!
//! Reconcile is the outbox's only producer, and each run plans every write of a person from
//! scratch, so a person's pending writes are *replaced* rather than merged: a value that is no
//! longer wanted (the target was filled meanwhile, an if-empty rule now holds) is withdrawn before
//! it is sent, a Lead creation is dropped once a CRM record exists or the gate closes, and
//! planning the same writes again changes nothing. A create already sent (done or dead) is never
//! queued again.

use super::ReconcileBatch;
use super::keys::{CHUNK, keys_json};
use crate::error::StoreError;
use crate::outbox::person_create_key;
use closedloop_core::records::FieldValues;
use closedloop_core::sync::{PushIntent, PushOperation};
use closedloop_core::{ExternalId, ObjectType, PersonId, System};
use std::collections::{BTreeMap, HashMap};

/// One person's wanted writes.
#[derive(Debug, Clone, Copy)]
pub struct PersonWrites<'a> {
    /// The person.
    pub person: PersonId,
    /// Every record of the person: pending updates of these not in `intents` are withdrawn.
    pub records: &'a [ExternalId],
    /// The writes wanted now: updates of the person's records, and creates (`external_id: None`).
    pub intents: &'a [PushIntent],
}

/// What replacing the writes changed in the outbox.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteCounts {
    /// Rows added or given new values, by target system.
    pub enqueued: BTreeMap<System, u64>,
    /// Pending rows removed because their values are no longer wanted.
    pub withdrawn: u64,
    /// Creates not queued because the person's record was already created.
    pub already_created: u64,
}

struct Pending {
    id: i64,
    payload: FieldValues,
    state: String,
}

fn parse_payload(text: &str) -> Result<FieldValues, StoreError> {
    serde_json::from_str(text).map_err(|e| StoreError::corrupt("outbox payload", e))
}

impl ReconcileBatch {
    /// Replaces the pending writes of each person. `creatable` lists the objects reconcile creates
    /// (the CRM's Lead): a person's pending create of one of them that is no longer wanted is
    /// withdrawn.
    pub async fn replace_writes(
        &mut self,
        people: &[PersonWrites<'_>],
        creatable: &[(System, ObjectType)],
    ) -> Result<WriteCounts, StoreError> {
        let mut counts = WriteCounts::default();
        let records: Vec<&ExternalId> = people
            .iter()
            .flat_map(|p| p.records.iter())
            .filter(|k| matches!(k.object, ObjectType::Contact | ObjectType::Lead))
            .collect();
        let mut updates: HashMap<ExternalId, Pending> = HashMap::new();
        for chunk in records.chunks(CHUNK) {
            let json = keys_json(chunk.iter().copied());
            let rows = sqlx::query!(
                r#"SELECT o.id AS "id!", o.target_system, o.object_type, o.external_id AS "external_id!", o.payload
                   FROM json_each(?) AS j CROSS JOIN outbox AS o
                   ON o.target_system = j.value ->> 0 AND o.object_type = j.value ->> 1 AND o.external_id = j.value ->> 2
                   WHERE o.state = 'pending' AND o.operation = 'update'"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                let key = super::stored_key(&r.target_system, &r.object_type, &r.external_id)?;
                updates.insert(
                    key,
                    Pending {
                        id: r.id,
                        payload: parse_payload(&r.payload)?,
                        state: "pending".to_owned(),
                    },
                );
            }
        }
        let create_keys: Vec<String> = people
            .iter()
            .flat_map(|p| creatable.iter().map(|&(s, o)| person_create_key(s, o, p.person)))
            .collect();
        let mut creates: HashMap<String, Pending> = HashMap::new();
        for chunk in create_keys.chunks(CHUNK) {
            let json = serde_json::to_string(chunk)?;
            let rows = sqlx::query!(
                r#"SELECT o.id AS "id!", o.idempotency_key, o.payload, o.state FROM json_each(?) AS j
                   CROSS JOIN outbox AS o ON o.idempotency_key = j.value"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                creates.insert(
                    r.idempotency_key,
                    Pending {
                        id: r.id,
                        payload: parse_payload(&r.payload)?,
                        state: r.state,
                    },
                );
            }
        }

        let mut next_id: i64 = sqlx::query_scalar!(r#"SELECT COALESCE(MAX(id), 0) + 1 AS "next!: i64" FROM outbox"#)
            .fetch_one(&mut *self.tx)
            .await?;
        for p in people {
            let mut wanted: HashMap<ExternalId, &PushIntent> = HashMap::new();
            let mut wanted_creates: HashMap<String, &PushIntent> = HashMap::new();
            for intent in p.intents.iter().filter(|i| !i.fields.is_empty()) {
                match (&intent.external_id, intent.operation) {
                    (Some(id), PushOperation::Update) => {
                        let key = ExternalId {
                            system: intent.target,
                            object: intent.object,
                            id: id.clone(),
                        };
                        wanted.insert(key, intent);
                    }
                    _ => {
                        wanted_creates.insert(person_create_key(intent.target, intent.object, p.person), intent);
                    }
                }
            }
            for key in p
                .records
                .iter()
                .filter(|k| matches!(k.object, ObjectType::Contact | ObjectType::Lead))
            {
                let intent = wanted.remove(key);
                match (intent, updates.remove(key)) {
                    (None, None) => {}
                    (None, Some(pending)) => {
                        self.delete_outbox_row(pending.id).await?;
                        counts.withdrawn += 1;
                    }
                    (Some(intent), Some(pending)) if pending.payload == intent.fields => {}
                    (Some(intent), Some(pending)) => {
                        self.set_payload(pending.id, &intent.fields).await?;
                        *counts.enqueued.entry(intent.target).or_default() += 1;
                    }
                    (Some(intent), None) => {
                        let idempotency = format!("update:{}:{}:{}:{next_id}", intent.target, intent.object, key.id);
                        self.insert_outbox_row(next_id, p.person, intent, Some(&key.id), &idempotency)
                            .await?;
                        next_id += 1;
                        *counts.enqueued.entry(intent.target).or_default() += 1;
                    }
                }
            }
            if let Some(stray) = wanted.keys().next() {
                // The core only targets a person's own primary records; anything else is a bug
                // upstream, and writing it would push to a record of somebody else.
                return Err(StoreError::corrupt(
                    "push intent",
                    format!("{stray} is not a record of person {}", p.person),
                ));
            }
            for &(system, object) in creatable {
                let key = person_create_key(system, object, p.person);
                let intent = wanted_creates.remove(&key);
                match (intent, creates.remove(&key)) {
                    (None, None) => {}
                    (None, Some(pending)) if pending.state == "pending" => {
                        self.delete_outbox_row(pending.id).await?;
                        counts.withdrawn += 1;
                    }
                    (None, Some(_)) => {}
                    (Some(_), Some(done)) if done.state != "pending" => counts.already_created += 1,
                    (Some(intent), Some(pending)) if pending.payload == intent.fields => {}
                    (Some(intent), Some(pending)) => {
                        self.set_payload(pending.id, &intent.fields).await?;
                        *counts.enqueued.entry(intent.target).or_default() += 1;
                    }
                    (Some(intent), None) => {
                        self.insert_outbox_row(next_id, p.person, intent, None, &key).await?;
                        next_id += 1;
                        *counts.enqueued.entry(intent.target).or_default() += 1;
                    }
                }
            }
            if let Some(stray) = wanted_creates.keys().next() {
                return Err(StoreError::corrupt(
                    "push intent",
                    format!("{stray}: reconcile does not create this object"),
                ));
            }
        }
        Ok(counts)
    }

    async fn delete_outbox_row(&mut self, id: i64) -> Result<(), StoreError> {
        sqlx::query!("DELETE FROM outbox WHERE id = ?", id)
            .execute(&mut *self.tx)
            .await?;
        Ok(())
    }

    async fn set_payload(&mut self, id: i64, fields: &FieldValues) -> Result<(), StoreError> {
        let payload = serde_json::to_string(fields)?;
        let now = crate::time::now_ms();
        sqlx::query!(
            "UPDATE outbox SET payload = ?, updated_at = ? WHERE id = ?",
            payload,
            now,
            id
        )
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }

    async fn insert_outbox_row(
        &mut self,
        id: i64,
        person: PersonId,
        intent: &PushIntent,
        external_id: Option<&str>,
        idempotency_key: &str,
    ) -> Result<(), StoreError> {
        let (target, object) = (intent.target.as_str(), intent.object.as_str());
        let operation = if external_id.is_some() { "update" } else { "create" };
        let payload = serde_json::to_string(&intent.fields)?;
        // Due now in wall-clock time: the push phase compares with its own clock.
        let now = crate::time::now_ms();
        sqlx::query!(
            r#"INSERT INTO outbox (id, target_system, object_type, external_id, person_id, operation, payload,
                   idempotency_key, next_attempt_at, created_at, updated_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"#,
            id,
            target,
            object,
            external_id,
            person.0,
            operation,
            payload,
            idempotency_key,
            now,
            now,
            now
        )
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
