//! A small real CLAP host for one plugin instance: load, instantiate, activate, process blocks.
//!
//! Lifecycle: [`PluginHost::load`] → [`PluginHost::activate`] (activates *and* starts processing)
//! → any number of [`PluginHost::process_block`] → [`PluginHost::deactivate`] (optional: dropping
//! the host stops, deactivates and destroys the instance in the order CLAP requires).
//!
//! All calls happen on the thread that created the host. While inside `process` the host answers
//! the plugin's thread-check queries with "audio thread" (see [`crate::handlers`]), and after every
//! block it serves a pending `request_callback` by calling the plugin's `on_main_thread`, like a
//! DAW's main loop would.

use crate::error::{HarnessError, Result};
use crate::events::{decode_note, decode_other_midi, fill_input_buffer, BlockOutput, InEvent};
use crate::handlers::{HostMainThread, HostShared, TestHost};
use crate::transport::TransportInfo;
use clack_host::prelude::*;
use std::ffi::CStr;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The CLAP id of Chronus Seq.
pub const PLUGIN_ID: &CStr = c"org.chronus-seq.chronus-seq";

/// The largest block size the harness will activate with.
pub const MAX_BLOCK_SIZE: u32 = 8192;

/// Number of audio channels of the plugin's single input and single output port.
pub const CHANNELS: usize = 2;

/// Where in the host's audio buffers each `process` call's audio lives.
///
/// Plugins may (wrongly or cleverly) infer things from buffer addresses; hosts differ here.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BufferLayout {
    /// Every call uses the start of the same buffers (most DAWs' fixed-size block buffers).
    #[default]
    ReuseStart,
    /// Calls use consecutive slices of one long buffer, each starting where the previous one
    /// ended, wrapping to the start when the rest is too short (an offline render into one big
    /// buffer, processed in chunks). The ring holds [`CONTIGUOUS_RING_BLOCKS`] max-size blocks.
    Contiguous,
}

/// Size of the [`BufferLayout::Contiguous`] ring, in max-size blocks.
pub const CONTIGUOUS_RING_BLOCKS: usize = 4;

/// The audio configuration the plugin is currently activated with.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ActiveConfig {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Largest block passed to `process`.
    pub max_frames: u32,
}

/// One loaded, instantiated plugin and the buffers to drive it.
pub struct PluginHost {
    bundle_path: PathBuf,
    instance: PluginInstance<TestHost>,
    processor: Option<PluginAudioProcessor<TestHost>>,
    config: Option<ActiveConfig>,
    input_channels: [Vec<f32>; CHANNELS],
    output_channels: [Vec<f32>; CHANNELS],
    input_ports: AudioPorts,
    output_ports: AudioPorts,
    input_events: EventBuffer,
    output_events: EventBuffer,
    layout: BufferLayout,
    /// Start of the last call's audio in the channel buffers.
    last_audio_start: usize,
    /// Where the next call's audio starts ([`BufferLayout::Contiguous`]).
    next_audio_start: usize,
    steady_time: u64,
    last_status: Option<ProcessStatus>,
}

impl PluginHost {
    /// Loads the bundle at `bundle_path`, checks it exposes [`PLUGIN_ID`] and instantiates it.
    pub fn load(bundle_path: &Path) -> Result<Self> {
        // SAFETY: loading a shared library runs its initialisers. The bundle is this
        // workspace's own plugin, built by `crate::bundle`; that is the trust we accept here.
        let entry = unsafe { PluginEntry::load(bundle_path) }
            .map_err(|e| HarnessError::context(&format!("loading {}", bundle_path.display()), e))?;
        keep_loaded(bundle_path, &entry);
        let factory = entry.get_plugin_factory().ok_or_else(|| {
            HarnessError::new(format!(
                "{} has no CLAP plugin factory",
                bundle_path.display()
            ))
        })?;
        let ids: Vec<String> = factory
            .plugin_descriptors()
            .filter_map(|descriptor| descriptor.id())
            .map(|id| id.to_string_lossy().into_owned())
            .collect();
        let wanted = PLUGIN_ID.to_string_lossy();
        if !ids.iter().any(|id| *id == wanted) {
            return Err(HarnessError::new(format!(
                "{} does not expose plugin id {wanted}; it has {ids:?}",
                bundle_path.display()
            )));
        }

        let host_info = HostInfo::new(
            "Chronus Seq host tests",
            "chronus-seq",
            "https://github.com/chronus-seq/chronus-seq",
            env!("CARGO_PKG_VERSION"),
        )
        .map_err(|e| HarnessError::context("building host info", e))?;
        let instance = PluginInstance::<TestHost>::new(
            |_| HostShared::new(),
            |shared| HostMainThread::new(shared),
            &entry,
            PLUGIN_ID,
            &host_info,
        )
        .map_err(|e| HarnessError::context(&format!("instantiating {wanted}"), e))?;

        Ok(Self {
            bundle_path: bundle_path.to_path_buf(),
            instance,
            processor: None,
            config: None,
            input_channels: Default::default(),
            output_channels: Default::default(),
            input_ports: AudioPorts::with_capacity(CHANNELS, 1),
            output_ports: AudioPorts::with_capacity(CHANNELS, 1),
            input_events: EventBuffer::with_capacity(64),
            output_events: EventBuffer::with_capacity(1024),
            layout: BufferLayout::default(),
            last_audio_start: 0,
            next_audio_start: 0,
            steady_time: 0,
            last_status: None,
        })
    }

