//! Attribution under one model: credited conversions (fractional people), pipeline and revenue per
//! campaign and channel; and every stored model side by side for the top campaigns.
//!
//! State: none. Conversions dated in the period. Credits come from `report_credits` (0004), so a
//! touch without a campaign counts for its content asset's campaign. Conversions no touch earned
//! form their own row (`unattributed`), so every column adds up to the whole under every model.

use super::{GroupKey, ReportQuery};
use crate::error::StoreError;
use sqlx::{Sqlite, Transaction};

/// Credited funnel conversions of one row (sums of shares: 2.5 MQLs is a real figure).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CreditedRow {
    /// `campaign`, `channel` or `total`.
    pub dimension: String,
    /// The row.
    pub key: GroupKey,
    /// True for the row of conversions no touch earned.
    pub unattributed: bool,
    /// Credited leads.
    pub leads: f64,
    /// Credited MQLs.
    pub mqls: f64,
    /// Credited SQLs.
    pub sqls: f64,
    /// Credited opportunities.
    pub opportunities: f64,
    /// Credited customers.
    pub won: f64,
    /// Credited deals created (pipeline conversions).
    pub deals_created: f64,
    /// Credited deals won (revenue conversions).
    pub deals_won: f64,
}

/// Pipeline and revenue of one row in one currency.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AmountRow {
    /// `campaign`, `channel` or `total`.
    pub dimension: String,
    /// The row.
    pub key: GroupKey,
    /// True for the row of conversions no touch earned.
    pub unattributed: bool,
    /// ISO currency.
    pub currency: String,
    /// Pipeline credited, cents.
    pub pipeline_minor: i64,
    /// Revenue credited, cents.
    pub revenue_minor: i64,
}

/// One cell group of the comparison: a bucket under one model.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComparisonCell {
    /// `top` (a named campaign), `other` (the rest), `no_campaign` (credited to touches without
    /// one) or `unattributed` (no touch earned it).
    pub bucket: String,
    /// The campaign, for `top`.
    pub key: GroupKey,
    /// The model.
    pub model: String,
    /// Pipeline credited, cents.
    pub pipeline_minor: i64,
    /// Revenue credited, cents.
    pub revenue_minor: i64,
}

/// Everything the attribution section reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AttributionData {
    /// Credited conversions per row.
    pub credited: Vec<CreditedRow>,
    /// Amounts per row and currency.
    pub amounts: Vec<AmountRow>,
    /// The currency with the most pipeline in the period: the comparison and the charts use it.
    pub currency: Option<String>,
    /// Every model reconcile stored credits for.
    pub models: Vec<String>,
    /// The comparison: the top campaigns under the chosen model (by revenue, then pipeline) in
    /// `currency`, each model's amounts; plus the `other`, `no_campaign` and `unattributed` rows.
    pub comparison: Vec<ComparisonCell>,
    /// The top campaigns in rank order.
    pub top: Vec<GroupKey>,
}

