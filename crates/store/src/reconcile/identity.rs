//! Identity persistence: reading a closed identity input for a batch, and applying the plan the
//! core's `identity::resolve` made from it.
//!
//! State: none of its own; reads the record tables, `identity_links` and `record_merges`, and
//! writes `persons`, `identity_links`, `person_merges` and `identity_duplicates`.
//!
//! The input is closed the way the core requires: starting from the dirty records, it grows with
//! every record sharing an email ([`IdentityRecord::match_keys`]), every record a conversion or a
//! merge names (in either direction: the leads converted into a contact, the records merged into a
//! survivor), and every record linked to a person id already in it, until nothing new appears.

use super::keys::{CHUNK, ROWS, emails_json, keys_json, persons_json};
use super::rows::{CrmContactRow, CrmLeadRow, MarketingContactRow, PersonRecord};
use super::{ReconcileBatch, stored_key};
use crate::error::StoreError;
use closedloop_core::identity::{
    DuplicateKind, IdentityEdge, IdentityPlan, IdentityRecord, LinkReason, MatchKey, PersonMerge,
};
use closedloop_core::{Email, ExternalId, ObjectType, PersonId};
use serde_json::json;
use std::collections::{BTreeSet, HashMap, HashSet};

/// What the core's `identity::resolve` takes, closed over everything the batch's records can join.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IdentityInput {
    /// Every person record found, in key order.
    pub records: Vec<IdentityRecord>,
    /// Merges recorded apart from the records (`record_merges`: webhook merges, `MasterRecordId`).
    pub edges: Vec<IdentityEdge>,
    /// The current links of every key in the input.
    pub links: Vec<(ExternalId, PersonId)>,
}

/// One person after the plan was applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedPerson {
    /// The person's id (assigned now for a new person).
    pub person: PersonId,
    /// True when the person was created by this plan.
    pub new: bool,
    /// Every record of the person, in key order.
    pub members: Vec<ExternalId>,
}

/// What applying a plan did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliedIdentity {
    /// Every person of the plan, in plan order.
    pub people: Vec<AppliedPerson>,
    /// Person ids merged into older ones.
    pub merges: Vec<PersonMerge>,
    /// Links written because a record is new or moved to another person.
    pub relinked: u64,
    /// Duplicate records found among the plan's people.
    pub duplicates: u64,
}

impl AppliedIdentity {
    /// People created by the plan.
    pub fn new_people(&self) -> u64 {
        self.people.iter().filter(|p| p.new).count() as u64
    }
}

fn is_person_record(key: &ExternalId) -> bool {
    matches!(key.object, ObjectType::Contact | ObjectType::Lead)
}

