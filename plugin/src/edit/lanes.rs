//! The rules of modulation lanes, note cycles, track frequencies and the voice profile: what
//! their edits change and what they refuse.

use super::error::EditError;
use super::steps::EuclidRhythm;
use super::values::{check_osc_address, check_range, LENGTH};
use super::vocabulary::{CycleStart, LaneChange};
use crate::engine::lanes::{LaneValue, LANES, LANE_MAX};
use crate::engine::note_cycle::{self, HitMask, Hz, NoteCycle, MAX_CYCLE, MAX_HZ, MIN_HZ};
use crate::engine::pattern::{Step, TrackPattern, MAX_STEPS};
use crate::osc_out::{curve_fits, LaneTarget, VoiceProfile};

/// Highest voice count the `voices` setting takes.
pub const MAX_VOICES: u8 = 64;

/// A lane index, checked.
pub fn check_lane(lane: usize) -> Result<usize, EditError> {
    if lane < LANES {
        Ok(lane)
    } else {
        Err(EditError::new(format!(
            "lane {} does not exist; a track has lanes 1–{LANES}",
            lane + 1
        )))
    }
}

fn lane_value(value: Option<u16>) -> Result<LaneValue, EditError> {
    match value {
        None => Ok(LaneValue::NONE),
        Some(value) => LaneValue::new(value).ok_or_else(|| {
            EditError::new(format!("lane value {value} is out of range 0–{LANE_MAX}"))
        }),
    }
}

/// Applies `change` to lane `lane` of `pattern`; the OSC destination is returned for the OSC
/// settings instead.
pub fn apply_lane(
    pattern: &mut TrackPattern,
    lane: usize,
    change: &LaneChange,
) -> Result<Option<LaneTarget>, EditError> {
    let lane = &mut pattern.lanes[check_lane(lane)?];
    match change {
        LaneChange::Midi(midi) => {
            if let crate::engine::lanes::LaneMidi::Cc(cc) = midi {
                check_range("CC number", i64::from(*cc), &(0..=127))?;
            }
            lane.midi = *midi;
        }
        LaneChange::Length(length) => {
            lane.length = check_range("lane length", i64::from(*length), &LENGTH)? as u8;
        }
        LaneChange::Base(base) => lane.base = lane_value(*base)?,
        LaneChange::Values { from, values } => {
            let end = from.saturating_add(values.len());
            if end > MAX_STEPS {
                return Err(EditError::new(format!(
                    "lane steps {}–{end} do not fit; a lane has steps 1–{MAX_STEPS}",
                    from + 1
                )));
            }
            let checked = values
                .iter()
                .map(|value| lane_value(*value))
                .collect::<Result<Vec<_>, _>>()?;
            lane.values[*from..end].copy_from_slice(&checked);
        }
        LaneChange::Clear => {
            lane.base = LaneValue::NONE;
            lane.values = [LaneValue::NONE; MAX_STEPS];
        }
        LaneChange::Osc(target) => return check_lane_target(target).map(Some),
    }
    Ok(None)
}

/// A lane's OSC destination, checked: a valid address (or none), a finite range, and an
/// exponential curve only over a range that does not cross zero.
pub fn check_lane_target(target: &LaneTarget) -> Result<LaneTarget, EditError> {
    if !target.address.is_empty() {
        check_osc_address(&target.address)?;
    }
    if !target.min.is_finite() || !target.max.is_finite() {
        return Err(EditError::new("a lane's range must be two finite numbers"));
    }
    if target.curve == crate::osc_out::Curve::Exponential
        && !curve_fits(f64::from(target.min), f64::from(target.max))
    {
        return Err(EditError::new(format!(
            "an exponential range cannot span {}–{}: both ends must have the same sign, \
             neither zero",
            target.min, target.max
        )));
    }
    Ok(target.clone())
}

/// A frequency in Hz, checked.
pub fn check_hz(hz: f32) -> Result<Hz, EditError> {
    Hz::new(hz).ok_or_else(|| {
        EditError::new(format!(
            "{hz} Hz is not a usable frequency ({MIN_HZ}–{MAX_HZ} Hz)"
        ))
    })
}

/// Sets the track's note cycle to `pitches`, starting as `start` says (`rhythm`: the track's
/// Euclid pulses and rotation).
pub fn set_cycle(
    pattern: &mut TrackPattern,
    pitches: &[f32],
    start: CycleStart,
    rhythm: EuclidRhythm,
) -> Result<(), EditError> {
    if pitches.len() > MAX_CYCLE {
        return Err(EditError::new(format!(
            "{} notes; a note cycle holds at most {MAX_CYCLE}",
            pitches.len()
        )));
    }
    let pitches = pitches
        .iter()
        .map(|hz| check_hz(*hz))
        .collect::<Result<Vec<_>, _>>()?;
    let hits = HitMask::with_euclid(pattern, rhythm);
    let origin = note_cycle::origin_at(&hits, pattern, start.at_beat, start.entry);
    pattern.cycle = NoteCycle::new(&pitches, origin);
    Ok(())
}

