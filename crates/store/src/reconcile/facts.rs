//! Loading what reconcile computes from: each person's `PersonFacts`, the references that name
//! campaigns and content, and the field memory (`pushed_values`).
//!
//! State: none of its own; reads the record tables through the batch's transaction. A batch of
//! people is read with a fixed number of chunked queries per table (keys bound as one JSON list),
//! never one round trip per person, and each row is handed to every person it belongs to.

use super::keys::{CHUNK, keys_json, persons_json};
use super::rows::{
    ActivityRow, CampaignRow, ContentRow, DealContactRow, DealRow, PersonRecord, StageChangeRow, TouchpointRow,
};
use super::{ReconcileBatch, stored_key};
use crate::error::StoreError;
use crate::time::from_ms;
use closedloop_core::deal::StageChange;
use closedloop_core::fields::{FieldMemory, Pushed, References};
use closedloop_core::timeline::PersonFacts;
use closedloop_core::touchpoint::ContentKey;
use closedloop_core::{ExternalId, PersonId};
use std::collections::{BTreeMap, BTreeSet, HashMap};

/// One person's facts, as loaded.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadedPerson {
    /// The person.
    pub person: PersonId,
    /// Their records (the keys asked for), in key order.
    pub members: Vec<ExternalId>,
    /// Everything known about them. Touchpoints are in time order (ties by row id), stage
    /// changes and activities in time order, records and deals in key order.
    pub facts: PersonFacts,
    /// `touchpoints.id` of each entry of `facts.touchpoints`, at the same index: what credits
    /// point at.
    pub touchpoint_ids: Vec<i64>,
}

