//! Every call's hard edges: a session that expires mid-run, the org's daily quota spent (by
//! Salesforce's refusal, and by closedloop's own reserve), and resuming afterwards.

use crate::support::{Setup, World, drive, tied_leads};
use closedloop_core::sync::ErrorDisposition;
use closedloop_engine::EngineError;

const TOKEN: &str = "POST /services/oauth2/token";

#[tokio::test]
async fn a_session_expiring_mid_run_is_refreshed_and_the_run_goes_on() {
    let world = World::start(tied_leads(1_000)).await;
    let leads = world.connector(&Setup::default()).leads().unwrap();
    let first = drive(&world.store, &leads, Some(2)).await.unwrap();
    assert_eq!(first.written, 400);
    world.sim.expire_sessions();
    // The open query continues on a new session: Salesforce's locators outlive sessions.
    let rest = drive(&world.store, &leads, None).await.unwrap();
    assert_eq!((rest.written, rest.caught_up), (600, true));
    assert_eq!(world.sim.stats().by_route[TOKEN], 2, "one token at start, one refresh");
    assert_eq!(
        world.stored_ids(&world.store, "crm_leads").await,
        world.sim_ids("Lead", true)
    );
}

fn quota_until(e: &EngineError) -> bool {
    matches!(
        e,
        EngineError::Connector {
            disposition: ErrorDisposition::QuotaExhausted { .. },
            ..
        }
    )
}

#[tokio::test]
async fn a_spent_daily_quota_stops_the_stream_cleanly_and_it_resumes_later() {
    let world = World::start(tied_leads(1_000)).await;
    let leads = world.connector(&Setup::default()).leads().unwrap();
    drive(&world.store, &leads, Some(2)).await.unwrap();
    world.sim.exhaust_daily_quota();
    let stopped = drive(&world.store, &leads, None).await.unwrap_err();
    assert!(quota_until(&stopped), "{stopped}");
    assert!(stopped.to_string().contains("daily api quota exhausted"), "{stopped}");
    // The committed pages and their cursor are intact; nothing half-written.
    assert_eq!(world.count(&world.store, "SELECT COUNT(*) FROM crm_leads").await, 400);
    let status = world.store.status(10).await.unwrap();
    let stream = status.streams.iter().find(|s| s.stream == "salesforce.leads").unwrap();
    assert!(stream.last_error.as_deref().is_some_and(|e| e.contains("quota")));

    // A new day: the same connector asks again and finishes where it stopped.
    world.sim.restore_daily_quota();
    let resumed = drive(&world.store, &leads, None).await.unwrap();
    assert!(resumed.caught_up);
    assert_eq!(
        world.stored_ids(&world.store, "crm_leads").await,
        world.sim_ids("Lead", true)
    );
}

#[tokio::test]
async fn closedloop_stops_at_its_share_before_the_org_runs_out() {
    let mut scenario = tied_leads(300);
    scenario.salesforce.daily_limit = Some(40);
    let world = World::start(scenario).await;
    let setup = Setup {
        reserve_percent: 50,
        ..Setup::default()
    };
    let c = world.connector(&setup);
    let mut stopped = None;
    for _ in 0..10 {
        if let Err(e) = drive(&world.store, &c.leads().unwrap(), None).await {
            stopped = Some(e);
            break;
        }
        if let Err(e) = drive(&world.store, &c.contacts().unwrap(), None).await {
            stopped = Some(e);
            break;
        }
    }
    let stopped = stopped.expect("the reserve stops closedloop");
    assert!(quota_until(&stopped), "{stopped}");
    assert!(stopped.to_string().contains("of 20 usable calls used"), "{stopped}");
    // The org itself never refused a call: half its allocation is left for the others.
    let (used, max) = world.sim.admin().api_usage();
    assert!(used <= 21 && max == 40, "{used}/{max}");
}

#[tokio::test]
async fn the_client_credentials_flow_signs_in_on_the_org_domain() {
    use closedloop_config::salesforce::SalesforceAuth;
    let world = World::start(tied_leads(5)).await;
    let mut config = world.config(&Setup::default());
    config.login_url = "https://login.invalid".into();
    config.auth = SalesforceAuth::ClientCredentials {
        client_id: world.scenario.salesforce.client_id.clone(),
        client_secret: closedloop_config::SecretRef::Env("UNUSED".into()),
    };
    let mut secrets = world.secrets();
    secrets.refresh_token = None;
    let connector =
        closedloop_salesforce::SalesforceConnector::new(&config, secrets, std::collections::BTreeMap::new()).unwrap();
    let outcome = drive(&world.store, &connector.leads().unwrap(), None).await.unwrap();
    assert_eq!(outcome.written, 5);
    assert_eq!(world.sim.stats().by_route[TOKEN], 1);
}

#[tokio::test]
async fn the_simulator_over_tls_is_trusted_through_its_certificate() {
    let scenario = tied_leads(3);
    let sim = closedloop_sim::salesforce::start(
        &scenario,
        "127.0.0.1:0".parse().unwrap(),
        Some("127.0.0.1:0".parse().unwrap()),
    )
    .await
    .unwrap();
    let world = World::start(scenario).await;
    let mut config = world.config(&Setup::default());
    let tls = sim.tls_base_url().unwrap().to_owned();
    config.instance_url = tls.clone();
    config.login_url = tls;
    let options = closedloop_salesforce::ConnectorOptions {
        root_certificates_pem: vec![std::fs::read(sim.cert_pem_path().unwrap()).unwrap()],
        ..Default::default()
    };
    let connector =
        closedloop_salesforce::SalesforceConnector::with_options(&config, world.secrets(), Default::default(), options)
            .unwrap();
    let outcome = drive(&world.store, &connector.leads().unwrap(), None).await.unwrap();
    assert_eq!(outcome.written, 3);
    sim.shutdown().await;
}
