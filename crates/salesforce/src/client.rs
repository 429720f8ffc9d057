//! Connection and authentication: the org's [`OutboundClient`], its token source, and [`Api`],
//! the typed calls every stream, the push and the probe make.
//!
//! State: [`Api`] holds the account's one outbound client (connection pool, daily quota, token
//! source, retries) and the REST base path; clones share it. Tokens come from the connected app:
//! the refresh-token grant against `login_url`, or the client-credentials grant against the org's
//! own domain. A token response names the org's `instance_url`; the connector keeps it so the
//! probe can point out a configured `instance_url` that differs (requests go to the configured one).

use crate::error::SalesforceError;
use crate::wire::{CollectionResult, DeletedWindow, Describe, Limits, QueryPage};
use closedloop_config::salesforce::{SalesforceAuth, SalesforceConfig};
use closedloop_core::Timestamp;
use closedloop_core::secret::Secret;
use closedloop_outbound::vendor::salesforce::{Salesforce, SalesforceLimits};
use closedloop_outbound::{
    AccessToken, Endpoint, OutboundClient, RefreshError, RefreshTokenGrant, Refresher, RetryPolicy, TokenSource,
};
use futures::future::BoxFuture;
use serde::Deserialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `GET query` and `queryAll`.
const QUERY: Endpoint = Endpoint::read("query", &[]);
/// `GET nextRecordsUrl`.
const QUERY_MORE: Endpoint = Endpoint::read("query_more", &[]);
/// `GET sobjects/{Type}/deleted`.
const DELETED: Endpoint = Endpoint::read("deleted", &[]);
/// `GET sobjects/{Type}/describe`.
const DESCRIBE: Endpoint = Endpoint::read("describe", &[]);
/// `GET limits`.
const LIMITS: Endpoint = Endpoint::read("limits", &[]);
/// `PATCH composite/sobjects`: updates by id, safe to repeat.
const UPDATE: Endpoint = Endpoint::idempotent_write("collections_update", &[]);
/// `PATCH composite/sobjects/{Type}/{Field}`: upserts by external id, safe to repeat (a resent
/// create finds the record the first attempt made).
const UPSERT: Endpoint = Endpoint::idempotent_write("collections_upsert", &[]);

/// The secrets the configuration refers to, resolved by the caller (`SecretRef::resolve`).
#[derive(Debug, Clone)]
pub struct SalesforceSecrets {
    /// The connected app's consumer secret.
    pub client_secret: Secret,
    /// The refresh token (refresh-token flow only).
    pub refresh_token: Option<Secret>,
}

/// Tuning that is not configuration: retries, quota probing and trusted certificates.
#[derive(Debug, Clone)]
pub struct ConnectorOptions {
    /// How failed calls are retried.
    pub retry: RetryPolicy,
    /// How often one call may go out to ask whether a spent daily quota is back.
    pub daily_probe_every: Duration,
    /// Extra PEM root certificates to trust (a simulator's, a corporate proxy's).
    pub root_certificates_pem: Vec<Vec<u8>>,
    /// The connector's name in metrics and logs.
    pub connector_name: String,
}

impl Default for ConnectorOptions {
    fn default() -> Self {
        ConnectorOptions {
            retry: RetryPolicy::default(),
            daily_probe_every: SalesforceLimits::default().daily_probe_every,
            root_certificates_pem: Vec::new(),
            connector_name: "salesforce".to_owned(),
        }
    }
}

