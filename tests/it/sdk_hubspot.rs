//! Contract test: HubSpot's official Python SDK (`hubspot-api-client`) against the HubSpot
//! simulator. The world is built here so the script's expectations follow from it; the script
//! (`tests/contract/hubspot_sdk.py`) pages, searches, batch-writes, reads pipelines, owners,
//! properties, participations, associations and events, and provokes 4xx and 429s — through the
//! SDK with nothing patched but its `host`.

use closedloop_sim::Scenario;
use closedloop_sim::hubspot;
use closedloop_tests::python::run_contract_script;
use serde_json::{Value, json};

const PEOPLE: usize = 230;
/// Archived before the test starts: must not be paged.
const ARCHIVED: usize = 7;

fn at(hours: usize) -> String {
    format!("2024-01-{:02}T{:02}:00:00Z", 1 + hours / 24, hours % 24)
}

fn stage_of(i: usize) -> &'static str {
    ["lead", "marketingqualifiedlead", "subscriber"][i % 3]
}

/// The world, and what the script should find in it: (contacts, deals, leads, participations).
fn world() -> (Scenario, usize, usize, usize, usize) {
    let mut people = Vec::new();
    let (mut contacts, mut deals, mut leads, mut participations) = (0, 0, 0, 0);
    for i in 0..PEOPLE {
        let archived = i == ARCHIVED;
        let mut touches =
            vec![json!({ "kind": "page_view", "at": at(i + 1), "url": format!("https://www.acme.test/p/{}", i % 7) })];
        if i % 2 == 0 {
            let attended = i % 4 == 0;
            let mut attendance = json!({ "state": if attended { "ATTENDED" } else { "NO_SHOW" } });
            if attended {
                attendance["duration_seconds"] = json!((i % 60 + 1) * 60);
            }
            touches.push(
                json!({ "kind": "webinar", "at": "2024-02-01T16:00:00Z", "content": "w1", "attendance": attendance }),
            );
            participations += 1;
        }
        let mut hs_deals = Vec::new();
        if i % 4 == 1 {
            hs_deals.push(json!({
                "name": format!("Deal {i}"),
                "amount": format!("{}", 1000 + i * 10),
                "created_at": at(i + 30),
                "stages": [{ "stage": "appointmentscheduled", "at": at(i + 30) }, { "stage": if i % 8 == 1 { "closedwon" } else { "qualifiedtobuy" }, "at": at(i + 60) }],
                "owner": format!("o{}", i % 3),
            }));
            deals += 1;
        }
        let mut contact = json!({
            "created_at": at(i),
            "lifecycle": [{ "stage": stage_of(i), "at": at(i) }],
            "source": "PAID_SEARCH",
            "owner": format!("o{}", i % 3),
        });
        if archived {
            contact["archived_at"] = json!("2024-03-01T00:00:00Z");
        } else {
            contacts += 1;
            if stage_of(i) == "lead" {
                leads += 1;
            }
        }
        people.push(json!({
            "key": format!("p{i}"),
            "email": format!("person{i}@acme{}.test", i % 5),
            "first_name": format!("First{i}"),
            "last_name": format!("Last{i}"),
            "company": format!("Acme {}", i % 5),
            "hubspot": contact,
            "touchpoints": touches,
            "hubspot_deals": hs_deals,
        }));
    }
    let owners: Vec<Value> = (0..3)
        .map(|i| json!({ "key": format!("o{i}"), "email": format!("owner{i}@corp.test"), "first_name": format!("Owner{i}"), "last_name": "Sim", "sales": true }))
        .collect();
    let scenario = json!({
        "name": "sdk contract",
        "owners": owners,
        "campaigns": [{ "key": "c1", "name": "Webinars", "channel": "email" }],
        "content": [{ "key": "w1", "kind": "webinar", "title": "Attribution 101", "campaign": "c1", "duration_minutes": 60, "starts_at": "2024-02-01T16:00:00Z" }],
        "people": people,
    });
    let scenario =
        Scenario::from_json(&scenario.to_string(), "sdk_hubspot.rs").expect("the contract world is a valid scenario");
    (scenario, contacts, deals, leads, participations)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hubspot_python_sdk_agrees_with_the_simulator() {
    let (scenario, contacts, deals, leads, participations) = world();
    let server = hubspot::start(&scenario, "127.0.0.1:0".parse().expect("loopback address"))
        .await
        .expect("simulator starts");
    let env = vec![
        ("HUBSPOT_BASE_URL", server.base_url()),
        ("HUBSPOT_TOKEN", scenario.hubspot.access_token.clone()),
        ("EXPECTED_CONTACTS", contacts.to_string()),
        ("EXPECTED_DEALS", deals.to_string()),
        ("EXPECTED_LEADS", leads.to_string()),
        ("EXPECTED_ATTENDEES", participations.to_string()),
    ];
    // The script blocks; the simulator keeps serving on the runtime's other worker.
    tokio::task::spawn_blocking(move || run_contract_script("hubspot_sdk.py", &env))
        .await
        .expect("contract script ran");
    let stats = server.admin().stats();
    assert!(
        stats.requests_total > 20,
        "the SDK really talked to the simulator: {stats:?}"
    );
    server.shutdown().await;
}
