//! HubSpot's API limits: the 10-second rolling window, search's per-second window, the daily quota.
//!
//! State: for the integration (all its tokens share one app's limits, so refreshing a token
//! never resets them), the request instants of the last ten seconds and the search requests of
//! the last second, plus the requests counted today and whether the day's quota was exhausted by
//! hand. Time is passed in, so the logic is a pure function of the clock and unit-tested here.

use super::clock::Millis;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;

const TEN_SECONDS: Millis = 10_000;
const ONE_SECOND: Millis = 1_000;
const DAY: Millis = 86_400_000;

/// The limits in force; `None` switches one off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitConfig {
    /// Requests per rolling 10 seconds (search excluded).
    pub ten_second: Option<u32>,
    /// Search requests per rolling second.
    pub search_per_second: Option<u32>,
    /// Requests per day (UTC), search included.
    pub daily: Option<u64>,
}

/// Which limit refused a request (`policyName`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Policy {
    /// `TEN_SECONDLY_ROLLING`.
    TenSecondlyRolling,
    /// `SECONDLY` (search).
    Secondly,
    /// `DAILY`.
    Daily,
}

impl Policy {
    /// The `policyName`.
    pub fn name(self) -> &'static str {
        match self {
            Policy::TenSecondlyRolling => "TEN_SECONDLY_ROLLING",
            Policy::Secondly => "SECONDLY",
            Policy::Daily => "DAILY",
        }
    }

    /// The 429 message.
    pub fn message(self) -> &'static str {
        match self {
            Policy::TenSecondlyRolling => "You have reached your ten_secondly_rolling limit.",
            Policy::Secondly => "You have reached your secondly limit.",
            Policy::Daily => "You have reached your daily limit.",
        }
    }
}

/// A refused request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limited {
    /// The limit that refused it.
    pub policy: Policy,
    /// Seconds until a retry can succeed (`Retry-After`).
    pub retry_after_secs: u64,
}

/// The `X-HubSpot-RateLimit-*` values after an admitted request (absent: that limit is off).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RateHeaders {
    /// `-Daily`, `-Daily-Remaining`.
    pub daily: Option<(u64, u64)>,
    /// `-Max`, `-Remaining` (with `-Interval-Milliseconds: 10000`).
    pub ten_second: Option<(u32, u32)>,
    /// `-Secondly`, `-Secondly-Remaining`.
    pub secondly: Option<(u32, u32)>,
}

/// The counters.
#[derive(Debug, Default)]
pub struct LimitState {
    general: VecDeque<Millis>,
    search: VecDeque<Millis>,
    day: Millis,
    used_today: u64,
    exhausted: bool,
}

fn trim(window: &mut VecDeque<Millis>, now: Millis, span: Millis) {
    while window.front().is_some_and(|t| *t <= now - span) {
        window.pop_front();
    }
}

fn retry_after(window: &VecDeque<Millis>, now: Millis, span: Millis) -> u64 {
    let wait_ms = window.front().map(|t| t + span - now).unwrap_or(span).max(1);
    ((wait_ms + 999) / 1000) as u64
}

impl LimitState {
    fn roll_day(&mut self, now: Millis) {
        let day = now.div_euclid(DAY);
        if day != self.day {
            self.day = day;
            self.used_today = 0;
            self.exhausted = false;
        }
    }

    /// Spends the rest of today's quota: every request is refused with `DAILY` until restored
    /// (or until the next day, as at HubSpot).
    pub fn exhaust_daily(&mut self, now: Millis) {
        self.roll_day(now);
        self.exhausted = true;
    }

    /// Gives today's quota back.
    pub fn restore_daily(&mut self, now: Millis) {
        self.roll_day(now);
        self.exhausted = false;
        self.used_today = 0;
    }

    /// Requests counted today.
    pub fn used_today(&self) -> u64 {
        self.used_today
    }

