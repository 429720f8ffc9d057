//! Access tokens for outbound calls: a static token, or OAuth tokens refreshed on demand.
//!
//! State: for OAuth, the current access token (a [`Secret`]), its generation (bumped on every
//! successful refresh), when it should be refreshed ahead of expiry, and the last refresh error.
//! Refreshes are single-flight: callers that find the token stale (expiring, or rejected with a
//! 401) queue on one async lock; the first performs the refresh and the others reuse its result,
//! success or failure, so a burst of 401s costs one call to the token endpoint.
//!
//! The refresh call itself is the connector's ([`Refresher`]): vendors differ in what the token
//! endpoint returns. [`RefreshTokenGrant`] is the standard OAuth 2.0 refresh-token grant, which
//! fits both HubSpot (`POST /oauth/v1/token`) and Salesforce (`POST /services/oauth2/token`).

use crate::telemetry;
use closedloop_core::secret::Secret;
use futures::future::BoxFuture;
use reqwest::StatusCode;
use serde::Deserialize;
use std::error::Error as StdError;
use std::fmt;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::time::Instant;

/// How long before its expiry a token is refreshed, so a call never starts with a dying token.
const EXPIRY_MARGIN: Duration = Duration::from_secs(60);
/// How long one refresh may take until the client sets its own request timeout.
const DEFAULT_REFRESH_TIMEOUT: Duration = Duration::from_secs(30);

/// An access token and how long it lives.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct AccessToken {
    /// The token, sent as `Authorization: Bearer <token>`.
    pub secret: Secret,
    /// Its lifetime from now, when the token endpoint says (HubSpot: 1800 s).
    pub expires_in: Option<Duration>,
    /// The token response's other fields, secrets removed (Salesforce's `instance_url`, `id`,
    /// `issued_at`; `scope`, `token_type`).
    pub extra: serde_json::Map<String, serde_json::Value>,
}

impl AccessToken {
    /// A token living `expires_in` from now (`None`: until the vendor rejects it).
    pub fn new(secret: Secret, expires_in: Option<Duration>) -> Self {
        AccessToken {
            secret,
            expires_in,
            extra: serde_json::Map::new(),
        }
    }
}

/// A failed token refresh.
#[derive(Clone)]
pub struct RefreshError {
    message: String,
    retriable: bool,
    source: Option<Arc<dyn StdError + Send + Sync>>,
}

impl RefreshError {
    /// The token endpoint refused (a revoked or wrong refresh token): a person must re-authorise.
    pub fn rejected(message: impl Into<String>) -> Self {
        RefreshError {
            message: message.into(),
            retriable: false,
            source: None,
        }
    }

    /// The token endpoint could not be reached or failed: a later refresh may succeed.
    pub fn transient(message: impl Into<String>) -> Self {
        RefreshError {
            message: message.into(),
            retriable: true,
            source: None,
        }
    }

    /// Attaches the underlying error.
    pub fn with_source(mut self, source: impl StdError + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// Whether a later refresh may succeed.
    pub fn is_retriable(&self) -> bool {
        self.retriable
    }
}

impl fmt::Debug for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RefreshError")
            .field("message", &self.message)
            .field("retriable", &self.retriable)
            .field("source", &self.source.as_ref().map(|s| s.to_string()))
            .finish()
    }
}

impl fmt::Display for RefreshError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl StdError for RefreshError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_deref().map(|s| s as &(dyn StdError + 'static))
    }
}

/// The connector's call to its token endpoint. It gets the account's shared HTTP client.
///
/// Any `Fn(reqwest::Client) -> impl Future<Output = Result<AccessToken, RefreshError>>` is one.
pub trait Refresher: Send + Sync + 'static {
    /// Obtains a fresh access token.
    fn refresh(&self, http: reqwest::Client) -> BoxFuture<'static, Result<AccessToken, RefreshError>>;
}

impl<F, Fut> Refresher for F
where
    F: Fn(reqwest::Client) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<AccessToken, RefreshError>> + Send + 'static,
{
    fn refresh(&self, http: reqwest::Client) -> BoxFuture<'static, Result<AccessToken, RefreshError>> {
        Box::pin(self(http))
    }
}

/// Where a connector's access token comes from.
pub struct TokenSource(Kind);

enum Kind {
    Static(Secret),
    OAuth(Box<OAuth>),
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Kind::Static(_) => f.write_str("TokenSource::Static([redacted])"),
            Kind::OAuth(_) => f.write_str("TokenSource::OAuth([redacted])"),
        }
    }
}

