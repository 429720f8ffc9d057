//! Typed reads of what reconcile stored: whose a record is, a person's links, results and
//! credits, and the whole derived state in a canonical form.
//!
//! State: none; each call is one read of the pool. The report reads these tables with its own SQL;
//! these are for `status`, tests and tools that explain one person.

use super::stored_key;
use crate::Store;
use crate::error::StoreError;
use crate::time::from_ms;
use closedloop_core::{ExternalId, PersonId, Timestamp};
use serde::Serialize;
use std::collections::BTreeMap;

/// One record of a person, as `identity_links` holds it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredLink {
    /// The record.
    pub key: ExternalId,
    /// Its email.
    pub email: Option<String>,
    /// The record pushes go to, in its system.
    pub primary: bool,
    /// Why it belongs to the person.
    pub reason: String,
    /// Where it stands (active, converted, merged_away, deleted, alias).
    pub state: String,
}

/// One person's stored results (`person_results` and `person_milestones`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredResult {
    /// The person.
    pub person: PersonId,
    /// The email reconcile used.
    pub email: Option<String>,
    /// Each milestone reached (and `first_sales_contact`): when, and the evidence kind.
    pub milestones: BTreeMap<String, (Timestamp, String)>,
    /// Minutes from the clock's start to the first sales contact.
    pub speed_to_lead_minutes: Option<i64>,
    /// The SLA status.
    pub sla_status: String,
    /// Marketing or sales.
    pub owner_side: String,
    /// Furthest lifecycle stage (HubSpot spelling).
    pub lifecycle_stage: Option<String>,
    /// The CRM lead status.
    pub lead_status: Option<String>,
    /// The disqualification reason.
    pub disqualification_reason: Option<String>,
    /// The gate lets the person through to the CRM.
    pub gate_push: bool,
    /// The gate asks for a Lead to be created.
    pub gate_create_lead: bool,
    /// Touchpoints of the person's records.
    pub touchpoints: i64,
}

/// One stored conversion with its credit per model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StoredConversion {
    /// lead, mql, sql, opportunity, won, pipeline, revenue.
    pub kind: String,
    /// The deal, for pipeline and revenue.
    pub deal: Option<ExternalId>,
    /// The person; `None` for a shared deal.
    pub person: Option<PersonId>,
    /// When.
    pub at: Timestamp,
    /// The amount in cents.
    pub amount_minor: Option<i64>,
    /// Per model: (ppm sum, amount sum, the credited touches' source event ids in time order).
    pub models: BTreeMap<String, (i64, Option<i64>, Vec<String>)>,
}

/// Everything reconcile derived, one canonical line per row (a JSON array), without the ids and
/// times that depend on when it ran. Two runs over the same facts give equal states.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileState {
    /// persons: id, email, merged_into.
    pub persons: Vec<String>,
    /// identity_links without linked_at.
    pub links: Vec<String>,
    /// identity_duplicates without first_found_at.
    pub duplicates: Vec<String>,
    /// person_results without computed_at and sla_evaluated_at.
    pub results: Vec<String>,
    /// person_milestones.
    pub milestones: Vec<String>,
    /// conversions without id and computed_at.
    pub conversions: Vec<String>,
    /// attribution_credits, naming the conversion and touchpoint by their natural keys.
    pub credits: Vec<String>,
    /// outbox rows: target, object, record, person, operation, payload, state.
    pub outbox: Vec<String>,
}

impl Store {
    /// The person a record is linked to.
    pub async fn person_of(&self, key: &ExternalId) -> Result<Option<PersonId>, StoreError> {
        let (system, object) = (key.system.as_str(), key.object.as_str());
        let person = sqlx::query_scalar!(
            "SELECT person_id FROM identity_links WHERE system = ? AND object_type = ? AND external_id = ?",
            system,
            object,
            key.id
        )
        .fetch_optional(&self.pool)
        .await?;
        Ok(person.map(PersonId))
    }

