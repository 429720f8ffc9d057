//! The account's outbound client and the endpoint classes of every call the connector makes.
//!
//! Holds no state of its own: [`build_client`] turns the config's tier, daily limit, reserve,
//! timeouts and credentials into one `OutboundClient` (quotas per tier, OAuth refresh on 401,
//! retries); the `const`s below name each kind of call, the quota bucket it draws from, and
//! whether it may be sent twice. Search draws from its own 5-per-second bucket; everything else
//! from the 10-second one; every call counts against the day.

use crate::settings::{Credentials, Tuning};
use closedloop_config::hubspot::{HubSpotConfig, HubSpotTier as ConfigTier};
use closedloop_outbound::vendor::hubspot::{HubSpot, HubSpotLimits, HubSpotTier, SEARCH_BUCKET, TEN_SECOND_BUCKET};
use closedloop_outbound::{BuildError, Endpoint, OutboundClient, RefreshTokenGrant, TokenSource};
use std::num::NonZeroU32;
use std::time::Duration;

const TEN: &[&str] = &[TEN_SECOND_BUCKET];
const SEARCH_ONLY: &[&str] = &[SEARCH_BUCKET];

/// `GET /crm/v3/objects/{type}`: a page of a list.
pub const LIST: Endpoint = Endpoint::read("list", TEN);
/// `POST /crm/v3/objects/{type}/search`.
pub const SEARCH: Endpoint = Endpoint::read("search", SEARCH_ONLY);
/// `POST /crm/v3/objects/{type}/batch/read` (reads only: safe to repeat).
pub const BATCH_READ: Endpoint = Endpoint::read("batch_read", TEN);
/// `POST /crm/v3/objects/contacts/batch/update` (an update: safe to repeat).
pub const BATCH_UPDATE: Endpoint = Endpoint::idempotent_write("batch_update", TEN);
/// `POST /crm/v4/associations/{from}/{to}/batch/read`.
pub const ASSOCIATIONS: Endpoint = Endpoint::read("associations_read", TEN);
/// `GET /crm/v3/properties/{type}` and its groups.
pub const PROPERTIES: Endpoint = Endpoint::read("properties", TEN);
/// `POST /crm/v3/properties/{type}` and groups: a create, but of a unique name, so a repeat
/// after a lost response answers 409 instead of creating twice.
pub const PROPERTY_CREATE: Endpoint = Endpoint::create("property_create", TEN);
/// `GET /crm/v3/pipelines/deals`.
pub const PIPELINES: Endpoint = Endpoint::read("pipelines", TEN);
/// `GET /crm/v3/owners`.
pub const OWNERS: Endpoint = Endpoint::read("owners", TEN);
/// `GET /marketing/v3/campaigns` and a campaign's assets.
pub const CAMPAIGNS: Endpoint = Endpoint::read("campaigns", TEN);
/// `GET /marketing/v3/forms`.
pub const FORMS: Endpoint = Endpoint::read("forms", TEN);
/// `GET /form-integrations/v1/submissions/forms/{guid}`.
pub const SUBMISSIONS: Endpoint = Endpoint::read("form_submissions", TEN);
/// `GET /marketing/v3/marketing-events` and participation breakdowns.
pub const MARKETING_EVENTS: Endpoint = Endpoint::read("marketing_events", TEN);
/// `GET /events/v3/events`.
pub const WEB_EVENTS: Endpoint = Endpoint::read("web_events", TEN);
/// `GET /email/public/v1/events` and email campaigns.
pub const EMAIL_EVENTS: Endpoint = Endpoint::read("email_events", TEN);

/// Every endpoint class, checked against the quota plan when the client is built.
pub const ALL_ENDPOINTS: [Endpoint; 15] = [
    LIST,
    SEARCH,
    BATCH_READ,
    BATCH_UPDATE,
    ASSOCIATIONS,
    PROPERTIES,
    PROPERTY_CREATE,
    PIPELINES,
    OWNERS,
    CAMPAIGNS,
    FORMS,
    SUBMISSIONS,
    MARKETING_EVENTS,
    WEB_EVENTS,
    EMAIL_EVENTS,
];

