//! OAuth grants, session expiry and refresh, the daily quota with `Sforce-Limit-Info`, injected
//! faults in Salesforce's shapes, API versions and unknown routes.

mod salesforce_support;

use base64::Engine;
use closedloop_sim::FaultConfig;
use hmac::{KeyInit, Mac};
use salesforce_support::{Sf, leads_scenario};
use serde_json::{Value, json};

async fn token(sf: &Sf, form: &[(&str, &str)]) -> (u16, Value) {
    let r = sf
        .http
        .post(format!("{}/services/oauth2/token", sf.server.base_url()))
        .form(form)
        .send()
        .await
        .expect("token call");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn get_with(sf: &Sf, bearer: &str) -> salesforce_support::Reply {
    let r = sf
        .http
        .get(sf.url("limits"))
        .bearer_auth(bearer)
        .send()
        .await
        .expect("sent");
    let status = r.status();
    let headers = r.headers().clone();
    salesforce_support::Reply {
        status,
        headers,
        body: r.json().await.unwrap_or(Value::Null),
    }
}

#[tokio::test]
async fn oauth_grants_issue_sessions_and_refuse_bad_credentials() {
    let scenario = leads_scenario(1, |_| 0);
    let s = &scenario.salesforce;
    let sf = Sf::start(&scenario).await;
    let (status, body) = token(
        &sf,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &s.client_id),
            ("client_secret", &s.client_secret),
            ("refresh_token", &s.refresh_token),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["instance_url"], sf.server.base_url());
    let access = body["access_token"].as_str().unwrap_or_default();
    assert!(access.starts_with("00D") && access.contains('!'), "{access}");
    let id = body["id"].as_str().unwrap_or_default();
    assert!(id.starts_with(&format!("{}/id/00D", sf.server.base_url())), "{id}");
    let issued_at = body["issued_at"].as_str().unwrap_or_default();
    assert!(
        issued_at.parse::<i64>().is_ok(),
        "issued_at is epoch milliseconds as a string"
    );
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(s.client_secret.as_bytes()).expect("key");
    mac.update(format!("{id}{issued_at}").as_bytes());
    assert_eq!(
        body["signature"],
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    );
    assert_eq!(get_with(&sf, access).await.status, 200, "the new session works");

    let (status, body) = token(
        &sf,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", &s.client_id),
            ("client_secret", &s.client_secret),
        ],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        get_with(&sf, body["access_token"].as_str().unwrap_or_default())
            .await
            .status,
        200
    );

    for (form, error) in [
        (vec![("grant_type", "password")], "unsupported_grant_type"),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", "wrong"),
                ("client_secret", s.client_secret.as_str()),
                ("refresh_token", s.refresh_token.as_str()),
            ],
            "invalid_client_id",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", s.client_id.as_str()),
                ("client_secret", "wrong"),
                ("refresh_token", s.refresh_token.as_str()),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", s.client_id.as_str()),
                ("refresh_token", s.refresh_token.as_str()),
            ],
            "invalid_client",
        ),
        (
            vec![
                ("grant_type", "refresh_token"),
                ("client_id", s.client_id.as_str()),
                ("client_secret", s.client_secret.as_str()),
                ("refresh_token", "stale"),
            ],
            "invalid_grant",
        ),
        (
            vec![
                ("grant_type", "client_credentials"),
                ("client_id", s.client_id.as_str()),
                ("client_secret", "wrong"),
            ],
            "invalid_client",
        ),
    ] {
        let (status, body) = token(&sf, &form).await;
        assert_eq!(status, 400, "{form:?}");
        assert_eq!(body["error"], error, "{form:?}: {body}");
        assert!(body["error_description"].is_string());
    }
    assert_eq!(
        sf.server.admin().api_usage().0,
        2,
        "token calls are not API calls; the two limits calls are"
    );
}

