//! Writing what reconcile derived for a batch: person results, milestone evidence, conversions
//! and attribution credits (migration 0003 documents every column).
//!
//! State: none of its own. Each call replaces: a person's rows are deleted and written again, and
//! the conversions of every deal the batch's people are on are replaced whoever held them, so a
//! deal that changed hands or became shared never leaves a stale copy. Rows are inserted in bulk:
//! a JSON list per statement, except the credits (the hottest write, tens of rows per person),
//! which bind every value in multi-row `VALUES`. Conversion ids are allocated here, under the
//! batch's write lock.

use super::ReconcileBatch;
use super::keys::{CHUNK, ROWS, keys_json, persons_json};
use crate::error::StoreError;
use crate::time::to_ms;
use closedloop_core::attribution::{ConversionKind, ConversionResult, Unattributed};
use closedloop_core::gate::GateDecision;
use closedloop_core::money::Currency;
use closedloop_core::timeline::{Evidence, Milestone, MilestoneKind, Milestones, OwnerReason, SlaStatus};
use closedloop_core::touchpoint::Touchpoint;
use closedloop_core::{Email, ExternalId, PersonId, Timestamp};
use serde_json::{Value, json};
use sqlx::{QueryBuilder, Sqlite};

/// A touchpoint a credit can point at, with its row id and whose touch it is.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CreditTouch<'a> {
    /// `touchpoints.id`.
    pub id: i64,
    /// The person whose record the touch belongs to.
    pub person: PersonId,
    /// The touch.
    pub touch: &'a Touchpoint,
}

/// One conversion and every model's credits, ready to store.
#[derive(Debug, Clone, Copy)]
pub struct ConversionCredits<'a> {
    /// The person, for milestones and for deals tied to one person; `None` for a shared deal.
    pub person: Option<PersonId>,
    /// The core's result.
    pub result: &'a ConversionResult,
    /// The touches the result's `TouchCredit::touch` indexes.
    pub touches: &'a [CreditTouch<'a>],
}

/// One person's derived values (everything but the credits).
#[derive(Debug, Clone, Copy)]
pub struct PersonResult<'a> {
    /// The person.
    pub person: PersonId,
    /// The email reconcile used.
    pub email: Option<&'a Email>,
    /// Milestones, first contact, SLA, owner side, stage and status.
    pub milestones: &'a Milestones,
    /// The CRM gate's decision.
    pub gate: &'a GateDecision,
    /// All touchpoints of the person.
    pub touchpoints: usize,
    /// Those of the attribution's touch kinds.
    pub eligible_touchpoints: usize,
    /// `touchpoints.id` of the first eligible touch.
    pub first_touch: Option<i64>,
    /// `touchpoints.id` of the last eligible touch at or before the lead milestone.
    pub lead_creation_touch: Option<i64>,
    /// `touchpoints.id` of the latest eligible touch.
    pub last_touch: Option<i64>,
}

/// Everything one batch derived.
#[derive(Debug, Clone, Default)]
pub struct BatchResults<'a> {
    /// The batch's people; their previous results and conversions are replaced.
    pub people: Vec<PersonResult<'a>>,
    /// Every deal the people are on, live or deleted: their previous conversions are replaced.
    pub deals: Vec<ExternalId>,
    /// The conversions to store: the people's milestones and own deals, and shared deals.
    pub conversions: Vec<ConversionCredits<'a>>,
}

/// What was written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WrittenResults {
    /// Conversions stored.
    pub conversions: u64,
    /// Conversions with at least one touch credited under some model.
    pub credited: u64,
    /// Credit rows stored (unattributed rows included).
    pub credit_rows: u64,
}

fn conversion_kind(kind: ConversionKind) -> &'static str {
    match kind {
        ConversionKind::Milestone(m) => m.as_str(),
        ConversionKind::Pipeline => "pipeline",
        ConversionKind::Revenue => "revenue",
    }
}

fn unattributed(u: Unattributed) -> &'static str {
    match u {
        Unattributed::NoTouches => "no_touches",
        Unattributed::NoWeightedPosition => "no_weighted_position",
    }
}

