//! The one entry point for edits: checks an edit, applies it to the document as one undo step,
//! publishes the snapshot the audio thread plays, and sends host-parameter changes through the
//! parameter gateway and OSC settings changes to their cell.

use std::sync::Arc;

use super::apply::{apply, EditContext, Effect};
use super::error::EditError;
use super::store::PatternStore;
use super::vocabulary::{Edit, MidiInputChange};
use crate::document::{PatternDoc, SongDoc};
use crate::engine::slot_switch::SlotQuantize;
use crate::osc_out::SettingsCell;
use crate::param_gateway::ParamGateway;
use crate::params::{QuantizeChoice, SeqParams, TransposeChoice};
use crate::slot_override::SlotOverride;

/// Who asked for an edit. Host-parameter changes from the editor are recorded as the
/// musician's gestures; the others take the path the plugin API allows from their thread.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// The editor, on the GUI thread.
    Editor,
    /// An OSC command, on the OSC input thread.
    Osc,
}

/// What an edit would change ([`EditLayer::check`]).
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The document now.
    pub before: SongDoc,
    /// The document after the edit.
    pub after: SongDoc,
    /// Changes outside the document (host parameters, OSC targets), in words.
    pub settings: Vec<String>,
}

/// An effect in words, tracks counted from 1.
fn describe_effect(effect: &Effect) -> String {
    let quantize = |quantize: &SlotQuantize| match quantize {
        SlotQuantize::Now => "now",
        SlotQuantize::NextStep => "step",
        SlotQuantize::NextBar => "bar",
    };
    match effect {
        Effect::Mute(track, on) => format!("mute_{}: {on}", track + 1),
        Effect::Solo(track, on) => format!("solo_{}: {on}", track + 1),
        Effect::Gate(track, percent) => format!("gate_{}: {percent}%", track + 1),
        Effect::Swing(percent) => format!("swing: {percent}%"),
        Effect::Pulses(track, pulses) => format!("pulses_{}: {pulses}", track + 1),
        Effect::Rotation(track, rotation) => format!("rotation_{}: {rotation}", track + 1),
        Effect::PlaySlot(slot, None) => format!("slot: {}", slot + 1),
        Effect::PlaySlot(slot, Some(when)) => {
            format!("slot: {} (quantize {})", slot + 1, quantize(when))
        }
        Effect::SlotQuantize(when) => format!("slot_quantize: {}", quantize(when)),
        Effect::Fill(on) => format!("fill: {on}"),
        Effect::MidiInput(change) => describe_midi_input(change),
        Effect::OscAddress(track, address) => {
            format!("OSC address of track {}: {address:?}", track + 1)
        }
        Effect::MusicChronusVoice(track, address) => {
            format!(
                "OSC address of track {}: {address:?} with freq and amp",
                track + 1
            )
        }
        Effect::OscTarget(host, port) => format!("OSC target: {host}:{port}"),
        Effect::LaneOsc(track, lane, target) => {
            format!(
                "OSC destination of lane {} of track {}: {target:?}",
                lane + 1,
                track + 1
            )
        }
        Effect::VoiceProfile(track, profile) => {
            format!("voice profile of track {}: {profile:?}", track + 1)
        }
        Effect::Voices(voices) => format!("voices: {voices}"),
        Effect::ForwardModular(on) => format!("forward: {on}"),
    }
}

/// A MIDI-input parameter change in words, by parameter id; channels from 1, 0 off.
fn describe_midi_input(change: &MidiInputChange) -> String {
    let key = |key: &u8| crate::edit::notes::note_name(*key);
    match change {
        MidiInputChange::TransposeChannel(channel) => format!("transpose_channel: {channel}"),
        MidiInputChange::TransposeMode(mode) => {
            format!("transpose_mode: {}", TransposeChoice::from(*mode).id())
        }
        MidiInputChange::ReferenceKey(reference) => format!("reference_key: {}", key(reference)),
        MidiInputChange::SlotChannel(channel) => format!("slot_key_channel: {channel}"),
        MidiInputChange::SlotLowKey(low) => format!("slot_low_key: {}", key(low)),
    }
}