/// The token a request is sent with, and its generation (to tell a stale token from a fresh one).
#[derive(Clone, Debug)]
pub(crate) struct Credential {
    pub(crate) secret: Secret,
    pub(crate) generation: u64,
}

struct OAuth {
    refresher: Box<dyn Refresher>,
    /// The connector label for refresh metrics, set when the client is built.
    connector: Option<Arc<str>>,
    /// How long one refresh may take; a refresher that hangs must not hang every call.
    timeout: Duration,
    state: Mutex<OAuthState>,
    /// Held while a refresh is in flight: the single-flight gate.
    refreshing: tokio::sync::Mutex<()>,
}

struct OAuthState {
    token: Option<Secret>,
    generation: u64,
    refresh_at: Option<Instant>,
    attempts: u64,
    last_error: Option<RefreshError>,
}

impl TokenSource {
    /// A token that never changes (a HubSpot private-app token). A 401 cannot be cured by a
    /// refresh, so it fails the call at once with [`crate::Error::Unauthorized`].
    pub fn static_token(secret: Secret) -> Self {
        TokenSource(Kind::Static(secret))
    }

    /// OAuth tokens from `refresher`, starting from `initial` if one is at hand (otherwise the
    /// first call refreshes first).
    pub fn oauth(refresher: impl Refresher, initial: Option<AccessToken>) -> Self {
        let now = Instant::now();
        let state = OAuthState {
            refresh_at: initial.as_ref().and_then(|t| refresh_at(now, t.expires_in)),
            token: initial.map(|t| t.secret),
            generation: 0,
            attempts: 0,
            last_error: None,
        };
        TokenSource(Kind::OAuth(Box::new(OAuth {
            refresher: Box::new(refresher),
            connector: None,
            timeout: DEFAULT_REFRESH_TIMEOUT,
            state: Mutex::new(state),
            refreshing: tokio::sync::Mutex::new(()),
        })))
    }

    /// Names the connector in refresh metrics and bounds how long a refresh may take.
    pub(crate) fn bind(&mut self, connector: Arc<str>, refresh_timeout: Duration) {
        if let Kind::OAuth(oauth) = &mut self.0 {
            oauth.connector = Some(connector);
            oauth.timeout = refresh_timeout;
        }
    }

    /// Whether a rejected token can be replaced by refreshing.
    pub(crate) fn can_refresh(&self) -> bool {
        matches!(self.0, Kind::OAuth(_))
    }

    /// The token to send now, refreshing first when there is none or it is about to expire.
    pub(crate) async fn current(&self, http: &reqwest::Client) -> Result<Credential, RefreshError> {
        match &self.0 {
            Kind::Static(secret) => Ok(Credential {
                secret: secret.clone(),
                generation: 0,
            }),
            Kind::OAuth(oauth) => {
                let (generation, usable) = {
                    let state = oauth.lock();
                    let fresh = state.refresh_at.is_none_or(|at| Instant::now() < at);
                    (state.generation, state.token.clone().filter(|_| fresh))
                };
                match usable {
                    Some(secret) => Ok(Credential { secret, generation }),
                    None => oauth.refresh(generation, http).await,
                }
            }
        }
    }

    /// Replaces a token the vendor rejected. Callers that were rejected with the same token share
    /// one refresh; a caller whose token was already replaced gets the replacement.
    pub(crate) async fn refresh_rejected(
        &self,
        rejected: &Credential,
        http: &reqwest::Client,
    ) -> Result<Credential, RefreshError> {
        match &self.0 {
            Kind::Static(_) => Err(RefreshError::rejected("a static token cannot be refreshed")),
            Kind::OAuth(oauth) => oauth.refresh(rejected.generation, http).await,
        }
    }
}

