//! Bounds that the config file, the command line and the producer all
//! check, kept in a leaf module so that config need not import the producer.
//! Every number an operator can give has a range here (or in the CLI's own
//! attribute), and every refusal says the range.

/// The most async sends a producer keeps in flight. The window is a tokio
/// semaphore, which panics past `usize::MAX >> 3` permits; this is far below
/// that and far above any window that helps (BROKER-NOTES: 16–256).
pub const MAX_ASYNC_INFLIGHT: usize = 65_536;

/// A send's timeout, milliseconds: up to ten minutes (a longer wait is a
/// hang to an operator; the client library's own field is 32-bit).
pub const MAX_SEND_TIMEOUT_MS: u64 = 600_000;

/// Retries of a failed send, per mode.
pub const MAX_RETRIES: u64 = 16;

/// The largest body a profile may allow: 64 MiB, far above what brokers
/// accept by default (4 MiB) and small enough to hold in memory.
pub const MAX_MESSAGE_BYTES: u64 = 64 * 1024 * 1024;

/// Rows the results log keeps.
pub const MAX_RESULTS_CAPACITY: u64 = 1_000_000;

/// Messages per second a burst may be paced at.
pub const MAX_RATE: u64 = 1_000_000;

/// How long a one-way send keeps its connection open after the burst, ms.
pub const MAX_LINGER_MS: u64 = 60_000;

/// A clap value parser for a whole number in `LO..=HI` whose message says
/// the range, also for a value that is not a number or overflows.
pub fn ranged<const LO: u64, const HI: u64>(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(n) if (LO..=HI).contains(&n) => Ok(n),
        _ => Err(format!("`{s}` is not a whole number from {LO} to {HI}")),
    }
}

/// `ranged` for a field kept as `u32` (`HI` must fit).
pub fn ranged_u32<const LO: u64, const HI: u64>(s: &str) -> Result<u32, String> {
    ranged::<LO, HI>(s).and_then(|n| u32::try_from(n).map_err(|e| e.to_string()))
}
