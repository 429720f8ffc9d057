//! The funnel: per campaign, channel and content asset (each person in the row of their first
//! touch, see `report_people`), and in total: people reached, leads, MQLs, SQLs, opportunities,
//! won and lost; the people who reached each pair of consecutive stages; the time between them.
//!
//! State: none. A cohort: people first reached in the period, followed to today.

use super::{GroupKey, ReportQuery, int_list};
use crate::error::StoreError;
use sqlx::{Sqlite, Transaction};

/// One funnel row.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FunnelGroup {
    /// `campaign`, `channel`, `content` or `total`.
    pub dimension: String,
    /// The row's key (none for `total`, and for people without one).
    pub key: GroupKey,
    /// People in the row.
    pub reached: i64,
    /// Of them, leads.
    pub leads: i64,
    /// MQLs.
    pub mqls: i64,
    /// SQLs.
    pub sqls: i64,
    /// Opportunities.
    pub opportunities: i64,
    /// Customers (a deal won).
    pub won: i64,
    /// Lost (every deal lost).
    pub lost: i64,
    /// People who reached both lead and MQL.
    pub lead_and_mql: i64,
    /// Both MQL and SQL.
    pub mql_and_sql: i64,
    /// Both SQL and opportunity.
    pub sql_and_opportunity: i64,
    /// Both opportunity and won.
    pub opportunity_and_won: i64,
    /// Milliseconds from reached to lead, per person (implied stages left out).
    pub reached_to_lead_ms: Vec<i64>,
    /// Lead to MQL.
    pub lead_to_mql_ms: Vec<i64>,
    /// MQL to SQL.
    pub mql_to_sql_ms: Vec<i64>,
    /// SQL to opportunity.
    pub sql_to_opportunity_ms: Vec<i64>,
    /// Opportunity to won.
    pub opportunity_to_won_ms: Vec<i64>,
}

/// Reads the funnel rows: every campaign, channel and content row, then one `total` row.
pub(crate) async fn read(tx: &mut Transaction<'_, Sqlite>, q: &ReportQuery) -> Result<Vec<FunnelGroup>, StoreError> {
    let w = q.window();
    // One cohort, grouped four ways. A stage timing needs both stages with evidence of their own
    // and in order: an implied stage shares a later stage's date and would read as "0 days".
    let rows = sqlx::query!(
        r#"WITH p AS MATERIALIZED (
               SELECT * FROM report_people
               WHERE (?1 IS NULL OR reached_at >= ?1) AND (?2 IS NULL OR reached_at < ?2)
           ),
           g AS (
               SELECT 'campaign' AS dimension, campaign_system AS key_system, campaign_id AS key_id, p.* FROM p
               UNION ALL SELECT 'channel', NULL, channel, p.* FROM p
               UNION ALL SELECT 'content', NULL, content_key, p.* FROM p
               UNION ALL SELECT 'total', NULL, NULL, p.* FROM p
           )
           SELECT dimension AS "dimension!: String", key_system AS "key_system?: String", key_id AS "key_id?: String",
               CASE dimension
                   WHEN 'campaign' THEN (SELECT c.name FROM campaigns AS c WHERE c.system = key_system AND c.id = key_id)
                   WHEN 'content' THEN (SELECT a.title FROM content_assets AS a WHERE a.key = key_id)
               END AS "label?: String",
               COUNT(*) AS "reached!: i64",
               COALESCE(SUM(lead_at IS NOT NULL), 0) AS "leads!: i64",
               COALESCE(SUM(mql_at IS NOT NULL), 0) AS "mqls!: i64",
               COALESCE(SUM(sql_at IS NOT NULL), 0) AS "sqls!: i64",
               COALESCE(SUM(opportunity_at IS NOT NULL), 0) AS "opportunities!: i64",
               COALESCE(SUM(won_at IS NOT NULL), 0) AS "won!: i64",
               COALESCE(SUM(lost_at IS NOT NULL), 0) AS "lost!: i64",
               COALESCE(SUM(lead_at IS NOT NULL AND mql_at IS NOT NULL), 0) AS "lead_and_mql!: i64",
               COALESCE(SUM(mql_at IS NOT NULL AND sql_at IS NOT NULL), 0) AS "mql_and_sql!: i64",
               COALESCE(SUM(sql_at IS NOT NULL AND opportunity_at IS NOT NULL), 0) AS "sql_and_opportunity!: i64",
               COALESCE(SUM(opportunity_at IS NOT NULL AND won_at IS NOT NULL), 0) AS "opportunity_and_won!: i64",
               json_group_array(lead_at - reached_at)
                   FILTER (WHERE lead_at IS NOT NULL AND NOT lead_implied AND lead_at >= reached_at)
                   AS "reached_to_lead!: String",
               json_group_array(mql_at - lead_at)
                   FILTER (WHERE mql_at >= lead_at AND NOT lead_implied AND NOT mql_implied) AS "lead_to_mql!: String",
               json_group_array(sql_at - mql_at)
                   FILTER (WHERE sql_at >= mql_at AND NOT mql_implied AND NOT sql_implied) AS "mql_to_sql!: String",
               json_group_array(opportunity_at - sql_at)
                   FILTER (WHERE opportunity_at >= sql_at AND NOT sql_implied AND NOT opportunity_implied)
                   AS "sql_to_opportunity!: String",
               json_group_array(won_at - opportunity_at)
                   FILTER (WHERE won_at >= opportunity_at AND NOT opportunity_implied AND NOT won_implied)
                   AS "opportunity_to_won!: String"
           FROM g
           GROUP BY dimension, key_system, key_id
           ORDER BY CASE dimension WHEN 'campaign' THEN 0 WHEN 'channel' THEN 1 WHEN 'content' THEN 2 ELSE 3 END,
               COUNT(*) DESC, key_id IS NULL, key_id"#,
        w.since,
        w.until,
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut out: Vec<FunnelGroup> = rows
        .into_iter()
        .map(|r| {
            Ok(FunnelGroup {
                dimension: r.dimension,
                key: GroupKey {
                    system: r.key_system,
                    id: r.key_id,
                    label: r.label,
                },
                reached: r.reached,
                leads: r.leads,
                mqls: r.mqls,
                sqls: r.sqls,
                opportunities: r.opportunities,
                won: r.won,
                lost: r.lost,
                lead_and_mql: r.lead_and_mql,
                mql_and_sql: r.mql_and_sql,
                sql_and_opportunity: r.sql_and_opportunity,
                opportunity_and_won: r.opportunity_and_won,
                reached_to_lead_ms: int_list("funnel timing", &r.reached_to_lead)?,
                lead_to_mql_ms: int_list("funnel timing", &r.lead_to_mql)?,
                mql_to_sql_ms: int_list("funnel timing", &r.mql_to_sql)?,
                sql_to_opportunity_ms: int_list("funnel timing", &r.sql_to_opportunity)?,
                opportunity_to_won_ms: int_list("funnel timing", &r.opportunity_to_won)?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    // An empty cohort has no rows to group; the total still exists, with zeros.
    if !out.iter().any(|g| g.dimension == "total") {
        out.push(FunnelGroup {
            dimension: "total".into(),
            ..FunnelGroup::default()
        });
    }
    Ok(out)
}
