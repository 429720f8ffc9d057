//! A tiny scripted HTTP server on 127.0.0.1:0 for the outbound client's integration tests.
//!
//! State: the handler that decides each request's reply from its number and contents, and the
//! log of every request received (method, path and query, bearer token, user agent, body), so
//! tests count requests and inspect what was sent.

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::Response;
use closedloop_outbound::RetryPolicy;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// What the server does with one request.
#[allow(dead_code)]
pub enum Reply {
    /// A status with headers and a body.
    Status(u16, Vec<(&'static str, String)>, String),
    /// A 200 whose body breaks off after a few bytes (a connection reset mid-body).
    Reset,
    /// Never answers.
    Hang,
}

/// `200 {}`.
#[allow(dead_code)]
pub fn ok() -> Reply {
    Reply::Status(200, vec![], "{}".into())
}

/// One request as the server received it.
#[derive(Debug, Clone)]
#[allow(dead_code)]
pub struct Received {
    pub method: String,
    pub path_and_query: String,
    pub authorization: Option<String>,
    pub user_agent: Option<String>,
    pub body: String,
}

type Handler = Box<dyn Fn(usize, &Received) -> Reply + Send + Sync>;

struct Inner {
    handler: Handler,
    log: Mutex<Vec<Received>>,
}

/// A running server.
pub struct Server {
    /// `http://127.0.0.1:PORT`.
    pub url: String,
    inner: Arc<Inner>,
}

#[allow(dead_code)]
impl Server {
    /// Starts a server whose replies come from `handler(request number from 1, request)`.
    pub async fn start(handler: impl Fn(usize, &Received) -> Reply + Send + Sync + 'static) -> Server {
        let inner = Arc::new(Inner {
            handler: Box::new(handler),
            log: Mutex::new(Vec::new()),
        });
        let app = Router::new().fallback(handle).with_state(Arc::clone(&inner));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        tokio::spawn(async move { axum::serve(listener, app).await });
        Server { url, inner }
    }

    /// Requests received so far.
    pub fn count(&self) -> usize {
        self.inner.log.lock().expect("log").len()
    }

    /// Requests received so far, in order.
    pub fn received(&self) -> Vec<Received> {
        self.inner.log.lock().expect("log").clone()
    }
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let received = Received {
        method: method.to_string(),
        path_and_query: uri.path_and_query().map(|p| p.to_string()).unwrap_or_default(),
        authorization: header("authorization"),
        user_agent: header("user-agent"),
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let n = {
        let mut log = inner.log.lock().expect("log");
        log.push(received.clone());
        log.len()
    };
    match (inner.handler)(n, &received) {
        Reply::Status(code, pairs, body) => {
            let mut response = Response::new(Body::from(body));
            *response.status_mut() = StatusCode::from_u16(code).expect("status");
            for (name, value) in pairs {
                response
                    .headers_mut()
                    .insert(name, value.parse().expect("header value"));
            }
            response
        }
        Reply::Reset => {
            use futures::StreamExt;
            // The pause lets the head and first chunk reach the client before the reset, so the
            // client sees a body that breaks off (without it, it may see no response at all).
            let head = futures::stream::iter([Ok::<_, std::io::Error>(Bytes::from_static(b"{\"results\":[{\"id\":"))]);
            let reset = futures::stream::once(async {
                tokio::time::sleep(Duration::from_millis(50)).await;
                Err(std::io::Error::new(
                    std::io::ErrorKind::ConnectionReset,
                    "simulated reset",
                ))
            });
            let mut response = Response::new(Body::from_stream(head.chain(reset)));
            response
                .headers_mut()
                .insert("content-type", "application/json".parse().expect("header"));
            response
        }
        Reply::Hang => futures::future::pending().await,
    }
}

/// Fast retries for real-time tests: 4 attempts, 5 to 20 ms apart.
#[allow(dead_code)]
pub fn quick_retries() -> RetryPolicy {
    RetryPolicy {
        max_attempts: 4,
        initial_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(20),
        max_total_delay: Duration::from_secs(10),
        full_jitter: true,
        jitter_seed: None,
    }
}