impl ReconcileBatch {
    /// Reads the person records behind `keys` that are not read yet, into the batch's cache.
    pub(crate) async fn ensure_records(&mut self, keys: &[ExternalId]) -> Result<(), StoreError> {
        let missing: Vec<&ExternalId> = keys
            .iter()
            .filter(|k| is_person_record(k) && !self.records.contains_key(*k))
            .collect();
        for chunk in missing.chunks(CHUNK) {
            let contacts = keys_json(chunk.iter().copied().filter(|k| k.object == ObjectType::Contact));
            let leads = keys_json(chunk.iter().copied().filter(|k| k.object == ObjectType::Lead));
            let rows = sqlx::query_as!(
                MarketingContactRow,
                r#"SELECT c.system, c.id, c.email, c.first_name, c.last_name, c.lifecycle_stage, c.lead_status,
                       c.original_source, c.original_source_detail_1, c.original_source_detail_2,
                       c.latest_source, c.latest_source_detail_1, c.latest_source_detail_2, c.owner_id,
                       c.lifecycle_dates, c.merged_ids, c.fields, c.created_at, c.updated_at,
                       c.archived AS "archived: bool"
                   FROM json_each(?) AS j CROSS JOIN marketing_contacts AS c
                   ON c.system = j.value ->> 0 AND c.id = j.value ->> 2"#,
                contacts
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                let c: closedloop_core::records::MarketingContact = row.try_into()?;
                self.records.insert(c.key(), PersonRecord::Marketing(c));
            }
            let rows = sqlx::query_as!(
                CrmContactRow,
                r#"SELECT c.system, c.id, c.email, c.first_name, c.last_name, c.account_id, c.lead_source, c.owner_id,
                       c.fields, c.created_at, c.modified_at, c.deleted AS "deleted: bool", c.merged_into
                   FROM json_each(?) AS j CROSS JOIN crm_contacts AS c
                   ON c.system = j.value ->> 0 AND c.id = j.value ->> 2"#,
                contacts
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                let c: closedloop_core::records::CrmContact = row.try_into()?;
                self.records.insert(c.key(), PersonRecord::Contact(c));
            }
            let rows = sqlx::query_as!(
                CrmLeadRow,
                r#"SELECT l.system, l.id, l.email, l.first_name, l.last_name, l.company, l.status_raw, l.status,
                       l.disqualification_reason, l.lead_source, l.owner_id, l.converted_contact_id,
                       l.converted_opportunity_id, l.converted_at, l.fields, l.created_at, l.modified_at,
                       l.deleted AS "deleted: bool", l.merged_into
                   FROM json_each(?) AS j CROSS JOIN crm_leads AS l
                   ON l.system = j.value ->> 0 AND l.id = j.value ->> 2"#,
                leads
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                let l: closedloop_core::records::CrmLead = row.try_into()?;
                self.records.insert(l.key(), PersonRecord::Lead(l));
            }
        }
        Ok(())
    }

    /// The closed identity input for `seeds` (the dirty records of the batch).
    pub async fn load_identity(&mut self, seeds: &[ExternalId]) -> Result<IdentityInput, StoreError> {
        let mut seen_keys: HashSet<ExternalId> = HashSet::new();
        let mut seen_emails: HashSet<Email> = HashSet::new();
        let mut seen_persons: HashSet<PersonId> = HashSet::new();
        let mut edges: BTreeSet<(ExternalId, ExternalId)> = BTreeSet::new();
        let mut links: HashMap<ExternalId, PersonId> = HashMap::new();

        let mut keys: Vec<ExternalId> = seeds.iter().filter(|k| is_person_record(k)).cloned().collect();
        let mut emails: Vec<Email> = Vec::new();
        let mut persons: Vec<PersonId> = Vec::new();
        loop {
            keys.retain(|k| seen_keys.insert(k.clone()));
            emails.retain(|e| seen_emails.insert(e.clone()));
            persons.retain(|p| seen_persons.insert(*p));
            if keys.is_empty() && emails.is_empty() && persons.is_empty() {
                break;
            }
            let mut next_keys: Vec<ExternalId> = Vec::new();
            let mut next_emails: Vec<Email> = Vec::new();
            let mut next_persons: Vec<PersonId> = Vec::new();

            self.ensure_records(&keys).await?;
            for key in &keys {
                if let Some(record) = self.records.get(key) {
                    for m in record.identity().match_keys() {
                        match m {
                            MatchKey::Email(e) => next_emails.push(e.clone()),
                            MatchKey::Record(k) => next_keys.push(k.clone()),
                        }
                    }
                }
            }
            for (key, person) in self.links_of_keys(&keys).await? {
                next_persons.push(person);
                links.insert(key, person);
            }
            for (merged, survivor) in self.merges_touching(&keys).await? {
                next_keys.push(merged.clone());
                next_keys.push(survivor.clone());
                edges.insert((merged, survivor));
            }
            next_keys.extend(self.leads_converted_into(&keys).await?);
            next_keys.extend(self.records_with_emails(&emails).await?);
            for (key, person) in self.links_of_persons(&persons).await? {
                next_keys.push(key.clone());
                links.insert(key, person);
            }
            keys = next_keys;
            emails = next_emails;
            persons = next_persons;
        }

        let mut records: Vec<IdentityRecord> = seen_keys
            .iter()
            .filter_map(|k| self.records.get(k))
            .map(PersonRecord::identity)
            .collect();
        records.sort_by(|a, b| a.key.cmp(&b.key));
        let mut links: Vec<(ExternalId, PersonId)> = links.into_iter().collect();
        links.sort();
        Ok(IdentityInput {
            records,
            edges: edges
                .into_iter()
                .map(|(record, other)| IdentityEdge {
                    record,
                    other,
                    reason: LinkReason::Merge,
                })
                .collect(),
            links,
        })
    }

