//! The daily API budget: counted locally, corrected from the vendor's headers, failing fast when spent.
//!
//! State: calls used in the current day, the day's limit (configured, or learned from headers),
//! when a calendar day ends, whether the vendor itself refused a call for quota, and when the
//! next probe may go out. Every method takes `now`, so the rules are tested without a clock.
//!
//! Rules:
//! - A call is let through while `used < usable`, where `usable = max - ceil(max * reserve_share)`:
//!   the reserve is left for the account's other integrations. A limit that is not known yet
//!   (Salesforce before its first `Sforce-Limit-Info`) limits nothing.
//! - The vendor's count is the truth: every reading replaces ours (it includes the other
//!   integrations; our own calls still in flight are the only difference, a handful at most).
//! - Once spent, calls fail fast without being sent, except one probe every `probe_every`, which
//!   asks the vendor whether budget is back (a rolling 24-hour window frees it gradually, and an
//!   account's time zone may differ from the configured one).
//! - A calendar day's count starts again at its midnight.

use crate::vendor::DailyReading;
use chrono::{DateTime, Days, FixedOffset, NaiveTime, TimeZone, Utc};
use serde::Serialize;
use std::sync::Mutex;
use std::time::Duration;

/// How the vendor's day is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DailyWindow {
    /// A calendar day that starts at midnight at this UTC offset (HubSpot: the account's time zone).
    CalendarDay {
        /// The account's UTC offset.
        utc_offset: FixedOffset,
    },
    /// The last 24 hours, rolling (Salesforce).
    Rolling24Hours,
}

/// The daily budget of a quota plan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct DailyLimit {
    /// Requests per day, when known up front.
    pub max: Option<u64>,
    /// Share of `max` (0.0..1.0) left for other integrations.
    pub reserve_share: f64,
    /// How the day is counted.
    pub window: DailyWindow,
    /// How often one probe call may go out once the budget is spent.
    pub probe_every: Duration,
}

/// The daily budget as `status` and metrics show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DailyStatus {
    /// Requests used today, by the vendor's count when it reports one.
    pub used: u64,
    /// Requests allowed per day, when known.
    pub max: Option<u64>,
    /// Requests left for other integrations.
    pub reserved: Option<u64>,
    /// Requests closedloop may use today (`max - reserved`).
    pub usable: Option<u64>,
    /// Requests closedloop may still use today.
    pub remaining: Option<u64>,
    /// True when calls fail fast.
    pub exhausted: bool,
    /// When exhausted, the earliest time a call goes out again; otherwise the end of a calendar day.
    pub resets_at: Option<DateTime<Utc>>,
}

/// Why a call was refused: the figures for the error and the status line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Exhausted {
    pub(crate) used: u64,
    pub(crate) usable: Option<u64>,
    pub(crate) resets_at: Option<DateTime<Utc>>,
    pub(crate) reported_by_vendor: bool,
}

#[derive(Debug)]
struct State {
    used: u64,
    max: Option<u64>,
    day_ends_at: Option<DateTime<Utc>>,
    vendor_refused: bool,
    next_probe_at: Option<DateTime<Utc>>,
}

#[derive(Debug)]
pub(crate) struct DailyBudget {
    limit: DailyLimit,
    state: Mutex<State>,
}

impl DailyBudget {
    pub(crate) fn new(limit: DailyLimit, now: DateTime<Utc>) -> Self {
        let day_ends_at = match limit.window {
            DailyWindow::CalendarDay { utc_offset } => Some(next_midnight(now, utc_offset)),
            DailyWindow::Rolling24Hours => None,
        };
        let state = State {
            used: 0,
            max: limit.max,
            day_ends_at,
            vendor_refused: false,
            next_probe_at: None,
        };
        DailyBudget {
            limit,
            state: Mutex::new(state),
        }
    }

    /// Whether a call would be let through now, without counting it.
    pub(crate) fn check(&self, now: DateTime<Utc>) -> Result<(), Exhausted> {
        let mut state = self.lock(now);
        if !self.is_spent(&state) || state.next_probe_at.is_some_and(|at| now >= at) {
            return Ok(());
        }
        state.next_probe_at.get_or_insert(now + self.probe_every());
        Err(self.exhausted(&state))
    }

    /// Counts a call that is about to be sent, or refuses it.
    pub(crate) fn take(&self, now: DateTime<Utc>) -> Result<(), Exhausted> {
        let mut state = self.lock(now);
        if self.is_spent(&state) {
            let probe_at = *state.next_probe_at.get_or_insert(now + self.probe_every());
            if now < probe_at {
                return Err(self.exhausted(&state));
            }
            // This call is the probe; the next one waits another interval.
            state.next_probe_at = Some(now + self.probe_every());
        }
        state.used += 1;
        Ok(())
    }

