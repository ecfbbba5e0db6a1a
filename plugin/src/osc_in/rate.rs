//! The error-reply budget: a token bucket, so a flood of bad packets cannot turn the server into
//! a flood of replies.

use std::time::Instant;

/// Error replies that may go out back to back.
pub const ERROR_REPLY_BURST: u32 = 20;
/// Error replies allowed per second once the burst is spent.
pub const ERROR_REPLIES_PER_SECOND: u32 = 20;

/// A token bucket of [`ERROR_REPLY_BURST`] tokens refilled at [`ERROR_REPLIES_PER_SECOND`],
/// shared by all senders.
#[derive(Clone, Debug)]
pub(crate) struct ErrorBudget {
    /// Tokens now, at most the burst.
    tokens: f64,
    /// When `tokens` was last refilled.
    refilled: Instant,
}

impl ErrorBudget {
    /// A full bucket.
    pub(crate) fn new(now: Instant) -> ErrorBudget {
        ErrorBudget {
            tokens: f64::from(ERROR_REPLY_BURST),
            refilled: now,
        }
    }

    /// Whether one error reply may go now; takes its token if so.
    pub(crate) fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * f64::from(ERROR_REPLIES_PER_SECOND))
            .min(f64::from(ERROR_REPLY_BURST));
        self.refilled = self.refilled.max(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn burst_then_refill() {
        let now = Instant::now();
        let mut budget = ErrorBudget::new(now);
        assert_eq!((0..100).filter(|_| budget.try_take(now)).count(), 20);
        let later = now + Duration::from_millis(500);
        assert_eq!((0..100).filter(|_| budget.try_take(later)).count(), 10);
        let much_later = later + Duration::from_secs(60);
        assert_eq!((0..100).filter(|_| budget.try_take(much_later)).count(), 20);
    }

    #[test]
    fn time_going_backwards_is_harmless() {
        let now = Instant::now() + Duration::from_secs(1);
        let mut budget = ErrorBudget::new(now);
        (0..20).for_each(|_| {
            budget.try_take(now);
        });
        assert!(!budget.try_take(now - Duration::from_secs(1)));
        assert!(budget.try_take(now + Duration::from_millis(60)));
    }
}
