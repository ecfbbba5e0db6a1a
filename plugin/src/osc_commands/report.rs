//! How the plugin reports a track to agents beyond its pattern string, shared by `/chronus/query`,
//! `/chronus/check` and the change feed: the step details the pattern string leaves out, the note
//! cycle as text, the lanes, a digest of everything the track holds, and the names of the OSC
//! output settings that changed. Every text form is the one the matching command takes, so an
//! agent can send back what it read.

use std::fmt::Write as _;

use rosc::{OscMessage, OscType};
use serde_json::{json, Value};

use crate::document::TrackDoc;
use crate::engine::lanes::{Lane, LaneMidi, LaneValue, LANES};
use crate::engine::note_cycle::NoteCycle;
use crate::engine::pattern::{Step, TrackPattern};
use crate::osc_out::{Curve, LaneTarget, OscOutSettings, TrackTarget};

/// The steps of the track's length whose extras differ from a plain step, as
/// `<step>.<field>=<value>` separated by spaces, steps counted from 1, fields named and written
/// as the `/chronus/step/<field>` commands take them: `probability` (0–100), `ratchet` (1–8),
/// `nudge` (−50–50), `note` (MIDI number), `condition` (`1:2`, `fill`, …). A step with none of
/// them is left out; a track without any gives an empty string.
pub fn step_details(pattern: &TrackPattern) -> String {
    let mut text = String::new();
    let length = usize::from(pattern.length).min(pattern.steps.len());
    for (index, step) in pattern.steps[..length].iter().enumerate() {
        let plain = Step::REST;
        let number = index + 1;
        let mut add = |field: &str, value: &dyn std::fmt::Display| {
            if !text.is_empty() {
                text.push(' ');
            }
            let _ = write!(text, "{number}.{field}={value}");
        };
        if step.probability != plain.probability {
            add("probability", &step.probability);
        }
        if step.ratchet != plain.ratchet {
            add("ratchet", &step.ratchet);
        }
        if step.nudge != plain.nudge {
            add("nudge", &step.nudge);
        }
        if let Some(note) = step.note {
            add("note", &note);
        }
        if step.condition != plain.condition {
            add("condition", &step.condition.label());
        }
    }
    text
}

/// The note cycle as `/chronus/track/cycle` takes it: its pitches in Hz with a decimal point,
/// separated by commas (`261.62558,293.66476`); empty without a cycle.
pub fn cycle_text(cycle: &NoteCycle) -> String {
    let mut text = String::new();
    for (index, hz) in cycle.pitches().iter().enumerate() {
        if index > 0 {
            text.push(',');
        }
        // `{:?}` writes the shortest form that reads back exactly, always with a decimal point
        // in the range of pitches (1–30000 Hz), so it reads back as Hz, not a MIDI number.
        let _ = write!(text, "{:?}", hz.get());
    }
    text
}

/// A lane value as OSC carries it: 0–1, or −1 for none.
pub fn lane_value(value: LaneValue) -> f32 {
    value.unit().map_or(-1.0, |unit| unit as f32)
}

/// The lane's MIDI destination: `off`, `cc` or `bend`, and the controller number (−1 unless
/// `cc`).
pub fn lane_midi(midi: LaneMidi) -> (&'static str, i32) {
    match midi {
        LaneMidi::Off => ("off", -1),
        LaneMidi::Cc(number) => ("cc", i32::from(number)),
        LaneMidi::PitchBend => ("bend", -1),
    }
}

/// The curve as `/chronus/lane/osc` takes it: `lin` or `exp`.
pub fn curve_name(curve: Curve) -> &'static str {
    match curve {
        Curve::Linear => "lin",
        Curve::Exponential => "exp",
    }
}

/// The values of the lane's length, 0–1 or −1 for none.
fn lane_values(lane: &Lane) -> impl Iterator<Item = f32> + '_ {
    let length = usize::from(lane.length).min(lane.values.len());
    lane.values[..length].iter().map(|value| lane_value(*value))
}

/// `/chronus/state/lane`: int track, int lane, string midi, int cc, string OSC address, float
/// min, float max, string curve, int length, float base, then one float per step of the lane's
/// length (tracks and lanes from 1; values 0–1, −1 for none).
pub fn lane_message(track: usize, index: usize, lane: &Lane, target: &LaneTarget) -> OscMessage {
    let (midi, cc) = lane_midi(lane.midi);
    let mut args = vec![
        OscType::Int(track as i32 + 1),
        OscType::Int(index as i32 + 1),
        OscType::String(midi.to_owned()),
        OscType::Int(cc),
        OscType::String(target.address.clone()),
        OscType::Float(target.min),
        OscType::Float(target.max),
        OscType::String(curve_name(target.curve).to_owned()),
        OscType::Int(i32::from(lane.length)),
        OscType::Float(lane_value(lane.base)),
    ];
    args.extend(lane_values(lane).map(OscType::Float));
    OscMessage {
        addr: "/chronus/state/lane".to_owned(),
        args,
    }
}

/// The document side of a lane as JSON (for `/chronus/check`; the OSC destination is a
/// setting, reported among the settings).
pub fn lane_json(lane: &Lane) -> Value {
    let (midi, cc) = lane_midi(lane.midi);
    json!({
        "midi": midi,
        "cc": cc,
        "length": lane.length,
        "base": lane_value(lane.base),
        "values": lane_values(lane).collect::<Vec<_>>(),
    })
}

