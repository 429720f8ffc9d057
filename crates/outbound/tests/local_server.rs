//! The outbound client against a real HTTP server on loopback: real sockets, real resets and
//! timeouts, real token refreshes. Time is real here (timers cannot be paused under real I/O),
//! so retry delays are milliseconds and nothing asserts on elapsed time.

mod support;

use closedloop_core::secret::Secret;
use closedloop_outbound::vendor::{HubSpot, Salesforce};
use closedloop_outbound::{
    AccessToken, Endpoint, Error, OutboundClient, RefreshTokenGrant, Refresher, TokenSource, TransportKind,
};
use reqwest::StatusCode;
use std::time::Duration;
use support::{Received, Reply, Server, ok, quick_retries};

const LIST: Endpoint = Endpoint::read("list", &[]);
const CREATE: Endpoint = Endpoint::create("create", &[]);

fn client(server: &Server) -> OutboundClient {
    OutboundClient::builder(HubSpot, &server.url, TokenSource::static_token(Secret::new("pat-test")))
        .retry(quick_retries())
        .request_timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

#[tokio::test]
async fn a_429_then_200_succeeds_on_the_second_request() {
    let server = Server::start(|n, _| {
        if n == 1 {
            Reply::Status(429, vec![("retry-after", "0".into())], String::new())
        } else {
            ok()
        }
    })
    .await;
    let response = client(&server)
        .get("/crm/v3/objects/contacts", LIST)
        .send()
        .await
        .expect("retried");
    assert_eq!(
        (response.status(), response.call().attempts, server.count()),
        (StatusCode::OK, 2, 2)
    );
}

#[tokio::test]
async fn a_503_storm_ends_in_a_retriable_error_after_the_last_attempt() {
    let server = Server::start(|_, _| Reply::Status(503, vec![], "upstream unavailable".into())).await;
    let error = client(&server).get("/x", LIST).send().await.expect_err("storm");
    assert!(
        matches!(
            error,
            Error::Http {
                status: StatusCode::SERVICE_UNAVAILABLE,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.is_retriable());
    assert_eq!((error.call().map(|c| c.attempts), server.count()), (Some(4), 4));
    assert!(
        error
            .to_string()
            .ends_with("http 503 Service Unavailable: upstream unavailable"),
        "{error}"
    );
}

#[tokio::test]
async fn a_503_burst_shorter_than_the_attempts_succeeds() {
    let server = Server::start(|n, _| {
        if n <= 3 {
            Reply::Status(503, vec![], String::new())
        } else {
            ok()
        }
    })
    .await;
    let response = client(&server).get("/x", LIST).send().await.expect("fourth attempt");
    assert_eq!((response.call().attempts, server.count()), (4, 4));
}

#[tokio::test]
async fn a_body_reset_mid_stream_is_retried_for_reads_only() {
    let server = Server::start(|n, _| {
        if n == 1 {
            Reply::Reset
        } else {
            Reply::Status(200, vec![], r#"{"results":[]}"#.into())
        }
    })
    .await;
    let page: serde_json::Value = client(&server)
        .get("/x", LIST)
        .send_json()
        .await
        .expect("second attempt");
    assert_eq!(page, serde_json::json!({"results": []}));
    assert_eq!(server.count(), 2);

    let server = Server::start(|_, _| Reply::Reset).await;
    let error = client(&server)
        .post("/leads", CREATE)
        .json(&serde_json::json!({"Email": "a@b.c"}))
        .send()
        .await
        .expect_err("reset");
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: TransportKind::TruncatedBody,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.may_have_been_applied(), "the create may have happened");
    assert_eq!(server.count(), 1, "a create is not resent after a reset");
}

#[tokio::test]
async fn a_hang_past_the_timeout_fails_as_a_retriable_timeout() {
    let server = Server::start(|_, _| Reply::Hang).await;
    let client = OutboundClient::builder(HubSpot, &server.url, TokenSource::static_token(Secret::new("t")))
        .retry(closedloop_outbound::RetryPolicy {
            max_attempts: 2,
            ..quick_retries()
        })
        .request_timeout(Duration::from_millis(200))
        .build()
        .expect("client");
    let error = client.get("/x", LIST).send().await.expect_err("hangs");
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.is_retriable());
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn a_refused_connection_is_retried_then_reported() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    drop(listener);
    let client = OutboundClient::builder(HubSpot, url, TokenSource::static_token(Secret::new("t")))
        .retry(quick_retries())
        .build()
        .expect("client");
    let error = client.post("/leads", CREATE).send().await.expect_err("nothing listens");
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: TransportKind::Connect,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(
        error.call().map(|c| c.attempts),
        Some(4),
        "even a create is resent when nothing was sent"
    );
    assert!(!error.may_have_been_applied());
}

fn token_server(n_fresh: &'static str) -> impl Fn(usize, &Received) -> Reply + Send + Sync + 'static {
    move |_, request| {
        if request.path_and_query == "/oauth/v1/token" {
            return Reply::Status(
                200,
                vec![("content-type", "application/json".into())],
                format!(
                    r#"{{"access_token":"{n_fresh}","expires_in":1800,"refresh_token":"r2","token_type":"bearer"}}"#
                ),
            );
        }
        if request.authorization.as_deref() == Some(&format!("Bearer {n_fresh}")) {
            ok()
        } else {
            Reply::Status(
                401,
                vec![],
                r#"{"status":"error","category":"EXPIRED_AUTHENTICATION","message":"expired"}"#.into(),
            )
        }
    }
}

fn grant(server: &Server) -> RefreshTokenGrant {
    let url = format!("{}/oauth/v1/token", server.url).parse().expect("url");
    RefreshTokenGrant::new(url, "client-id", Secret::new("client-secret"), Secret::new("r1"))
}

#[tokio::test]
async fn an_expired_token_is_refreshed_at_the_token_endpoint_and_the_call_retried() {
    let server = Server::start(token_server("fresh")).await;
    let auth = TokenSource::oauth(grant(&server), Some(AccessToken::new(Secret::new("stale"), None)));
    let client = OutboundClient::builder(HubSpot, &server.url, auth)
        .retry(quick_retries())
        .build()
        .expect("client");
    client
        .get("/crm/v3/objects/contacts", LIST)
        .send()
        .await
        .expect("refreshed and retried");
    let received = server.received();
    let paths: Vec<&str> = received.iter().map(|r| r.path_and_query.as_str()).collect();
    assert_eq!(
        paths,
        [
            "/crm/v3/objects/contacts",
            "/oauth/v1/token",
            "/crm/v3/objects/contacts"
        ]
    );
    let form = &received[1].body;
    for field in [
        "grant_type=refresh_token",
        "client_id=client-id",
        "client_secret=client-secret",
        "refresh_token=r1",
    ] {
        assert!(form.contains(field), "{form}");
    }
    assert_eq!(received[2].authorization.as_deref(), Some("Bearer fresh"));
    assert!(
        received
            .iter()
            .all(|r| r.user_agent.as_deref() == Some(closedloop_outbound::client::USER_AGENT))
    );
}

#[tokio::test]
async fn a_rotated_refresh_token_is_used_for_the_next_refresh() {
    let server = Server::start(token_server("fresh")).await;
    let grant = grant(&server);
    let http = reqwest::Client::new();
    for _ in 0..2 {
        let token = grant.refresh(http.clone()).await.expect("refresh");
        assert_eq!(
            (token.secret.expose(), token.expires_in),
            ("fresh", Some(Duration::from_secs(1800)))
        );
        assert_eq!(token.extra.get("token_type"), Some(&serde_json::json!("bearer")));
        assert!(!token.extra.contains_key("refresh_token") && !token.extra.contains_key("access_token"));
    }
    let forms: Vec<String> = server.received().into_iter().map(|r| r.body).collect();
    assert!(
        forms[0].contains("refresh_token=r1") && forms[1].contains("refresh_token=r2"),
        "{forms:?}"
    );
}

#[tokio::test]
async fn a_revoked_refresh_token_fails_clearly_without_leaking_secrets() {
    let server = Server::start(|_, request| {
        if request.path_and_query == "/services/oauth2/token" {
            Reply::Status(
                400,
                vec![],
                r#"{"error":"invalid_grant","error_description":"expired access/refresh token"}"#.into(),
            )
        } else {
            Reply::Status(
                401,
                vec![],
                r#"[{"message":"Session expired or invalid","errorCode":"INVALID_SESSION_ID"}]"#.into(),
            )
        }
    })
    .await;
    let url = format!("{}/services/oauth2/token", server.url).parse().expect("url");
    let grant = RefreshTokenGrant::new(
        url,
        "cid",
        Secret::new("top-secret-client"),
        Secret::new("top-secret-refresh"),
    );
    let client = OutboundClient::builder(Salesforce, &server.url, TokenSource::oauth(grant, None))
        .retry(quick_retries())
        .build()
        .expect("client");
    let error = client
        .get("/services/data/v59.0/query", LIST)
        .query([("q", "SELECT Id FROM Lead")])
        .send()
        .await
        .expect_err("revoked");
    assert!(matches!(error, Error::Auth { .. }), "{error}");
    assert!(!error.is_retriable());
    let text = format!("{error} {error:?}");
    assert!(
        text.contains("token endpoint answered 400: invalid_grant: expired access/refresh token"),
        "{text}"
    );
    assert!(!text.contains("top-secret"), "{text}");
    assert_eq!(server.count(), 1, "no token, so the call itself was never sent");
}

#[tokio::test]
async fn an_oversized_body_is_refused_and_not_retried() {
    let server = Server::start(|_, _| Reply::Status(200, vec![], "x".repeat(4096))).await;
    let client = OutboundClient::builder(HubSpot, &server.url, TokenSource::static_token(Secret::new("t")))
        .retry(quick_retries())
        .max_body_bytes(1024)
        .build()
        .expect("client");
    let error = client.get("/x", LIST).send().await.expect_err("too large");
    assert!(
        matches!(
            error,
            Error::Transport {
                kind: TransportKind::BodyTooLarge,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn hubspot_validation_errors_carry_the_vendors_message() {
    let server = Server::start(|_, _| {
        Reply::Status(
            400,
            vec![("x-hubspot-correlation-id", "abc-123".into())],
            r#"{"status":"error","message":"Property values were not valid","category":"VALIDATION_ERROR"}"#.into(),
        )
    })
    .await;
    let error = client(&server)
        .post(
            "/crm/v3/objects/contacts/batch/update",
            Endpoint::idempotent_write("batch_update", &[]),
        )
        .json(&serde_json::json!({"inputs": []}))
        .send()
        .await
        .expect_err("400");
    let vendor = error.vendor_error().expect("parsed");
    assert_eq!(
        (
            vendor.code.as_deref(),
            vendor.message.as_deref(),
            vendor.correlation_id.as_deref()
        ),
        (
            Some("VALIDATION_ERROR"),
            Some("Property values were not valid"),
            Some("abc-123")
        )
    );
    assert_eq!(server.count(), 1);
}
