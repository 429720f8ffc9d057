//! How often and how long to retry: the [`RetryPolicy`] and its backoff schedule.
//!
//! Holds no state beyond one call's schedule. The delay ceilings come from `backon`'s
//! exponential backoff (doubling from `initial_delay`, capped at `max_delay`, at most
//! `max_attempts - 1` retries); each delay is then drawn uniformly from zero to its ceiling
//! ("full jitter", which spreads a crowd of clients that failed together better than adding a
//! little noise to a fixed delay). A server-given delay (`Retry-After`, a rate-limit window) wins
//! when it is longer. The sum of all delays of one call is capped by `max_total_delay`: a call
//! that would have to wait longer gives up with a retriable error instead of sleeping for hours.

use backon::{BackoffBuilder, ExponentialBuilder};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use std::time::Duration;

/// When to give up and how long to wait between attempts of one call.
#[derive(Debug, Clone, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry). A token refresh after a 401 adds
    /// one attempt that does not count here.
    pub max_attempts: u32,
    /// The ceiling of the first retry's delay.
    pub initial_delay: Duration,
    /// The largest ceiling any single backoff delay may reach.
    pub max_delay: Duration,
    /// The most one call may spend sleeping between attempts, server-given delays included.
    pub max_total_delay: Duration,
    /// Draw each delay uniformly from zero to its ceiling. Off only for tests that need exact delays.
    pub full_jitter: bool,
    /// Seed of the jitter; `None` seeds from the OS. Fixed seeds make tests reproducible.
    pub jitter_seed: Option<u64>,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 6,
            initial_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            max_total_delay: Duration::from_secs(120),
            full_jitter: true,
            jitter_seed: None,
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        RetryPolicy {
            max_attempts: 1,
            ..RetryPolicy::default()
        }
    }

    /// The delay ceilings of the retries, in order, before jitter: `initial_delay` doubling up to
    /// `max_delay`, one per retry.
    pub fn ceilings(&self) -> impl Iterator<Item = Duration> + use<> {
        ExponentialBuilder::new()
            .with_min_delay(self.initial_delay)
            .with_max_delay(self.max_delay)
            .with_factor(2.0)
            .with_max_times(self.max_attempts.saturating_sub(1) as usize)
            .build()
            // backon multiplies in f32; whole microseconds keep 2 × 100 ms at exactly 200 ms.
            .map(|d| Duration::from_micros(u64::try_from(d.as_micros()).unwrap_or(u64::MAX)))
    }

    /// A fresh schedule for one call.
    pub(crate) fn schedule(&self) -> Schedule {
        let rng = match self.jitter_seed {
            Some(seed) => StdRng::seed_from_u64(seed),
            None => StdRng::seed_from_u64(rand::rng().random()),
        };
        Schedule {
            ceilings: Box::new(self.ceilings()),
            rng,
            jitter: self.full_jitter,
            slept: Duration::ZERO,
            policy: self.clone(),
        }
    }
}

/// One call's retry schedule: hands out delays until the attempts or the total delay run out.
pub(crate) struct Schedule {
    ceilings: Box<dyn Iterator<Item = Duration> + Send>,
    rng: StdRng,
    jitter: bool,
    slept: Duration,
    policy: RetryPolicy,
}

/// Why a schedule refused another retry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GiveUp {
    /// `max_attempts` reached.
    Attempts,
    /// Waiting `needed` would pass `max_total_delay`.
    TotalDelay {
        /// The delay the next retry would have needed.
        needed: Duration,
    },
}

impl Schedule {
    /// The delay before the next retry, at least `server_delay`, or why there is none.
    pub(crate) fn next_delay(&mut self, server_delay: Option<Duration>) -> Result<Duration, GiveUp> {
        let ceiling = self.ceilings.next().ok_or(GiveUp::Attempts)?;
        let backoff = if self.jitter && !ceiling.is_zero() {
            // Full jitter in whole microseconds: uniform in [0, ceiling].
            let micros = u64::try_from(ceiling.as_micros()).unwrap_or(u64::MAX);
            Duration::from_micros(self.rng.random_range(0..=micros))
        } else {
            ceiling
        };
        let delay = backoff.max(server_delay.unwrap_or(Duration::ZERO));
        if self.slept + delay > self.policy.max_total_delay {
            return Err(GiveUp::TotalDelay { needed: delay });
        }
        self.slept += delay;
        Ok(delay)
    }

    /// The time slept so far.
    pub(crate) fn slept(&self) -> Duration {
        self.slept
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 8,
            initial_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            max_total_delay: Duration::from_secs(60),
            full_jitter: true,
            jitter_seed: Some(7),
        }
    }

    #[test]
    fn ceilings_double_and_stop_at_the_cap() {
        let ms: Vec<u128> = policy().ceilings().map(|d| d.as_millis()).collect();
        assert_eq!(ms, [100, 200, 400, 800, 1000, 1000, 1000], "7 retries for 8 attempts");
        assert_eq!(RetryPolicy::never().ceilings().count(), 0);
    }

    #[test]
    fn jittered_delays_stay_under_their_ceilings_and_spread() {
        let ceilings: Vec<Duration> = policy().ceilings().collect();
        let mut all = Vec::new();
        for seed in 0..200 {
            let mut schedule = RetryPolicy {
                jitter_seed: Some(seed),
                ..policy()
            }
            .schedule();
            for ceiling in &ceilings {
                let delay = schedule.next_delay(None).expect("within attempts");
                assert!(delay <= *ceiling, "{delay:?} over {ceiling:?}");
                all.push(delay.as_secs_f64() / ceiling.as_secs_f64());
            }
            assert_eq!(schedule.next_delay(None), Err(GiveUp::Attempts));
        }
        // Full jitter covers the whole range, not just the top of it.
        let low = all.iter().filter(|r| **r < 0.25).count();
        let high = all.iter().filter(|r| **r > 0.75).count();
        assert!(low > 200 && high > 200, "{low} low and {high} high of {}", all.len());
    }

    #[test]
    fn a_longer_server_delay_wins_and_the_total_is_capped() {
        let mut schedule = RetryPolicy {
            full_jitter: false,
            max_total_delay: Duration::from_secs(12),
            ..policy()
        }
        .schedule();
        assert_eq!(
            schedule.next_delay(Some(Duration::from_secs(10))),
            Ok(Duration::from_secs(10))
        );
        assert_eq!(
            schedule.next_delay(Some(Duration::from_millis(1))),
            Ok(Duration::from_millis(200))
        );
        assert_eq!(
            schedule.next_delay(Some(Duration::from_secs(5))),
            Err(GiveUp::TotalDelay {
                needed: Duration::from_secs(5)
            })
        );
        assert_eq!(schedule.slept(), Duration::from_millis(10_200));
    }
}