impl OAuth {
    fn lock(&self) -> std::sync::MutexGuard<'_, OAuthState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    async fn refresh(&self, stale_generation: u64, http: &reqwest::Client) -> Result<Credential, RefreshError> {
        let attempts_seen = self.lock().attempts;
        let _gate = self.refreshing.lock().await;
        {
            let state = self.lock();
            if state.generation > stale_generation
                && let Some(secret) = state.token.clone()
            {
                return Ok(Credential {
                    secret,
                    generation: state.generation,
                });
            }
            if state.attempts > attempts_seen
                && let Some(error) = state.last_error.clone()
            {
                return Err(error);
            }
        }
        let result = tokio::time::timeout(self.timeout, self.refresher.refresh(http.clone()))
            .await
            .unwrap_or_else(|_| Err(RefreshError::transient("token refresh timed out")));
        if let Some(connector) = &self.connector {
            telemetry::token_refreshed(connector, result.is_ok());
        }
        match &result {
            Ok(_) => tracing::debug!("access token refreshed"),
            Err(error) => tracing::warn!(%error, retriable = error.is_retriable(), "access token refresh failed"),
        }
        let mut state = self.lock();
        state.attempts += 1;
        match result {
            Ok(token) => {
                state.generation += 1;
                state.refresh_at = refresh_at(Instant::now(), token.expires_in);
                state.token = Some(token.secret.clone());
                state.last_error = None;
                Ok(Credential {
                    secret: token.secret,
                    generation: state.generation,
                })
            }
            Err(error) => {
                state.last_error = Some(error.clone());
                Err(error)
            }
        }
    }
}

/// When a token living `expires_in` from `now` should be refreshed: a margin before it expires
/// (half its life for very short-lived tokens).
fn refresh_at(now: Instant, expires_in: Option<Duration>) -> Option<Instant> {
    let life = expires_in?;
    Some(now + life.saturating_sub(EXPIRY_MARGIN.min(life / 2)))
}

/// The standard OAuth 2.0 refresh-token grant (RFC 6749 §6): a form POST of `grant_type`,
/// `client_id`, `client_secret` and `refresh_token`, answered with `access_token` and optionally
/// `expires_in` and a rotated `refresh_token` (kept in memory; a deployment that rotates must
/// also store it, which is outside this crate). Other response fields land in
/// [`AccessToken::extra`]: a Salesforce connector that learns its `instance_url` from the token
/// response calls [`Refresher::refresh`] once itself, builds its client on that URL, and hands
/// the token over as the initial one of [`TokenSource::oauth`].
pub struct RefreshTokenGrant {
    token_url: url::Url,
    client_id: String,
    client_secret: Secret,
    refresh_token: Arc<Mutex<Secret>>,
}

impl RefreshTokenGrant {
    /// A grant against `token_url`.
    pub fn new(
        token_url: url::Url,
        client_id: impl Into<String>,
        client_secret: Secret,
        refresh_token: Secret,
    ) -> Self {
        RefreshTokenGrant {
            token_url,
            client_id: client_id.into(),
            client_secret,
            refresh_token: Arc::new(Mutex::new(refresh_token)),
        }
    }
}

