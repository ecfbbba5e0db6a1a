//! Host transport, as the harness describes it, and its conversion to CLAP.
//!
//! CLAP positions are fixed point with 2^31 units per beat (and per second); the conversion here
//! rounds to the nearest unit, which is the only rounding between the harness's exact sample
//! positions and what the plugin sees.

use clack_host::events::event_types::{TransportEvent, TransportFlags};
use clack_host::events::{EventFlags, EventHeader};
use clack_host::utils::BeatTime;

/// CLAP fixed-point units per beat (and per second): 2^31.
pub const CLAP_FIXED_POINT_FACTOR: i64 = 1 << 31;

/// Converts beats to CLAP fixed point, rounding to the nearest unit.
pub fn beats_to_fixed(beats: f64) -> i64 {
    (beats * CLAP_FIXED_POINT_FACTOR as f64).round() as i64
}

/// Converts CLAP fixed point to beats.
pub fn fixed_to_beats(fixed: i64) -> f64 {
    fixed as f64 / CLAP_FIXED_POINT_FACTOR as f64
}

/// The transport state at one sample, in host terms.
///
/// Turned into a CLAP transport either for `clap_process.transport` (describing the first sample
/// of the block) or for a `CLAP_EVENT_TRANSPORT` inside the input events (describing the sample at
/// the event's time).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransportInfo {
    /// `IS_PLAYING`.
    pub playing: bool,
    /// `IS_RECORDING`.
    pub recording: bool,
    /// Tempo in beats per minute (`HAS_TEMPO`); `tempo_inc` is always 0.
    pub tempo: f64,
    /// Whether the tempo is sent (`HAS_TEMPO`); see [`Self::without_tempo`].
    pub has_tempo: bool,
    /// Song position in beats (`HAS_BEATS_TIMELINE`); may be negative during pre-roll.
    pub song_pos_beats: f64,
    /// Song position in seconds; `None` leaves `HAS_SECONDS_TIMELINE` unset.
    pub song_pos_seconds: Option<f64>,
    /// Loop range in beats; `Some` sets `IS_LOOP_ACTIVE`.
    pub loop_range_beats: Option<(f64, f64)>,
    /// `IS_WITHIN_PRE_ROLL`.
    pub pre_roll: bool,
    /// Beat position of the start of the current bar.
    pub bar_start_beats: f64,
    /// Bar number (0-based; negative in pre-roll).
    pub bar_number: i32,
    /// Time signature (numerator, denominator); `HAS_TIME_SIGNATURE` is always set.
    pub time_signature: (u16, u16),
}

impl TransportInfo {
    /// A 4/4 transport at `song_pos_beats`, playing at `tempo`, no loop, no pre-roll.
    ///
    /// `bar_start_beats` and `bar_number` are derived from the position (floor division, right for
    /// negative positions).
    pub fn playing_at(tempo: f64, song_pos_beats: f64) -> Self {
        let mut info = Self {
            playing: true,
            recording: false,
            tempo,
            has_tempo: true,
            song_pos_beats,
            song_pos_seconds: None,
            loop_range_beats: None,
            pre_roll: false,
            bar_start_beats: 0.0,
            bar_number: 0,
            time_signature: (4, 4),
        };
        info.derive_bar();
        info
    }

    /// The same transport, stopped (`IS_PLAYING` cleared).
    pub fn stopped(mut self) -> Self {
        self.playing = false;
        self
    }

    /// The same transport with an active loop (beats).
    pub fn with_loop(mut self, start_beats: f64, end_beats: f64) -> Self {
        self.loop_range_beats = Some((start_beats, end_beats));
        self
    }

    /// The same transport without a tempo (`HAS_TEMPO` cleared), as from a host that has none.
    pub fn without_tempo(mut self) -> Self {
        self.has_tempo = false;
        self
    }

    /// The same transport with `IS_WITHIN_PRE_ROLL` set or cleared.
    pub fn with_pre_roll(mut self, pre_roll: bool) -> Self {
        self.pre_roll = pre_roll;
        self
    }

    /// Recomputes `bar_start_beats` and `bar_number` from the position and time signature.
    pub fn derive_bar(&mut self) {
        let (numerator, denominator) = self.time_signature;
        let beats_per_bar = f64::from(numerator) * 4.0 / f64::from(denominator);
        let bar = (self.song_pos_beats / beats_per_bar).floor();
        self.bar_number = bar as i32;
        self.bar_start_beats = bar * beats_per_bar;
    }

