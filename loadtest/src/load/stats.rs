//! What a load run records: every request's latency per endpoint and per time interval,
//! errors by endpoint, status and code, completed journeys, and the longest request.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How many distinct transport failures a recorder keeps in full.
pub const TRANSPORT_DETAILS: usize = 10;

/// One interval of a run (a minute by default): the requests that finished in it.
#[derive(Debug, Default, Clone)]
pub struct Interval {
    /// Latencies in microseconds of the requests that finished in this interval.
    pub latencies: Vec<u32>,
    /// Responses and failures counted as errors in this interval.
    pub errors: u64,
    /// Journeys (or arrivals) completed in this interval.
    pub completed: u64,
    /// Resident memory of the server process(es) at the end of the interval, in KiB.
    pub rss_kb: Option<u64>,
}

/// Everything recorded, behind one lock (a few thousand requests per second at most on the
/// machines this runs on, so one lock is not the bottleneck).
#[derive(Debug, Default)]
pub struct Recorded {
    /// Latencies in microseconds per endpoint.
    pub endpoints: BTreeMap<&'static str, Vec<u32>>,
    /// Error counts keyed by (endpoint, status, code); status 0 is a transport failure.
    pub errors: BTreeMap<(String, u16, String), u64>,
    /// Per-interval figures, index `elapsed / interval`.
    pub intervals: Vec<Interval>,
    /// The longest request: microseconds and endpoint.
    pub longest: (u32, &'static str),
    /// The first few distinct transport failures, with their full error chain.
    pub transport_details: Vec<String>,
}

/// The recorder shared by every task of a run.
#[derive(Debug)]
pub struct Recorder {
    began: Instant,
    interval: Duration,
    requests: AtomicU64,
    completed: AtomicU64,
    inner: Mutex<Recorded>,
}

impl Recorder {
    /// A recorder whose clock starts now, with intervals of `interval` (at least a second).
    pub fn new(interval: Duration) -> Self {
        Self {
            began: Instant::now(),
            interval: interval.max(Duration::from_secs(1)),
            requests: AtomicU64::new(0),
            completed: AtomicU64::new(0),
            inner: Mutex::new(Recorded::default()),
        }
    }

    /// When the run began.
    pub fn began(&self) -> Instant {
        self.began
    }

    /// The interval length.
    pub fn interval(&self) -> Duration {
        self.interval
    }

    fn slot(&self) -> usize {
        (self.began.elapsed().as_millis() / self.interval.as_millis().max(1)) as usize
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Recorded> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records a request that got a response (whatever its status) after `elapsed`.
    pub fn request(&self, endpoint: &'static str, elapsed: Duration) {
        let micros = elapsed.as_micros().min(u128::from(u32::MAX)) as u32;
        self.requests.fetch_add(1, Ordering::Relaxed);
        let slot = self.slot();
        let mut inner = self.lock();
        inner.endpoints.entry(endpoint).or_default().push(micros);
        if micros > inner.longest.0 {
            inner.longest = (micros, endpoint);
        }
        interval_at(&mut inner.intervals, slot)
            .latencies
            .push(micros);
    }

    /// Records an error: a status outside 2xx with the body's `error` code, or status 0 for a
    /// transport failure (`connection`, `timeout`).
    pub fn error(&self, endpoint: &str, status: u16, code: &str) {
        let slot = self.slot();
        let mut inner = self.lock();
        *inner
            .errors
            .entry((endpoint.to_owned(), status, code.to_owned()))
            .or_default() += 1;
        interval_at(&mut inner.intervals, slot).errors += 1;
    }

    /// Keeps the full error chain of a transport failure (the first
    /// [`TRANSPORT_DETAILS`] distinct ones), to tell a refused connection from a reset one.
    pub fn transport_detail(&self, endpoint: &str, error: &dyn std::error::Error) {
        let mut detail = format!("{endpoint}: {error}");
        let mut source = error.source();
        while let Some(cause) = source {
            detail.push_str(&format!(": {cause}"));
            source = cause.source();
        }
        let mut inner = self.lock();
        if inner.transport_details.len() < TRANSPORT_DETAILS
            && !inner.transport_details.contains(&detail)
        {
            inner.transport_details.push(detail);
        }
    }

    /// Counts a completed journey (or a completed arrival of a surge).
    pub fn completed(&self) {
        self.completed.fetch_add(1, Ordering::Relaxed);
        let slot = self.slot();
        interval_at(&mut self.lock().intervals, slot).completed += 1;
    }

    /// Notes the server's resident memory now, as the figure of the current interval.
    pub fn rss(&self, kb: u64) {
        let slot = self.slot();
        interval_at(&mut self.lock().intervals, slot).rss_kb = Some(kb);
    }

    /// Requests that got a response so far.
    pub fn request_count(&self) -> u64 {
        self.requests.load(Ordering::Relaxed)
    }

    /// Journeys (or arrivals) completed so far.
    pub fn completed_count(&self) -> u64 {
        self.completed.load(Ordering::Relaxed)
    }

    /// A copy of everything recorded so far.
    pub fn snapshot(&self) -> Recorded {
        let inner = self.lock();
        Recorded {
            endpoints: inner.endpoints.clone(),
            errors: inner.errors.clone(),
            intervals: inner.intervals.clone(),
            longest: inner.longest,
            transport_details: inner.transport_details.clone(),
        }
    }
}

fn interval_at(intervals: &mut Vec<Interval>, slot: usize) -> &mut Interval {
    if intervals.len() <= slot {
        intervals.resize_with(slot + 1, Interval::default);
    }
    &mut intervals[slot]
}

/// The `p` quantile (0–1) of sorted microsecond latencies, in milliseconds (nearest rank);
/// 0 for no data.
pub fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * p.clamp(0.0, 1.0)).round() as usize;
    f64::from(sorted.get(index).copied().unwrap_or(0)) / 1000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let sorted: Vec<u32> = (1..=100).map(|ms| ms * 1000).collect();
        assert_eq!(percentile_ms(&sorted, 0.5), 51.0);
        assert_eq!(percentile_ms(&sorted, 0.99), 99.0);
        assert_eq!(percentile_ms(&sorted, 1.0), 100.0);
        assert_eq!(percentile_ms(&[], 0.5), 0.0);
    }

    #[test]
    fn the_recorder_keeps_the_longest_request_and_the_errors() {
        let recorder = Recorder::new(Duration::from_secs(60));
        recorder.request("save", Duration::from_millis(3));
        recorder.request("start", Duration::from_millis(9));
        recorder.request("save", Duration::from_millis(1));
        recorder.error("save", 500, "internal");
        recorder.error("save", 500, "internal");
        recorder.completed();
        let recorded = recorder.snapshot();
        assert_eq!(recorded.longest, (9000, "start"));
        assert_eq!(recorded.endpoints["save"].len(), 2);
        assert_eq!(
            recorded.errors[&("save".to_owned(), 500, "internal".to_owned())],
            2
        );
        assert_eq!(recorded.intervals[0].latencies.len(), 3);
        assert_eq!(recorded.intervals[0].errors, 2);
        assert_eq!(recorder.completed_count(), 1);
        assert_eq!(recorder.request_count(), 3);
    }
}