impl ReconcileBatch {
    /// The records of `persons`, as `identity_links` holds them (for people outside the batch's
    /// identity input, such as the other people on a shared deal).
    pub async fn person_members(
        &mut self,
        persons: &[PersonId],
    ) -> Result<Vec<(PersonId, Vec<ExternalId>)>, StoreError> {
        let mut by_person: BTreeMap<PersonId, Vec<ExternalId>> = BTreeMap::new();
        for chunk in persons.chunks(CHUNK) {
            let json = persons_json(chunk);
            let rows = sqlx::query!(
                r#"SELECT l.person_id, l.system, l.object_type, l.external_id
                   FROM json_each(?) AS j CROSS JOIN identity_links AS l ON l.person_id = j.value"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                by_person.entry(PersonId(r.person_id)).or_default().push(stored_key(
                    &r.system,
                    &r.object_type,
                    &r.external_id,
                )?);
            }
        }
        Ok(by_person
            .into_iter()
            .map(|(p, mut keys)| {
                keys.sort();
                (p, keys)
            })
            .collect())
    }

    /// The people linked to each of `deals`' contacts (a deal's people), deal by deal.
    pub async fn deal_people(&mut self, deals: &[ExternalId]) -> Result<Vec<(ExternalId, Vec<PersonId>)>, StoreError> {
        let mut by_deal: BTreeMap<ExternalId, BTreeSet<PersonId>> = BTreeMap::new();
        for chunk in deals.chunks(CHUNK) {
            let json = keys_json(chunk);
            let rows = sqlx::query!(
                r#"SELECT dc.deal_system, dc.deal_id, l.person_id
                   FROM json_each(?) AS j
                   CROSS JOIN deal_contacts AS dc ON dc.deal_system = j.value ->> 0 AND dc.deal_id = j.value ->> 2
                   JOIN identity_links AS l ON l.system = dc.contact_system AND l.object_type = dc.contact_object
                       AND l.external_id = dc.contact_id"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                by_deal
                    .entry(stored_key(&r.deal_system, "deal", &r.deal_id)?)
                    .or_default()
                    .insert(PersonId(r.person_id));
            }
        }
        Ok(by_deal.into_iter().map(|(d, p)| (d, p.into_iter().collect())).collect())
    }

    /// Loads the facts of each person from their records' keys.
    pub async fn load_people(
        &mut self,
        people: &[(PersonId, Vec<ExternalId>)],
    ) -> Result<Vec<LoadedPerson>, StoreError> {
        let mut out: Vec<LoadedPerson> = people
            .iter()
            .map(|(person, members)| {
                let mut members = members.clone();
                members.sort();
                LoadedPerson {
                    person: *person,
                    members,
                    facts: PersonFacts::default(),
                    touchpoint_ids: Vec::new(),
                }
            })
            .collect();
        let mut owner: HashMap<ExternalId, usize> = HashMap::new();
        for (i, p) in out.iter().enumerate() {
            for key in &p.members {
                owner.insert(key.clone(), i);
            }
        }
        let keys: Vec<ExternalId> = out.iter().flat_map(|p| p.members.iter().cloned()).collect();

        self.ensure_records(&keys).await?;
        for p in &mut out {
            for key in &p.members {
                match self.records.get(key) {
                    Some(PersonRecord::Marketing(c)) => p.facts.marketing_contacts.push(c.clone()),
                    Some(PersonRecord::Lead(l)) => p.facts.crm_leads.push(l.clone()),
                    Some(PersonRecord::Contact(c)) => p.facts.crm_contacts.push(c.clone()),
                    None => {}
                }
            }
        }

        let mut touches: Vec<Vec<(i64, closedloop_core::touchpoint::Touchpoint)>> = vec![Vec::new(); out.len()];
        for chunk in keys.chunks(CHUNK) {
            let json = keys_json(chunk);
            let rows = sqlx::query_as!(
                TouchpointRow,
                r#"SELECT t.id AS "id!", t.source_system, t.source_event_id, t.subject_system, t.subject_object,
                       t.subject_id, t.kind, t.occurred_at, t.channel, t.campaign_system, t.campaign_id, t.content_key,
                       t.depth_kind, t.depth_seconds, t.depth_percent_hundredths, t.depth_count, t.detail
                   FROM json_each(?) AS j CROSS JOIN touchpoints AS t
                   ON t.subject_system = j.value ->> 0 AND t.subject_object = j.value ->> 1
                       AND t.subject_id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                let (id, touch): (i64, _) = row.try_into()?;
                if let Some(&i) = owner.get(&touch.subject) {
                    touches[i].push((id, touch));
                }
            }
        }
        for (p, mut list) in out.iter_mut().zip(touches) {
            // Ties in time are broken by the natural key, not the row id: the row id follows the
            // order pages arrived in, which retries and restarts change, and the order decides
            // which of two simultaneous touches is the converting or first one.
            list.sort_by(|a, b| {
                a.1.occurred_at
                    .cmp(&b.1.occurred_at)
                    .then_with(|| a.1.source.cmp(&b.1.source))
                    .then_with(|| a.1.source_event_id.cmp(&b.1.source_event_id))
            });
            p.touchpoint_ids = list.iter().map(|(id, _)| *id).collect();
            p.facts.touchpoints = list.into_iter().map(|(_, t)| t).collect();
        }

        for chunk in keys.chunks(CHUNK) {
            let json = keys_json(chunk);
            for change in self.stage_changes_of(&json).await? {
                if let Some(&i) = owner.get(&change.subject) {
                    out[i].facts.stage_changes.push(change);
                }
            }
            let rows = sqlx::query_as!(
                ActivityRow,
                r#"SELECT a.system, a.id, a.who_system, a.who_object, a.who_id, a.deal_system, a.deal_id, a.kind,
                       a.occurred_at, a.owner_id, a.subject, a.outcome, a.deleted AS "deleted: bool"
                   FROM json_each(?) AS j CROSS JOIN sales_activities AS a
                   ON a.who_system = j.value ->> 0 AND a.who_object = j.value ->> 1 AND a.who_id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                let a: closedloop_core::activity::SalesActivity = row.try_into()?;
                if let Some(&i) = owner.get(&a.who) {
                    out[i].facts.activities.push(a);
                }
            }
        }

        self.load_deals(&keys, &owner, &mut out).await?;

        for p in &mut out {
            let f = &mut p.facts;
            f.stage_changes
                .sort_by(|a, b| a.at.cmp(&b.at).then_with(|| a.subject.cmp(&b.subject)));
            f.activities
                .sort_by(|a, b| a.occurred_at.cmp(&b.occurred_at).then_with(|| a.id.cmp(&b.id)));
        }
        Ok(out)
    }

    async fn stage_changes_of(&mut self, keys_json: &str) -> Result<Vec<StageChange>, StoreError> {
        let rows = sqlx::query_as!(
            StageChangeRow,
            r#"SELECT s.subject_system, s.subject_object, s.subject_id, s.kind, s.value, s.raw, s.reason, s.pipeline,
                   s.deal_status, s.amount_minor, s.currency, s.occurred_at, s.source_system, s.source_ref
               FROM json_each(?) AS j CROSS JOIN stage_changes AS s
               ON s.subject_system = j.value ->> 0 AND s.subject_object = j.value ->> 1 AND s.subject_id = j.value ->> 2
               ORDER BY s.id"#,
            keys_json
        )
        .fetch_all(&mut *self.tx)
        .await?;
        rows.into_iter().map(StageChange::try_from).collect()
    }

    /// The deals tied to any of `keys`, with all their contacts and stage changes, given to each
    /// person on them.
    async fn load_deals(
        &mut self,
        keys: &[ExternalId],
        owner: &HashMap<ExternalId, usize>,
        out: &mut [LoadedPerson],
    ) -> Result<(), StoreError> {
        let mut people_of: BTreeMap<ExternalId, BTreeSet<usize>> = BTreeMap::new();
        for chunk in keys.chunks(CHUNK) {
            let json = keys_json(chunk);
            let rows = sqlx::query_as!(
                DealContactRow,
                r#"SELECT dc.deal_system, dc.deal_id, dc.contact_system, dc.contact_object, dc.contact_id
                   FROM json_each(?) AS j CROSS JOIN deal_contacts AS dc
                   ON dc.contact_system = j.value ->> 0 AND dc.contact_object = j.value ->> 1
                       AND dc.contact_id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                let (deal, contact) = row.keys()?;
                if let Some(&i) = owner.get(&contact) {
                    people_of.entry(deal).or_default().insert(i);
                }
            }
        }
        let deal_keys: Vec<ExternalId> = people_of.keys().cloned().collect();
        for chunk in deal_keys.chunks(CHUNK) {
            let json = keys_json(chunk);
            let mut contacts: HashMap<ExternalId, Vec<ExternalId>> = HashMap::new();
            let rows = sqlx::query_as!(
                DealContactRow,
                r#"SELECT dc.deal_system, dc.deal_id, dc.contact_system, dc.contact_object, dc.contact_id
                   FROM json_each(?) AS j CROSS JOIN deal_contacts AS dc
                   ON dc.deal_system = j.value ->> 0 AND dc.deal_id = j.value ->> 2
                   ORDER BY dc.contact_system, dc.contact_object, dc.contact_id"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                let (deal, contact) = row.keys()?;
                contacts.entry(deal).or_default().push(contact);
            }
            let mut changes: HashMap<ExternalId, Vec<StageChange>> = HashMap::new();
            for change in self.stage_changes_of(&json).await? {
                changes.entry(change.subject.clone()).or_default().push(change);
            }
            let rows = sqlx::query_as!(
                DealRow,
                r#"SELECT d.system, d.id, d.name, d.pipeline, d.stage_id, d.status, d.amount_minor, d.currency,
                       d.close_date, d.close_reason, d.lead_source, d.campaign_system, d.campaign_id, d.created_at,
                       d.updated_at, d.deleted AS "deleted: bool"
                   FROM json_each(?) AS j CROSS JOIN deals AS d ON d.system = j.value ->> 0 AND d.id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            let mut deals = Vec::with_capacity(rows.len());
            for row in rows {
                let key = stored_key(&row.system, "deal", &row.id)?;
                let deal = row.into_deal(contacts.remove(&key).unwrap_or_default())?;
                deals.push(deal);
            }
            deals.sort_by(|a, b| a.id.cmp(&b.id));
            for deal in deals {
                let Some(people) = people_of.get(&deal.id) else {
                    continue;
                };
                let deal_changes = changes.remove(&deal.id).unwrap_or_default();
                for &i in people {
                    out[i].facts.stage_changes.extend(deal_changes.iter().cloned());
                    out[i].facts.deals.push(deal.clone());
                }
            }
        }
        Ok(())
    }

    /// The campaigns and content assets the people's touches and deals name.
    pub async fn load_references(&mut self, people: &[LoadedPerson]) -> Result<References, StoreError> {
        let mut campaigns: BTreeSet<ExternalId> = BTreeSet::new();
        let mut content: BTreeSet<&ContentKey> = BTreeSet::new();
        for p in people {
            for t in &p.facts.touchpoints {
                campaigns.extend(t.campaign.iter().cloned());
                content.extend(t.content.iter());
            }
            for d in &p.facts.deals {
                campaigns.extend(d.campaign.iter().cloned());
            }
        }
        let campaigns: Vec<ExternalId> = campaigns.into_iter().collect();
        let content: Vec<&str> = content.into_iter().map(|k| k.0.as_str()).collect();
        let mut found_campaigns = Vec::new();
        for chunk in campaigns.chunks(CHUNK) {
            let json = keys_json(chunk);
            let rows = sqlx::query_as!(
                CampaignRow,
                r#"SELECT c.system, c.id, c.name, c.channel, c.kind, c.starts_on, c.ends_on
                   FROM json_each(?) AS j CROSS JOIN campaigns AS c ON c.system = j.value ->> 0 AND c.id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                found_campaigns.push(row.try_into()?);
            }
        }
        let mut found_content = Vec::new();
        for chunk in content.chunks(CHUNK) {
            let json = serde_json::to_string(chunk)?;
            let rows = sqlx::query_as!(
                ContentRow,
                r#"SELECT c.key AS "key!", c.kind, c.title, c.url, c.campaign_system, c.campaign_id, c.duration_seconds
                   FROM json_each(?) AS j CROSS JOIN content_assets AS c ON c.key = j.value"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for row in rows {
                found_content.push(row.try_into()?);
            }
        }
        Ok(References::new(found_campaigns, found_content))
    }

    /// What closedloop last wrote to the fields of `records` (`pushed_values`).
    pub async fn load_field_memory(&mut self, records: &[ExternalId]) -> Result<FieldMemory, StoreError> {
        let mut memory = FieldMemory::default();
        for chunk in records.chunks(CHUNK) {
            let json = keys_json(chunk);
            let rows = sqlx::query!(
                r#"SELECT v.target_system, v.object_type, v.external_id, v.field, v.value, v.pushed_at
                   FROM json_each(?) AS j CROSS JOIN pushed_values AS v
                   ON v.target_system = j.value ->> 0 AND v.object_type = j.value ->> 1
                       AND v.external_id = j.value ->> 2"#,
                json
            )
            .fetch_all(&mut *self.tx)
            .await?;
            for r in rows {
                let key = stored_key(&r.target_system, &r.object_type, &r.external_id)?;
                let at = from_ms(r.pushed_at)?;
                memory.set_pushed(key, &r.field, Pushed { value: r.value, at });
            }
        }
        Ok(memory)
    }
}