/// The standard OAuth 2.0 client-credentials grant, as Salesforce runs it on the org's own domain
/// for a connected app with a run-as user. The response has no `expires_in`: the session lasts
/// until Salesforce rejects it, and a 401 refreshes it.
struct ClientCredentialsGrant {
    token_url: url::Url,
    client_id: String,
    client_secret: Secret,
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

impl Refresher for ClientCredentialsGrant {
    fn refresh(&self, http: reqwest::Client) -> BoxFuture<'static, Result<AccessToken, RefreshError>> {
        let form = [
            ("grant_type", "client_credentials".to_owned()),
            ("client_id", self.client_id.clone()),
            ("client_secret", self.client_secret.expose().to_owned()),
        ];
        let url = self.token_url.clone();
        Box::pin(async move {
            let response = http
                .post(url)
                .form(&form)
                .send()
                .await
                .map_err(|e| RefreshError::transient("token endpoint unreachable").with_source(e.without_url()))?;
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|e| RefreshError::transient("token response cut short").with_source(e.without_url()))?;
            if status.is_success() {
                // Never echo the body: it holds the token.
                let token: TokenResponse = serde_json::from_slice(&body)
                    .map_err(|_| RefreshError::transient("token endpoint answered without an access_token"))?;
                let mut access = AccessToken::new(Secret::new(token.access_token), None);
                access.extra = token.extra;
                access.extra.remove("refresh_token");
                return Ok(access);
            }
            let detail: serde_json::Value = serde_json::from_slice(&body).unwrap_or_default();
            let text = ["error", "error_description"]
                .iter()
                .filter_map(|k| detail.get(*k).and_then(|v| v.as_str()))
                .collect::<Vec<_>>()
                .join(": ");
            let message = format!("token endpoint answered {}: {text}", status.as_u16());
            if status.is_server_error() || status.as_u16() == 429 || status.as_u16() == 408 {
                Err(RefreshError::transient(message))
            } else {
                Err(RefreshError::rejected(message))
            }
        })
    }
}

/// Wraps a refresher to remember the `instance_url` each token response names.
struct RememberInstance<R> {
    inner: R,
    seen: Arc<Mutex<Option<String>>>,
}

impl<R: Refresher> Refresher for RememberInstance<R> {
    fn refresh(&self, http: reqwest::Client) -> BoxFuture<'static, Result<AccessToken, RefreshError>> {
        let pending = self.inner.refresh(http);
        let seen = Arc::clone(&self.seen);
        Box::pin(async move {
            let token = pending.await?;
            if let Some(url) = token.extra.get("instance_url").and_then(|v| v.as_str()) {
                *seen.lock().unwrap_or_else(|p| p.into_inner()) = Some(url.trim_end_matches('/').to_owned());
            }
            Ok(token)
        })
    }
}

fn token_url(base: &str) -> Result<url::Url, SalesforceError> {
    let base = url::Url::parse(base).map_err(|e| SalesforceError::Config(format!("invalid url {base:?}: {e}")))?;
    base.join("/services/oauth2/token")
        .map_err(|e| SalesforceError::Config(format!("cannot build the token url: {e}")))
}

/// The org's REST API: the calls the connector makes, each through the outbound path.
#[derive(Clone)]
pub(crate) struct Api {
    client: OutboundClient,
    /// `/services/data/v59.0`.
    base: String,
    batch_size: u32,
    instance_from_token: Arc<Mutex<Option<String>>>,
}

impl Api {
    /// Builds the client of the org `config` describes.
    pub(crate) fn connect(
        config: &SalesforceConfig,
        secrets: SalesforceSecrets,
        options: &ConnectorOptions,
    ) -> Result<Api, SalesforceError> {
        let seen = Arc::new(Mutex::new(None));
        let tokens = match &config.auth {
            SalesforceAuth::RefreshToken { client_id, .. } => {
                let refresh_token = secrets.refresh_token.ok_or_else(|| {
                    SalesforceError::Config("auth kind refresh_token needs the refresh token secret".into())
                })?;
                let grant = RefreshTokenGrant::new(
                    token_url(&config.login_url)?,
                    client_id.clone(),
                    secrets.client_secret,
                    refresh_token,
                );
                TokenSource::oauth(
                    RememberInstance {
                        inner: grant,
                        seen: Arc::clone(&seen),
                    },
                    None,
                )
            }
            SalesforceAuth::ClientCredentials { client_id, .. } => {
                // Salesforce runs this grant on the org's My Domain only, never on login.salesforce.com.
                let grant = ClientCredentialsGrant {
                    token_url: token_url(&config.instance_url)?,
                    client_id: client_id.clone(),
                    client_secret: secrets.client_secret,
                };
                TokenSource::oauth(
                    RememberInstance {
                        inner: grant,
                        seen: Arc::clone(&seen),
                    },
                    None,
                )
            }
        };
        let limits = SalesforceLimits {
            daily: None,
            daily_reserve_share: f64::from(config.reserve_percent) / 100.0,
            daily_probe_every: options.daily_probe_every,
        };
        let mut builder = OutboundClient::builder(Salesforce, config.instance_url.trim_end_matches('/'), tokens)
            .connector_name(options.connector_name.clone())
            .quota(limits.quota_plan())
            .retry(options.retry.clone())
            .request_timeout(Duration::from_secs(config.request_timeout_secs))
            .connect_timeout(Duration::from_secs(config.connect_timeout_secs));
        for pem in &options.root_certificates_pem {
            builder = builder.root_certificate_pem(pem.clone());
        }
        let client = builder.build()?;
        client.check_endpoints(&[QUERY, QUERY_MORE, DELETED, DESCRIBE, LIMITS, UPDATE, UPSERT])?;
        Ok(Api {
            client,
            base: format!("/services/data/v{}", config.api_version),
            batch_size: config.query_batch_size.clamp(200, 2000),
            instance_from_token: seen,
        })
    }