    /// The live person an old person id was merged into (itself when not merged).
    pub async fn live_person(&self, person: PersonId) -> Result<Option<PersonId>, StoreError> {
        let row = sqlx::query!("SELECT id, merged_into FROM persons WHERE id = ?", person.0)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(|r| PersonId(r.merged_into.unwrap_or(r.id))))
    }

    /// A person's records, in key order.
    pub async fn person_links(&self, person: PersonId) -> Result<Vec<StoredLink>, StoreError> {
        let rows = sqlx::query!(
            r#"SELECT system, object_type, external_id, email, is_primary AS "is_primary: bool", reason, state
               FROM identity_links WHERE person_id = ? ORDER BY system, object_type, external_id"#,
            person.0
        )
        .fetch_all(&self.pool)
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(StoredLink {
                    key: stored_key(&r.system, &r.object_type, &r.external_id)?,
                    email: r.email,
                    primary: r.is_primary,
                    reason: r.reason,
                    state: r.state,
                })
            })
            .collect()
    }

    /// A person's stored results, if reconcile computed them.
    pub async fn person_result(&self, person: PersonId) -> Result<Option<StoredResult>, StoreError> {
        let Some(r) = sqlx::query!(
            r#"SELECT email, speed_to_lead_minutes, sla_status, owner_side, lifecycle_stage, lead_status,
                   disqualification_reason, gate_push AS "gate_push: bool", gate_create_lead AS "gate_create_lead: bool",
                   touchpoints
               FROM person_results WHERE person_id = ?"#,
            person.0
        )
        .fetch_optional(&self.pool)
        .await?
        else {
            return Ok(None);
        };
        let rows = sqlx::query!(
            "SELECT milestone, at, evidence FROM person_milestones WHERE person_id = ?",
            person.0
        )
        .fetch_all(&self.pool)
        .await?;
        let mut milestones = BTreeMap::new();
        for m in rows {
            milestones.insert(m.milestone, (from_ms(m.at)?, m.evidence));
        }
        Ok(Some(StoredResult {
            person,
            email: r.email,
            milestones,
            speed_to_lead_minutes: r.speed_to_lead_minutes,
            sla_status: r.sla_status,
            owner_side: r.owner_side,
            lifecycle_stage: r.lifecycle_stage,
            lead_status: r.lead_status,
            disqualification_reason: r.disqualification_reason,
            gate_push: r.gate_push,
            gate_create_lead: r.gate_create_lead,
            touchpoints: r.touchpoints,
        }))
    }

    /// The conversions stored for a person (milestones and own deals) and for the deals given,
    /// with each model's totals.
    pub async fn conversions_of(
        &self,
        person: PersonId,
        deals: &[ExternalId],
    ) -> Result<Vec<StoredConversion>, StoreError> {
        let deal_json = super::keys::keys_json(deals);
        let rows = sqlx::query!(
            r#"SELECT c.id AS "id!", c.person_id, c.kind, c.deal_system, c.deal_id, c.converted_at, c.amount_minor
               FROM conversions AS c
               WHERE c.person_id = ?1
                  OR (c.deal_system, c.deal_id) IN (SELECT j.value ->> 0, j.value ->> 2 FROM json_each(?2) AS j)
               ORDER BY c.converted_at, c.kind, c.deal_id"#,
            person.0,
            deal_json
        )
        .fetch_all(&self.pool)
        .await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let credits = sqlx::query!(
                r#"SELECT a.model, a.ppm, a.amount_minor, t.source_event_id AS "event?: String"
                   FROM attribution_credits AS a LEFT JOIN touchpoints AS t ON t.id = a.touchpoint_id
                   WHERE a.conversion_id = ? ORDER BY a.model, a.touched_at, a.touchpoint_id"#,
                r.id
            )
            .fetch_all(&self.pool)
            .await?;
            let mut models: BTreeMap<String, (i64, Option<i64>, Vec<String>)> = BTreeMap::new();
            for c in credits {
                let entry = models.entry(c.model).or_insert((0, None, Vec::new()));
                entry.0 += c.ppm;
                if let Some(a) = c.amount_minor {
                    entry.1 = Some(entry.1.unwrap_or(0) + a);
                }
                entry.2.extend(c.event);
            }
            let deal = match (r.deal_system, r.deal_id) {
                (Some(s), Some(id)) => Some(stored_key(&s, "deal", &id)?),
                _ => None,
            };
            out.push(StoredConversion {
                kind: r.kind,
                deal,
                person: r.person_id.map(PersonId),
                at: from_ms(r.converted_at)?,
                amount_minor: r.amount_minor,
                models,
            });
        }
        Ok(out)
    }

    /// Everything reconcile derived, canonically (see [`ReconcileState`]).
    pub async fn reconcile_state(&self) -> Result<ReconcileState, StoreError> {
        let mut tx = self.pool.begin().await?;
        let persons = sqlx::query_scalar!(
            r#"SELECT json_array(id, email, merged_into) AS "row!: String" FROM persons ORDER BY id"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let links = sqlx::query_scalar!(
            r#"SELECT json_array(system, object_type, external_id, person_id, email, is_primary, reason, state)
                   AS "row!: String" FROM identity_links ORDER BY 1"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let duplicates = sqlx::query_scalar!(
            r#"SELECT json_array(person_id, system, duplicate_object, duplicate_id, primary_object, primary_id, kind)
                   AS "row!: String" FROM identity_duplicates ORDER BY 1"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let results = sqlx::query_scalar!(
            r#"SELECT json_array(person_id, email, lead_at, mql_at, sql_at, opportunity_at, won_at, lost_at,
                   first_sales_contact_at, speed_to_lead_minutes, sla_status, sla_due_at, owner_side, owner_reason,
                   owner_since, lifecycle_stage, lead_status, lead_status_raw, disqualification_reason,
                   lead_status_since, lead_status_system, lead_status_lead_id, gate_push, gate_create_lead,
                   gate_reason, touchpoints, eligible_touchpoints, first_touch_id, lead_creation_touch_id,
                   last_touch_id) AS "row!: String"
               FROM person_results ORDER BY person_id"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let milestones = sqlx::query_scalar!(
            r#"SELECT json_array(person_id, milestone, at, evidence, subject_system, subject_object, subject_id, detail)
                   AS "row!: String" FROM person_milestones ORDER BY 1"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let conversions = sqlx::query_scalar!(
            r#"SELECT json_array(person_id, kind, deal_system, deal_id, converted_at, amount_minor, currency)
                   AS "row!: String" FROM conversions ORDER BY 1"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let credits = sqlx::query_scalar!(
            r#"SELECT json_array(c.person_id, c.kind, c.deal_system, c.deal_id, a.model, t.source_system,
                   t.source_event_id, a.unattributed, a.person_id, a.touch_kind, a.touched_at, a.channel,
                   a.campaign_system, a.campaign_id, a.content_key, a.ppm, a.amount_minor, a.currency)
                   AS "row!: String"
               FROM attribution_credits AS a JOIN conversions AS c ON c.id = a.conversion_id
               LEFT JOIN touchpoints AS t ON t.id = a.touchpoint_id ORDER BY 1"#
        )
        .fetch_all(&mut *tx)
        .await?;
        let outbox = sqlx::query_scalar!(
            r#"SELECT json_array(target_system, object_type, external_id, person_id, operation, payload, state)
                   AS "row!: String" FROM outbox ORDER BY 1"#
        )
        .fetch_all(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(ReconcileState {
            persons,
            links,
            duplicates,
            results,
            milestones,
            conversions,
            credits,
            outbox,
        })
    }
}
