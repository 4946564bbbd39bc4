//! The bounded latency histogram behind every quantile the program shows:
//! fixed memory whatever the traffic.

use std::time::Duration;

/// Log-linear histogram over microseconds: 8 sub-buckets per power of two, so
/// quantiles are within 12.5% with a fixed 512 counters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Histogram {
    buckets: Box<[u64; 512]>,
    count: u64,
    max_us: u64,
}

impl Default for Histogram {
    fn default() -> Self {
        Self {
            buckets: Box::new([0; 512]),
            count: 0,
            max_us: 0,
        }
    }
}

const SUB: u64 = 8;

fn bucket_of(us: u64) -> usize {
    if us < SUB {
        return us as usize;
    }
    let exp = 63 - us.leading_zeros() as u64; // >= 3
    let sub = (us >> (exp - 3)) & (SUB - 1);
    (((exp - 2) * SUB) + sub) as usize
}

/// The largest value that falls in bucket `i`, so quantiles never understate.
fn upper_of(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB {
        return i;
    }
    let exp = i / SUB + 2;
    let sub = i % SUB;
    let upper = (u128::from(SUB + sub + 1) << (exp - 3)) - 1;
    u64::try_from(upper).unwrap_or(u64::MAX)
}

impl Histogram {
    pub fn record(&mut self, d: Duration) {
        let us = u64::try_from(d.as_micros()).unwrap_or(u64::MAX);
        let i = bucket_of(us).min(self.buckets.len() - 1);
        self.buckets[i] += 1;
        self.count += 1;
        self.max_us = self.max_us.max(us);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> Option<Duration> {
        (self.count > 0).then(|| Duration::from_micros(self.max_us))
    }

    /// `q` in 0..=1; capped at the exact max.
    pub fn quantile(&self, q: f64) -> Option<Duration> {
        if self.count == 0 {
            return None;
        }
        let rank = ((q * self.count as f64).ceil() as u64).clamp(1, self.count);
        let mut seen = 0;
        for (i, n) in self.buckets.iter().enumerate() {
            seen += n;
            if seen >= rank {
                return Some(Duration::from_micros(upper_of(i).min(self.max_us)));
            }
        }
        self.max()
    }

    /// How many values fall in `lo_us..hi_us`: exact when both ends are
    /// bucket boundaries (powers of two, and their halves, quarters and
    /// eighths from 8 µs up), as `compare::shared_buckets` chooses them.
    pub fn count_between(&self, lo_us: u64, hi_us: u64) -> u64 {
        self.buckets
            .iter()
            .enumerate()
            .filter(|(i, n)| {
                let lower = if *i == 0 {
                    0
                } else {
                    upper_of(i - 1).saturating_add(1)
                };
                **n > 0 && lower >= lo_us && upper_of(*i) < hi_us
            })
            .map(|(_, n)| n)
            .sum()
    }

    /// Counts per power of two of microseconds: entry `k` holds the values
    /// in `2^k ..= 2^(k+1) - 1` µs (entry 0 also holds 0 µs). The buckets
    /// split exactly at powers of two, so these counts are exact; they let
    /// several histograms be shown over the same buckets.
    pub fn octave_counts(&self) -> [u64; 64] {
        let mut out = [0u64; 64];
        for (i, n) in self.buckets.iter().enumerate() {
            if *n > 0 {
                let upper = upper_of(i).max(1);
                out[63 - upper.leading_zeros() as usize] += n;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_quantiles_are_close_and_bounded() {
        let mut h = Histogram::default();
        for ms in 1..=100 {
            h.record(Duration::from_millis(ms));
        }
        let p50 = h.quantile(0.5).unwrap().as_millis();
        assert!((50..=57).contains(&p50), "{p50}");
        let p99 = h.quantile(0.99).unwrap().as_millis();
        assert!((99..=100).contains(&p99), "{p99}");
        assert_eq!(h.max(), Some(Duration::from_millis(100)));
        for i in 0..495 {
            assert!(upper_of(i) >= upper_of(i.saturating_sub(1)));
            assert_eq!(bucket_of(upper_of(i)), i);
        }
    }

    #[test]
    fn octave_counts_split_exactly_at_powers_of_two() {
        let mut h = Histogram::default();
        for us in [0, 1, 2, 3, 4, 7, 8, 15, 16, 1023, 1024, 1_000_000] {
            h.record(Duration::from_micros(us));
        }
        let o = h.octave_counts();
        assert_eq!(&o[..5], &[2, 2, 2, 2, 1]);
        assert_eq!(o[9], 1, "1023 µs is below 2^10");
        assert_eq!(o[10], 1, "1024 µs is 2^10");
        assert_eq!(o[19], 1, "1 s is in 2^19..2^20 µs");
        assert_eq!(o.iter().sum::<u64>(), h.count());
    }
}