pub(crate) async fn read(tx: &mut Transaction<'_, Sqlite>, q: &ReportQuery) -> Result<AttributionData, StoreError> {
    let w = q.window();
    let credited = sqlx::query!(
        r#"WITH c AS MATERIALIZED (
               SELECT * FROM report_credits
               WHERE model = ?1
                 AND (?2 IS NULL OR converted_at >= ?2) AND (?3 IS NULL OR converted_at < ?3)
           ),
           g AS (
               SELECT 'campaign' AS dimension, campaign_system AS key_system, campaign_id AS key_id, c.* FROM c
               UNION ALL SELECT 'channel', NULL, channel, c.* FROM c
               UNION ALL SELECT 'total', NULL, NULL, c.* FROM c
           )
           SELECT dimension AS "dimension!: String", key_system AS "key_system?: String", key_id AS "key_id?: String",
               (touchpoint_id IS NULL AND dimension <> 'total') AS "unattributed!: bool",
               CASE WHEN dimension = 'campaign'
                   THEN (SELECT n.name FROM campaigns AS n WHERE n.system = key_system AND n.id = key_id) END
                   AS "label?: String",
               COALESCE(SUM(CASE WHEN conversion_kind = 'lead' THEN ppm END), 0) / 1e6 AS "leads!: f64",
               COALESCE(SUM(CASE WHEN conversion_kind = 'mql' THEN ppm END), 0) / 1e6 AS "mqls!: f64",
               COALESCE(SUM(CASE WHEN conversion_kind = 'sql' THEN ppm END), 0) / 1e6 AS "sqls!: f64",
               COALESCE(SUM(CASE WHEN conversion_kind = 'opportunity' THEN ppm END), 0) / 1e6 AS "opportunities!: f64",
               COALESCE(SUM(CASE WHEN conversion_kind = 'won' THEN ppm END), 0) / 1e6 AS "won!: f64",
               COALESCE(SUM(CASE WHEN conversion_kind = 'pipeline' THEN ppm END), 0) / 1e6 AS "deals_created!: f64",
               COALESCE(SUM(CASE WHEN conversion_kind = 'revenue' THEN ppm END), 0) / 1e6 AS "deals_won!: f64"
           FROM g
           GROUP BY dimension, key_system, key_id, (touchpoint_id IS NULL AND dimension <> 'total')
           ORDER BY CASE dimension WHEN 'campaign' THEN 0 WHEN 'channel' THEN 1 ELSE 2 END, 4, 7 DESC, 6 DESC, key_id"#,
        q.model,
        w.since,
        w.until,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| CreditedRow {
        dimension: r.dimension,
        key: GroupKey {
            system: r.key_system,
            id: r.key_id,
            label: r.label,
        },
        unattributed: r.unattributed,
        leads: r.leads,
        mqls: r.mqls,
        sqls: r.sqls,
        opportunities: r.opportunities,
        won: r.won,
        deals_created: r.deals_created,
        deals_won: r.deals_won,
    })
    .collect();

    let amounts = sqlx::query!(
        r#"WITH c AS MATERIALIZED (
               SELECT * FROM report_credits
               WHERE model = ?1 AND conversion_kind IN ('pipeline', 'revenue') AND currency IS NOT NULL
                 AND (?2 IS NULL OR converted_at >= ?2) AND (?3 IS NULL OR converted_at < ?3)
           ),
           g AS (
               SELECT 'campaign' AS dimension, campaign_system AS key_system, campaign_id AS key_id, c.* FROM c
               UNION ALL SELECT 'channel', NULL, channel, c.* FROM c
               UNION ALL SELECT 'total', NULL, NULL, c.* FROM c
           )
           SELECT dimension AS "dimension!: String", key_system AS "key_system?: String", key_id AS "key_id?: String",
               (touchpoint_id IS NULL AND dimension <> 'total') AS "unattributed!: bool",
               CASE WHEN dimension = 'campaign'
                   THEN (SELECT n.name FROM campaigns AS n WHERE n.system = key_system AND n.id = key_id) END
                   AS "label?: String",
               currency AS "currency!: String",
               COALESCE(SUM(CASE WHEN conversion_kind = 'pipeline' THEN amount_minor END), 0) AS "pipeline!: i64",
               COALESCE(SUM(CASE WHEN conversion_kind = 'revenue' THEN amount_minor END), 0) AS "revenue!: i64"
           FROM g
           GROUP BY dimension, key_system, key_id, (touchpoint_id IS NULL AND dimension <> 'total'), currency
           ORDER BY CASE dimension WHEN 'campaign' THEN 0 WHEN 'channel' THEN 1 ELSE 2 END, 4, currency,
               8 DESC, 7 DESC, key_id"#,
        q.model,
        w.since,
        w.until,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| AmountRow {
        dimension: r.dimension,
        key: GroupKey {
            system: r.key_system,
            id: r.key_id,
            label: r.label,
        },
        unattributed: r.unattributed,
        currency: r.currency,
        pipeline_minor: r.pipeline,
        revenue_minor: r.revenue,
    })
    .collect();

    let currency = sqlx::query_scalar!(
        r#"SELECT currency AS "currency!: String" FROM conversions
           WHERE kind = 'pipeline' AND currency IS NOT NULL
             AND (?1 IS NULL OR converted_at >= ?1) AND (?2 IS NULL OR converted_at < ?2)
           GROUP BY currency ORDER BY SUM(amount_minor) DESC, currency LIMIT 1"#,
        w.since,
        w.until,
    )
    .fetch_optional(&mut **tx)
    .await?;

    let models = sqlx::query_scalar!(r#"SELECT DISTINCT model AS "model!" FROM attribution_credits ORDER BY model"#)
        .fetch_all(&mut **tx)
        .await?;

    let (comparison, top) = match &currency {
        Some(currency) => comparison(tx, q, currency).await?,
        None => (Vec::new(), Vec::new()),
    };
    Ok(AttributionData {
        credited,
        amounts,
        currency,
        models,
        comparison,
        top,
    })
}

