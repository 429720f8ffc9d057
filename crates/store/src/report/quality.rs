//! Lead quality per campaign: of the leads a campaign brought (first touch), how many sales
//! contacted, disqualified (and why), recycled, accepted (SQL) and won: "40 leads from the
//! country-X campaign, 3 worth a call".
//!
//! State: none. The same cohort as the funnel (people first reached in the period), leads only.
//! *Contacted* means any sales contact on record: the first contact after the hand-off, a counted
//! sales activity (`contact_activity_kinds`) on any of the person's records at any time, or a
//! lead status that says sales spoke to them (`contact_statuses`).

use super::{GroupKey, ReportQuery, json_list};
use crate::error::StoreError;
use sqlx::{Sqlite, Transaction};

/// One campaign's lead quality (or the `total`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QualityRow {
    /// `campaign` or `total`.
    pub dimension: String,
    /// The campaign (none: leads without one).
    pub key: GroupKey,
    /// Leads.
    pub leads: i64,
    /// Of them, MQLs.
    pub mqls: i64,
    /// Contacted by sales.
    pub contacted: i64,
    /// Disqualified now.
    pub disqualified: i64,
    /// Recycled now (returned to marketing).
    pub recycled: i64,
    /// Accepted by sales (SQL).
    pub sqls: i64,
    /// Customers.
    pub won: i64,
}

/// A disqualification reason's count within one row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReasonCount {
    /// `campaign` or `total`.
    pub dimension: String,
    /// The row.
    pub key: GroupKey,
    /// The reason as sales gave it; `None` when none was given.
    pub reason: Option<String>,
    /// How many leads.
    pub count: i64,
}

/// Everything the lead-quality section reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct QualityData {
    /// Per campaign, then the total.
    pub rows: Vec<QualityRow>,
    /// The three most frequent reasons per row, most frequent first.
    pub reasons: Vec<ReasonCount>,
}

pub(crate) async fn read(tx: &mut Transaction<'_, Sqlite>, q: &ReportQuery) -> Result<QualityData, StoreError> {
    let w = q.window();
    let statuses = json_list(&q.contact_statuses);
    let kinds = json_list(&q.contact_activity_kinds);
    let rows = sqlx::query!(
        r#"WITH p AS MATERIALIZED (
               SELECT rp.*,
                   (rp.first_sales_contact_at IS NOT NULL
                    OR rp.lead_status IN (SELECT value FROM json_each(?3))
                    OR EXISTS (SELECT 1 FROM identity_links AS l
                                 JOIN sales_activities AS a ON a.who_system = l.system AND a.who_object = l.object_type
                                                           AND a.who_id = l.external_id
                                 WHERE l.person_id = rp.person_id AND a.deleted = 0
                                   AND a.kind IN (SELECT value FROM json_each(?4)))) AS contacted
               FROM report_people AS rp
               WHERE rp.lead_at IS NOT NULL
                 AND (?1 IS NULL OR rp.reached_at >= ?1) AND (?2 IS NULL OR rp.reached_at < ?2)
           ),
           g AS (
               SELECT 'campaign' AS dimension, campaign_system AS key_system, campaign_id AS key_id, p.* FROM p
               UNION ALL SELECT 'total', NULL, NULL, p.* FROM p
           )
           SELECT dimension AS "dimension!: String", key_system AS "key_system?: String", key_id AS "key_id?: String",
               (SELECT c.name FROM campaigns AS c WHERE c.system = key_system AND c.id = key_id) AS "label?: String",
               COUNT(*) AS "leads!: i64",
               COALESCE(SUM(mql_at IS NOT NULL), 0) AS "mqls!: i64",
               COALESCE(SUM(contacted), 0) AS "contacted!: i64",
               COALESCE(SUM(lead_status = 'disqualified'), 0) AS "disqualified!: i64",
               COALESCE(SUM(lead_status = 'recycled'), 0) AS "recycled!: i64",
               COALESCE(SUM(sql_at IS NOT NULL), 0) AS "sqls!: i64",
               COALESCE(SUM(won_at IS NOT NULL), 0) AS "won!: i64"
           FROM g
           GROUP BY dimension, key_system, key_id
           ORDER BY dimension = 'total', COUNT(*) DESC, key_id IS NULL, key_id"#,
        w.since,
        w.until,
        statuses,
        kinds,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| QualityRow {
        dimension: r.dimension,
        key: GroupKey {
            system: r.key_system,
            id: r.key_id,
            label: r.label,
        },
        leads: r.leads,
        mqls: r.mqls,
        contacted: r.contacted,
        disqualified: r.disqualified,
        recycled: r.recycled,
        sqls: r.sqls,
        won: r.won,
    })
    .collect();

    let reasons = sqlx::query!(
        r#"WITH p AS (
               SELECT campaign_system, campaign_id, NULLIF(TRIM(disqualification_reason), '') AS reason
               FROM report_people
               WHERE lead_at IS NOT NULL AND lead_status = 'disqualified'
                 AND (?1 IS NULL OR reached_at >= ?1) AND (?2 IS NULL OR reached_at < ?2)
           ),
           counted AS (
               SELECT 'campaign' AS dimension, campaign_system AS key_system, campaign_id AS key_id, reason,
                   COUNT(*) AS n FROM p GROUP BY campaign_system, campaign_id, reason
               UNION ALL
               SELECT 'total', NULL, NULL, reason, COUNT(*) FROM p GROUP BY reason
           ),
           ranked AS (
               SELECT *, ROW_NUMBER() OVER (PARTITION BY dimension, key_system, key_id
                                            ORDER BY n DESC, reason IS NULL, reason) AS rank
               FROM counted
           )
           SELECT dimension AS "dimension!: String", key_system AS "key_system?: String", key_id AS "key_id?: String",
               reason AS "reason?: String", n AS "count!: i64"
           FROM ranked WHERE rank <= 3
           ORDER BY dimension, key_system, key_id, rank"#,
        w.since,
        w.until,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| ReasonCount {
        dimension: r.dimension,
        key: GroupKey {
            system: r.key_system,
            id: r.key_id,
            label: None,
        },
        reason: r.reason,
        count: r.count,
    })
    .collect();
    Ok(QualityData { rows, reasons })
}
