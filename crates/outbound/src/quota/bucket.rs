//! One short-window quota bucket: a `governor` rate limiter that the vendor's headers can slow down,
//! and a log of send times that keeps any window of the period within the capacity.
//!
//! State: the limiter (replaced when the vendor reports a lower limit than configured), the send
//! log ([`super::window`]: the limiter alone lets a burst and its refill into one window) and an
//! estimate of the cells left, taken from the limiter's last decision and refilled at its rate,
//! so `status` can show it without spending a cell. The limiter's clock is tokio's, so tests that
//! pause time drive the bucket too.

use super::window::SendWindow;
use governor::clock::Clock;
use governor::middleware::StateInformationMiddleware;
use governor::state::{InMemoryState, NotKeyed};
use governor::{Quota, RateLimiter};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;
use tokio::time::Instant;

/// A governor clock that reads tokio's clock, so paused time in tests applies to quotas.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TokioClock;

impl Clock for TokioClock {
    type Instant = std::time::Instant;

    fn now(&self) -> Self::Instant {
        Instant::now().into_std()
    }
}

type Limiter = RateLimiter<NotKeyed, InMemoryState, TokioClock, StateInformationMiddleware>;

/// A named short-window bucket: `capacity` requests per `period`, refilled continuously.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BucketSpec {
    /// The name requests use to draw from it (see [`crate::Endpoint`]).
    pub name: &'static str,
    /// Requests per period (and the largest burst).
    pub capacity: NonZeroU32,
    /// The window length.
    pub period: Duration,
}

impl BucketSpec {
    /// A bucket of `capacity` requests per `period`.
    pub const fn new(name: &'static str, capacity: NonZeroU32, period: Duration) -> Self {
        BucketSpec { name, capacity, period }
    }

    fn quota(&self) -> Quota {
        // A zero period would make governor refuse the quota; a nanosecond is "no limit" in practice.
        let per_cell = (self.period / self.capacity.get()).max(Duration::from_nanos(1));
        Quota::with_period(per_cell)
            .unwrap_or_else(|| Quota::per_second(self.capacity))
            .allow_burst(self.capacity)
    }
}

/// The limiter currently in force, with the spec it was built from.
struct Active {
    spec: BucketSpec,
    limiter: Limiter,
}

/// Cells left after the limiter's last decision, and when it was made.
#[derive(Clone, Copy)]
struct Estimate {
    remaining: u32,
    at: Instant,
}

pub(crate) struct Bucket {
    configured: BucketSpec,
    active: RwLock<Arc<Active>>,
    window: SendWindow,
    estimate: Mutex<Estimate>,
}

