//! [`ContactPush`]: writes contact properties through `batch/update`, 100 contacts per call.
//!
//! Holds no state beyond the connector's property cache. Values are sent exactly as each
//! [`PushItem`] carries them (reconcile formatted them and only queued real changes); a `None`
//! clears the property (HubSpot clears with an empty string). Before the first write of a
//! property that does not exist, it is created ([`crate::properties`]).
//!
//! Outcomes, per item:
//! - a 200, or a 207 that does not name the contact: `Written`;
//! - a 207 naming the contact: `Failed` with HubSpot's category and message (retriable only when
//!   the property vanished meanwhile: it is created again on the next attempt);
//! - a 400 for the whole batch: the batch is split in halves until the bad contact is alone; it
//!   alone fails, with HubSpot's message, and the others are written;
//! - an item HubSpot cannot take (not a contact update, no valid id): `Failed`, not retriable.
//!
//! A batch that fails as a whole for another reason (quota spent, outage, credentials) is an
//! error, and the engine keeps every item for a later attempt.

use crate::client::BATCH_UPDATE;
use crate::connector::Shared;
use crate::error::HubSpotError;
use crate::properties;
use crate::wire;
use closedloop_core::ids::HubSpotId;
use closedloop_core::sync::{PushItem, PushOperation, PushOutcome, PushTarget};
use closedloop_core::system::{ObjectType, System};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// HubSpot's batch limit.
pub const MAX_BATCH: usize = 100;

/// Writes contact properties.
pub struct ContactPush {
    shared: Arc<Shared>,
}

/// Why HubSpot cannot take an item, if it cannot.
fn refusal(item: &PushItem) -> Option<String> {
    if item.target != System::HubSpot {
        return Some(format!("this is a {} write, not a hubspot one", item.target));
    }
    if item.object != ObjectType::Contact {
        return Some(format!("closedloop writes hubspot contacts only, not {}s", item.object));
    }
    if item.operation == PushOperation::Create {
        return Some("closedloop never creates hubspot contacts; only existing contacts are updated".into());
    }
    match item.external_id.as_deref() {
        None => Some("the write names no hubspot contact".into()),
        Some(id) => HubSpotId::parse(id).err().map(|e| e.to_string()),
    }
}

fn failed(message: impl Into<String>, retriable: bool) -> PushOutcome {
    PushOutcome::Failed {
        message: message.into(),
        retriable,
    }
}

/// Whether a whole-batch failure is about the batch's content, so splitting it can isolate the cause.
fn content_refused(error: &closedloop_outbound::Error) -> bool {
    !error.is_retriable()
        && !error.is_quota_exhausted()
        && error.status().is_some_and(|s| matches!(s.as_u16(), 400 | 409 | 422))
}

impl ContactPush {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        ContactPush { shared }
    }

    fn body(items: &[PushItem], group: &[usize]) -> Value {
        let inputs: Vec<Value> = group
            .iter()
            .map(|&i| {
                let item = &items[i];
                let properties: Map<String, Value> = item
                    .fields
                    .iter()
                    .map(|(k, v)| (k.clone(), Value::String(v.clone().unwrap_or_default())))
                    .collect();
                json!({ "id": item.external_id, "properties": properties })
            })
            .collect();
        json!({ "inputs": inputs })
    }

    /// Sends `group` (at most [`MAX_BATCH`] items), splitting it while HubSpot refuses it whole.
    async fn send(
        &self,
        items: &[PushItem],
        group: Vec<usize>,
        outcomes: &mut [Option<PushOutcome>],
    ) -> Result<(), HubSpotError> {
        let mut pending = vec![group];
        while let Some(group) = pending.pop() {
            let response = self
                .shared
                .client
                .post("/crm/v3/objects/contacts/batch/update", BATCH_UPDATE)
                .json(&Self::body(items, &group))
                .send()
                .await;
            let response = match response {
                Ok(r) => r,
                Err(e) if content_refused(&e) && group.len() > 1 => {
                    tracing::debug!(size = group.len(), error = %e, "hubspot refused a batch; splitting it");
                    let (left, right) = group.split_at(group.len() / 2);
                    pending.push(right.to_vec());
                    pending.push(left.to_vec());
                    continue;
                }
                Err(e) if content_refused(&e) => {
                    let message = e
                        .vendor_error()
                        .map(ToString::to_string)
                        .unwrap_or_else(|| e.to_string());
                    if let Some(&i) = group.first() {
                        outcomes[i] = Some(failed(message, false));
                    }
                    continue;
                }
                Err(e) => return Err(e.into()),
            };
            let body: wire::BatchResponse = response.json()?;
            let mut refused: HashMap<String, (String, bool)> = HashMap::new();
            for error in &body.errors {
                let missing = error.missing_property();
                if missing {
                    properties::forget(&self.shared).await;
                }
                for id in error.ids() {
                    refused.insert(id, (error.describe(), missing));
                }
            }
            for &i in &group {
                let id = items[i].external_id.clone().unwrap_or_default();
                outcomes[i] = Some(match refused.get(&id) {
                    Some((message, retriable)) => failed(message.clone(), *retriable),
                    None => PushOutcome::Written { created_id: None },
                });
            }
        }
        Ok(())
    }
}