    /// The outbound client (quota figures for `status`).
    pub(crate) fn client(&self) -> &OutboundClient {
        &self.client
    }

    /// The `instance_url` the last token response named, if any token was fetched yet.
    pub(crate) fn instance_from_token(&self) -> Option<String> {
        self.instance_from_token
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn batch_header(&self) -> String {
        format!("batchSize={}", self.batch_size)
    }

    /// Runs a query (`queryAll` includes deleted and merged rows); returns its first page.
    pub(crate) async fn query(&self, soql: &str, all: bool) -> Result<QueryPage, SalesforceError> {
        let path = format!("{}/{}", self.base, if all { "queryAll" } else { "query" });
        Ok(self
            .client
            .get(&path, QUERY)
            .query([("q", soql)])
            .header("Sforce-Query-Options", &self.batch_header())
            .send_json()
            .await?)
    }

    /// Follows a `nextRecordsUrl`.
    pub(crate) async fn query_more(&self, next_records_url: &str) -> Result<QueryPage, SalesforceError> {
        if !next_records_url.starts_with("/services/data/") {
            return Err(SalesforceError::unexpected(
                "query",
                format!("nextRecordsUrl {next_records_url:?} is not an api path"),
            ));
        }
        Ok(self
            .client
            .get(next_records_url, QUERY_MORE)
            .header("Sforce-Query-Options", &self.batch_header())
            .send_json()
            .await?)
    }

    /// Records of `object` deleted between `start` and `end` (read to the minute by Salesforce).
    pub(crate) async fn deleted(
        &self,
        object: &str,
        start: Timestamp,
        end: Timestamp,
    ) -> Result<DeletedWindow, SalesforceError> {
        let path = format!("{}/sobjects/{object}/deleted/", self.base);
        let fmt = |t: Timestamp| t.format("%Y-%m-%dT%H:%M:%S+00:00").to_string();
        Ok(self
            .client
            .get(&path, DELETED)
            .query([("start", fmt(start)), ("end", fmt(end))])
            .send_json()
            .await?)
    }

    /// The describe of `object`.
    pub(crate) async fn describe(&self, object: &str) -> Result<Describe, SalesforceError> {
        let path = format!("{}/sobjects/{object}/describe", self.base);
        Ok(self.client.get(&path, DESCRIBE).send_json().await?)
    }

    /// The org's limits.
    pub(crate) async fn limits(&self) -> Result<Limits, SalesforceError> {
        let path = format!("{}/limits", self.base);
        Ok(self.client.get(&path, LIMITS).send_json().await?)
    }

    /// Updates records by id (`allOrNone: false`): one result per record, in order.
    pub(crate) async fn update(
        &self,
        records: Vec<serde_json::Value>,
    ) -> Result<Vec<CollectionResult>, SalesforceError> {
        let path = format!("{}/composite/sobjects", self.base);
        let body = serde_json::json!({"allOrNone": false, "records": records});
        Ok(self.client.patch(&path, UPDATE).json(&body).send_json().await?)
    }

    /// Upserts records of `object` by the external id `field` (`allOrNone: false`).
    pub(crate) async fn upsert(
        &self,
        object: &str,
        field: &str,
        records: Vec<serde_json::Value>,
    ) -> Result<Vec<CollectionResult>, SalesforceError> {
        let path = format!("{}/composite/sobjects/{object}/{field}", self.base);
        let body = serde_json::json!({"allOrNone": false, "records": records});
        Ok(self.client.patch(&path, UPSERT).json(&body).send_json().await?)
    }
}
