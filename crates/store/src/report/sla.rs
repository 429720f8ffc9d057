//! The SLA between the teams: MQLs per month (marketing's promise), speed to lead and the contact
//! SLA per owner and per month (sales' promise), the breaches by person, and the MQLs nobody
//! worked: recycled, or never contacted after the deadline.
//!
//! State: none. MQLs dated in the period (months in UTC). A *hand-off* is an MQL with evidence of
//! its own (an implied MQL starts no clock: sales found that lead). Deadlines are judged at the
//! report's `now`, as 0003 documents: breached = contacted after the deadline, or not contacted
//! and the deadline has passed; pending = not contacted, deadline ahead. Owners are named from
//! `owners`; a 15-character Salesforce id on a record matches the owner's 18-character id.

use super::{GroupKey, ReportQuery, int_list};
use crate::error::StoreError;
use crate::time::from_ms;
use closedloop_core::{PersonId, Timestamp};
use sqlx::{Sqlite, Transaction};

/// MQLs and the contact SLA of one month, one owner, or in total.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlaGroup {
    /// `month`, `owner` or `total`.
    pub dimension: String,
    /// The month (`2026-04`, in `key.id`) or the owner (system, id, name).
    pub key: GroupKey,
    /// MQLs (implied ones included).
    pub mqls: i64,
    /// MQLs implied by a later stage (no hand-off).
    pub implied: i64,
    /// Hand-offs: MQLs with evidence of their own, each with a contact deadline.
    pub handoffs: i64,
    /// Contacted by the deadline.
    pub met: i64,
    /// Contacted late, or not at all with the deadline passed.
    pub breached: i64,
    /// Not contacted, deadline still ahead.
    pub pending: i64,
    /// Hand-offs with no sales contact yet (breached or pending).
    pub not_contacted: i64,
    /// Minutes from hand-off to first contact, per contacted hand-off.
    pub speed_minutes: Vec<i64>,
}

/// One MQL, for the breach and stalled lists.
#[derive(Debug, Clone, PartialEq)]
pub struct MqlPerson {
    /// closedloop's person id.
    pub person: PersonId,
    /// Their email.
    pub email: Option<String>,
    /// Their name.
    pub name: Option<String>,
    /// Their CRM owner (system, id, name).
    pub owner: GroupKey,
    /// When they became an MQL.
    pub mql_at: Timestamp,
    /// The contact deadline.
    pub due_at: Option<Timestamp>,
    /// The first sales contact after the hand-off.
    pub first_contact_at: Option<Timestamp>,
    /// Current CRM lead status.
    pub lead_status: Option<String>,
    /// Disqualification reason.
    pub disqualification_reason: Option<String>,
    /// `marketing` or `sales`.
    pub owner_side: String,
    /// For stalled MQLs: `recycled` or `never_contacted`; for breaches: `late` or `not_contacted`.
    pub what_happened: String,
    /// Milliseconds from the deadline to the contact (or to `now` without one); negative when in
    /// time; `None` without a deadline.
    pub late_ms: Option<i64>,
    /// Milliseconds from the MQL to `now`.
    pub age_ms: i64,
}

/// A list with its full length (the list itself stops at `list_limit`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PersonList {
    /// How many people match.
    pub total: i64,
    /// The first `list_limit` of them, oldest MQL first.
    pub people: Vec<MqlPerson>,
}

/// Everything the SLA section reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SlaData {
    /// Per month, per owner, then the total.
    pub groups: Vec<SlaGroup>,
    /// Breaches.
    pub breaches: PersonList,
    /// Recycled or never-contacted MQLs.
    pub stalled: PersonList,
}

