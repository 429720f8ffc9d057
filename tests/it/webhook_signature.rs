//! closedloop's HubSpot webhook signature (v3) agrees with HubSpot's own Python SDK.

use closedloop_service::webhook::sign_v3;
use closedloop_tests::python::run_contract_script;

#[test]
fn signatures_agree_with_hubspot_api_client() {
    let secret = "a-client-secret-5f2e";
    let now = chrono::Utc::now().timestamp_millis().to_string();
    let cases: Vec<serde_json::Value> = [
        (
            "POST",
            "https://closedloop.example.com/webhooks/hubspot",
            r#"[{"eventId":1,"subscriptionType":"contact.propertyChange","objectId":101}]"#,
        ),
        (
            "POST",
            "https://closedloop.example.com/webhooks/hubspot?portalId=4242424",
            "[]",
        ),
        (
            "POST",
            "http://127.0.0.1:9464/webhooks/hubspot",
            r#"[{"objectId":7,"subscriptionType":"deal.creation","propertyValue":"ünïcödé"}]"#,
        ),
    ]
    .into_iter()
    .map(|(method, uri, body)| {
        serde_json::json!({
            "method": method,
            "uri": uri,
            "body": body,
            "timestamp": now,
            "signature": sign_v3(secret.as_bytes(), method, uri, body.as_bytes(), &now),
        })
    })
    .collect();
    run_contract_script(
        "hubspot_webhook_signature.py",
        &[
            ("CLOSEDLOOP_SIGNED", serde_json::to_string(&cases).unwrap()),
            ("CLOSEDLOOP_SECRET", secret.to_owned()),
        ],
    );
}
