//! The standalone program's window on the drift-free clock: the headless driver
//! ([`crate::headless`]) processes the plugin on a thread of its own, and the editor opens in a
//! window of its own on the calling thread, with a [`GuiContext`] made here.
//!
//! nice-plug's standalone wrapper cannot be given another clock: its `Backend` trait is private
//! (`nice-plug 0.4.2`, `src/wrapper/standalone.rs`: `mod backend;`), and its dummy backend
//! sleeps one period after each period's start (`backend/dummy.rs`), so it drifts. But every
//! piece a window needs is public: `Plugin::editor`, `Editor::spawn` with no parent window (what
//! the wrapper itself calls), `EditorHandle::run_until_closed`, and `GuiContext::new` over a
//! `GuiContextInner` of our own. Parameter changes made in the window travel through a
//! lock-free queue to the driver thread, which applies them between blocks, as a host does.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

use nice_plug::context::gui::GuiContext;
use nice_plug::editor::{EditorHandle, SpawnedEditor};
use nice_plug::prelude::*;
use rtrb::{Consumer, Producer, PushError, RingBuffer};

use crate::headless::{self, HeadlessConfig, HeadlessReport};
use crate::ChronusSeq;

/// Parameter changes the window may make between two blocks before the oldest are dropped.
const PARAM_QUEUE: usize = 1024;

/// Plays `plugin` on the headless driver while its editor window is open, on the calling
/// thread. Returns when the window closes (the close button, or SIGINT/SIGTERM/SIGHUP once the
/// editor takes them over) or when `stop` is raised and the window then closes; the plugin is
/// then deactivated (closing every open OSC gate). Returns what the driver did; fails if the
/// plugin has no editor, the window cannot open, or the driver fails.
pub fn run(
    mut plugin: ChronusSeq,
    config: HeadlessConfig,
    stop: Arc<AtomicBool>,
) -> Result<HeadlessReport, String> {
    let executor = AsyncExecutor::new(Arc::new(|()| {}), Arc::new(|()| {}));
    let editor = plugin
        .editor(executor)
        .ok_or_else(|| "the plugin offers no editor window".to_owned())?;
    let (producer, mut consumer) = RingBuffer::new(PARAM_QUEUE);
    let context = GuiContext::new(Arc::new(WindowContext {
        changes: Mutex::new(producer),
    }));

    let driver = {
        let stop = Arc::clone(&stop);
        let sample_rate = config.sample_rate;
        thread::Builder::new()
            .name("chronus-seq-driver".to_owned())
            .spawn(move || {
                headless::run_with(&mut plugin, config, &stop, || {
                    apply_changes(&mut consumer, sample_rate)
                })
            })
            .map_err(|error| format!("cannot start the driver thread: {error}"))?
    };

    let window = editor
        .spawn(None, false, None, context, None)
        .map_err(|error| format!("cannot open the window: {error}"));
    let shown = window.and_then(|SpawnedEditor { handle, window }| {
        let closed = <<ChronusSeq as Plugin>::Editor as Editor>::Handle::run_until_closed(window)
            .map_err(|error| format!("the window failed: {error}"));
        drop(handle);
        closed
    });
    stop.store(true, Ordering::Relaxed);
    let played = driver
        .join()
        .unwrap_or_else(|_| Err("the driver thread panicked".to_owned()));
    shown.and(played)
}

/// Applies the window's parameter changes. Driver thread, between blocks: pops a lock-free
/// queue, allocates nothing.
fn apply_changes(changes: &mut Consumer<(ParamPtr, f32)>, sample_rate: f32) {
    while let Ok((param, normalized)) = changes.pop() {
        // SAFETY: every `ParamPtr` in the queue came from the editor's `ParamSetter`, which takes
        // it from the plugin's own parameters; they live in the `Arc` the plugin holds for its
        // whole life, which outlasts the driver thread.
        unsafe {
            param._internal_set_normalized_value(normalized);
            param._internal_update_smoother(sample_rate, false);
        }
    }
}

/// The window's view of its host: parameter changes go to the driver thread; gestures mean
/// nothing without automation to record.
struct WindowContext {
    /// Producer end of the parameter-change queue. Locked by the GUI thread only (the driver
    /// thread pops the consumer end without a lock).
    changes: Mutex<Producer<(ParamPtr, f32)>>,
}

impl GuiContextInner for WindowContext {
    fn plugin_api(&self) -> PluginApi {
        PluginApi::Standalone
    }

    unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {}

    unsafe fn raw_set_parameter_normalized(&self, param: ParamPtr, normalized: f32) {
        let mut changes = self.changes.lock().unwrap_or_else(PoisonError::into_inner);
        if let Err(PushError::Full(_)) = changes.push((param, normalized)) {
            nice_log!("Chronus Seq: too many parameter changes at once; one was dropped");
        }
    }

    unsafe fn raw_end_set_parameter(&self, _param: ParamPtr) {}

    fn get_state(&self) -> PluginState {
        // The editor saves nothing through the host: its document is saved by the plugin.
        PluginState {
            version: String::new(),
            params: Default::default(),
            fields: Default::default(),
        }
    }

    fn set_state(&self, _state: PluginState) {}

    fn request_restart(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameter_changes_from_the_window_apply_between_blocks() {
        let plugin = ChronusSeq::default();
        let params = plugin.params();
        let (_, delay, _) = params
            .param_map()
            .into_iter()
            .find(|(id, _, _)| id == "osc_delay")
            .expect("the osc_delay parameter");
        let (producer, mut consumer) = RingBuffer::new(4);
        let context = WindowContext {
            changes: Mutex::new(producer),
        };
        // SAFETY: `delay` points into `params`, alive to the end of the test.
        let value = || unsafe { delay.unmodulated_normalized_value() };
        assert_eq!(value(), 0.0);
        // SAFETY: as above; the parameter exists.
        unsafe { context.raw_set_parameter_normalized(delay, 0.5) };
        assert_eq!(value(), 0.0, "nothing changes before the driver applies it");
        apply_changes(&mut consumer, 48_000.0);
        assert_eq!(value(), 0.5);
        // SAFETY: as above.
        let plain = unsafe { delay.unmodulated_plain_value() };
        assert_eq!(plain, 125.0);
    }
}