#[derive(Deserialize)]
struct TokenResponse {
    access_token: String,
    /// Seconds; some servers send it as a string.
    expires_in: Option<serde_json::Value>,
    refresh_token: Option<String>,
    #[serde(flatten)]
    extra: serde_json::Map<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct TokenErrorResponse {
    error: Option<String>,
    error_description: Option<String>,
}

impl Refresher for RefreshTokenGrant {
    fn refresh(&self, http: reqwest::Client) -> BoxFuture<'static, Result<AccessToken, RefreshError>> {
        let refresh_token = self.refresh_token.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let form = [
            ("grant_type", "refresh_token".to_owned()),
            ("client_id", self.client_id.clone()),
            ("client_secret", self.client_secret.expose().to_owned()),
            ("refresh_token", refresh_token.expose().to_owned()),
        ];
        let url = self.token_url.clone();
        let store = Arc::clone(&self.refresh_token);
        Box::pin(async move {
            let response = http.post(url).form(&form).send().await.map_err(|e| {
                // The URL is the token endpoint's, with no secret in it; the form is not in the error.
                RefreshError::transient("token endpoint unreachable").with_source(e.without_url())
            })?;
            let status = response.status();
            let body = response
                .bytes()
                .await
                .map_err(|e| RefreshError::transient("token response cut short").with_source(e.without_url()))?;
            if status.is_success() {
                // Never echo the body: it holds the new token.
                let token: TokenResponse = serde_json::from_slice(&body)
                    .map_err(|_| RefreshError::transient("token endpoint answered without an access_token"))?;
                if let Some(rotated) = token.refresh_token {
                    *store.lock().unwrap_or_else(|p| p.into_inner()) = Secret::new(rotated);
                }
                let expires_in = token.expires_in.as_ref().and_then(|v| match v {
                    serde_json::Value::Number(n) => n.as_u64(),
                    serde_json::Value::String(s) => s.trim().parse().ok(),
                    _ => None,
                });
                let mut access = AccessToken::new(Secret::new(token.access_token), expires_in.map(Duration::from_secs));
                access.extra = token.extra;
                return Ok(access);
            }
            let detail = serde_json::from_slice::<TokenErrorResponse>(&body)
                .ok()
                .map(|e| match (e.error, e.error_description) {
                    (Some(error), Some(description)) => format!(": {error}: {description}"),
                    (Some(error), None) => format!(": {error}"),
                    (None, Some(description)) => format!(": {description}"),
                    (None, None) => String::new(),
                })
                .unwrap_or_default();
            let message = format!("token endpoint answered {}{detail}", status.as_u16());
            if status.is_server_error()
                || status == StatusCode::TOO_MANY_REQUESTS
                || status == StatusCode::REQUEST_TIMEOUT
            {
                Err(RefreshError::transient(message))
            } else {
                Err(RefreshError::rejected(message))
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    fn counting_refresher(calls: Arc<AtomicU32>) -> impl Refresher {
        move |_http: reqwest::Client| {
            let calls = Arc::clone(&calls);
            async move {
                let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
                // Let every concurrent caller reach the gate before this refresh finishes.
                tokio::time::sleep(Duration::from_millis(50)).await;
                Ok(AccessToken::new(
                    Secret::new(format!("token-{n}")),
                    Some(Duration::from_secs(1800)),
                ))
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_rejections_share_one_refresh() {
        let calls = Arc::new(AtomicU32::new(0));
        let source = Arc::new(TokenSource::oauth(
            counting_refresher(Arc::clone(&calls)),
            Some(AccessToken::new(Secret::new("token-0"), None)),
        ));
        let http = reqwest::Client::new();
        let rejected = source.current(&http).await.expect("initial");
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let (source, rejected, http) = (Arc::clone(&source), rejected.clone(), http.clone());
                tokio::spawn(async move { source.refresh_rejected(&rejected, &http).await })
            })
            .collect();
        for task in tasks {
            let credential = task.await.expect("task").expect("refresh");
            assert_eq!((credential.secret.expose(), credential.generation), ("token-1", 1));
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1, "one refresh for ten rejected callers");
    }

    #[tokio::test(start_paused = true)]
    async fn a_token_is_refreshed_ahead_of_its_expiry() {
        let calls = Arc::new(AtomicU32::new(0));
        let source = TokenSource::oauth(counting_refresher(Arc::clone(&calls)), None);
        let http = reqwest::Client::new();
        assert_eq!(source.current(&http).await.expect("first").secret.expose(), "token-1");
        tokio::time::advance(Duration::from_secs(1800 - 61)).await;
        assert_eq!(
            source.current(&http).await.expect("still fresh").secret.expose(),
            "token-1"
        );
        tokio::time::advance(Duration::from_secs(2)).await;
        assert_eq!(
            source.current(&http).await.expect("refreshed").secret.expose(),
            "token-2"
        );
        assert_eq!(calls.load(Ordering::SeqCst), 2);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_a_failed_refresh_but_a_later_call_tries_again() {
        let calls = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&calls);
        let source = Arc::new(TokenSource::oauth(
            move |_http: reqwest::Client| {
                let counter = Arc::clone(&counter);
                async move {
                    counter.fetch_add(1, Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    Err::<AccessToken, _>(RefreshError::rejected("invalid_grant"))
                }
            },
            None,
        ));
        let http = reqwest::Client::new();
        let tasks: Vec<_> = (0..5)
            .map(|_| {
                let (source, http) = (Arc::clone(&source), http.clone());
                tokio::spawn(async move { source.current(&http).await.map(|_| ()) })
            })
            .collect();
        for task in tasks {
            let error = task.await.expect("task").expect_err("refused");
            assert!(!error.is_retriable());
        }
        assert_eq!(calls.load(Ordering::SeqCst), 1);
        assert!(source.current(&http).await.is_err());
        assert_eq!(
            calls.load(Ordering::SeqCst),
            2,
            "a later call is not served a stale failure"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_hanging_refresher_times_out_as_a_transient_failure() {
        let mut source = TokenSource::oauth(
            |_http: reqwest::Client| futures::future::pending::<Result<AccessToken, RefreshError>>(),
            None,
        );
        source.bind("hubspot".into(), Duration::from_secs(5));
        let error = source.current(&reqwest::Client::new()).await.expect_err("times out");
        assert!(error.is_retriable());
        assert_eq!(error.to_string(), "token refresh timed out");
    }

    #[test]
    fn a_static_token_never_prints() {
        let source = TokenSource::static_token(Secret::new("pat-na1-secret"));
        assert!(!format!("{source:?}").contains("pat-na1"));
    }
}