/// Writes into a 64-bit FNV-1a hash.
struct Fnv(u64);

impl std::fmt::Write for Fnv {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        for byte in text.bytes() {
            self.0 = (self.0 ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
        }
        Ok(())
    }
}

/// A digest of everything a track holds: its document (name, steps with every extra, length,
/// rate, note, channel, Euclid, lanes, note cycle, frequency, direction, melodic) and its OSC
/// output settings (gate address, freq and amp, voice profile, lane destinations), as 16 hex
/// digits. Two queries give the same digest exactly when nothing of the track changed, so an
/// agent can tell which tracks to look at again. Made from every field's written form, so a
/// field added later is covered too. Not saved; only for comparing within one plugin version.
pub fn digest(track: &TrackDoc, target: &TrackTarget) -> String {
    let mut hash = Fnv(0xcbf2_9ce4_8422_2325);
    let _ = write!(hash, "{track:?}{target:?}");
    format!("{:016x}", hash.0)
}

/// The names of the fields of one track's OSC output settings that differ: `address`,
/// `send_freq`, `send_amp`, `voice_profile`, `lane1` … `lane4` (the lane's OSC destination).
pub fn target_parts(before: &TrackTarget, after: &TrackTarget) -> Vec<&'static str> {
    let TrackTarget {
        address,
        send_freq,
        send_amp,
        voice_profile,
        lanes,
    } = before;
    let mut parts = Vec::new();
    let mut push = |changed: bool, name: &'static str| {
        if changed {
            parts.push(name);
        }
    };
    push(*address != after.address, "address");
    push(*send_freq != after.send_freq, "send_freq");
    push(*send_amp != after.send_amp, "send_amp");
    push(*voice_profile != after.voice_profile, "voice_profile");
    const LANE_PARTS: [&str; LANES] = ["lane1", "lane2", "lane3", "lane4"];
    for ((a, b), name) in lanes.iter().zip(&after.lanes).zip(LANE_PARTS) {
        push(a != b, name);
    }
    parts
}

/// The names of the OSC output settings shared by every track that differ: `host`, `port`,
/// `mode`, `bundle_latency_ms`, `max_messages_per_second`, `profile`, `voices`,
/// `forward_modular`.
pub fn shared_setting_parts(before: &OscOutSettings, after: &OscOutSettings) -> Vec<&'static str> {
    let OscOutSettings {
        host,
        port,
        mode,
        bundle_latency_ms,
        max_messages_per_second,
        profile,
        tracks: _,
        voices,
        forward_modular,
    } = before;
    [
        (*host != after.host, "host"),
        (*port != after.port, "port"),
        (*mode != after.mode, "mode"),
        (
            bundle_latency_ms.to_bits() != after.bundle_latency_ms.to_bits(),
            "bundle_latency_ms",
        ),
        (
            *max_messages_per_second != after.max_messages_per_second,
            "max_messages_per_second",
        ),
        (*profile != after.profile, "profile"),
        (*voices != after.voices, "voices"),
        (*forward_modular != after.forward_modular, "forward_modular"),
    ]
    .into_iter()
    .filter(|(changed, _)| *changed)
    .map(|(_, name)| name)
    .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::note_cycle::Hz;
    use crate::engine::pattern::Condition;

    #[test]
    fn step_details_name_each_extra_as_its_command_takes_it() {
        let mut pattern = TrackPattern::empty(36);
        pattern.steps[0].probability = 50;
        pattern.steps[2].ratchet = 3;
        pattern.steps[2].nudge = -10;
        pattern.steps[3].note = Some(60);
        pattern.steps[4].condition = Condition::Ratio { a: 1, b: 2 };
        pattern.steps[20].probability = 5; // beyond the length: not played, not reported
        assert_eq!(
            step_details(&pattern),
            "1.probability=50 3.ratchet=3 3.nudge=-10 4.note=60 5.condition=1:2"
        );
        assert_eq!(step_details(&TrackPattern::empty(36)), "");
    }

    #[test]
    fn a_cycle_reads_back_as_the_same_pitches() {
        let pitches: Vec<Hz> = [440.0, 261.625_58, 110.5]
            .into_iter()
            .map(|hz| Hz::new(hz).expect("a pitch"))
            .collect();
        let text = cycle_text(&NoteCycle::new(&pitches, 0));
        assert_eq!(text, "440.0,261.62558,110.5");
        let read = crate::edit::notes::parse_pitch_list(&text).expect("reads back");
        let read: Vec<Hz> = read
            .into_iter()
            .map(|hz| Hz::new(hz).expect("hz"))
            .collect();
        assert_eq!(read, pitches);
    }

    #[test]
    fn the_digest_changes_with_any_field() {
        let track = crate::document::PatternDoc::default().tracks[0].clone();
        let target = TrackTarget::default_for(0);
        let first = digest(&track, &target);
        assert_eq!(first.len(), 16);
        assert_eq!(digest(&track, &target), first);
        let mut moved = track.clone();
        moved.pattern.lanes[2].length = 3;
        assert_ne!(digest(&moved, &target), first);
        let mut profiled = target.clone();
        profiled.voice_profile = Some(Default::default());
        assert_ne!(digest(&track, &profiled), first);
    }
}
