//! `sobjects/{Type}/deleted` and `/updated`: windows, the retention period, earliestDateAvailable,
//! latestDateCovered and Salesforce's replication errors.

mod salesforce_support;

use chrono::{DateTime, Duration, Utc};
use salesforce_support::{Sf, lead_person, leads_scenario, t0};
use serde_json::json;

fn iso(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%dT%H:%M:%S+00:00").to_string()
}

async fn window(sf: &Sf, what: &str, start: DateTime<Utc>, end: DateTime<Utc>) -> salesforce_support::Reply {
    sf.send(
        sf.http
            .get(sf.url(&format!("sobjects/Lead/{what}/")))
            .query(&[("start", iso(start)), ("end", iso(end))]),
    )
    .await
}

fn scenario() -> closedloop_sim::Scenario {
    let mut s = leads_scenario(3, |i| i as i64);
    for (i, days) in [(10, 2), (11, 10), (12, 20)] {
        let mut p = lead_person(i, t0());
        if let Some(sf) = p.salesforce.as_mut() {
            sf.leads[0].deleted_at = Some(Utc::now() - Duration::days(days));
        }
        s.people.push(p);
    }
    s
}

#[tokio::test]
async fn deleted_lists_the_recycle_bin_within_the_retention_window() {
    let sf = Sf::start(&scenario()).await;
    let now = Utc::now();
    let r = window(&sf, "deleted", now - Duration::days(14), now + Duration::hours(1)).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let records = r.body["deletedRecords"].as_array().cloned().unwrap_or_default();
    assert_eq!(
        records.len(),
        2,
        "deleted 2 and 10 days ago; the one deleted 20 days ago is purged: {}",
        r.body
    );
    assert!(
        records[0]["deletedDate"].as_str() < records[1]["deletedDate"].as_str(),
        "oldest first"
    );
    assert!(
        records
            .iter()
            .all(|d| d["id"].as_str().is_some_and(|i| i.starts_with("00Q")))
    );
    let covered = r.body["latestDateCovered"].as_str().unwrap_or_default();
    assert!(covered.ends_with(":00.000+0000"), "covered to the minute: {covered}");
    assert!(
        covered
            <= iso(now + Duration::minutes(1))
                .as_str()
                .replace("+00:00", ".000+0000")
                .as_str(),
        "never past now"
    );
    let earliest = r.body["earliestDateAvailable"].as_str().unwrap_or_default();
    let window_start = (now - Duration::days(15))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|d| d.and_utc())
        .unwrap_or(now);
    assert_eq!(earliest, window_start.format("%Y-%m-%dT%H:%M:%S.000+0000").to_string());

    // A cursor older than the window means deletions may have been lost: Salesforce refuses.
    let r = window(&sf, "deleted", now - Duration::days(16), now).await;
    assert_eq!(
        (r.status.as_u16(), r.error_code()),
        (400, "INVALID_REPLICATION_DATE"),
        "{}",
        r.body
    );
    let r = window(&sf, "deleted", now - Duration::seconds(30), now).await;
    assert_eq!(
        r.error_code(),
        "INVALID_REPLICATION_DATE",
        "start must precede end by more than a minute"
    );
    let r = sf.get("sobjects/Lead/deleted/?end=2024-01-01T00:00:00Z").await;
    assert_eq!((r.status.as_u16(), r.error_code()), (400, "MISSING_ARGUMENT"));
    let r = sf.get("sobjects/Lead/deleted/?start=yesterday&end=today").await;
    assert_eq!(r.status, 400);

    // An unencoded '+' in the offset (form decoding would make it a space) is still understood.
    let raw = format!(
        "sobjects/Lead/deleted/?start={}&end={}",
        iso(now - Duration::days(3)),
        iso(now)
    );
    let r = sf.get(&raw).await;
    assert_eq!(r.body["deletedRecords"].as_array().map(Vec::len), Some(1), "{}", r.body);

    // A deletion through the API shows up, and is purged once the window has passed.
    let live = sf.ids("SELECT Id FROM Lead").await;
    assert_eq!(sf.delete(&format!("sobjects/Lead/{}", live[0])).await.status, 204);
    // latestDateCovered stops at the start of the current minute; let it pass.
    sf.server.admin().advance_clock(120);
    let r = window(&sf, "deleted", now - Duration::days(1), now + Duration::hours(1)).await;
    let ids: Vec<&str> = r.body["deletedRecords"]
        .as_array()
        .map(|a| a.iter().filter_map(|d| d["id"].as_str()).collect())
        .unwrap_or_default();
    assert!(ids.contains(&live[0].as_str()), "{}", r.body);
    sf.server.admin().advance_clock(16 * 86_400);
    let later = now + Duration::days(16);
    let r = window(&sf, "deleted", later - Duration::days(14), later).await;
    assert_eq!(
        r.body["deletedRecords"],
        json!([]),
        "everything deleted earlier is purged now: {}",
        r.body
    );
    let (all, _) = sf.query_pages("SELECT Id FROM Lead", true, None).await;
    assert_eq!(all.len(), 2, "purged rows leave queryAll too");
}

#[tokio::test]
async fn updated_lists_changed_ids_within_30_days() {
    let sf = Sf::start(&scenario()).await;
    let now = Utc::now();
    let r = window(&sf, "updated", now - Duration::days(1), now + Duration::hours(1)).await;
    assert_eq!(r.body["ids"], json!([]), "seeded leads changed long ago: {}", r.body);
    let live = sf.ids("SELECT Id FROM Lead").await;
    assert_eq!(
        sf.patch(&format!("sobjects/Lead/{}", live[1]), &json!({"Title": "CTO"}))
            .await
            .status,
        204
    );
    sf.server.admin().advance_clock(120);
    let r = window(&sf, "updated", now - Duration::days(1), now + Duration::hours(1)).await;
    assert_eq!(r.body["ids"], json!([live[1]]));
    assert!(r.body["latestDateCovered"].is_string());
    let r = window(&sf, "updated", now - Duration::days(31), now).await;
    assert_eq!(r.error_code(), "INVALID_REPLICATION_DATE");
}