#[tokio::test]
async fn sessions_expire_and_refresh_brings_them_back() {
    let mut scenario = leads_scenario(1, |_| 0);
    scenario.salesforce.token_ttl_secs = Some(900);
    let s = scenario.salesforce.clone();
    let sf = Sf::start(&scenario).await;
    assert_eq!(sf.get("limits").await.status, 200);
    sf.server.admin().advance_clock(899);
    assert_eq!(sf.get("limits").await.status, 200, "still inside the TTL");
    sf.server.admin().advance_clock(2);
    let r = sf.get("limits").await;
    assert_eq!(r.status, 401);
    assert_eq!(
        r.body,
        json!([{"message": "Session expired or invalid", "errorCode": "INVALID_SESSION_ID"}])
    );
    assert!(
        r.headers.get("Sforce-Limit-Info").is_none(),
        "rejected sessions cost nothing"
    );
    let (_, body) = token(
        &sf,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &s.client_id),
            ("client_secret", &s.client_secret),
            ("refresh_token", &s.refresh_token),
        ],
    )
    .await;
    let fresh = body["access_token"].as_str().unwrap_or_default().to_owned();
    assert_eq!(get_with(&sf, &fresh).await.status, 200);

    let r = sf.admin_post("/__sim/tokens/expire", &json!({})).await;
    assert_eq!(r.status, 204);
    assert_eq!(get_with(&sf, &fresh).await.error_code(), "INVALID_SESSION_ID");
    let r = sf.http.get(sf.url("limits")).send().await.expect("sent");
    assert_eq!(r.status(), 401, "no Authorization header");
    let (_, body) = token(
        &sf,
        &[
            ("grant_type", "refresh_token"),
            ("client_id", &s.client_id),
            ("client_secret", &s.client_secret),
            ("refresh_token", &s.refresh_token),
        ],
    )
    .await;
    let again = body["access_token"].as_str().unwrap_or_default();
    let r = sf
        .http
        .get(sf.url("limits"))
        .header("Authorization", format!("OAuth {again}"))
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 200, "the OAuth scheme is accepted too");
}

#[tokio::test]
async fn the_daily_quota_counts_every_call_and_refuses_when_spent() {
    let mut scenario = leads_scenario(3, |i| i as i64);
    scenario.salesforce.daily_limit = Some(5);
    let sf = Sf::start(&scenario).await;
    for n in 1..=4 {
        let r = sf.query("SELECT Id FROM Lead").await;
        assert_eq!(
            r.headers.get("Sforce-Limit-Info").and_then(|v| v.to_str().ok()),
            Some(format!("api-usage={n}/5").as_str())
        );
    }
    let r = sf.query("SELECT Nope FROM Lead").await;
    assert_eq!(r.status, 400);
    assert_eq!(
        r.headers["Sforce-Limit-Info"], "api-usage=5/5",
        "failed calls count too"
    );
    let r = sf.get("limits").await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        json!([{"message": "TotalRequests Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    );
    assert_eq!(r.headers["Sforce-Limit-Info"], "api-usage=5/5");
    sf.server.restore_daily_quota();
    let r = sf.get("limits").await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["DailyApiRequests"], json!({"Max": 5, "Remaining": 4}));

    let unlimited = Sf::start(&leads_scenario(1, |_| 0)).await;
    assert_eq!(unlimited.get("limits").await.status, 200);
    let r = unlimited.admin_post("/__sim/quota/exhaust", &json!({})).await;
    assert_eq!(r.status, 204);
    assert_eq!(unlimited.get("limits").await.error_code(), "REQUEST_LIMIT_EXCEEDED");
    unlimited.admin_post("/__sim/quota/restore", &json!({})).await;
    assert_eq!(unlimited.get("limits").await.status, 200);
}

#[tokio::test]
async fn injected_faults_look_like_salesforce_and_spare_admin_routes() {
    let sf = Sf::start(&leads_scenario(1, |_| 0)).await;
    sf.server.set_faults(FaultConfig {
        rate_429: 1.0,
        ..FaultConfig::default()
    });
    let r = sf.get("limits").await;
    assert_eq!(r.status, 403);
    assert_eq!(
        r.body,
        json!([{"message": "ConcurrentPerOrgLongTxn Limit exceeded.", "errorCode": "REQUEST_LIMIT_EXCEEDED"}])
    );
    sf.server.set_faults(FaultConfig {
        rate_500: 1.0,
        ..FaultConfig::default()
    });
    let r = sf.get("limits").await;
    assert_eq!((r.status.as_u16(), r.error_code()), (500, "UNKNOWN_EXCEPTION"));
    sf.server.set_faults(FaultConfig {
        rate_502: 1.0,
        ..FaultConfig::default()
    });
    let r = sf
        .http
        .get(sf.url("limits"))
        .bearer_auth(&sf.token)
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), 502);
    assert!(
        r.text().await.unwrap_or_default().contains("Bad Gateway"),
        "502 comes from the load balancer as HTML"
    );
    sf.server.set_faults(FaultConfig {
        rate_503: 1.0,
        ..FaultConfig::default()
    });
    assert_eq!(sf.get("limits").await.error_code(), "SERVER_UNAVAILABLE");
    let stats = sf
        .http
        .get(format!("{}/__sim/stats", sf.server.base_url()))
        .send()
        .await
        .expect("stats");
    assert_eq!(stats.status(), 200, "admin routes never fault");
    let stats: Value = stats.json().await.unwrap_or_default();
    assert_eq!(stats["requests_total"], 4);
    assert_eq!(
        sf.server.admin().api_usage().0,
        0,
        "faults happen before the API counts the call"
    );
    sf.server.set_faults(FaultConfig::default());
    assert_eq!(sf.get("limits").await.status, 200);
}