    /// Builds the debug bundle (once per test binary, see [`crate::bundle`]) and loads it.
    pub fn load_default() -> Result<Self> {
        Self::load(crate::bundle::plugin_bundle()?)
    }

    /// The `.clap` file this instance came from.
    pub fn bundle_path(&self) -> &Path {
        &self.bundle_path
    }

    /// Activates at `sample_rate` with blocks of 1..=`max_frames` samples and starts processing.
    ///
    /// `max_frames` must be in 1..=[`MAX_BLOCK_SIZE`]. Fails if already active.
    pub fn activate(&mut self, sample_rate: f64, max_frames: u32) -> Result<()> {
        if self.processor.is_some() {
            return Err(HarnessError::new("activate: the plugin is already active"));
        }
        if !(1..=MAX_BLOCK_SIZE).contains(&max_frames) {
            return Err(HarnessError::new(format!(
                "activate: max block size {max_frames} is outside 1..={MAX_BLOCK_SIZE}"
            )));
        }
        let configuration = PluginAudioConfiguration {
            sample_rate,
            min_frames_count: 1,
            max_frames_count: max_frames,
        };
        let stopped = self
            .instance
            .activate(|_, _| (), configuration)
            .map_err(|e| HarnessError::context(&format!("activating at {sample_rate} Hz"), e))?;
        let started = stopped.start_processing().map_err(|e| {
            // Keep the instance consistent: put the stopped processor back, so drop deactivates.
            let stopped = e.into_stopped_processor();
            self.processor = Some(stopped.into());
            HarnessError::new("start_processing failed after activation")
        })?;
        self.processor = Some(started.into());
        self.config = Some(ActiveConfig {
            sample_rate,
            max_frames,
        });
        let frames = max_frames as usize * CONTIGUOUS_RING_BLOCKS;
        for channel in self
            .input_channels
            .iter_mut()
            .chain(self.output_channels.iter_mut())
        {
            channel.clear();
            channel.resize(frames, 0.0);
        }
        self.steady_time = 0;
        self.last_audio_start = 0;
        self.next_audio_start = 0;
        self.pump_main_thread();
        Ok(())
    }

    /// Chooses where each call's audio lives (default [`BufferLayout::ReuseStart`]).
    pub fn set_buffer_layout(&mut self, layout: BufferLayout) {
        self.layout = layout;
        self.next_audio_start = 0;
    }

    /// Stops processing (the processor stays active). `process_block` fails until
    /// [`Self::start_processing`].
    pub fn stop_processing(&mut self) -> Result<()> {
        let processor = self
            .processor
            .as_mut()
            .ok_or_else(|| HarnessError::new("stop_processing: the plugin is not active"))?;
        processor.ensure_processing_stopped();
        self.pump_main_thread();
        Ok(())
    }

    /// Starts processing again after [`Self::stop_processing`] (nice-plug resets the plugin here).
    pub fn start_processing(&mut self) -> Result<()> {
        let processor = self
            .processor
            .as_mut()
            .ok_or_else(|| HarnessError::new("start_processing: the plugin is not active"))?;
        processor
            .ensure_processing_started()
            .map_err(|e| HarnessError::context("start_processing", e))?;
        self.pump_main_thread();
        Ok(())
    }

    /// Stops processing and deactivates. Does nothing if not active.
    pub fn deactivate(&mut self) {
        if let Some(processor) = self.processor.take() {
            let stopped = processor.into_stopped();
            self.instance.deactivate(stopped);
        }
        self.config = None;
        self.pump_main_thread();
    }

    /// The current audio configuration, `None` while inactive.
    pub fn active_config(&self) -> Option<ActiveConfig> {
        self.config
    }

    /// The status the plugin returned from the last `process` call.
    pub fn last_status(&self) -> Option<ProcessStatus> {
        self.last_status
    }

    /// The steady time (samples processed since activation) the next block will get.
    pub fn steady_time(&self) -> u64 {
        self.steady_time
    }

