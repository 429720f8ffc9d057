//! Quotas of one connector account: named short-window buckets plus a daily budget.
//!
//! State: one [`bucket::Bucket`] per name in the [`QuotaPlan`] and an optional
//! [`daily::DailyBudget`]. Every attempt (first or retry) takes a permit: it fails fast when the
//! daily budget is spent, then waits for a cell of each bucket its [`crate::Endpoint`] names,
//! then counts against the day. Responses feed the vendor's figures back in: lower limits are
//! adopted, buckets drained to what the vendor says remains, and the daily count replaced by the
//! vendor's. The figures are published as metrics and returned by [`Quotas::status`].

mod bucket;
mod daily;
mod window;

pub use bucket::BucketSpec;
pub use daily::{DailyLimit, DailyStatus, DailyWindow};

use crate::telemetry;
use crate::vendor::QuotaObservation;
use bucket::Bucket;
use chrono::{DateTime, Utc};
use daily::DailyBudget;
pub(crate) use daily::Exhausted;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

/// The quotas of one account: which buckets exist and the daily budget.
///
/// Vendor presets: [`crate::vendor::hubspot::HubSpotLimits::quota_plan`] and
/// [`crate::vendor::salesforce::SalesforceLimits::quota_plan`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct QuotaPlan {
    /// Short-window buckets; requests name the ones they draw from.
    pub buckets: Vec<BucketSpec>,
    /// The daily budget every request counts against, if the vendor has one.
    pub daily: Option<DailyLimit>,
}

impl QuotaPlan {
    /// A plan with no limits.
    pub fn new() -> Self {
        QuotaPlan::default()
    }

    /// Adds a bucket (a bucket of the same name is replaced).
    pub fn with_bucket(mut self, spec: BucketSpec) -> Self {
        self.buckets.retain(|b| b.name != spec.name);
        self.buckets.push(spec);
        self
    }

    /// Sets the daily budget.
    pub fn with_daily(mut self, daily: DailyLimit) -> Self {
        self.daily = Some(daily);
        self
    }
}

/// The quota figures of one account, for `status` and metrics.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaStatus {
    /// The short-window buckets.
    pub buckets: Vec<BucketStatus>,
    /// The daily budget, if there is one.
    pub daily: Option<DailyStatus>,
}

/// One short-window bucket's figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BucketStatus {
    /// The bucket's name.
    pub name: &'static str,
    /// Requests per window in force (lower than configured when the vendor reported less).
    pub capacity: u32,
    /// Requests per window in the quota plan.
    pub configured_capacity: u32,
    /// The window, in milliseconds.
    pub period_ms: u64,
    /// Requests that may go out right now without waiting (an estimate).
    pub remaining: u32,
}

pub(crate) struct Quotas {
    connector: Arc<str>,
    buckets: Vec<Bucket>,
    daily: Option<DailyBudget>,
}

impl Quotas {
    pub(crate) fn new(connector: Arc<str>, plan: &QuotaPlan, now: DateTime<Utc>) -> Self {
        let quotas = Quotas {
            connector,
            buckets: plan.buckets.iter().copied().map(Bucket::new).collect(),
            daily: plan.daily.map(|limit| DailyBudget::new(limit, now)),
        };
        quotas.publish(now);
        quotas
    }

    /// The name of a bucket in `names` that this plan lacks, if any.
    pub(crate) fn missing_bucket(&self, names: &[&'static str]) -> Option<&'static str> {
        names
            .iter()
            .copied()
            .find(|name| !self.buckets.iter().any(|b| b.name() == *name))
    }

    /// Takes a permit for one attempt: fails fast when the day is spent, else waits for a cell of
    /// each named bucket and counts the attempt against the day.
    pub(crate) async fn acquire(
        &self,
        names: &[&'static str],
        now: impl Fn() -> DateTime<Utc>,
    ) -> Result<(), Exhausted> {
        if let Some(daily) = &self.daily {
            daily.check(now())?;
        }
        for bucket in self.buckets.iter().filter(|b| names.contains(&b.name())) {
            let waited = bucket.acquire().await;
            telemetry::quota_waited(&self.connector, bucket.name(), waited);
        }
        if let Some(daily) = &self.daily {
            daily.take(now())?;
        }
        self.publish(now());
        Ok(())
    }

    /// Applies the vendor's figures from one response. Returns true when a bucket was slowed down
    /// (fewer left in the window than we thought, or a lower limit than configured).
    pub(crate) fn observe(&self, observation: &QuotaObservation, now: DateTime<Utc>) -> bool {
        let mut slowed = false;
        for reading in &observation.buckets {
            if let Some(bucket) = self.buckets.iter().find(|b| b.name() == reading.bucket) {
                slowed |= bucket.observe(reading.remaining, reading.max, reading.interval);
            }
        }
        if let (Some(daily), Some(reading)) = (&self.daily, observation.daily) {
            daily.observe(reading, now);
        }
        self.publish(now);
        slowed
    }

    /// The vendor answered 2xx: it is not refusing calls for quota.
    pub(crate) fn accepted(&self, now: DateTime<Utc>) {
        if let Some(daily) = &self.daily {
            daily.accepted(now);
        }
    }

    /// The vendor said a short window is full: spend the named buckets so every caller waits.
    pub(crate) fn rate_limited(&self, names: &[&'static str], now: DateTime<Utc>) {
        for bucket in self.buckets.iter().filter(|b| names.contains(&b.name())) {
            bucket.exhaust();
        }
        self.publish(now);
    }

    /// The vendor refused a call because the day's budget is spent.
    pub(crate) fn daily_refused(&self, now: DateTime<Utc>) -> Option<Exhausted> {
        let exhausted = self.daily.as_ref().map(|daily| daily.refused_by_vendor(now));
        self.publish(now);
        exhausted
    }

    pub(crate) fn status(&self, now: DateTime<Utc>) -> QuotaStatus {
        QuotaStatus {
            buckets: self
                .buckets
                .iter()
                .map(|b| BucketStatus {
                    name: b.name(),
                    capacity: b.spec().capacity.get(),
                    configured_capacity: b.configured().capacity.get(),
                    period_ms: u64::try_from(b.spec().period.as_millis()).unwrap_or(u64::MAX),
                    remaining: b.remaining(),
                })
                .collect(),
            daily: self.daily.as_ref().map(|d| d.status(now)),
        }
    }

    /// Publishes the figures as gauges.
    fn publish(&self, now: DateTime<Utc>) {
        for bucket in &self.buckets {
            telemetry::quota_remaining(&self.connector, bucket.name(), u64::from(bucket.remaining()));
        }
        if let Some(daily) = &self.daily {
            telemetry::daily_quota(&self.connector, &daily.status(now));
        }
    }
}

/// How long from `now` until `at`, zero when it has passed.
pub(crate) fn until(at: DateTime<Utc>, now: DateTime<Utc>) -> Duration {
    (at - now).to_std().unwrap_or(Duration::ZERO)
}
