//! An in-process stand-in for a host: just enough to call the real `Plugin::activate` and
//! `Plugin::process` of [`ChronusSeq`] from a test, without a plugin API wrapper.

// Each test binary that includes this module uses a different part of it.
#![allow(dead_code)]

use std::num::NonZeroU32;

use chronus_seq::ChronusSeq;
use nice_plug::prelude::*;

/// Activation context that accepts everything and schedules nothing.
pub struct TestActivateContext;

impl ActivateContext<ChronusSeq> for TestActivateContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Clap
    }
    fn execute(&self, _task: ()) {}
    fn set_latency_samples(&self, _samples: u32) {}
    fn set_current_voice_capacity(&self, _capacity: u32) {}
}

/// Process context with a settable transport that records the plugin's output events into
/// storage reserved up front (so recording never allocates).
pub struct TestProcessContext {
    /// The plugin API the plugin is told it runs under (CLAP unless a test says otherwise).
    pub api: PluginApi,
    pub transport: Transport,
    pub events: Vec<NoteEvent<()>>,
    /// Notes played into the plugin in the next `process` call, handed out in order.
    pub input: Vec<NoteEvent<()>>,
    /// How many of `input` the plugin has read.
    pub input_read: usize,
}

impl TestProcessContext {
    pub fn new(sample_rate: f32, event_capacity: usize) -> Self {
        TestProcessContext {
            api: PluginApi::Clap,
            transport: Transport::new(sample_rate),
            events: Vec::with_capacity(event_capacity),
            input: Vec::new(),
            input_read: 0,
        }
    }
}

impl ProcessContext<ChronusSeq> for TestProcessContext {
    fn plugin_api(&self) -> PluginApi {
        self.api
    }
    fn execute_background(&self, _task: ()) {}
    fn execute_gui(&self, _task: ()) {}
    fn transport(&self) -> &Transport {
        &self.transport
    }
    fn next_event(&mut self) -> Option<NoteEvent<()>> {
        let event = self.input.get(self.input_read).copied();
        self.input_read += usize::from(event.is_some());
        event
    }
    fn try_send_event(
        &mut self,
        event: NoteEvent<()>,
    ) -> Result<(), (NoteEvent<()>, nice_plug::context::process::SendEventError)> {
        if self.events.len() == self.events.capacity() {
            return Err((
                event,
                nice_plug::context::process::SendEventError::HostBufferFull,
            ));
        }
        self.events.push(event);
        Ok(())
    }
    fn set_latency_samples(&self, _samples: u32) {}
    fn request_restart(&self) {}
    fn set_current_voice_capacity(&self, _capacity: u32) {}
}

/// The plugin's only layout: one stereo pair in and out.
pub fn stereo_layout() -> AudioIOLayout {
    AudioIOLayout {
        main_input_channels: NonZeroU32::new(2),
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    }
}

/// Activates `plugin` for `sample_rate` and blocks of up to `max_block` samples.
pub fn activate(plugin: &mut ChronusSeq, sample_rate: f32, max_block: u32) -> bool {
    let config = BufferConfig {
        sample_rate,
        min_buffer_size: None,
        max_buffer_size: max_block,
        process_mode: ProcessMode::Realtime,
    };
    let activated = plugin.activate(&stereo_layout(), &config, &mut TestActivateContext);
    plugin.reset();
    activated
}

/// Samples in a block of [`play_block`].
pub const BLOCK: usize = 512;
/// Sample rate of [`play_block`].
pub const RATE: f32 = 48_000.0;

/// Runs one playing block of `BLOCK` samples at 48 kHz at `beat` (120 BPM) and returns the (offset, key) of its note-ons.
pub fn play_block(plugin: &mut ChronusSeq, beat: f64) -> Vec<(u32, u8)> {
    play_block_with_input(plugin, beat, Vec::new())
}

/// Like [`play_block`], with `input` (notes in time order) played into the plugin in the block.
pub fn play_block_with_input(
    plugin: &mut ChronusSeq,
    beat: f64,
    input: Vec<NoteEvent<()>>,
) -> Vec<(u32, u8)> {
    let mut left = vec![0.0f32; BLOCK];
    let mut right = vec![0.0f32; BLOCK];
    let mut buffer = Buffer::default();
    // SAFETY: both slices live until after `process` returns and have `BLOCK` samples.
    unsafe {
        buffer.set_slices(BLOCK, |slices| {
            slices.clear();
            slices.push(&mut left);
            slices.push(&mut right);
        });
    }
    let mut context = TestProcessContext::new(RATE, 1024);
    context.transport.playing = true;
    context.transport.tempo = Some(120.0);
    context.transport.pos_beats = Some(beat);
    context.input = input;
    let mut aux = AuxiliaryBuffers {
        inputs: &mut [],
        outputs: &mut [],
    };
    plugin.process(&mut buffer, &mut aux, &mut context);
    context
        .events
        .iter()
        .filter_map(|event| match event {
            NoteEvent::NoteOn { timing, key, .. } => {
                Some((*timing, key.number().expect("a concrete key")))
            }
            _ => None,
        })
        .collect()
}
