//! Chronus Seq: a step sequencer that plays every step on its exact sample, as MIDI notes to the
//! host. This file is the plugin shell: it wires host parameters, saved state and the host
//! transport to the [`engine`], and forwards the engine's events to the host.

#![forbid(unsafe_op_in_unsafe_fn)]

pub mod audio_guard;
pub mod clock;
pub mod document;
pub mod edit;
pub mod editor;
pub mod engine;
mod gate_clock;
pub mod headless;
pub mod headless_window;
mod host;
mod live_state;
mod midi_keys;
mod osc_commands;
pub mod osc_in;
pub mod osc_input;
pub mod osc_out;
mod osc_output;
mod param_gateway;
pub mod params;
pub mod parts;
pub mod pattern_text;
pub mod realtime;
pub mod saved_state;
mod slot_override;
pub mod startup;
mod versioned_cell;

use std::num::NonZeroU32;
use std::sync::Arc;

use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::*;
use triple_buffer::Output;

use edit::{EditLayer, PatternStore};
use engine::event::{NoteEvent as EngineEvent, NoteKind};
use engine::lanes::LaneMidi;
use engine::pattern::SongSnapshot;
use engine::slot_switch::SlotQuantize;
use engine::Engine;
use host::HostAdapter;
use live_state::{BlockView, LiveState};
use osc_commands::SeqCommands;
pub use osc_commands::MAX_STATE_MESSAGE_BYTES;
use osc_in::OscInStatus;
use osc_input::OscInService;
use osc_out::OscOutStatus;
use osc_output::OscOutput;
use param_gateway::ParamGateway;
use params::SeqParams;
use parts::Parts;

/// The plugin instance.
pub struct ChronusSeq {
    /// Everything shared with the other threads, built once in `default`.
    parts: Parts,
    /// Newest published pattern. Audio thread only.
    pattern: Output<SongSnapshot>,
    /// The pattern that plays while a quantized edit waits for its point: a copy of the
    /// snapshot before it, allocated once here. Audio thread only.
    before_edit: SongSnapshot,
    /// Whether a quantized edit waits (it lands at the point its snapshot names). Audio
    /// thread only.
    edit_waiting: bool,
    /// The sequencer. Audio thread only (created on the main thread in `activate`).
    engine: Engine,
    /// Turns each `process` call into one description of the piece: host buffer, offset, wall
    /// time, transport. Audio thread only (set up in `activate`).
    host: HostAdapter,
    /// OSC gates to the modular: sidecar started in `activate`, fed by the audio thread.
    osc: OscOutput,
    /// OSC commands: server started on the first activation, stopped when the plugin is
    /// dropped. Main thread only.
    osc_in: OscInService,
    /// Bypass state of the previous block. Audio thread only.
    was_bypassed: bool,
    /// Slot keys played into the plugin. Audio thread only.
    midi_keys: midi_keys::MidiKeys,
}

impl Default for ChronusSeq {
    fn default() -> Self {
        let startup = startup::get();
        let song = startup
            .and_then(|config| config.pattern.clone())
            .unwrap_or_default();
        let mut osc_settings = startup
            .and_then(|config| config.osc_settings.clone())
            .unwrap_or_default();
        if let Some((host, port)) = startup.and_then(|config| config.osc_target.clone()) {
            osc_settings.host = host;
            osc_settings.port = port;
        }
        let (parts, pattern) = Parts::new(song, osc_settings);
        ChronusSeq {
            osc: OscOutput::new(
                Arc::clone(parts.edits.osc_out()),
                Arc::clone(&parts.osc_out_status),
            ),
            osc_in: OscInService::new(
                Arc::clone(&parts.osc_in_settings),
                Arc::clone(&parts.osc_in_status),
            ),
            parts,
            before_edit: pattern.output_buffer().clone(),
            pattern,
            edit_waiting: false,
            engine: Engine::new(44_100.0),
            host: HostAdapter::default(),
            was_bypassed: false,
            midi_keys: midi_keys::MidiKeys::default(),
        }
    }
}

impl ChronusSeq {
    /// The pattern document (for reading; changes go through [`Self::edits`]).
    pub fn pattern_store(&self) -> PatternStore {
        self.parts.store().clone()
    }

    /// The one way to change the document, parameters and OSC targets.
    pub fn edits(&self) -> EditLayer {
        self.parts.edits.clone()
    }

    /// What the audio thread plays now: transport, slot, playheads.
    pub fn live_state(&self) -> Arc<LiveState> {
        Arc::clone(&self.parts.live)
    }

    /// The host parameters.
    pub fn seq_params(&self) -> Arc<SeqParams> {
        Arc::clone(self.parts.params())
    }

