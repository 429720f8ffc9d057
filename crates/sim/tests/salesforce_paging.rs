//! Query paging (`nextRecordsUrl`, batch sizes, locators), the `(SystemModstamp, Id)` cursor
//! under modstamp ties, and what `queryAll` sees that `query` does not.

mod salesforce_support;

use chrono::{Duration, Utc};
use salesforce_support::{Sf, funnel_scenario, leads_scenario};
use serde_json::{Value, json};
use std::collections::HashSet;

#[tokio::test]
async fn pages_follow_batch_sizes_across_more_than_2000_records() {
    let sf = Sf::start(&leads_scenario(4_500, |i| i as i64)).await;
    let (records, pages) = sf.query_pages("SELECT Id FROM Lead", false, None).await;
    assert_eq!(pages, [2000, 2000, 500]);
    let ids: HashSet<&str> = records.iter().filter_map(|r| r["Id"].as_str()).collect();
    assert_eq!(ids.len(), 4_500, "every record once");

    let (_, pages) = sf.query_pages("SELECT Id FROM Lead", false, Some(1000)).await;
    assert_eq!(pages, [1000, 1000, 1000, 1000, 500]);
    let (_, pages) = sf.query_pages("SELECT Id FROM Lead", false, Some(50)).await;
    assert_eq!(pages.len(), 23, "batchSize below 200 is raised to 200");
    assert!(pages[..22].iter().all(|p| *p == 200));
    let (_, pages) = sf.query_pages("SELECT Id FROM Lead", false, Some(5000)).await;
    assert_eq!(pages, [2000, 2000, 500], "batchSize above 2000 is capped");
    let (records, pages) = sf
        .query_pages(
            "SELECT Id FROM Lead ORDER BY CreatedDate DESC LIMIT 2500",
            false,
            Some(2000),
        )
        .await;
    assert_eq!(pages, [2000, 500]);
    assert_eq!(records.len(), 2500);

    let first = sf.query("SELECT Id FROM Lead").await;
    assert_eq!(first.body["totalSize"], 4_500);
    assert_eq!(first.body["done"], false);
    let next = first.body["nextRecordsUrl"].as_str().unwrap_or_default();
    assert!(
        next.starts_with("/services/data/v59.0/query/01g") && next.ends_with("-2000"),
        "{next}"
    );
}

#[tokio::test]
async fn locators_are_checked_released_and_capped() {
    let sf = Sf::start(&leads_scenario(450, |i| i as i64)).await;
    let batch = |r: reqwest::RequestBuilder| r.header("Sforce-Query-Options", "batchSize=200");
    let open = || async {
        let r = sf
            .send(batch(
                sf.http.get(sf.url("query")).query(&[("q", "SELECT Id FROM Lead")]),
            ))
            .await;
        r.body["nextRecordsUrl"].as_str().unwrap_or_default().to_owned()
    };
    let next = open().await;
    let sf_ref = &sf;
    let more = |path: String| async move {
        sf_ref
            .send(sf_ref.http.get(format!("{}{path}", sf_ref.server.base_url())))
            .await
    };
    // The same locator works under queryAll/ too, and at any offset inside the result.
    let via_all = more(next.replace("/query/", "/queryAll/")).await;
    assert_eq!(via_all.status, 200, "{}", via_all.body);
    let mid = more(next.replace("-200", "-300")).await;
    assert_eq!(mid.body["records"].as_array().map(Vec::len), Some(150));
    assert_eq!(mid.body["done"], true);
    // Serving the last page closes the cursor.
    let again = more(next.clone()).await;
    assert_eq!(again.status, 400);
    assert_eq!(again.error_code(), "INVALID_QUERY_LOCATOR");
    for bad in [
        "/services/data/v59.0/query/01gnope-200",
        "/services/data/v59.0/query/garbage",
    ] {
        let r = more(bad.to_owned()).await;
        assert_eq!(
            (r.status.as_u16(), r.error_code()),
            (400, "INVALID_QUERY_LOCATOR"),
            "{bad}"
        );
    }
    // Ten cursors per user: the eleventh releases the oldest.
    let oldest = open().await;
    for _ in 0..10 {
        open().await;
    }
    assert_eq!(sf.server.admin().open_cursors(), 10);
    let r = more(oldest).await;
    assert_eq!(r.error_code(), "INVALID_QUERY_LOCATOR");
    // An idle cursor expires after 15 minutes.
    let idle = open().await;
    sf.server.admin().advance_clock(16 * 60);
    assert_eq!(more(idle).await.error_code(), "INVALID_QUERY_LOCATOR");
}

