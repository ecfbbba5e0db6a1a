//! The rate cap: a token bucket counted in OSC messages.

use std::time::Instant;

/// A token bucket refilled at `rate` messages per second, holding at most a tenth of a second's
/// worth (never less than one full open: three messages). Opens must fit; closes always pass and
/// may run the bucket into debt, so the long-run rate still honours the cap.
#[derive(Clone, Debug)]
pub struct RateCap {
    /// Messages per second; 0 = no cap.
    rate: f64,
    /// Bucket size.
    burst: f64,
    /// Tokens now (negative: debt from closes).
    tokens: f64,
    /// When `tokens` was last refilled.
    refilled: Instant,
}

/// Smallest burst: one open with freq and amp.
const MIN_BURST: f64 = 3.0;

impl RateCap {
    /// A full bucket for `per_second` messages per second (0 = unlimited).
    pub fn new(per_second: u32, now: Instant) -> RateCap {
        let rate = f64::from(per_second);
        let burst = (rate / 10.0).max(MIN_BURST);
        RateCap {
            rate,
            burst,
            tokens: burst,
            refilled: now,
        }
    }

    /// Whether an open of `messages` messages may go now; takes the tokens if so.
    pub fn try_take(&mut self, messages: u32, now: Instant) -> bool {
        if self.rate == 0.0 {
            return true;
        }
        self.refill(now);
        let cost = f64::from(messages);
        if self.tokens >= cost {
            self.tokens -= cost;
            true
        } else {
            false
        }
    }

    /// Takes tokens for a close, which always goes (debt at most one burst).
    pub fn take(&mut self, messages: u32, now: Instant) {
        if self.rate == 0.0 {
            return;
        }
        self.refill(now);
        self.tokens = (self.tokens - f64::from(messages)).max(-self.burst);
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.rate).min(self.burst);
        self.refilled = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn unlimited_when_zero() {
        let now = Instant::now();
        let mut cap = RateCap::new(0, now);
        assert!((0..1_000_000).all(|_| cap.try_take(3, now)));
    }

    #[test]
    fn burst_then_refill() {
        let now = Instant::now();
        let mut cap = RateCap::new(1000, now);
        let passed = (0..1000).filter(|_| cap.try_take(1, now)).count();
        assert_eq!(passed, 100, "a tenth of a second's worth");
        assert!(!cap.try_take(1, now));
        let later = now + Duration::from_millis(10);
        let passed = (0..1000).filter(|_| cap.try_take(1, later)).count();
        assert_eq!(passed, 10);
    }

    #[test]
    fn closes_run_into_debt() {
        let now = Instant::now();
        let mut cap = RateCap::new(100, now);
        // Twenty closes from a bucket of ten: ten messages of debt.
        (0..20).for_each(|_| cap.take(1, now));
        assert!(!cap.try_take(1, now));
        // The debt takes 0.1 s to repay at 100 per second, the next token 10 ms more.
        assert!(!cap.try_take(1, now + Duration::from_millis(105)));
        assert!(cap.try_take(1, now + Duration::from_millis(115)));
    }

    #[test]
    fn tiny_rate_still_fits_one_open() {
        let now = Instant::now();
        let mut cap = RateCap::new(1, now);
        assert!(cap.try_take(3, now));
        assert!(!cap.try_take(1, now));
    }
}