    /// The path for parameter changes made by the editor and OSC commands.
    pub fn param_gateway(&self) -> Arc<ParamGateway> {
        Arc::clone(self.parts.edits.gateway())
    }

    /// A command handler acting on this instance, as the OSC input server runs it.
    pub fn command_handler(&self) -> SeqCommands {
        self.parts.command_handler()
    }

    /// OSC input counters, bound port and last command, for the editor.
    pub fn osc_in_status(&self) -> Arc<OscInStatus> {
        Arc::clone(&self.parts.osc_in_status)
    }

    /// OSC output counters and last error, for the editor.
    pub fn osc_status(&self) -> Arc<OscOutStatus> {
        Arc::clone(&self.parts.osc_out_status)
    }

    /// Names the instant the block of the next `process` call is due, for a host that processes
    /// on a schedule of its own (the standalone's headless driver): that block's OSC gates are
    /// timed from this instant instead of from when the call happens to run, so a late wake-up
    /// does not move them. Call between blocks, on the thread that processes.
    pub fn schedule_block(&mut self, due: std::time::Instant) {
        self.host.schedule(due);
    }
}

/// The normalized velocity for MIDI velocity `velocity`: the smallest `f32` at or above
/// `velocity / 127`, so hosts get `velocity` back whether they round or truncate
/// `normalized · 127`, in `f32` or `f64`.
pub fn normalized_velocity(velocity: u8) -> f32 {
    let nearest = f32::from(velocity) / 127.0;
    if f64::from(nearest) * 127.0 < f64::from(velocity) {
        nearest.next_up()
    } else {
        nearest
    }
}

/// The host event for an engine event, if it has one: lane values become MIDI control changes
/// or pitch bends on the track's channel (a lane without a MIDI destination and an exact pitch
/// send nothing to the host).
fn host_event(event: &EngineEvent) -> Option<NoteEvent<()>> {
    let timing = event.offset;
    let voice_id = VoiceID::Wildcard;
    let channel = Channel::Number(event.channel);
    let key = Key::Number(event.key);
    Some(match event.kind {
        NoteKind::On { velocity } => NoteEvent::NoteOn {
            timing,
            voice_id,
            channel,
            key,
            velocity: normalized_velocity(velocity),
        },
        NoteKind::Off => NoteEvent::NoteOff {
            timing,
            voice_id,
            channel,
            key,
            velocity: 0.0,
        },
        NoteKind::Lane { midi, value, .. } => {
            let channel = event.channel & 0x0f;
            let value = value.min(engine::lanes::LANE_MAX);
            match midi {
                LaneMidi::Off => return None,
                LaneMidi::Cc(cc) => NoteEvent::MidiCC {
                    timing,
                    channel,
                    cc: cc & 0x7f,
                    value: f32::from(value >> 7) / 127.0,
                },
                LaneMidi::PitchBend => NoteEvent::MidiPitchBend {
                    timing,
                    channel,
                    value: f32::from(value) / f32::from(engine::lanes::LANE_MAX),
                },
            }
        }
        NoteKind::Pitch { .. } => return None,
    })
}