fn cursor_query(after: Option<(&str, &str)>, limit: usize) -> String {
    match after {
        None => format!("SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id LIMIT {limit}"),
        Some((ts, id)) => format!(
            "SELECT Id, SystemModstamp FROM Lead WHERE SystemModstamp > {ts} OR (SystemModstamp = {ts} AND Id > '{id}') \
             ORDER BY SystemModstamp, Id LIMIT {limit}"
        ),
    }
}

/// Pages through every lead with the `(SystemModstamp, Id)` cursor, `limit` rows at a time.
async fn drain_with_cursor(
    sf: &Sf,
    start: Option<(String, String)>,
    limit: usize,
) -> (Vec<(String, String)>, Option<(String, String)>) {
    let mut seen = Vec::new();
    let mut cursor = start;
    loop {
        let q = cursor_query(cursor.as_ref().map(|(t, i)| (t.as_str(), i.as_str())), limit);
        let (records, _) = sf.query_pages(&q, false, None).await;
        if records.is_empty() {
            return (seen, cursor);
        }
        for r in &records {
            seen.push((
                r["SystemModstamp"].as_str().unwrap_or_default().to_owned(),
                r["Id"].as_str().unwrap_or_default().to_owned(),
            ));
        }
        cursor = seen.last().cloned();
    }
}

#[tokio::test]
async fn the_modstamp_id_cursor_is_exact_under_ties() {
    // 3,000 leads in groups of 700 sharing one SystemModstamp, as a bulk load leaves them.
    let sf = Sf::start(&leads_scenario(3_000, |i| (i / 700) as i64 * 10)).await;
    let (seen, cursor) = drain_with_cursor(&sf, None, 250).await;
    assert_eq!(seen.len(), 3_000, "every lead exactly once");
    assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 3_000, "no duplicates");
    assert!(
        seen.windows(2).all(|w| w[0] < w[1]),
        "strictly increasing (SystemModstamp, Id)"
    );

    // A naive `SystemModstamp > :ts` cursor loses the rest of a tie group at every page boundary.
    let naive = "SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id LIMIT 250";
    let (first, _) = sf.query_pages(naive, false, None).await;
    let ts = first
        .last()
        .and_then(|r| r["SystemModstamp"].as_str())
        .unwrap_or_default()
        .to_owned();
    let (rest, _) = sf
        .query_pages(&format!("SELECT Id FROM Lead WHERE SystemModstamp > {ts}"), false, None)
        .await;
    assert_eq!(
        first.len() + rest.len(),
        2_550,
        "450 leads of the first tie group are skipped by the naive cursor"
    );

    // Writes after the cursor come back exactly once, in modstamp order, even in the same second.
    let ids: Vec<String> = seen.iter().step_by(500).map(|(_, id)| id.clone()).collect();
    let records: Vec<Value> = ids
        .iter()
        .map(|id| json!({"attributes": {"type": "Lead"}, "id": id, "Title": "Updated"}))
        .collect();
    let r = sf
        .patch("composite/sobjects", &json!({"allOrNone": true, "records": records}))
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (changed, _) = drain_with_cursor(&sf, cursor, 2).await;
    let mut changed_ids: Vec<String> = changed.iter().map(|(_, id)| id.clone()).collect();
    assert!(changed.windows(2).all(|w| w[0] < w[1]));
    assert!(
        changed.iter().all(|(ts, _)| ts == &changed[0].0),
        "one write, one shared SystemModstamp"
    );
    changed_ids.sort();
    let mut expected = ids.clone();
    expected.sort();
    assert_eq!(changed_ids, expected);
}

