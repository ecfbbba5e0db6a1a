//! Token buckets: the error-reply budget, so a flood of bad packets cannot turn the server into a
//! flood of replies, and the command budget, so a flood of commands cannot bury the document
//! in edits (and its undo history with them).

use std::time::Instant;

/// Error replies that may go out back to back.
pub const ERROR_REPLY_BURST: u32 = 20;
/// Error replies allowed per second once the burst is spent.
pub const ERROR_REPLIES_PER_SECOND: u32 = 20;
/// Commands that may be carried out back to back.
pub const COMMAND_BURST: u32 = 2_000;
/// Commands carried out per second once the burst is spent; more are refused with a reason.
pub const COMMANDS_PER_SECOND: u32 = 2_000;

/// A token bucket of `burst` tokens refilled at `per_second`, shared by all senders.
#[derive(Clone, Debug)]
pub(crate) struct TokenBucket {
    /// Most tokens held.
    burst: f64,
    /// Tokens added per second.
    per_second: f64,
    /// Tokens now, at most the burst.
    tokens: f64,
    /// When `tokens` was last refilled.
    refilled: Instant,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `per_second`.
    pub(crate) fn new(burst: u32, per_second: u32, now: Instant) -> TokenBucket {
        TokenBucket {
            burst: f64::from(burst),
            per_second: f64::from(per_second),
            tokens: f64::from(burst),
            refilled: now,
        }
    }

    /// The error-reply budget.
    pub(crate) fn error_replies(now: Instant) -> TokenBucket {
        TokenBucket::new(ERROR_REPLY_BURST, ERROR_REPLIES_PER_SECOND, now)
    }

    /// The command budget.
    pub(crate) fn commands(now: Instant) -> TokenBucket {
        TokenBucket::new(COMMAND_BURST, COMMANDS_PER_SECOND, now)
    }

    /// Whether one more may go now; takes its token if so.
    pub(crate) fn try_take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
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
        let mut budget = TokenBucket::error_replies(now);
        assert_eq!((0..100).filter(|_| budget.try_take(now)).count(), 20);
        let later = now + Duration::from_millis(500);
        assert_eq!((0..100).filter(|_| budget.try_take(later)).count(), 10);
        let much_later = later + Duration::from_secs(60);
        assert_eq!((0..100).filter(|_| budget.try_take(much_later)).count(), 20);
    }

    #[test]
    fn time_going_backwards_is_harmless() {
        let now = Instant::now() + Duration::from_secs(1);
        let mut budget = TokenBucket::error_replies(now);
        (0..20).for_each(|_| {
            budget.try_take(now);
        });
        assert!(!budget.try_take(now - Duration::from_secs(1)));
        assert!(budget.try_take(now + Duration::from_millis(60)));
    }
}