/// Everything an edit may change, behind one entry point. Cloning shares the same parts.
#[derive(Clone)]
pub struct EditLayer {
    /// The pattern document. Locked by the GUI, OSC-in and host state threads, never by audio.
    store: PatternStore,
    /// Host parameters: read for the Euclid rhythms edits compare against, changed through
    /// `gateway`. Atomics, read and written by any thread.
    params: Arc<SeqParams>,
    /// The path for parameter changes to the host. Used by the GUI and OSC-in threads.
    gateway: Arc<ParamGateway>,
    /// Where each track's gates go. Written here (GUI and OSC-in threads), read by the sidecar.
    osc_out: Arc<SettingsCell>,
    /// One-time quantize of the next slot change. Written here (OSC-in thread), read by audio.
    slot_override: Arc<SlotOverride>,
}

impl std::fmt::Debug for EditLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EditLayer").finish_non_exhaustive()
    }
}

impl EditLayer {
    /// The layer over the plugin's shared parts.
    pub fn new(
        store: PatternStore,
        params: Arc<SeqParams>,
        gateway: Arc<ParamGateway>,
        osc_out: Arc<SettingsCell>,
        slot_override: Arc<SlotOverride>,
    ) -> EditLayer {
        EditLayer {
            store,
            params,
            gateway,
            osc_out,
            slot_override,
        }
    }

    /// Carries out `edit` on slot `slot` (0-based) for `origin`: checked first, then applied
    /// whole (one snapshot, one undo step) or not at all. May allocate; never call it from the
    /// audio thread.
    pub fn apply(&self, origin: Origin, slot: usize, edit: Edit) -> Result<(), EditError> {
        self.apply_landing(origin, slot, edit, SlotQuantize::Now)
    }

    /// Like [`Self::apply`], with the document change played from the next `lands` point on:
    /// the audio thread keeps playing the pattern before the edit and switches on that exact
    /// sample (as it switches slots). Host parameters and OSC targets the edit sets change at
    /// once. An edit that lands at once takes any edit still waiting with it.
    pub fn apply_landing(
        &self,
        origin: Origin,
        slot: usize,
        edit: Edit,
        lands: SlotQuantize,
    ) -> Result<(), EditError> {
        match edit {
            Edit::Undo => self
                .store
                .step_history(false, lands)
                .then_some(())
                .ok_or_else(|| EditError::new("nothing to undo")),
            Edit::Redo => self
                .store
                .step_history(true, lands)
                .then_some(())
                .ok_or_else(|| EditError::new("nothing to redo")),
            edit => {
                let context = self.context();
                self.store.transact_landing(lands, origin.into(), |song| {
                    let mut effects = Vec::new();
                    apply(song, slot, &edit, &context, &mut effects)?;
                    // Before the snapshot is published: a Euclid track never plays with the
                    // old pulses, and a track's new OSC target is in place for its new hits.
                    for effect in effects {
                        self.perform(origin, effect);
                    }
                    Ok(())
                })
            }
        }
    }

    /// What `doc` would become under `edit`, without changing anything (for the editor's
    /// preview of a gesture in progress, and for checking an edit before it is made). Effects
    /// outside the document are left out.
    pub fn preview(&self, doc: &PatternDoc, edit: &Edit) -> Result<PatternDoc, EditError> {
        let mut song = SongDoc::new(doc.clone());
        apply(&mut song, 0, edit, &self.context(), &mut Vec::new())?;
        Ok(song.slot(0).clone())
    }

    /// What `edit` on slot `slot` would change, found by applying it to a copy: the document
    /// before and after, and the changes outside the document (host parameters, OSC targets) in
    /// words. Nothing changes; a refusal is the same [`EditError`] [`Self::apply`] would give.
    pub fn check(&self, slot: usize, edit: &Edit) -> Result<Preview, EditError> {
        let before = self.store.doc();
        let (after, effects) = match edit {
            Edit::Undo => (
                self.store
                    .history_preview(false)
                    .ok_or_else(|| EditError::new("nothing to undo"))?,
                Vec::new(),
            ),
            Edit::Redo => (
                self.store
                    .history_preview(true)
                    .ok_or_else(|| EditError::new("nothing to redo"))?,
                Vec::new(),
            ),
            edit => {
                let mut after = before.clone();
                let mut effects = Vec::new();
                apply(&mut after, slot, edit, &self.context(), &mut effects)?;
                (after, effects)
            }
        };
        Ok(Preview {
            before,
            after,
            settings: effects.iter().map(describe_effect).collect(),
        })
    }

    /// The Euclid rhythms the tracks play now, from the host parameters.
    fn context(&self) -> EditContext {
        let performance = self.params.performance();
        EditContext {
            euclid: std::array::from_fn(|track| {
                let controls = &performance.tracks[track];
                (controls.euclid_pulses, controls.euclid_rotation)
            }),
        }
    }

