//! Engagement into touchpoints: form submissions (which form, page and content offer), webinar
//! registration and attendance with minutes watched, page views, CTA clicks, email clicks and
//! opens; each stored once however often it is read, with its campaign and content.

use crate::support::*;
use closedloop_core::sync::PullStream;
use closedloop_hubspot::HubSpotConnector;
use closedloop_sim::scenario::Scenario;
use closedloop_store::Store;
use std::collections::BTreeMap;

/// The touchpoints a scenario implies, by kind.
fn expected(scenario: &Scenario) -> BTreeMap<String, i64> {
    let kind_of: BTreeMap<&str, &str> = scenario
        .content
        .iter()
        .map(|c| (c.key.as_str(), c.kind.as_str()))
        .collect();
    let mut out: BTreeMap<String, i64> = BTreeMap::new();
    let mut add = |k: &str| *out.entry(k.to_owned()).or_default() += 1;
    for person in scenario.people.iter().filter(|p| p.hubspot.is_some()) {
        for t in &person.touchpoints {
            match t.kind.as_str() {
                "page_view" | "cta_click" | "email_click" | "email_open" => add(&t.kind),
                "form_submission" => match t.content.as_deref().and_then(|c| kind_of.get(c)) {
                    Some(&("whitepaper" | "ebook" | "case_study")) => add("content_download"),
                    _ => add("form_submission"),
                },
                "webinar" => {
                    let a = t.attendance.as_ref().expect("attendance");
                    if a.state == "ATTENDED" {
                        add("webinar_attendance");
                        if a.registered_at.is_some_and(|r| r < t.at) {
                            add("webinar_registration");
                        }
                    } else {
                        add("webinar_registration");
                    }
                }
                other => panic!("unexpected touch kind {other}"),
            }
        }
    }
    out
}

/// `[content_kinds]` saying what each form-backed content of the scenario is.
fn content_kinds(scenario: &Scenario) -> String {
    let mut toml = String::from("[content_kinds]\n");
    for c in scenario
        .content
        .iter()
        .filter(|c| c.kind != "webinar" && c.kind != "page")
    {
        toml.push_str(&format!("{:?} = {:?}\n", c.title, c.kind));
    }
    toml
}

async fn every_engagement_stream(store: &Store, hubspot: &HubSpotConnector) {
    async fn one<S: PullStream>(store: &Store, stream: S) {
        pull(store, &stream).await;
    }
    one(store, hubspot.catalog()).await;
    one(store, hubspot.contacts()).await;
    one(store, hubspot.form_submissions()).await;
    one(store, hubspot.marketing_events()).await;
    one(store, hubspot.web_events()).await;
    one(store, hubspot.email_events()).await;
}

#[tokio::test]
async fn engagement_becomes_touchpoints_stored_once_each() {
    let scenario = closedloop_sim::generator::named("tiny").expect("tiny");
    let rig = Rig::start(&scenario).await;
    let hubspot = rig.connector(&content_kinds(&scenario), fields(), quick());
    every_engagement_stream(&rig.store, &hubspot).await;

    let stored: BTreeMap<String, i64> = rows(
        &rig.store,
        "SELECT kind, CAST(count(*) AS TEXT) FROM touchpoints GROUP BY kind",
    )
    .await
    .into_iter()
    .map(|r| {
        (
            r[0].clone().unwrap_or_default(),
            r[1].as_deref().unwrap_or("0").parse().unwrap_or(0),
        )
    })
    .collect();
    assert_eq!(stored, expected(&scenario));
    assert_eq!(
        scalar(
            &rig.store,
            "SELECT count(*) FROM touchpoints WHERE subject_id NOT IN (SELECT id FROM marketing_contacts WHERE archived = 0)"
        )
        .await,
        0,
        "every touchpoint belongs to a live contact (a merged-away contact's touches to its survivor)"
    );
    assert_eq!(scalar(&rig.store, "SELECT count(*) FROM quarantine").await, 0);

    // Chloe watched 12 of 60 minutes.
    let chloe = rows(
        &rig.store,
        "SELECT CAST(t.depth_seconds AS TEXT), CAST(t.depth_percent_hundredths AS TEXT), t.content_key, t.campaign_id
         FROM touchpoints t JOIN marketing_contacts c ON c.id = t.subject_id
         WHERE c.email = 'chloe.dubois@cedarpoint-media.fr' AND t.kind = 'webinar_attendance'",
    )
    .await;
    assert_eq!(chloe.len(), 1, "{chloe:?}");
    assert_eq!(
        (chloe[0][0].as_deref(), chloe[0][1].as_deref()),
        (Some("720"), Some("2000"))
    );
    let event = rows(
        &rig.store,
        "SELECT key, title, CAST(duration_seconds AS TEXT), campaign_id FROM content_assets WHERE kind = 'webinar'",
    )
    .await;
    assert_eq!(event.len(), 1);
    assert_eq!(chloe[0][2], event[0][0], "the attendance points at the webinar");
    assert_eq!(event[0][2].as_deref(), Some("3600"));
    assert!(
        chloe[0][3].is_some() && chloe[0][3] == event[0][3],
        "and at the webinar's campaign"
    );

    // The whitepaper download names its form, its page and its campaign.
    let download = rows(
        &rig.store,
        "SELECT t.content_key, t.detail, t.campaign_id, a.kind, a.title FROM touchpoints t
         JOIN content_assets a ON a.key = t.content_key WHERE t.kind = 'content_download' AND a.title = 'State of Revenue Operations'",
    )
    .await;
    assert_eq!(download.len(), 2, "bjorn and sophie");
    assert_eq!(download[0][3].as_deref(), Some("whitepaper"));
    assert!(download.iter().all(|d| d[2].is_some()), "{download:?}");

    // Read again, stored once.
    let before = dump(&rig.store).await;
    let again = rig.connector(&content_kinds(&scenario), fields(), quick());
    every_engagement_stream(&rig.store, &again).await;
    let after = dump(&rig.store).await;
    assert_eq!(before["touchpoints"], after["touchpoints"]);
    assert_eq!(before["content_assets"], after["content_assets"]);
}

#[tokio::test]
async fn hostile_engagement_is_quarantined_and_the_rest_is_stored() {
    let scenario = closedloop_sim::generator::named("hostile").expect("hostile");
    let rig = Rig::start(&scenario).await;
    let hubspot = rig.connector(&content_kinds(&scenario), fields(), quick());
    every_engagement_stream(&rig.store, &hubspot).await;
    let reasons: Vec<String> = rows(
        &rig.store,
        "SELECT reason FROM quarantine WHERE stream IN ('hubspot.form_submissions', 'hubspot.marketing_events')",
    )
    .await
    .into_iter()
    .filter_map(|r| r[0].clone())
    .collect();
    assert!(
        reasons.iter().any(|r| r.contains("attendancePercentage")),
        "{reasons:?}"
    );
    assert!(reasons.iter().any(|r| r.contains("in the future")), "{reasons:?}");
    let good = scalar(
        &rig.store,
        "SELECT count(*) FROM touchpoints t JOIN marketing_contacts c ON c.id = t.subject_id
         WHERE c.email = 'grace.hopper@bluewave-software.com'",
    )
    .await;
    assert_eq!(good, 3, "the good person's download, registration and attendance");
}