    /// Adopts the vendor's count.
    pub(crate) fn observe(&self, reading: DailyReading, now: DateTime<Utc>) {
        let mut state = self.lock(now);
        state.used = reading.used;
        state.max = Some(reading.max);
        if reading.used < reading.max {
            state.vendor_refused = false;
        }
        if !self.is_spent(&state) {
            state.next_probe_at = None;
        }
    }

    /// The vendor accepted a call: whatever it refused before, it no longer refuses.
    pub(crate) fn accepted(&self, now: DateTime<Utc>) {
        let mut state = self.lock(now);
        if state.vendor_refused {
            state.vendor_refused = false;
            if !self.is_spent(&state) {
                state.next_probe_at = None;
            }
        }
    }

    /// The vendor refused a call because the day's budget is spent.
    pub(crate) fn refused_by_vendor(&self, now: DateTime<Utc>) -> Exhausted {
        let mut state = self.lock(now);
        state.vendor_refused = true;
        state.next_probe_at = Some(now + self.probe_every());
        self.exhausted(&state)
    }

    pub(crate) fn status(&self, now: DateTime<Utc>) -> DailyStatus {
        let state = self.lock(now);
        let usable = state.max.map(|max| self.usable(max));
        let exhausted = self.is_spent(&state);
        DailyStatus {
            used: state.used,
            max: state.max,
            reserved: state.max.zip(usable).map(|(max, usable)| max - usable),
            usable,
            remaining: usable.map(|usable| usable.saturating_sub(state.used)),
            exhausted,
            resets_at: if exhausted {
                self.resets_at(&state)
            } else {
                state.day_ends_at
            },
        }
    }

    fn usable(&self, max: u64) -> u64 {
        let share = if self.limit.reserve_share.is_finite() {
            self.limit.reserve_share.clamp(0.0, 1.0)
        } else {
            0.0
        };
        // Rounding the reserve up errs on the side of the other integrations.
        let reserved = (max as f64 * share).ceil() as u64;
        max.saturating_sub(reserved)
    }

    fn is_spent(&self, state: &State) -> bool {
        state.vendor_refused || state.max.is_some_and(|max| state.used >= self.usable(max))
    }

    fn exhausted(&self, state: &State) -> Exhausted {
        Exhausted {
            used: state.used,
            usable: state.max.map(|max| self.usable(max)),
            resets_at: self.resets_at(state),
            reported_by_vendor: state.vendor_refused,
        }
    }

    /// The earliest time a call goes out again: the next probe or the end of the day.
    fn resets_at(&self, state: &State) -> Option<DateTime<Utc>> {
        match (state.next_probe_at, state.day_ends_at) {
            (Some(probe), Some(day)) => Some(probe.min(day)),
            (probe, day) => probe.or(day),
        }
    }

    fn probe_every(&self) -> chrono::Duration {
        chrono::Duration::from_std(self.limit.probe_every).unwrap_or(chrono::Duration::minutes(15))
    }

    /// The state, with a calendar day that has ended started afresh.
    fn lock(&self, now: DateTime<Utc>) -> std::sync::MutexGuard<'_, State> {
        let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let (DailyWindow::CalendarDay { utc_offset }, Some(ends)) = (self.limit.window, state.day_ends_at)
            && now >= ends
        {
            state.used = 0;
            state.vendor_refused = false;
            state.next_probe_at = None;
            state.day_ends_at = Some(next_midnight(now, utc_offset));
        }
        state
    }
}

