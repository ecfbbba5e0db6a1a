//! Changes to host parameters that come from inside the plugin (OSC commands, the editor), sent
//! the way the host records them: as a gesture through the framework's GUI context, so the DAW
//! sees the new value, shows it and can record it as automation.
//!
//! The framework hands out that context only when the editor opens. The gateway keeps it from
//! then on (the context holds the plugin weakly, so keeping it creates no cycle). Until the editor
//! has been opened once, a change is stored straight into the parameter: the plugin plays it at
//! once, but the host learns of it only when it next reads the value.
//!
//! Threads: the editor's changes come from the GUI thread, where every plugin API accepts them.
//! Changes from other threads (OSC commands) go to the host only under CLAP, whose parameter
//! output queue and flush request may be used from any thread; VST3 wants its edit calls on the
//! main thread, so there such a change is stored directly. A change from another thread to the
//! parameter the musician is dragging is stored directly too, never interleaved with the drag's
//! gesture. All gestures pass one lock, so two threads never interleave theirs.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Mutex, MutexGuard};

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;

/// How a change reached the parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Through the host, as a recorded gesture.
    Host,
    /// Stored in the plugin only; the host has not been told.
    PluginOnly,
}

/// The context and the drag in progress, under one lock.
#[derive(Default)]
struct Gestures {
    /// The editor's context, once the editor has been opened.
    context: Option<GuiContext>,
    /// Address of the parameter the musician is dragging in the editor, if any.
    dragging: Option<usize>,
}

/// The path for parameter changes made by the plugin itself.
#[derive(Default)]
pub struct ParamGateway {
    /// Set by the GUI thread when the editor opens and when drags start and end; used by the GUI
    /// and OSC-in threads, one gesture at a time.
    gestures: Mutex<Gestures>,
}

/// Identifies a parameter by where it lives.
fn address_of<P: Param>(param: &P) -> usize {
    std::ptr::from_ref(param).cast::<()>() as usize
}

/// Stores `normalized` straight into `param`, without telling the host.
fn store_directly<P: Param>(param: &P, normalized: f32) -> Route {
    // SAFETY: the pointer comes from `param`, a live parameter borrowed for this call. Parameter
    // values are atomics, so storing one from this thread while the audio thread reads it is
    // what the framework itself does for host changes.
    unsafe { param.as_ptr()._internal_set_normalized_value(normalized) };
    Route::PluginOnly
}

/// One begin/set/end gesture through `context`. `false` if the framework failed (its plugin
/// instance is being destroyed).
fn gesture<P: Param>(context: &GuiContext, param: &P, normalized: f32) -> bool {
    catch_unwind(AssertUnwindSafe(|| {
        let setter = context.param_setter();
        setter.begin_set_parameter(param);
        setter.set_parameter_normalized(param, normalized);
        setter.end_set_parameter(param);
    }))
    .is_ok()
}

impl ParamGateway {
    fn lock(&self) -> MutexGuard<'_, Gestures> {
        self.gestures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps the editor's context for changes from now on. GUI thread.
    pub fn attach(&self, context: GuiContext) {
        self.lock().context = Some(context);
    }

    /// Whether the editor's changes reach the host.
    pub fn reaches_host(&self) -> bool {
        self.lock().context.is_some()
    }

    /// Sets `param` to `value` as one gesture, from the GUI thread.
    pub fn set_from_gui<P: Param>(&self, param: &P, value: P::Plain) -> Route {
        let normalized = param.preview_normalized(value);
        let gestures = self.lock();
        match &gestures.context {
            Some(context) if gesture(context, param, normalized) => Route::Host,
            _ => store_directly(param, normalized),
        }
    }

    /// Sets `param` to `value` from a thread other than the GUI thread (OSC commands): as one
    /// gesture through the host where the plugin API allows it from any thread (CLAP), else
    /// stored directly. Never call from the audio thread.
    pub fn set<P: Param>(&self, param: &P, value: P::Plain) -> Route {
        let normalized = param.preview_normalized(value);
        let gestures = self.lock();
        let dragged = gestures.dragging == Some(address_of(param));
        match &gestures.context {
            Some(context)
                if !dragged
                    && context.plugin_api() == PluginApi::Clap
                    && gesture(context, param, normalized) =>
            {
                Route::Host
            }
            _ => store_directly(param, normalized),
        }
    }

    /// Starts the musician's drag of `param`. GUI thread.
    pub fn begin_drag<P: Param>(&self, param: &P) {
        let mut gestures = self.lock();
        gestures.dragging = Some(address_of(param));
        if let Some(context) = &gestures.context {
            context.param_setter().begin_set_parameter(param);
        }
    }

