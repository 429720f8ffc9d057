//! Writing to Salesforce: field updates of Leads and Contacts, and Lead creation, in collections
//! of up to 200 records.
//!
//! State: none beyond the shared connector. Rules:
//! - Updates go through `PATCH composite/sobjects` with `allOrNone: false`: each record stands
//!   alone, and each result becomes that item's outcome in Salesforce's words. A locked row
//!   (`UNABLE_TO_LOCK_ROW`) is retried on a later cycle; a validation rule or a bad value is not.
//! - A create is an upsert on the configured External ID field (`person_id_field`) through
//!   `PATCH composite/sobjects/Lead/<field>`, with a value derived from the item's idempotency
//!   key ([`create_key`]): resent after a crash or a timeout whose outcome is unknown, it finds the
//!   Lead the first attempt made instead of making a second.
//! - Reconcile's gate creates a Lead only for a person with no Lead or Contact. The push checks
//!   again just before creating, because sales may have added one since the last pull: a
//!   `queryAll` by email over Leads and Contacts, deleted ones included (a deleted Lead is a
//!   decision by sales, as the gate treats it). A match that is not the Lead this very key made
//!   fails the item, permanently, naming the record; the next pull links the person to it.
//! - A whole call refused for its content (a 400) is split in halves until the bad record is
//!   alone. A spent quota fails the batch as a whole, for the engine to stop cleanly; other
//!   failures too, unless part of the batch was already written: those records keep their
//!   outcomes and the rest is failed as retriable.

use crate::connector::Shared;
use crate::error::SalesforceError;
use crate::soql::{ApiName, Cond, Literal, Query, in_chunks};
use crate::wire::CollectionResult;
use closedloop_core::email::Email;
use closedloop_core::hash::content_hash;
use closedloop_core::sync::{PushItem, PushOperation, PushOutcome, PushTarget};
use closedloop_core::{ObjectType, SalesforceId, System};
use serde_json::{Map, Value, json};
use std::collections::HashMap;
use std::sync::Arc;

/// Records per `composite/sobjects` call (Salesforce's limit).
pub const MAX_BATCH: usize = 200;

/// Per-record error codes a later attempt may get past.
const RETRIABLE_CODES: &[&str] = &[
    "UNABLE_TO_LOCK_ROW",
    "REQUEST_RUNNING_TOO_LONG",
    "SERVER_UNAVAILABLE",
    "UNKNOWN_EXCEPTION",
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
];

/// Whether a per-record error code may pass on a later attempt.
pub fn is_retriable_code(code: &str) -> bool {
    RETRIABLE_CODES.contains(&code)
}

/// The External ID value of a create: `p<person id>` for closedloop's per-person create key
/// (`create:salesforce:lead:<id>`), otherwise `k` and 32 hex digits of the key's SHA-256. The
/// same key always gives the same value, which is what makes a resent create find its Lead.
pub fn create_key(idempotency_key: &str) -> String {
    if let Some(person) = idempotency_key.strip_prefix("create:salesforce:lead:")
        && !person.is_empty()
        && person.len() <= 19
        && person.bytes().all(|b| b.is_ascii_digit())
    {
        return format!("p{person}");
    }
    let hash = content_hash(&Value::String(idempotency_key.to_owned()));
    format!("k{}", &hash[..32])
}

/// The outcome of a per-record result.
fn outcome_of(result: &CollectionResult, created: bool) -> PushOutcome {
    if result.success {
        return PushOutcome::Written {
            created_id: if created { result.id.clone() } else { None },
        };
    }
    let retriable = !result.errors.is_empty()
        && result
            .errors
            .iter()
            .all(|e| e.status_code.as_deref().is_some_and(is_retriable_code));
    let message = if result.errors.is_empty() {
        "salesforce refused the record without saying why".to_owned()
    } else {
        result
            .errors
            .iter()
            .map(|e| {
                let mut text = format!(
                    "{}: {}",
                    e.status_code.as_deref().unwrap_or("ERROR"),
                    e.message.as_deref().unwrap_or("no message")
                );
                if !e.fields.is_empty() {
                    text.push_str(&format!(" (fields: {})", e.fields.join(", ")));
                }
                text
            })
            .collect::<Vec<_>>()
            .join("; ")
    };
    PushOutcome::Failed { message, retriable }
}