/// The evidence as (kind, subject, detail).
fn evidence(e: &Evidence) -> (&'static str, Option<&ExternalId>, Option<&'static str>) {
    match e {
        Evidence::Lifecycle { stage, record } => ("lifecycle", Some(record), Some(stage.hubspot_value())),
        Evidence::LeadStatus { status, record } => ("lead_status", Some(record), Some(status.as_str())),
        Evidence::RecordCreated { record } => ("record_created", Some(record), None),
        Evidence::LeadConverted { record } => ("lead_converted", Some(record), None),
        Evidence::DealCreated { deal } => ("deal_created", Some(deal), None),
        Evidence::DealWon { deal } => ("deal_won", Some(deal), None),
        Evidence::DealLost { deal } => ("deal_lost", Some(deal), None),
        Evidence::Implied { by } => ("implied", None, Some(by.as_str())),
        Evidence::Activity {
            activity,
            activity_kind,
        } => ("activity", Some(activity), Some(activity_kind.as_str())),
    }
}

fn owner_reason(r: OwnerReason) -> &'static str {
    match r {
        OwnerReason::Nurture => "nurture",
        OwnerReason::AwaitingAssignment => "awaiting_assignment",
        OwnerReason::Assigned => "assigned",
        OwnerReason::OpenDeal => "open_deal",
        OwnerReason::Customer => "customer",
        OwnerReason::Returned { .. } => "returned",
        OwnerReason::DealsLost => "deals_lost",
    }
}

fn sla_due(s: &SlaStatus) -> Option<Timestamp> {
    match s {
        SlaStatus::NotApplicable => None,
        SlaStatus::Met { due_at, .. } | SlaStatus::Pending { due_at } | SlaStatus::Breached { due_at, .. } => {
            Some(*due_at)
        }
    }
}

fn gate_reason(g: &GateDecision) -> Result<String, StoreError> {
    // The enum's serde name is its documented snake-case spelling.
    match serde_json::to_value(g.reason)? {
        Value::String(s) => Ok(s),
        other => Err(StoreError::corrupt("gate reason", other)),
    }
}

fn at(m: &Option<Milestone>) -> Option<i64> {
    m.as_ref().map(|m| to_ms(m.at))
}

fn result_row(r: &PersonResult<'_>, now: i64) -> Result<Value, StoreError> {
    let m = r.milestones;
    let status = m.lead_status.as_ref();
    Ok(json!([
        r.person.0,
        r.email.map(Email::as_str),
        at(&m.lead),
        at(&m.mql),
        at(&m.sql),
        at(&m.opportunity),
        at(&m.won),
        at(&m.lost),
        at(&m.first_sales_contact),
        m.speed_to_lead_minutes,
        m.sla.as_str(),
        sla_due(&m.sla).map(to_ms),
        now,
        m.owner.side.as_str(),
        owner_reason(m.owner.reason),
        m.owner.since.map(to_ms),
        m.lifecycle_stage.map(|s| s.hubspot_value()),
        status.and_then(|s| s.status).map(|s| s.as_str()),
        status.and_then(|s| s.raw.as_deref()),
        status.and_then(|s| s.reason.as_deref()),
        status.and_then(|s| s.since).map(to_ms),
        status.map(|s| s.record.system.as_str()),
        status.map(|s| s.record.id.as_str()),
        r.gate.push,
        r.gate.create_lead,
        gate_reason(r.gate)?,
        r.touchpoints,
        r.eligible_touchpoints,
        r.first_touch,
        r.lead_creation_touch,
        r.last_touch,
        now,
    ]))
}

fn milestone_rows(r: &PersonResult<'_>, out: &mut Vec<Value>) {
    let m = r.milestones;
    let named = MilestoneKind::FUNNEL
        .into_iter()
        .chain([MilestoneKind::Lost])
        .map(|k| (k.as_str(), m.get(k)))
        .chain([("first_sales_contact", m.first_sales_contact.as_ref())]);
    for (name, milestone) in named {
        let Some(milestone) = milestone else { continue };
        let (kind, subject, detail) = evidence(&milestone.evidence);
        out.push(json!([
            r.person.0,
            name,
            to_ms(milestone.at),
            kind,
            subject.map(|s| s.system.as_str()),
            subject.map(|s| s.object.as_str()),
            subject.map(|s| s.id.as_str()),
            detail,
        ]));
    }
}

