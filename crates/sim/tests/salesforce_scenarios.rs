//! The shipped and generated scenarios load into the Salesforce simulator and make a coherent
//! org: every converted lead points at live records, every activity at a lead or contact, and
//! incremental pulls see modstamp ties.

mod salesforce_support;

use closedloop_sim::Scenario;
use closedloop_sim::generator::{GenerateSpec, generate, named};
use salesforce_support::Sf;
use serde_json::Value;
use std::collections::{HashMap, HashSet};

async fn check_coherent(name: &str, scenario: &Scenario) {
    let sf = Sf::start(scenario).await;
    let admin = sf.server.admin();
    let ids = |object: &str, all: bool| -> HashSet<String> {
        admin
            .query(&format!("SELECT Id FROM {object}"), all)
            .unwrap_or_default()
            .iter()
            .filter_map(|r| r["Id"].as_str().map(str::to_owned))
            .collect()
    };
    let (contacts, accounts, opportunities) = (ids("Contact", false), ids("Account", false), ids("Opportunity", false));
    let leads: HashSet<String> = ids("Lead", true);
    let converted = admin
        .query("SELECT Id, ConvertedContactId, ConvertedAccountId, ConvertedOpportunityId FROM Lead WHERE IsConverted = true", false)
        .unwrap_or_default();
    for lead in &converted {
        let points = |field: &str, set: &HashSet<String>| lead[field].as_str().is_none_or(|id| set.contains(id));
        assert!(points("ConvertedContactId", &contacts), "{name}: {lead}");
        assert!(points("ConvertedAccountId", &accounts), "{name}: {lead}");
        assert!(points("ConvertedOpportunityId", &opportunities), "{name}: {lead}");
        assert!(
            lead["ConvertedContactId"].is_string(),
            "{name}: a converted lead has a contact"
        );
    }
    for task in admin.query("SELECT WhoId FROM Task", false).unwrap_or_default() {
        let who = task["WhoId"].as_str().unwrap_or_default();
        assert!(leads.contains(who) || contacts.contains(who), "{name}: task on {who}");
    }
    let records: HashMap<String, usize> = sf.server.load_report().records.clone().into_iter().collect();
    let leads_loaded = records.get("Lead").copied().unwrap_or(0);
    let r = sf.query("SELECT COUNT() FROM Lead").await;
    assert_eq!(r.status, 200, "{name}: {}", r.body);
    assert!(r.body["totalSize"].as_u64().unwrap_or(0) as usize <= leads_loaded);
    // Every seeded lead's status history is in LeadHistory, in order.
    let history = admin
        .query(
            "SELECT LeadId, Field, CreatedDate FROM LeadHistory ORDER BY LeadId, CreatedDate, Id",
            true,
        )
        .unwrap_or_default();
    let created: HashSet<&str> = history
        .iter()
        .filter(|h| h["Field"] == "created")
        .filter_map(|h| h["LeadId"].as_str())
        .collect();
    assert_eq!(
        created.len(),
        leads_loaded,
        "{name}: one 'created' history row per lead"
    );
    let _: Vec<Value> = history;
    sf.server.shutdown().await;
}

#[tokio::test]
async fn the_named_scenarios_load_coherently() {
    for name in ["tiny", "hostile", "demo"] {
        let scenario = named(name).unwrap_or_else(|| panic!("named scenario {name}"));
        check_coherent(name, &scenario).await;
    }
}

#[tokio::test]
async fn generated_worlds_load_coherently_and_have_modstamp_ties() {
    let spec: GenerateSpec = "contacts=3000,seed=7".parse().expect("spec");
    let scenario = generate(&spec);
    check_coherent("generated", &scenario).await;
    let sf = Sf::start(&scenario).await;
    let stamps = sf
        .server
        .admin()
        .query("SELECT SystemModstamp FROM Lead", true)
        .unwrap_or_default();
    let mut counts: HashMap<String, usize> = HashMap::new();
    for s in &stamps {
        *counts
            .entry(s["SystemModstamp"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    assert!(counts.values().any(|n| *n > 1), "some leads share a SystemModstamp");
}