    /// The CLAP transport flags this description sets.
    pub fn flags(&self) -> TransportFlags {
        let mut flags = TransportFlags::HAS_BEATS_TIMELINE | TransportFlags::HAS_TIME_SIGNATURE;
        if self.has_tempo {
            flags |= TransportFlags::HAS_TEMPO;
        }
        if self.song_pos_seconds.is_some() {
            flags |= TransportFlags::HAS_SECONDS_TIMELINE;
        }
        if self.playing {
            flags |= TransportFlags::IS_PLAYING;
        }
        if self.recording {
            flags |= TransportFlags::IS_RECORDING;
        }
        if self.loop_range_beats.is_some() {
            flags |= TransportFlags::IS_LOOP_ACTIVE;
        }
        if self.pre_roll {
            flags |= TransportFlags::IS_WITHIN_PRE_ROLL;
        }
        flags
    }

    /// The CLAP transport event for this state at sample offset `time` of the block (use 0 for
    /// `clap_process.transport`).
    pub fn to_clap_event(&self, time: u32) -> TransportEvent {
        let (loop_start, loop_end) = self.loop_range_beats.unwrap_or((0.0, 0.0));
        let (loop_start_seconds, loop_end_seconds) = match (self.song_pos_seconds, self.tempo) {
            (Some(_), tempo) if tempo > 0.0 => (loop_start * 60.0 / tempo, loop_end * 60.0 / tempo),
            _ => (0.0, 0.0),
        };
        TransportEvent {
            header: EventHeader::new_core(time, EventFlags::empty()),
            flags: self.flags(),
            song_pos_beats: BeatTime::from_bits(beats_to_fixed(self.song_pos_beats)),
            song_pos_seconds: BeatTime::from_bits(beats_to_fixed(
                self.song_pos_seconds.unwrap_or(0.0),
            )),
            tempo: self.tempo,
            tempo_inc: 0.0,
            loop_start_beats: BeatTime::from_bits(beats_to_fixed(loop_start)),
            loop_end_beats: BeatTime::from_bits(beats_to_fixed(loop_end)),
            loop_start_seconds: BeatTime::from_bits(beats_to_fixed(loop_start_seconds)),
            loop_end_seconds: BeatTime::from_bits(beats_to_fixed(loop_end_seconds)),
            bar_start: BeatTime::from_bits(beats_to_fixed(self.bar_start_beats)),
            bar_number: self.bar_number,
            time_signature_numerator: self.time_signature.0,
            time_signature_denominator: self.time_signature.1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_point_is_two_to_the_31_per_beat_and_rounds() {
        assert_eq!(beats_to_fixed(1.0), 1 << 31);
        assert_eq!(beats_to_fixed(-2.0), -(1 << 32));
        assert_eq!(fixed_to_beats(beats_to_fixed(0.25)), 0.25);
        let b = 51_200.0 / 24_000.0;
        assert!((fixed_to_beats(beats_to_fixed(b)) - b).abs() <= 0.5 / (1u64 << 31) as f64);
    }

    #[test]
    fn clap_event_carries_flags_and_positions() {
        let info = TransportInfo::playing_at(120.0, 4.5)
            .with_loop(0.0, 8.0)
            .with_pre_roll(false);
        let event = info.to_clap_event(17);
        assert_eq!(event.header.time(), 17);
        assert!(event.flags.contains(TransportFlags::IS_PLAYING));
        assert!(event.flags.contains(TransportFlags::IS_LOOP_ACTIVE));
        assert!(!event.flags.contains(TransportFlags::IS_WITHIN_PRE_ROLL));
        assert_eq!(event.song_pos_beats.to_bits(), 9 << 30);
        assert_eq!(event.loop_end_beats.to_bits(), 8 << 31);
        assert_eq!(event.bar_start.to_bits(), 4 << 31);
        assert_eq!(event.bar_number, 1);
        let stopped = info.stopped().to_clap_event(0);
        assert!(!stopped.flags.contains(TransportFlags::IS_PLAYING));
        assert!(event.flags.contains(TransportFlags::HAS_TEMPO));
        let no_tempo = info.without_tempo().to_clap_event(0);
        assert!(!no_tempo.flags.contains(TransportFlags::HAS_TEMPO));
    }
}