fn failed(message: impl Into<String>) -> PushOutcome {
    PushOutcome::Failed {
        message: message.into(),
        retriable: false,
    }
}

/// One item, ready to send.
enum Prepared {
    Update(Value),
    Create { email: Email, key: String, record: Value },
    Nothing,
}

/// The Salesforce object type name of a closedloop object.
fn sobject(object: ObjectType) -> Option<&'static str> {
    match object {
        ObjectType::Lead => Some("Lead"),
        ObjectType::Contact => Some("Contact"),
        _ => None,
    }
}

fn prepare(item: &PushItem, person_id_field: &ApiName) -> Result<Prepared, String> {
    if item.target != System::Salesforce {
        return Err(format!("a {} item was given to the salesforce push", item.target));
    }
    let object =
        sobject(item.object).ok_or_else(|| format!("salesforce has no {} object closedloop writes", item.object))?;
    let mut record = Map::new();
    record.insert("attributes".into(), json!({ "type": object }));
    for (name, value) in &item.fields {
        let name = ApiName::parse(name).map_err(|e| e.to_string())?;
        if name.same_as("Id") || name.same_as(person_id_field.as_str()) {
            return Err(format!("{name} is closedloop's to set, not a field to push"));
        }
        record.insert(name.to_string(), value.clone().map_or(Value::Null, Value::String));
    }
    match item.operation {
        PushOperation::Update => {
            if item.fields.is_empty() {
                return Ok(Prepared::Nothing);
            }
            let raw = item
                .external_id
                .as_deref()
                .ok_or_else(|| "an update names no record".to_owned())?;
            let id = SalesforceId::parse(raw).map_err(|e| e.to_string())?;
            let expected = if item.object == ObjectType::Lead { "00Q" } else { "003" };
            if id.key_prefix() != expected {
                return Err(format!("{id} is not a {object} id"));
            }
            record.insert("Id".into(), Value::String(id.to_string()));
            Ok(Prepared::Update(Value::Object(record)))
        }
        PushOperation::Create => {
            if item.object != ObjectType::Lead {
                return Err(format!("closedloop creates Leads only, not {object}s"));
            }
            let email = item
                .fields
                .iter()
                .find(|(k, _)| k.eq_ignore_ascii_case("Email"))
                .and_then(|(_, v)| v.as_deref())
                .ok_or_else(|| "a Lead is created only for a person with an email".to_owned())
                .and_then(|e| Email::parse(e).map_err(|e| format!("cannot create a Lead: {e}")))?;
            let key = create_key(&item.idempotency_key);
            record.insert(person_id_field.to_string(), Value::String(key.clone()));
            Ok(Prepared::Create {
                email,
                key,
                record: Value::Object(record),
            })
        }
    }
}

/// True for a whole-call error caused by the request's content: a record of it is bad.
fn is_content_error(e: &SalesforceError) -> bool {
    match e {
        SalesforceError::Api(call) => call.status().is_some_and(|s| s.as_u16() == 400) && !call.is_retriable(),
        _ => false,
    }
}

/// The Salesforce push target.
#[derive(Clone)]
pub struct SalesforcePush {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SalesforcePush {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SalesforcePush").finish_non_exhaustive()
    }
}

/// How a batch of one kind is written.
#[derive(Clone, Copy)]
enum Write {
    Update,
    Upsert,
}

impl SalesforcePush {
    pub(crate) fn new(shared: Arc<Shared>) -> Self {
        SalesforcePush { shared }
    }

    async fn call(&self, how: Write, records: Vec<Value>) -> Result<Vec<CollectionResult>, SalesforceError> {
        match how {
            Write::Update => self.shared.api.update(records).await,
            Write::Upsert => {
                let field = self.shared.settings.person_id_field.to_string();
                self.shared.api.upsert("Lead", &field, records).await
            }
        }
    }