    /// The first `frames` samples of the last block's input audio, channel `channel` (0 or 1).
    pub fn last_input(&self, channel: usize, frames: usize) -> &[f32] {
        let start = self.last_audio_start;
        &self.input_channels[channel][start..start + frames]
    }

    /// The first `frames` samples of the last block's output audio, channel `channel` (0 or 1).
    pub fn last_output(&self, channel: usize, frames: usize) -> &[f32] {
        let start = self.last_audio_start;
        &self.output_channels[channel][start..start + frames]
    }

    /// Processes one block of `frames` samples and returns what the plugin sent.
    ///
    /// `transport` goes into `clap_process.transport` and describes the block's first sample
    /// (`None` passes a null transport). `in_events` (parameter values and transport events at
    /// sample offsets) are sorted by time before the call. The input audio is a deterministic
    /// ramp that depends on the steady time (so pass-through can be checked with
    /// [`Self::last_input`] / [`Self::last_output`]); the output buffers are zeroed first.
    pub fn process_block(
        &mut self,
        frames: u32,
        transport: Option<TransportInfo>,
        in_events: &[InEvent],
    ) -> Result<BlockOutput> {
        let audio_start = self.next_audio_start(frames);
        self.process_block_at(audio_start, frames, transport, in_events)
    }

    /// Where [`Self::process_block`] would put a call of `frames` samples in the host's audio
    /// buffers, according to the [`BufferLayout`].
    pub fn next_audio_start(&self, frames: u32) -> usize {
        match self.layout {
            BufferLayout::ReuseStart => 0,
            BufferLayout::Contiguous => {
                if self.next_audio_start + frames as usize > self.input_channels[0].len() {
                    0
                } else {
                    self.next_audio_start
                }
            }
        }
    }

    /// Like [`Self::process_block`], with the call's audio at sample `audio_start` of the host's
    /// buffers (which hold [`CONTIGUOUS_RING_BLOCKS`] max-size blocks) — e.g. to pass the parts
    /// of a block split at the loop end as consecutive slices, like a splitting host does.
    pub fn process_block_at(
        &mut self,
        audio_start: usize,
        frames: u32,
        transport: Option<TransportInfo>,
        in_events: &[InEvent],
    ) -> Result<BlockOutput> {
        self.process_call(audio_start, frames, transport, in_events, None)
    }

    /// Like [`Self::process_block`], with the first `frames` samples of `input` (one slice per
    /// channel) as the input audio instead of the ramp — e.g. NaN, infinities or subnormals.
    pub fn process_block_with_input(
        &mut self,
        frames: u32,
        transport: Option<TransportInfo>,
        in_events: &[InEvent],
        input: [&[f32]; CHANNELS],
    ) -> Result<BlockOutput> {
        if let Some(short) = input.iter().find(|channel| channel.len() < frames as usize) {
            return Err(HarnessError::new(format!(
                "process_block_with_input: {} input samples for a {frames}-frame block",
                short.len()
            )));
        }
        let audio_start = self.next_audio_start(frames);
        self.process_call(audio_start, frames, transport, in_events, Some(input))
    }

