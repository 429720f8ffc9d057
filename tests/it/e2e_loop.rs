//! The whole loop on the `tiny` world: pull → reconcile → push → pull, then the fields sales and
//! marketing see for specific people, in both simulators. Expected values are worked out from
//! crates/sim/scenarios/tiny.json by hand (see the comments).

use closedloop_core::sync::PullMode;
use closedloop_engine::pull::NoObserver;
use closedloop_service::assemble::assemble;
use closedloop_service::reconcile_step::RulesReconcile;
use closedloop_service::sim_config::{self, SimEndpoints};
use closedloop_sim::hubspot::ObjectKind;
use std::collections::BTreeMap;
use tokio_util::sync::CancellationToken;

fn hubspot_props(hs: &closedloop_sim::hubspot::HubSpotServer, email: &str) -> BTreeMap<String, String> {
    let id = hs
        .admin()
        .contact_by_email(email)
        .unwrap_or_else(|| panic!("{email} in HubSpot"));
    hs.admin().object(ObjectKind::Contact, id).unwrap().properties
}

fn sf_leads(sf: &closedloop_sim::salesforce::SalesforceServer, email: &str) -> Vec<serde_json::Value> {
    let soql = format!(
        "SELECT Id, Status, Original_Source__c, First_Touch_Channel__c, First_Touch_Campaign__c, Conversion_Content__c, \
         Conversion_Content_Depth__c, MQL_Date__c, Touchpoint_Count__c, Closedloop_Person_Id__c FROM Lead WHERE Email = '{email}'"
    );
    sf.admin().query(&soql, false).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_loop_closes_for_specific_people_in_both_systems() {
    let scenario = closedloop_sim::generator::named("tiny").unwrap();
    let hs = closedloop_sim::hubspot::start(&scenario, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let sf = closedloop_sim::salesforce::start(&scenario, "127.0.0.1:0".parse().unwrap(), None)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("closedloop.toml");
    let endpoints = SimEndpoints {
        hubspot_url: hs.base_url(),
        salesforce_url: sf.base_url().to_owned(),
    };
    sim_config::write(&config, &endpoints, &scenario, "127.0.0.1:0").unwrap();
    let loaded = closedloop_config::load(&config).unwrap();
    let reconcile = Box::new(RulesReconcile {
        rules: loaded.config.reconcile.clone(),
    });
    let mut engine = assemble(&loaded, reconcile).await.unwrap().engine;
    let cancel = CancellationToken::new();

    // Cycle 1: pull everything, reconcile, push.
    let first = engine.run_once(PullMode::Incremental, &cancel, &NoObserver).await;
    assert!(!first.has_errors(), "{first:#?}");

    // Bjorn: MQL on 2026-06-02 11:30, Salesforce lead "Open - Not Contacted", no sales activity.
    // Sales sees where he came from: organic search; first counted touch (page views don't count)
    // is the 2026-05-20 whitepaper form of the "State of Revenue Operations" campaign.
    let bjorn = "bjorn.karlsson@swiftline-retail.se";
    let leads = sf_leads(&sf, bjorn);
    assert_eq!(leads.len(), 1, "no Lead is created beside his existing one");
    let lead = &leads[0];
    assert_eq!(lead["Original_Source__c"], "organic_search");
    assert_eq!(
        lead["First_Touch_Campaign__c"],
        "Whitepaper – State of Revenue Operations"
    );
    assert!(
        lead["MQL_Date__c"].as_str().unwrap().starts_with("2026-06-02T11:30:00"),
        "{lead}"
    );
    // Marketing sees that sales never called: status NEW and a breached SLA.
    let props = hubspot_props(&hs, bjorn);
    assert_eq!(props["hs_lead_status"], "NEW");
    assert_eq!(props["closedloop_sla_status"], "breached");

    // Lucas: sales disqualified him as a student; marketing learns why.
    let props = hubspot_props(&hs, "lucas.martin@gmail.com");
    assert_eq!(props["hs_lead_status"], "UNQUALIFIED");
    assert_eq!(props["closedloop_disqualification_reason"], "Student");

    // Ava: converted, opportunity "Closed Won" at 24,000: marketing sees a customer and the amount.
    let props = hubspot_props(&hs, "ava.thompson@hartwell-logistics.com");
    assert_eq!(props["lifecyclestage"], "customer");
    assert_eq!(props["closedloop_deal_status"], "won");
    assert_eq!(props["closedloop_deal_amount"].parse::<f64>().unwrap(), 24_000.0);

    // Chloe is a lead, not an MQL: the gate keeps her out of the CRM.
    let chloe = "chloe.dubois@cedarpoint-media.fr";
    assert!(sf_leads(&sf, chloe).is_empty());

    // A marketer now marks Chloe as an MQL in HubSpot.
    let chloe_id = hs.admin().contact_by_email(chloe).unwrap();
    hs.admin()
        .update_as_user(
            ObjectKind::Contact,
            chloe_id,
            &[("lifecyclestage", "marketingqualifiedlead")],
        )
        .unwrap();
    let second = engine.run_once(PullMode::Incremental, &cancel, &NoObserver).await;
    assert!(!second.has_errors(), "{second:#?}");
    // Sales gets a Lead for her, carrying how deeply she engaged: her first counted touch is the
    // webinar registration (2026-02-12, campaign "Webinar – Speed to lead"), and she watched 720 s
    // of the 60-minute webinar: 12 of 60 minutes.
    let leads = sf_leads(&sf, chloe);
    assert_eq!(leads.len(), 1, "exactly one Lead is created");
    let lead = &leads[0];
    assert_eq!(
        lead["First_Touch_Campaign__c"],
        "Webinar – Speed to lead: why the first hour matters"
    );
    let depth = lead["Conversion_Content_Depth__c"].as_str().unwrap_or_default();
    assert!(depth.contains("12") && depth.contains("60"), "depth {depth:?}");
    assert!(
        lead["Closedloop_Person_Id__c"].as_str().is_some_and(|v| !v.is_empty()),
        "created by upsert on the person id"
    );

    // Cycle 3 reads the new Lead back. Its status ("Open - Not Contacted") is news for marketing:
    // HubSpot learns sales now has her, and both sides record that the lead is with sales.
    let third = engine.run_once(PullMode::Incremental, &cancel, &NoObserver).await;
    assert!(!third.has_errors(), "{third:#?}");
    let props = hubspot_props(&hs, chloe);
    assert_eq!(props["hs_lead_status"], "NEW");
    assert_eq!(props["closedloop_owner_side"], "sales");
    assert_eq!(
        sf_leads(&sf, chloe).len(),
        1,
        "reading the Lead back creates no second one"
    );

    // Cycle 4 reads back what closedloop wrote: nothing is a change, nothing is pushed again.
    let fourth = engine.run_once(PullMode::Incremental, &cancel, &NoObserver).await;
    assert!(!fourth.has_errors(), "{fourth:#?}");
    let enqueued = fourth.reconcile.as_ref().map(|r| r.enqueued).unwrap_or(0);
    let pushed: u64 = fourth.pushes.iter().map(|p| p.written + p.created).sum();
    assert_eq!((enqueued, pushed), (0, 0), "no echo: {fourth:#?}");
    assert_eq!(sf_leads(&sf, chloe).len(), 1);

    engine.store.close().await;
    hs.shutdown().await;
    sf.shutdown().await;
}
