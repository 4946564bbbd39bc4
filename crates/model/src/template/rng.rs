//! The random source of `{rand}`, `{pick}` and `{uuid}`: SplitMix64, seeded
//! from the OS once per burst or replay, or from a fixed seed so tests and
//! previews are repeatable. Not for secrets: message ids and test data only.

/// A small, fast, seedable generator.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// The same numbers every time for the same seed.
    pub fn seeded(seed: u64) -> Rng {
        Rng(seed)
    }

    /// Seeded from the operating system's random source.
    pub fn from_entropy() -> Rng {
        let (a, b) = uuid::Uuid::new_v4().as_u64_pair();
        Rng(a ^ b.rotate_left(32))
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`), by multiply-shift: its bias is at
    /// most n / 2^64, nothing a test message can show.
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// A number in `low..=high` (`low <= high`).
    pub fn between(&mut self, low: i64, high: i64) -> i64 {
        let span = high.wrapping_sub(low) as u64;
        if span == u64::MAX {
            return self.next_u64() as i64;
        }
        low.wrapping_add(self.below(span + 1) as i64)
    }

    /// A version-4 UUID from this generator's bits.
    pub fn uuid(&mut self) -> uuid::Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}