    fn process_call(
        &mut self,
        audio_start: usize,
        frames: u32,
        transport: Option<TransportInfo>,
        in_events: &[InEvent],
        input: Option<[&[f32]; CHANNELS]>,
    ) -> Result<BlockOutput> {
        let config = self
            .config
            .ok_or_else(|| HarnessError::new("process_block: the plugin is not active"))?;
        if frames == 0 || frames > config.max_frames {
            return Err(HarnessError::new(format!(
                "process_block: {frames} frames is outside 1..={}",
                config.max_frames
            )));
        }
        if let Some(late) = in_events.iter().find(|e| e.time() >= frames) {
            return Err(HarnessError::new(format!(
                "process_block: input event at {} is outside the {frames}-frame block: {late:?}",
                late.time()
            )));
        }
        fill_input_buffer(&mut self.input_events, in_events).map_err(HarnessError::new)?;
        self.output_events.clear();

        let frames_usize = frames as usize;
        let capacity = self.input_channels[0].len();
        if audio_start + frames_usize > capacity {
            return Err(HarnessError::new(format!(
                "process_block_at: audio {audio_start}..{} is outside the {capacity}-sample \
                 host buffers",
                audio_start + frames_usize
            )));
        }
        let range = audio_start..audio_start + frames_usize;
        self.last_audio_start = audio_start;
        self.next_audio_start = range.end;
        for (channel_index, channel) in self.input_channels.iter_mut().enumerate() {
            if let Some(input) = input {
                channel[range.clone()].copy_from_slice(&input[channel_index][..frames_usize]);
                continue;
            }
            for (i, sample) in channel[range.clone()].iter_mut().enumerate() {
                let t = self.steady_time + i as u64 + channel_index as u64 * 7;
                *sample = (t % 101) as f32 / 101.0 - 0.5;
            }
        }
        for channel in self.output_channels.iter_mut() {
            channel[range.clone()].fill(0.0);
        }

        let transport_event = transport.map(|t| t.to_clap_event(0));
        let Self {
            processor,
            input_channels,
            output_channels,
            input_ports,
            output_ports,
            input_events,
            output_events,
            steady_time,
            ..
        } = self;
        let processor = processor
            .as_mut()
            .ok_or_else(|| HarnessError::new("process_block: the plugin is not active"))?
            .as_started_mut()
            .map_err(|e| HarnessError::context("process_block", e))?;

        let input_audio = input_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                input_channels
                    .iter_mut()
                    .map(|c| InputChannel::variable(&mut c[range.clone()])),
            ),
        }]);
        let mut output_audio = output_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                output_channels.iter_mut().map(|c| &mut c[range.clone()]),
            ),
        }]);

        processor.access_shared_handler(|shared| shared.set_in_audio_context(true));
        let status = processor.process(
            &input_audio,
            &mut output_audio,
            &input_events.as_input(),
            &mut output_events.as_output(),
            Some(*steady_time),
            transport_event.as_ref(),
        );
        processor.access_shared_handler(|shared| shared.set_in_audio_context(false));
        *steady_time += u64::from(frames);

        let status = status.map_err(|e| {
            HarnessError::context(&format!("process ({frames} frames) returned an error"), e)
        })?;
        self.last_status = Some(status);

        let mut output = BlockOutput::default();
        for event in self.output_events.iter() {
            match decode_note(event) {
                Some(note) => output.notes.push(note),
                None => {
                    output.midi.extend(decode_other_midi(event));
                    output.other_events += 1;
                }
            }
        }
        self.pump_main_thread();
        Ok(output)
    }

    /// Serves the plugin's pending main-thread callback request, if any.
    pub fn pump_main_thread(&mut self) {
        if self
            .instance
            .access_shared_handler(|shared| shared.take_callback_request())
        {
            self.instance.call_on_main_thread_callback();
        }
    }

    /// Whether the plugin asked for a restart since the last call (clears the request).
    pub fn take_restart_request(&self) -> bool {
        self.instance
            .access_shared_handler(|shared| shared.take_restart_request())
    }

    /// How many times the plugin asked the host to rescan parameters (`clap_host_params.rescan`).
    pub fn param_rescans(&self) -> u32 {
        self.instance
            .access_handler(|main| main.param_rescans.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// How many times the plugin marked its state dirty (`clap_host_state.mark_dirty`).
    pub fn dirty_marks(&self) -> u32 {
        self.instance
            .access_handler(|main| main.dirty_marks.load(std::sync::atomic::Ordering::SeqCst))
    }

    /// Main-thread handle, for the extension helpers in [`crate::params`], [`crate::state`] and
    /// [`crate::ports`].
    pub(crate) fn main_thread_handle(&mut self) -> PluginMainThreadHandle<'_> {
        self.instance.plugin_handle()
    }

    /// Queries a plugin extension.
    pub(crate) fn plugin_extension<E>(&self) -> Option<E>
    where
        E: clack_host::extensions::Extension<
            ExtensionSide = clack_host::extensions::PluginExtensionSide,
        >,
    {
        self.instance.plugin_shared_handle().get_extension::<E>()
    }
}

/// Keeps the bundle's library loaded until the process exits.
///
/// clack-host unloads (deinit + dlclose) a library when its last `PluginEntry` is dropped. The
/// plugin's Rust runtime registers thread-local destructors on every thread that called into
/// it, so unloading while such a thread is still alive (a finished test whose thread has not
/// exited yet, with another test still running) makes that thread jump into unmapped code at
/// exit: SIGSEGV in `__nptl_deallocate_tsd`. Real hosts keep plugin libraries loaded too. So
/// the first load of each path leaks one `PluginEntry` clone.
fn keep_loaded(bundle_path: &Path, entry: &PluginEntry) {
    static PINNED: Mutex<Vec<PathBuf>> = Mutex::new(Vec::new());
    let mut pinned = PINNED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    if !pinned.iter().any(|p| p == bundle_path) {
        pinned.push(bundle_path.to_path_buf());
        std::mem::forget(entry.clone());
    }
}

impl Drop for PluginHost {
    fn drop(&mut self) {
        self.deactivate();
    }
}

impl std::fmt::Debug for PluginHost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginHost").finish_non_exhaustive()
    }
}
