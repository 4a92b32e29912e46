//! Process-wide counters for `/metrics` (Prometheus text format). Counting is a relaxed atomic
//! add: nothing on a hot path waits for it.

use std::sync::atomic::{AtomicU64, Ordering};

/// A monotonically increasing counter.
#[derive(Debug, Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// A counter at zero.
    pub const fn new() -> Self {
        Self(AtomicU64::new(0))
    }

    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// The current value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Attempts started (new ones, not resumed).
pub static ATTEMPTS_STARTED: Counter = Counter::new();
/// Attempts submitted by their participant.
pub static ATTEMPTS_SUBMITTED: Counter = Counter::new();
/// Attempts closed as expired (sweep or lazily).
pub static ATTEMPTS_EXPIRED: Counter = Counter::new();
/// Answer saves acknowledged.
pub static ANSWER_SAVES: Counter = Counter::new();
/// Cache lookups that found a value.
pub static CACHE_HITS: Counter = Counter::new();
/// Cache lookups that found nothing (or an unreachable cache).
pub static CACHE_MISSES: Counter = Counter::new();