/// The first midnight after `now` at `offset`, in UTC.
fn next_midnight(now: DateTime<Utc>, offset: FixedOffset) -> DateTime<Utc> {
    let local = now.with_timezone(&offset);
    let tomorrow = local
        .date_naive()
        .checked_add_days(Days::new(1))
        .unwrap_or(local.date_naive());
    let midnight = tomorrow.and_time(NaiveTime::MIN);
    match offset.from_local_datetime(&midnight).single() {
        Some(at) => at.with_timezone(&Utc),
        // A fixed offset maps every local time exactly once; this arm is unreachable in practice.
        None => now + chrono::Duration::days(1),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().expect("test time")
    }

    fn limit(max: Option<u64>, reserve_share: f64, window: DailyWindow) -> DailyLimit {
        DailyLimit {
            max,
            reserve_share,
            window,
            probe_every: Duration::from_secs(600),
        }
    }

    const UTC_DAY: DailyWindow = DailyWindow::CalendarDay {
        utc_offset: FixedOffset::east_opt(0).unwrap(),
    };

    #[test]
    fn calls_fail_fast_once_the_usable_share_is_spent() {
        let now = at("2024-05-01T10:00:00Z");
        let budget = DailyBudget::new(limit(Some(10), 0.2, UTC_DAY), now);
        for _ in 0..8 {
            assert_eq!(budget.check(now), Ok(()));
            assert_eq!(budget.take(now), Ok(()));
        }
        let refused = budget.take(now).expect_err("2 of 10 are reserved");
        assert_eq!(
            (refused.used, refused.usable, refused.reported_by_vendor),
            (8, Some(8), false)
        );
        assert_eq!(refused.resets_at, Some(at("2024-05-01T10:10:00Z")), "the first probe");
        assert!(budget.check(now).is_err());
        let status = budget.status(now);
        assert_eq!(
            (status.reserved, status.usable, status.remaining, status.exhausted),
            (Some(2), Some(8), Some(0), true)
        );
    }

    #[test]
    fn one_probe_per_interval_goes_out_once_spent() {
        let now = at("2024-05-01T10:00:00Z");
        let budget = DailyBudget::new(limit(Some(5), 0.0, DailyWindow::Rolling24Hours), now);
        budget.observe(DailyReading { used: 5, max: 5 }, now);
        assert!(budget.take(now).is_err());
        let later = at("2024-05-01T10:10:00Z");
        assert_eq!(budget.check(later), Ok(()), "the probe is due");
        assert_eq!(budget.take(later), Ok(()), "the probe goes out");
        let refused = budget.take(later).expect_err("only one probe");
        assert_eq!(refused.resets_at, Some(at("2024-05-01T10:20:00Z")));
        // The probe's response says budget is back (the rolling window moved on).
        budget.observe(DailyReading { used: 3, max: 5 }, later);
        assert_eq!(budget.take(later), Ok(()));
        assert_eq!(budget.status(later).remaining, Some(1));
    }

    #[test]
    fn the_vendor_count_replaces_ours() {
        let now = at("2024-05-01T10:00:00Z");
        let budget = DailyBudget::new(limit(None, 0.1, DailyWindow::Rolling24Hours), now);
        for _ in 0..100 {
            budget.take(now).expect("no limit known yet");
        }
        // Other integrations used most of the day.
        budget.observe(
            DailyReading {
                used: 89_000,
                max: 100_000,
            },
            now,
        );
        let status = budget.status(now);
        assert_eq!(
            (status.used, status.max, status.usable, status.remaining),
            (89_000, Some(100_000), Some(90_000), Some(1000))
        );
        budget.observe(
            DailyReading {
                used: 88_000,
                max: 100_000,
            },
            now,
        );
        assert_eq!(budget.status(now).used, 88_000);
    }

    #[test]
    fn a_vendor_refusal_stops_calls_until_a_probe_is_accepted() {
        let now = at("2024-05-01T10:00:00Z");
        let budget = DailyBudget::new(limit(Some(1000), 0.0, UTC_DAY), now);
        let refused = budget.refused_by_vendor(now);
        assert!(refused.reported_by_vendor);
        assert!(budget.take(now).is_err());
        let later = at("2024-05-01T10:10:00Z");
        assert_eq!(budget.take(later), Ok(()));
        budget.accepted(later);
        assert_eq!(budget.take(later), Ok(()));
    }

    #[test]
    fn a_calendar_day_starts_again_at_the_accounts_midnight() {
        let offset = FixedOffset::west_opt(5 * 3600).expect("offset");
        let now = at("2024-05-01T23:00:00Z"); // 18:00 at UTC-5
        let budget = DailyBudget::new(
            limit(Some(2), 0.0, DailyWindow::CalendarDay { utc_offset: offset }),
            now,
        );
        budget.take(now).expect("first");
        budget.take(now).expect("second");
        let refused = budget.take(now).expect_err("spent");
        assert_eq!(refused.resets_at, Some(at("2024-05-01T23:10:00Z")));
        assert_eq!(budget.status(at("2024-05-02T04:59:59Z")).used, 2);
        let new_day = at("2024-05-02T05:00:00Z");
        assert_eq!(budget.take(new_day), Ok(()));
        assert_eq!(budget.status(new_day).resets_at, Some(at("2024-05-03T05:00:00Z")));
    }

    #[test]
    fn odd_reserve_shares_are_clamped() {
        let now = at("2024-05-01T10:00:00Z");
        for (share, usable) in [(-1.0, 100), (0.5, 50), (0.333, 66), (2.0, 0), (f64::NAN, 100)] {
            let budget = DailyBudget::new(limit(Some(100), share, UTC_DAY), now);
            assert_eq!(budget.status(now).usable, Some(usable), "share {share}");
        }
    }
}
