//! Content: per asset, the people who engaged with it in the period, how deeply (webinar seconds
//! watched and share watched per attendance, downloads), the MQLs and deals that followed their
//! engagement, and the pipeline and revenue the chosen model credits to it.
//!
//! State: none. *Influenced*: a person engaged with the asset in the period and became an MQL
//! (or was on a deal created) at or after their first engagement with it in the period. Every
//! catalogued asset has a row, engaged or not: an asset nobody touched is a finding too.

use super::{ReportQuery, float_list, int_list};
use crate::error::StoreError;
use sqlx::{Sqlite, Transaction};

/// One content asset's engagement and influence.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContentRow {
    /// The content key (`hubspot:event:123`).
    pub key: String,
    /// The asset's kind from the catalog (`webinar`, `whitepaper`...); `None` when uncatalogued.
    pub kind: Option<String>,
    /// The title from the catalog.
    pub title: Option<String>,
    /// People who engaged in the period.
    pub people: i64,
    /// Their touches.
    pub touches: i64,
    /// Content downloads.
    pub downloads: i64,
    /// People who attended (webinar attendance).
    pub attendees: i64,
    /// Seconds watched, per attendance with a duration.
    pub watched_seconds: Vec<i64>,
    /// Percent watched, per attendance with a share (reported, or seconds over the running time).
    pub watched_percent: Vec<f64>,
    /// Engaged people who became MQLs at or after their first engagement.
    pub mqls_influenced: i64,
    /// Deals created at or after an engaged person's first engagement, on which that person is.
    pub deals_influenced: i64,
    /// Of those, won.
    pub deals_won_influenced: i64,
}

/// The chosen model's credit to one asset in one currency.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContentAmount {
    /// The content key.
    pub key: String,
    /// ISO currency.
    pub currency: String,
    /// Pipeline credited, cents.
    pub pipeline_minor: i64,
    /// Revenue credited, cents.
    pub revenue_minor: i64,
}

/// Everything the content section reads.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ContentData {
    /// One row per asset, most people first.
    pub rows: Vec<ContentRow>,
    /// Amounts credited per asset and currency (conversions dated in the period).
    pub amounts: Vec<ContentAmount>,
}

