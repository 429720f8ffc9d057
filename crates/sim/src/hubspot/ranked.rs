//! An ordered set that also answers "how many keys are below this one" and "which key has this
//! rank" in logarithmic time: what lets search count its `total` and jump to its `after` offset
//! without walking the records in between.
//!
//! State: the keys in sorted blocks of bounded size, and a Fenwick tree over the block sizes
//! (rebuilt when a block splits or empties, which happens once per few hundred changes).

/// Keys per block before it splits in two.
const MAX_BLOCK: usize = 1024;

/// An ordered set with rank and select.
#[derive(Debug, Clone)]
pub struct RankedSet<K> {
    blocks: Vec<Vec<K>>,
    /// Fenwick tree over `blocks[i].len()`, 1-based.
    tree: Vec<usize>,
    len: usize,
}

impl<K: Ord + Copy> Default for RankedSet<K> {
    fn default() -> Self {
        RankedSet {
            blocks: Vec::new(),
            tree: vec![0],
            len: 0,
        }
    }
}

impl<K: Ord + Copy> RankedSet<K> {
    /// An empty set.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of keys.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn rebuild(&mut self) {
        let n = self.blocks.len();
        self.tree = vec![0; n + 1];
        for i in 0..n {
            let mut j = i + 1;
            let add = self.blocks[i].len();
            while j <= n {
                self.tree[j] += add;
                j += j & j.wrapping_neg();
            }
        }
    }

    fn add(&mut self, block: usize, delta: isize) {
        let mut j = block + 1;
        while j < self.tree.len() {
            self.tree[j] = self.tree[j].wrapping_add_signed(delta);
            j += j & j.wrapping_neg();
        }
    }

    /// Keys in blocks before `block`.
    fn before(&self, block: usize) -> usize {
        let mut j = block;
        let mut sum = 0;
        while j > 0 {
            sum += self.tree[j];
            j -= j & j.wrapping_neg();
        }
        sum
    }

    /// The block a key belongs in: the first whose last key is not below it (or the last).
    fn block_for(&self, key: &K) -> usize {
        let i = self.blocks.partition_point(|b| b.last().is_some_and(|last| last < key));
        i.min(self.blocks.len().saturating_sub(1))
    }

    /// Adds a key; false when it was there already.
    pub fn insert(&mut self, key: K) -> bool {
        if self.blocks.is_empty() {
            self.blocks.push(vec![key]);
            self.rebuild();
            self.len = 1;
            return true;
        }
        let b = self.block_for(&key);
        let block = &mut self.blocks[b];
        let at = match block.binary_search(&key) {
            Ok(_) => return false,
            Err(at) => at,
        };
        block.insert(at, key);
        self.len += 1;
        if block.len() > MAX_BLOCK {
            let tail = block.split_off(block.len() / 2);
            self.blocks.insert(b + 1, tail);
            self.rebuild();
        } else {
            self.add(b, 1);
        }
        true
    }

    /// Removes a key; false when it was not there.
    pub fn remove(&mut self, key: &K) -> bool {
        if self.blocks.is_empty() {
            return false;
        }
        let b = self.block_for(key);
        let block = &mut self.blocks[b];
        let Ok(at) = block.binary_search(key) else { return false };
        block.remove(at);
        self.len -= 1;
        if block.is_empty() {
            self.blocks.remove(b);
            self.rebuild();
        } else {
            self.add(b, -1);
        }
        true
    }

    /// How many keys are strictly below `key`.
    pub fn rank(&self, key: &K) -> usize {
        if self.blocks.is_empty() {
            return 0;
        }
        let b = self
            .blocks
            .partition_point(|blk| blk.last().is_some_and(|last| last < key));
        if b == self.blocks.len() {
            return self.len;
        }
        self.before(b) + self.blocks[b].partition_point(|k| k < key)
    }

    /// The key with `rank` keys below it.
    pub fn select(&self, rank: usize) -> Option<K> {
        let (b, i) = self.locate(rank)?;
        Some(self.blocks[b][i])
    }

    /// (block, index) of the key at `rank`.
    fn locate(&self, rank: usize) -> Option<(usize, usize)> {
        if rank >= self.len {
            return None;
        }
        // Fenwick descent: the last block whose prefix count is <= rank.
        let n = self.blocks.len();
        let mut pos = 0;
        let mut remaining = rank;
        let mut step = n.next_power_of_two();
        while step > 0 {
            let next = pos + step;
            if next <= n && self.tree[next] <= remaining {
                pos = next;
                remaining -= self.tree[next];
            }
            step /= 2;
        }
        Some((pos, remaining))
    }

    /// Keys with ranks in `from..to`, ascending.
    pub fn range_by_rank(&self, from: usize, to: usize) -> impl Iterator<Item = K> + '_ {
        let to = to.min(self.len);
        let start = if from < to { self.locate(from) } else { None };
        let count = to.saturating_sub(from);
        start
            .into_iter()
            .flat_map(move |(b, i)| {
                self.blocks[b..]
                    .iter()
                    .enumerate()
                    .flat_map(move |(j, blk)| blk[if j == 0 { i } else { 0 }..].iter().copied())
            })
            .take(count)
    }

    /// Keys with ranks in `from..to`, descending.
    pub fn range_by_rank_rev(&self, from: usize, to: usize) -> impl Iterator<Item = K> + '_ {
        let to = to.min(self.len);
        let start = if from < to { self.locate(to - 1) } else { None };
        let count = to.saturating_sub(from);
        start
            .into_iter()
            .flat_map(move |(b, i)| {
                self.blocks[..=b]
                    .iter()
                    .rev()
                    .enumerate()
                    .flat_map(move |(j, blk)| blk[..if j == 0 { i + 1 } else { blk.len() }].iter().rev().copied())
            })
            .take(count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn agrees_with_a_btreeset_under_churn() {
        let mut ranked = RankedSet::new();
        let mut reference = BTreeSet::new();
        let mut x: u64 = 12345;
        for step in 0..20_000u64 {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            let key = (x >> 40) % 5_000;
            if step % 3 == 2 {
                assert_eq!(ranked.remove(&key), reference.remove(&key));
            } else {
                assert_eq!(ranked.insert(key), reference.insert(key));
            }
        }
        assert_eq!(ranked.len(), reference.len());
        let sorted: Vec<u64> = reference.iter().copied().collect();
        for probe in [0u64, 1, 17, 2_500, 4_999, 5_000, 9_999] {
            assert_eq!(
                ranked.rank(&probe),
                sorted.partition_point(|k| *k < probe),
                "rank({probe})"
            );
        }
        for r in [0, 1, sorted.len() / 2, sorted.len() - 1] {
            assert_eq!(ranked.select(r), Some(sorted[r]));
        }
        assert_eq!(ranked.select(sorted.len()), None);
        let mid: Vec<u64> = ranked.range_by_rank(100, 2_300).collect();
        assert_eq!(mid, sorted[100..2_300]);
        let back: Vec<u64> = ranked.range_by_rank_rev(100, 2_300).collect();
        assert_eq!(back, sorted[100..2_300].iter().rev().copied().collect::<Vec<_>>());
        assert_eq!(ranked.range_by_rank(5, 5).count(), 0);
        assert_eq!(ranked.range_by_rank(sorted.len() - 3, usize::MAX).count(), 3);
    }

    #[test]
    fn bulk_appends_split_into_blocks() {
        let mut s = RankedSet::new();
        for k in 0..10_000u32 {
            s.insert(k);
        }
        assert!(s.blocks.len() > 10);
        assert_eq!(s.rank(&5_000), 5_000);
        assert_eq!(s.select(9_999), Some(9_999));
        assert_eq!(
            s.range_by_rank(1_020, 1_030).collect::<Vec<_>>(),
            (1_020..1_030).collect::<Vec<_>>()
        );
    }
}