impl Bucket {
    pub(crate) fn new(spec: BucketSpec) -> Self {
        Bucket {
            configured: spec,
            active: RwLock::new(Arc::new(Active {
                spec,
                limiter: limiter(&spec),
            })),
            window: SendWindow::default(),
            estimate: Mutex::new(Estimate {
                remaining: spec.capacity.get(),
                at: Instant::now(),
            }),
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        self.configured.name
    }

    /// Takes one cell, waiting until one is free; returns how long it waited.
    pub(crate) async fn acquire(&self) -> Duration {
        let started = Instant::now();
        loop {
            let active = self.active();
            match active.limiter.check() {
                Ok(snapshot) => {
                    self.set_estimate(snapshot.remaining_burst_capacity());
                    self.window.admit(active.spec.capacity.get(), active.spec.period).await;
                    return started.elapsed();
                }
                Err(not_until) => {
                    let wait = not_until.wait_time_from(TokioClock.now());
                    tokio::time::sleep(wait.max(Duration::from_micros(1))).await;
                }
            }
        }
    }

    /// Applies the vendor's view of this bucket: adopts a lower limit than configured, and spends
    /// cells until no more remain than the vendor says (other clients share the vendor's count).
    /// Returns true when it slowed the bucket down.
    pub(crate) fn observe(&self, remaining: u32, max: u32, interval: Option<Duration>) -> bool {
        let mut slowed = false;
        let current = self.active().spec;
        if let Some(max) = NonZeroU32::new(max).filter(|m| *m < current.capacity) {
            let spec = BucketSpec {
                capacity: max,
                period: interval.unwrap_or(current.period),
                ..current
            };
            self.replace(spec);
            slowed = true;
        }
        slowed | self.drain_to(remaining)
    }

    /// Spends every cell: the vendor said this bucket's window is full (a 429).
    pub(crate) fn exhaust(&self) {
        self.drain_to(0);
    }

    /// Cells left now, by the estimate (no cell is spent to find out).
    pub(crate) fn remaining(&self) -> u32 {
        let active = self.active();
        let estimate = *self.estimate.lock().unwrap_or_else(|p| p.into_inner());
        let per_cell = active.limiter_period_per_cell();
        let refilled = if per_cell.is_zero() {
            u32::MAX
        } else {
            u32::try_from(estimate.at.elapsed().as_nanos() / per_cell.as_nanos()).unwrap_or(u32::MAX)
        };
        estimate
            .remaining
            .saturating_add(refilled)
            .min(active.spec.capacity.get())
    }

    /// The limit in force (lower than configured once the vendor reported a lower one).
    pub(crate) fn spec(&self) -> BucketSpec {
        self.active().spec
    }

    /// The limit from the quota plan.
    pub(crate) fn configured(&self) -> BucketSpec {
        self.configured
    }

    fn drain_to(&self, target: u32) -> bool {
        let ours = self.remaining();
        if target >= ours {
            return false;
        }
        let active = self.active();
        for _ in target..ours {
            match active.limiter.check() {
                Ok(snapshot) => self.set_estimate(snapshot.remaining_burst_capacity()),
                Err(_) => {
                    self.set_estimate(0);
                    break;
                }
            }
        }
        true
    }

    fn replace(&self, spec: BucketSpec) {
        let fresh = Arc::new(Active {
            spec,
            limiter: limiter(&spec),
        });
        *self.active.write().unwrap_or_else(|p| p.into_inner()) = fresh;
        self.set_estimate(spec.capacity.get());
    }

    fn active(&self) -> Arc<Active> {
        self.active.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn set_estimate(&self, remaining: u32) {
        *self.estimate.lock().unwrap_or_else(|p| p.into_inner()) = Estimate {
            remaining,
            at: Instant::now(),
        };
    }
}

impl Active {
    fn limiter_period_per_cell(&self) -> Duration {
        self.spec.quota().replenish_interval()
    }
}

fn limiter(spec: &BucketSpec) -> Limiter {
    RateLimiter::direct_with_clock(spec.quota(), TokioClock).with_middleware::<StateInformationMiddleware>()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(capacity: u32, period_secs: u64) -> Bucket {
        let capacity = NonZeroU32::new(capacity).expect("test capacity");
        Bucket::new(BucketSpec::new("b", capacity, Duration::from_secs(period_secs)))
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_lets_a_burst_through_then_waits_for_the_window() {
        let b = bucket(10, 10);
        for _ in 0..10 {
            assert_eq!(b.acquire().await, Duration::ZERO);
        }
        assert_eq!(b.remaining(), 0);
        // The vendor counts the last 10 s: the 11th call waits for the first to leave that window
        // (the limiter alone would have let it through after 1 s, and drawn a 429).
        let waited = b.acquire().await;
        assert_eq!(waited, super::super::window::span(Duration::from_secs(10)));
        tokio::time::advance(Duration::from_secs(5)).await;
        assert_eq!(b.remaining(), 10, "the limiter refilled meanwhile");
    }

    #[tokio::test(start_paused = true)]
    async fn the_vendor_saying_fewer_remain_slows_us_down() {
        let b = bucket(100, 10);
        assert!(b.observe(3, 100, None), "we thought 100 remained");
        assert_eq!(b.remaining(), 3);
        for _ in 0..3 {
            assert_eq!(b.acquire().await, Duration::ZERO);
        }
        assert!(
            b.acquire().await >= Duration::from_millis(99),
            "paced at 100 per 10 s once spent"
        );
        assert!(
            !b.observe(50, 100, None),
            "the vendor saying more remain changes nothing"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_lower_vendor_limit_replaces_the_configured_one() {
        let b = bucket(190, 10);
        assert!(b.observe(99, 100, Some(Duration::from_secs(10))));
        assert_eq!(b.spec().capacity.get(), 100);
        assert_eq!(b.configured().capacity.get(), 190);
        assert_eq!(b.remaining(), 99);
        b.exhaust();
        assert_eq!(b.remaining(), 0);
        assert!(b.acquire().await >= Duration::from_millis(99));
    }
}
