//! The probe `check-config --probe` prints, and authentication: a rejected token, OAuth refresh.

use crate::support::*;
use closedloop_core::secret::Secret;
use closedloop_core::sync::{PushOperation, PushTarget};
use closedloop_hubspot::{ContactFields, Credentials, HubSpotConnector, ProbeStatus};
use closedloop_sim::scenario::Scenario;

#[tokio::test]
async fn the_probe_reports_what_works_and_what_is_missing() {
    let rig = Rig::start(&contacts(5)).await;
    let mut f = fields();
    f.read.push("no_such_property".into());
    let hubspot = rig.connector("", ContactFields::new(f.read, f.write), quick());
    let report = hubspot.probe().await;
    assert!(report.is_ok(), "{report}");
    assert_eq!(
        report.would_create,
        vec![
            ("closedloop_deal_amount".to_owned(), "number".to_owned()),
            ("closedloop_sql_date".to_owned(), "datetime".to_owned())
        ]
    );
    assert_eq!(report.unreadable, vec!["no_such_property".to_owned()]);
    let text = report.to_string();
    assert!(text.contains("hubspot ok   auth"), "{text}");
    assert!(
        text.contains("hubspot warn contact properties: the first push will create"),
        "{text}"
    );
    assert!(
        report.checks.iter().filter(|c| c.status == ProbeStatus::Ok).count() >= 10,
        "{text}"
    );

    // After a push created them, nothing is left to create.
    let target = hubspot.push_target();
    let id = live_contact_ids(rig.admin())[0].to_string();
    let item = closedloop_core::sync::PushItem {
        id: 1,
        target: closedloop_core::system::System::HubSpot,
        object: closedloop_core::system::ObjectType::Contact,
        external_id: Some(id),
        person_id: None,
        operation: PushOperation::Update,
        fields: [
            ("closedloop_deal_amount".to_owned(), Some("3".to_owned())),
            ("closedloop_sql_date".to_owned(), Some("1767600000000".to_owned())),
        ]
        .into(),
        idempotency_key: "k".into(),
        attempts: 0,
    };
    target.push(&[item]).await.expect("push");
    assert!(hubspot.probe().await.would_create.is_empty());
}

#[tokio::test]
async fn a_rejected_token_fails_the_probe_with_a_hint() {
    let rig = Rig::start(&contacts(1)).await;
    let config = config(&rig.sim.base_url(), "");
    let hubspot = HubSpotConnector::with_tuning(
        &config,
        Credentials::PrivateApp {
            token: Secret::new("pat-wrong"),
        },
        fields(),
        quick(),
    )
    .expect("connector");
    let report = hubspot.probe().await;
    assert!(!report.is_ok());
    let auth = &report.checks[0];
    assert_eq!((auth.name.as_str(), auth.status), ("auth", ProbeStatus::Failed));
    assert!(
        auth.detail.contains("unauthorized") && auth.detail.contains("hubspot.auth"),
        "{}",
        auth.detail
    );
    assert!(!auth.detail.contains("pat-wrong"), "the token never shows");
}

#[tokio::test]
async fn oauth_tokens_are_refreshed_when_they_expire_mid_run() {
    let mut scenario: Scenario = contacts(60);
    scenario.hubspot.token_ttl_secs = Some(1800);
    let rig = Rig::start(&scenario).await;
    let config = config(&rig.sim.base_url(), "");
    let hubspot = HubSpotConnector::with_tuning(
        &config,
        Credentials::OAuth {
            client_id: scenario.hubspot.client_id.clone(),
            client_secret: Secret::new(scenario.hubspot.client_secret.clone()),
            refresh_token: Secret::new(scenario.hubspot.refresh_token.clone()),
        },
        fields(),
        small(10, 10),
    )
    .expect("connector");
    let stream = hubspot.contacts();
    pull_pages(&rig.store, &stream, 2).await;
    rig.admin().expire_tokens();
    pull(&rig.store, &stream).await;
    assert_eq!(scalar(&rig.store, "SELECT count(*) FROM marketing_contacts").await, 60);
    let refreshes = rig.admin().stats().by_route["POST /oauth/v1/token"];
    assert_eq!(refreshes, 2, "one token at the start, one after the expiry");
}
