//! Which host buffer a framework sub-block belongs to.
//!
//! With sample-accurate automation nice-plug calls `process` once per piece of the host's buffer,
//! each piece a slice of the host's own audio memory. A piece whose first channel starts exactly
//! where the previous piece's ended continues the same stretch of host audio, at a known offset.

/// Follows consecutive `process` calls through the host's audio memory.
#[derive(Debug, Default, Clone)]
pub struct HostBufferTracker {
    /// Address one past the previous piece's first channel, or 0 when unknown.
    next_address: usize,
    /// Offset in the host buffer that a continuing piece starts at.
    next_offset: usize,
    /// Largest host buffer, from the activation.
    max_buffer: usize,
}

impl HostBufferTracker {
    /// A tracker for host buffers of at most `max_buffer` samples.
    pub fn new(max_buffer: usize) -> Self {
        HostBufferTracker {
            max_buffer,
            ..HostBufferTracker::default()
        }
    }

    /// The offset in the host buffer of a piece of `len` samples whose first channel starts at
    /// `address`: where the previous piece ended if it continues it, else 0. Call once per piece.
    pub fn locate(&mut self, address: usize, len: usize) -> usize {
        let continues = address != 0
            && address == self.next_address
            && self.next_offset + len <= self.max_buffer;
        let offset = if continues { self.next_offset } else { 0 };
        self.next_address = address.wrapping_add(len * std::mem::size_of::<f32>());
        self.next_offset = offset + len;
        offset
    }

    /// Declares that the last located piece of `len` samples starts a host buffer after all.
    pub fn restart(&mut self, len: usize) {
        self.next_offset = len;
    }

    /// Forgets the buffer in progress.
    pub fn forget(&mut self) {
        *self = HostBufferTracker::new(self.max_buffer);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contiguous_pieces_continue_the_buffer() {
        let mut tracker = HostBufferTracker::new(512);
        assert_eq!(tracker.locate(4000, 100), 0);
        assert_eq!(tracker.locate(4400, 300), 100);
        assert_eq!(
            tracker.locate(4000, 512),
            0,
            "the same memory again starts a buffer"
        );
        assert_eq!(
            tracker.locate(6048, 1),
            0,
            "past the largest buffer is a new one"
        );
        tracker.restart(1);
        assert_eq!(tracker.locate(6052, 10), 1);
    }
}
