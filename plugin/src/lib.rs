//! Chronus Seq: a step sequencer that plays every step on its exact sample, as MIDI notes to the
//! host. This file is the plugin shell: it wires host parameters, saved state and the host
//! transport to the [`engine`], and forwards the engine's events to the host.

#![forbid(unsafe_op_in_unsafe_fn)]

pub mod audio_guard;
pub mod clap_position;
pub mod document;
pub mod editor;
pub mod engine;
pub mod gate_clock;
pub mod host_buffer;
pub mod live_state;
pub mod osc_commands;
pub mod osc_in;
pub mod osc_input;
pub mod osc_out;
pub mod osc_output;
pub mod param_gateway;
pub mod params;
pub mod slot_override;
pub mod startup;
mod state_filter;

use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::*;
use triple_buffer::Output;

use clap_position::{ClapPositionRepair, Reported};
use document::store::PatternStore;
use engine::event::{NoteEvent as EngineEvent, NoteKind};
use engine::pattern::SongSnapshot;
use engine::slot_switch::BarGrid;
use engine::transport::BlockTransport;
use engine::Engine;
use live_state::{BlockView, LiveState};
use osc_commands::{Remote, SeqCommands};
use osc_in::{OscInSettings, OscInStatus};
use osc_input::OscInput;
use osc_out::{OscOutSettings, OscOutStatus, SettingsCell};
use osc_output::OscOutput;
use param_gateway::ParamGateway;
use params::SeqParams;
use slot_override::SlotOverride;

/// Counters shared with the editor and diagnostics.
#[derive(Default)]
pub struct SharedCounters {
    /// Note events the host's output queue refused. Written by audio, read by anyone.
    pub host_events_refused: AtomicU64,
}

/// The plugin instance.
pub struct ChronusSeq {
    /// Host parameters and the pattern document. Shared with the host and editor threads.
    params: Arc<SeqParams>,
    /// Newest published pattern. Audio thread only.
    pattern: Output<SongSnapshot>,
    /// The sequencer. Audio thread only (created on the main thread in `activate`).
    engine: Engine,
    /// Repairs CLAP positions after mid-buffer transport events. Audio thread only.
    clap_position: ClapPositionRepair,
    /// OSC gates to the modular: sidecar started in `activate`, fed by the audio thread.
    osc: OscOutput,
    /// Bypass state of the previous block. Audio thread only.
    was_bypassed: bool,
    /// Diagnostics. Written by audio, read by anyone.
    counters: Arc<SharedCounters>,
    /// Transport, playing slot and playheads. Written by audio, read by the editor and OSC-in.
    live: Arc<LiveState>,
    /// Parameter changes made by the editor and OSC commands. Used by the GUI and OSC-in threads.
    gateway: Arc<ParamGateway>,
    /// One-time quantize of the next slot change. Written by OSC-in, read by audio.
    slot_override: Arc<SlotOverride>,
}

impl Default for ChronusSeq {
    fn default() -> Self {
        let startup = startup::get();
        let doc = startup
            .and_then(|config| config.pattern.clone())
            .unwrap_or_default();
        let mut osc_settings = OscOutSettings::default();
        if let Some((host, port)) = startup.and_then(|config| config.osc_target.clone()) {
            osc_settings.host = host;
            osc_settings.port = port;
        }
        let osc_settings = Arc::new(SettingsCell::new(osc_settings));
        let osc_in = Arc::new(OscInput::new(OscInSettings::default()));
        let (store, pattern) = PatternStore::new(doc);
        let params = Arc::new(SeqParams::new(
            store,
            Arc::clone(&osc_settings),
            Arc::clone(&osc_in),
        ));
        let gateway: Arc<ParamGateway> = Arc::default();
        let live: Arc<LiveState> = Arc::default();
        let slot_override: Arc<SlotOverride> = Arc::default();
        let weak_params = Arc::downgrade(&params);
        let parts = (
            Arc::clone(&gateway),
            Arc::clone(&live),
            Arc::clone(&osc_settings),
            Arc::clone(&slot_override),
        );
        osc_in.set_handler_factory(Box::new(move || {
            let params = weak_params.upgrade()?;
            let (gateway, live, osc_out, slot_override) = parts.clone();
            Some(SeqCommands::new(Remote {
                store: params.pattern.clone(),
                params,
                gateway,
                live,
                osc_out,
                slot_override,
                edit_slot: None,
            }))
        }));
        ChronusSeq {
            params,
            pattern,
            engine: Engine::new(44_100.0),
            clap_position: ClapPositionRepair::default(),
            osc: OscOutput::new(osc_settings),
            was_bypassed: false,
            counters: Arc::default(),
            live,
            gateway,
            slot_override,
        }
    }
}

impl ChronusSeq {
    /// The pattern document handle, for editors and remote control.
    pub fn pattern_store(&self) -> PatternStore {
        self.params.pattern.clone()
    }

    /// What the audio thread plays now: transport, slot, playheads.
    pub fn live_state(&self) -> Arc<LiveState> {
        Arc::clone(&self.live)
    }

    /// The host parameters.
    pub fn seq_params(&self) -> Arc<SeqParams> {
        Arc::clone(&self.params)
    }

    /// The path for parameter changes made by the editor and OSC commands.
    pub fn param_gateway(&self) -> Arc<ParamGateway> {
        Arc::clone(&self.gateway)
    }

    /// The OSC input: settings, status, server.
    pub fn osc_input(&self) -> Arc<OscInput> {
        Arc::clone(&self.params.osc_in.0)
    }

