//! HubSpot's rules on the outbound path: rate-limit policies, quota headers, error bodies, tiers.
//!
//! Holds no state. Facts from `shared/api-contracts.md` ("Errors and rate limits"):
//! - 429 bodies name the policy: `"policyName":"TEN_SECONDLY_ROLLING"` (wait for the 10-second
//!   window), `"SECONDLY"` (search's own 1-second bucket) or `"DAILY"` (the day's budget is spent:
//!   stop, never retry).
//! - Normal responses carry `X-HubSpot-RateLimit-Max`/`-Remaining`/`-Interval-Milliseconds` (the
//!   10-second bucket) and `-Daily`/`-Daily-Remaining`; search responses carry none of them.
//! - Expired OAuth tokens answer 401 with `"category":"EXPIRED_AUTHENTICATION"`.
//! - Limits per private app: 100 or 190 per 10 s by tier, 5 searches per second, and 250,000 /
//!   625,000 / 1,000,000 per day; the daily budget resets at midnight in the account's time zone.

use super::{
    BucketReading, DailyReading, QuotaObservation, Vendor, VendorError, VendorSignal, header_number, header_string,
    json_body, mentions, string_field,
};
use crate::quota::{BucketSpec, DailyLimit, DailyWindow, QuotaPlan};
use chrono::{FixedOffset, Offset, Utc};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use std::num::NonZeroU32;
use std::time::Duration;

/// The bucket every HubSpot call except search draws from: HubSpot's 10-second rolling limit.
pub const TEN_SECOND_BUCKET: &str = "ten_second";
/// The bucket CRM search calls draw from: 5 per second, separate from the 10-second bucket.
pub const SEARCH_BUCKET: &str = "search";

/// HubSpot's 10-second policy window, used when a 429 names it but the headers do not say.
const TEN_SECOND_WINDOW: Duration = Duration::from_secs(10);
/// The window of HubSpot's per-second policies (search).
const ONE_SECOND_WINDOW: Duration = Duration::from_secs(1);
/// The 10-second limit of the Free and Starter tiers.
const LOWER_TIER_TEN_SECOND: NonZeroU32 = NonZeroU32::new(100).unwrap();
/// The 10-second limit of the Professional and Enterprise tiers.
const UPPER_TIER_TEN_SECOND: NonZeroU32 = NonZeroU32::new(190).unwrap();
/// Search requests per second, every tier.
const SEARCH_PER_SECOND: NonZeroU32 = NonZeroU32::new(5).unwrap();

/// HubSpot's rules. Use [`HubSpotLimits`] for the matching quota plan.
#[derive(Debug, Clone, Copy, Default)]
pub struct HubSpot;

