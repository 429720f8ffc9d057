//! What a connector declares and sends: [`Endpoint`] classes, the [`RequestBuilder`], the [`Response`].
//!
//! Holds no state beyond one request being built. An [`Endpoint`] is declared once per kind of
//! call (a `const` in the connector): its metrics name, the quota buckets it draws from, and
//! whether it is safe to send twice. Requests are built against it and sent through the
//! account's [`OutboundClient`]; their bodies are buffered so that every attempt sends the same bytes.

use super::OutboundClient;
use super::call::{self, Prepared};
use crate::error::{CallInfo, Error, body_prefix};
use bytes::Bytes;
use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::time::Duration;

/// A kind of call a connector makes: its name in metrics and logs, the quota buckets it draws
/// from, and whether it may be sent twice. Declare each once as a `const`:
///
/// ```
/// use closedloop_outbound::Endpoint;
/// use closedloop_outbound::vendor::hubspot::{SEARCH_BUCKET, TEN_SECOND_BUCKET};
///
/// const SEARCH: Endpoint = Endpoint::read("search", &[SEARCH_BUCKET]);
/// const BATCH_UPDATE: Endpoint = Endpoint::idempotent_write("batch_update", &[TEN_SECOND_BUCKET]);
/// const BATCH_CREATE: Endpoint = Endpoint::create("batch_create", &[TEN_SECOND_BUCKET]);
/// ```
///
/// Every call also counts against the plan's daily budget; buckets are the short windows only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Endpoint {
    name: &'static str,
    buckets: &'static [&'static str],
    idempotent: bool,
}

impl Endpoint {
    /// A read: safe to repeat (GETs, and POSTs that only read, such as search and batch read).
    pub const fn read(name: &'static str, buckets: &'static [&'static str]) -> Self {
        Endpoint {
            name,
            buckets,
            idempotent: true,
        }
    }

    /// A write that is safe to repeat: an update, an upsert by a unique key, an archive.
    pub const fn idempotent_write(name: &'static str, buckets: &'static [&'static str]) -> Self {
        Endpoint {
            name,
            buckets,
            idempotent: true,
        }
    }

    /// A write that is not safe to repeat (a create): resent only when the vendor certainly did
    /// not process it (connect errors, 408, 429, 503); after a timeout or another 5xx the error
    /// says [`Error::may_have_been_applied`].
    pub const fn create(name: &'static str, buckets: &'static [&'static str]) -> Self {
        Endpoint {
            name,
            buckets,
            idempotent: false,
        }
    }

    /// The name, used as the `endpoint` metrics label (keep it a short constant).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The quota buckets each attempt draws one permit from.
    pub const fn buckets(&self) -> &'static [&'static str] {
        self.buckets
    }

    /// Whether the request may be sent twice without harm.
    pub const fn is_idempotent(&self) -> bool {
        self.idempotent
    }
}

/// A request being built. Nothing is sent until [`RequestBuilder::send`].
#[must_use = "a request does nothing until it is sent"]
pub struct RequestBuilder {
    client: OutboundClient,
    method: Method,
    target: String,
    endpoint: Endpoint,
    query: Vec<(String, String)>,
    headers: HeaderMap,
    body: Option<Bytes>,
    timeout: Option<Duration>,
    problem: Option<String>,
}

impl RequestBuilder {
    pub(super) fn new(client: OutboundClient, method: Method, target: &str, endpoint: Endpoint) -> Self {
        RequestBuilder {
            client,
            method,
            target: target.to_owned(),
            endpoint,
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            timeout: None,
            problem: None,
        }
    }

    /// Appends query parameters (percent-encoded for you).
    pub fn query<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        self.query.extend(
            pairs
                .into_iter()
                .map(|(k, v)| (k.as_ref().to_owned(), v.as_ref().to_owned())),
        );
        self
    }

    /// Sets a header. `Authorization` is the client's and cannot be set here.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let parsed = HeaderName::try_from(name).ok().zip(HeaderValue::try_from(value).ok());
        match parsed {
            Some((name, _)) if name == AUTHORIZATION => {
                self.problem = Some("the authorization header is set by the client's token source".into());
            }
            Some((name, value)) => {
                self.headers.insert(name, value);
            }
            None => self.problem = Some(format!("invalid header {name:?}")),
        }
        self
    }

    /// Sends `body` as JSON.
    pub fn json<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => {
                self.body = Some(bytes.into());
                self.headers
                    .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
            }
            Err(e) => self.problem = Some(format!("cannot serialise the json body: {e}")),
        }
        self
    }

    /// Sends `pairs` as a form (`application/x-www-form-urlencoded`).
    pub fn form<K: AsRef<str>, V: AsRef<str>>(mut self, pairs: impl IntoIterator<Item = (K, V)>) -> Self {
        let encoded = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        self.body = Some(encoded.into());
        self.headers.insert(
            CONTENT_TYPE,
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        self
    }

    /// Overrides the client's per-attempt timeout for this request (a slow report, a large query).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Sends the request through quotas, auth and retries; returns the final 2xx response or the
    /// error that ended the call.
    pub async fn send(self) -> Result<Response, Error> {
        let inner = &self.client.inner;
        let prepared = Prepared {
            method: self.method,
            target: self.target,
            query: self.query,
            endpoint: self.endpoint,
            headers: self.headers,
            body: self.body,
            timeout: self.timeout.unwrap_or(inner.request_timeout),
            problem: self.problem,
        };
        call::execute(inner, prepared).await
    }

    /// Sends the request and decodes the JSON response into `T`. For responses without a body
    /// (HubSpot's 204 on archive), use [`RequestBuilder::send`].
    pub async fn send_json<T: DeserializeOwned>(self) -> Result<T, Error> {
        self.send().await?.json()
    }
}

/// A successful (2xx) response, fully read.
#[derive(Debug, Clone)]
pub struct Response {
    pub(super) status: StatusCode,
    pub(super) headers: HeaderMap,
    pub(super) body: Bytes,
    pub(super) call: CallInfo,
}

impl Response {
    /// The status (2xx; HubSpot's 207 multi-status included).
    pub fn status(&self) -> StatusCode {
        self.status
    }

    /// The response headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.headers
    }

    /// The body.
    pub fn body(&self) -> &Bytes {
        &self.body
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }

    /// The call that produced it (attempts included).
    pub fn call(&self) -> &CallInfo {
        &self.call
    }

    /// Decodes the body as JSON into `T`; the error names the path that failed
    /// (`results[3].properties: invalid type ...`).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, Error> {
        let mut deserializer = serde_json::Deserializer::from_slice(&self.body);
        serde_path_to_error::deserialize(&mut deserializer).map_err(|e| Error::Decode {
            call: Box::new(self.call.clone()),
            detail: e.to_string(),
            body_prefix: body_prefix(&self.body, 512),
        })
    }
}