    /// Admits a request at `now` or refuses it; an admitted request is counted and its rate-limit
    /// headers returned (search requests carry none, as at HubSpot).
    pub fn admit(
        &mut self,
        config: &LimitConfig,
        is_search: bool,
        now: Millis,
    ) -> Result<Option<RateHeaders>, Limited> {
        self.roll_day(now);
        let daily_full = self.exhausted || config.daily.is_some_and(|max| self.used_today >= max);
        if daily_full {
            let seconds_to_midnight = ((self.day + 1) * DAY - now + 999) / 1000;
            return Err(Limited {
                policy: Policy::Daily,
                retry_after_secs: seconds_to_midnight.max(1) as u64,
            });
        }
        trim(&mut self.general, now, TEN_SECONDS);
        trim(&mut self.search, now, ONE_SECOND);
        if is_search {
            if let Some(max) = config.search_per_second
                && self.search.len() >= max as usize
            {
                return Err(Limited {
                    policy: Policy::Secondly,
                    retry_after_secs: retry_after(&self.search, now, ONE_SECOND),
                });
            }
            self.search.push_back(now);
            self.used_today += 1;
            return Ok(None);
        }
        if let Some(max) = config.ten_second
            && self.general.len() >= max as usize
        {
            return Err(Limited {
                policy: Policy::TenSecondlyRolling,
                retry_after_secs: retry_after(&self.general, now, TEN_SECONDS),
            });
        }
        self.general.push_back(now);
        self.used_today += 1;
        let last_second = self.general.iter().filter(|t| **t > now - ONE_SECOND).count() as u32;
        Ok(Some(RateHeaders {
            daily: config.daily.map(|max| (max, max.saturating_sub(self.used_today))),
            ten_second: config
                .ten_second
                .map(|max| (max, max.saturating_sub(self.general.len() as u32))),
            secondly: config.ten_second.map(|max| {
                let per_second = max.div_ceil(10);
                (per_second, per_second.saturating_sub(last_second))
            }),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONFIG: LimitConfig = LimitConfig {
        ten_second: Some(3),
        search_per_second: Some(2),
        daily: Some(10),
    };

    #[test]
    fn the_ten_second_window_rolls() {
        let mut s = LimitState::default();
        let t = 1_000_000_000;
        for i in 0..3 {
            let h = s.admit(&CONFIG, false, t + i).unwrap().unwrap();
            assert_eq!(h.ten_second, Some((3, 2 - i as u32)));
        }
        let refused = s.admit(&CONFIG, false, t + 5).unwrap_err();
        assert_eq!(refused.policy, Policy::TenSecondlyRolling);
        assert_eq!(refused.retry_after_secs, 10);
        assert!(s.admit(&CONFIG, false, t + 9_999).is_err());
        assert!(
            s.admit(&CONFIG, false, t + 10_000).is_ok(),
            "the first request left the window"
        );
    }

    #[test]
    fn search_has_its_own_bucket_and_no_headers() {
        let mut s = LimitState::default();
        let t = 2_000_000_000;
        assert_eq!(s.admit(&CONFIG, true, t), Ok(None));
        assert_eq!(s.admit(&CONFIG, true, t), Ok(None));
        assert_eq!(s.admit(&CONFIG, true, t + 10).unwrap_err().policy, Policy::Secondly);
        assert!(
            s.admit(&CONFIG, false, t + 10).is_ok(),
            "general bucket untouched by search"
        );
        assert!(s.admit(&CONFIG, true, t + 1_000).is_ok());
    }

    #[test]
    fn the_daily_quota_counts_everything_and_resets() {
        let mut s = LimitState::default();
        let day = 20_000 * DAY;
        for i in 0..10 {
            assert!(s.admit(&CONFIG, i % 2 == 0, day + i * 20_000).is_ok());
        }
        let refused = s.admit(&CONFIG, false, day + 500_000).unwrap_err();
        assert_eq!(refused.policy, Policy::Daily);
        assert!(s.admit(&CONFIG, false, day + DAY).is_ok(), "a new day");
        s.exhaust_daily(day + DAY + 1);
        assert_eq!(
            s.admit(
                &LimitConfig {
                    ten_second: None,
                    search_per_second: None,
                    daily: None
                },
                false,
                day + DAY + 2
            )
            .unwrap_err()
            .policy,
            Policy::Daily
        );
        s.restore_daily(day + DAY + 3);
        assert!(s.admit(&CONFIG, false, day + DAY + 4).is_ok());
    }
}
