//! Counters and send-lateness statistics, written by the sidecar (and the audio thread for queue
//! drops), readable from any thread without blocking the writers.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

/// Width of one lateness histogram bin.
pub const LATENESS_BIN: Duration = Duration::from_micros(10);
/// Number of histogram bins: 10 µs each up to 50 ms; later sends share the last bin.
const LATENESS_BINS: usize = 5_000;

/// Send lateness in milliseconds. Percentiles are the upper edge of their 10 µs histogram bin
/// (never above `max_ms`); `max_ms` is exact.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct LatenessSummary {
    /// Packets measured.
    pub count: u64,
    /// Median lateness.
    pub p50_ms: f64,
    /// 99th-percentile lateness.
    pub p99_ms: f64,
    /// Largest lateness.
    pub max_ms: f64,
}

/// What the OSC-out sidecar has done so far.
#[derive(Debug)]
pub struct OscOutStatus {
    /// OSC messages handed to the socket without error (a gate with freq and amp counts three).
    /// Written by the sidecar, read by anyone.
    pub sent: AtomicU64,
    /// Events the audio thread could not queue because the queue was full. Written by the audio
    /// thread, read by anyone.
    pub dropped_queue_full: AtomicU64,
    /// Opens dropped by the rate cap. Written by the sidecar, read by anyone.
    pub rate_limited: AtomicU64,
    /// Packets that could not be sent (no destination, invalid address, socket error). Written by
    /// the sidecar, read by anyone.
    pub send_errors: AtomicU64,
    /// Text of the newest error, for the caller to show or log. Written by the sidecar (only
    /// when the text changes), read by anyone.
    pub last_error: Mutex<Option<String>>,
    /// Whether the sidecar thread runs with real-time scheduling. Written by the sidecar when it
    /// starts, read by anyone.
    pub realtime: AtomicBool,
    /// Whether the sequencer's OSC output is silenced (`/seq/stop` until `/seq/start`): every
    /// open gate closes and nothing more goes out; MIDI is not affected. Written by the OSC-in
    /// thread, read by the audio thread at the start of each piece.
    pub silenced: AtomicBool,
    /// Messages received on the OSC input that belong to the modular (`/mod/*`, `/gate/*`,
    /// `/engine/*`) and were forwarded to the OSC-out target. Written by the OSC-in thread.
    pub forwarded: AtomicU64,
    /// Send lateness histogram (see [`LATENESS_BIN`]). Written by the sidecar, read by anyone.
    lateness_bins: Box<[AtomicU64]>,
    /// Largest lateness in nanoseconds. Written by the sidecar, read by anyone.
    lateness_max_ns: AtomicU64,
}

impl Default for OscOutStatus {
    fn default() -> Self {
        OscOutStatus {
            sent: AtomicU64::new(0),
            dropped_queue_full: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            send_errors: AtomicU64::new(0),
            last_error: Mutex::new(None),
            realtime: AtomicBool::new(false),
            silenced: AtomicBool::new(false),
            forwarded: AtomicU64::new(0),
            lateness_bins: (0..LATENESS_BINS).map(|_| AtomicU64::new(0)).collect(),
            lateness_max_ns: AtomicU64::new(0),
        }
    }
}

impl OscOutStatus {
    /// Fresh, zeroed status. Allocates the histogram (40 kB).
    pub fn new() -> OscOutStatus {
        OscOutStatus::default()
    }

    /// The newest error text, if any.
    pub fn last_error(&self) -> Option<String> {
        self.last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// Send-lateness percentiles since start (or the last [`Self::reset_lateness`]). Lock-free;
    /// reads the histogram while the sidecar may be adding to it.
    pub fn lateness_summary(&self) -> LatenessSummary {
        let counts: Vec<u64> = self
            .lateness_bins
            .iter()
            .map(|bin| bin.load(Ordering::Relaxed))
            .collect();
        let count: u64 = counts.iter().sum();
        let max_ms = self.lateness_max_ns.load(Ordering::Relaxed) as f64 / 1e6;
        if count == 0 {
            return LatenessSummary::default();
        }
        let percentile = |fraction: f64| {
            let rank = ((fraction * count as f64).ceil() as u64).max(1);
            let mut seen = 0;
            for (index, &in_bin) in counts.iter().enumerate() {
                seen += in_bin;
                if seen >= rank {
                    if index == LATENESS_BINS - 1 {
                        return max_ms;
                    }
                    let upper = (index + 1) as f64 * LATENESS_BIN.as_secs_f64() * 1e3;
                    return upper.min(max_ms);
                }
            }
            max_ms
        };
        LatenessSummary {
            count,
            p50_ms: percentile(0.50),
            p99_ms: percentile(0.99),
            max_ms,
        }
    }

    /// Forgets the lateness samples (the counters stay).
    pub fn reset_lateness(&self) {
        for bin in self.lateness_bins.iter() {
            bin.store(0, Ordering::Relaxed);
        }
        self.lateness_max_ns.store(0, Ordering::Relaxed);
    }

    /// Records one packet's send lateness. Sidecar only.
    pub(crate) fn record_lateness(&self, lateness: Duration) {
        let nanos = u64::try_from(lateness.as_nanos()).unwrap_or(u64::MAX);
        let bin = (nanos / LATENESS_BIN.as_nanos() as u64).min(LATENESS_BINS as u64 - 1);
        self.lateness_bins[bin as usize].fetch_add(1, Ordering::Relaxed);
        self.lateness_max_ns.fetch_max(nanos, Ordering::Relaxed);
    }

    /// Counts one failed packet and stores its error text if it differs from the last. Sidecar
    /// only.
    pub(crate) fn record_error(&self, error: &str) {
        self.send_errors.fetch_add(1, Ordering::Relaxed);
        self.set_error(error);
    }

    /// Stores an error text (without counting a failed packet) if it differs from the last.
    /// Sidecar only.
    pub(crate) fn set_error(&self, error: &str) {
        let mut last = self
            .last_error
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if last.as_deref() != Some(error) {
            *last = Some(error.to_owned());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_of_nothing_is_zero() {
        assert_eq!(
            OscOutStatus::new().lateness_summary(),
            LatenessSummary::default()
        );
    }

    #[test]
    fn percentiles_from_histogram() {
        let status = OscOutStatus::new();
        for micros in 0..100 {
            status.record_lateness(Duration::from_micros(micros));
        }
        status.record_lateness(Duration::from_millis(75));
        let summary = status.lateness_summary();
        assert_eq!(summary.count, 101);
        // Rank 51 is 50 µs, in the bin [50, 60) µs.
        assert!((summary.p50_ms - 0.060).abs() < 1e-9, "{summary:?}");
        // Rank 100 is 99 µs, in the bin [90, 100) µs.
        assert!((summary.p99_ms - 0.100).abs() < 1e-9, "{summary:?}");
        assert!((summary.max_ms - 75.0).abs() < 1e-9, "{summary:?}");
        status.reset_lateness();
        assert_eq!(status.lateness_summary().count, 0);
    }

    #[test]
    fn percentile_never_exceeds_max() {
        let status = OscOutStatus::new();
        status.record_lateness(Duration::from_micros(3));
        let summary = status.lateness_summary();
        assert_eq!(summary.p99_ms, 0.003);
        assert_eq!(summary.max_ms, 0.003);
    }

    #[test]
    fn error_text_kept_and_counted() {
        let status = OscOutStatus::new();
        status.record_error("refused");
        status.record_error("refused");
        assert_eq!(status.send_errors.load(Ordering::Relaxed), 2);
        assert_eq!(status.last_error().as_deref(), Some("refused"));
    }
}