impl PushTarget for ContactPush {
    type Error = HubSpotError;

    fn system(&self) -> System {
        System::HubSpot
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    async fn push(&self, items: &[PushItem]) -> Result<Vec<PushOutcome>, HubSpotError> {
        let mut outcomes: Vec<Option<PushOutcome>> = vec![None; items.len()];
        let mut sendable = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match refusal(item) {
                Some(reason) => outcomes[i] = Some(failed(reason, false)),
                None if item.fields.is_empty() => outcomes[i] = Some(PushOutcome::Written { created_id: None }),
                None => sendable.push(i),
            }
        }
        let mut names: Vec<String> = sendable.iter().flat_map(|&i| items[i].fields.keys().cloned()).collect();
        names.sort();
        names.dedup();
        if !names.is_empty() {
            properties::ensure(&self.shared, &names).await?;
        }
        // HubSpot refuses a batch naming one contact twice: later writes to a contact go in a
        // later round, in their order.
        let mut rounds: Vec<Vec<usize>> = Vec::new();
        for i in sendable {
            let id = items[i].external_id.as_deref();
            match rounds
                .iter_mut()
                .find(|round| round.iter().all(|&j| items[j].external_id.as_deref() != id))
            {
                Some(round) => round.push(i),
                None => rounds.push(vec![i]),
            }
        }
        for round in rounds {
            for chunk in round.chunks(MAX_BATCH) {
                self.send(items, chunk.to_vec(), &mut outcomes).await?;
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| o.unwrap_or_else(|| failed("no outcome was recorded for this write", true)))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use closedloop_core::records::FieldValues;

    fn item(id: Option<&str>, object: ObjectType, operation: PushOperation) -> PushItem {
        PushItem {
            id: 1,
            target: System::HubSpot,
            object,
            external_id: id.map(str::to_owned),
            person_id: None,
            operation,
            fields: FieldValues::from([("a".to_owned(), Some("1".to_owned())), ("b".to_owned(), None)]),
            idempotency_key: "k".into(),
            attempts: 0,
        }
    }

    #[test]
    fn only_contact_updates_with_an_id_are_sent() {
        assert_eq!(
            refusal(&item(Some("17"), ObjectType::Contact, PushOperation::Update)),
            None
        );
        assert!(refusal(&item(None, ObjectType::Contact, PushOperation::Update)).is_some());
        assert!(refusal(&item(Some("x"), ObjectType::Contact, PushOperation::Update)).is_some());
        assert!(refusal(&item(Some("17"), ObjectType::Lead, PushOperation::Update)).is_some());
        assert!(refusal(&item(Some("17"), ObjectType::Contact, PushOperation::Create)).is_some());
    }

    #[test]
    fn values_go_out_as_given_and_none_clears() {
        let items = vec![item(Some("17"), ObjectType::Contact, PushOperation::Update)];
        let body = ContactPush::body(&items, &[0]);
        assert_eq!(
            body,
            json!({"inputs": [{"id": "17", "properties": {"a": "1", "b": ""}}]})
        );
    }
}
