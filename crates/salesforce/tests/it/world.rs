//! A generated, realistic world (with hostile records): every stream pulled, the store holds
//! exactly what the org holds, and what could not be read is quarantined with its reason.

use crate::support::{Setup, World, drive_all};
use closedloop_sim::generator::{GenerateSpec, generate};
use std::collections::BTreeSet;

pub fn generated(spec: &str) -> closedloop_sim::Scenario {
    let spec: GenerateSpec = spec.parse().expect("generator spec");
    generate(&spec)
}

async fn quarantined(world: &World, stream: &str) -> BTreeSet<String> {
    world
        .column(
            &world.store,
            &format!("SELECT external_id FROM quarantine WHERE stream = '{stream}' AND resolved_at IS NULL"),
        )
        .await
        .into_iter()
        .collect()
}

fn person_activities(world: &World, object: &str) -> BTreeSet<String> {
    world
        .sim_query(&format!("SELECT Id, WhoId FROM {object}"), true)
        .iter()
        .filter(|r| {
            r["WhoId"]
                .as_str()
                .is_some_and(|w| w.starts_with("00Q") || w.starts_with("003"))
        })
        .filter_map(|r| r["Id"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn every_stream_holds_exactly_the_org_and_quarantines_the_rest() {
    let world = World::start(generated("contacts=800,seed=11,hostile=0.08")).await;
    let c = world.connector(&Setup::default());
    let outcomes = drive_all(&world.store, &c).await;
    assert_eq!(outcomes.len(), 7);

    for (table, object, stream) in [
        ("crm_leads", "Lead", "salesforce.leads"),
        ("crm_contacts", "Contact", "salesforce.contacts"),
        ("deals", "Opportunity", "salesforce.opportunities"),
        ("owners", "User", "salesforce.users"),
    ] {
        let stored = world.stored_ids(&world.store, table).await;
        let rejected = quarantined(&world, stream).await;
        let all = world.sim_ids(object, object != "User");
        assert!(stored.is_disjoint(&rejected), "{table}");
        let read: BTreeSet<String> = stored.union(&rejected).cloned().collect();
        assert!(
            all.is_subset(&read),
            "{object}: {} not read",
            all.difference(&read).count()
        );
        assert_eq!(
            stored.len() + rejected.iter().filter(|r| all.contains(*r)).count(),
            all.len(),
            "{table}"
        );
    }
    let mut activities = person_activities(&world, "Task");
    activities.extend(person_activities(&world, "Event"));
    let stored = world.stored_ids(&world.store, "sales_activities").await;
    let rejected = quarantined(&world, "salesforce.activities").await;
    assert_eq!(stored.len() + rejected.len(), activities.len());

    // The hostile records were turned away for what is wrong with them, in words.
    let reasons = world
        .column(
            &world.store,
            "SELECT reason FROM quarantine WHERE system = 'salesforce'",
        )
        .await;
    assert!(!reasons.is_empty());
    eprintln!("quarantine: {reasons:#?}\noutcomes: {outcomes:#?}");
    for reason in &reasons {
        let known = [
            "Email",
            "is not in salesforce.lead_status_map",
            "characters long",
            "is in the future",
        ];
        assert!(known.iter().any(|k| reason.contains(k)), "unexpected reason: {reason}");
    }
    let history = world
        .count(
            &world.store,
            "SELECT COUNT(*) FROM stage_changes WHERE kind = 'deal_stage'",
        )
        .await;
    let rows = world.sim_query("SELECT Id FROM OpportunityHistory", false).len() as i64;
    assert!(history > 0 && history <= rows, "{history} of {rows}");
    let responses = world
        .count(
            &world.store,
            "SELECT COUNT(*) FROM touchpoints WHERE kind = 'campaign_response'",
        )
        .await;
    let responded = world
        .sim_query("SELECT Id FROM CampaignMember WHERE HasResponded = true", false)
        .len() as i64;
    assert_eq!(responses, responded);
}
