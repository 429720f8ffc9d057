//! Statistics the report computes from value lists the store collects: rates, medians,
//! percentiles, histograms, shares of a whole.
//!
//! Holds no state. Every function is total: an empty input or a zero denominator gives `None`
//! (shown as "–"), never a NaN or a panic, so a report over an empty period still renders.
//!
//! Definitions (stated once, so every section and every format agrees):
//! - **rate** `n / d` as a fraction in `0.0..=1.0` when `n <= d`; `None` when `d == 0`.
//! - **median**: the middle value of the sorted values; for an even count, the mean of the two
//!   middle values.
//! - **percentile** (nearest rank): the smallest value such that at least `p` percent of the values
//!   are at or below it. It is always a value that occurred ("90% of MQLs were called within 4 h"
//!   is then literally true), unlike interpolating definitions.

/// `numerator / denominator`; `None` when the denominator is zero.
pub fn rate(numerator: u64, denominator: u64) -> Option<f64> {
    (denominator != 0).then(|| numerator as f64 / denominator as f64)
}

/// The median of `values` (NaNs are ignored); `None` when there are none.
pub fn median(values: &[f64]) -> Option<f64> {
    let sorted = sorted(values);
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2.0),
    }
}

/// The nearest-rank percentile `p` (0 < p <= 100) of `values` (NaNs ignored); `None` when there
/// are no values or `p` is outside `(0, 100]`.
pub fn percentile(values: &[f64], p: f64) -> Option<f64> {
    if !(p > 0.0 && p <= 100.0) {
        return None;
    }
    let sorted = sorted(values);
    if sorted.is_empty() {
        return None;
    }
    // Rank = ceil(p/100 * n), 1-based. Computed in integers of hundredths of a percent so that
    // p = 90 over 10 values gives rank 9 exactly, with no floating-point ceil surprises.
    let n = sorted.len() as u128;
    let p_hundredths = (p * 100.0).round() as u128;
    let rank = (p_hundredths * n).div_ceil(10_000).max(1);
    let index = usize::try_from(rank - 1).unwrap_or(usize::MAX).min(sorted.len() - 1);
    Some(sorted[index])
}

/// Counts per bucket: bucket `i` holds the values `v` with `bounds[i-1] <= v < bounds[i]`
/// (the first bucket everything below `bounds[0]`, the last everything at or above the last
/// bound). `bounds` must ascend; the result has `bounds.len() + 1` counts.
pub fn histogram(values: &[f64], bounds: &[f64]) -> Vec<u64> {
    let mut counts = vec![0u64; bounds.len() + 1];
    for v in values.iter().filter(|v| !v.is_nan()) {
        let bucket = bounds.partition_point(|b| b <= v);
        counts[bucket] += 1;
    }
    counts
}

/// Shares of a whole as fractions: `parts[i] / sum(parts)`; all `None` when the sum is zero.
pub fn shares(parts: &[u64]) -> Vec<Option<f64>> {
    let total: u64 = parts.iter().sum();
    parts.iter().map(|&p| rate(p, total)).collect()
}

/// Milliseconds as days (the unit the funnel's stage timings are shown in).
pub fn ms_to_days(ms: i64) -> f64 {
    ms as f64 / 86_400_000.0
}

fn sorted(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    v.sort_by(f64::total_cmp);
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_is_none_without_a_denominator() {
        assert_eq!(rate(3, 40), Some(0.075));
        assert_eq!(rate(0, 0), None);
        assert_eq!(rate(5, 5), Some(1.0));
    }

    #[test]
    fn median_of_odd_and_even_counts() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[7.0]), Some(7.0));
        assert_eq!(median(&[9.0, 1.0, 5.0]), Some(5.0));
        // Even: mean of the two middle values, whatever the input order.
        assert_eq!(median(&[4.0, 1.0, 10.0, 2.0]), Some(3.0));
        assert_eq!(median(&[f64::NAN, 2.0]), Some(2.0));
    }

    #[test]
    fn nearest_rank_percentiles() {
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        // ceil(0.9 * 10) = 9th value.
        assert_eq!(percentile(&ten, 90.0), Some(9.0));
        // ceil(0.5 * 10) = 5th value: nearest rank is not the interpolated median (5.5).
        assert_eq!(percentile(&ten, 50.0), Some(5.0));
        assert_eq!(percentile(&ten, 100.0), Some(10.0));
        // ceil(0.01 * 10) = 1st value.
        assert_eq!(percentile(&ten, 1.0), Some(1.0));
        // Three values: ceil(0.9 * 3) = 3rd.
        assert_eq!(percentile(&[30.0, 10.0, 20.0], 90.0), Some(30.0));
        assert_eq!(percentile(&[], 90.0), None);
        assert_eq!(percentile(&ten, 0.0), None);
        assert_eq!(percentile(&ten, 101.0), None);
    }

    #[test]
    fn histogram_buckets_are_half_open() {
        let counts = histogram(&[0.0, 4.9, 5.0, 29.0, 30.0, 1_000.0], &[5.0, 30.0]);
        assert_eq!(counts, vec![2, 2, 2]);
        assert_eq!(histogram(&[], &[1.0]), vec![0, 0]);
    }

    #[test]
    fn shares_sum_to_one_or_are_unknown() {
        assert_eq!(shares(&[1, 3]), vec![Some(0.25), Some(0.75)]);
        assert_eq!(shares(&[0, 0]), vec![None, None]);
    }

    #[test]
    fn days_from_milliseconds() {
        assert_eq!(ms_to_days(86_400_000 * 3 / 2), 1.5);
    }
}