#[tokio::test]
async fn descending_and_id_ordered_scans_agree_with_sorting() {
    let sf = Sf::start(&leads_scenario(1_200, |i| ((i * 7919) % 300) as i64)).await;
    let sf_ref = &sf;
    let ids = |q: &'static str| async move { sf_ref.ids(q).await };
    let by_index = ids("SELECT Id FROM Lead ORDER BY SystemModstamp DESC, Id DESC").await;
    let mut sorted = ids("SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id").await;
    sorted.reverse();
    assert_eq!(by_index, sorted);
    let by_id = ids("SELECT Id FROM Lead ORDER BY Id").await;
    let mut expected = by_id.clone();
    expected.sort();
    assert_eq!(by_id, expected);
    let after = by_id[599].clone();
    let q = format!("SELECT Id FROM Lead WHERE Id > '{after}' ORDER BY Id LIMIT 1000");
    assert_eq!(sf.ids(&q).await, by_id[600..].to_vec());
    let q = format!(
        "SELECT Id FROM Lead WHERE Id IN ('{}', '{}', '{}')",
        by_id[5],
        &by_id[9][..15],
        by_id[1000]
    );
    assert_eq!(sf.ids(&q).await.len(), 3, "15-character ids match too");
}

#[tokio::test]
async fn query_all_sees_deleted_and_merged_rows_within_retention() {
    let mut scenario = funnel_scenario();
    // A lead deleted 20 days ago is past the 15-day recycle bin: purged everywhere.
    let mut purged = salesforce_support::lead_person(9, salesforce_support::t0());
    if let Some(sf) = purged.salesforce.as_mut() {
        sf.leads[0].deleted_at = Some(Utc::now() - Duration::days(20));
    }
    scenario.people.push(purged);
    scenario
        .people
        .push(salesforce_support::lead_person(10, salesforce_support::t0()));
    let sf = Sf::start(&scenario).await;
    assert_eq!(sf.ids("SELECT Id FROM Lead").await.len(), 3);
    let (all, _) = sf
        .query_pages("SELECT Id, IsDeleted, MasterRecordId FROM Lead", true, None)
        .await;
    assert_eq!(
        all.len(),
        4,
        "the recently deleted lead is in queryAll, the purged one is not"
    );
    assert_eq!(all.iter().filter(|r| r["IsDeleted"] == true).count(), 1);
    let r = sf.query("SELECT Id FROM Lead WHERE IsDeleted = true").await;
    assert_eq!(r.body["totalSize"], 0, "query never returns deleted rows");

    let converted = sf.ids("SELECT Id FROM Lead WHERE IsConverted = true").await;
    let err = sf
        .server
        .admin()
        .merge(&converted[0], &[])
        .expect_err("nothing to merge");
    assert_eq!(err.code, "INVALID_ARGUMENT");
    let live = sf.ids("SELECT Id FROM Lead WHERE IsConverted = false").await;
    let err = sf
        .server
        .admin()
        .merge(&live[0], &[&converted[0]])
        .expect_err("converted leads cannot be merged");
    assert_eq!(err.code, "CANNOT_UPDATE_CONVERTED_LEAD");
    sf.server.admin().merge(&live[0], &[&live[1]]).expect("merge");
    assert_eq!(
        sf.ids("SELECT Id FROM Lead WHERE IsConverted = false").await,
        [live[0].clone()]
    );
    let r = sf
        .query_all(&format!(
            "SELECT Id, IsDeleted, MasterRecordId FROM Lead WHERE Id = '{}'",
            live[1]
        ))
        .await;
    assert_eq!(r.body["records"][0]["IsDeleted"], true);
    assert_eq!(r.body["records"][0]["MasterRecordId"], live[0].as_str());
    let r = sf.query_all("SELECT Id FROM Lead WHERE MasterRecordId != null").await;
    assert_eq!(r.body["totalSize"], 1);
}