    async fn links_of_keys(&mut self, keys: &[ExternalId]) -> Result<Vec<(ExternalId, PersonId)>, StoreError> {
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let json = keys_json(chunk);
            let rows = sqlx::query!(
                r#"SELECT l.system, l.object_type, l.external_id, l.person_id
                   FROM json_each(?) AS j CROSS JOIN identity_links AS l
                   ON l.system = j.value ->> 0 AND l.object_type = j.value ->> 1 AND l.external_id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                out.push((
                    stored_key(&r.system, &r.object_type, &r.external_id)?,
                    PersonId(r.person_id),
                ));
            }
        }
        Ok(out)
    }

    async fn links_of_persons(&mut self, persons: &[PersonId]) -> Result<Vec<(ExternalId, PersonId)>, StoreError> {
        let mut out = Vec::new();
        for chunk in persons.chunks(CHUNK) {
            let json = persons_json(chunk);
            let rows = sqlx::query!(
                r#"SELECT l.system, l.object_type, l.external_id, l.person_id
                   FROM json_each(?) AS j CROSS JOIN identity_links AS l ON l.person_id = j.value"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                out.push((
                    stored_key(&r.system, &r.object_type, &r.external_id)?,
                    PersonId(r.person_id),
                ));
            }
        }
        Ok(out)
    }

    /// (merged, survivor) pairs naming any of `keys` on either side.
    async fn merges_touching(&mut self, keys: &[ExternalId]) -> Result<Vec<(ExternalId, ExternalId)>, StoreError> {
        let mut out = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let json = keys_json(chunk);
            let rows = sqlx::query!(
                r#"SELECT m.system, m.object_type, m.merged_id, m.survivor_id
                   FROM json_each(?1) AS j CROSS JOIN record_merges AS m
                   ON m.system = j.value ->> 0 AND m.object_type = j.value ->> 1 AND m.merged_id = j.value ->> 2
                   UNION
                   SELECT m.system, m.object_type, m.merged_id, m.survivor_id
                   FROM json_each(?1) AS j CROSS JOIN record_merges AS m
                   ON m.system = j.value ->> 0 AND m.object_type = j.value ->> 1 AND m.survivor_id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                let merged = stored_key(&r.system, &r.object_type, &r.merged_id)?;
                let survivor = stored_key(&r.system, &r.object_type, &r.survivor_id)?;
                if merged != survivor {
                    out.push((merged, survivor));
                }
            }
        }
        Ok(out)
    }

    /// The leads converted into any of the contacts among `keys`.
    async fn leads_converted_into(&mut self, keys: &[ExternalId]) -> Result<Vec<ExternalId>, StoreError> {
        let contacts: Vec<&ExternalId> = keys.iter().filter(|k| k.object == ObjectType::Contact).collect();
        let mut out = Vec::new();
        for chunk in contacts.chunks(CHUNK) {
            let json = keys_json(chunk.iter().copied());
            let rows = sqlx::query!(
                r#"SELECT l.system, l.id FROM json_each(?) AS j CROSS JOIN crm_leads AS l
                   ON l.system = j.value ->> 0 AND l.converted_contact_id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                out.push(stored_key(&r.system, "lead", &r.id)?);
            }
        }
        Ok(out)
    }

    /// Every person record holding one of `emails`.
    async fn records_with_emails(&mut self, emails: &[Email]) -> Result<Vec<ExternalId>, StoreError> {
        let mut out = Vec::new();
        for chunk in emails.chunks(CHUNK) {
            let json = emails_json(chunk);
            let rows = sqlx::query!(
                r#"SELECT c.system AS "system!", 'contact' AS "object!: String", c.id AS "id!"
                       FROM json_each(?1) AS j CROSS JOIN marketing_contacts AS c ON c.email = j.value
                   UNION ALL
                   SELECT c.system, 'contact', c.id FROM json_each(?1) AS j CROSS JOIN crm_contacts AS c ON c.email = j.value
                   UNION ALL
                   SELECT l.system, 'lead', l.id FROM json_each(?1) AS j CROSS JOIN crm_leads AS l ON l.email = j.value"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                out.push(stored_key(&r.system, &r.object, &r.id)?);
            }
        }
        Ok(out)
    }

    /// Applies an identity plan: creates new people, merges person ids into the older ones
    /// (dropping the results of the merged-away ids, which their survivor's recompute replaces),
    /// upserts every member's link (person, email, primary per system, reason, state) and replaces
    /// each person's duplicates. Rows are written in bulk, a few statements per batch.
    pub async fn apply_identity(&mut self, plan: &IdentityPlan) -> Result<AppliedIdentity, StoreError> {
        let now = self.now;
        let mut applied = AppliedIdentity {
            merges: plan.merges.clone(),
            ..AppliedIdentity::default()
        };
        for merge in &plan.merges {
            self.merge_person(*merge).await?;
        }
        // New people get the next ids in plan order; the batch holds the write lock.
        let mut next_id: i64 = sqlx::query_scalar!(r#"SELECT COALESCE(MAX(id), 0) + 1 AS "next!: i64" FROM persons"#)
            .fetch_one(&mut *self.tx)
            .await?;
        let (mut new_rows, mut email_rows, mut link_rows, mut duplicate_rows) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let mut kept_duplicates: Vec<String> = Vec::new();
        for p in &plan.people {
            let email = p.email.as_ref().map(Email::as_str);
            let (person, new) = match p.person {
                Some(id) => {
                    email_rows.push(json!([id.0, email]));
                    (id, false)
                }
                None => {
                    let id = PersonId(next_id);
                    next_id += 1;
                    new_rows.push(json!([id.0, email]));
                    (id, true)
                }
            };
            applied.relinked += p.moved().count() as u64;
            for m in &p.members {
                link_rows.push(json!([
                    m.key.system.as_str(),
                    m.key.object.as_str(),
                    m.key.id,
                    person.0,
                    m.email.as_ref().map(Email::as_str),
                    m.primary,
                    m.reason.as_str(),
                    m.state.as_str(),
                ]));
            }
            for d in &p.duplicates {
                kept_duplicates.push(d.duplicate.to_string());
                let kind = match d.kind {
                    DuplicateKind::SameObject => "same_object",
                    DuplicateKind::LeadBesideContact => "lead_beside_contact",
                };
                duplicate_rows.push(json!([
                    d.system.as_str(),
                    d.duplicate.object.as_str(),
                    d.duplicate.id,
                    person.0,
                    d.primary.object.as_str(),
                    d.primary.id,
                    kind,
                ]));
            }
            applied.duplicates += p.duplicates.len() as u64;
            applied.people.push(AppliedPerson {
                person,
                new,
                members: p.members.iter().map(|m| m.key.clone()).collect(),
            });
        }

        for chunk in new_rows.chunks(ROWS) {
            let json = serde_json::to_string(chunk)?;
            sqlx::query!(
                "INSERT INTO persons (id, email, created_at, updated_at)
                 SELECT v ->> 0, v ->> 1, ?1, ?1 FROM (SELECT value AS v FROM json_each(?2))",
                now,
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }
        for chunk in email_rows.chunks(ROWS) {
            let json = serde_json::to_string(chunk)?;
            sqlx::query!(
                "UPDATE persons SET email = j.value ->> 1, updated_at = ?1 FROM json_each(?2) AS j
                 WHERE persons.id = j.value ->> 0 AND persons.email IS NOT j.value ->> 1",
                now,
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }
        for chunk in link_rows.chunks(ROWS) {
            let json = serde_json::to_string(chunk)?;
            sqlx::query!(
                r#"INSERT INTO identity_links (system, object_type, external_id, person_id, email, is_primary, reason,
                       state, linked_at)
                   SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, v ->> 5, v ->> 6, v ->> 7, ?1
                   FROM (SELECT value AS v FROM json_each(?2)) WHERE true
                   ON CONFLICT (system, object_type, external_id) DO UPDATE SET
                       linked_at = CASE WHEN identity_links.person_id = excluded.person_id
                                        THEN identity_links.linked_at ELSE excluded.linked_at END,
                       person_id = excluded.person_id, email = excluded.email, is_primary = excluded.is_primary,
                       reason = excluded.reason, state = excluded.state
                   WHERE identity_links.person_id IS NOT excluded.person_id
                      OR identity_links.email IS NOT excluded.email
                      OR identity_links.is_primary IS NOT excluded.is_primary
                      OR identity_links.reason IS NOT excluded.reason
                      OR identity_links.state IS NOT excluded.state"#,
                now,
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }
        // A record that is no longer a duplicate leaves the list; one still listed keeps the
        // date it was first found.
        let persons: Vec<PersonId> = applied.people.iter().map(|p| p.person).collect();
        let kept = serde_json::to_string(&kept_duplicates)?;
        for chunk in persons.chunks(CHUNK) {
            let json = persons_json(chunk);
            sqlx::query!(
                "DELETE FROM identity_duplicates WHERE person_id IN (SELECT value FROM json_each(?1))
                     AND (system || ':' || duplicate_object || ':' || duplicate_id) NOT IN (SELECT value FROM json_each(?2))",
                json,
                kept
            )
            .execute(&mut *self.tx)
            .await?;
        }
        for chunk in duplicate_rows.chunks(ROWS) {
            let json = serde_json::to_string(chunk)?;
            sqlx::query!(
                r#"INSERT INTO identity_duplicates (system, duplicate_object, duplicate_id, person_id, primary_object,
                       primary_id, kind, first_found_at)
                   SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, v ->> 5, v ->> 6, ?1
                   FROM (SELECT value AS v FROM json_each(?2)) WHERE true
                   ON CONFLICT (system, duplicate_object, duplicate_id) DO UPDATE SET person_id = excluded.person_id,
                       primary_object = excluded.primary_object, primary_id = excluded.primary_id, kind = excluded.kind"#,
                now,
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }
        Ok(applied)
    }

    async fn merge_person(&mut self, merge: PersonMerge) -> Result<(), StoreError> {
        let (from, into, now) = (merge.from.0, merge.into.0, self.now);
        // Chains collapse: whoever pointed at `from` now points at `into` directly.
        sqlx::query!(
            "UPDATE persons SET merged_into = ?, updated_at = ? WHERE id = ? OR merged_into = ?",
            into,
            now,
            from,
            from
        )
        .execute(&mut *self.tx)
        .await?;
        sqlx::query!(
            "INSERT INTO person_merges (from_person, into_person, merged_at) VALUES (?, ?, ?)
             ON CONFLICT (from_person) DO UPDATE SET into_person = excluded.into_person, merged_at = excluded.merged_at",
            from,
            into,
            now
        )
        .execute(&mut *self.tx)
        .await?;
        // The merged-away id's derived rows go; the survivor is recomputed in this same batch.
        sqlx::query!("DELETE FROM person_results WHERE person_id = ?", from)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query!("DELETE FROM person_milestones WHERE person_id = ?", from)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query!("DELETE FROM conversions WHERE person_id = ?", from)
            .execute(&mut *self.tx)
            .await?;
        sqlx::query!("DELETE FROM identity_duplicates WHERE person_id = ?", from)
            .execute(&mut *self.tx)
            .await?;
        // A Lead still waiting to be created for the merged-away id would duplicate the survivor's.
        sqlx::query!(
            "DELETE FROM outbox WHERE person_id = ? AND operation = 'create' AND state = 'pending'",
            from
        )
        .execute(&mut *self.tx)
        .await?;
        Ok(())
    }
}
