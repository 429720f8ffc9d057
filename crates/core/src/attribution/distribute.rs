//! Largest-remainder distribution: splitting an integer total over integer weights so the parts
//! sum to the total exactly.
//!
//! Holds no state.

/// Splits `total` in proportion to `weights`, in integers that sum to `total` exactly.
///
/// Each part is first rounded down; the units left over go one each to the parts with the largest
/// remainders, ties to the lower index, so the result is deterministic. A negative total (a credit
/// note) is split as its absolute value and negated. Returns `None` when every weight is zero.
pub fn distribute(total: i64, weights: &[u64]) -> Option<Vec<i64>> {
    let sum: u128 = weights.iter().map(|&w| u128::from(w)).sum();
    if sum == 0 {
        return None;
    }
    let magnitude = u128::from(total.unsigned_abs());
    let mut parts: Vec<u128> = Vec::with_capacity(weights.len());
    let mut remainders: Vec<(u128, usize)> = Vec::with_capacity(weights.len());
    let mut given: u128 = 0;
    for (i, &w) in weights.iter().enumerate() {
        // magnitude < 2^64 and w < 2^64, so the product fits in u128.
        let scaled = magnitude * u128::from(w);
        let part = scaled / sum;
        given += part;
        parts.push(part);
        remainders.push((scaled % sum, i));
    }
    let left = (magnitude - given) as usize;
    if left > 0 {
        // Fewer leftover units than parts: only the `left` largest remainders matter.
        remainders.select_nth_unstable_by(left - 1, |a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        for &(_, i) in &remainders[..left] {
            parts[i] += 1;
        }
    }
    // Each part is at most `magnitude`, the absolute value of an i64, so the signed part fits.
    Some(
        parts
            .into_iter()
            .map(|p| if total < 0 { (-(p as i128)) as i64 } else { p as i64 })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn thirds_give_the_extra_unit_to_the_first() {
        assert_eq!(distribute(1_000_000, &[1, 1, 1]), Some(vec![333_334, 333_333, 333_333]));
        assert_eq!(distribute(100, &[1, 1, 1]), Some(vec![34, 33, 33]));
        assert_eq!(distribute(-100, &[1, 1, 1]), Some(vec![-34, -33, -33]));
    }

    #[test]
    fn largest_remainder_wins_the_leftover() {
        // 10 over 1:2:3 = 1.67, 3.33, 5 -> 1, 3, 5 and one left: the 0.67 remainder takes it.
        assert_eq!(distribute(10, &[1, 2, 3]), Some(vec![2, 3, 5]));
    }

    #[test]
    fn zero_weights_are_none_and_zero_parts_stay_zero() {
        assert_eq!(distribute(5, &[0, 0]), None);
        assert_eq!(distribute(5, &[0, 1]), Some(vec![0, 5]));
        assert_eq!(distribute(0, &[3, 1]), Some(vec![0, 0]));
    }

    proptest! {
        #[test]
        fn parts_always_sum_to_the_total(total in any::<i64>(), weights in prop::collection::vec(any::<u64>(), 1..40)) {
            prop_assume!(weights.iter().any(|&w| w > 0));
            let parts = distribute(total, &weights).unwrap();
            prop_assert_eq!(parts.iter().map(|&p| i128::from(p)).sum::<i128>(), i128::from(total));
            for (p, w) in parts.iter().zip(&weights) {
                if *w == 0 { prop_assert_eq!(*p, 0); }
            }
        }
    }
}
