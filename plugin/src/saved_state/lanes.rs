//! The version-4 additions to a saved track: exact frequency, note cycle and modulation
//! lanes, written from the document and read back with every range checked.

use super::shapes::{CycleV4, LaneV4, TrackV3, TrackV4};
use super::version::StateError;
use crate::document::TrackDoc;
use crate::engine::lanes::{Lane, LaneMidi, LaneValue, LANES, LANE_MAX};
use crate::engine::note_cycle::{Hz, NoteCycle, MAX_CYCLE};
use crate::engine::pattern::MAX_STEPS;

/// The saved form of `track`.
pub fn track_to_saved(track: &TrackDoc) -> TrackV4 {
    let pattern = &track.pattern;
    let mut saved = TrackV4::from_v3(TrackV3::from(track));
    saved.freq = pattern.freq.map(Hz::get);
    saved.cycle = (!pattern.cycle.is_empty()).then(|| CycleV4 {
        hz: pattern.cycle.pitches().iter().map(|hz| hz.get()).collect(),
        origin: pattern.cycle.origin,
    });
    saved.lanes = pattern
        .lanes
        .iter()
        .enumerate()
        .filter(|(_, lane)| **lane != Lane::EMPTY)
        .map(|(index, lane)| LaneV4 {
            lane: index as u8 + 1,
            midi: midi_label(lane.midi),
            length: lane.length,
            base: lane.base.get(),
            values: lane.values[..usize::from(lane.length)]
                .iter()
                .map(|value| value.get())
                .collect(),
        })
        .collect();
    saved
}

/// Reads a saved track, checking every value.
pub fn track_from_saved(saved: &TrackV4) -> Result<TrackDoc, StateError> {
    let mut track = TrackDoc::try_from(&saved.v3_part())?;
    let pattern = &mut track.pattern;
    if let Some(freq) = saved.freq {
        pattern.freq = Some(hz(freq)?);
    }
    if let Some(cycle) = &saved.cycle {
        if cycle.hz.len() > MAX_CYCLE {
            return Err(invalid(format!(
                "note cycle of {} notes; at most {MAX_CYCLE}",
                cycle.hz.len()
            )));
        }
        let pitches = cycle
            .hz
            .iter()
            .map(|value| hz(*value))
            .collect::<Result<Vec<_>, _>>()?;
        pattern.cycle = NoteCycle::new(&pitches, cycle.origin);
    }
    let mut seen = [false; LANES];
    for saved_lane in &saved.lanes {
        let index = usize::from(saved_lane.lane);
        if !(1..=LANES).contains(&index) || std::mem::replace(&mut seen[index - 1], true) {
            return Err(invalid(format!(
                "lane {index} is not a lane 1–{LANES} or appears twice"
            )));
        }
        let lane = &mut pattern.lanes[index - 1];
        lane.midi = parse_midi(&saved_lane.midi)?;
        let length = usize::from(saved_lane.length);
        if !(1..=MAX_STEPS).contains(&length) || saved_lane.values.len() != length {
            return Err(invalid(format!(
                "lane {index}: length {length} with {} values",
                saved_lane.values.len()
            )));
        }
        lane.length = saved_lane.length;
        lane.base = value(saved_lane.base)?;
        for (slot, saved_value) in lane.values.iter_mut().zip(&saved_lane.values) {
            *slot = value(*saved_value)?;
        }
    }
    Ok(track)
}

fn invalid(reason: String) -> StateError {
    StateError::Invalid(reason)
}

fn hz(value: f32) -> Result<Hz, StateError> {
    Hz::new(value).ok_or_else(|| invalid(format!("frequency {value} Hz is out of range")))
}

fn value(saved: Option<u16>) -> Result<LaneValue, StateError> {
    match saved {
        None => Ok(LaneValue::NONE),
        Some(saved) => LaneValue::new(saved)
            .ok_or_else(|| invalid(format!("lane value {saved} is outside 0–{LANE_MAX}"))),
    }
}

/// `off`, `cc74`, `bend`.
fn midi_label(midi: LaneMidi) -> String {
    match midi {
        LaneMidi::Off => "off".to_owned(),
        LaneMidi::Cc(cc) => format!("cc{cc}"),
        LaneMidi::PitchBend => "bend".to_owned(),
    }
}

fn parse_midi(text: &str) -> Result<LaneMidi, StateError> {
    match text {
        "off" => Ok(LaneMidi::Off),
        "bend" => Ok(LaneMidi::PitchBend),
        other => other
            .strip_prefix("cc")
            .and_then(|number| number.parse::<u8>().ok())
            .filter(|cc| *cc <= 127)
            .map(LaneMidi::Cc)
            .ok_or_else(|| invalid(format!("lane MIDI destination {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_cycles_and_frequencies_round_trip_and_bad_values_are_refused() {
        let mut track = TrackDoc {
            name: "Bass".to_owned(),
            pattern: crate::engine::pattern::TrackPattern::empty(50),
        };
        track.pattern.freq = Hz::new(150.0);
        track.pattern.cycle =
            NoteCycle::new(&[Hz::new(110.0).unwrap(), Hz::new(82.5).unwrap()], -3);
        let lane = &mut track.pattern.lanes[2];
        lane.midi = LaneMidi::Cc(74);
        lane.length = 3;
        lane.base = LaneValue::new(0).unwrap();
        lane.values[1] = LaneValue::new(LANE_MAX).unwrap();
        let saved = track_to_saved(&track);
        assert_eq!(saved.lanes.len(), 1);
        assert_eq!(saved.lanes[0].values, [None, Some(LANE_MAX), None]);
        assert_eq!(track_from_saved(&saved), Ok(track.clone()));

        let mut bad = saved.clone();
        bad.lanes[0].midi = "cc128".to_owned();
        assert!(track_from_saved(&bad).is_err());
        let mut bad = saved.clone();
        bad.lanes[0].values.push(None);
        assert!(track_from_saved(&bad).is_err());
        let mut bad = saved.clone();
        bad.freq = Some(f32::NAN);
        assert!(track_from_saved(&bad).is_err());
        let mut bad = saved;
        bad.lanes[0].lane = 5;
        assert!(track_from_saved(&bad).is_err());
    }
}
