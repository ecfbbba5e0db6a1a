//! Events in (parameter values, transport) and out (notes) of one `process` call.

use crate::transport::TransportInfo;
use clack_host::events::event_types::{NoteOffEvent, NoteOnEvent, ParamValueEvent};
use clack_host::events::io::EventBuffer;
use clack_host::events::spaces::CoreEventSpace;
use clack_host::events::{Match, Pckn, UnknownEvent};
use clack_host::utils::ClapId;

/// An event the host puts into the block's input event list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum InEvent {
    /// `CLAP_EVENT_PARAM_VALUE` at sample `time`. `value` is the CLAP plain value: for nice-plug
    /// that is the normalized value (0..=1), times the step count for stepped parameters — see
    /// [`crate::ParamInfo::clap_value_from_normalized`].
    ParamValue {
        /// Sample offset in the block.
        time: u32,
        /// CLAP parameter id (see [`crate::params::nice_plug_param_hash`]).
        param_id: u32,
        /// CLAP plain value.
        value: f64,
    },
    /// `CLAP_EVENT_NOTE_ON` (velocity 0.8) or `CLAP_EVENT_NOTE_OFF` at sample `time` on note
    /// port 0: a key played into the plugin.
    Note {
        /// Sample offset in the block.
        time: u32,
        /// MIDI channel 0..=15.
        channel: u16,
        /// MIDI key 0..=127.
        key: u16,
        /// Pressed (note-on) or released (note-off).
        on: bool,
    },
    /// `CLAP_EVENT_TRANSPORT` at sample `time`: the transport from that sample on (the way Bitwig
    /// reports a loop wrap inside a block).
    Transport {
        /// Sample offset in the block.
        time: u32,
        /// The transport at that sample.
        info: TransportInfo,
    },
}

impl InEvent {
    /// The event's sample offset in the block.
    pub fn time(&self) -> u32 {
        match self {
            InEvent::ParamValue { time, .. }
            | InEvent::Note { time, .. }
            | InEvent::Transport { time, .. } => *time,
        }
    }
}

/// Fills `buffer` with `events`, sorted by time (stable: same-time events keep their order).
///
/// Returns an error message for an invalid parameter id (0xFFFF_FFFF is CLAP's invalid id).
pub(crate) fn fill_input_buffer(
    buffer: &mut EventBuffer,
    events: &[InEvent],
) -> Result<(), String> {
    buffer.clear();
    for event in events {
        match *event {
            InEvent::ParamValue {
                time,
                param_id,
                value,
            } => {
                let id = ClapId::from_raw(param_id)
                    .ok_or_else(|| format!("{param_id:#x} is not a valid CLAP parameter id"))?;
                buffer.push(&ParamValueEvent::new(time, id, Pckn::match_all(), value));
            }
            InEvent::Note {
                time,
                channel,
                key,
                on,
            } => {
                let target = Pckn::new(0u16, channel, key, Match::All);
                if on {
                    buffer.push(&NoteOnEvent::new(time, target, 0.8));
                } else {
                    buffer.push(&NoteOffEvent::new(time, target, 0.0));
                }
            }
            InEvent::Transport { time, info } => buffer.push(&info.to_clap_event(time)),
        }
    }
    buffer.sort();
    Ok(())
}

/// What kind of note event the plugin sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum NoteKind {
    /// `CLAP_EVENT_NOTE_ON` (or MIDI note-on with velocity > 0).
    On,
    /// `CLAP_EVENT_NOTE_OFF` (or MIDI note-off, or note-on with velocity 0).
    Off,
    /// `CLAP_EVENT_NOTE_CHOKE`.
    Choke,
    /// `CLAP_EVENT_NOTE_END`.
    End,
}

/// A note event from the plugin's output event list.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OutNote {
    /// On, off, choke or end.
    pub kind: NoteKind,
    /// Sample offset in the block, as the plugin wrote it.
    pub time: u32,
    /// Note port index (-1 = all).
    pub port: i16,
    /// MIDI channel 0..=15 (-1 = all).
    pub channel: i16,
    /// MIDI key 0..=127 (-1 = all).
    pub key: i16,
    /// Note id (-1 = none).
    pub note_id: i32,
    /// Velocity 0..=1 as sent (nice-plug sends an `f32` widened to `f64`).
    pub velocity: f64,
}

impl OutNote {
    /// The velocity as a MIDI 1 integer (`round(v · 127)`).
    pub fn midi_velocity(&self) -> u8 {
        (self.velocity * 127.0).round().clamp(0.0, 127.0) as u8
    }
}

/// What the plugin wrote into the output event list.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BlockOutput {
    /// Note events, in the order the plugin pushed them.
    pub notes: Vec<OutNote>,
    /// Number of output events that are not notes (parameter changes, gestures, sysex, …).
    pub other_events: usize,
    /// The MIDI events among them that are not notes (control changes, pitch bends, …), in the
    /// order the plugin pushed them.
    pub midi: Vec<OutMidi>,
}

/// A MIDI event from the plugin's output that is not a note (a control change, pitch bend, …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutMidi {
    /// Sample offset in the block, as the plugin wrote it.
    pub time: u32,
    /// The three MIDI bytes.
    pub data: [u8; 3],
}

/// Decodes one output event that is a MIDI message but not a note; `None` for anything else.
pub(crate) fn decode_other_midi(event: &UnknownEvent) -> Option<OutMidi> {
    match event.as_core_event()? {
        CoreEventSpace::Midi(e) if !matches!(e.data()[0] & 0xF0, 0x80 | 0x90) => Some(OutMidi {
            time: event.header().time(),
            data: e.data(),
        }),
        _ => None,
    }
}

/// Decodes one output event; `None` for anything that is not a note.
pub(crate) fn decode_note(event: &UnknownEvent) -> Option<OutNote> {
    let time = event.header().time();
    let from_clap = |kind, note: Pckn, velocity| OutNote {
        kind,
        time,
        port: note.raw_port_index(),
        channel: note.raw_channel(),
        key: note.raw_key(),
        note_id: note.raw_note_id(),
        velocity,
    };
    match event.as_core_event()? {
        CoreEventSpace::NoteOn(e) => Some(from_clap(NoteKind::On, e.pckn(), e.velocity())),
        CoreEventSpace::NoteOff(e) => Some(from_clap(NoteKind::Off, e.pckn(), e.velocity())),
        CoreEventSpace::NoteChoke(e) => Some(from_clap(NoteKind::Choke, e.pckn(), 0.0)),
        CoreEventSpace::NoteEnd(e) => Some(from_clap(NoteKind::End, e.pckn(), 0.0)),
        CoreEventSpace::Midi(e) => {
            let [status, key, velocity] = e.data();
            let kind = match (status & 0xF0, velocity) {
                (0x90, v) if v > 0 => NoteKind::On,
                (0x90, _) | (0x80, _) => NoteKind::Off,
                _ => return None,
            };
            Some(OutNote {
                kind,
                time,
                port: e.port_index() as i16,
                channel: i16::from(status & 0x0F),
                key: i16::from(key),
                note_id: -1,
                velocity: f64::from(velocity) / 127.0,
            })
        }
        _ => None,
    }
}
