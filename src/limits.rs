//! Bounds that the config file, the command line and the producer all
//! check, kept in a leaf module so that config need not import the producer.

/// The most async sends a producer keeps in flight. The window is a tokio
/// semaphore, which panics past `usize::MAX >> 3` permits; this is far below
/// that and far above any window that helps (BROKER-NOTES: 16–256).
pub const MAX_ASYNC_INFLIGHT: usize = 65_536;