fn tier(t: ConfigTier) -> HubSpotTier {
    match t {
        ConfigTier::Free => HubSpotTier::Free,
        ConfigTier::Starter => HubSpotTier::Starter,
        ConfigTier::Professional => HubSpotTier::Professional,
        ConfigTier::Enterprise => HubSpotTier::Enterprise,
    }
}

/// The share left for others applied to a short-window limit, never below one request.
fn after_reserve(limit: NonZeroU32, reserve: f64) -> NonZeroU32 {
    let kept = (f64::from(limit.get()) * (1.0 - reserve)).floor();
    // `kept` lies in 0..=limit, so the cast cannot overflow.
    NonZeroU32::new(kept as u32).unwrap_or(NonZeroU32::MIN)
}

/// The account's limits: the tier's, with the configured daily limit and reserve.
pub fn limits(config: &HubSpotConfig, tuning: &Tuning) -> HubSpotLimits {
    let reserve = f64::from(config.reserve_percent.min(90)) / 100.0;
    let mut limits = HubSpotLimits::for_tier(tier(config.tier));
    limits.ten_second = after_reserve(limits.ten_second, reserve);
    limits.search_per_second = after_reserve(limits.search_per_second, reserve);
    if let Some(daily) = config.daily_limit {
        limits.daily = daily;
    }
    limits.daily_reserve_share = reserve;
    limits.daily_probe_every = tuning.daily_probe_every;
    limits
}

/// Builds the account's one outbound client.
pub fn build_client(
    config: &HubSpotConfig,
    credentials: &Credentials,
    tuning: &Tuning,
) -> Result<OutboundClient, BuildError> {
    let auth = match credentials {
        Credentials::PrivateApp { token } => TokenSource::static_token(token.clone()),
        Credentials::OAuth {
            client_id,
            client_secret,
            refresh_token,
        } => {
            let base = url::Url::parse(&config.base_url).map_err(|source| BuildError::BaseUrl {
                url: config.base_url.clone(),
                source,
            })?;
            let token_url = base.join("/oauth/v1/token").map_err(|source| BuildError::BaseUrl {
                url: config.base_url.clone(),
                source,
            })?;
            let grant = RefreshTokenGrant::new(
                token_url,
                client_id.clone(),
                client_secret.clone(),
                refresh_token.clone(),
            );
            TokenSource::oauth(grant, None)
        }
    };
    let client = OutboundClient::builder(HubSpot, config.base_url.trim_end_matches('/'), auth)
        .connector_name("hubspot")
        .quota(limits(config, tuning).quota_plan())
        .retry(tuning.retry.clone())
        .request_timeout(Duration::from_secs(config.request_timeout_secs.max(1)))
        .connect_timeout(Duration::from_secs(config.connect_timeout_secs.max(1)))
        .max_in_flight(Some(tuning.max_in_flight.max(1)))
        .build()?;
    client.check_endpoints(&ALL_ENDPOINTS)?;
    Ok(client)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_reserve_is_taken_from_every_limit() {
        let toml = r#"
            tier = "professional"
            reserve_percent = 10
            daily_limit = 1000000
            auth = { kind = "private_app", token = { env = "X" } }
        "#;
        let config: HubSpotConfig = toml::from_str(toml).expect("config");
        let l = limits(&config, &Tuning::default());
        assert_eq!(
            (l.ten_second.get(), l.search_per_second.get(), l.daily),
            (171, 4, 1_000_000)
        );
        assert!((l.daily_reserve_share - 0.1).abs() < 1e-9);
        assert_eq!(after_reserve(NonZeroU32::MIN, 0.9), NonZeroU32::MIN);
    }
}