#[tokio::test]
async fn the_tls_listener_is_verifiable_with_the_certificate_it_hands_out() {
    let scenario = leads_scenario(2, |i| i as i64);
    let s = &scenario.salesforce;
    let any = "127.0.0.1:0".parse().expect("addr");
    let server = closedloop_sim::salesforce::start(&scenario, any, Some(any))
        .await
        .expect("starts with tls");
    let tls = server.tls_base_url().expect("tls url").to_owned();
    assert!(tls.starts_with("https://127.0.0.1:"));
    let pem = std::fs::read(server.cert_pem_path().expect("cert path")).expect("cert file");
    let client = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&pem).expect("pem")])
        .build()
        .expect("client");
    let r = client
        .post(format!("{tls}/services/oauth2/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &s.client_id),
            ("client_secret", &s.client_secret),
        ])
        .send()
        .await
        .expect("verified tls handshake");
    let body: Value = r.json().await.unwrap_or_default();
    assert_eq!(
        body["instance_url"],
        tls.as_str(),
        "instance_url names the listener asked"
    );
    let r = client
        .get(format!("{tls}/services/data/v59.0/query/"))
        .query(&[("q", "SELECT COUNT() FROM Lead")])
        .bearer_auth(body["access_token"].as_str().unwrap_or_default())
        .send()
        .await
        .expect("query over tls");
    assert_eq!(r.json::<Value>().await.unwrap_or_default()["totalSize"], 2);
    let untrusting = reqwest::Client::builder().tls_certs_only([]).build().expect("client");
    assert!(
        untrusting.get(format!("{tls}/services/data")).send().await.is_err(),
        "the certificate is not trusted by default"
    );
    let path = server.cert_pem_path().map(std::path::Path::to_path_buf).expect("path");
    server.shutdown().await;
    assert!(!path.exists(), "the certificate file is removed on shutdown");
}

#[tokio::test]
async fn versions_and_unknown_routes() {
    let sf = Sf::start(&leads_scenario(1, |_| 0)).await;
    let r = sf
        .http
        .get(format!("{}/services/data/", sf.server.base_url()))
        .send()
        .await
        .expect("sent");
    let versions: Value = r.json().await.unwrap_or_default();
    let list = versions.as_array().cloned().unwrap_or_default();
    assert_eq!(list.first().map(|v| v["version"].clone()), Some(json!("52.0")));
    assert_eq!(
        list.last().cloned(),
        Some(json!({"label": "Winter '24", "url": "/services/data/v59.0", "version": "59.0"}))
    );
    let r = sf
        .send(
            sf.http
                .get(format!("{}/services/data/v51.0/limits", sf.server.base_url())),
        )
        .await;
    assert_eq!((r.status.as_u16(), r.error_code()), (404, "NOT_FOUND"));
    let r = sf
        .send(
            sf.http
                .get(format!("{}/services/data/v62.0/limits/", sf.server.base_url())),
        )
        .await;
    assert_eq!(r.status, 200, "newer versions and trailing slashes are fine");
    let r = sf.get("nothing/here").await;
    assert_eq!(
        r.body,
        json!([{"message": "The requested resource does not exist", "errorCode": "NOT_FOUND"}])
    );
    let r = sf.send(sf.http.put(sf.url("query"))).await;
    assert_eq!((r.status.as_u16(), r.error_code()), (405, "METHOD_NOT_ALLOWED"));
    let r = sf.get("").await;
    assert_eq!(r.body["query"], "/services/data/v59.0/query");
}
