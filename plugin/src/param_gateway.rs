//! Changes to host parameters that come from inside the plugin (OSC commands, the editor), sent
//! the way the host records them: as a gesture through the framework's GUI context, so the DAW
//! sees the new value, shows it and can record it as automation.
//!
//! The framework hands out that context only when the editor opens. The gateway keeps it from
//! then on (the context holds the plugin weakly, so keeping it creates no cycle). Until the editor
//! has been opened once, a change is stored straight into the parameter: the plugin plays it at
//! once, but the host learns of it only when it next reads the value.

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

/// The path for parameter changes made by the plugin itself.
#[derive(Default)]
pub struct ParamGateway {
    /// The editor's context, once the editor has been opened. Set by the GUI thread; used by the
    /// GUI and OSC-in threads, one change at a time (the lock also keeps gestures from two
    /// threads from interleaving).
    context: Mutex<Option<GuiContext>>,
}

impl ParamGateway {
    fn lock(&self) -> MutexGuard<'_, Option<GuiContext>> {
        self.context
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Keeps the editor's context for changes from now on.
    pub fn attach(&self, context: GuiContext) {
        *self.lock() = Some(context);
    }

    /// Whether changes reach the host.
    pub fn reaches_host(&self) -> bool {
        self.lock().is_some()
    }

    /// Sets `param` to `value` as one gesture. Never call from the audio thread.
    pub fn set<P: Param>(&self, param: &P, value: P::Plain) -> Route {
        let normalized = param.preview_normalized(value);
        match &*self.lock() {
            Some(context) => {
                let setter = context.param_setter();
                setter.begin_set_parameter(param);
                setter.set_parameter_normalized(param, normalized);
                setter.end_set_parameter(param);
                Route::Host
            }
            None => {
                // SAFETY: the pointer comes from `param`, a live parameter borrowed for this call.
                // Parameter values are atomics, so storing one from this thread while the audio
                // thread reads it is what the framework itself does for host changes.
                unsafe { param.as_ptr()._internal_set_normalized_value(normalized) };
                Route::PluginOnly
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use nice_plug::prelude::{GuiContextInner, ParamPtr, PluginApi, PluginState};
    use std::sync::Arc;

    /// Records what a host would receive.
    #[derive(Default)]
    struct RecordingHost {
        calls: Mutex<Vec<String>>,
    }

    impl GuiContextInner for RecordingHost {
        fn plugin_api(&self) -> PluginApi {
            PluginApi::Clap
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
    fn changes_go_to_the_plugin_until_an_editor_context_is_attached() {
        let gateway = ParamGateway::default();
        let mute = BoolParam::new("Mute", false);
        assert_eq!(gateway.set(&mute, true), Route::PluginOnly);
        assert!(mute.value(), "stored in the parameter");

        let host = Arc::new(RecordingHost::default());
        gateway.attach(GuiContext::new(host.clone()));
        assert!(gateway.reaches_host());
        assert_eq!(gateway.set(&mute, false), Route::Host);
        let calls = host.calls.lock().expect("lock").clone();
        assert_eq!(calls, ["begin", "set 0", "end"], "one gesture to the host");
    }
}