async fn comparison(
    tx: &mut Transaction<'_, Sqlite>,
    q: &ReportQuery,
    currency: &str,
) -> Result<(Vec<ComparisonCell>, Vec<GroupKey>), StoreError> {
    let w = q.window();
    let limit = i64::from(q.top_campaigns);
    let top: Vec<GroupKey> = sqlx::query!(
        r#"SELECT campaign_system AS "system!: String", campaign_id AS "id!: String",
               (SELECT n.name FROM campaigns AS n WHERE n.system = c.campaign_system AND n.id = c.campaign_id)
                   AS "label?: String"
           FROM report_credits AS c
           WHERE model = ?1 AND currency = ?2 AND conversion_kind IN ('pipeline', 'revenue') AND campaign_id IS NOT NULL
             AND (?3 IS NULL OR converted_at >= ?3) AND (?4 IS NULL OR converted_at < ?4)
           GROUP BY campaign_system, campaign_id
           ORDER BY SUM(CASE WHEN conversion_kind = 'revenue' THEN amount_minor ELSE 0 END) DESC,
               SUM(CASE WHEN conversion_kind = 'pipeline' THEN amount_minor ELSE 0 END) DESC,
               campaign_system, campaign_id
           LIMIT ?5"#,
        q.model,
        currency,
        w.since,
        w.until,
        limit,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| GroupKey {
        system: Some(r.system),
        id: Some(r.id),
        label: r.label,
    })
    .collect();
    let top_json = serde_json::Value::from(
        top.iter()
            .map(|k| serde_json::json!([k.system, k.id]))
            .collect::<Vec<_>>(),
    )
    .to_string();
    let cells = sqlx::query!(
        r#"WITH top AS (SELECT j.value ->> 0 AS s, j.value ->> 1 AS i FROM json_each(?1) AS j)
           SELECT
               CASE WHEN t.i IS NOT NULL THEN 'top'
                    WHEN c.campaign_id IS NOT NULL THEN 'other'
                    WHEN c.touchpoint_id IS NOT NULL THEN 'no_campaign'
                    ELSE 'unattributed' END AS "bucket!: String",
               t.s AS "key_system?: String", t.i AS "key_id?: String",
               c.model AS "model!: String",
               COALESCE(SUM(CASE WHEN c.conversion_kind = 'pipeline' THEN c.amount_minor END), 0) AS "pipeline!: i64",
               COALESCE(SUM(CASE WHEN c.conversion_kind = 'revenue' THEN c.amount_minor END), 0) AS "revenue!: i64"
           FROM report_credits AS c
           LEFT JOIN top AS t ON t.s = c.campaign_system AND t.i = c.campaign_id
           WHERE c.currency = ?2 AND c.conversion_kind IN ('pipeline', 'revenue')
             AND (?3 IS NULL OR c.converted_at >= ?3) AND (?4 IS NULL OR c.converted_at < ?4)
           GROUP BY 1, 2, 3, 4
           ORDER BY 1, 2, 3, 4"#,
        top_json,
        currency,
        w.since,
        w.until,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        let label = top
            .iter()
            .find(|k| k.system == r.key_system && k.id == r.key_id)
            .and_then(|k| k.label.clone());
        ComparisonCell {
            bucket: r.bucket,
            key: GroupKey {
                system: r.key_system,
                id: r.key_id,
                label,
            },
            model: r.model,
            pipeline_minor: r.pipeline,
            revenue_minor: r.revenue,
        }
    })
    .collect();
    Ok((cells, top))
}