    /// Replaces the whole document with a loaded one (project, preset or command-line
    /// pattern): published at once, history cleared.
    pub fn load(&self, song: SongDoc) {
        self.store.replace(song);
    }

    /// The document (for reading).
    pub fn store(&self) -> &PatternStore {
        &self.store
    }

    /// The host parameters (for reading).
    pub fn params(&self) -> &Arc<SeqParams> {
        &self.params
    }

    /// The path for the editor's own parameter gestures (drags of host-parameter controls).
    pub fn gateway(&self) -> &Arc<ParamGateway> {
        &self.gateway
    }

    /// The OSC output settings (for reading).
    pub fn osc_out(&self) -> &Arc<SettingsCell> {
        &self.osc_out
    }

    /// Sets a host parameter for `origin`.
    fn set_param<P: nice_plug::prelude::Param>(&self, origin: Origin, param: &P, value: P::Plain) {
        match origin {
            Origin::Editor => self.gateway.set_from_gui(param, value),
            Origin::Osc => self.gateway.set(param, value),
        };
    }

    /// Sets the MIDI-input parameter `change` names, for `origin`.
    fn set_midi_input(&self, origin: Origin, change: MidiInputChange) {
        let params = &self.params;
        match change {
            MidiInputChange::TransposeChannel(channel) => {
                self.set_param(origin, &params.transpose_channel, i32::from(channel));
            }
            MidiInputChange::TransposeMode(mode) => {
                self.set_param(origin, &params.transpose_mode, TransposeChoice::from(mode));
            }
            MidiInputChange::ReferenceKey(key) => {
                self.set_param(origin, &params.reference_key, i32::from(key));
            }
            MidiInputChange::SlotChannel(channel) => {
                self.set_param(origin, &params.slot_key_channel, i32::from(channel));
            }
            MidiInputChange::SlotLowKey(key) => {
                self.set_param(origin, &params.slot_low_key, i32::from(key));
            }
        }
    }

    fn perform(&self, origin: Origin, effect: Effect) {
        let params = &self.params;
        match effect {
            Effect::Mute(track, on) => self.set_param(origin, &params.tracks[track].mute, on),
            Effect::Solo(track, on) => self.set_param(origin, &params.tracks[track].solo, on),
            Effect::Gate(track, percent) => {
                self.set_param(origin, &params.tracks[track].gate, percent);
            }
            Effect::Swing(percent) => self.set_param(origin, &params.swing, percent),
            Effect::Pulses(track, pulses) => {
                let param = &params.tracks[track].euclid_pulses;
                self.set_param(origin, param, i32::from(pulses));
            }
            Effect::Rotation(track, rotation) => {
                let param = &params.tracks[track].euclid_rotation;
                self.set_param(origin, param, i32::from(rotation));
            }
            Effect::PlaySlot(slot, quantize) => {
                if let Some(quantize) = quantize {
                    self.slot_override.set(slot, quantize);
                }
                self.set_param(origin, &params.slot, slot as i32 + 1);
            }
            Effect::SlotQuantize(quantize) => {
                let choice = QuantizeChoice::from(quantize);
                self.set_param(origin, &params.slot_quantize, choice);
            }
            Effect::Fill(on) => self.set_param(origin, &params.fill, on),
            Effect::MidiInput(change) => self.set_midi_input(origin, change),
            Effect::OscAddress(track, address) => {
                self.osc_out
                    .update(|settings| settings.tracks[track].address = address);
            }
            Effect::LaneOsc(track, lane, target) => {
                self.osc_out
                    .update(|settings| settings.tracks[track].lanes[lane] = target);
            }
            Effect::VoiceProfile(track, profile) => {
                self.osc_out
                    .update(|settings| settings.tracks[track].voice_profile = profile);
            }
            Effect::Voices(voices) => self.osc_out.update(|settings| settings.voices = voices),
            Effect::ForwardModular(on) => {
                self.osc_out
                    .update(|settings| settings.forward_modular = on);
            }
            Effect::OscTarget(host, port) => {
                self.osc_out.update(|settings| {
                    settings.host = host;
                    settings.port = port;
                });
            }
            Effect::MusicChronusVoice(track, address) => {
                self.osc_out.update(|settings| {
                    let target = &mut settings.tracks[track];
                    target.address = address;
                    target.send_freq = true;
                    target.send_amp = true;
                });
            }
        }
    }
}
