//! `/chronus/query [slot]`: the whole state of a slot, one reply message for the slot, then per
//! track one for the track (pattern string and settings), one for its step details and one per
//! modulation lane, and a last one that ends the reply. Each message stays far below the 8 KiB
//! common OSC receivers read at once (see [`MAX_STATE_MESSAGE_BYTES`]).

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::native::quantize_name;
use super::report;
use super::Remote;
use crate::document::pattern_string;
use crate::engine::pattern::SLOT_COUNT;
use crate::engine::scale::ROOT_NAMES;
use crate::osc_in::CommandError;

fn int(value: impl TryInto<i32>) -> OscType {
    OscType::Int(value.try_into().unwrap_or(i32::MAX))
}

fn text(value: impl Into<String>) -> OscType {
    OscType::String(value.into())
}

/// The most bytes one state message may take, encoded: the longest (a track's step details, a
/// lane of 64 values, a track with a 64-pitch cycle) stay under it with every string at its
/// longest, which `tests::the_longest_state_messages_fit` and `tests/osc_commands.rs` check.
pub const MAX_STATE_MESSAGE_BYTES: usize = 8_192;

/// Replies `/chronus/state/slot`; per track `/chronus/state/track`, `/chronus/state/steps` and
/// four `/chronus/state/lane`; then `/chronus/state/end` (see docs/OSC.md).
pub fn state(remote: &mut Remote, args: &mut Args) -> Result<Vec<OscMessage>, CommandError> {
    let slot = if args.remaining() > 0 {
        args.index("slot", SLOT_COUNT)?
    } else {
        remote.target_slot()
    };
    args.finish()?;
    let doc = remote.edits.store().slot(slot);
    let params = remote.edits.params();
    let quantize = quantize_name(params.slot_quantize.value().into());
    let mut replies = vec![OscMessage {
        addr: "/chronus/state/slot".to_owned(),
        args: vec![
            int(slot + 1),
            int(remote.live.playing_slot() + 1),
            int(params.slot.value()),
            text(quantize),
            OscType::Float(params.swing.value()),
            OscType::Long(i64::from(doc.seed)),
            text(ROOT_NAMES[usize::from(doc.scale.root % 12)]),
            text(doc.scale.kind.name()),
            int(u8::from(params.fill.value())),
        ],
    }];
    let targets = remote.edits.osc_out().get();
    for (index, track) in doc.tracks.iter().enumerate() {
        let pattern = &track.pattern;
        let controls = &params.tracks[index];
        let steps = &pattern.steps[..usize::from(pattern.length)];
        let target = &targets.tracks[index];
        let profile = target.voice_profile;
        let shown = profile.unwrap_or_default();
        replies.push(OscMessage {
            addr: "/chronus/state/track".to_owned(),
            args: vec![
                int(index + 1),
                text(track.name.clone()),
                text(pattern_string::print(steps)),
                text(pattern.rate.label()),
                int(pattern.note),
                int(pattern.channel + 1),
                int(u8::from(pattern.euclid)),
                int(controls.euclid_pulses.value()),
                int(controls.euclid_rotation.value()),
                int(u8::from(controls.mute.value())),
                int(u8::from(controls.solo.value())),
                OscType::Float(controls.gate.value()),
                text(target.address.clone()),
                text(pattern.direction.name()),
                int(u8::from(pattern.melodic)),
                OscType::Float(pattern.freq.map_or(-1.0, |hz| hz.get())),
                text(report::cycle_text(&pattern.cycle)),
                int(u8::from(profile.is_some())),
                OscType::Float(shown.base_amp),
                OscType::Float(shown.filter_freq),
                OscType::Float(shown.accent_boost),
                OscType::Float(shown.reverb_send),
                OscType::Float(shown.delay_send),
                text(report::digest(track, target)),
            ],
        });
        replies.push(OscMessage {
            addr: "/chronus/state/steps".to_owned(),
            args: vec![int(index + 1), text(report::step_details(pattern))],
        });
        for (lane, (values, destination)) in pattern.lanes.iter().zip(&target.lanes).enumerate() {
            replies.push(report::lane_message(index, lane, values, destination));
        }
    }
    replies.push(OscMessage {
        addr: "/chronus/state/end".to_owned(),
        args: vec![int(slot + 1)],
    });
    Ok(replies)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::lanes::{Lane, LaneValue, LANE_MAX};
    use crate::engine::pattern::{Condition, Step, TrackPattern, MAX_STEPS};
    use crate::osc_commands::args::MAX_STRING_BYTES;
    use crate::osc_out::LaneTarget;

    fn bytes(message: OscMessage) -> usize {
        rosc::encoder::encode(&rosc::OscPacket::Message(message))
            .expect("encodes")
            .len()
    }

    /// The step details and a lane at their longest stay under the bound (the whole reply of a
    /// slot filled to the brim is checked through the command handler in
    /// `tests/osc_commands.rs`).
    #[test]
    fn the_longest_state_messages_fit() {
        let mut pattern = TrackPattern::empty(36);
        pattern.length = MAX_STEPS as u8;
        pattern.steps = [Step {
            probability: 99,
            ratchet: 8,
            nudge: -50,
            note: Some(127),
            condition: Condition::NotNeighbour,
            ..Step::hit(100)
        }; MAX_STEPS];
        let details = report::step_details(&pattern);
        let steps = OscMessage {
            addr: "/chronus/state/steps".to_owned(),
            args: vec![int(16), text(details)],
        };
        assert!(bytes(steps) <= MAX_STATE_MESSAGE_BYTES);

        let lane = Lane {
            length: MAX_STEPS as u8,
            values: [LaneValue::new(LANE_MAX).expect("a value"); MAX_STEPS],
            ..Lane::EMPTY
        };
        let target = LaneTarget {
            address: format!("/{}", "a".repeat(MAX_STRING_BYTES - 1)),
            ..LaneTarget::default()
        };
        assert!(bytes(report::lane_message(15, 3, &lane, &target)) <= MAX_STATE_MESSAGE_BYTES);
    }
}
