//! The simulator's clock: wall-clock time that tests can freeze and move forward.
//!
//! State: an offset from the system clock and, while frozen, the instant it is frozen at. Every
//! time-dependent behaviour (rate-limit windows, token expiry, search-index lag, `updatedAt`)
//! reads this clock, so a test freezes it and steps it instead of sleeping or racing real time.

use std::sync::Mutex;

/// Milliseconds since the Unix epoch, as every timestamp inside the simulator is kept.
pub type Millis = i64;

#[derive(Debug, Default)]
struct ClockState {
    offset_ms: Millis,
    frozen_at: Option<Millis>,
}

/// A clock that reads the system time, shifted and optionally frozen.
#[derive(Debug, Default)]
pub struct SimClock {
    state: Mutex<ClockState>,
}

fn system_now_ms() -> Millis {
    chrono::Utc::now().timestamp_millis()
}

impl SimClock {
    /// A clock that follows the system time.
    pub fn new() -> Self {
        SimClock::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        // The state is two integers; a panic elsewhere cannot leave it inconsistent.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The current simulated time.
    pub fn now_ms(&self) -> Millis {
        let state = self.lock();
        state.frozen_at.unwrap_or_else(|| system_now_ms() + state.offset_ms)
    }

    /// Stops the clock at the current instant.
    pub fn freeze(&self) {
        let mut state = self.lock();
        if state.frozen_at.is_none() {
            state.frozen_at = Some(system_now_ms() + state.offset_ms);
        }
    }

    /// Lets the clock run again from where it was frozen.
    pub fn unfreeze(&self) {
        let mut state = self.lock();
        if let Some(at) = state.frozen_at.take() {
            state.offset_ms = at - system_now_ms();
        }
    }

    /// True while frozen.
    pub fn is_frozen(&self) -> bool {
        self.lock().frozen_at.is_some()
    }

    /// Moves the clock forward (never backward: a negative step is ignored, since time that
    /// runs backwards would break every "only moves forward" guarantee the simulator keeps).
    pub fn advance(&self, ms: Millis) {
        if ms <= 0 {
            return;
        }
        let mut state = self.lock();
        match state.frozen_at.as_mut() {
            Some(at) => *at += ms,
            None => state.offset_ms += ms,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frozen_clock_moves_only_when_advanced() {
        let clock = SimClock::new();
        clock.freeze();
        let t0 = clock.now_ms();
        assert_eq!(clock.now_ms(), t0);
        clock.advance(1_500);
        assert_eq!(clock.now_ms(), t0 + 1_500);
        clock.advance(-10_000);
        assert_eq!(clock.now_ms(), t0 + 1_500, "the clock never goes back");
        clock.unfreeze();
        assert!(clock.now_ms() >= t0 + 1_500);
    }
}