impl Plugin for ChronusSeq {
    const NAME: &'static str = "Chronus Seq";
    const VENDOR: &'static str = "Chronus Seq";
    const URL: &'static str = env!("CARGO_PKG_REPOSITORY");
    const EMAIL: &'static str = "chronus-seq@users.noreply.github.com";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    // One stereo pair passed through unchanged: the layout every host tried accepts for a note
    // generator (see docs/HOSTS.md).
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    }];
    const MIDI_INPUT: MidiConfig = MidiConfig::Basic;
    const MIDI_OUTPUT: MidiConfig = MidiConfig::MidiCCs;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = editor::ChronusEditor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        Arc::clone(self.parts.params()) as Arc<dyn Params>
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create_editor(editor::EditorModel::new(
            self.edits(),
            self.live_state(),
            self.osc_status(),
            Some(self.osc_in_status()),
        ))
    }

    fn filter_state(state: &mut PluginState) {
        saved_state::filter_state(state);
    }

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let sample_rate = f64::from(buffer_config.sample_rate);
        if !(engine::transport::MIN_SAMPLE_RATE..=engine::transport::MAX_SAMPLE_RATE)
            .contains(&sample_rate)
        {
            nice_log!("Chronus Seq does not run at a sample rate of {sample_rate} Hz");
            return false;
        }
        self.engine = Engine::new(sample_rate);
        let max_buffer = buffer_config.max_buffer_size as usize;
        self.host.activate(sample_rate, max_buffer);
        if let Err(error) = self.osc.start(sample_rate, max_buffer) {
            nice_log!("Chronus Seq runs without OSC output: {error}");
        }
        let parts = self.parts.clone();
        if let Err(error) = self.osc_in.start(Box::new(move || parts.command_handler())) {
            nice_log!("Chronus Seq runs without OSC input: {error}");
        }
        true
    }

    fn deactivate(&mut self) {
        self.osc.stop();
    }

    fn reset(&mut self) {
        self.engine.request_release_all();
        self.host.forget();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        audio_guard::flush_to_normal(buffer.as_slice());
        let piece = self
            .host
            .piece(context.plugin_api(), context.transport(), buffer);
        let mut transport = piece.transport;
        let bypassed = self.parts.params().bypass.value();
        if bypassed {
            transport.playing = false;
        } else if self.was_bypassed {
            self.engine.request_release_all();
        }
        self.was_bypassed = bypassed;

        let gate_timing = self.osc.begin_piece(
            &piece,
            self.parts.params().osc_enabled.value(),
            self.parts.params().osc_delay_ms.value(),
        );
        let mut performance = self.parts.params().performance();
        self.midi_keys.take_block(
            context,
            self.engine.midi_input(),
            &self.parts.params().midi_input_settings(),
        );
        if let Some((sample, slot)) = self.midi_keys.slot_request(performance.slot) {
            performance.slot = slot;
            self.engine.slot_request_from(sample);
        }
        performance.slot_quantize = self.parts.slot_override.quantize_for(
            self.engine.playing_slot(),
            usize::from(performance.slot),
            performance.slot_quantize,
        );
        if self.pattern.updated() {
            if !self.edit_waiting {
                // What plays until a quantized edit lands (a copy, no allocation).
                self.before_edit.copy_from(self.pattern.output_buffer());
            }
            self.pattern.update();
            // An edit that lands at once takes every edit still waiting with it.
            self.edit_waiting = self.pattern.output_buffer().lands() != SlotQuantize::Now;
        }
        let pattern = self.pattern.output_buffer();
        let waiting = self
            .edit_waiting
            .then_some((&self.before_edit, pattern.lands()));
        let osc = &mut self.osc;
        self.edit_waiting = self.engine.process_song_waiting(
            piece.len,
            &transport,
            pattern,
            waiting,
            &performance,
            &mut |event| {
                // A full host queue drops the event: nothing on the audio thread may wait.
                if let Some(host_event) = host_event(&event) {
                    let _ = context.try_send_event(host_event);
                }
                if let Some(timing) = gate_timing {
                    osc.send(timing, &event);
                }
            },
        );
        self.osc.end_piece();
        let slot = self.engine.playing_slot();
        let song = if self.edit_waiting {
            &self.before_edit
        } else {
            pattern
        };
        let transpose = self.engine.midi_input().transpose_at(u32::MAX);
        self.parts.live.publish_transpose(transpose);
        self.parts.live.publish(BlockView {
            playing: transport.playing && transport.tempo.is_some(),
            tempo: transport.tempo,
            position: piece.end_beat(),
            block_seconds: piece.len as f64 / piece.sample_rate,
            bar: transport
                .bars
                .map_or((4.0, 0.0), |bars| (bars.length_beats, bars.origin_beat)),
            slot: (slot, &song.slots()[slot.min(song.slots().len() - 1)]),
        });
        // Keep being called while silent: the sequencer makes notes, not sound.
        ProcessStatus::KeepAlive
    }
}

impl std::fmt::Debug for ChronusSeq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChronusSeq").finish_non_exhaustive()
    }
}

impl ClapPlugin for ChronusSeq {
    const CLAP_ID: &'static str = "org.chronus-seq.chronus-seq";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Sample-accurate step sequencer: MIDI notes to the host, gates to a modular");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::NoteEffect,
        ClapFeature::Instrument,
        ClapFeature::Utility,
    ];
}

impl Vst3Plugin for ChronusSeq {
    const VST3_CLASS_ID: [u8; 16] = *b"ChronusSeqStepSq";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Instrument, Vst3SubCategory::Generator];
}

nice_export_clap!(ChronusSeq);

#[cfg(test)]
mod tests {
    use super::normalized_velocity;

    #[test]
    fn every_velocity_comes_back_whether_hosts_round_or_truncate() {
        for velocity in 1..=127u8 {
            let normalized = normalized_velocity(velocity);
            let wide = f64::from(normalized) * 127.0;
            assert_eq!(wide.round() as u8, velocity);
            assert_eq!(wide as u8, velocity, "truncated in f64");
            assert_eq!((normalized * 127.0) as u8, velocity, "truncated in f32");
            assert!(normalized <= 1.0);
        }
    }
}
nice_export_vst3!(ChronusSeq);