/// Writes `steps` fresh (as Music Chronus writes a pattern) and moves the note cycle's origin so
/// that the first hit at or after `at_beat` plays the entry the old pattern's would have.
pub fn write_keeping_cycle(
    pattern: &mut TrackPattern,
    steps: &[Step],
    at_beat: f64,
    rhythm: EuclidRhythm,
) {
    let old_hits = HitMask::with_euclid(pattern, rhythm);
    let next_step = note_cycle::next_step_index(pattern, at_beat);
    let entry = old_hits.hits_before(next_step) - pattern.cycle.origin;
    super::steps::write_fresh(pattern, steps);
    let new_hits = HitMask::with_euclid(pattern, rhythm);
    pattern.cycle.origin = new_hits.hits_before(next_step) - entry;
}

/// Sets the track's pitch to the exact frequency `hz`, its MIDI note to the nearest one.
pub fn set_frequency(pattern: &mut TrackPattern, hz: f32) -> Result<(), EditError> {
    let hz = check_hz(hz)?;
    pattern.note = hz.nearest_note();
    pattern.freq = Some(hz);
    Ok(())
}

/// A voice profile, checked: finite values, levels and sends 0–1, frequencies in range.
pub fn check_voice_profile(profile: &VoiceProfile) -> Result<VoiceProfile, EditError> {
    let checks = [
        ("base_amp", profile.base_amp, 0.0, 1.0),
        ("filter_freq", profile.filter_freq, 0.0, MAX_HZ),
        ("accent_boost", profile.accent_boost, -MAX_HZ, MAX_HZ),
        ("reverb_send", profile.reverb_send, 0.0, 1.0),
        ("delay_send", profile.delay_send, 0.0, 1.0),
    ];
    for (name, value, low, high) in checks {
        check_range(name, f64::from(value), &(f64::from(low)..=f64::from(high)))?;
    }
    Ok(*profile)
}

/// A voice count, checked.
pub fn check_voices(voices: u8) -> Result<u8, EditError> {
    Ok(check_range("voices", i64::from(voices), &(1..=i64::from(MAX_VOICES)))? as u8)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::pattern::Step;

    #[test]
    fn lane_changes_are_checked_and_leave_nothing_on_refusal() {
        let mut pattern = TrackPattern::empty(60);
        let values = LaneChange::Values {
            from: 62,
            values: vec![Some(1), None],
        };
        apply_lane(&mut pattern, 0, &values).unwrap();
        assert_eq!(pattern.lanes[0].values[62].get(), Some(1));
        let too_far = LaneChange::Values {
            from: 63,
            values: vec![Some(1), Some(2)],
        };
        assert!(apply_lane(&mut pattern, 0, &too_far).is_err());
        assert!(apply_lane(&mut pattern, 4, &LaneChange::Clear).is_err());
        assert!(apply_lane(&mut pattern, 1, &LaneChange::Base(Some(LANE_MAX + 1))).is_err());
        assert!(apply_lane(&mut pattern, 1, &LaneChange::Length(0)).is_err());
        let exponential_through_zero = LaneTarget {
            address: "/mod/voice1/filter/freq".into(),
            min: 0.0,
            max: 8000.0,
            curve: crate::osc_out::Curve::Exponential,
        };
        assert!(apply_lane(&mut pattern, 1, &LaneChange::Osc(exponential_through_zero)).is_err());
    }

    #[test]
    fn update_pattern_continues_the_cycle() {
        // `/seq/add probe voice1 x.x.x... 440 800 C4,D4` then `/seq/update/pattern probe
        // xxxx...`: Music Chronus plays C4 D4 C4 D4.
        let mut pattern = TrackPattern::empty(60);
        let mut steps = [Step::REST; 16];
        for at in [0, 2, 4] {
            steps[at] = Step::hit(76);
        }
        super::super::steps::write_fresh(&mut pattern, &steps);
        let start = CycleStart {
            at_beat: 0.0,
            entry: 0,
        };
        set_cycle(&mut pattern, &[261.63, 293.66], start, (0, 0)).unwrap();
        // Two bars played (6 hits): the next hit plays C4 again.
        let mut dense = [Step::REST; 16];
        for step in dense.iter_mut().take(4) {
            *step = Step::hit(76);
        }
        write_keeping_cycle(&mut pattern, &dense, 8.0, (0, 0));
        let controls = crate::engine::performance::TrackPerformance::default();
        let played: Vec<f32> = (32..36)
            .map(|index| {
                note_cycle::hit_pitch(&pattern, &controls, None, index)
                    .hz
                    .unwrap()
                    .get()
            })
            .collect();
        assert_eq!(played, [261.63, 293.66, 261.63, 293.66]);
    }
}