pub(crate) async fn read(tx: &mut Transaction<'_, Sqlite>, q: &ReportQuery) -> Result<ContentData, StoreError> {
    let w = q.window();
    let rows = sqlx::query!(
        r#"WITH t AS MATERIALIZED (
               SELECT tp.*, l.person_id FROM touchpoints AS tp
               JOIN identity_links AS l ON l.system = tp.subject_system AND l.object_type = tp.subject_object
                                       AND l.external_id = tp.subject_id
               JOIN person_results AS pr ON pr.person_id = l.person_id
               WHERE tp.content_key IS NOT NULL
                 AND (?1 IS NULL OR tp.occurred_at >= ?1) AND (?2 IS NULL OR tp.occurred_at < ?2)
           ),
           eng AS MATERIALIZED (
               SELECT content_key, person_id, MIN(occurred_at) AS first_at, COUNT(*) AS touches,
                   SUM(kind = 'content_download') AS downloads, MAX(kind = 'webinar_attendance') AS attended
               FROM t GROUP BY content_key, person_id
           ),
           watch AS (
               SELECT t.content_key,
                   json_group_array(t.depth_seconds) FILTER (WHERE t.depth_seconds IS NOT NULL) AS seconds,
                   json_group_array(COALESCE(t.depth_percent_hundredths / 100.0,
                                             100.0 * t.depth_seconds / NULLIF(a.duration_seconds, 0)))
                       FILTER (WHERE t.depth_percent_hundredths IS NOT NULL
                                  OR (t.depth_seconds IS NOT NULL AND a.duration_seconds > 0)) AS percent
               FROM t LEFT JOIN content_assets AS a ON a.key = t.content_key
               WHERE t.kind = 'webinar_attendance'
               GROUP BY t.content_key
           ),
           deals_after AS (
               SELECT e.content_key, COUNT(DISTINCT d.system || ':' || d.id) AS deals,
                   COUNT(DISTINCT CASE WHEN d.status = 'won' THEN d.system || ':' || d.id END) AS won
               FROM eng AS e
               JOIN identity_links AS l ON l.person_id = e.person_id
               JOIN deal_contacts AS dc ON dc.contact_system = l.system AND dc.contact_object = l.object_type
                                       AND dc.contact_id = l.external_id
               JOIN deals AS d ON d.system = dc.deal_system AND d.id = dc.deal_id
               WHERE d.deleted = 0 AND d.created_at >= e.first_at
               GROUP BY e.content_key
           ),
           keys AS (SELECT key FROM content_assets UNION SELECT content_key FROM eng)
           SELECT k.key AS "key!: String", a.kind AS "kind?: String", a.title AS "title?: String",
               (SELECT COUNT(*) FROM eng WHERE eng.content_key = k.key) AS "people!: i64",
               COALESCE((SELECT SUM(touches) FROM eng WHERE eng.content_key = k.key), 0) AS "touches!: i64",
               COALESCE((SELECT SUM(downloads) FROM eng WHERE eng.content_key = k.key), 0) AS "downloads!: i64",
               COALESCE((SELECT SUM(attended) FROM eng WHERE eng.content_key = k.key), 0) AS "attendees!: i64",
               COALESCE(w.seconds, '[]') AS "seconds!: String",
               COALESCE(w.percent, '[]') AS "percent!: String",
               COALESCE((SELECT SUM(pr.mql_at >= eng.first_at) FROM eng
                           JOIN person_results AS pr ON pr.person_id = eng.person_id
                           WHERE eng.content_key = k.key), 0) AS "mqls!: i64",
               COALESCE(d.deals, 0) AS "deals!: i64",
               COALESCE(d.won, 0) AS "won!: i64"
           FROM keys AS k
           LEFT JOIN content_assets AS a ON a.key = k.key
           LEFT JOIN watch AS w ON w.content_key = k.key
           LEFT JOIN deals_after AS d ON d.content_key = k.key
           ORDER BY 4 DESC, k.key"#,
        w.since,
        w.until,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| {
        Ok(ContentRow {
            key: r.key,
            kind: r.kind,
            title: r.title,
            people: r.people,
            touches: r.touches,
            downloads: r.downloads,
            attendees: r.attendees,
            watched_seconds: int_list("watched seconds", &r.seconds)?,
            watched_percent: float_list("watched share", &r.percent)?,
            mqls_influenced: r.mqls,
            deals_influenced: r.deals,
            deals_won_influenced: r.won,
        })
    })
    .collect::<Result<_, StoreError>>()?;

    let amounts = sqlx::query!(
        r#"SELECT content_key AS "key!: String", currency AS "currency!: String",
               COALESCE(SUM(CASE WHEN conversion_kind = 'pipeline' THEN amount_minor END), 0) AS "pipeline!: i64",
               COALESCE(SUM(CASE WHEN conversion_kind = 'revenue' THEN amount_minor END), 0) AS "revenue!: i64"
           FROM report_credits
           WHERE model = ?1 AND conversion_kind IN ('pipeline', 'revenue') AND content_key IS NOT NULL
             AND currency IS NOT NULL
             AND (?2 IS NULL OR converted_at >= ?2) AND (?3 IS NULL OR converted_at < ?3)
           GROUP BY content_key, currency
           ORDER BY content_key, currency"#,
        q.model,
        w.since,
        w.until,
    )
    .fetch_all(&mut **tx)
    .await?
    .into_iter()
    .map(|r| ContentAmount {
        key: r.key,
        currency: r.currency,
        pipeline_minor: r.pipeline,
        revenue_minor: r.revenue,
    })
    .collect();
    Ok(ContentData { rows, amounts })
}
