//! Random draws the generator needs, on a seeded ChaCha stream, and the time arithmetic around them.
//!
//! Holds no state beyond the caller's RNG. Every draw goes through [`Draw`], so the whole
//! generator uses one RNG type and its output depends on the seed and the draw order only.
//! Times are Unix seconds (`i64`) inside the generator; [`to_utc`] converts at the edge.

use chrono::{DateTime, Datelike, Utc, Weekday};
use rand::RngExt;
use rand_chacha::ChaCha8Rng;

/// One minute, hour and day in seconds.
pub(crate) const MINUTE: i64 = 60;
/// One hour in seconds.
pub(crate) const HOUR: i64 = 3_600;
/// One day in seconds.
pub(crate) const DAY: i64 = 86_400;

/// The generator's random source.
pub(crate) struct Draw {
    rng: ChaCha8Rng,
}

impl Draw {
    /// Wraps a seeded RNG positioned on its own stream.
    pub(crate) fn new(rng: ChaCha8Rng) -> Self {
        Draw { rng }
    }

    /// True with probability `p` (clamped to 0..=1).
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.rng.random_bool(p.clamp(0.0, 1.0))
    }

    /// A float in `0..1`.
    pub(crate) fn unit(&mut self) -> f64 {
        self.rng.random::<f64>()
    }

    /// An integer in `lo..=hi` (`lo` when the range is empty).
    pub(crate) fn int(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo { lo } else { self.rng.random_range(lo..=hi) }
    }

    /// An index in `0..len` (0 when `len` is 0; callers check emptiness first).
    pub(crate) fn index(&mut self, len: usize) -> usize {
        if len <= 1 { 0 } else { self.rng.random_range(0..len) }
    }

    /// One element of a non-empty slice.
    pub(crate) fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.index(items.len())]
    }

    /// An index drawn with the given weights (the last index if all weights are zero).
    pub(crate) fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().filter(|w| **w > 0.0).sum();
        if total <= 0.0 {
            return weights.len().saturating_sub(1);
        }
        let mut x = self.unit() * total;
        for (i, w) in weights.iter().enumerate() {
            if *w > 0.0 {
                if x < *w {
                    return i;
                }
                x -= w;
            }
        }
        weights.len() - 1
    }

    /// One of `(item, weight)` pairs drawn by weight.
    pub(crate) fn weighted_pick<T: Copy>(&mut self, items: &[(T, f64)]) -> T {
        let mut total = 0.0;
        for (_, w) in items {
            total += w.max(0.0);
        }
        let mut x = self.unit() * total;
        for (item, w) in items {
            let w = w.max(0.0);
            if x < w {
                return *item;
            }
            x -= w;
        }
        items[items.len() - 1].0
    }

    /// A standard normal draw (Box–Muller; one value per call keeps the draw order simple).
    pub(crate) fn normal(&mut self) -> f64 {
        let u1 = self.unit().max(f64::MIN_POSITIVE);
        let u2 = self.unit();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// A log-normal draw with the given median and spread (sigma of the underlying normal).
    pub(crate) fn lognormal(&mut self, median: f64, sigma: f64) -> f64 {
        median * (sigma * self.normal()).exp()
    }

    /// A duration in seconds, log-normal around `median` seconds, at least 1.
    pub(crate) fn delay(&mut self, median: f64, sigma: f64) -> i64 {
        (self.lognormal(median, sigma).min(1e10) as i64).max(1)
    }

    /// A count with the given mean: geometric-like spread (many small, a long tail), at least `min`.
    pub(crate) fn count(&mut self, mean: f64, min: u32) -> u32 {
        let extra = (mean - f64::from(min)).max(0.0);
        if extra <= 0.0 {
            return min;
        }
        // Exponential with the wanted mean, floored; the +0.5 keeps the floor's mean unbiased.
        let x = -extra * (1.0 - self.unit()).ln();
        min + (x + 0.5).floor().min(10_000.0) as u32
    }

    /// `t` if it falls in working hours (see [`next_working_moment`]), otherwise a moment in the
    /// first ninety minutes of the next working day, so deferred work does not all start at the
    /// same second.
    pub(crate) fn working_time(&mut self, t: i64, open_hour: u32) -> i64 {
        let w = next_working_moment(t, open_hour);
        if w == t { t } else { w + self.int(0, 90 * MINUTE) }
    }

    /// `t` when it is no later than `end`, otherwise a moment between `from` and `end`: a record
    /// that must exist lands inside the history rather than piling up on its last second.
    pub(crate) fn by_end(&mut self, t: i64, from: i64, end: i64) -> i64 {
        if t <= end { t } else { self.between(from.min(end), end) }
    }

    /// An instant uniformly in `lo..=hi`.
    pub(crate) fn between(&mut self, lo: i64, hi: i64) -> i64 {
        self.int(lo, hi)
    }
}

/// Unix seconds to a UTC timestamp (the epoch for values chrono cannot represent, which the
/// generator's validated ranges never produce).
pub(crate) fn to_utc(secs: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(secs, 0).unwrap_or(DateTime::UNIX_EPOCH)
}

/// Unix seconds to a calendar date.
pub(crate) fn to_date(secs: i64) -> chrono::NaiveDate {
    to_utc(secs).date_naive()
}

/// The first instant at or after `t` inside working hours (Monday to Friday, `open_hour` to
/// `open_hour + 9` UTC): sales follow-up delays count from here, so a lead arriving on Friday
/// night waits for Monday like in a real team.
pub(crate) fn next_working_moment(t: i64, open_hour: u32) -> i64 {
    let mut day_start = t - t.rem_euclid(DAY);
    for _ in 0..8 {
        let open = day_start + i64::from(open_hour) * HOUR;
        let close = open + 9 * HOUR;
        let weekday = to_utc(day_start).weekday();
        let workday = !matches!(weekday, Weekday::Sat | Weekday::Sun);
        if workday && t < close {
            return t.max(open);
        }
        day_start += DAY;
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Timelike;
    use rand::SeedableRng;

    fn is_working_moment(t: i64, open_hour: u32) -> bool {
        next_working_moment(t, open_hour) == t
    }

    fn hour_of(t: i64) -> u32 {
        to_utc(t).hour()
    }

    #[test]
    fn working_hours_skip_nights_and_weekends() {
        // 2026-09-25 is a Friday; 20:00 UTC is after a 08:00-17:00 day.
        let friday_evening = chrono::NaiveDate::from_ymd_opt(2026, 9, 25)
            .and_then(|d| d.and_hms_opt(20, 0, 0))
            .map(|t| t.and_utc().timestamp())
            .unwrap();
        let next = next_working_moment(friday_evening, 8);
        assert_eq!(to_utc(next).weekday(), Weekday::Mon);
        assert_eq!(hour_of(next), 8);
        assert!(is_working_moment(next, 8));
        assert!(!is_working_moment(friday_evening, 8));
    }

    #[test]
    fn counts_have_the_requested_mean() {
        let mut d = Draw::new(ChaCha8Rng::seed_from_u64(3));
        let n = 200_000;
        let total: u64 = (0..n).map(|_| u64::from(d.count(10.0, 2))).sum();
        let mean = total as f64 / n as f64;
        assert!((mean - 10.0).abs() < 0.1, "mean {mean}");
    }

    #[test]
    fn weighted_respects_zero_weights() {
        let mut d = Draw::new(ChaCha8Rng::seed_from_u64(4));
        for _ in 0..1000 {
            assert_ne!(d.weighted(&[1.0, 0.0, 2.0]), 1);
        }
    }
}
