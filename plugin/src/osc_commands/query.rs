//! `/chronus/query [slot]`: the whole state of a slot as pattern strings, one reply message for
//! the slot and one per track.

use rosc::{OscMessage, OscType};

use super::args::Args;
use super::native::quantize_name;
use super::Remote;
use crate::document::pattern_string;
use crate::engine::pattern::SLOT_COUNT;
use crate::osc_in::CommandError;

fn int(value: impl TryInto<i32>) -> OscType {
    OscType::Int(value.try_into().unwrap_or(i32::MAX))
}

fn text(value: impl Into<String>) -> OscType {
    OscType::String(value.into())
}

/// Replies `/chronus/state/slot` then sixteen `/chronus/state/track` messages (see docs/OSC.md).
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
        ],
    }];
    let targets = remote.edits.osc_out().get();
    for (index, track) in doc.tracks.iter().enumerate() {
        let pattern = &track.pattern;
        let controls = &params.tracks[index];
        let steps = &pattern.steps[..usize::from(pattern.length)];
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
                text(targets.tracks[index].address.clone()),
            ],
        });
    }
    Ok(replies)
}
