//! Contract test: Salesforce's most used Python SDK (`simple-salesforce`) against the Salesforce
//! simulator over TLS. The world is built here so the script's expectations follow from it; the
//! script (`tests/contract/salesforce_sdk.py`) pages SOQL with `query`/`query_more`/`query_all`,
//! reads, creates, updates, upserts and deletes sObjects, writes through `composite/sobjects`,
//! reads describe, limits and the replication endpoints, and provokes 400, 401, 403, 404, 300 and
//! 500 to see the SDK's own exception types — with nothing patched but the instance and session.

use closedloop_sim::Scenario;
use closedloop_sim::salesforce;
use closedloop_tests::python::run_contract_script;
use serde_json::{Value, json};

const LEADS: usize = 2_345;
const DELETED: usize = 5;

fn at(minutes: usize) -> String {
    format!(
        "2024-03-{:02}T{:02}:{:02}:00Z",
        1 + minutes / 1440,
        (minutes / 60) % 24,
        minutes % 60
    )
}

/// The world: `LEADS` live leads (bulk-loaded in groups sharing a timestamp), `DELETED` leads
/// deleted two days ago, and two leads sharing a non-unique external id.
fn world() -> Scenario {
    let deleted_at = (chrono::Utc::now() - chrono::Duration::days(2)).to_rfc3339();
    let people: Vec<Value> = (0..LEADS + DELETED)
        .map(|i| {
            let mut fields = json!({});
            if i < 2 {
                fields["Legacy_Key__c"] = json!("dup");
            }
            let mut lead = json!({
                "created_at": at(i / 100),
                "statuses": [{"stage": "Open - Not Contacted", "at": at(i / 100)}],
                "lead_source": "Web",
                "owner": "rep",
                "fields": fields,
            });
            if i >= LEADS {
                lead["deleted_at"] = json!(deleted_at);
            }
            json!({
                "key": format!("p{i}"),
                "email": format!("lead{i}@example.com"),
                "first_name": format!("First{i}"),
                "last_name": if i == 7 { "O'Brien".to_owned() } else { format!("Last{i}") },
                "company": format!("Company {}", i % 40),
                "salesforce": {"leads": [lead]},
            })
        })
        .collect();
    let scenario = json!({
        "name": "salesforce sdk contract",
        "owners": [{"key": "rep", "email": "rep@corp.test", "first_name": "Rita", "last_name": "Rep", "sales": true}],
        "salesforce": {
            "custom_fields": {"Lead": [
                {"name": "Unqualified_Reason__c", "label": "Unqualified Reason", "type": "string"},
                {"name": "Closedloop_Id__c", "label": "Closedloop Id", "type": "string"},
                {"name": "Legacy_Key__c", "label": "Legacy Key", "type": "string"},
                {"name": "First_Touch__c", "label": "First Touch", "type": "string"},
            ]},
            "external_id_fields": {"Lead": ["Closedloop_Id__c", "Legacy_Key__c"]},
            "unique_fields": {"Lead": ["Closedloop_Id__c"]},
        },
        "people": people,
    });
    Scenario::from_json(&scenario.to_string(), "sdk_salesforce.rs").expect("the contract world is a valid scenario")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn simple_salesforce_agrees_with_the_simulator() {
    let scenario = world();
    let server = salesforce::start(
        &scenario,
        "127.0.0.1:0".parse().expect("loopback"),
        Some("127.0.0.1:0".parse().expect("loopback")),
    )
    .await
    .expect("simulator starts");
    let settings = &scenario.salesforce;
    let env = vec![
        ("SF_TLS_URL", server.tls_base_url().unwrap_or_default().to_owned()),
        ("SF_HTTP_URL", server.base_url().to_owned()),
        (
            "SF_CERT",
            server
                .cert_pem_path()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
        ),
        ("SF_TOKEN", server.access_token()),
        ("SF_CLIENT_ID", settings.client_id.clone()),
        ("SF_CLIENT_SECRET", settings.client_secret.clone()),
        ("SF_REFRESH_TOKEN", settings.refresh_token.clone()),
        ("EXPECTED_LEADS", LEADS.to_string()),
        ("EXPECTED_DELETED", DELETED.to_string()),
    ];
    // The script blocks; the simulator keeps serving on the runtime's other worker.
    tokio::task::spawn_blocking(move || run_contract_script("salesforce_sdk.py", &env))
        .await
        .expect("contract script ran");
    let stats = server.stats();
    assert!(
        stats.requests_total > 20,
        "the SDK really talked to the simulator: {stats:?}"
    );
    server.shutdown().await;
}