    /// OSC input counters, bound port and last command, for the editor.
    pub fn osc_in_status(&self) -> Arc<OscInStatus> {
        self.params.osc_in.0.status()
    }

    /// OSC output counters and last error, for the editor.
    pub fn osc_status(&self) -> Arc<OscOutStatus> {
        self.osc.status()
    }

    /// The transport of this sub-block as the engine takes it.
    fn block_transport(
        &mut self,
        buffer: &Buffer,
        context: &impl ProcessContext<Self>,
        sample_rate: f64,
    ) -> BlockTransport {
        let transport = context.transport();
        let tempo = transport.tempo;
        let mut pos_beats = transport.pos_beats();
        if let (PluginApi::Clap, Some(reported), Some(tempo)) =
            (context.plugin_api(), pos_beats, tempo)
        {
            let address = first_channel_address(buffer);
            let reported = Reported {
                position: reported,
                tempo,
                sample_rate,
                loop_start: transport.loop_range_beats().map(|(start, _)| start),
            };
            pos_beats = Some(
                self.clap_position
                    .repair(address, buffer.samples(), reported),
            );
        }
        let bars = match (transport.time_sig_numerator, transport.time_sig_denominator) {
            (Some(numerator), Some(denominator)) if numerator > 0 && denominator > 0 => {
                Some(BarGrid {
                    origin_beat: transport.bar_start_pos_beats().unwrap_or(0.0),
                    length_beats: 4.0 * f64::from(numerator) / f64::from(denominator),
                })
            }
            _ => None,
        };
        BlockTransport {
            playing: transport.playing,
            tempo,
            pos_beats,
            loop_beats: transport.loop_range_beats(),
            bars,
        }
    }
}

/// Where the first audio channel of `buffer` lives: identifies the host buffer a piece is from.
fn first_channel_address(buffer: &Buffer) -> usize {
    buffer
        .as_slice_immutable()
        .first()
        .map_or(0, |channel| channel.as_ptr() as usize)
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

/// The host event for an engine event.
fn host_event(event: &EngineEvent) -> NoteEvent<()> {
    let timing = event.offset;
    let voice_id = VoiceID::Wildcard;
    let channel = Channel::Number(event.channel);
    let key = Key::Number(event.key);
    match event.kind {
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
    }
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
    const MIDI_INPUT: MidiConfig = MidiConfig::None;
    const MIDI_OUTPUT: MidiConfig = MidiConfig::Basic;
    const SAMPLE_ACCURATE_AUTOMATION: bool = true;

    type Editor = editor::ChronusEditor;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create_editor(editor::EditorModel::new(
            self.pattern_store(),
            self.seq_params(),
            self.param_gateway(),
            self.live_state(),
            self.osc_status(),
            Some(self.osc_in_status()),
        ))
    }

    fn filter_state(state: &mut PluginState) {
        state_filter::repair_fields(state);
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
        self.clap_position = ClapPositionRepair::new(max_buffer);
        if let Err(error) = self.osc.start(sample_rate, max_buffer) {
            nice_log!("Chronus Seq runs without OSC output: {error}");
        }
        if let Err(error) = self.params.osc_in.0.ensure_running() {
            nice_log!("Chronus Seq runs without OSC input: {error}");
        }
        true
    }

    fn deactivate(&mut self) {
        self.osc.stop();
    }

    fn reset(&mut self) {
        self.engine.request_release_all();
        self.clap_position.forget();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        audio_guard::flush_to_normal(buffer.as_slice());
        let sample_rate = f64::from(context.transport().sample_rate);
        let mut transport = self.block_transport(buffer, context, sample_rate);
        let bypassed = self.params.bypass.value();
        if bypassed {
            transport.playing = false;
        } else if self.was_bypassed {
            self.engine.request_release_all();
        }
        self.was_bypassed = bypassed;

        let gate_timing = self.osc.begin_piece(
            first_channel_address(buffer),
            buffer.samples(),
            self.params.osc_enabled.value(),
            self.params.osc_delay_ms.value(),
        );
        let mut performance = self.params.performance();
        performance.slot_quantize = self.slot_override.quantize_for(
            self.engine.playing_slot(),
            usize::from(performance.slot),
            performance.slot_quantize,
        );
        let pattern = self.pattern.read();
        let counters = &self.counters;
        let osc = &mut self.osc;
        self.engine.process_song(
            buffer.samples(),
            &transport,
            pattern,
            &performance,
            &mut |event| {
                if context.try_send_event(host_event(&event)).is_err() {
                    counters.host_events_refused.fetch_add(1, Ordering::Relaxed);
                }
                if let Some(timing) = gate_timing {
                    osc.send(timing, &event);
                }
            },
        );
        let slot = self.engine.playing_slot();
        let song = pattern;
        self.live.publish(BlockView {
            playing: transport.playing && transport.tempo.is_some(),
            tempo: transport.tempo,
            position: transport
                .pos_beats
                .zip(transport.tempo)
                .map(|(position, tempo)| {
                    position + buffer.samples() as f64 * tempo / 60.0 / sample_rate
                }),
            bar: transport
                .bars
                .map_or((4.0, 0.0), |bars| (bars.length_beats, bars.origin_beat)),
            slot: (slot, &song.slots()[slot.min(song.slots().len() - 1)]),
        });
        // Keep being called while silent: the sequencer makes notes, not sound.
        ProcessStatus::KeepAlive
    }
}

impl Drop for ChronusSeq {
    fn drop(&mut self) {
        // The server's handler holds the parameters; stopping it ends that hold.
        self.params.osc_in.0.stop();
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
