//! What the outbound client logs: one span per call naming it, and never a token or secret query value.
//!
//! A binary of its own: `tracing` caches which callsites are enabled process-wide, so a test that
//! installs a subscriber for its thread is only reliable when no other test runs beside it.

mod support;

use closedloop_core::secret::Secret;
use closedloop_outbound::vendor::HubSpot;
use closedloop_outbound::{Endpoint, OutboundClient, TokenSource};
use std::sync::{Arc, Mutex};
use support::{Reply, Server, quick_retries};

/// Formatted log output, collected for inspection.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("log").extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn logs_name_the_call_but_never_the_token_or_secret_query_values() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_env_filter("closedloop_outbound=debug")
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Server::start(|n, _| {
        if n == 1 {
            Reply::Status(500, vec![], String::new())
        } else {
            Reply::Status(
                400,
                vec![],
                r#"{"status":"error","message":"bad","category":"VALIDATION_ERROR"}"#.into(),
            )
        }
    })
    .await;
    let client = OutboundClient::builder(
        HubSpot,
        &server.url,
        TokenSource::static_token(Secret::new("tok-very-secret")),
    )
    .retry(quick_retries())
    .build()
    .expect("client");
    let error = client
        .get("/crm/v3/objects/contacts", Endpoint::read("list", &[]))
        .query([("hapikey", "key-very-secret"), ("limit", "10")])
        .send()
        .await
        .expect_err("400");

    let logs = String::from_utf8(captured.0.lock().expect("log").clone()).expect("utf8");
    for expected in [
        "api_call",
        "endpoint=\"list\"",
        "target=/crm/v3/objects/contacts?hapikey=[redacted]&limit=10",
        "reason=\"server_error\"",
        "retrying",
        "attempts=2",
        "outcome=\"client_error\"",
    ] {
        assert!(logs.contains(expected), "missing {expected:?} in:\n{logs}");
    }
    for text in [logs.as_str(), &error.to_string(), &format!("{error:?}")] {
        assert!(!text.contains("very-secret"), "a secret leaked: {text}");
    }
    assert_eq!(
        server.received()[0].authorization.as_deref(),
        Some("Bearer tok-very-secret")
    );
}
