//! The vendor's own count: no more than a bucket's capacity in any window of its period.
//!
//! State: the send times of the most recent requests of one bucket. A token bucket (governor)
//! with a burst of its whole capacity lets up to twice the capacity, less one, through within one
//! period: a full burst, then the refill. HubSpot counts requests over its window (ten seconds,
//! or one second for search), so that pattern draws 429s in steady state. This log holds a
//! request back until the one `capacity` places before it has left the window, plus a small
//! margin for requests that arrive closer together than they were sent.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// Send times of one bucket's recent requests, oldest first.
#[derive(Debug, Default)]
pub(crate) struct SendWindow {
    sends: Mutex<VecDeque<Instant>>,
}

/// How long a send counts: the period plus a margin for network jitter (2%, at least 50 ms).
pub(crate) fn span(period: Duration) -> Duration {
    period + (period / 50).max(Duration::from_millis(50))
}

impl SendWindow {
    /// Waits until one more request fits `capacity` per `period`, records it, returns the wait.
    pub(crate) async fn admit(&self, capacity: u32, period: Duration) -> Duration {
        let started = Instant::now();
        let span = span(period);
        let capacity = capacity.max(1) as usize;
        loop {
            let wait = {
                let mut sends = self.sends.lock().unwrap_or_else(|p| p.into_inner());
                let now = Instant::now();
                while sends.front().is_some_and(|t| now.duration_since(*t) >= span) {
                    sends.pop_front();
                }
                if sends.len() < capacity {
                    sends.push_back(now);
                    return started.elapsed();
                }
                // The send that must leave the window before this one may go.
                let blocking = sends[sends.len() - capacity];
                (blocking + span).saturating_duration_since(now)
            };
            tokio::time::sleep(wait.max(Duration::from_micros(1))).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn no_window_of_the_period_holds_more_than_the_capacity() {
        let window = SendWindow::default();
        let start = Instant::now();
        let mut at = Vec::new();
        for _ in 0..40 {
            window.admit(5, Duration::from_secs(1)).await;
            at.push(start.elapsed());
        }
        for (i, t) in at.iter().enumerate() {
            let within = at[i..].iter().take_while(|u| **u < *t + Duration::from_secs(1)).count();
            assert!(within <= 5, "{within} sends in the second from {t:?}: {at:?}");
        }
        // Bursts of five, one window (plus the margin) apart: no slower than the limit requires.
        assert_eq!(at[5], span(Duration::from_secs(1)));
        assert_eq!(at[39], span(Duration::from_secs(1)) * 7);
    }

    #[tokio::test(start_paused = true)]
    async fn a_lower_capacity_applies_at_once() {
        let window = SendWindow::default();
        for _ in 0..4 {
            assert_eq!(window.admit(4, Duration::from_secs(10)).await, Duration::ZERO);
        }
        // The vendor now says 2 per 10 s: the next waits until only one send remains in the window.
        let waited = window.admit(2, Duration::from_secs(10)).await;
        assert_eq!(waited, span(Duration::from_secs(10)));
    }
}