    /// Sends `batch` (item index, record) in calls of at most 200, splitting a call refused for
    /// its content until the bad record is alone.
    async fn send(
        &self,
        how: Write,
        batch: Vec<(usize, Value)>,
        outcomes: &mut [Option<PushOutcome>],
    ) -> Result<(), SalesforceError> {
        let mut work: Vec<Vec<(usize, Value)>> = batch.chunks(MAX_BATCH).map(<[_]>::to_vec).collect();
        work.reverse();
        while let Some(group) = work.pop() {
            if group.is_empty() {
                continue;
            }
            let records: Vec<Value> = group.iter().map(|(_, r)| r.clone()).collect();
            match self.call(how, records).await {
                Ok(results) if results.len() == group.len() => {
                    for ((index, _), result) in group.iter().zip(&results) {
                        outcomes[*index] = Some(outcome_of(result, matches!(how, Write::Upsert)));
                    }
                }
                Ok(results) => {
                    return Err(SalesforceError::unexpected(
                        "composite/sobjects",
                        format!("{} results for {} records", results.len(), group.len()),
                    ));
                }
                Err(e) if is_content_error(&e) && group.len() > 1 => {
                    let (left, right) = group.split_at(group.len() / 2);
                    work.push(right.to_vec());
                    work.push(left.to_vec());
                }
                Err(e) if is_content_error(&e) => {
                    outcomes[group[0].0] = Some(failed(e.to_string()));
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    /// Leads and Contacts that already hold these emails, `queryAll` (deleted ones too): email →
    /// (object, id, deleted, person key if a Lead).
    async fn existing(&self, emails: &[Email]) -> Result<HashMap<Email, Vec<Existing>>, SalesforceError> {
        let mut found: HashMap<Email, Vec<Existing>> = HashMap::new();
        let values: Vec<Literal> = emails.iter().map(|e| Literal::Str(e.as_str().to_owned())).collect();
        let names = |list: &[&str]| crate::convert::names(list);
        let email_field = names(&["Email"]).remove(0);
        let key_field = self.shared.settings.person_id_field.clone();
        for (object, mut select) in [
            ("Lead", names(&["Id", "Email", "IsDeleted"])),
            ("Contact", names(&["Id", "Email", "IsDeleted"])),
        ] {
            if object == "Lead" {
                select.push(key_field.clone());
            }
            let object_name = names(&[object]).remove(0);
            for chunk in in_chunks(values.clone()) {
                let q = Query::select(&object_name, &select).filter(Cond::In(email_field.clone(), chunk));
                let mut page = self.shared.api.query(&q.to_soql()?, true).await?;
                loop {
                    for row in &page.records {
                        let r = crate::convert::row::RowReader::new(row, object);
                        let (Ok(Some(email)), Ok(id)) = (r.email("Email"), r.id("Id")) else {
                            continue;
                        };
                        found.entry(email).or_default().push(Existing {
                            object,
                            id,
                            deleted: r.flag("IsDeleted").unwrap_or(false),
                            key: r.raw(key_field.as_str()).ok().flatten(),
                        });
                    }
                    match (page.done, page.next_records_url.clone()) {
                        (false, Some(next)) => page = self.shared.api.query_more(&next).await?,
                        _ => break,
                    }
                }
            }
        }
        Ok(found)
    }

    /// Writes every item, filling `outcomes` as results come back.
    async fn write_all(&self, items: &[PushItem], outcomes: &mut [Option<PushOutcome>]) -> Result<(), SalesforceError> {
        let mut updates: Vec<(usize, Value)> = Vec::new();
        let mut creates: Vec<(usize, Email, String, Value)> = Vec::new();
        for (i, item) in items.iter().enumerate() {
            match prepare(item, &self.shared.settings.person_id_field) {
                Ok(Prepared::Update(record)) => updates.push((i, record)),
                Ok(Prepared::Create { email, key, record }) => creates.push((i, email, key, record)),
                Ok(Prepared::Nothing) => outcomes[i] = Some(PushOutcome::Written { created_id: None }),
                Err(message) => outcomes[i] = Some(failed(message)),
            }
        }
        // One record may appear once per call: a second update of the same record waits for the next round.
        while !updates.is_empty() {
            let mut seen = std::collections::HashSet::new();
            let (round, later): (Vec<_>, Vec<_>) = updates
                .into_iter()
                .partition(|(_, r)| seen.insert(r.get("Id").and_then(|v| v.as_str()).unwrap_or_default().to_owned()));
            self.send(Write::Update, round, outcomes).await?;
            updates = later;
        }
        if !creates.is_empty() {
            let mut emails: Vec<Email> = creates.iter().map(|(_, e, _, _)| e.clone()).collect();
            emails.sort();
            emails.dedup();
            let existing = self.existing(&emails).await?;
            let mut claimed: HashMap<Email, usize> = HashMap::new();
            let mut upserts = Vec::new();
            for (index, email, key, record) in creates {
                if let Some(first) = claimed.get(&email) {
                    outcomes[index] = Some(failed(format!(
                        "not created: push item {} creates a Lead with the same email {email}",
                        items[*first].id
                    )));
                    continue;
                }
                let matches = existing.get(&email).map(Vec::as_slice).unwrap_or_default();
                let ours = matches
                    .iter()
                    .any(|m| m.object == "Lead" && m.key.as_deref() == Some(key.as_str()));
                if !ours && let Some(other) = matches.first() {
                    let state = if other.deleted { " (deleted)" } else { "" };
                    outcomes[index] = Some(failed(format!(
                        "not created: {} {}{state} already has the email {email}; the next pull links the person to it",
                        other.object, other.id
                    )));
                    continue;
                }
                claimed.insert(email, index);
                upserts.push((index, record));
            }
            self.send(Write::Upsert, upserts, outcomes).await?;
        }
        Ok(())
    }
}

/// A Lead or Contact that already holds an email.
#[derive(Debug, Clone)]
struct Existing {
    object: &'static str,
    id: SalesforceId,
    deleted: bool,
    key: Option<String>,
}

impl PushTarget for SalesforcePush {
    type Error = SalesforceError;

    fn system(&self) -> System {
        System::Salesforce
    }

    fn max_batch(&self) -> usize {
        MAX_BATCH
    }

    async fn push(&self, items: &[PushItem]) -> Result<Vec<PushOutcome>, SalesforceError> {
        let mut outcomes: Vec<Option<PushOutcome>> = vec![None; items.len()];
        if let Err(e) = self.write_all(items, &mut outcomes).await {
            let some_written = outcomes.iter().any(|o| matches!(o, Some(PushOutcome::Written { .. })));
            // A spent quota stops the push cleanly (everything resent later is idempotent); a
            // failure before anything was written is the whole batch's.
            if e.is_quota_exhausted() || !some_written {
                return Err(e);
            }
            // Part of the batch was written before the failure: keep those outcomes, retry the rest.
            let message = e.to_string();
            for outcome in outcomes.iter_mut().filter(|o| o.is_none()) {
                *outcome = Some(PushOutcome::Failed {
                    message: message.clone(),
                    retriable: true,
                });
            }
        }
        Ok(outcomes
            .into_iter()
            .map(|o| {
                o.unwrap_or_else(|| PushOutcome::Failed {
                    message: "no result came back for this record".into(),
                    retriable: true,
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::RecordError;
    use closedloop_core::records::FieldValues;

    fn item(
        operation: PushOperation,
        object: ObjectType,
        id: Option<&str>,
        fields: &[(&str, Option<&str>)],
    ) -> PushItem {
        PushItem {
            id: 7,
            target: System::Salesforce,
            object,
            external_id: id.map(str::to_owned),
            person_id: None,
            operation,
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.map(str::to_owned)))
                .collect::<FieldValues>(),
            idempotency_key: "create:salesforce:lead:42".into(),
            attempts: 0,
        }
    }

    fn key_field() -> ApiName {
        ApiName::parse("Closedloop_Person_Id__c").unwrap()
    }

    #[test]
    fn create_keys_are_stable_and_readable_for_people() {
        assert_eq!(create_key("create:salesforce:lead:42"), "p42");
        let other = create_key("create:salesforce:lead:abc");
        assert_eq!(other.len(), 33);
        assert_eq!(other, create_key("create:salesforce:lead:abc"));
        assert_ne!(other, create_key("create:salesforce:lead:abd"));
    }

    #[test]
    fn updates_carry_the_id_and_nulls_clear() {
        let i = item(
            PushOperation::Update,
            ObjectType::Contact,
            Some("0035g0000000001"),
            &[
                ("MQL_Date__c", Some("2024-03-01T10:00:00.000Z")),
                ("Lead_Owner_Side__c", None),
            ],
        );
        let Ok(Prepared::Update(record)) = prepare(&i, &key_field()) else {
            panic!()
        };
        assert_eq!(record["attributes"]["type"], "Contact");
        assert_eq!(record["Lead_Owner_Side__c"], Value::Null);
        assert_eq!(record["Id"].as_str().unwrap().len(), 18);
    }

    #[test]
    fn bad_items_fail_alone_with_a_reason() {
        let wrong_prefix = item(
            PushOperation::Update,
            ObjectType::Lead,
            Some("0035g0000000001"),
            &[("A__c", Some("x"))],
        );
        assert!(
            prepare(&wrong_prefix, &key_field())
                .err()
                .unwrap()
                .contains("is not a Lead id")
        );
        let hostile = item(
            PushOperation::Update,
            ObjectType::Lead,
            Some("00Q5g0000000001"),
            &[("A__c'", Some("x"))],
        );
        assert!(prepare(&hostile, &key_field()).is_err());
        let no_email = item(
            PushOperation::Create,
            ObjectType::Lead,
            None,
            &[("LastName", Some("x"))],
        );
        assert!(
            prepare(&no_email, &key_field())
                .err()
                .unwrap()
                .contains("with an email")
        );
        let sets_key = item(
            PushOperation::Create,
            ObjectType::Lead,
            None,
            &[("Email", Some("a@b.io")), ("closedloop_person_id__c", Some("p1"))],
        );
        assert!(prepare(&sets_key, &key_field()).is_err());
        let create = item(
            PushOperation::Create,
            ObjectType::Lead,
            None,
            &[("Email", Some("A@B.io")), ("LastName", Some("x"))],
        );
        let Ok(Prepared::Create { email, key, record }) = prepare(&create, &key_field()) else {
            panic!()
        };
        assert_eq!((email.as_str(), key.as_str()), ("a@b.io", "p42"));
        assert_eq!(record["Closedloop_Person_Id__c"], "p42");
    }

    #[test]
    fn locked_rows_are_retried_and_validation_errors_are_not() {
        let result = |code: &str| CollectionResult {
            id: None,
            success: false,
            created: None,
            errors: vec![RecordError {
                status_code: Some(code.into()),
                message: Some("nope".into()),
                fields: vec!["Title".into()],
            }],
        };
        assert_eq!(
            outcome_of(&result("UNABLE_TO_LOCK_ROW"), false),
            PushOutcome::Failed {
                message: "UNABLE_TO_LOCK_ROW: nope (fields: Title)".into(),
                retriable: true
            }
        );
        assert!(matches!(
            outcome_of(&result("FIELD_CUSTOM_VALIDATION_EXCEPTION"), false),
            PushOutcome::Failed { retriable: false, .. }
        ));
        let ok = CollectionResult {
            id: Some("00Q5g0000000001AAA".into()),
            success: true,
            created: Some(true),
            errors: vec![],
        };
        assert_eq!(
            outcome_of(&ok, true),
            PushOutcome::Written {
                created_id: Some("00Q5g0000000001AAA".into())
            }
        );
    }
}
