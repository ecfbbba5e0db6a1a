//! Monotonic instants to wall-clock NTP timetags, through an anchor sampled on both clocks.

use std::time::{Duration, Instant, SystemTime};

use rosc::OscTime;

use crate::clock::{Clock, SystemClock};

/// The OSC timetag meaning "immediately".
pub const IMMEDIATELY: OscTime = OscTime {
    seconds: 0,
    fractional: 1,
};

/// One moment read on both clocks, so an [`Instant`] maps to wall-clock time.
#[derive(Clone, Copy, Debug)]
pub struct ClockAnchor {
    /// The monotonic reading.
    pub instant: Instant,
    /// The wall-clock reading at the same moment.
    pub system: SystemTime,
}

impl ClockAnchor {
    /// Samples both clocks of the system clock together (see [`ClockAnchor::sample`]).
    pub fn now() -> ClockAnchor {
        ClockAnchor::sample(&SystemClock)
    }

    /// Samples both clocks of `clock` together: of a few tries, keeps the one whose wall-clock
    /// read was bracketed most tightly by two monotonic reads, and pairs it with their midpoint.
    pub fn sample(clock: &dyn Clock) -> ClockAnchor {
        let sample = || {
            let before = clock.now();
            let system = clock.wall_now();
            let spread = clock.now().saturating_duration_since(before);
            let anchor = ClockAnchor {
                instant: before + spread / 2,
                system,
            };
            (spread, anchor)
        };
        let (_, anchor) =
            (1..5).map(|_| sample()).fold(
                sample(),
                |best, next| {
                    if next.0 < best.0 {
                        next
                    } else {
                        best
                    }
                },
            );
        anchor
    }

    /// The wall-clock time of `instant`.
    pub fn system_time(&self, instant: Instant) -> SystemTime {
        let mapped = if instant >= self.instant {
            self.system.checked_add(instant - self.instant)
        } else {
            self.system.checked_sub(self.instant - instant)
        };
        mapped.unwrap_or(self.system)
    }

    /// The NTP timetag of `instant + offset`. Times rosc cannot express (before 1970 or past
    /// 2036) become [`IMMEDIATELY`].
    pub fn osc_time(&self, instant: Instant, offset: Duration) -> OscTime {
        self.system_time(instant)
            .checked_add(offset)
            .and_then(|time| OscTime::try_from(time).ok())
            .unwrap_or(IMMEDIATELY)
    }
}

/// `milliseconds` as a duration; negative, NaN and absurd values become zero.
pub fn duration_from_ms(milliseconds: f64) -> Duration {
    if milliseconds.is_finite() && milliseconds > 0.0 {
        Duration::try_from_secs_f64(milliseconds / 1e3).unwrap_or(Duration::ZERO)
    } else {
        Duration::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchor_maps_both_ways() {
        let anchor = ClockAnchor::now();
        let later = anchor.instant + Duration::from_millis(1500);
        let earlier = anchor.instant - Duration::from_millis(250);
        assert_eq!(
            anchor.system_time(later),
            anchor.system + Duration::from_millis(1500)
        );
        assert_eq!(
            anchor.system_time(earlier),
            anchor.system - Duration::from_millis(250)
        );
    }

    #[test]
    fn timetag_matches_wall_clock() {
        let anchor = ClockAnchor::now();
        let tag = anchor.osc_time(anchor.instant, Duration::from_millis(20));
        let back = SystemTime::from(tag);
        let expected = anchor.system + Duration::from_millis(20);
        let error = back
            .duration_since(expected)
            .unwrap_or_else(|e| e.duration());
        assert!(error < Duration::from_micros(1), "{error:?}");
        // NTP era: seconds since 1900 (of the tagged instant, which may be in the next second).
        let unix = expected
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert_eq!(u64::from(tag.seconds), unix + 2_208_988_800);
    }

    #[test]
    fn anchor_is_close_to_now() {
        let anchor = ClockAnchor::now();
        let wall = SystemTime::now();
        let mapped = anchor.system_time(Instant::now());
        let error = wall.duration_since(mapped).unwrap_or_else(|e| e.duration());
        assert!(error < Duration::from_millis(5), "{error:?}");
    }

    #[test]
    fn latency_sanitised() {
        assert_eq!(duration_from_ms(20.0), Duration::from_millis(20));
        assert_eq!(duration_from_ms(-3.0), Duration::ZERO);
        assert_eq!(duration_from_ms(f64::NAN), Duration::ZERO);
        assert_eq!(duration_from_ms(f64::INFINITY), Duration::ZERO);
    }
}
