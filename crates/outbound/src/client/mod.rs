//! The client of one connector account: [`OutboundClient`] and its [`ClientBuilder`].
//!
//! State: the account's one `reqwest::Client` (connection pool, connect timeout, user agent), its
//! quotas, token source, retry policy and an optional cap on requests in flight. Cloning an
//! [`OutboundClient`] is cheap and shares all of it, so every stream of a connector account uses
//! one client and one quota.
//!
//! - [`request`]: endpoint classes, the request builder and the response.
//! - [`call`]: the loop every call runs: permit, token, send with timeout, classify, retry.

mod call;
mod request;
#[cfg(test)]
mod tests;

pub use request::{Endpoint, RequestBuilder, Response};

use crate::auth::TokenSource;
use crate::quota::{QuotaPlan, QuotaStatus, Quotas};
use crate::retry::RetryPolicy;
use crate::transport::{ReqwestTransport, Transport};
use crate::vendor::Vendor;
use chrono::Utc;
use reqwest::Method;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;
use url::Url;

/// The user agent every request carries.
pub const USER_AGENT: &str = concat!("closedloop/", env!("CARGO_PKG_VERSION"));

/// Why a client could not be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The base URL does not parse.
    #[error("invalid base url {url:?}: {source}")]
    BaseUrl {
        /// The URL given.
        url: String,
        /// Why it does not parse.
        source: url::ParseError,
    },
    /// The base URL is not a plain http(s) origin.
    #[error("base url {0:?} must be an http or https url without credentials, query or fragment")]
    BaseUrlShape(String),
    /// A root certificate does not parse.
    #[error("invalid root certificate: {0}")]
    Certificate(#[source] reqwest::Error),
    /// The HTTP client could not be built (TLS back-end initialisation).
    #[error("cannot build the http client: {0}")]
    Http(#[source] reqwest::Error),
    /// A setting is out of range.
    #[error("invalid setting: {0}")]
    Setting(String),
    /// An endpoint names a bucket the quota plan lacks.
    #[error("endpoint {endpoint:?} draws from bucket {bucket:?}, which the quota plan lacks")]
    UnknownBucket {
        /// The endpoint class.
        endpoint: &'static str,
        /// The bucket it names.
        bucket: &'static str,
    },
}

/// The outbound client of one connector account. Clone it freely; clones share everything.
#[derive(Clone)]
pub struct OutboundClient {
    inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) connector: Arc<str>,
    pub(crate) vendor: Arc<dyn Vendor>,
    pub(crate) base_url: Url,
    pub(crate) http: reqwest::Client,
    pub(crate) transport: Arc<dyn Transport>,
    pub(crate) quotas: Quotas,
    pub(crate) retry: RetryPolicy,
    pub(crate) auth: TokenSource,
    pub(crate) request_timeout: Duration,
    pub(crate) max_body_bytes: usize,
    pub(crate) in_flight: Option<Semaphore>,
}

impl fmt::Debug for OutboundClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutboundClient")
            .field("connector", &self.inner.connector)
            .field("vendor", &self.inner.vendor.name())
            .field("base_url", &self.inner.base_url.as_str())
            .finish_non_exhaustive()
    }
}

impl OutboundClient {
    /// Starts building the client of one account of `vendor`, at `base_url` (an origin such as
    /// `https://api.hubapi.com`, or a simulator's `http://127.0.0.1:PORT`), authenticated by `auth`.
    pub fn builder(vendor: impl Vendor, base_url: impl Into<String>, auth: TokenSource) -> ClientBuilder {
        ClientBuilder {
            connector: vendor.name().to_owned(),
            vendor: Arc::new(vendor),
            base_url: base_url.into(),
            auth,
            quota: QuotaPlan::new(),
            retry: RetryPolicy::default(),
            connect_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(30),
            max_in_flight: Some(8),
            max_body_bytes: 64 * 1024 * 1024,
            root_certificates_pem: Vec::new(),
            transport: None,
        }
    }

    /// A GET of `target` (a path on the base URL, or an absolute URL on the same origin, such as
    /// Salesforce's `nextRecordsUrl`).
    pub fn get(&self, target: &str, endpoint: Endpoint) -> RequestBuilder {
        self.request(Method::GET, target, endpoint)
    }

    /// A POST of `target`.
    pub fn post(&self, target: &str, endpoint: Endpoint) -> RequestBuilder {
        self.request(Method::POST, target, endpoint)
    }

    /// A PATCH of `target`.
    pub fn patch(&self, target: &str, endpoint: Endpoint) -> RequestBuilder {
        self.request(Method::PATCH, target, endpoint)
    }

    /// A PUT of `target`.
    pub fn put(&self, target: &str, endpoint: Endpoint) -> RequestBuilder {
        self.request(Method::PUT, target, endpoint)
    }

    /// A DELETE of `target`.
    pub fn delete(&self, target: &str, endpoint: Endpoint) -> RequestBuilder {
        self.request(Method::DELETE, target, endpoint)
    }

    /// A request with any method.
    pub fn request(&self, method: Method, target: &str, endpoint: Endpoint) -> RequestBuilder {
        RequestBuilder::new(self.clone(), method, target, endpoint)
    }

