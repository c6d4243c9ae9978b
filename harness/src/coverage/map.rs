//! Counters as the fuzzer sees them: each counter's hit count falls in one
//! of AFL's eight buckets (1, 2, 3, 4-7, 8-15, 16-31, 32-127, 128+), and an
//! input is new when one of its counters reaches a bucket no input reached
//! before. Counting in buckets keeps "the loop ran 41 times instead of 40"
//! from flooding the corpus while "ran many times instead of once" counts.

use std::collections::{BTreeMap, HashMap};

/// One counter of one instrumented binary: for Go, package, function and
/// block index within the binary's meta-data; for LLVM, function and
/// counter index within the profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CounterId {
    /// The first eight bytes of the binary's coverage hash.
    pub binary: u64,
    pub package: u32,
    pub func: u32,
    pub unit: u32,
}

/// The bucket of a hit count, as a one-bit mask (0 for no hit).
pub fn bucket(count: u32) -> u8 {
    match count {
        0 => 0,
        1 => 1,
        2 => 2,
        3 => 4,
        4..=7 => 8,
        8..=15 => 16,
        16..=31 => 32,
        32..=127 => 64,
        _ => 128,
    }
}

/// Counts of one input's processes, summed per counter.
pub type Counts = BTreeMap<CounterId, u32>;

/// A (counter, bucket) pair as one number, for sets and rarity tables.
pub fn features(counts: &Counts) -> Vec<u64> {
    counts
        .iter()
        .filter(|(_, c)| **c > 0)
        .map(|(id, c)| feature(id, bucket(*c)))
        .collect()
}

fn feature(id: &CounterId, bucket: u8) -> u64 {
    // FNV-1a over the fields: stable across runs and shards.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |b: &[u8]| {
        for x in b {
            h ^= u64::from(*x);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
    };
    eat(&id.binary.to_le_bytes());
    eat(&id.package.to_le_bytes());
    eat(&id.func.to_le_bytes());
    eat(&id.unit.to_le_bytes());
    eat(&[bucket]);
    h
}

/// Every bucket of every counter reached so far.
#[derive(Debug, Clone, Default)]
pub struct CoverageMap {
    seen: HashMap<CounterId, u8>,
}

impl CoverageMap {
    /// Merge `counts`; how many (counter, bucket) pairs were new.
    pub fn add(&mut self, counts: &Counts) -> usize {
        let mut new = 0;
        for (id, c) in counts {
            let b = bucket(*c);
            if b == 0 {
                continue;
            }
            let seen = self.seen.entry(*id).or_insert(0);
            if *seen & b == 0 {
                *seen |= b;
                new += 1;
            }
        }
        new
    }

    /// Counters hit at least once.
    pub fn hit(&self) -> usize {
        self.seen.len()
    }

    /// The counters hit, each once (for merging sessions' maps).
    pub fn ids(&self) -> impl Iterator<Item = (&CounterId, &u8)> {
        self.seen.iter()
    }

    pub fn insert_buckets(&mut self, id: CounterId, buckets: u8) {
        *self.seen.entry(id).or_insert(0) |= buckets;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(unit: u32) -> CounterId {
        CounterId {
            binary: 1,
            package: 0,
            func: 0,
            unit,
        }
    }

    #[test]
    fn new_buckets_count_and_repeats_do_not() {
        let mut map = CoverageMap::default();
        let first: Counts = [(id(0), 1), (id(1), 0)].into();
        assert_eq!(map.add(&first), 1);
        assert_eq!(map.add(&first), 0);
        // Same counter, a higher bucket: new; same bucket again: not.
        assert_eq!(map.add(&[(id(0), 5)].into()), 1);
        assert_eq!(map.add(&[(id(0), 6)].into()), 0);
        assert_eq!(map.hit(), 1);
    }

    #[test]
    fn buckets_follow_afl() {
        let b: Vec<u8> = [0, 1, 2, 3, 4, 7, 8, 16, 32, 127, 128, u32::MAX]
            .iter()
            .map(|c| bucket(*c))
            .collect();
        assert_eq!(b, vec![0, 1, 2, 4, 8, 8, 16, 32, 64, 64, 128, 128]);
    }
}
