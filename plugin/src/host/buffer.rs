//! Which host buffer a `process` call's piece belongs to, and where in it.
//!
//! With sample-accurate automation nice-plug calls `process` once per piece of the host's buffer,
//! each piece a slice of the host's own audio memory, all within microseconds of each other.
//! Hosts that split their own cycle (Reaper and Ardour at the loop end) call again at once with
//! the rest of the same memory. A piece continues the host buffer of the previous piece when
//! - its first channel starts exactly where the previous piece's ended,
//! - the buffer stays within the largest one the host announced at activation, and
//! - it comes promptly: before half of the audio up to it could have played out in real time
//!   (plus [`PROMPT_SLACK`] for the work done on the pieces before it), so a new host buffer
//!   that happens to follow in memory a period later starts afresh.
//!
//! Anything else starts a new host buffer at offset 0.

use std::time::{Duration, Instant};

/// Time allowed, on top of half the audio before a piece, between the host buffer's first call
/// and a piece that continues it: covers the processing of the earlier pieces.
pub const PROMPT_SLACK: Duration = Duration::from_micros(250);

/// A piece's place in its host buffer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Place {
    /// Counts host buffers since activation; the same for every piece of one host buffer.
    pub buffer: u64,
    /// Offset of the piece's first sample in the host buffer.
    pub offset: usize,
    /// When the host buffer's first piece was processed.
    pub buffer_call: Instant,
}

/// Follows consecutive `process` calls through the host's audio memory. Audio thread only.
#[derive(Debug, Clone)]
pub struct BufferLocator {
    /// Address one past the previous piece's first channel, or 0 when unknown.
    next_address: usize,
    /// Offset in the host buffer at which a continuing piece starts.
    next_offset: usize,
    /// The current host buffer, if any piece has been seen since the last reset.
    current: Option<(u64, Instant)>,
    /// Host buffers seen so far.
    buffers: u64,
    /// Largest host buffer, from the activation.
    max_buffer: usize,
    /// Samples per second, from the activation.
    sample_rate: f64,
}

impl BufferLocator {
    /// A locator for host buffers of at most `max_buffer` samples at `sample_rate`.
    pub fn new(max_buffer: usize, sample_rate: f64) -> Self {
        BufferLocator {
            next_address: 0,
            next_offset: 0,
            current: None,
            buffers: 0,
            max_buffer,
            sample_rate,
        }
    }

    /// Where a piece of `len` samples whose first channel starts at `address`, processed at
    /// `now`, sits. Call once per piece.
    pub fn locate(&mut self, address: usize, len: usize, now: Instant) -> Place {
        let offset = self.next_offset;
        let continues = match self.current {
            Some((_, call)) => {
                address != 0
                    && address == self.next_address
                    && offset + len <= self.max_buffer
                    && now.saturating_duration_since(call) < self.prompt_within(offset)
            }
            None => false,
        };
        let (buffer, buffer_call, offset) = match self.current {
            Some((buffer, call)) if continues => (buffer, call, offset),
            _ => {
                self.buffers += 1;
                self.current = Some((self.buffers, now));
                (self.buffers, now, 0)
            }
        };
        self.next_address = address.wrapping_add(len.saturating_mul(std::mem::size_of::<f32>()));
        self.next_offset = offset.saturating_add(len);
        Place {
            buffer,
            offset,
            buffer_call,
        }
    }

    /// Forgets the buffer in progress (after a reset or a gap in processing).
    pub fn forget(&mut self) {
        self.next_address = 0;
        self.next_offset = 0;
        self.current = None;
    }

    /// How soon after the host buffer's call a piece at `offset` must come to continue it.
    fn prompt_within(&self, offset: usize) -> Duration {
        let seconds = offset as f64 / self.sample_rate / 2.0;
        Duration::try_from_secs_f64(seconds)
            .unwrap_or(Duration::MAX)
            .saturating_add(PROMPT_SLACK)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: usize = 1 << 20;

    /// The address of sample `offset` of a host buffer at `BASE`.
    fn at(offset: usize) -> usize {
        BASE + offset * std::mem::size_of::<f32>()
    }

    #[test]
    fn contiguous_prompt_pieces_continue_the_buffer() {
        let mut locator = BufferLocator::new(512, 48_000.0);
        let call = Instant::now();
        let first = locator.locate(at(0), 100, call);
        assert_eq!(first.offset, 0);
        let second = locator.locate(at(100), 300, call + Duration::from_micros(300));
        assert_eq!((second.buffer, second.offset), (first.buffer, 100));
        assert_eq!(second.buffer_call, call);
        // The same memory again starts a buffer.
        let again = locator.locate(at(0), 512, call + Duration::from_millis(10));
        assert_eq!(again.offset, 0);
        assert_ne!(again.buffer, first.buffer);
        assert_eq!(again.buffer_call, call + Duration::from_millis(10));
    }

    #[test]
    fn past_the_largest_buffer_is_a_new_one() {
        let mut locator = BufferLocator::new(512, 48_000.0);
        let call = Instant::now();
        locator.locate(at(0), 512, call);
        let next = locator.locate(at(512), 1, call);
        assert_eq!(next.offset, 0);
        assert_eq!(locator.locate(at(513), 10, call).offset, 1);
    }

    #[test]
    fn a_later_buffer_in_the_next_memory_starts_afresh() {
        let mut locator = BufferLocator::new(960, 48_000.0);
        let call = Instant::now();
        let first = locator.locate(at(0), 480, call);
        // 480 samples are 10 ms: a call 10 ms later is the host's next period.
        let later = locator.locate(at(480), 480, call + Duration::from_millis(10));
        assert_eq!(later.offset, 0);
        assert_ne!(later.buffer, first.buffer);
    }

    #[test]
    fn forgetting_starts_afresh_and_odd_addresses_never_panic() {
        let mut locator = BufferLocator::new(usize::MAX, 48_000.0);
        let call = Instant::now();
        locator.locate(usize::MAX - 3, usize::MAX, call);
        assert_eq!(locator.locate(0, 10, call).offset, 0);
        locator.locate(at(0), 10, call);
        locator.forget();
        assert_eq!(locator.locate(at(10), 10, call).offset, 0);
        let zero_rate = BufferLocator::new(512, 0.0).locate(at(0), 1, call);
        assert_eq!(zero_rate.offset, 0);
    }
}