    /// Checks that every endpoint draws only from buckets the quota plan has. Call it when the
    /// connector starts (and in `check-config`), so a typo fails at once, not on the first call.
    pub fn check_endpoints(&self, endpoints: &[Endpoint]) -> Result<(), BuildError> {
        for endpoint in endpoints {
            if let Some(bucket) = self.inner.quotas.missing_bucket(endpoint.buckets()) {
                return Err(BuildError::UnknownBucket {
                    endpoint: endpoint.name(),
                    bucket,
                });
            }
        }
        Ok(())
    }

    /// The current quota figures, for `status`.
    pub fn quota_status(&self) -> QuotaStatus {
        self.inner.quotas.status(Utc::now())
    }

    /// The connector name (the `connector` metrics label).
    pub fn connector(&self) -> &str {
        &self.inner.connector
    }

    /// The base URL requests are resolved against.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }
}

/// Builds an [`OutboundClient`]. Defaults: connect timeout 10 s, per-attempt timeout 30 s,
/// [`RetryPolicy::default`], no quotas, at most 8 requests in flight, bodies up to 64 MiB.
#[must_use = "call build() to get the client"]
pub struct ClientBuilder {
    connector: String,
    vendor: Arc<dyn Vendor>,
    base_url: String,
    auth: TokenSource,
    quota: QuotaPlan,
    retry: RetryPolicy,
    connect_timeout: Duration,
    request_timeout: Duration,
    max_in_flight: Option<usize>,
    max_body_bytes: usize,
    root_certificates_pem: Vec<Vec<u8>>,
    transport: Option<Arc<dyn Transport>>,
}

impl ClientBuilder {
    /// Names the connector in metrics, logs and errors (default: the vendor's name). Keep it a
    /// short fixed name from the config, such as `hubspot` or `salesforce_eu`.
    pub fn connector_name(mut self, name: impl Into<String>) -> Self {
        self.connector = name.into();
        self
    }

    /// The account's quotas (vendor presets: `HubSpotLimits::quota_plan`, `SalesforceLimits::quota_plan`).
    pub fn quota(mut self, plan: QuotaPlan) -> Self {
        self.quota = plan;
        self
    }

    /// The retry policy.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// How long establishing a connection may take.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// How long one attempt (send and read the whole body) may take.
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// At most this many requests of this account in flight at once (`None`: no cap).
    pub fn max_in_flight(mut self, max: Option<usize>) -> Self {
        self.max_in_flight = max;
        self
    }

    /// The largest response body accepted.
    pub fn max_body_bytes(mut self, max: usize) -> Self {
        self.max_body_bytes = max;
        self
    }

    /// Trusts a PEM root certificate in addition to the built-in roots (a simulator's self-signed
    /// certificate, a corporate proxy's CA).
    pub fn root_certificate_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates_pem.push(pem.into());
        self
    }

    #[cfg(test)]
    pub(crate) fn transport(mut self, transport: Arc<dyn Transport>) -> Self {
        self.transport = Some(transport);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<OutboundClient, BuildError> {
        let base_url = Url::parse(&self.base_url).map_err(|source| BuildError::BaseUrl {
            url: self.base_url.clone(),
            source,
        })?;
        let plain = matches!(base_url.scheme(), "http" | "https")
            && base_url.username().is_empty()
            && base_url.password().is_none()
            && base_url.query().is_none()
            && base_url.fragment().is_none();
        if !plain {
            return Err(BuildError::BaseUrlShape(self.base_url));
        }
        if self.retry.max_attempts == 0 {
            return Err(BuildError::Setting("retry max_attempts must be at least 1".into()));
        }
        if self.request_timeout.is_zero() || self.connect_timeout.is_zero() {
            return Err(BuildError::Setting("timeouts must be longer than zero".into()));
        }
        if self.max_in_flight == Some(0) {
            return Err(BuildError::Setting("max_in_flight must be at least 1".into()));
        }
        let mut names: Vec<&str> = self.quota.buckets.iter().map(|b| b.name).collect();
        names.sort_unstable();
        if let Some(pair) = names.windows(2).find(|pair| pair[0] == pair[1]) {
            return Err(BuildError::Setting(format!(
                "quota bucket {:?} is defined twice",
                pair[0]
            )));
        }
        if self.quota.buckets.iter().any(|b| b.period.is_zero()) {
            return Err(BuildError::Setting(
                "quota bucket periods must be longer than zero".into(),
            ));
        }

        let mut http = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .connect_timeout(self.connect_timeout)
            // A backstop for calls that do not pass through the call loop (token refreshes).
            .timeout(self.request_timeout);
        for pem in &self.root_certificates_pem {
            http = http.tls_certs_merge([reqwest::Certificate::from_pem(pem).map_err(BuildError::Certificate)?]);
        }
        let http = http.build().map_err(BuildError::Http)?;
        let transport = self
            .transport
            .unwrap_or_else(|| Arc::new(ReqwestTransport(http.clone())));
        let connector: Arc<str> = self.connector.into();
        let mut auth = self.auth;
        auth.bind(Arc::clone(&connector), self.request_timeout);
        Ok(OutboundClient {
            inner: Arc::new(Inner {
                quotas: Quotas::new(Arc::clone(&connector), &self.quota, Utc::now()),
                connector,
                vendor: self.vendor,
                base_url,
                http,
                transport,
                retry: self.retry,
                auth,
                request_timeout: self.request_timeout,
                max_body_bytes: self.max_body_bytes,
                in_flight: self.max_in_flight.map(Semaphore::new),
            }),
        })
    }
}
