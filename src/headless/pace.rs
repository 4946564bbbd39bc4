//! `replay --rate`: when each message may go. A rate with at most
//! `SLACK` of credit, so a stall (a sync send waiting on a slow broker, a
//! stopped process) is followed by the rate again, not by a flood of
//! everything that fell due meanwhile.

use std::time::Duration;

use tokio::time::Instant;

/// The most credit carried: enough to absorb the timer's millisecond
/// granularity at high rates, far less than a stall.
pub const SLACK: Duration = Duration::from_millis(100);

#[derive(Debug)]
pub struct Pace {
    interval: Duration,
    next: Instant,
}

impl Pace {
    /// `rate` messages per second (at least 1), the first one due now.
    pub fn new(rate: u32, now: Instant) -> Self {
        Self {
            interval: Duration::from_secs(1) / rate.max(1),
            next: now,
        }
    }

    /// When the next message may go, given the time now; that slot is
    /// taken. Never earlier than `SLACK` before `now`.
    pub fn take(&mut self, now: Instant) -> Instant {
        let floor = now.checked_sub(SLACK).unwrap_or(now);
        let at = self.next.max(floor);
        self.next = at + self.interval;
        at
    }

    /// Waits for the next slot.
    pub async fn tick(&mut self) {
        let at = self.take(Instant::now());
        tokio::time::sleep_until(at).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Ten seconds of stall at 10/s: on main (`tokio::time::interval` with
    /// `MissedTickBehavior::Burst`) the next 100 messages went at once.
    /// Here at most `SLACK` worth (1 at 10/s) goes without waiting.
    #[tokio::test(start_paused = true)]
    async fn a_stall_is_not_followed_by_a_flood() {
        let mut pace = Pace::new(10, Instant::now());
        pace.tick().await;
        tokio::time::advance(Duration::from_secs(10)).await;
        let before = Instant::now();
        for _ in 0..11 {
            pace.tick().await;
        }
        let took = before.elapsed();
        assert!(
            took >= Duration::from_millis(900) && took <= Duration::from_millis(1100),
            "11 messages after the stall took {took:?}: the rate, not a flood"
        );
    }

    /// Faster than the timer ticks, the rate still holds over a second.
    #[tokio::test(start_paused = true)]
    async fn a_high_rate_holds_over_time() {
        let start = Instant::now();
        let mut pace = Pace::new(5000, start);
        for _ in 0..5000 {
            pace.tick().await;
        }
        let took = start.elapsed();
        assert!(
            took >= Duration::from_millis(990) && took <= Duration::from_millis(1010),
            "{took:?}"
        );
    }
}