    /// A value of the drag of `param`. GUI thread.
    pub fn drag_to<P: Param>(&self, param: &P, value: P::Plain) {
        let gestures = self.lock();
        match &gestures.context {
            Some(context) => context.param_setter().set_parameter(param, value),
            None => {
                store_directly(param, param.preview_normalized(value));
            }
        }
    }

    /// Ends the drag of `param`. GUI thread.
    pub fn end_drag<P: Param>(&self, param: &P) {
        let mut gestures = self.lock();
        gestures.dragging = None;
        if let Some(context) = &gestures.context {
            context.param_setter().end_set_parameter(param);
        }
    }
}

impl std::fmt::Debug for ParamGateway {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParamGateway").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::prelude::{GuiContextInner, ParamPtr, PluginApi, PluginState};
    use std::sync::Arc;

    /// A host of one plugin API, recording what it receives.
    struct RecordingHost {
        api: PluginApi,
        calls: Mutex<Vec<String>>,
    }

    impl RecordingHost {
        fn new(api: PluginApi) -> Arc<RecordingHost> {
            Arc::new(RecordingHost {
                api,
                calls: Mutex::default(),
            })
        }
    }

    impl GuiContextInner for RecordingHost {
        fn plugin_api(&self) -> PluginApi {
            self.api
        }
        unsafe fn raw_begin_set_parameter(&self, _param: ParamPtr) {
            self.calls.lock().expect("lock").push("begin".to_owned());
        }
        unsafe fn raw_set_parameter_normalized(&self, _param: ParamPtr, normalized: f32) {
            let call = format!("set {normalized}");
            self.calls.lock().expect("lock").push(call);
        }
        unsafe fn raw_end_set_parameter(&self, _param: ParamPtr) {
            self.calls.lock().expect("lock").push("end".to_owned());
        }
        fn get_state(&self) -> PluginState {
            unimplemented!("not used by the gateway")
        }
        fn set_state(&self, _state: PluginState) {}
        fn request_restart(&self) {}
    }

    #[test]
    fn under_vst3_other_threads_store_directly_and_the_gui_goes_through_the_host() {
        let gateway = ParamGateway::default();
        let host = RecordingHost::new(PluginApi::Vst3);
        gateway.attach(GuiContext::new(host.clone()));
        let solo = BoolParam::new("Solo", false);
        assert_eq!(gateway.set(&solo, true), Route::PluginOnly);
        assert!(solo.value());
        assert!(host.calls.lock().expect("lock").is_empty());
        assert_eq!(gateway.set_from_gui(&solo, false), Route::Host);
        assert_eq!(host.calls.lock().expect("lock").len(), 3);
    }

    #[test]
    fn a_change_from_another_thread_never_interleaves_with_a_drag() {
        let gateway = ParamGateway::default();
        let host = RecordingHost::new(PluginApi::Clap);
        gateway.attach(GuiContext::new(host.clone()));
        let gate = FloatParam::new(
            "Gate",
            50.0,
            FloatRange::Linear {
                min: 1.0,
                max: 100.0,
            },
        );
        let swing = FloatParam::new(
            "Swing",
            50.0,
            FloatRange::Linear {
                min: 50.0,
                max: 75.0,
            },
        );
        gateway.begin_drag(&gate);
        assert_eq!(
            gateway.set(&gate, 80.0),
            Route::PluginOnly,
            "the drag owns it"
        );
        assert_eq!(
            gateway.set(&swing, 60.0),
            Route::Host,
            "another parameter is free"
        );
        gateway.drag_to(&gate, 30.0);
        gateway.end_drag(&gate);
        let calls = host.calls.lock().expect("lock").clone();
        assert_eq!(
            calls.len(),
            1 + 3 + 1 + 1,
            "drag begin, swing gesture, drag set, drag end"
        );
        assert_eq!(
            gateway.set(&gate, 80.0),
            Route::Host,
            "free again after the drag"
        );
    }

    #[test]
    fn changes_go_to_the_plugin_until_an_editor_context_is_attached() {
        let gateway = ParamGateway::default();
        let mute = BoolParam::new("Mute", false);
        assert_eq!(gateway.set(&mute, true), Route::PluginOnly);
        assert!(mute.value(), "stored in the parameter");

        let host = RecordingHost::new(PluginApi::Clap);
        gateway.attach(GuiContext::new(host.clone()));
        assert!(gateway.reaches_host());
        assert_eq!(gateway.set(&mute, false), Route::Host);
        let calls = host.calls.lock().expect("lock").clone();
        assert_eq!(calls, ["begin", "set 0", "end"], "one gesture to the host");
    }
}