pub(crate) async fn read(tx: &mut Transaction<'_, Sqlite>, q: &ReportQuery) -> Result<SlaData, StoreError> {
    let w = q.window();
    let groups = sqlx::query!(
        r#"WITH p AS MATERIALIZED (
               SELECT rp.*, strftime('%Y-%m', rp.mql_at / 1000, 'unixepoch') AS month,
                   (SELECT COALESCE(o.name, o.email) FROM owners AS o
                      WHERE o.system = rp.owner_system
                        AND (o.id = rp.owner_id OR (LENGTH(rp.owner_id) = 15 AND SUBSTR(o.id, 1, 15) = rp.owner_id))) AS owner_name,
                   (rp.sla_due_at IS NOT NULL AND rp.first_sales_contact_at <= rp.sla_due_at) AS met,
                   (rp.sla_due_at IS NOT NULL AND (rp.first_sales_contact_at > rp.sla_due_at
                        OR (rp.first_sales_contact_at IS NULL AND rp.sla_due_at < ?3))) AS breached,
                   (rp.sla_due_at IS NOT NULL AND rp.first_sales_contact_at IS NULL AND rp.sla_due_at >= ?3) AS pending
               FROM report_people AS rp
               WHERE rp.mql_at IS NOT NULL AND (?1 IS NULL OR rp.mql_at >= ?1) AND (?2 IS NULL OR rp.mql_at < ?2)
           ),
           g AS (
               SELECT 'month' AS dimension, NULL AS key_system, month AS key_id, NULL AS label, p.* FROM p
               UNION ALL SELECT 'owner', owner_system, owner_id, owner_name, p.* FROM p
               UNION ALL SELECT 'total', NULL, NULL, NULL, p.* FROM p
           )
           SELECT dimension AS "dimension!: String", key_system AS "key_system?: String", key_id AS "key_id?: String",
               MAX(label) AS "label?: String",
               COUNT(*) AS "mqls!: i64",
               COALESCE(SUM(mql_implied), 0) AS "implied!: i64",
               COALESCE(SUM(sla_due_at IS NOT NULL), 0) AS "handoffs!: i64",
               COALESCE(SUM(met), 0) AS "met!: i64",
               COALESCE(SUM(breached), 0) AS "breached!: i64",
               COALESCE(SUM(pending), 0) AS "pending!: i64",
               COALESCE(SUM(sla_due_at IS NOT NULL AND first_sales_contact_at IS NULL), 0) AS "not_contacted!: i64",
               json_group_array(speed_to_lead_minutes)
                   FILTER (WHERE sla_due_at IS NOT NULL AND speed_to_lead_minutes IS NOT NULL) AS "speed!: String"
           FROM g
           GROUP BY dimension, key_system, key_id
           ORDER BY CASE dimension WHEN 'month' THEN 0 WHEN 'owner' THEN 1 ELSE 2 END,
               CASE WHEN dimension = 'month' THEN key_id END, COUNT(*) DESC, key_id IS NULL, key_id"#,
        w.since,
        w.until,
        w.now,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        Ok(SlaGroup {
            dimension: r.dimension,
            key: GroupKey {
                system: r.key_system,
                id: r.key_id,
                label: r.label,
            },
            mqls: r.mqls,
            implied: r.implied,
            handoffs: r.handoffs,
            met: r.met,
            breached: r.breached,
            pending: r.pending,
            not_contacted: r.not_contacted,
            speed_minutes: int_list("speed to lead", &r.speed)?,
        })
    })
    .collect::<Result<_, StoreError>>()?;

    let limit = i64::from(q.list_limit);
    let breaches = sqlx::query!(
        r#"SELECT rp.person_id AS "person_id!: i64", rp.email AS "email?: String", rp.name AS "name?: String",
               rp.owner_system AS "owner_system?: String", rp.owner_id AS "owner_id?: String",
               (SELECT COALESCE(o.name, o.email) FROM owners AS o
                  WHERE o.system = rp.owner_system
                        AND (o.id = rp.owner_id OR (LENGTH(rp.owner_id) = 15 AND SUBSTR(o.id, 1, 15) = rp.owner_id))) AS "owner_name?: String",
               rp.mql_at AS "mql_at!: i64", rp.sla_due_at AS "due_at?: i64",
               rp.first_sales_contact_at AS "contact_at?: i64", rp.lead_status AS "lead_status?: String",
               rp.disqualification_reason AS "reason?: String", rp.owner_side AS "owner_side!: String",
               CASE WHEN rp.first_sales_contact_at IS NULL THEN 'not_contacted' ELSE 'late' END AS "what!: String",
               COALESCE(rp.first_sales_contact_at, ?3) - rp.sla_due_at AS "late_ms?: i64",
               ?3 - rp.mql_at AS "age_ms!: i64",
               COUNT(*) OVER () AS "total!: i64"
           FROM report_people AS rp
           WHERE rp.mql_at IS NOT NULL AND (?1 IS NULL OR rp.mql_at >= ?1) AND (?2 IS NULL OR rp.mql_at < ?2)
             AND rp.sla_due_at IS NOT NULL
             AND (rp.first_sales_contact_at > rp.sla_due_at OR (rp.first_sales_contact_at IS NULL AND rp.sla_due_at < ?3))
           ORDER BY rp.mql_at, rp.person_id
           LIMIT ?4"#,
        w.since,
        w.until,
        w.now,
        limit,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut breach_list = PersonList::default();
    for r in breaches {
        breach_list.total = r.total;
        breach_list.people.push(MqlPerson {
            person: PersonId(r.person_id),
            email: r.email,
            name: r.name,
            owner: GroupKey {
                system: r.owner_system,
                id: r.owner_id,
                label: r.owner_name,
            },
            mql_at: from_ms(r.mql_at)?,
            due_at: r.due_at.map(from_ms).transpose()?,
            first_contact_at: r.contact_at.map(from_ms).transpose()?,
            lead_status: r.lead_status,
            disqualification_reason: r.reason,
            owner_side: r.owner_side,
            what_happened: r.what,
            late_ms: r.late_ms,
            age_ms: r.age_ms,
        });
    }

    let stalled = sqlx::query!(
        r#"SELECT rp.person_id AS "person_id!: i64", rp.email AS "email?: String", rp.name AS "name?: String",
               rp.owner_system AS "owner_system?: String", rp.owner_id AS "owner_id?: String",
               (SELECT COALESCE(o.name, o.email) FROM owners AS o
                  WHERE o.system = rp.owner_system
                        AND (o.id = rp.owner_id OR (LENGTH(rp.owner_id) = 15 AND SUBSTR(o.id, 1, 15) = rp.owner_id))) AS "owner_name?: String",
               rp.mql_at AS "mql_at!: i64", rp.sla_due_at AS "due_at?: i64",
               rp.first_sales_contact_at AS "contact_at?: i64", rp.lead_status AS "lead_status?: String",
               rp.disqualification_reason AS "reason?: String", rp.owner_side AS "owner_side!: String",
               CASE WHEN rp.lead_status = 'recycled' THEN 'recycled' ELSE 'never_contacted' END AS "what!: String",
               COALESCE(rp.first_sales_contact_at, ?3) - rp.sla_due_at AS "late_ms?: i64",
               ?3 - rp.mql_at AS "age_ms!: i64",
               COUNT(*) OVER () AS "total!: i64"
           FROM report_people AS rp
           WHERE rp.mql_at IS NOT NULL AND (?1 IS NULL OR rp.mql_at >= ?1) AND (?2 IS NULL OR rp.mql_at < ?2)
             AND (rp.lead_status = 'recycled'
                  OR (rp.sla_due_at IS NOT NULL AND rp.first_sales_contact_at IS NULL AND rp.sla_due_at < ?3))
           ORDER BY rp.mql_at, rp.person_id
           LIMIT ?4"#,
        w.since,
        w.until,
        w.now,
        limit,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut stalled_list = PersonList::default();
    for r in stalled {
        stalled_list.total = r.total;
        stalled_list.people.push(MqlPerson {
            person: PersonId(r.person_id),
            email: r.email,
            name: r.name,
            owner: GroupKey {
                system: r.owner_system,
                id: r.owner_id,
                label: r.owner_name,
            },
            mql_at: from_ms(r.mql_at)?,
            due_at: r.due_at.map(from_ms).transpose()?,
            first_contact_at: r.contact_at.map(from_ms).transpose()?,
            lead_status: r.lead_status,
            disqualification_reason: r.reason,
            owner_side: r.owner_side,
            what_happened: r.what,
            late_ms: r.late_ms,
            age_ms: r.age_ms,
        });
    }
    Ok(SlaData {
        groups,
        breaches: breach_list,
        stalled: stalled_list,
    })
}