impl ReconcileBatch {
    /// Replaces the batch's people's results and the conversions of their deals.
    pub async fn write_results(&mut self, batch: &BatchResults<'_>) -> Result<WrittenResults, StoreError> {
        let now = self.now;
        let persons: Vec<PersonId> = batch.people.iter().map(|p| p.person).collect();
        for chunk in persons.chunks(CHUNK) {
            let json = persons_json(chunk);
            sqlx::query!(
                "DELETE FROM conversions WHERE person_id IN (SELECT value FROM json_each(?))",
                json
            )
            .execute(&mut *self.tx)
            .await?;
            sqlx::query!(
                "DELETE FROM person_results WHERE person_id IN (SELECT value FROM json_each(?))",
                json
            )
            .execute(&mut *self.tx)
            .await?;
            sqlx::query!(
                "DELETE FROM person_milestones WHERE person_id IN (SELECT value FROM json_each(?))",
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }
        for chunk in batch.deals.chunks(CHUNK) {
            let json = keys_json(chunk);
            sqlx::query!(
                "DELETE FROM conversions WHERE (deal_system, deal_id) IN
                     (SELECT j.value ->> 0, j.value ->> 2 FROM json_each(?) AS j)",
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }

        let rows: Vec<Value> = batch
            .people
            .iter()
            .map(|p| result_row(p, now))
            .collect::<Result<_, _>>()?;
        for chunk in rows.chunks(ROWS) {
            let json = serde_json::to_string(chunk)?;
            sqlx::query!(
                r#"INSERT INTO person_results (person_id, email, lead_at, mql_at, sql_at, opportunity_at, won_at, lost_at,
                       first_sales_contact_at, speed_to_lead_minutes, sla_status, sla_due_at, sla_evaluated_at,
                       owner_side, owner_reason, owner_since, lifecycle_stage, lead_status, lead_status_raw,
                       disqualification_reason, lead_status_since, lead_status_system, lead_status_lead_id,
                       gate_push, gate_create_lead, gate_reason, touchpoints, eligible_touchpoints, first_touch_id,
                       lead_creation_touch_id, last_touch_id, computed_at)
                   SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, v ->> 5, v ->> 6, v ->> 7, v ->> 8, v ->> 9,
                       v ->> 10, v ->> 11, v ->> 12, v ->> 13, v ->> 14, v ->> 15, v ->> 16, v ->> 17, v ->> 18,
                       v ->> 19, v ->> 20, v ->> 21, v ->> 22, v ->> 23, v ->> 24, v ->> 25, v ->> 26, v ->> 27,
                       v ->> 28, v ->> 29, v ->> 30, v ->> 31
                   FROM (SELECT value AS v FROM json_each(?))"#,
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }

        let mut rows: Vec<Value> = Vec::new();
        for p in &batch.people {
            milestone_rows(p, &mut rows);
        }
        for chunk in rows.chunks(ROWS) {
            let json = serde_json::to_string(chunk)?;
            sqlx::query!(
                r#"INSERT INTO person_milestones (person_id, milestone, at, evidence, subject_system, subject_object,
                       subject_id, detail)
                   SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, v ->> 5, v ->> 6, v ->> 7
                   FROM (SELECT value AS v FROM json_each(?))"#,
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }

        self.insert_conversions(&batch.conversions).await
    }

    async fn insert_conversions(
        &mut self,
        conversions: &[ConversionCredits<'_>],
    ) -> Result<WrittenResults, StoreError> {
        let now = self.now;
        let mut written = WrittenResults::default();
        // The batch holds the write lock, so ids from here on are ours.
        let mut next_id: i64 =
            sqlx::query_scalar!(r#"SELECT COALESCE(MAX(id), 0) + 1 AS "next!: i64" FROM conversions"#)
                .fetch_one(&mut *self.tx)
                .await?;
        let mut conversion_rows: Vec<Value> = Vec::with_capacity(conversions.len());
        let mut credit_rows: Vec<CreditRow<'_>> = Vec::new();
        for c in conversions {
            let id = next_id;
            next_id += 1;
            let conv = &c.result.conversion;
            let kind = conversion_kind(conv.kind);
            let converted_at = to_ms(conv.at);
            let currency = conv.amount.map(|a| a.currency);
            conversion_rows.push(json!([
                id,
                c.person.map(|p| p.0),
                kind,
                conv.deal.as_ref().map(|d| d.system.as_str()),
                conv.deal.as_ref().map(|d| d.id.as_str()),
                converted_at,
                conv.amount.map(|a| a.minor),
                currency.as_ref().map(|c| c.as_str()),
                now,
            ]));
            written.conversions += 1;
            written.credited += u64::from(c.result.models.iter().any(|m| !m.credits.is_empty()));
            for model in &c.result.models {
                let base = CreditRow {
                    conversion_id: id,
                    model: model.model.as_str(),
                    conversion_kind: kind,
                    converted_at,
                    touch: None,
                    unattributed: None,
                    ppm: 1_000_000,
                    amount_minor: conv.amount.map(|a| a.minor),
                    currency,
                };
                if model.credits.is_empty() {
                    // The whole conversion, unattributed, so every model's shares still sum to one.
                    let reason = unattributed(model.unattributed.unwrap_or(Unattributed::NoTouches));
                    credit_rows.push(CreditRow {
                        unattributed: Some(reason),
                        ..base
                    });
                    continue;
                }
                for credit in &model.credits {
                    let Some(t) = c.touches.get(credit.touch) else {
                        return Err(StoreError::corrupt(
                            "attribution credit",
                            format!("touch index {} out of {} touches", credit.touch, c.touches.len()),
                        ));
                    };
                    credit_rows.push(CreditRow {
                        touch: Some(*t),
                        ppm: i64::from(credit.ppm),
                        amount_minor: credit.amount_minor,
                        ..base
                    });
                }
            }
        }
        written.credit_rows = credit_rows.len() as u64;
        for chunk in conversion_rows.chunks(ROWS) {
            let json = serde_json::to_string(chunk)?;
            sqlx::query!(
                r#"INSERT INTO conversions (id, person_id, kind, deal_system, deal_id, converted_at, amount_minor, currency,
                       computed_at)
                   SELECT v ->> 0, v ->> 1, v ->> 2, v ->> 3, v ->> 4, v ->> 5, v ->> 6, v ->> 7, v ->> 8
                   FROM (SELECT value AS v FROM json_each(?))"#,
                json
            )
            .execute(&mut *self.tx)
            .await?;
        }
        for chunk in credit_rows.chunks(CREDIT_ROWS) {
            insert_credits(&mut self.tx, chunk).await?;
        }
        Ok(written)
    }
}

/// One `attribution_credits` row.
#[derive(Clone, Copy)]
struct CreditRow<'a> {
    conversion_id: i64,
    model: &'static str,
    conversion_kind: &'static str,
    converted_at: i64,
    /// `None` for the unattributed whole.
    touch: Option<CreditTouch<'a>>,
    unattributed: Option<&'static str>,
    ppm: i64,
    amount_minor: Option<i64>,
    currency: Option<Currency>,
}

/// Credit rows per statement: 16 parameters each, under SQLite's 32,766.
const CREDIT_ROWS: usize = 1_000;

/// Inserts credit rows as one multi-row `VALUES` statement with every value bound. This is the
/// hottest write of reconcile (tens of rows per person), and binding skips the JSON round trip
/// the other bulk inserts take; the statement text is fixed but for the number of rows.
async fn insert_credits(tx: &mut sqlx::SqliteConnection, rows: &[CreditRow<'_>]) -> Result<(), StoreError> {
    let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(
        "INSERT INTO attribution_credits (conversion_id, model, conversion_kind, converted_at, touchpoint_id, \
         unattributed, person_id, touch_kind, touched_at, channel, campaign_system, campaign_id, content_key, ppm, \
         amount_minor, currency) ",
    );
    q.push_values(rows, |mut b, r| {
        let t = r.touch.map(|t| t.touch);
        b.push_bind(r.conversion_id)
            .push_bind(r.model)
            .push_bind(r.conversion_kind)
            .push_bind(r.converted_at)
            .push_bind(r.touch.map(|t| t.id))
            .push_bind(r.unattributed)
            .push_bind(r.touch.map(|t| t.person.0))
            .push_bind(t.map(|t| t.kind.as_str()))
            .push_bind(t.map(|t| to_ms(t.occurred_at)))
            .push_bind(t.and_then(|t| t.channel).map(|c| c.as_str()))
            .push_bind(t.and_then(|t| t.campaign.as_ref()).map(|c| c.system.as_str()))
            .push_bind(t.and_then(|t| t.campaign.as_ref()).map(|c| c.id.as_str()))
            .push_bind(t.and_then(|t| t.content.as_ref()).map(|c| c.0.as_str()))
            .push_bind(r.ppm)
            .push_bind(r.amount_minor)
            .push_bind(r.currency.map(|c| c.as_str().to_owned()));
    });
    q.build().execute(&mut *tx).await?;
    Ok(())
}
