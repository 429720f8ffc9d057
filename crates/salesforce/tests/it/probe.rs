//! `check-config --probe` against the simulator: a working setup passes; a broken one says what
//! is wrong, field by field.

use crate::support::{Setup, World, lead_person, scenario};
use closedloop_core::ObjectType;
use closedloop_core::rules::ReconcileRules;
use closedloop_salesforce::{FieldPlan, ProbeOutcome, SalesforceConnector};
use std::collections::BTreeMap;

fn world() -> closedloop_sim::Scenario {
    scenario(vec![lead_person(
        1,
        "2026-06-01T10:00:00Z",
        &[
            ("Open - Not Contacted", "2026-06-01T10:00:00Z"),
            ("Nurturing", "2026-06-02T10:00:00Z"),
        ],
    )])
}

#[tokio::test]
async fn a_working_setup_passes_the_probe() {
    let world = World::start(world()).await;
    let config = world.config(&Setup::default());
    let plan = FieldPlan::from_rules(&ReconcileRules::default(), &config);
    let connector = SalesforceConnector::new(&config, world.secrets(), plan.read.clone()).unwrap();
    let report = connector.probe(&plan).await;
    assert!(report.passed(), "{report}");
    assert!(
        report.checks.iter().any(|c| c.name == "stream lead_status_history"),
        "{report}"
    );
    assert_eq!(report.with_outcome(ProbeOutcome::Warning).count(), 0, "{report}");
    // Every pushed field was checked against the describe.
    assert!(
        report
            .checks
            .iter()
            .any(|c| c.name == "field Contact.Engagement_Summary__c" && c.outcome == ProbeOutcome::Ok)
    );
}

#[tokio::test]
async fn a_broken_setup_names_every_problem() {
    let world = World::start(world()).await;
    let mut config = world.config(&Setup::default());
    config.person_id_field = "First_Touch_Campaign__c".into();
    config.lead_status_map.remove("Nurturing");
    let mut plan = FieldPlan::from_rules(&ReconcileRules::default(), &config);
    plan.read
        .entry(ObjectType::Lead)
        .or_default()
        .push("No_Such_Field__c".into());
    plan.pushed
        .entry(ObjectType::Lead)
        .or_default()
        .push("IsConverted".into());
    let connector = SalesforceConnector::new(&config, world.secrets(), plan.read.clone()).unwrap();
    let report = connector.probe(&plan).await;
    assert!(!report.passed());
    let failed: BTreeMap<String, String> = report
        .with_outcome(ProbeOutcome::Failed)
        .map(|c| (c.name.clone(), c.detail.clone()))
        .collect();
    // The stream's own query fails on the missing field; the describe says which one.
    assert!(failed["stream leads"].contains("INVALID_FIELD"), "{report}");
    assert!(
        failed["field Lead.No_Such_Field__c"].contains("does not exist"),
        "{report}"
    );
    assert!(failed["field Lead.IsConverted"].contains("not updateable"), "{report}");
    assert!(
        failed["field Lead.First_Touch_Campaign__c"].contains("not an External ID"),
        "{report}"
    );
    let warnings: Vec<String> = report
        .with_outcome(ProbeOutcome::Warning)
        .map(|c| c.detail.clone())
        .collect();
    assert!(warnings.iter().any(|w| w.contains("Nurturing")), "{report}");

    let mut bad_auth = world.secrets();
    bad_auth.refresh_token = Some(closedloop_core::secret::Secret::new("revoked"));
    let connector = SalesforceConnector::new(&config, bad_auth, plan.read.clone()).unwrap();
    let report = connector.probe(&plan).await;
    assert_eq!(report.checks.len(), 1);
    assert!(report.checks[0].detail.contains("invalid_grant"), "{report}");
}
