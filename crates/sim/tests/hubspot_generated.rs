//! The named and generated scenarios load into the HubSpot simulator, and everything in them can
//! be read back through the API: every live contact, deal, form submission, webinar participation
//! and email event, with hostile values served as they are.

mod hubspot_support;

use closedloop_sim::Scenario;
use closedloop_sim::generator::{GenerateSpec, generate, named};
use hubspot_support::*;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::HashSet;

fn live(s: &Scenario) -> usize {
    s.people
        .iter()
        .filter(|p| {
            p.hubspot
                .as_ref()
                .is_some_and(|h| h.merged_into.is_none() && h.archived_at.is_none())
        })
        .count()
}

fn with_contact(s: &Scenario) -> impl Iterator<Item = &closedloop_sim::scenario::PersonSpec> {
    s.people.iter().filter(|p| p.hubspot.is_some())
}

/// Pages a list endpoint to the end, `page` at a time, and returns every result.
async fn all(sim: &Sim, path: &str, page: usize) -> Vec<Value> {
    let mut out = Vec::new();
    let sep = if path.contains('?') { '&' } else { '?' };
    let mut next = format!("{path}{sep}limit={page}");
    loop {
        let r = sim.get(&next).await;
        assert_eq!(r.status, StatusCode::OK, "{next}: {:?}", r.body);
        out.extend(r.body["results"].as_array().unwrap().iter().cloned());
        match r.body["paging"]["next"]["after"].as_str() {
            Some(after) => next = format!("{path}{sep}limit={page}&after={after}"),
            None => return out,
        }
    }
}

async fn check(scenario: &Scenario) {
    let sim = Sim::start(scenario).await;
    let contacts = all(
        &sim,
        "/crm/v3/objects/contacts?properties=email,lifecyclestage,firstname",
        100,
    )
    .await;
    assert_eq!(
        contacts.len(),
        live(scenario),
        "{}: every live contact is listed",
        scenario.name
    );
    for c in &contacts {
        assert!(
            c["properties"]
                .as_object()
                .unwrap()
                .values()
                .all(|v| v.is_string() || v.is_null())
        );
    }
    let deals = all(&sim, "/crm/v3/objects/deals", 100).await;
    assert_eq!(
        deals.len(),
        scenario.people.iter().map(|p| p.hubspot_deals.len()).sum::<usize>(),
        "{}: deals",
        scenario.name
    );

    // Search pages every live contact too, in windows of at most 10,000.
    let mut seen = 0usize;
    let mut last = 0u64;
    loop {
        // One window: the filter stays put while `after` pages; the next window restarts from
        // the last id seen, as a sync must to get past the 10,000 cap.
        let start = last;
        let mut after: Option<String> = None;
        let mut in_window = 0;
        loop {
            let mut body = json!({
                "filterGroups": [{ "filters": [{ "propertyName": "hs_object_id", "operator": "GT", "value": start.to_string() }] }],
                "sorts": ["hs_object_id"],
                "limit": 200,
            });
            if let Some(a) = &after {
                body["after"] = json!(a);
            }
            let r = sim.post("/crm/v3/objects/contacts/search", &body).await;
            assert_eq!(r.status, StatusCode::OK, "{:?}", r.body);
            let results = r.body["results"].as_array().unwrap();
            in_window += results.len();
            if let Some(id) = results.last().and_then(|x| x["id"].as_str()) {
                last = id.parse().unwrap();
            }
            match r.body["paging"]["next"]["after"].as_str() {
                Some(a) if a != "10000" => after = Some(a.to_owned()),
                _ => break,
            }
        }
        seen += in_window;
        if in_window < 10_000 {
            break;
        }
    }
    assert_eq!(seen, contacts.len(), "{}: search agrees with list", scenario.name);

    let form_touches: usize = with_contact(scenario)
        .flat_map(|p| &p.touchpoints)
        .filter(|t| t.kind == "form_submission")
        .filter(|t| {
            t.content.as_ref().is_some_and(|k| {
                scenario.content.iter().any(|c| {
                    &c.key == k && ["whitepaper", "ebook", "case_study", "demo", "form"].contains(&c.kind.as_str())
                })
            })
        })
        .count();
    let mut submissions = 0;
    for form in all(&sim, "/marketing/v3/forms", 50).await {
        let id = form["id"].as_str().unwrap();
        let mut path = format!("/form-integrations/v1/submissions/forms/{id}?limit=50");
        loop {
            let r = sim.get(&path).await;
            submissions += r.body["results"].as_array().unwrap().len();
            match r.body["paging"]["next"]["after"].as_str() {
                Some(a) => path = format!("/form-integrations/v1/submissions/forms/{id}?limit=50&after={a}"),
                None => break,
            }
        }
    }
    assert_eq!(submissions, form_touches, "{}: form submissions", scenario.name);

    let webinar_pairs: HashSet<(&str, &str)> = with_contact(scenario)
        .flat_map(|p| p.touchpoints.iter().map(move |t| (p, t)))
        .filter(|(_, t)| t.kind == "webinar")
        .filter_map(|(p, t)| {
            let key = t.content.as_deref()?;
            scenario
                .content
                .iter()
                .any(|c| c.key == key && c.kind == "webinar")
                .then_some((p.key.as_str(), key))
        })
        .collect();
    let mut participations = 0;
    for event in all(&sim, "/marketing/v3/marketing-events", 100).await {
        let id = event["objectId"].as_str().unwrap();
        let r = sim
            .get(&format!(
                "/marketing/v3/marketing-events/participations/{id}/breakdown?limit=1"
            ))
            .await;
        participations += r.body["total"].as_u64().unwrap() as usize;
    }
    assert_eq!(
        participations,
        webinar_pairs.len(),
        "{}: one participation per person and webinar",
        scenario.name
    );

    let email_touches = with_contact(scenario)
        .flat_map(|p| &p.touchpoints)
        .filter(|t| t.kind == "email_click" || t.kind == "email_open")
        .count();
    let mut email_events = 0;
    let mut offset = String::new();
    loop {
        let r = sim
            .get(&format!("/email/public/v1/events?limit=1000&offset={offset}"))
            .await;
        email_events += r.body["events"].as_array().unwrap().len();
        if r.body["hasMore"] != true {
            break;
        }
        offset = r.body["offset"].as_str().unwrap().to_owned();
    }
    assert_eq!(email_events, email_touches, "{}: email events", scenario.name);
    sim.server.shutdown().await;
}

#[tokio::test]
async fn the_named_scenarios_load_and_read_back() {
    for name in ["tiny", "hostile", "demo"] {
        let scenario = named(name).expect("a named scenario");
        check(&scenario).await;
    }
}

#[tokio::test]
async fn a_generated_world_loads_and_reads_back() {
    let spec = GenerateSpec::parse("contacts=3000,seed=11").expect("a valid spec");
    check(&generate(&spec)).await;
}
