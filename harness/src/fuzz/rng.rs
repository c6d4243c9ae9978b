//! Deterministic randomness: one seed and an iteration number give the same
//! bytes on every machine, and `arbitrary` turns those bytes into choices.

/// SplitMix64: tiny, fast, and good enough to drive mutation choices.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The generator for iteration `index` of a session seeded with `seed`.
    pub fn for_iteration(seed: u64, index: u64) -> Rng {
        let mut r = Rng(seed ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// `n` bytes to feed `arbitrary::Unstructured`.
    pub fn bytes(&mut self, n: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(n + 8);
        while out.len() < n {
            out.extend_from_slice(&self.next_u64().to_le_bytes());
        }
        out.truncate(n);
        out
    }
}
