//! The sends-per-second series behind the rate and the sparkline, bounded
//! whatever the traffic. (Send counts and latency histograms live in the
//! send ledger, `rmq_engine::ledger`.)

use std::collections::VecDeque;

/// Sends per second over the last `WINDOW` seconds, keyed by epoch second.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rate {
    /// (epoch second, sends in it), oldest first, at most WINDOW entries.
    secs: VecDeque<(i64, u64)>,
}

pub const WINDOW: usize = 120;

impl Rate {
    pub fn record(&mut self, sec: i64) {
        match self.secs.back_mut() {
            Some((s, n)) if *s == sec => *n += 1,
            Some((s, _)) if *s > sec => {
                // Late event stamped in an earlier second: count it there.
                if let Some((_, n)) = self.secs.iter_mut().rev().find(|(s, _)| *s <= sec) {
                    *n += 1;
                }
            }
            _ => {
                self.secs.push_back((sec, 1));
                while self.secs.len() > WINDOW {
                    self.secs.pop_front();
                }
            }
        }
    }

    /// One value per second for the `width` seconds ending at `now_sec`
    /// (the current, incomplete second excluded so the tail does not dip).
    pub fn series(&self, now_sec: i64, width: usize) -> Vec<u64> {
        let start = now_sec - width as i64;
        (start..now_sec)
            .map(|s| {
                self.secs
                    .iter()
                    .find(|(x, _)| *x == s)
                    .map_or(0, |(_, n)| *n)
            })
            .collect()
    }

    /// Sends in the last complete second.
    pub fn current(&self, now_sec: i64) -> u64 {
        self.series(now_sec, 1)[0]
    }

    pub fn last_second(&self) -> Option<i64> {
        self.secs.back().map(|(s, _)| *s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_series_counts_per_second() {
        let mut r = Rate::default();
        r.record(10);
        r.record(10);
        r.record(12);
        assert_eq!(r.series(13, 4), vec![0, 2, 0, 1]);
        assert_eq!(r.current(13), 1);
        assert_eq!(r.current(14), 0);
    }
}