impl Vendor for HubSpot {
    fn name(&self) -> &'static str {
        "hubspot"
    }

    fn interpret_error(&self, status: StatusCode, headers: &HeaderMap, body: &[u8]) -> Option<VendorSignal> {
        let json = json_body(body);
        let field = |key: &str| json.as_ref().and_then(|v| string_field(v, key));
        if status == StatusCode::TOO_MANY_REQUESTS {
            let policy = field("policyName");
            return Some(match policy.as_deref() {
                Some("DAILY") => VendorSignal::DailyQuotaExhausted,
                Some(p) if p.contains("TEN_SECONDLY") => VendorSignal::RateLimited {
                    window: Some(
                        header_number::<u64>(headers, "x-hubspot-ratelimit-interval-milliseconds")
                            .map(Duration::from_millis)
                            .unwrap_or(TEN_SECOND_WINDOW),
                    ),
                },
                Some(p) if p.contains("SECONDLY") => VendorSignal::RateLimited {
                    window: Some(ONE_SECOND_WINDOW),
                },
                // A cut-short body still names the daily policy somewhere in its prefix.
                None if json.is_none() && mentions(body, "DAILY") => VendorSignal::DailyQuotaExhausted,
                _ => VendorSignal::RateLimited { window: None },
            });
        }
        let expired = field("category").as_deref() == Some("EXPIRED_AUTHENTICATION")
            || (json.is_none() && mentions(body, "EXPIRED_AUTHENTICATION"));
        expired.then_some(VendorSignal::AuthExpired)
    }

    fn observe_quota(&self, headers: &HeaderMap) -> QuotaObservation {
        let mut observation = QuotaObservation::default();
        let max = header_number::<u32>(headers, "x-hubspot-ratelimit-max");
        let remaining = header_number::<u32>(headers, "x-hubspot-ratelimit-remaining");
        if let (Some(max), Some(remaining)) = (max, remaining) {
            observation.buckets.push(BucketReading {
                bucket: TEN_SECOND_BUCKET,
                remaining,
                max,
                interval: header_number::<u64>(headers, "x-hubspot-ratelimit-interval-milliseconds")
                    .map(Duration::from_millis),
            });
        }
        let daily = header_number::<u64>(headers, "x-hubspot-ratelimit-daily");
        let daily_remaining = header_number::<u64>(headers, "x-hubspot-ratelimit-daily-remaining");
        if let (Some(max), Some(remaining)) = (daily, daily_remaining) {
            observation.daily = Some(DailyReading {
                used: max.saturating_sub(remaining),
                max,
            });
        }
        observation
    }

    fn error_details(&self, headers: &HeaderMap, body: &[u8]) -> Option<VendorError> {
        let json = json_body(body);
        let field = |key: &str| json.as_ref().and_then(|v| string_field(v, key));
        let details = VendorError {
            code: field("category").or_else(|| field("errorType")),
            message: field("message"),
            correlation_id: field("correlationId").or_else(|| header_string(headers, "x-hubspot-correlation-id")),
        };
        (details != VendorError::default()).then_some(details)
    }
}

/// A HubSpot subscription tier, which sets the account's API limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HubSpotTier {
    /// Free tools.
    Free,
    /// Starter.
    Starter,
    /// Professional.
    Professional,
    /// Enterprise.
    Enterprise,
}

/// The API limits of one HubSpot account, from which its [`QuotaPlan`] is built.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HubSpotLimits {
    /// Requests per 10-second rolling window (all calls except search).
    pub ten_second: NonZeroU32,
    /// Search requests per second.
    pub search_per_second: NonZeroU32,
    /// Requests per day.
    pub daily: u64,
    /// Share of the daily budget (0.0..1.0) left for other integrations of the same account.
    pub daily_reserve_share: f64,
    /// The account's time zone as a UTC offset: the daily budget resets at its midnight.
    pub daily_reset_offset: FixedOffset,
    /// How often to let one call through to ask whether the day's budget is back, once spent.
    pub daily_probe_every: Duration,
}

impl HubSpotLimits {
    /// The documented limits of a tier, with nothing reserved and a UTC day.
    pub fn for_tier(tier: HubSpotTier) -> Self {
        let (ten_second, daily) = match tier {
            HubSpotTier::Free | HubSpotTier::Starter => (LOWER_TIER_TEN_SECOND, 250_000),
            HubSpotTier::Professional => (UPPER_TIER_TEN_SECOND, 625_000),
            HubSpotTier::Enterprise => (UPPER_TIER_TEN_SECOND, 1_000_000),
        };
        HubSpotLimits {
            ten_second,
            search_per_second: SEARCH_PER_SECOND,
            daily,
            daily_reserve_share: 0.0,
            daily_reset_offset: Utc.fix(),
            daily_probe_every: Duration::from_secs(15 * 60),
        }
    }

    /// The quota plan: [`TEN_SECOND_BUCKET`], [`SEARCH_BUCKET`] and the daily budget.
    pub fn quota_plan(&self) -> QuotaPlan {
        QuotaPlan::new()
            .with_bucket(BucketSpec::new(TEN_SECOND_BUCKET, self.ten_second, TEN_SECOND_WINDOW))
            .with_bucket(BucketSpec::new(
                SEARCH_BUCKET,
                self.search_per_second,
                ONE_SECOND_WINDOW,
            ))
            .with_daily(DailyLimit {
                max: Some(self.daily),
                reserve_share: self.daily_reserve_share,
                window: DailyWindow::CalendarDay {
                    utc_offset: self.daily_reset_offset,
                },
                probe_every: self.daily_probe_every,
            })
    }
}
